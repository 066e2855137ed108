"""The mutation report's sample mode: the Wilson interval it prints and the rooms it groups by."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_report():
    spec = importlib.util.spec_from_file_location("mutation_report", ROOT / "tools" / "mutation_report.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


report = _load_report()


def test_wilson_by_hand_with_z_2() -> None:
    # n = 4, k = 2, z = 2: p = 1/2, z²/n = 1, so centre = (1/2 + 4/8) / 2 = 1/2 and
    # half-width = 2·sqrt(1/16 + 4/64) / 2 = sqrt(1/8).
    lo, hi = report.wilson(2, 4, z=2.0)
    assert lo == pytest.approx(0.5 - 0.125**0.5) and hi == pytest.approx(0.5 + 0.125**0.5)
    # k = n = 4: p = 1, centre = (1 + 1/2) / 2 = 3/4, half-width = 2·sqrt(4/64) / 2 = 1/4.
    assert report.wilson(4, 4, z=2.0) == pytest.approx((0.5, 1.0))


def test_wilson_matches_newcombe_1998() -> None:
    # Newcombe, "Two-sided confidence intervals for the single proportion", Stat. Med. 17 (1998),
    # Table II, score method without continuity correction: 81/263 -> 0.2553 to 0.3662.
    lo, hi = report.wilson(81, 263)
    assert lo == pytest.approx(0.2553, abs=1e-4) and hi == pytest.approx(0.3662, abs=1e-4)


def test_wilson_refuses_bad_counts() -> None:
    with pytest.raises(ValueError, match="n must"):
        report.wilson(0, 0)
    with pytest.raises(ValueError, match="killed"):
        report.wilson(5, 4)
    with pytest.raises(ValueError, match="killed"):
        report.wilson(-1, 4)


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("dsv3.arch.params", "dsv3.arch"),
        ("dsv3.inputs", "dsv3.inputs"),
        ("dsv3.claims.reproduce", "dsv3.claims"),
        ("dsv3.units", "cli/units/checks"),
        ("dsv3.checks", "cli/units/checks"),
        ("dsv3.cli", "cli/units/checks"),
        ("dsv3", "cli/units/checks"),
        ("dsv3.architecture", "cli/units/checks"),  # a prefix of a room's name is not that room
    ],
)
def test_room(module: str, expected: str) -> None:
    assert report.room(module) == expected


def test_sample_table_counts_and_interval() -> None:
    rows = [("dsv3.arch.params", f"m{i}", "killed") for i in range(3)] + [
        ("dsv3.units", "u1", "survived"),
        ("dsv3.units", "u2", "other"),
    ]
    lines = report.sample_table(rows)
    arch = next(line for line in lines if line.startswith("| dsv3.arch "))
    assert "| 3 | 3 | 0 | 0 | 0 | 100.0% |" in arch
    total = lines[-1]
    # 3 killed of 4 counted (the "other" mutant is in neither): 75.0%
    assert total.startswith("| **all** | 5 | 3 | 1 | 0 | 1 | 75.0% |")
