"""Shared test helpers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Empty the library's function caches (``functools.cache``/``lru_cache``) when a test session starts.

    mutmut runs the tests once in its own process, then forks a child per mutant that runs them again:
    without this the child reads results the first run cached (the inventory of an architecture, a
    compiled pipeline schedule, the loaded facts), computed by the original code, and a mutant in the
    functions those results came from is never executed, so it "survives". A fresh ``pytest`` process has
    nothing cached, so this changes nothing outside mutmut.
    """
    for name, module in list(sys.modules.items()):
        if name != "dsv3" and not name.startswith("dsv3."):
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):
                value.cache_clear()


@pytest.fixture
def write_csv(tmp_path: Path):
    """Write ``text`` to a CSV file in a temporary folder and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
