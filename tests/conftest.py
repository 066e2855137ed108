"""Shared test helpers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _clear_library_caches() -> None:
    for name, module in list(sys.modules.items()):
        if name != "dsv3" and not name.startswith("dsv3."):
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):
                value.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_caches_under_mutmut() -> None:
    """Under mutmut, empty the library's function caches (``functools.cache``/``lru_cache``) before each test.

    mutmut first runs the tests once recording which test reaches which function, then forks a child per
    mutant that runs the tests reaching it. With the caches kept, a test that finds the inventory of an
    architecture, a compiled pipeline schedule or the loaded facts already cached (by an earlier test, or
    by mutmut's own clean run before the fork) reaches none of the functions that computed them: it is
    not counted as reaching them, and in a child it reads the original code's result, so a mutant there
    "survives". mutmut sets ``MUTANT_UNDER_TEST`` for all its runs; a plain ``pytest`` keeps its caches.

    For the same reason a fixture that calls the library is function-scoped, not module-scoped: a
    module-scoped one runs inside the first test only, so mutmut would count no other test of the module
    as reaching what it computed. The loaders are cached, so in a plain run this costs nothing.
    """
    if "MUTANT_UNDER_TEST" in os.environ:
        _clear_library_caches()


@pytest.fixture
def write_csv(tmp_path: Path):
    """Write ``text`` to a CSV file in a temporary folder and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
