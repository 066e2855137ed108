"""The build helpers: the input stamp that makes `make book` re-execute stale chapters."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load_stamp(root: Path):
    spec = importlib.util.spec_from_file_location("inputs_stamp", ROOT / "tools" / "inputs_stamp.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    module.ROOT = root
    module.STAMP = root / "_build" / ".inputs.sha256"
    return module


def test_stamp_notices_changes_in_src_data_and_lock(tmp_path: Path) -> None:
    for name in ("src/dsv3/a.py", "data/t.csv", "requirements.lock"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n")
    stamp = _load_stamp(tmp_path)
    assert stamp.main(["", "check"]) == 1  # never built
    assert stamp.main(["", "write"]) == 0
    assert stamp.main(["", "check"]) == 0
    for name in ("src/dsv3/a.py", "data/t.csv", "requirements.lock"):
        before = (tmp_path / name).read_text()
        (tmp_path / name).write_text("y\n")
        assert stamp.main(["", "check"]) == 1, name
        (tmp_path / name).write_text(before)
        assert stamp.main(["", "check"]) == 0, name
    (tmp_path / "data" / "new.csv").write_text("z\n")  # a new file counts too
    assert stamp.main(["", "check"]) == 1


def test_stamp_ignores_caches(tmp_path: Path) -> None:
    (tmp_path / "src" / "dsv3" / "__pycache__").mkdir(parents=True)
    (tmp_path / "data").mkdir()
    (tmp_path / "requirements.lock").write_text("x\n")
    stamp = _load_stamp(tmp_path)
    stamp.main(["", "write"])
    (tmp_path / "src" / "dsv3" / "__pycache__" / "a.pyc").write_bytes(b"\0")
    (tmp_path / "src" / "dsv3.egg-info").mkdir()
    (tmp_path / "src" / "dsv3.egg-info" / "PKG-INFO").write_text("x")
    assert stamp.main(["", "check"]) == 0
