"""The schedules of DeepSeek-V3's pre-training, tested against the report's numbers.

Every expected value is derived in the test from DeepSeek-V3 Technical Report (arXiv:2412.19437)
Section 4.2 "Training Hyper-Parameters" (quoted below), or from ISCA '25 (arXiv:2505.09343) Table 4.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dsv3.arch.flops import training_flops_per_token
from dsv3.inputs.models import load_model
from dsv3.training import schedule as sch

# V3 Section 4.2, verbatim:
# "we first linearly increase it from 0 to 2.2 x 10^-4 during the first 2K steps. Then, we keep a
#  constant learning rate of 2.2 x 10^-4 until the model consumes 10T training tokens. Subsequently,
#  we gradually decay the learning rate to 2.2 x 10^-5 in 4.3T tokens, following a cosine decay
#  curve. During the training of the final 500B tokens, we keep a constant learning rate of
#  2.2 x 10^-5 in the first 333B tokens, and switch to another constant learning rate of 7.3 x 10^-6
#  in the remaining 167B tokens."
# "the batch size is gradually increased from 3072 to 15360 in the training of the first 469B
#  tokens, and then keeps 15360 in the remaining training."
# "We set the maximum sequence length to 4K during pre-training, and pre-train DeepSeek-V3 on 14.8T tokens."
# "The MTP loss weight lambda is set to 0.3 for the first 10T tokens, and to 0.1 for the remaining 4.8T tokens."
# "we set the bias update speed gamma to 0.001 for the first 14.3T tokens, and to 0.0 for the remaining 500B tokens."
T = 10**12
B = 10**9
TOTAL = 14_800 * B
PEAK, DECAYED, LAST = 2.2e-4, 2.2e-5, 7.3e-6
SEQ = 4096
B0, B1, RAMP_TOKENS = 3072, 15360, 469 * B


def v3(kind: str = "linear in tokens") -> sch.PretrainingSchedule:
    return sch.PretrainingSchedule(
        total_tokens=TOTAL,
        ramp=sch.BatchRamp(B0, B1, RAMP_TOKENS, SEQ, kind),
        warmup_steps=2000,
        peak_lr=PEAK,
        constant_until=10 * T,
        decay_tokens=4_300 * B,
        decayed_lr=DECAYED,
        tail=((333 * B, DECAYED), (167 * B, LAST)),
        mtp_weight=((10 * T, 0.3), (4_800 * B, 0.1)),
        bias_speed=((14_300 * B, 0.001), (500 * B, 0.0)),
    )


@pytest.mark.parametrize("kind", sch.RAMP_KINDS)
def test_learning_rate_breakpoints(kind: str) -> None:
    s = v3(kind)
    assert sch.learning_rate(s, 0) == 0.0  # step 0: "from 0"
    # The end of warm-up is wherever step 2,000 falls under this ramp.
    end = s.warmup_end_tokens
    assert sch.learning_rate(s, end) == pytest.approx(PEAK, rel=1e-12)
    assert sch.learning_rate(s, end / 2) < PEAK
    assert sch.learning_rate(s, 10 * T) == pytest.approx(PEAK, rel=1e-12)  # cosine starts at the peak
    assert sch.learning_rate(s, 14_300 * B) == pytest.approx(DECAYED, rel=1e-12)  # cosine ends
    assert sch.learning_rate(s, 14_633 * B - 1) == pytest.approx(DECAYED)  # 14.3T + 333B
    assert sch.learning_rate(s, 14_633 * B) == pytest.approx(LAST)
    assert sch.learning_rate(s, TOTAL) == pytest.approx(LAST)


def test_warmup_is_linear_in_steps() -> None:
    s = v3("instant")  # 15,360 x 4,096 tokens per step from the first step
    per_step = B1 * SEQ
    assert sch.learning_rate(s, 500 * per_step) == pytest.approx(PEAK * 500 / 2000)
    assert s.warmup_end_tokens == pytest.approx(2000 * per_step)


def test_cosine_midpoint() -> None:
    # Half-way through the decay (10T + 2.15T) the cosine term is (1 + cos(pi/2)) / 2 = 1/2.
    assert sch.learning_rate(v3(), 12_150 * B) == pytest.approx((PEAK + DECAYED) / 2)


def test_sft_cosine() -> None:
    # V3 Section 5.1: cosine decay "starts at 5 x 10^-6 and gradually decreases to 1 x 10^-6".
    assert sch.cosine_decay(0.0, 5e-6, 1e-6) == pytest.approx(5e-6)
    assert sch.cosine_decay(0.5, 5e-6, 1e-6) == pytest.approx(3e-6)
    assert sch.cosine_decay(1.0, 5e-6, 1e-6) == pytest.approx(1e-6)
    with pytest.raises(sch.ScheduleError, match="progress"):
        sch.cosine_decay(1.5, 5e-6, 1e-6)


def test_vectorised_query_matches_scalar_queries() -> None:
    s = v3()
    tokens = np.array([0.0, 1e11, 5e12, 12e12, 14.7e12])
    expected = [sch.learning_rate(s, t) for t in tokens]
    np.testing.assert_allclose(sch.learning_rate(s, tokens), expected)


def test_phases_add_up_to_exactly_14_8_trillion_tokens() -> None:
    # The learning-rate pieces: 10T + 4.3T + 333B + 167B = 14.8T, in integers.
    assert 10 * T + 4_300 * B + 333 * B + 167 * B == TOTAL
    for kind in sch.RAMP_KINDS:
        table = sch.phase_table(v3(kind))
        assert math.fsum(table["tokens"]) == TOTAL
        assert table["start_tokens"].iloc[0] == 0 and table["end_tokens"].iloc[-1] == TOTAL
        assert (table["start_tokens"].iloc[1:].to_numpy() == table["end_tokens"].iloc[:-1].to_numpy()).all()
    table = sch.phase_table(v3()).set_index("phase")
    assert table.loc["cosine decay", "tokens"] == 4_300 * B
    assert table.loc["constant tail 1", "tokens"] == 333 * B
    assert table.loc["constant tail 2", "tokens"] == 167 * B
    assert list(table.index[:3]) == ["learning-rate warm-up", "rest of the batch ramp", "constant learning rate"]
    assert table.loc["learning-rate warm-up", "steps"] == pytest.approx(2000)


def test_batch_ramp_shapes() -> None:
    for kind in ("linear in tokens", "linear in steps", "staircase", "hold then jump"):
        s = v3(kind)
        assert sch.batch_size(s, 0) == B0
        assert sch.batch_size(s, RAMP_TOKENS) == B1
        assert sch.batch_size(s, TOTAL) == B1
    assert sch.batch_size(v3("instant"), 0) == B1
    # Linear in tokens: half-way through 469B the batch is (3,072 + 15,360) / 2.
    assert sch.batch_size(v3(), RAMP_TOKENS / 2) == pytest.approx((B0 + B1) / 2)
    # Staircase of 4 equal-token stages: 3,072, 6,144, 9,216, 12,288 sequences.
    s = v3("staircase")
    stage = RAMP_TOKENS / 4
    assert [sch.batch_size(s, (j + 0.5) * stage) for j in range(4)] == [3072, 6144, 9216, 12288]


def test_steps_per_ramp_derived_by_hand() -> None:
    full = B1 * SEQ  # 62,914,560 tokens per step at the full batch
    after = (TOTAL - RAMP_TOKENS) / full
    expected_ramp = {
        "instant": RAMP_TOKENS / full,
        "hold then jump": RAMP_TOKENS / (B0 * SEQ),
        # integral of dt / (SEQ b(t)) with b linear in t: T / (SEQ (b1 - b0)) ln(b1 / b0)
        "linear in tokens": RAMP_TOKENS / (SEQ * (B1 - B0)) * math.log(B1 / B0),
        # constant increment per step: tokens = SEQ x mean batch x steps
        "linear in steps": RAMP_TOKENS / (SEQ * (B0 + B1) / 2),
        "staircase": sum((RAMP_TOKENS / 4) / (SEQ * b) for b in (3072, 6144, 9216, 12288)),
    }
    for kind, ramp_steps in expected_ramp.items():
        s = v3(kind)
        assert s.ramp.ramp_steps == pytest.approx(ramp_steps, rel=1e-12), kind
        assert sch.steps_at(s, TOTAL) == pytest.approx(ramp_steps + after, rel=1e-12), kind
    # The extremes bound every candidate.
    totals = sch.ramp_candidates(v3()).set_index("ramp")["total_steps"]
    assert totals.min() == totals["instant"] and totals.max() == totals["hold then jump"]


@pytest.mark.parametrize("kind", sch.RAMP_KINDS)
def test_tokens_at_step_inverts_steps(kind: str) -> None:
    ramp = v3(kind).ramp
    tokens = np.array([0.0, 1e9, 3e10, 2e11, 4.6e11, RAMP_TOKENS, 1e12, TOTAL])
    np.testing.assert_allclose(ramp.tokens_at_step(ramp.steps(tokens)), tokens, rtol=1e-9, atol=1.0)


def test_mtp_weight_and_bias_speed_switch_where_the_report_says() -> None:
    s = v3()
    assert sch.mtp_weight(s, 10 * T - 1) == 0.3
    assert sch.mtp_weight(s, 10 * T) == 0.1
    assert sch.bias_update_speed(s, 14_300 * B - 1) == 0.001
    assert sch.bias_update_speed(s, 14_300 * B) == 0.0
    assert sch.bias_update_speed(s, TOTAL) == 0.0


def test_sequence_length_through_the_context_extensions() -> None:
    # V3 Section 4.3: two phases of 1000 steps, 1920 x 32K then 480 x 128K sequences.
    ext = ((1000 * 1920 * 32_768, 32_768), (1000 * 480 * 131_072, 131_072))
    s = v3()
    assert sch.sequence_length(s, TOTAL - 1, ext) == SEQ
    assert sch.sequence_length(s, TOTAL + 1, ext) == 32_768
    assert sch.sequence_length(s, TOTAL + 1000 * 1920 * 32_768 + 1, ext) == 131_072
    with pytest.raises(sch.PastEndError):
        sch.sequence_length(s, TOTAL + 2 * 62_914_560_000 + 1, ext)


def test_bad_queries_get_named_errors() -> None:
    s = v3()
    with pytest.raises(sch.NegativeTokensError, match="negative"):
        sch.learning_rate(s, -1.0)
    with pytest.raises(sch.NegativeTokensError):
        sch.batch_size(s, np.array([1e9, -5.0]))
    with pytest.raises(sch.PastEndError, match="ends at"):
        sch.learning_rate(s, TOTAL + 1)
    with pytest.raises(sch.PastEndError):
        sch.mtp_weight(s, 15 * T)
    with pytest.raises(sch.ScheduleError, match="NaN"):
        sch.learning_rate(s, float("nan"))


def test_inconsistent_schedules_are_refused() -> None:
    good = v3()
    with pytest.raises(sch.ScheduleError, match="learning-rate schedule"):
        sch.PretrainingSchedule(
            TOTAL,
            good.ramp,
            2000,
            PEAK,
            10 * T,
            4_300 * B,
            DECAYED,
            ((333 * B, DECAYED), (166 * B, LAST)),
            good.mtp_weight,
            good.bias_speed,
        )
    with pytest.raises(sch.ScheduleError, match="MTP-weight"):
        sch.PretrainingSchedule(
            TOTAL, good.ramp, 2000, PEAK, 10 * T, 4_300 * B, DECAYED, good.tail, ((10 * T, 0.3),), good.bias_speed
        )
    with pytest.raises(sch.ScheduleError, match="shrink"):
        sch.BatchRamp(B1, B0, RAMP_TOKENS, SEQ)
    with pytest.raises(sch.ScheduleError, match="ramp kind"):
        sch.BatchRamp(B0, B1, RAMP_TOKENS, SEQ, "exponential")


def test_isca_step_gives_its_tokens_a_day() -> None:
    # ISCA '25 Table 4 (MPFT): "time/step (s) 19.926", "tokens/day (B) 272.80". A step is 15,360 x 4,096.
    assert sch.tokens_per_step(B1, SEQ) == 62_914_560
    assert sch.tokens_per_day(19.926, B1 * SEQ) == pytest.approx(272.80e9, abs=0.005e9)
    # 14.8T at 272.80B a day: 54.25 days.
    assert sch.days_at_rate(TOTAL, 272.80e9) == pytest.approx(14.8 / 0.2728)


def test_seconds_per_step_from_gpu_hours() -> None:
    # 2,664K GPU-h on 2,048 GPUs over 235,245.3 full-batch steps (14.8T / 62,914,560 tokens).
    steps = TOTAL / (B1 * SEQ)
    assert sch.seconds_per_step(2_664_000, 2048, steps) == pytest.approx(2_664_000 * 3600 / 2048 / steps)
    with pytest.raises(ValueError, match="steps"):
        sch.seconds_per_step(2_664_000, 2048, 0)


def test_timing_routes_worked_by_hand() -> None:
    # V3 Table 1: 2,664K GPU-h on 2,048 GPUs; ISCA '25 Table 4: 19.926 s per step, 272.80B tokens a day.
    step = B1 * SEQ
    table = sch.timing_routes(2_664_000, 2048, TOTAL, step, 19.926, 272.80e9).set_index("route")
    assert table.loc["GPU-hours", "seconds_per_step"] == pytest.approx(2_664_000 * 3600 / 2048 / (TOTAL / step))
    assert table.loc["GPU-hours", "days"] == pytest.approx(2_664_000 / 2048 / 24)
    assert table.loc["GPU-hours", "gpu_hours_per_trillion"] == pytest.approx(180_000)  # "180K", Section 1
    assert table.loc["measured step", "seconds_per_step"] == 19.926
    assert table.loc["measured step", "days"] == pytest.approx(14.8e12 / 272.80e9)
    assert table.loc["measured step", "gpu_hours_per_trillion"] == pytest.approx(2048 * 24 / 0.2728)


def test_extension_table() -> None:
    arch = load_model("DeepSeek-V3")
    # V3 Section 4.3: 1000 steps x 1920 x 32K, then 1000 x 480 x 128K; Table 1: 119K GPU-h.
    table = sch.extension_table(arch, [(1000, 1920, 32_768), (1000, 480, 131_072)], 119_000, TOTAL, SEQ, 2_664_000)
    assert list(table["tokens"]) == [62_914_560_000, 62_914_560_000]
    assert list(table["token_share"]) == [0.5, 0.5]
    assert table["flop_share"].sum() == pytest.approx(1.0)
    assert table["gpu_hours_by_flops"].sum() == pytest.approx(119_000)
    assert table["flop_share"].iloc[1] > 0.5  # attention makes 128K dearer per token
    per_flop = 2_664_000 / (TOTAL * training_flops_per_token(arch, SEQ))
    expected = 62_914_560_000 * training_flops_per_token(arch, 131_072) * per_flop
    assert table["gpu_hours_at_pretraining_rate"].iloc[1] == pytest.approx(expected)
    with pytest.raises(sch.ScheduleError, match="at least one phase"):
        sch.extension_table(arch, [], 119_000, TOTAL, SEQ, 2_664_000)
