"""Argument checks shared by every module: bad input fails early with the argument's name."""

from __future__ import annotations

import math
from numbers import Real


def positive(name: str, value: float) -> float:
    """Return ``value`` as a float if it is a finite number > 0, else raise ``ValueError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return float(value)


def non_negative(name: str, value: float) -> float:
    """Return ``value`` as a float if it is a finite number >= 0, else raise ``ValueError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be non-negative and finite, got {value!r}")
    return float(value)


def fraction(name: str, value: float) -> float:
    """Return ``value`` as a float if 0 <= value <= 1, else raise ``ValueError`` naming it."""
    v = non_negative(name, value)
    if v > 1:
        raise ValueError(f"{name} must be a fraction between 0 and 1, got {value!r}")
    return v
