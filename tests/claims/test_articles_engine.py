"""dsv3.claims.articles: the verdict engine's pieces on small made-up inputs, every expected value by hand."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from dsv3.claims import articles
from dsv3.claims.articles import (
    VERDICTS,
    UnknownCheck,
    audit,
    by_article,
    computed_value,
    decide,
    parse_check,
    verdict_of,
)
from dsv3.inputs.claims import load_sources


@pytest.fixture
def sources():
    return load_sources()


def test_by_article_counts_every_verdict_in_the_chapters_order() -> None:
    result = pd.DataFrame(
        {"article": ["b", "a", "b", "b"], "verdict": ["wrong", "correct", "wrong", "opinion"]},
    )
    counts = by_article(result)
    assert list(counts.index) == ["b", "a"]  # articles in file order, not sorted
    assert list(counts.columns) == list(VERDICTS)  # every verdict, those no claim got included
    assert VERDICTS[:3] == ("correct", "correct_rounded", "wrong")
    want_b = {v: 0 for v in VERDICTS} | {"wrong": 2, "opinion": 1}
    want_a = {v: 0 for v in VERDICTS} | {"correct": 1}
    assert counts.loc["b"].to_dict() == want_b
    assert counts.loc["a"].to_dict() == want_a
    assert all(dtype == "int64" for dtype in counts.dtypes)


def _claims(rows: list[dict]) -> pd.DataFrame:
    base = {"article": "a", "hand_verdict": "", "check": "", "claimed_value": math.nan, "claimed_high": math.nan}
    base |= {"scale": 1.0, "precision": 1.0, "relation": "="}
    return pd.DataFrame([base | r for r in rows])


def test_audit_rows_computed_and_by_hand(sources) -> None:
    claims = _claims(
        [
            # "2.0 thousand GPUs" for V3's 2,048: 2.048 thousand, within half a step of 0.1
            {"claim_id": "c1", "check": "v3.cluster_gpus", "claimed_value": 2.0, "scale": 1e3, "precision": 0.1},
            {"claim_id": "c2", "hand_verdict": "opinion", "reason": "a judgement"},
        ]
    )
    result = audit(claims, sources)
    assert list(result.columns) == [*claims.columns, "verdict", "computed", "difference", "ratio", "decided_by"]
    code, hand = result.iloc[0], result.iloc[1]
    assert (code["verdict"], code["decided_by"]) == ("correct_rounded", "code")
    assert code["computed"] == 2.048
    assert code["difference"] == pytest.approx(2.0 - 2.048, rel=1e-12)
    assert code["ratio"] == 2.0 / 2.048
    assert (hand["verdict"], hand["decided_by"]) == ("opinion", "hand")
    assert all(math.isnan(hand[c]) for c in ("computed", "difference", "ratio"))


def test_verdict_of_memoizes_values_by_check(sources) -> None:
    row = _claims([{"claim_id": "c1", "check": "v3.cluster_gpus", "claimed_value": 2048.0}]).iloc[0].to_dict()
    values: dict[str, float] = {}
    assert verdict_of(row, sources, values).verdict == "correct"
    assert values == {"v3.cluster_gpus": 2048.0}
    # a value already memoized is used as it is, not recomputed
    d = verdict_of(row, sources, {"v3.cluster_gpus": 1024.0})
    assert (d.verdict, d.computed, d.ratio) == ("wrong", 1024.0, 2.0)
    assert verdict_of({**row, "hand_verdict": "opinion"}, sources) is None


def test_a_between_claim_reads_its_high_end(sources) -> None:
    # "between 2,000 and 2,100 GPUs" for 2,048
    row = _claims([{"claim_id": "c1", "check": "v3.cluster_gpus", "claimed_value": 2000.0}]).iloc[0].to_dict()
    row |= {"relation": "between", "claimed_high": 2100.0}
    assert verdict_of(row, sources).verdict == "correct"
    assert verdict_of({**row, "claimed_high": 2040.0}, sources).verdict == "wrong"


def test_a_registered_check_is_callable_from_the_csv(monkeypatch, sources) -> None:
    monkeypatch.setattr(articles, "REGISTRY", dict(articles.REGISTRY))

    def cluster_times(src, k: str) -> float:
        return float(src.facts["v3.cluster_gpus"].value) * float(k)

    assert articles.check(cluster_times) is cluster_times
    assert articles.REGISTRY["cluster_times"] is cluster_times
    assert computed_value("cluster_times(3)", sources) == 3 * 2048


def test_equal_means_within_a_billionth_of_the_value_or_of_one() -> None:
    # |computed| below 1: the slack is 1e-9 absolute
    assert decide(1e-9, 0.0, 1e-12).verdict == "correct"
    assert decide(1.5e-9, 0.0, 1e-12).verdict == "wrong"
    assert decide(0.5 + 1.5e-9, 0.5, 1e-12).verdict == "wrong"
    # above 1: relative, 1 in 10^9 of the value (exact integers)
    assert decide(1e9 + 1, 1e9, 1e-3).verdict == "correct"
    assert decide(1e9 + 2, 1e9, 1e-3).verdict == "wrong"


def test_a_between_claim_needs_a_high_end_above_its_low_end() -> None:
    with pytest.raises(ValueError, match="high"):
        decide(1.0, 1.0, 1.0, "between", high=1.0)
    assert decide(1.0, 1.0, 1.0, "between", high=1.5).verdict == "correct"


def test_an_unknown_price_row_is_named(sources) -> None:
    with pytest.raises(UnknownCheck, match="No Such Model"):
        computed_value("price(No Such Model|output)", sources)
    with pytest.raises(UnknownCheck, match="list_price"):
        computed_value("price(GPT-4o (2024-08-06)|list_price)", sources)


@pytest.mark.parametrize(
    ("call", "named"),
    [
        ("params_total(GPT-5)", "GPT-5"),  # no config
        ("mla_latent_fraction(Qwen2.5-72B)", "MLA"),  # GQA, no latent
        ("mha_over_mla_cache(Llama-3.1-405B)", "MLA"),
        ("article001_cache_over_mla(Qwen2.5-72B)", "MLA"),
        ("query_shares_kv_latent(Qwen2.5-72B)", "MLA"),
        ("routed_fraction(Llama-3.1-405B)", "MoE"),  # dense
        ("config(Qwen2.5-72B|n_routed)", "MoE"),
        ("config(Qwen2.5-72B|top_k)", "MoE"),
        ("config(Qwen2.5-72B|n_shared)", "MoE"),
        ("config(DeepSeek-V3|hidden_act)", "hidden_act"),  # not a field the audit reads
        ("tokens(Llama 3.1 70B)", "Llama 3.1 70B"),  # no token count
        ("gpu_hours_total(GPT-4)", "GPT-4"),  # no runs
        ("gpu_hours(DeepSeek-V3|pre-training;warm-up)", "warm-up"),
        ("fact_ratio(v3.cluster_gpus|v3.no_such_fact)", "v3.no_such_fact"),
        ("not_best(Table 9|all|DeepSeek-V3)", "Table 9"),
        ("rank(Table 6|No Such Benchmark|DeepSeek-V3)", "No Such Benchmark"),
        ("score(Table 6|DeepSeek-V3|No Such Benchmark)", "No Such Benchmark"),
        ("rows_lost_to(Table 6|all|DeepSeek-V3|GPT-5)", "GPT-5"),
        ("share_beating(Table 6|DeepSeek-V3|GPT-5)", "GPT-5"),
        ("peers_ahead(Table 6|all|GPT-5)", "GPT-5"),
        ("printed_params(Table 3|DeepSeek-V3 Base|embedding)", "embedding"),
        ("printed_params(Table 3|GPT-5|total)", "GPT-5"),
        ("price_ratio(GPT-4o (2024-08-06)|GPT-5|output)", "GPT-5"),
        ("tokens(DeepSeek-V3", "')'"),  # a call must end with ")"
    ],
)
def test_bad_checks_name_what_is_missing(sources, call: str, named: str) -> None:
    with pytest.raises(UnknownCheck, match=re.escape(named)):
        computed_value(call, sources)


def test_checks_of_dense_models_and_runs_without_stages(sources) -> None:
    # a dense model has no shared experts and no routed experts; a model without runs has no stages
    assert computed_value("shared_expert_share(Llama-3.1-405B)", sources) == 0.0
    assert computed_value("routed_experts(Qwen2.5-72B)", sources) == 0.0
    assert computed_value("n_stages(GPT-4)", sources) == 0.0
    assert computed_value("n_stages(Llama 3.1 405B)", sources) == 1.0
    # V2 config: 2 shared experts of 160 routed, 6 per token
    assert computed_value("shared_expert_share(DeepSeek-V2)", sources) == 1.0
    assert computed_value("routed_fraction(DeepSeek-V2)", sources) == 6 / 160
    assert computed_value("config(DeepSeek-V2|n_shared)", sources) == 2


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("v3.cluster_gpus", ("v3.cluster_gpus", [])),  # a bare fact id
        ("  v3.cluster_gpus ", ("v3.cluster_gpus", [])),
        ("gpu_hours(DeepSeek-V3|pre-training)", ("gpu_hours", ["DeepSeek-V3", "pre-training"])),
        (" gpu_hours ( DeepSeek-V3 | pre-training ) ", ("gpu_hours", ["DeepSeek-V3", "pre-training"])),
        ("tokens()", ("tokens", [])),
        ("tokens( )", ("tokens", [])),
        ("price(GPT-4o (2024-08-06)|output)", ("price", ["GPT-4o (2024-08-06)", "output"])),  # brackets inside
    ],
)
def test_parse_check(text: str, parsed: tuple) -> None:
    assert parse_check(text) == parsed


@pytest.mark.parametrize("field", ["claimed", "computed", "precision"])
def test_decide_names_a_value_that_is_not_finite(field: str) -> None:
    args = {"claimed": 1.0, "computed": 1.0, "precision": 1.0} | {field: math.nan}
    with pytest.raises(ValueError, match=f"^{field} "):
        decide(**args)


def test_decide_at_the_edges() -> None:
    # half a step plus the slack is still rounding: 0.5 + 1e-9 from 0 at a step of 1 (slack 1e-9 x max(1, 0))
    assert decide(0.5 + 1e-9, 0.0, 1.0).verdict == "correct_rounded"
    assert decide(0.5 + 3e-9, 0.0, 1.0).verdict == "wrong"
    # "<" and ">" are strict: a source value equal to the bound does not satisfy it
    assert decide(2.0, 2.0, 0.1, "<").verdict == "wrong"
    assert decide(2.0, 2.0, 0.1, ">").verdict == "wrong"
    d = decide(2.5, 2.0, 0.5)
    assert (d.claimed, d.computed, d.difference, d.ratio) == (2.5, 2.0, 0.5, 1.25)
    assert math.isnan(decide(1.0, 0.0, 1.0).ratio)  # no ratio to a source value of 0


def test_audit_computes_each_check_once(monkeypatch, sources) -> None:
    calls: list[str] = []

    def counting(text: str, src) -> float:
        calls.append(text)
        return 2048.0

    monkeypatch.setattr(articles, "computed_value", counting)
    claims = _claims(
        [
            {"claim_id": "c1", "check": "v3.cluster_gpus", "claimed_value": 2048.0},
            {"claim_id": "c2", "check": "v3.cluster_gpus", "claimed_value": 2.0, "scale": 1e3},
        ]
    )
    assert list(audit(claims, sources)["verdict"]) == ["correct", "correct_rounded"]
    assert calls == ["v3.cluster_gpus"]


def test_price_checks_read_the_sources_prices(sources) -> None:
    """An edited price table flips a price claim: the check reads the audit's sources, not data/ again."""
    import dataclasses

    prices = sources.prices.copy()
    prices.loc[prices["name"] == "GPT-4o (2024-08-06)", "output"] = 20.0
    edited = dataclasses.replace(sources, prices=prices)
    assert computed_value("price(GPT-4o (2024-08-06)|output)", sources) == 10.0  # the list price, USD per 1M
    assert computed_value("price(GPT-4o (2024-08-06)|output)", edited) == 20.0
    assert computed_value("price_ratio(GPT-4o (2024-08-06)|DeepSeek-V3 (standard)|output)", edited) == 20.0 / 1.10
