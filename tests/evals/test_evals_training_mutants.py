"""Small gaps the mutation sample (issue 18) found in dsv3.evals and dsv3.training, each worked by hand."""

from __future__ import annotations

import pytest

from dsv3.evals.scores import score
from dsv3.inputs.scores import load_scores
from dsv3.training import expert_parallel, fp8_memory, pipeline, utilisation


def test_score_filters_by_metric_when_given() -> None:
    # DeepSeek-V3 report, Table 3: MMLU (Acc.) 5-shot, DeepSeek-V3 Base 87.1
    scores = load_scores()
    assert score(scores, "Table 3", "DeepSeek-V3 Base", "MMLU") == pytest.approx(87.1)
    assert score(scores, "Table 3", "DeepSeek-V3 Base", "MMLU", metric="Acc.") == pytest.approx(87.1)
    with pytest.raises(KeyError, match="found 0"):
        score(scores, "Table 3", "DeepSeek-V3 Base", "MMLU", metric="EM")


def test_amdahl_speedup_by_hand() -> None:
    # 1 / ((1 - f) + f / s): nothing accelerated -> 1; all -> s; half at 3x -> 1 / (1/2 + 1/6) = 1.5
    assert fp8_memory.amdahl_speedup(0.0, 3.0) == 1.0
    assert fp8_memory.amdahl_speedup(1.0, 3.0) == pytest.approx(3.0)
    assert fp8_memory.amdahl_speedup(0.5, 3.0) == pytest.approx(1.5)
    with pytest.raises(ValueError, match="fraction_accelerated"):
        fp8_memory.amdahl_speedup(1.5, 3.0)


def test_token_traffic_scales_every_link_and_direction() -> None:
    t = expert_parallel.TokenTraffic(1.0, 2.0, 3.0, 4.0).scaled(2.0)
    assert (t.ib_dispatch, t.ib_combine, t.nvlink_dispatch, t.nvlink_combine) == (2.0, 4.0, 6.0, 8.0)
    assert (t.ib, t.nvlink) == (6.0, 14.0)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: pipeline.table2_bubble("1F1B", 0, None), "pp"),
        (lambda: utilisation.convention_grid({("f", "h"): 1e20}, {"h": 1.0}, {"p": 0.0}), "peak"),
        (lambda: expert_parallel.TokenTraffic(1.0, 1.0, 1.0, 1.0).scaled(-1.0), "factor"),
    ],
)
def test_each_argument_is_named_when_refused(call, name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name} must"):
        call()
