"""The environment the book is built with: the pinned versions of ``requirements.lock`` (status page)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from dsv3.inputs.paths import REPO_ROOT
from dsv3.inputs.schema import DataError

#: A pinned requirement line of the lock: ``name==version``, then hashes on continuation lines.
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def locked_versions(path: Path | None = None) -> pd.DataFrame:
    """Every package pinned in ``requirements.lock`` (or ``path``), as ``package`` and ``version``, by name."""
    lock = path or REPO_ROOT / "requirements.lock"
    pins = [m.groups() for line in lock.read_text(encoding="utf-8").splitlines() if (m := PIN.match(line))]
    if not pins:
        raise DataError(f"{lock.name}: no pinned requirement (name==version) found")
    table = pd.DataFrame(pins, columns=["package", "version"])
    return table.sort_values("package", key=lambda s: s.str.lower(), kind="stable").reset_index(drop=True)
