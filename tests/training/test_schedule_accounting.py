"""Token, step and time accounting of the schedule module: small cases by hand, columns, named errors."""

from __future__ import annotations

import pytest

from dsv3.arch.flops import training_flops_per_token
from dsv3.inputs.models import load_model
from dsv3.training import schedule as sch


def test_small_accounting_by_hand() -> None:
    assert sch.tokens_per_step(3, 5) == 15
    # 10 GPU-hours on 4 GPUs is 2.5 hours = 9,000 s of wall clock; over 100 steps, 90 s a step
    assert sch.seconds_per_step(10, 4, 100) == pytest.approx(90)
    # 86,400 s a day at 2 s a step of 10 tokens: 432,000 tokens a day
    assert sch.tokens_per_day(2, 10) == pytest.approx(432_000)
    assert sch.days_at_rate(1_000, 250) == 4


@pytest.mark.parametrize(
    "call,field",
    [
        (lambda x: sch.tokens_per_step(x, 5), "sequences"),
        (lambda x: sch.tokens_per_step(3, x), "seq_len"),
        (lambda x: sch.seconds_per_step(x, 4, 100), "gpu_hours"),
        (lambda x: sch.seconds_per_step(10, x, 100), "n_gpus"),
        (lambda x: sch.seconds_per_step(10, 4, x), "steps"),
        (lambda x: sch.tokens_per_day(x, 10), "step_seconds"),
        (lambda x: sch.tokens_per_day(2, x), "step_tokens"),
        (lambda x: sch.days_at_rate(x, 250), "tokens"),
        (lambda x: sch.days_at_rate(1_000, x), "tokens_a_day"),
    ],
)
def test_accounting_names_a_non_positive_argument(call, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field} must"):
        call(0)


ROUTE_ARGS = {"gpu_hours": 96, "n_gpus": 2, "tokens": 1_000, "step_tokens": 10, "step_seconds": 3, "tokens_a_day": 500}


def test_timing_routes_small_case_by_hand() -> None:
    # GPU-hours: 96 GPU-h on 2 GPUs = 48 h = 2 days; 1,000 / 10 = 100 full steps, 48 x 3,600 / 100 = 1,728 s each;
    # 96 GPU-h per 1e-9 trillion tokens = 9.6e10 GPU-h per trillion.
    # Measured step: 3 s; 1,000 tokens at 500 a day = 2 days; 2 GPUs x 24 h = 48 GPU-h per 500 tokens.
    table = sch.timing_routes(**ROUTE_ARGS)
    assert list(table.columns) == ["route", "seconds_per_step", "days", "gpu_hours_per_trillion"]
    assert list(table["route"]) == ["GPU-hours", "measured step"]
    assert list(table["seconds_per_step"]) == pytest.approx([1_728, 3])
    assert list(table["days"]) == pytest.approx([2, 2])
    assert list(table["gpu_hours_per_trillion"]) == pytest.approx([96 / 1_000 * 1e12, 48 / 500 * 1e12])


@pytest.mark.parametrize("field", ["tokens", "step_tokens", "n_gpus", "step_seconds"])
def test_timing_routes_name_a_non_positive_argument(field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field} must"):
        sch.timing_routes(**(ROUTE_ARGS | {field: 0}))


V3 = load_model("DeepSeek-V3")
PHASES = [(10, 4, 8_192), (5, 2, 32_768)]  # (steps, sequences, length): 327,680 tokens each


def test_extension_table_columns_and_rows() -> None:
    table = sch.extension_table(V3, PHASES, 30, 1e6, 8_192, 1_000)
    assert list(table.columns) == [
        "seq_len",
        "steps",
        "batch",
        "tokens",
        "flops_per_token",
        "flops",
        "token_share",
        "flop_share",
        "gpu_hours_by_flops",
        "gpu_hours_at_pretraining_rate",
    ]
    assert list(table["seq_len"]) == [8_192, 32_768]
    assert list(table["steps"]) == [10, 5] and list(table["batch"]) == [4, 2]
    assert list(table["tokens"]) == [327_680, 327_680]
    per_token = [training_flops_per_token(V3, 8_192), training_flops_per_token(V3, 32_768)]
    assert list(table["flops_per_token"]) == per_token
    # pre-training at 8,192 tokens a sequence (not the flops function's default 4,096): GPU-hours per FLOP
    per_flop = 1_000 / (1e6 * training_flops_per_token(V3, 8_192))
    assert list(table["gpu_hours_at_pretraining_rate"]) == pytest.approx([327_680 * p * per_flop for p in per_token])
    # the first phase runs at pre-training's own length: its tokens cost exactly pre-training's rate
    assert table["gpu_hours_at_pretraining_rate"].iloc[0] == pytest.approx(327_680 / 1e6 * 1_000)
    shares = [p / sum(per_token) for p in per_token]
    assert list(table["gpu_hours_by_flops"]) == pytest.approx([30 * s for s in shares])


@pytest.mark.parametrize("field", ["pretraining_tokens", "pretraining_gpu_hours", "gpu_hours"])
def test_extension_table_names_a_non_positive_argument(field: str) -> None:
    args = {"gpu_hours": 30, "pretraining_tokens": 1e6, "pretraining_gpu_hours": 1_000}
    with pytest.raises(ValueError, match=f"^{field} must"):
        sch.extension_table(V3, PHASES, pretraining_seq_len=8_192, **(args | {field: 0}))
