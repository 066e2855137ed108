"""Where the book's data lives: ``data/`` of the repository, or the folder named by ``DSV3_DATA_DIR``."""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root: ``src/dsv3/inputs/paths.py`` -> ``inputs`` -> ``dsv3`` -> ``src`` -> root.
REPO_ROOT = Path(__file__).resolve().parents[3]


def data_dir() -> Path:
    """``data/`` of the repository, or the folder named by the ``DSV3_DATA_DIR`` environment variable."""
    return Path(os.environ.get("DSV3_DATA_DIR", REPO_ROOT / "data"))


def data_file(name: str) -> Path:
    """Path of ``data/<name>``; raises ``FileNotFoundError`` naming the file when it is missing."""
    path = data_dir() / name
    if not path.is_file():
        raise FileNotFoundError(
            f"data file {path} not found; dsv3 reads the data/ folder of its repository "
            "(install it with `pip install -e .` from a clone, or set DSV3_DATA_DIR)"
        )
    return path
