"""Format numbers for prose: every glued number in the book passes through here.

The functions return ``str`` (never a numpy scalar), so that ``glue`` stores plain text and the
book's units are written one way: K/M/B/T = 1e3/1e6/1e9/1e12 for counts and dollars.
"""

from __future__ import annotations

import math

_SCALE = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def _finite(x: float) -> float:
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"cannot format {x!r}")
    return x


def num(x: float, digits: int = 0) -> str:
    """``x`` with thousands separators and ``digits`` decimals: ``num(2664000) == '2,664,000'``."""
    return f"{_finite(x):,.{digits}f}"


def scaled(x: float, unit: str, digits: int = 0) -> str:
    """``x`` in units of K, M, B or T: ``scaled(2_664_000, 'K') == '2,664K'``."""
    if unit not in _SCALE:
        raise ValueError(f"unit must be one of {list(_SCALE)}, got {unit!r}")
    return num(_finite(x) / _SCALE[unit], digits) + unit


def usd(x: float, unit: str = "M", digits: int = 3) -> str:
    """Dollars, scaled: ``usd(5.328e6) == '$5.328M'``."""
    return "$" + scaled(x, unit, digits)


def pct(fraction: float, digits: int = 1) -> str:
    """A fraction as a percentage: ``pct(0.425) == '42.5%'``."""
    return f"{_finite(fraction) * 100:.{digits}f}%"


def times(x: float, digits: int = 1) -> str:
    """A ratio: ``times(11.06) == '11.1x'``."""
    return f"{_finite(x):.{digits}f}x"


def sci(x: float, digits: int = 2) -> str:
    """Scientific notation in text form: ``sci(3.29e24) == '3.29e24'``."""
    mantissa, exponent = f"{_finite(x):.{digits}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def sig(x: float, digits: int = 6) -> str:
    """``x`` to ``digits`` significant digits in plain notation with separators: ``sig(5.328e6) == '5,328,000'``."""
    x = _finite(x)
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    text = f"{round(x, decimals):,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
