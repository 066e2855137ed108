"""Notice when the inputs of the chapters changed since the last successful book build.

The execution cache of the book keys on the code cells of a page only, so a change in ``src/``,
``data/`` or the lock file would otherwise leave stale outputs in the HTML. ``check`` exits 1 when
the digest of those inputs differs from the one stored by the last ``write``.

    python tools/inputs_stamp.py check   # exit 0: unchanged; exit 1: changed (or never built)
    python tools/inputs_stamp.py write   # store the digest after a successful build
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ("src", "data", "requirements.lock")
STAMP = ROOT / "_build" / ".inputs.sha256"
SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints"}


def input_files() -> list[Path]:
    """Every file the chapters depend on besides their own text, in a stable order."""
    files: list[Path] = []
    for name in INPUTS:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        files += [
            p
            for p in candidates
            if p.is_file()
            and not SKIP_PARTS.intersection(p.parts)
            and not any(part.endswith(".egg-info") for part in p.parts)
        ]
    return files


def digest() -> str:
    h = hashlib.sha256()
    for p in input_files():
        h.update(p.relative_to(ROOT).as_posix().encode() + b"\0")
        h.update(p.read_bytes() + b"\0")
    return h.hexdigest()


def main(argv: list[str]) -> int:
    if argv[1:] == ["check"]:
        return 0 if STAMP.is_file() and STAMP.read_text().strip() == digest() else 1
    if argv[1:] == ["write"]:
        STAMP.parent.mkdir(parents=True, exist_ok=True)
        STAMP.write_text(digest() + "\n")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
