"""The prose formats: units written one way everywhere."""

from __future__ import annotations

import math

import pytest

from dsv3.book import fmt


def test_formats() -> None:
    assert fmt.usd(5.576e6) == "$5.576M"
    assert fmt.scaled(2_664_000, "K") == "2,664K"
    assert fmt.scaled(30.84e6, "M", 2) == "30.84M"
    assert fmt.pct(0.425) == "42.5%"
    assert fmt.times(11.06) == "11.1x"
    assert fmt.sci(3.2856e24) == "3.29e24"
    assert fmt.sig(5.328e6) == "5,328,000"
    assert fmt.sig(0.4251234) == "0.425123"
    assert fmt.sig(3.66) == "3.66"


def test_formats_return_plain_str() -> None:
    import numpy as np

    assert type(fmt.num(np.float64(3.5), 1)) is str


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_formats_refuse_non_finite(bad: float) -> None:
    with pytest.raises(ValueError):
        fmt.num(bad)


def test_unknown_unit() -> None:
    with pytest.raises(ValueError, match="unit"):
        fmt.scaled(1.0, "G")
