"""Boundaries, each tested at the edge value itself (a test a step away passes whether the edge is < or <=)."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dsv3.evals.scores import TIE_POINTS, mean_scores, outcome, rule_verdict
from dsv3.inputs.facts import Fact
from dsv3.inputs.schema import Column, DataError, read_table
from dsv3.serving.economics import revenue_range
from dsv3.serving.prices import bill
from dsv3.units import BYTES_PER_ELEMENT, bytes_per_element


def _fact(relation: str, value: float = 2.0, tolerance: float = 0.05) -> Fact:
    return Fact("x", value, "months", tolerance, relation, "a source", "a quote")


# --- Fact relations at the bound ---------------------------------------------------------------


def test_a_strict_bound_is_not_met_by_the_bound_itself():
    """ "less than two months" is not met by exactly 2; "more than 2" is not either."""
    assert not _fact("<").agrees(2.0)
    assert _fact("<").agrees(math.nextafter(2.0, 0.0))
    assert not _fact(">").agrees(2.0)
    assert _fact(">").agrees(math.nextafter(2.0, 3.0))
    # The tolerance plays no part in a bound.
    assert not _fact("<").agrees(2.01)
    assert not _fact(">").agrees(1.99)


def test_equality_accepts_a_difference_of_exactly_the_tolerance_and_no_more():
    f = _fact("=", value=2.788, tolerance=0.0005)
    assert f.agrees(2.788 + 0.0005)
    assert f.agrees(2.788 - 0.0005)
    assert not f.agrees(2.788 + 0.00051)
    assert not f.agrees(2.788 - 0.00051)
    exact = _fact("=", value=671.0, tolerance=0.0)
    assert exact.agrees(671.0)
    assert not exact.agrees(671.000001)


def test_check_returns_the_value_or_raises_naming_the_fact():
    f = _fact("=", value=5.576, tolerance=0.0005)
    assert f.check(5.5762) == 5.5762
    with pytest.raises(AssertionError, match="x: computed 5.6"):
        f.check(5.6)


def test_a_fact_refuses_a_negative_tolerance_but_accepts_zero():
    assert _fact("=", tolerance=0.0).tolerance == 0.0
    with pytest.raises(DataError, match="tolerance must be >= 0"):
        _fact("=", tolerance=-1e-12)
    with pytest.raises(DataError, match="relation must be"):
        _fact("<=")


# --- the benchmark tie band at exactly 0.3 -----------------------------------------------------


def test_tie_band_is_three_tenths_of_a_point():
    assert Decimal(str(TIE_POINTS)) == Decimal("0.3")


@pytest.mark.parametrize(
    ("a", "b", "want"),
    [
        ("88.6", "88.3", "tie"),  # a printed gap of exactly 0.3: "not exceeding 0.3" is the same level
        ("88.3", "88.6", "tie"),
        ("88.7", "88.3", "win"),  # 0.4: ahead
        ("88.3", "88.7", "loss"),
        ("50.0", "49.7", "tie"),
        ("0.3", "0.0", "tie"),
        ("0.4", "0.0", "win"),
    ],
)
def test_outcome_at_the_tie_band_edge_with_printed_decimals(a, b, want):
    assert outcome(float(a), float(b), "EM") == want


def test_a_given_tie_band_is_used_at_its_edge_and_zero_means_none():
    assert outcome(1.0, 0.0, "EM", tie=1.0) == "tie"
    assert outcome(1.0, 0.0, "EM", tie=0.0) == "win"
    assert outcome(0.0, 0.0, "EM", tie=0.0) == "tie"
    with pytest.raises(ValueError, match="tie"):
        outcome(1.0, 0.0, "EM", tie=-0.1)


def test_bits_per_byte_has_no_tie_band_and_lower_wins():
    assert outcome(0.542, 0.548, "BPB") == "win"
    assert outcome(0.548, 0.542, "BPB") == "loss"
    assert outcome(0.548, 0.548, "BPB") == "tie"


def test_rule_verdict_at_a_printed_gap_of_exactly_the_band():
    """A printed gap of 0.3 may be 0.25 or 0.35 before rounding: undetermined; 0.2 is level, 0.4 behind."""
    assert rule_verdict(0.3, 0.1) == "undetermined"
    assert rule_verdict(0.2, 0.1) == "same level"
    assert rule_verdict(0.4, 0.1) == "behind"


# --- a positive column rejects 0 ---------------------------------------------------------------


def test_a_positive_column_rejects_zero_and_accepts_the_smallest_positive(tmp_path: Path):
    cols = (Column("price", "number", positive=True), Column("source"))
    zero = tmp_path / "zero.csv"
    zero.write_text("price,source\n0,somewhere\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"zero.csv, row 1 \(line 2\), column 'price': '0' must be positive"):
        read_table(zero, cols)
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("price,source\n5e-324,somewhere\n", encoding="utf-8")
    assert read_table(tiny, cols)["price"].iloc[0] > 0
    # A column that is not marked positive takes 0.
    plain = tmp_path / "plain.csv"
    plain.write_text("price,source\n0,somewhere\n", encoding="utf-8")
    assert read_table(plain, (Column("price", "number"), Column("source")))["price"].iloc[0] == 0.0


# --- the cache-hit clamp in revenue_range --------------------------------------------------------


def test_revenue_range_clamps_hits_to_the_input_at_the_corner():
    """Hits printed equal to input: at the corner (input - 1/2, hits + 1/2) hits are clamped to the input.

    Prices $1 (hit), $2 (miss), $0 (output) per 1M tokens, counts printed to the nearest 2M (half = 1M).
    Input 10M, hits 10M, output 0: input ranges 9M..11M, hits are at most the input.
    Low: input 9M all hits = $9. High: input 11M, hits 9M -> 9 x 1 + 2 x 2 = $13.
    """
    m = 1e6
    lo, hi = revenue_range(10 * m, 10 * m, 0.0, rounding=2 * m, hit_price=1.0, miss_price=2.0, output_price=0.0)
    assert (lo, hi) == pytest.approx((9.0, 13.0), rel=1e-12)
    # Without the clamp the corner (9M, 11M) would be a bill with more hits than input, which bill() refuses.
    with pytest.raises(ValueError, match="cannot exceed"):
        bill(9 * m, 11 * m, 0.0, hit_price=1.0, miss_price=2.0, output_price=0.0)


def test_revenue_range_clamps_counts_at_zero():
    """Counts printed as 0 to the nearest 2M may be -1M: clamped to 0, so the low end is $0."""
    m = 1e6
    lo, hi = revenue_range(0.0, 0.0, 0.0, rounding=2 * m, hit_price=1.0, miss_price=2.0, output_price=3.0)
    # High: input 1M all misses (hits clamped to 0) = $2, output 1M = $3.
    assert (lo, hi) == pytest.approx((0.0, 5.0), abs=1e-12)


def test_revenue_range_without_any_clamp_is_the_corners():
    """Interior case, no clamp binds: 100M in, 40M hits, 50M out, rounding 2M; hand-worked corners."""
    m = 1e6
    lo, hi = revenue_range(100 * m, 40 * m, 50 * m, rounding=2 * m, hit_price=1.0, miss_price=2.0, output_price=3.0)
    # low: in 99, hits 41, out 49 -> 41 + 58*2 + 49*3 = 304; high: in 101, hits 39, out 51 -> 39 + 124 + 153 = 316
    assert (lo, hi) == pytest.approx((304.0, 316.0), rel=1e-12)


# --- mean_scores with missing cells ------------------------------------------------------------


def _scores(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "table": "Table 6",
                "category": "English",
                "benchmark": b,
                "metric": m,
                "shots": np.nan,
                "model": model,
                "value": v,
            }
            for b, m, model, v in rows
        ]
    )


def test_mean_scores_uses_only_rows_where_every_model_has_a_score():
    nan = float("nan")
    scores = _scores(
        [
            ("A", "EM", "P", 80.0),
            ("A", "EM", "Q", 70.0),
            ("B", "EM", "P", 60.0),
            ("B", "EM", "Q", nan),  # printed "-": row B is dropped for both models
            ("C", "EM", "P", 40.0),
            ("C", "EM", "Q", 50.0),
        ]
    )
    got = mean_scores(scores, "Table 6", ["P", "Q"])
    assert got["P"] == pytest.approx((80 + 40) / 2)
    assert got["Q"] == pytest.approx((70 + 50) / 2)
    # P alone keeps row B.
    assert mean_scores(scores, "Table 6", ["P"])["P"] == pytest.approx((80 + 60 + 40) / 3)
    with pytest.raises(ValueError, match="no benchmark row has a score for every model"):
        mean_scores(scores, "Table 6", ["Q"], benchmarks={"B": "EM"})
    with pytest.raises(ValueError, match=r"models \['R'\] are not columns"):
        mean_scores(scores, "Table 6", ["P", "R"])


def test_mean_scores_restricted_to_named_benchmarks_and_refusing_bpb():
    scores = _scores([("A", "EM", "P", 80.0), ("A", "F1", "P", 10.0), ("C", "EM", "P", 40.0)])
    assert mean_scores(scores, "Table 6", ["P"], benchmarks={"A": "EM", "C": "EM"})["P"] == pytest.approx(60.0)
    assert mean_scores(scores, "Table 6", ["P"], benchmarks={"A": "F1"})["P"] == pytest.approx(10.0)
    bpb = _scores([("Pile", "BPB", "P", 0.5), ("A", "EM", "P", 80.0)])
    with pytest.raises(ValueError, match="mixes BPB"):
        mean_scores(bpb, "Table 6", ["P"])


# --- bytes per element -------------------------------------------------------------------------


def test_bytes_per_element_by_format():
    """IEEE half precision is 16 bits = 2 bytes; bf16 16 bits; fp32 32; fp8 8; V2's cache 6 bits on average."""
    assert bytes_per_element("fp16") == 16 / 8
    assert bytes_per_element("bf16") == 16 / 8
    assert bytes_per_element("fp32") == 32 / 8
    assert bytes_per_element("fp8") == 8 / 8
    assert bytes_per_element("6bit") == 6 / 8
    assert np.dtype(np.float16).itemsize == BYTES_PER_ELEMENT["fp16"]
    with pytest.raises(ValueError, match="dtype must be one of"):
        bytes_per_element("int4")


