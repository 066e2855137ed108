"""How a printed figure was rounded, and whether a computed value prints as it (every check room).

A published figure is a computed quantity rounded to the ``nearest`` unit, or truncated (``down``,
as "405B" for a 405.85B model), or given ``exact``. :func:`prints_as` is the one test of "the
figure follows once rounded" used by the parameter reconciliation, the claims audit and the
chapters' check tables.
"""

from __future__ import annotations

import math
from typing import Literal

from dsv3.checks import non_negative_int, positive

Rounding = Literal["nearest", "down", "exact"]


def rounded(value: float, rounding: str, unit: float) -> float:
    """``value`` rounded the way a published figure was: to the ``nearest`` ``unit``, ``down`` to it, or ``exact``.

    Halves round up (``nearest``: 36.5 -> 37), as printed figures do, not to even.
    """
    unit = positive("unit", unit)
    if rounding == "nearest":
        return math.floor(value / unit + 0.5) * unit
    if rounding == "down":
        return math.floor(value / unit) * unit
    if rounding == "exact":
        return value
    raise ValueError(f"rounding must be 'nearest', 'down' or 'exact', got {rounding!r}")


def unit_of_decimals(decimals: int) -> float:
    """The unit of the last printed digit of a figure printed with ``decimals`` decimals (2 -> 0.01)."""
    return 10.0 ** -non_negative_int("decimals", decimals)


def prints_as(computed: float, published: float, unit: float, rounding: str = "nearest") -> bool:
    """Whether ``computed``, rounded as the figure was (:func:`rounded`), prints as ``published``.

    :func:`rounded` checks ``unit``; equal means within a millionth of it.
    """
    return abs(rounded(computed, rounding, unit) - published) <= 1e-6 * unit
