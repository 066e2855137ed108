"""The bold rule and the head-to-head counts (dsv3.evals.scores) on a three-row table worked by hand.

A made-up "Table 6" in the long form of ``data/benchmark_scores.csv``: peers P and Q, then
DeepSeek-V3; Q printed "-" everywhere. The paper's rule (V3 report, under Table 3): "Best results
are shown in bold. Scores with a gap not exceeding 0.3 are considered to be at the same level."

    row          P      Q     DeepSeek-V3   rule (DeepSeek-V3 vs P)
    A (EM)       80.0   -     80.3          gap 0.3: a tie, both bold
    B (Acc.)     70.0   -     69.0          P ahead by 1.0: a loss, P bold
    B (Pass@1)   50.0   -     52.0          DeepSeek-V3 ahead by 2.0: a win, DeepSeek-V3 bold
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dsv3.evals import frontier
from dsv3.evals import scores as bm

ME = "DeepSeek-V3"
ROWS = [  # (category, benchmark, metric, P, Q, DeepSeek-V3)
    ("Math", "A", "EM", 80.0, math.nan, 80.3),
    ("Math", "B", "Acc.", 70.0, math.nan, 69.0),
    ("Code", "B", "Pass@1", 50.0, math.nan, 52.0),
]


def _scores() -> pd.DataFrame:
    records = [
        {
            "table": "Table 6",
            "category": category,
            "benchmark": bench,
            "metric": metric,
            "shots": math.nan,
            "model": model,
            "value": value,
        }
        for category, bench, metric, *values in ROWS
        for model, value in zip(("P", "Q", ME), values, strict=True)
    ]
    return pd.DataFrame(records)


def test_wide_keeps_a_model_printed_as_dashes_everywhere() -> None:
    w = bm.wide(_scores(), "Table 6")
    assert list(w.columns) == ["category", "benchmark", "metric", "shots", "P", "Q", ME]
    assert list(zip(w["benchmark"], w["metric"])) == [("A", "EM"), ("B", "Acc."), ("B", "Pass@1")]
    assert w["Q"].isna().all()
    assert w[ME].tolist() == [80.3, 69.0, 52.0]


def test_bold_cells_by_hand() -> None:
    s = _scores()
    bold = bm.bold_cells(s)
    got = {(b, m, model) for b, m, model, is_bold in zip(s["benchmark"], s["metric"], s["model"], bold) if is_bold}
    assert got == {("A", "EM", "P"), ("A", "EM", ME), ("B", "Acc.", "P"), ("B", "Pass@1", ME)}
    # With no tie band the 0.3 gap is decided: only DeepSeek-V3's 80.3 is bold in row A.
    strict = bm.bold_cells(s, tie=0)
    assert bool(strict[(s["benchmark"] == "A") & (s["model"] == "P")].iloc[0]) is False


def test_head_to_head_and_record_by_hand() -> None:
    h = bm.head_to_head(_scores(), "Table 6")
    p_all = h[(h["peer"] == "P") & (h["category"] == "all")].iloc[0]
    assert (p_all.wins, p_all.ties, p_all.losses, p_all.compared) == (1, 1, 1, 3)
    # Q is never compared: every one of its cells is "-".
    q_all = h[(h["peer"] == "Q") & (h["category"] == "all")].iloc[0]
    assert q_all.compared == 0
    assert bm.record(_scores(), "Table 6", "P") == "1 win, 1 tie and 1 loss"
    assert bm.record(_scores(), "Table 6", "P", category="Math") == "0 wins, 1 tie and 1 loss"
    # A tie band of 0 turns row A into a win; the band reaches wtl_table and losses too.
    h0 = bm.head_to_head(_scores(), "Table 6", tie=0)
    p0 = h0[(h0["peer"] == "P") & (h0["category"] == "all")].iloc[0]
    assert (p0.wins, p0.ties, p0.losses) == (2, 0, 1)
    assert bm.wtl_table(_scores(), "Table 6", tie=0).loc["all", "P"] == "2 / 0 / 1"
    assert bm.wtl_table(_scores(), "Table 6").loc["all", "P"] == "1 / 1 / 1"


def test_losses_name_a_repeated_benchmark_with_its_metric() -> None:
    # B is printed twice (Acc. and Pass@1): its loss is named with the metric.
    assert bm.losses(_scores(), "Table 6", "P") == ["B (Acc.)"]
    # A band of 1.5 points makes the 1.0 gap a tie: no loss.
    assert bm.losses(_scores(), "Table 6", "P", tie=1.5) == []


def test_resolution_of_each_metric() -> None:
    # The paper prints points to 0.1 and bits per byte to 0.001.
    assert bm.resolution("EM") == 0.1
    assert bm.resolution("BPB") == 0.001


@pytest.mark.parametrize(
    "call",
    [
        lambda: bm.head_to_head(_scores(), "Table 6", tie=-0.1),
        lambda: bm.bold_mask(bm.wide(_scores(), "Table 6"), ["P", "Q", ME], tie=-0.1),
        lambda: bm.rule_verdict(0.1, 0.1, tie=-0.1),
        lambda: bm.outcome(1.0, 2.0, "EM", tie=-0.1),
    ],
)
def test_a_negative_tie_band_is_named(call) -> None:
    with pytest.raises(ValueError, match=r"^tie\b"):
        call()


def test_pareto_front_cheaper_at_the_same_score_dominates() -> None:
    # Same score, one costs less: the dearer one is dominated. Same cost, one scores more: likewise.
    assert frontier.pareto_front([1, 2], [5, 5]) == [True, False]
    assert frontier.pareto_front([2, 2], [5, 6]) == [False, True]
