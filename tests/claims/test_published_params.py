"""dsv3.claims.published_params: a published figure recounted from its config, on Llama 3.1 8B worked by hand.

Llama 3.1 8B (tests/fixtures/hf-configs/llama-3.1-8b.config.json): vocabulary 128,256, width 4,096, 32 layers,
8 KV heads of 128, FFN 14,336, untied head. Per layer: q and o 4,096^2 each, k and v 4,096 x 1,024 each,
gate/up/down 3 x 4,096 x 14,336, two norms of 4,096: 218,112,000. With the final norm:
- both ends counted: 32 x 218,112,000 + 4,096 + 2 x 128,256 x 4,096 = 8,030,261,248 (Meta: "8.03B");
- without the input embedding: 7,504,924,672;
- without the embedding and the head: 6,979,588,096.
A dense model's activated count is its total.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from dsv3.claims.published_params import check_published, readable_published_params

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hf-configs"
FILE = "llama-3.1-8b.config.json"
BOTH, NO_EMBEDDING, NEITHER = 8_030_261_248, 7_504_924_672, 6_979_588_096


def _table(rows: list[tuple]) -> pd.DataFrame:
    cols = ["file", "figure", "published", "convention", "rounding", "unit", "note", "source"]
    return pd.DataFrame([(FILE, *r, "", "a source") for r in rows], columns=cols)


@pytest.fixture  # per test: mutation testing runs only the tests during which it runs
def checked() -> pd.DataFrame:
    rows = [
        ("total", 8.03e9, "with_embedding_and_head", "nearest", 1e7),  # 8,030,261,248 -> 8.03B
        ("total", 8.0e9, "with_embedding_and_head", "down", 1e8),  # truncated to 8.0B
        ("total", 8.1e9, "with_embedding_and_head", "nearest", 1e8),  # rounds to 8.0B, not 8.1B
        ("activated", 7.5e9, "without_embedding", "nearest", 1e8),  # 7.50B
        ("total", 6.98e9, "without_embedding_and_head", "nearest", 1e7),  # 6.98B
        ("total", 8_030_261_248, "with_embedding_and_head", "exact", 1.0),
        ("total", 8_030_261_249, "with_embedding_and_head", "exact", 1.0),  # one too many
        # rounding "none": the note says no convention gives the figure
        ("total", 9e9, "with_embedding_and_head", "none", 1e9),  # 8, 8, 7 nearest; 8, 7, 6 down: none gives 9
        ("total", 6e9, "with_embedding_and_head", "none", 1e9),  # 6.98B truncated is 6B: a convention gives it
        ("total", 7.0e9, "with_embedding_and_head", "none", 1e8),  # 6.98B to the nearest 0.1B is 7.0B
    ]
    return check_published(_table(rows), FIXTURES)


def test_columns_added(checked) -> None:
    assert list(checked.columns) == [
        "file",
        "figure",
        "published",
        "convention",
        "rounding",
        "unit",
        "note",
        "source",
        "computed",
        "as_published",
        "reproduced",
    ]


def test_counts_under_each_convention(checked) -> None:
    assert list(checked["computed"]) == [BOTH, BOTH, BOTH, NO_EMBEDDING, NEITHER, BOTH, BOTH, BOTH, BOTH, BOTH]


def test_as_published_is_the_count_rounded_as_the_figure_was(checked) -> None:
    want = [8.03e9, 8.0e9, 8.0e9, 7.5e9, 6.98e9, BOTH, BOTH]
    assert list(checked["as_published"][:7]) == pytest.approx(want, rel=1e-12)
    assert all(math.isnan(x) for x in checked["as_published"][7:])  # no rounding gives a "none" figure


def test_reproduced(checked) -> None:
    assert list(checked["reproduced"]) == [True, True, False, True, True, True, False, True, False, False]


def test_readable_table_rounds_half_cases_as_printed() -> None:
    # 36.75 and 36.875 are exact in binary: printed at one and two decimals they round half to even (36.8, 36.88)
    checked = pd.DataFrame(
        [("a.json", "total", 36.75e9, "with_embedding_and_head", "nearest", 1e8, 36_875_000_000, True)],
        columns=["file", "figure", "published", "convention", "rounding", "unit", "computed", "reproduced"],
    )
    table = readable_published_params(checked, {"a.json": "A"})
    assert table.loc[0, "as published"] == "36.8B"
    assert table.loc[0, "as computed"] == "36.88B"
    assert table.loc[0, "rounded"] == "to the nearest 0.1B"


def test_a_table_of_none_rows_only_still_has_nan_as_published() -> None:
    checked = check_published(_table([("total", 9e9, "with_embedding_and_head", "none", 1e9)]), FIXTURES)
    assert math.isnan(checked.loc[0, "as_published"])
    assert bool(checked.loc[0, "reproduced"]) is True