# --- every argument checked, at its edge, by name ------------------------------------------------
# Each pure function of the published-number modules refuses 0 for a positive argument with a ValueError that
# names the argument (house rule: bad input gets an error naming what is wrong). One case per argument.

ARGUMENT_CASES = [
    ("dsv3.arch.kv_cache", "mha_elements", (128, 128, 61), ("n_heads", "head_dim", "n_layers")),
    ("dsv3.arch.kv_cache", "gqa_elements", (8, 128, 80), ("n_groups", "head_dim", "n_layers")),
    ("dsv3.arch.kv_cache", "mqa_elements", (128, 61), ("head_dim", "n_layers")),
    ("dsv3.arch.kv_cache", "mla_elements", (512, 64, 61), ("d_c", "d_h_rope", "n_layers")),
    ("dsv3.training.cost", "rental_cost_usd", (2.788e6, 2.0), ("gpu_hours", "usd_per_gpu_hour")),
    ("dsv3.training.cost", "wall_clock_days", (2.664e6, 2048), ("gpu_hours", "n_gpus")),
    ("dsv3.training.cost", "wall_clock_hours", (2.664e6, 2048), ("gpu_hours", "n_gpus")),
    ("dsv3.training.cost", "gpu_hours_per_trillion_tokens", (2.664e6, 14.8e12), ("gpu_hours", "tokens")),
    ("dsv3.training.cost", "tokens_per_gpu_second", (2.664e6, 14.8e12), ("gpu_hours", "tokens")),
    ("dsv3.training.cost", "ratio", (30.84e6, 2.788e6), ("numerator", "denominator")),
    ("dsv3.training.cost", "phase_tokens", (1000, 1920, 32768), ("steps", "sequences_per_step", "seq_len")),
    ("dsv3.arch.flops", "mean_context", (4096,), ("seq_len",)),
    ("dsv3.arch.flops", "six_n", (37e9,), ("activated_params",)),
]


@pytest.mark.parametrize(
    ("module", "function", "good", "index", "name"),
    [(m, f, good, i, n) for m, f, good, names in ARGUMENT_CASES for i, n in enumerate(names)],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_each_positive_argument_refuses_zero_by_name(module, function, good, index, name):
    import importlib

    fn = getattr(importlib.import_module(module), function)
    fn(*good)  # the good values pass
    bad = list(good)
    bad[index] = 0
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        fn(*bad)
