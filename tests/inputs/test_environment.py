"""The pinned environment: the lock covers requirements.in, and the status page reads its pins."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dsv3.inputs.environment import locked_versions
from dsv3.inputs.schema import DataError

ROOT = Path(__file__).resolve().parents[2]


def test_every_direct_requirement_is_pinned_with_hashes() -> None:
    wanted = {
        re.split(r"[<>=\s#]", line, maxsplit=1)[0].lower().replace("_", "-")
        for line in (ROOT / "requirements.in").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    pinned = {p.lower().replace("_", "-") for p in locked_versions()["package"]}
    assert wanted <= pinned, sorted(wanted - pinned)
    lock = (ROOT / "requirements.lock").read_text()
    # every pinned line is followed by at least one hash (uv pip install --require-hashes refuses otherwise)
    blocks = re.split(r"\n(?=[A-Za-z0-9])", lock)
    assert all("--hash=sha256:" in b for b in blocks if re.match(r"[A-Za-z0-9][\w.-]*==", b))


def test_jupyter_book_is_pinned_below_2() -> None:
    version = locked_versions().set_index("package").loc["jupyter-book", "version"]
    assert version.split(".")[0] == "1"  # 2.x has no _config.yml/_toc.yml and no glue


def test_a_lock_without_pins_is_named(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("# nothing pinned\n")
    with pytest.raises(DataError, match="requirements.lock: no pinned requirement"):
        locked_versions(lock)
    lock.write_text("numpy==2.3.0 \\\n    --hash=sha256:abc\nPandas==2.0 \\\n    --hash=sha256:def\n")
    assert locked_versions(lock).to_dict("records") == [
        {"package": "numpy", "version": "2.3.0"},
        {"package": "Pandas", "version": "2.0"},
    ]
