"""dsv3.claims.reproduce: the check tables every chapter shows, on figures of DeepSeek-V3's report.

Table 1 prints $5.576M (to the thousand dollars: tolerance $500) and 2.788M GPU-hours (tolerance 500);
Section 1 says "3.7 days" per trillion tokens (to a tenth: 0.05). 2,664K GPU-hours / 14.8T tokens / 2,048 GPUs
/ 24 h = 3.662 days follows; 4 days does not.
"""

from __future__ import annotations

import pytest

from dsv3.checks import NotReproduced
from dsv3.claims.reproduce import CHECK_COLUMNS, DOES_NOT_FOLLOW, FOLLOWS, check_row, check_table, reproduce

DAYS = 2_664_000 / 14.8 / 2048 / 24  # 3.662


def test_reproduce_returns_the_table_when_every_figure_follows() -> None:
    table = reproduce({"v3.table1.total_usd": 2_788_000 * 2, "v3.days_per_t_tokens": DAYS})
    assert list(table.columns) == CHECK_COLUMNS
    assert list(table.index) == ["v3.table1.total_usd", "v3.days_per_t_tokens"]
    assert list(table["follows?"]) == [FOLLOWS, FOLLOWS]
    # 180,000 / 49,152 = 3.66211; below a thousand: four decimals
    assert list(table["as computed"]) == ["5.576M", "3.6621"]
    assert list(table["tolerance"]) == ["± 500", "± 0.05"]


def test_reproduce_raises_on_the_first_figure_that_does_not_follow() -> None:
    # one failure among figures that follow still raises, and names the failing figure
    with pytest.raises(NotReproduced, match="v3.days_per_t_tokens"):
        reproduce({"v3.table1.total_usd": 2_788_000 * 2, "v3.days_per_t_tokens": 4.0})
    with pytest.raises(NotReproduced, match="v3.table1.total_usd"):
        reproduce({"v3.table1.total_usd": 2_788_000 * 2 + 501, "v3.days_per_t_tokens": DAYS})
    reproduce({"v3.table1.total_usd": 2_788_000 * 2 + 500, "v3.days_per_t_tokens": DAYS})  # at the tolerance: follows


def test_check_row_of_an_exact_figure_and_its_marks() -> None:
    row = check_row("v3.table1.total_gpu_hours", 2_788_000)
    assert list(row) == CHECK_COLUMNS  # no note column without a note
    assert row["as printed"] == "2.788M H800 GPU-h"
    assert row["as computed"] == "2.788M"
    assert row["follows?"] == FOLLOWS
    assert check_row("v3.table1.total_gpu_hours", 2_788_501)["follows?"] == DOES_NOT_FOLLOW
    assert (FOLLOWS, DOES_NOT_FOLLOW) == ("✓", "✗")


def test_check_table_keeps_notes_and_rows_in_order() -> None:
    table = check_table([("v3.table1.total_gpu_hours", 2_788_000, "all three stages"), ("v3.table1.total_usd", 5e6)])
    assert table.index.name == "fact"
    assert list(table.index) == ["v3.table1.total_gpu_hours", "v3.table1.total_usd"]
    assert list(table.columns) == [*CHECK_COLUMNS, "what the computation counts"]
    assert table.loc["v3.table1.total_gpu_hours", "what the computation counts"] == "all three stages"
    assert list(table["follows?"]) == [FOLLOWS, DOES_NOT_FOLLOW]  # $5.000M is not $5.576M: shown, not raised
