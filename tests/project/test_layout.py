"""The layout's rules that the import-layer contract cannot see (README, "Where new code goes")."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "dsv3"

#: Calls that open or list files.
FILE_ACCESS = re.compile(r"\b(open\(|read_text\(|read_bytes\(|write_text\(|read_csv\(|json\.load\(|glob\(|is_file\(\))")


def test_only_the_inputs_room_opens_files() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{n}"
        for path in SRC.rglob("*.py")
        if path.relative_to(SRC).parts[0] != "inputs"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if FILE_ACCESS.search(line.split("#")[0])
    ]
    assert offenders == [], f"file access outside dsv3.inputs: {offenders}"


def test_the_rule_catches_a_file_access() -> None:
    assert FILE_ACCESS.search("table = pd.read_csv(path)")
    assert FILE_ACCESS.search("text = Path(p).read_text()")
    assert not FILE_ACCESS.search("count = opened + 1")


def test_every_room_is_documented_in_the_readme() -> None:
    readme = (SRC.parents[1] / "README.md").read_text(encoding="utf-8")
    rooms = sorted(p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert rooms == ["arch", "book", "claims", "evals", "inputs", "serving", "training"]
    for room in rooms:
        assert f"`{room}/`" in readme, room
