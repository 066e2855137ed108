"""dsv3.claims.rounding: how a printed figure was rounded, on hand-worked cases.

"405B" for Llama 3.1's 405.85B parameters is a truncation (rounded to the nearest billion it would print
406B); "37B" for DeepSeek-V3's 36.63B activated parameters is rounding to the nearest billion. Halves round
up, as printed figures do (36.5 -> 37), not to even as Python's round() does (round(36.5) == 36).
"""

from __future__ import annotations

import pytest

from dsv3.claims.rounding import prints_as, rounded, unit_of_decimals


@pytest.mark.parametrize(
    ("value", "rounding", "unit", "want"),
    [
        (36.5, "nearest", 1.0, 37.0),  # a half rounds up
        (36.49, "nearest", 1.0, 36.0),
        (37.5, "nearest", 1.0, 38.0),  # up, not to even
        (-0.5, "nearest", 1.0, 0.0),  # floor(-0.5 + 0.5) = 0
        (36.63e9, "nearest", 1e9, 37e9),
        (405.85e9, "nearest", 1e9, 406e9),
        (405.85e9, "down", 1e9, 405e9),  # truncation
        (36.99, "down", 1.0, 36.0),
        (-0.5, "down", 1.0, -1.0),  # down is floor, towards minus infinity
        (36.7, "down", 0.5, 36.5),
        (36.7, "nearest", 0.5, 36.5),
        (36.8, "nearest", 0.5, 37.0),
        (36.63, "exact", 1.0, 36.63),  # exact: the value itself
        (36.63, "exact", 1e9, 36.63),
    ],
)
def test_rounded_by_hand(value: float, rounding: str, unit: float, want: float) -> None:
    assert rounded(value, rounding, unit) == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_rounded_refuses_an_unknown_rounding_and_a_bad_unit() -> None:
    with pytest.raises(ValueError, match="rounding"):
        rounded(1.0, "up", 1.0)
    with pytest.raises(ValueError, match="^unit "):
        rounded(1.0, "nearest", 0.0)
    with pytest.raises(ValueError, match="^unit "):
        rounded(1.0, "exact", -1.0)  # the unit is checked even where it is not used


@pytest.mark.parametrize(("decimals", "unit"), [(0, 1.0), (1, 0.1), (2, 0.01), (3, 0.001)])
def test_unit_of_decimals(decimals: int, unit: float) -> None:
    assert unit_of_decimals(decimals) == pytest.approx(unit, rel=1e-12)


def test_unit_of_decimals_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="^decimals "):
        unit_of_decimals(-1)


def test_prints_as_nearest_by_default() -> None:
    assert prints_as(36.63e9, 37e9, 1e9)  # 36.63B prints as 37B
    assert not prints_as(36.63e9, 36e9, 1e9)
    assert prints_as(36.63e9, 36e9, 1e9, "down")  # truncated it prints as 36B
    assert prints_as(405.85e9, 405e9, 1e9, "down")
    assert not prints_as(405.85e9, 405e9, 1e9)
    assert prints_as(405.85e9, 406e9, 1e9, "nearest")


def test_prints_as_allows_a_millionth_of_a_unit() -> None:
    # exact figures compare with a slack of 1e-6 unit: 1,000 at a unit of 1e9, and no more
    assert prints_as(1e9, 1e9 + 1000, 1e9, "exact")
    assert prints_as(1e9, 1e9 - 1000, 1e9, "exact")
    assert not prints_as(1e9, 1e9 + 1001, 1e9, "exact")
    assert not prints_as(1e9, 1e9 - 1001, 1e9, "exact")


def test_prints_as_refuses_a_bad_unit() -> None:
    with pytest.raises(ValueError, match="^unit "):
        prints_as(1.0, 1.0, 0.0, "exact")
    assert prints_as(36.63e9, 37e9, 1_000_000_000)  # an integer unit works as well
