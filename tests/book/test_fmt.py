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


def test_table_html_has_its_id_source_and_bold() -> None:
    import pandas as pd

    from dsv3.book.tables import to_html

    df = pd.DataFrame({"model": ["a", "b"], "score": [1.0, 2.0]})
    bold = pd.DataFrame({"model": [False, False], "score": [False, True]})
    html = to_html(df, source="a test source", table_id="t-one", bold=bold, formats={"score": "{:.1f}"})
    assert 'id="T_t-one"' in html
    assert "Source: a test source" in html
    assert html.count("font-weight: bold") == 1
    assert "2.0" in html and "2.00" not in html
    assert to_html(df, source="s", table_id="t-one") == to_html(df, source="s", table_id="t-one")  # deterministic


def test_show_displays_wherever_it_stands(monkeypatch) -> None:
    # A table must reach the page even when the call is not the last line of its cell: show()
    # hands it to IPython's display() itself and returns nothing.
    import pandas as pd

    from dsv3.book import tables

    shown = []
    monkeypatch.setattr(tables, "display", shown.append)
    assert tables.show(pd.DataFrame({"x": [1]}), source="s", table_id="t-two") is None
    assert len(shown) == 1 and 'id="T_t-two"' in shown[0].data
    assert "scroll-table" not in shown[0].data  # no sideways scroll unless asked
    tables.show(pd.DataFrame({"x": [1]}), source="s", table_id="t-three", scroll=True)
    assert shown[1].data.startswith('<div class="scroll-table">')


# --- defaults, signs and edges, worked by hand ------------------------------------------------------


def test_default_digits() -> None:
    assert fmt.num(1234.6) == "1,235"  # no decimals by default
    assert fmt.num(0.26, 1) == "0.3"
    assert fmt.scaled(2_664_600, "K") == "2,665K"  # no decimals by default
    assert fmt.scaled(1234.0, "") == "1,234"  # the empty unit is 1
    assert fmt.scaled(3.2e12, "T", 1) == "3.2T"
    assert fmt.scaled(7.5e9, "B", 1) == "7.5B"
    assert fmt.usd(5.5764e6) == "$5.576M"  # millions with three decimals by default
    assert fmt.usd(2.5e9, "B") == "$2.500B"
    assert fmt.usd(10_000, "K", 0) == "$10K"
    assert fmt.pct(0.12345) == "12.3%"  # one decimal by default
    assert fmt.pct(0.12345, 2) == "12.35%"
    assert fmt.times(7.344) == "7.3x"  # one decimal by default
    assert fmt.times(7.344, 2) == "7.34x"
    assert fmt.sci(1.5e-3) == "1.50e-3"  # two decimals by default; the exponent without "+" or zeros
    assert fmt.sci(3.2856e24, 1) == "3.3e24"
    assert fmt.sci(7.0) == "7.00e0"


def test_sig_by_hand() -> None:
    assert fmt.sig(0.0) == "0"
    assert fmt.sig(-0.0012345) == "-0.0012345"  # 6 significant digits: 8 decimals, trailing zero dropped
    assert fmt.sig(1.0) == "1"  # 1.00000 -> "1"
    assert fmt.sig(123.456, 2) == "123"  # never fewer than 0 decimals: the integer part is kept whole
    assert fmt.sig(2.71828, 3) == "2.72"
    assert fmt.sig(-5.328e6) == "-5,328,000"  # no decimals: the integer's zeros stay
    assert fmt.sig(0.1, 1) == "0.1"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize(
    "call",
    [
        lambda x: fmt.num(x),
        lambda x: fmt.scaled(x, "K"),
        lambda x: fmt.usd(x),
        lambda x: fmt.pct(x),
        lambda x: fmt.times(x),
        lambda x: fmt.sci(x),
        lambda x: fmt.sig(x),
    ],
    ids=["num", "scaled", "usd", "pct", "times", "sci", "sig"],
)
def test_every_format_refuses_non_finite(call, bad: float) -> None:
    with pytest.raises(ValueError):
        call(bad)
