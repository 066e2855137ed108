"""dsv3.claims.articles: the verdict engine's pieces on small made-up inputs, every expected value by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dsv3.claims import articles
from dsv3.claims.articles import VERDICTS, UnknownCheck, audit, by_article, computed_value, decide, verdict_of
from dsv3.inputs.claims import load_sources


@pytest.fixture(scope="module")
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
