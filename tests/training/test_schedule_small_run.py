"""The schedule module on a run small enough to work every value by hand.

A ramp from 2 to 4 sequences of 2 tokens over the first 12 tokens of a 30-token run. Under each ramp kind
(definitions in ``BatchRamp``'s docstring) the batch b(t), the steps s(t) = integral of dt / (2 b(t)) and
their inverse are worked out below in closed form; after the ramp a step is 2 x 4 = 8 tokens.

- instant:          b = 4,                     s(t) = t / 8,                 ramp steps 1.5
- hold then jump:   b = 2 until 12 tokens,     s(t) = t / 4,                 ramp steps 3
- linear in tokens: b = 2 + t / 6,             s(t) = 3 ln(1 + t / 12),      ramp steps 3 ln 2
- linear in steps:  the ramp lasts 2 x 12 / (2 x (2 + 4)) = 2 steps, so b grows by 1 a step: b = 2 + s and
                    t(s) = 2 (2 s + s^2 / 2) = 4 s + s^2, i.e. s(t) = sqrt(4 + t) - 2 and b(t) = sqrt(4 + t)
- staircase, 2 stages of 6 tokens at 2 and 3 sequences: 6 / 4 = 1.5 steps, then 6 / 6 = 1 step: 2.5 in all

The run: warm-up over 1 step to a peak of 1.0, constant to 16 tokens, cosine to 0.25 over 8 tokens, then a
tail of 0.2 for 4 tokens and 0.1 for 2 (tail's first value differs from the decayed rate on purpose, so the
boundary at the end of the decay is visible); MTP weight 0.3 for 16 tokens then 0.1 for 14; bias speed 0.001
for 28 tokens then 0 for 2.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dsv3.training import schedule as sch

AFTER = 18 / 8  # steps of the 18 tokens after the ramp at 8 tokens a step


def ramp(kind: str = "linear in steps", stages: int = 2) -> sch.BatchRamp:
    return sch.BatchRamp(2, 4, 12, 2, kind, stages)


def run(kind: str = "linear in steps", stages: int = 2, **changes) -> sch.PretrainingSchedule:
    args = {
        "total_tokens": 30,
        "ramp": ramp(kind, stages),
        "warmup_steps": 1,
        "peak_lr": 1.0,
        "constant_until": 16,
        "decay_tokens": 8,
        "decayed_lr": 0.25,
        "tail": ((4, 0.2), (2, 0.1)),
        "mtp_weight": ((16, 0.3), (14, 0.1)),
        "bias_speed": ((28, 0.001), (2, 0.0)),
    }
    return sch.PretrainingSchedule(**(args | changes))


# --- the batch ramp, kind by kind ---------------------------------------------------------------


def test_instant_ramp() -> None:
    r = ramp("instant")
    assert r.ramp_steps == 1.5
    assert r.batch(0) == 4 and r.batch(11) == 4
    assert r.steps(4) == 0.5 and r.steps(20) == 2.5
    assert r.tokens_at_step(0.5) == 4 and r.tokens_at_step(2.5) == 20


def test_hold_then_jump_ramp() -> None:
    r = ramp("hold then jump")
    assert r.ramp_steps == 3
    assert r.batch(0) == 2 and r.batch(11.9) == 2 and r.batch(12) == 4
    assert r.steps(6) == 1.5 and r.steps(20) == 3 + 1
    assert r.tokens_at_step(1.5) == 6 and r.tokens_at_step(4) == 20


def test_linear_in_tokens_ramp() -> None:
    r = ramp("linear in tokens")
    assert r.ramp_steps == pytest.approx(3 * math.log(2), rel=1e-12)
    assert r.batch(3) == pytest.approx(2.5) and r.batch(6) == pytest.approx(3)
    assert r.steps(6) == pytest.approx(3 * math.log(1.5), rel=1e-12)
    assert r.steps(20) == pytest.approx(3 * math.log(2) + 1, rel=1e-12)
    assert r.tokens_at_step(3 * math.log(1.5)) == pytest.approx(6, rel=1e-12)
    assert r.tokens_at_step(3 * math.log(2) + 1) == pytest.approx(20, rel=1e-12)


def test_linear_in_steps_ramp() -> None:
    r = ramp("linear in steps")
    assert r.ramp_steps == pytest.approx(2, rel=1e-12)
    assert r.batch(5) == pytest.approx(3) and r.batch(0) == 2  # b(5) = sqrt(9)
    assert r.steps(5) == pytest.approx(1, rel=1e-12) and r.steps(12) == pytest.approx(2, rel=1e-12)
    assert r.steps(20) == pytest.approx(3, rel=1e-12)
    assert r.tokens_at_step(0.5) == pytest.approx(4 * 0.5 + 0.25, rel=1e-12)
    assert r.tokens_at_step(1) == pytest.approx(5, rel=1e-12)
    assert r.tokens_at_step(3) == pytest.approx(20, rel=1e-12)


def test_staircase_ramp() -> None:
    r = ramp("staircase")
    assert r.ramp_steps == pytest.approx(2.5, rel=1e-12)
    assert [r.batch(t) for t in (0, 5.9, 6, 11.9, 12)] == [2, 2, 3, 3, 4]
    assert r.steps(6) == pytest.approx(1.5) and r.steps(9) == pytest.approx(2) and r.steps(20) == pytest.approx(3.5)
    # inverse, including exactly at the stage boundary (1.5 steps) and at the end of the ramp (2.5 steps)
    got = [r.tokens_at_step(s) for s in (0.5, 1.5, 2.0, 2.5, 3.5)]
    np.testing.assert_allclose(got, [2, 6, 9, 12, 20], rtol=1e-12)


def test_staircase_of_three_stages() -> None:
    # stages of 4 tokens at 2, 2 + 2/3 and 2 + 4/3 sequences: 4/4 + 4/(16/3) + 4/(20/3) = 1 + 0.75 + 0.6 steps
    r = ramp("staircase", stages=3)
    assert [r.batch(t) for t in (0, 4, 8)] == pytest.approx([2, 8 / 3, 10 / 3])
    assert r.ramp_steps == pytest.approx(2.35, rel=1e-12)
    assert r.tokens_at_step(1.75) == pytest.approx(8, rel=1e-12)


def test_a_ramp_defaults_to_linear_in_tokens_and_four_stages() -> None:
    r = sch.BatchRamp(2, 4, 12, 2)
    assert r.kind == "linear in tokens" and r.batch(6) == pytest.approx(3)
    # four stages of 3 tokens at 2, 2.5, 3 and 3.5 sequences
    s = sch.BatchRamp(2, 4, 12, 2, "staircase")
    assert [s.batch(t) for t in (0, 3, 6, 9)] == [2, 2.5, 3, 3.5]
    assert s.ramp_steps == pytest.approx(3 / 4 + 3 / 5 + 3 / 6 + 3 / 7, rel=1e-12)


@pytest.mark.parametrize("kind", sch.RAMP_KINDS)
def test_a_flat_ramp_is_a_constant_batch(kind: str) -> None:
    # start = end = 3 sequences of 2 tokens: 6 tokens a step whatever the kind
    r = sch.BatchRamp(3, 3, 12, 2, kind)
    assert r.ramp_steps == pytest.approx(2, rel=1e-12)
    assert r.batch(7) == 3 and r.batch(12) == 3
    assert r.steps(9) == pytest.approx(1.5, rel=1e-12) and r.steps(18) == pytest.approx(3, rel=1e-12)
    assert r.tokens_at_step(1.5) == pytest.approx(9, rel=1e-12)


def test_a_ramp_of_exactly_one_sequence_is_still_a_ramp() -> None:
    # 3 -> 4 sequences of 2 tokens over 12 tokens, linear in tokens: b = 3 + t / 12, and
    # steps = integral of dt / (2 (3 + t / 12)) = 6 ln(1 + t / 36), so 6 ln(4 / 3) steps in the ramp
    for kind in ("linear in tokens", "staircase"):  # the staircase's 4 stages: 3, 3.25, 3.5, 3.75
        assert sch.BatchRamp(3, 4, 12, 2, kind).batch(6) == pytest.approx(3.5), kind
    r = sch.BatchRamp(3, 4, 12, 2)
    assert r.steps(6) == pytest.approx(6 * math.log(1 + 6 / 36), rel=1e-12)
    assert r.ramp_steps == pytest.approx(6 * math.log(4 / 3), rel=1e-12)
    assert r.tokens_at_step(6 * math.log(4 / 3)) == pytest.approx(12, rel=1e-12)
    # linear in steps: (3 + 4) / 2 x 2 = 7 tokens a step on average, 12 / 7 steps; b grows by 7/12 a step, and
    # t(s) = 2 (3 s + (7/12) s^2 / 2), so b^2 = 9 + 7 t / 12 and at 6 tokens b = sqrt(12.5)
    r = sch.BatchRamp(3, 4, 12, 2, "linear in steps")
    assert r.ramp_steps == pytest.approx(12 / 7, rel=1e-12)
    assert r.batch(6) == pytest.approx(math.sqrt(12.5), rel=1e-12)
    assert r.tokens_at_step(1) == pytest.approx(2 * (3 + 7 / 24), rel=1e-12)


def test_batches_need_not_be_whole_and_tokens_may_be_integers() -> None:
    # an integer query must not turn a batch of 4.5 sequences into 4
    assert sch.BatchRamp(2, 4.5, 12, 2, "instant").batch(1) == 4.5
    assert sch.BatchRamp(2.5, 4, 12, 2, "hold then jump").batch(1) == 2.5
    np.testing.assert_array_equal(sch.BatchRamp(2, 4.5, 12, 2, "instant").batch(np.array([0, 1])), [4.5, 4.5])
    # and a schedule of integer sequence lengths answers an array query in floats, like every other query
    got = sch.sequence_length(run(), np.array([0, 30, 45]), ((10, 8), (20, 16)))
    assert got.dtype == np.float64 and list(got) == [2.0, 8.0, 16.0]


def test_the_tail_starts_on_the_first_token_after_the_decay() -> None:
    # a first tail piece of one token: at 24 tokens its value holds, and one token later the next piece's
    s = run(tail=((1, 0.2), (5, 0.1)))
    assert [sch.learning_rate(s, t) for t in (24, 24.5, 25)] == [0.2, 0.2, 0.1]


def test_steps_past_the_ramp_use_the_full_batch() -> None:
    for kind in sch.RAMP_KINDS:
        r = ramp(kind)
        assert r.steps(28) - r.steps(12) == pytest.approx(16 / 8, rel=1e-12), kind
        assert r.tokens_at_step(r.ramp_steps + 2) == pytest.approx(12 + 16, rel=1e-12), kind


def test_scalars_come_back_as_floats_and_arrays_as_arrays() -> None:
    r = ramp()
    for value in (r.batch(5), r.steps(5), r.tokens_at_step(1), sch.learning_rate(run(), 5)):
        assert type(value) is float
    for value in (r.batch(np.array([0.0, 5.0])), r.steps(np.array([0.0, 5.0])), r.tokens_at_step(np.array([0.0, 1.0]))):
        assert isinstance(value, np.ndarray) and value.shape == (2,)
    np.testing.assert_allclose(r.tokens_at_step(np.array([0.0, 1.0, 3.0])), [0, 5, 20], rtol=1e-12)


# --- the run's schedules ------------------------------------------------------------------------


def test_learning_rate_by_hand() -> None:
    s = run()  # linear in steps: step 0.5 ends at 2.25 tokens, step 1 (the warm-up's end) at 5
    assert s.warmup_end_tokens == pytest.approx(5, rel=1e-12)
    assert sch.learning_rate(s, 0) == 0
    assert sch.learning_rate(s, 2.25) == pytest.approx(0.5, rel=1e-12)
    assert sch.learning_rate(s, 5) == pytest.approx(1.0, rel=1e-12)
    assert sch.learning_rate(s, 12) == 1.0  # two steps in: the warm-up is over
    assert sch.learning_rate(s, 16) == 1.0  # the decay starts at the peak
    assert sch.learning_rate(s, 18) == pytest.approx(0.25 + 0.75 * (1 + math.cos(math.pi / 4)) / 2, rel=1e-12)
    assert sch.learning_rate(s, 20) == pytest.approx(0.625, rel=1e-12)  # half-way: (1 + 0.25) / 2
    assert sch.learning_rate(s, 23.9) > 0.25
    # the tail's pieces are closed on the left: at 24 tokens the tail's 0.2 holds, not the cosine's 0.25
    assert sch.learning_rate(s, 24) == 0.2
    assert sch.learning_rate(s, 27.9) == 0.2
    assert sch.learning_rate(s, 28) == 0.1
    assert sch.learning_rate(s, 30) == 0.1  # the last piece owns the run's last token


def test_mtp_weight_bias_speed_and_steps() -> None:
    s = run()
    assert [sch.mtp_weight(s, t) for t in (0, 15.9, 16, 30)] == [0.3, 0.3, 0.1, 0.1]
    assert [sch.bias_update_speed(s, t) for t in (0, 27.9, 28, 30)] == [0.001, 0.001, 0.0, 0.0]
    assert sch.steps_at(s, 5) == pytest.approx(1, rel=1e-12)
    assert sch.steps_at(s, 30) == pytest.approx(2 + AFTER, rel=1e-12)
    assert sch.batch_size(s, 5) == pytest.approx(3) and sch.batch_size(s, 30) == 4


def test_sequence_length_defaults_to_no_extension() -> None:
    s = run()
    assert sch.sequence_length(s, 30) == 2
    with pytest.raises(sch.PastEndError):
        sch.sequence_length(s, 30.5)
    ext = ((10, 8), (20, 16))
    # an extension starts at the first token after the run, and the last one owns the final token (60)
    assert [sch.sequence_length(s, t, ext) for t in (29, 30, 39.5, 40, 60)] == [2, 8, 8, 16, 16]
    with pytest.raises(sch.PastEndError):
        sch.sequence_length(s, 60.5, ext)


PHASES = [
    # phase, start, end, steps, batch at start and end, lr at start and end, mtp weight, bias speed
    ("learning-rate warm-up", 0, 5, 1.0, 2, 3, 0.0, 1.0, 0.3, 0.001),
    ("rest of the batch ramp", 5, 12, 1.0, 3, 4, 1.0, 1.0, 0.3, 0.001),
    ("constant learning rate", 12, 16, 0.5, 4, 4, 1.0, 1.0, 0.3, 0.001),
    ("cosine decay", 16, 24, 1.0, 4, 4, 1.0, 0.2, 0.1, 0.001),
    ("constant tail 1", 24, 28, 0.5, 4, 4, 0.2, 0.1, 0.1, 0.001),
    ("constant tail 2", 28, 30, 0.25, 4, 4, 0.1, 0.1, 0.1, 0.0),
]


def test_phase_table_by_hand() -> None:
    table = sch.phase_table(run())
    assert list(table.columns) == [
        "phase",
        "start_tokens",
        "end_tokens",
        "tokens",
        "steps",
        "batch_start",
        "batch_end",
        "lr_start",
        "lr_end",
        "mtp_weight",
        "bias_speed",
    ]
    assert list(table["phase"]) == [p[0] for p in PHASES]
    assert list(table["start_tokens"]) == [p[1] for p in PHASES]
    assert list(table["end_tokens"]) == [p[2] for p in PHASES]
    assert list(table["tokens"]) == [p[2] - p[1] for p in PHASES]
    for col, i in [("steps", 3), ("batch_start", 4), ("batch_end", 5), ("lr_start", 6), ("lr_end", 7)]:
        np.testing.assert_allclose(table[col], [p[i] for p in PHASES], rtol=1e-12, atol=1e-15, err_msg=col)
    assert list(table["mtp_weight"]) == [p[8] for p in PHASES]
    assert list(table["bias_speed"]) == [p[9] for p in PHASES]


def test_phase_boundaries_cut_at_a_switch_that_no_learning_rate_boundary_shares() -> None:
    # MTP weight switches at 10 tokens, inside the ramp; bias speed at 20, inside the decay
    s = run(mtp_weight=((10, 0.3), (20, 0.1)), bias_speed=((20, 0.001), (10, 0.0)))
    cuts = [(a, b) for _, a, b in sch.phase_boundaries(s)]
    assert cuts == [(0, 5), (5, 10), (10, 12), (12, 16), (16, 20), (20, 24), (24, 28), (28, 30)]
    names = [name for name, _, _ in sch.phase_boundaries(s)]
    assert names[1:3] == ["rest of the batch ramp"] * 2 and names[4:6] == ["cosine decay"] * 2


def test_ramp_candidates_by_hand() -> None:
    table = sch.ramp_candidates(run()).set_index("ramp")
    assert list(table.index) == list(sch.RAMP_KINDS)
    assert list(table.columns) == ["ramp_steps", "warmup_end_tokens", "warmup_end_batch", "total_steps"]
    e3 = math.exp(1 / 3)  # linear in tokens: 3 ln(1 + t/12) = 1 at t = 12 (e^(1/3) - 1), where b = 2 e^(1/3)
    expected = {
        "linear in tokens": (3 * math.log(2), 12 * (e3 - 1), 2 * e3, 3 * math.log(2) + AFTER),
        "linear in steps": (2, 5, 3, 2 + AFTER),
        "staircase": (2.5, 4, 2, 2.5 + AFTER),  # the 2-stage staircase is kept: step 1 ends 4 tokens in
        "hold then jump": (3, 4, 2, 3 + AFTER),
        "instant": (1.5, 8, 4, 1.5 + AFTER),
    }
    for kind, row in expected.items():
        np.testing.assert_allclose(table.loc[kind].to_numpy(dtype=float), row, rtol=1e-12, err_msg=kind)


def test_with_ramp_changes_only_the_kind() -> None:
    s = run("staircase", stages=3)
    t = sch.with_ramp(s, "instant")
    assert t.ramp == sch.BatchRamp(2, 4, 12, 2, "instant", 3)
    assert sch.with_ramp(t, "staircase") == s


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["start", "end", "tokens", "seq_len"])
def test_a_ramp_names_a_non_positive_field(field: str) -> None:
    args = {"start": 2, "end": 4, "tokens": 12, "seq_len": 2}
    with pytest.raises(ValueError, match=f"^{field} must"):
        sch.BatchRamp(**(args | {field: 0}))


def test_a_ramp_checks_its_shape_and_stages() -> None:
    assert sch.BatchRamp(3, 3, 12, 2).ramp_steps == 2  # start = end is allowed (a flat ramp)
    with pytest.raises(sch.ScheduleError, match="shrink"):
        sch.BatchRamp(3, 2.999, 12, 2)
    assert sch.BatchRamp(2, 4, 12, 2, "staircase", 1).batch(11) == 2  # one stage: hold then jump
    for bad in (0, -1, True, 2.0):
        with pytest.raises(sch.ScheduleError, match="stages"):
            sch.BatchRamp(2, 4, 12, 2, "staircase", bad)


def test_negative_steps_are_refused() -> None:
    assert ramp().tokens_at_step(0) == 0
    with pytest.raises(sch.ScheduleError, match="steps"):
        ramp().tokens_at_step(-0.5)


@pytest.mark.parametrize("field", ["total_tokens", "warmup_steps", "peak_lr", "constant_until", "decay_tokens"])
def test_a_schedule_names_a_non_positive_field(field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field} must"):
        run(**{field: 0})


def test_a_schedule_names_a_negative_decayed_rate_and_accepts_zero() -> None:
    assert sch.learning_rate(run(decayed_lr=0.0), 20) == pytest.approx(0.5)  # half-way from 1 to 0
    with pytest.raises(ValueError, match="^decayed_lr must"):
        run(decayed_lr=-0.1)


def test_a_piece_of_no_tokens_is_named() -> None:
    with pytest.raises(ValueError, match="^piece tokens must"):
        sch.mtp_weight(run(mtp_weight=((16, 0.3), (0, 0.2), (14, 0.1))), 1)


def test_a_schedule_names_the_piece_list_that_does_not_add_up() -> None:
    with pytest.raises(sch.ScheduleError, match="the learning-rate schedule "):
        run(tail=((4, 0.2), (3, 0.1)))
    with pytest.raises(sch.ScheduleError, match="the MTP-weight schedule "):
        run(mtp_weight=((16, 0.3), (13, 0.1)))
    with pytest.raises(sch.ScheduleError, match="the bias-speed schedule "):
        run(bias_speed=((28, 0.001), (3, 0.0)))
    # agreement is to 1e-12, relative: a rounding error passes, a ten-billionth does not
    run(total_tokens=30 * (1 + 1e-14))
    with pytest.raises(sch.ScheduleError, match="the learning-rate schedule "):
        run(total_tokens=30 * (1 + 1e-10))


def test_a_ramp_may_last_the_whole_run_and_no_longer() -> None:
    whole = sch.BatchRamp(2, 4, 30, 2, "instant")
    assert run(ramp=whole).ramp.tokens == 30
    with pytest.raises(sch.ScheduleError, match="outlasts"):
        run(ramp=sch.BatchRamp(2, 4, 30.5, 2, "instant"))


def test_the_warm_up_may_end_exactly_where_the_constant_rate_does() -> None:
    # linear in steps: the warm-up's one step ends at 5 tokens
    s = run(constant_until=5, decay_tokens=19)
    assert sch.learning_rate(s, 5) == 1.0
    with pytest.raises(sch.ScheduleError, match="warm-up"):
        run(constant_until=4.9, decay_tokens=19.1)


def test_queries_at_the_ends_of_the_run() -> None:
    s = run()
    assert sch.learning_rate(s, 0.0) == 0 and sch.learning_rate(s, 30.0) == 0.1
    # each error names what was queried
    with pytest.raises(sch.NegativeTokensError, match="in the pre-training schedule$"):
        sch.learning_rate(s, -1e-9)
    with pytest.raises(sch.PastEndError, match="^the pre-training schedule "):
        sch.learning_rate(s, np.array([1.0, 30.000001]))
    with pytest.raises(sch.ScheduleError, match="NaN in the pre-training schedule$"):
        sch.mtp_weight(s, np.array([1.0, np.nan]))
    with pytest.raises(sch.NegativeTokensError, match="in the batch ramp$"):
        ramp().batch(-1)
    with pytest.raises(sch.NegativeTokensError, match="in the batch ramp$"):
        ramp().steps(-1)
    with pytest.raises(sch.NegativeTokensError, match="in pre-training and its context extensions$"):
        sch.sequence_length(s, -1)
    with pytest.raises(sch.PastEndError, match="^pre-training and its context extensions "):
        sch.sequence_length(s, 31)
    assert ramp().batch(1e30) == 4  # a ramp alone has no end


def test_cosine_decay_bounds() -> None:
    np.testing.assert_allclose(sch.cosine_decay(np.array([0.0, 0.5, 1.0]), 1.0, 0.0), [1.0, 0.5, 0.0], atol=1e-15)
    assert type(sch.cosine_decay(0.25, 1.0, 0.0)) is float
    for bad in (-1e-9, 1 + 1e-9, float("nan")):
        with pytest.raises(sch.ScheduleError, match="progress"):
            sch.cosine_decay(bad, 1.0, 0.0)
