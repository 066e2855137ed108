"""dsv3.claims.articles: the branches the mutation sample (issue 18) found untested.

A "between" claim's distance to its range, a check naming a model or a category the score table does not
have, and a registry call written with parentheses but no arguments. Scores as DeepSeek-V3's report prints
them (Table 3: MMLU (Acc.) 5-shot, DeepSeek-V3 Base 87.1, DeepSeek-V2 Base 78.4).
"""

from __future__ import annotations

import pytest

from dsv3.claims.articles import UnknownCheck, computed_value, decide
from dsv3.inputs.claims import load_sources


@pytest.fixture
def sources():
    return load_sources()


@pytest.mark.parametrize(
    ("computed", "verdict", "diff"),
    [
        (5.0, "wrong", 10.0 - 5.0),  # below the range: claimed low end minus the source's value
        (25.0, "wrong", 20.0 - 25.0),  # above: the high end minus the source's value
        (15.0, "correct", 0.0),  # inside: no distance
        (10.0, "correct", 0.0),  # the ends belong to the range
        (20.0, "correct", 0.0),
    ],
)
def test_between_claims_measure_the_distance_to_the_nearer_end(computed: float, verdict: str, diff: float) -> None:
    d = decide(10.0, computed, 1.0, "between", high=20.0)
    assert (d.verdict, d.difference) == (verdict, diff)


def test_a_score_check_reads_the_printed_table(sources) -> None:
    assert computed_value("score(Table 3|DeepSeek-V3 Base|MMLU)", sources) == pytest.approx(87.1)
    assert computed_value("lead(Table 3|MMLU|DeepSeek-V3 Base|DeepSeek-V2 Base)", sources) == pytest.approx(87.1 - 78.4)


def test_unknown_model_or_category_is_named(sources) -> None:
    with pytest.raises(UnknownCheck, match="No Such Model"):
        computed_value("not_best(Table 3|all|No Such Model)", sources)
    with pytest.raises(UnknownCheck, match="Cooking"):
        computed_value("not_best(Table 3|Cooking|DeepSeek-V3 Base)", sources)


def test_a_call_without_arguments_is_a_registry_call_not_a_fact_id(sources) -> None:
    # "tokens()" names the registry function and gives it no arguments: its error says what is missing
    with pytest.raises(UnknownCheck, match="missing"):
        computed_value("tokens()", sources)


def test_a_rank_or_lead_for_a_model_without_a_score_is_named(sources) -> None:
    """DeepSeek-V2 Base has an MMLU score in Table 3 (78.4) and ranks below DeepSeek-V3 Base (87.1); a model
    the row does not have is named, not a bare KeyError."""
    assert computed_value("rank(Table 3|MMLU|DeepSeek-V3 Base)", sources) == 1.0
    assert computed_value("rank(Table 3|MMLU|DeepSeek-V2 Base)", sources) >= 2.0
    for call in ("rank(Table 3|MMLU|No Such Model)", "lead_over_best(Table 3|MMLU|No Such Model)"):
        with pytest.raises(UnknownCheck, match="No Such Model"):
            computed_value(call, sources)
