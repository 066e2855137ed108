"""Argument checks and error types shared by every room: bad input fails early, naming the argument."""

from __future__ import annotations

import math
from numbers import Integral, Real


class ConfigError(ValueError):
    """A model description (a config.json or a hand-built spec) that cannot be right; names the field."""


class NotReproduced(AssertionError):
    """A computed value does not reproduce the published figure it is checked against."""


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


def positive_int(name: str, value: int, error: type[ValueError] = ValueError) -> int:
    """Return ``value`` if it is an integer >= 1, else raise ``error`` (a ``ValueError``) naming it."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise error(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def non_negative_int(name: str, value: int, error: type[ValueError] = ValueError) -> int:
    """Return ``value`` if it is an integer >= 0, else raise ``error`` (a ``ValueError``) naming it."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise error(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)
