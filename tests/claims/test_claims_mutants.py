"""dsv3.claims: the reader's tables and number formats the mutation sample (issue 18) found untested.

``readable_published_params`` was reached by no unit test, and the check tables' number format and
tolerance words were never compared with a hand-written expectation. The inputs here are made up
so that every expected string can be written by hand.
"""

from __future__ import annotations

import pandas as pd
import pytest

from dsv3.claims.published_params import readable_published_params
from dsv3.claims.reproduce import _printed, _short, _tolerance, check_row, check_table
from dsv3.inputs.facts import Fact, fact


def _checked(rows: list[tuple]) -> pd.DataFrame:
    columns = ["file", "figure", "published", "convention", "rounding", "unit", "computed", "reproduced"]
    return pd.DataFrame(rows, columns=columns)


def test_readable_published_params_by_hand() -> None:
    checked = _checked(
        [
            ("a.json", "total", 671e9, "with_embedding_and_head", "nearest", 1e9, 671_026_419_200, True),
            ("a.json", "activated", 37e9, "without_embedding", "down", 1e8, 36_625_618_432, False),
            ("b.json", "total", 46.7e9, "without_embedding_and_head", "exact", 1.0, 46_702_792_704, True),
            ("b.json", "activated", 36.7e9, "with_embedding_and_head", "none", 1e8, 37_552_297_472, True),
            ("b.json", "activated", 12.9e9, "with_embedding_and_head", "none", 1e8, 12_879_921_152, False),
            ("b.json", "other", 1.5e9, "with_embedding_and_head", "sideways", 1e9, 1_500_000_000, True),
        ]
    )
    table = readable_published_params(checked, {"a.json": "Model A", "b.json": "Model B"})
    assert list(table.columns) == ["model", "figure", "as published", "counted", "rounded", "as computed", "follows?"]
    assert list(table["model"]) == ["Model A", "Model A", "Model B", "Model B", "Model B", "Model B"]
    assert list(table["figure"]) == list(checked["figure"])
    assert list(table["as published"]) == ["671.0B", "37.0B", "46.7B", "36.7B", "12.9B", "1.5B"]
    assert list(table["as computed"]) == ["671.03B", "36.63B", "46.70B", "37.55B", "12.88B", "1.50B"]
    assert list(table["counted"]) == [
        "with the input embedding and the output head",
        "without the input embedding (a lookup, not a matmul)",
        "without the embedding and the output head",
        "with the input embedding and the output head",
        "with the input embedding and the output head",
        "with the input embedding and the output head",
    ]
    assert list(table["rounded"]) == [
        "to the nearest 1B",
        "down to 0.1B",
        "exact",
        "no convention gives it",
        "no convention gives it",
        "no convention gives it",
    ]
    assert list(table["follows?"]) == [
        "✓",
        "✗",
        "✓",
        "✓ no convention gives it, as stated",
        "✗ a convention gives it",
        "✓",
    ]


@pytest.mark.parametrize(
    ("x", "decimals", "text"),
    [
        (14.8e12, 3, "14.8T"),  # 14.800 loses its trailing zeros
        (2_788_000.0, 3, "2.788M"),
        (1500.0, 3, "1.5K"),
        (3.0, 3, "3"),  # 3.0000 -> "3", never "3."
        (0.25, 3, "0.25"),  # below a thousand: decimals + 1 = 4, then trailing zeros dropped
        (0.0, 3, "0"),
        (0.05, 6, "0.05"),
        (-2_500_000.0, 3, "-2.5M"),
        (1_234_567.0, 1, "1.2M"),
        (1e13, 3, "10T"),  # ten units and more always take the unit
        (1e10, 3, "10B"),
        (20_000.0, 3, "20K"),  # 20.000 -> "20", never "20."
        (1.23456, 3, "1.2346"),  # below a thousand: decimals + 1 = 4
    ],
)
def test_short_number_format_by_hand(x: float, decimals: int, text: str) -> None:
    assert _short(x, decimals) == text


def _fact(relation: str, tolerance: float) -> Fact:
    return Fact("x.y", 10.0, "B", tolerance, relation, "a source", "a quote")


def test_tolerance_words() -> None:
    assert _tolerance(_fact("<", 0.0)) == "a bound"
    assert _tolerance(_fact(">", 0.5)) == "a bound"
    assert _tolerance(_fact("=", 0.0)) == "exact"
    assert _tolerance(_fact("=", 0.05)) == "± 0.05"


def test_tolerance_keeps_six_decimals() -> None:
    # below a thousand _short shows decimals + 1 = 7 places: 5e-7 -> "0.0000005"
    assert _tolerance(_fact("=", 5e-7)) == "± 0.0000005"


def test_printed_figure_with_its_relation() -> None:
    assert _printed(Fact("x.y", 2.0, "months", 0.0, "<", "s", "q")) == "< 2"
    assert _printed(Fact("x.y", 0.1234567, "x", 0.0, ">", "s", "q")) == "> 0.1234567"  # six decimals, plus one
    assert _printed(Fact("x.y", 0.1234567, "x", 0.0, "=", "s", "q")) == "0.1234567"
    assert _printed(Fact("x.y", 37e9, "parameters", 5e8, "=", "s", "q")) == "37B"


def test_check_row_and_table_columns() -> None:
    f = fact("v3.pretraining_days_bound")  # "less than two months": a bound of 60.875 days
    row = check_row("v3.pretraining_days_bound", 56.0, note="pre-training only")
    assert row == {
        "the source says": f"“{f.quote}” ({f.source})",
        "as printed": f"< 60.875 {f.unit}",
        "as computed": "56",
        "tolerance": "a bound",
        "follows?": "✓",
        "what the computation counts": "pre-training only",
    }
    assert "what the computation counts" not in check_row("v3.pretraining_days_bound", 61.0)
    assert check_row("v3.pretraining_days_bound", 61.0)["follows?"] == "✗"
    table = check_table([("v3.pretraining_days_bound", 56.0), ("v3.pretraining_days_bound", 61.0, "a note")])
    assert table.index.name == "fact" and list(table.index) == ["v3.pretraining_days_bound"] * 2


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (1_234.5678, "1.235K"),  # three decimals by default
        (2e9, "2,000M"),  # an exact multiple below ten units takes the smaller unit
        (1_000_000_001.0, "1B"),  # not an exact multiple: the unit, and 1.000000001 to three decimals
        (3_000.0, "3,000"),
    ],
)
def test_short_default_decimals_and_exact_multiples(x: float, text: str) -> None:
    assert _short(x) == text


def test_short_scales_are_exact_powers_of_ten() -> None:
    # "B" is 10^9 and "T" 10^12 exactly: every digit survives at enough decimals
    assert _short(1_234_567_891.0, 9) == "1.234567891B"
    assert _short(1_234_567_891_234.0, 12) == "1.234567891234T"


def test_tolerance_and_printed_figures_keep_seven_places_below_one() -> None:
    # six decimals, plus one below a thousand: 1.2e-7 -> 0.0000001, 0.12345678 -> 0.1234568
    assert _tolerance(_fact("=", 1.2e-7)) == "± 0.0000001"
    assert _printed(Fact("x.y", 0.12345678, "x", 0.0, "<", "s", "q")) == "< 0.1234568"
    assert _printed(Fact("x.y", 0.12345678, "x", 0.0, "=", "s", "q")) == "0.1234568"
