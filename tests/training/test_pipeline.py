"""Tests of dsv3.training.pipeline against definitions, hand-worked timelines and the reference code's counts.

Nothing here compares the simulator with its own earlier output: expected values are derived in the test (1F1B's
critical path, a 2-rank timeline worked by hand, step()'s loop counts), or are the published Table 2 entries.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

from dsv3.training import pipeline as pl


def _random_durations(rng: np.random.Generator) -> pl.Durations:
    f, b = rng.uniform(0.2, 3.0, size=2)
    w = rng.uniform(0.0, 0.9) * b
    fb = rng.uniform(max(f, b), f + b)
    return pl.Durations(f=float(f), b=float(b), w=float(w), fb=float(fb))


SCHEDULES = [
    ("1F1B", lambda: pl.one_f_one_b(4, 6)),
    ("1F1B few", lambda: pl.one_f_one_b(5, 3)),
    ("ZB-H1", lambda: pl.zb_h1(6, 9)),
    ("DualPipe 8x20", lambda: pl.dualpipe(8, 20)),
    ("DualPipe 6x16", lambda: pl.dualpipe(6, 16)),
    ("DualPipeV 4x10", lambda: pl.dualpipev(4, 10)),
    ("DualPipeV 3x7", lambda: pl.dualpipev(3, 7)),
]


# ---------------------------------------------------------------------------------------------------------------
# 1F1B: hand-worked timeline and the closed form


def test_two_rank_1f1b_timeline_worked_by_hand() -> None:
    # PP = 2, m = 2, F = 1, B = 2. Rank 0 warms up with PP - 0 - 1 = 1 forward, rank 1 with none.
    # rank 0: F0 [0,1]  F1 [1,2]           B0 [4,6]      B1 [7,9]
    # rank 1:           F0 [1,2]  B0 [2,4] F1 [4,5]  B1 [5,7]
    res = pl.simulate(pl.one_f_one_b(2, 2), pl.Durations(f=1, b=2, w=0.5))
    got = {(r.rank, r.label): (r.start, r.end) for r in res.events.itertuples()}
    assert got == {
        (0, "F0.0"): (0, 1),
        (0, "F0.1"): (1, 2),
        (0, "B0.0"): (4, 6),
        (0, "B0.1"): (7, 9),
        (1, "F0.0"): (1, 2),
        (1, "B0.0"): (2, 4),
        (1, "F0.1"): (4, 5),
        (1, "B0.1"): (5, 7),
    }
    assert res.makespan == 9 == (2 + 2 - 1) * (1 + 2)


@pytest.mark.parametrize("pp,m", [(2, 2), (4, 4), (4, 9), (8, 20), (16, 64), (5, 3)])
def test_1f1b_makespan_is_m_plus_pp_minus_1_times_f_plus_b(pp: int, m: int) -> None:
    # Critical path: micro-batch 0's forward crosses PP - 1 ranks ((PP-1) F); the last rank then alternates F and B
    # of all m micro-batches back to back (m (F + B)); the last backward crosses PP - 1 ranks back ((PP-1) B).
    # Total (m + PP - 1)(F + B); each rank is busy m (F + B), so each idles (PP - 1)(F + B) (Table 2's 1F1B row).
    rng = np.random.default_rng(12)
    for _ in range(5):
        f, b = (float(x) for x in rng.uniform(0.1, 5.0, size=2))
        res = pl.simulate(pl.one_f_one_b(pp, m), pl.Durations(f=f, b=b, w=0.0))
        assert math.isclose(res.makespan, (m + pp - 1) * (f + b), rel_tol=1e-12)
        np.testing.assert_allclose(res.ranks["idle"], (pp - 1) * (f + b), rtol=1e-12)


# ---------------------------------------------------------------------------------------------------------------
# Invariants on the event log, for every schedule


def _check_log(schedule: pl.Schedule, res: pl.Result) -> None:
    parts = res.parts
    # every (pipe, stage, micro-batch) runs exactly one forward and exactly one backward (B or BI) ...
    for p, stages in enumerate(schedule.placement):
        expect = {(s, k) for s in range(len(stages)) for k in range(schedule.micro_batches[p])}
        mine = parts[parts["pipe"] == p]
        fwd = mine[mine["kind"] == "F"]
        bwd = mine[mine["kind"].isin(["B", "BI"])]
        for frame in (fwd, bwd):
            keys = list(zip(frame["stage"], frame["micro_batch"]))
            assert len(keys) == len(set(keys)) and set(keys) == expect
        # ... on the rank that holds that stage
        for frame in (fwd, bwd):
            assert (frame["rank"].to_numpy() == np.array(stages)[frame["stage"].to_numpy()]).all()
        # a deferred weight chunk exactly for each BI
        bi = mine[mine["kind"] == "BI"]
        w = mine[mine["kind"] == "W"]
        assert sorted(zip(bi["stage"], bi["micro_batch"])) == sorted(zip(w["stage"], w["micro_batch"]))
    # dependencies respected
    idx = {(r.kind if r.kind in ("F", "W") else "G", r.pipe, r.stage, r.micro_batch): r for r in parts.itertuples()}
    for r in parts.itertuples():
        if r.kind == "F" and r.stage > 0:
            assert r.start >= idx[("F", r.pipe, r.stage - 1, r.micro_batch)].end - 1e-9
        if r.kind in ("B", "BI"):
            assert r.start >= idx[("F", r.pipe, r.stage, r.micro_batch)].end - 1e-9
            if r.stage < len(schedule.placement[r.pipe]) - 1:
                assert r.start >= idx[("G", r.pipe, r.stage + 1, r.micro_batch)].end - 1e-9
        if r.kind == "W":
            assert r.start >= idx[("G", r.pipe, r.stage, r.micro_batch)].end - 1e-9
    # a rank runs one op at a time, in its list's order, each for its duration
    for rank, ev in res.events.groupby("rank"):
        ev = ev.sort_values("index")
        assert (ev["start"].to_numpy()[1:] >= ev["end"].to_numpy()[:-1] - 1e-9).all()
        kinds = [op.kind for op in schedule.ops[rank]]
        assert list(ev["kind"]) == kinds
        np.testing.assert_allclose(ev["end"] - ev["start"], [res.durations.of(k) for k in kinds])


@pytest.mark.parametrize("name,make", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_event_log_runs_every_chunk_once_and_respects_dependencies(name: str, make) -> None:
    rng = np.random.default_rng(2024)
    schedule = make()
    for _ in range(3):
        _check_log(schedule, pl.simulate(schedule, _random_durations(rng)))


# ---------------------------------------------------------------------------------------------------------------
# DualPipe follows the reference code's phase counts


def _step_counts(num_ranks: int, num_chunks: int, rank: int) -> dict[str, int]:
    """Per-rank op counts read off DualPipe.step() (dualpipe/dualpipe.py:358-424 at 3da1bbe), by hand.

    step_1 = 2(n-h-1) F; step_2 = h+1 x (F, F); step_3 = n-h-1 x (BI, W, F); step_4 = c-PP+h+1 x (FB, FB), the
    first iteration on the two middle ranks being F then B instead of one FB; step_5 = n-h-1 x (B, FB);
    step_6 = h+1 x (B, B) of which h+1 in total run with zero bubble (BI): if h is odd the switch is at
    i = (h+1)/2 before B(1), leaving 2 (h+1)/2 = h+1 BIs; if h is even it is at i = h/2 after B(1), leaving
    1 + 2 (h/2) = h+1 BIs; step_7 = n-h-1 x (W, BI); step_8 = h+1 W.
    """
    n, c = num_ranks // 2, num_chunks // 2
    h = min(rank, num_ranks - 1 - rank)
    middle = int(rank in (n - 1, n))
    s1, s2, s3 = 2 * (n - h - 1), h + 1, n - h - 1
    s4, s5, s6, s7, s8 = c - num_ranks + h + 1, n - h - 1, h + 1, n - h - 1, h + 1
    return {
        "F": s1 + 2 * s2 + s3 + middle,
        "FB": 2 * s4 - middle + s5,
        "B": middle + s5 + (2 * s6 - (h + 1)),
        "BI": s3 + (h + 1) + s7,
        "W": s3 + s7 + s8,
    }


@pytest.mark.parametrize("pp,m", [(2, 4), (4, 8), (8, 20), (8, 26), (16, 64), (6, 12)])
def test_dualpipe_op_counts_follow_step(pp: int, m: int) -> None:
    schedule = pl.dualpipe(pp, m)
    for r in range(pp):
        got = {k: sum(op.kind == k for op in schedule.ops[r]) for k in pl.OP_KINDS}
        assert got == _step_counts(pp, m, r)
        # every rank computes m forwards (as F or inside FB) and m backwards: half in each direction
        assert got["F"] + got["FB"] == m and got["B"] + got["BI"] + got["FB"] == m


def test_dualpipe_figure5_rank0_order_by_hand() -> None:
    # PP = 8, 20 micro-batches, rank 0 (h = 0, n = 4, c = 10): step 1 six F0, step 2 one (F0, F1),
    # step 3 three (BI1, W, F1), step 4 c - PP + 1 = 3 x (FB(F0,B1), FB(F1,B0)), step 5 three (B1, FB(F1,B0)),
    # step 6 one (B1, BI0) (h = 0 is even: zero bubble switches on after B1), step 7 three (W, BI0), step 8 one W.
    kinds = [op.kind for op in pl.dualpipe(8, 20).ops[0]]
    expect = (
        ["F"] * 6
        + ["F", "F"]
        + ["BI", "W", "F"] * 3
        + ["FB", "FB"] * 3
        + ["B", "FB"] * 3
        + ["B", "BI"]
        + ["W", "BI"] * 3
        + ["W"]
    )
    assert kinds == expect


# ---------------------------------------------------------------------------------------------------------------
# Activation memory and parameters (Table 2's columns)


@pytest.mark.parametrize("pp,m", [(4, 8), (8, 20), (16, 64), (8, 40)])
def test_dualpipe_peak_in_flight_is_pp_plus_1(pp: int, m: int) -> None:
    res = pl.simulate(pl.dualpipe(pp, m), pl.Durations(f=1, b=2, w=1, fb=2.5))
    assert (res.ranks["peak_activations"] == pp + 1).all()  # Table 2: "PP + 1"
    assert (res.ranks["peak_activations_until_w"] == pp + 1).all()  # also when a deferred W keeps its inputs
    assert res.schedule.stages_per_rank == 2  # Table 2: "2x" parameters


def test_dualpipev_peak_in_flight_is_stages_plus_1() -> None:
    # README: DualPipeV has PP/2 devices and PP + 1 activations per device, PP = 2 x devices stages.
    res = pl.simulate(pl.dualpipev(8, 20), pl.Durations(f=1, b=2, w=1, fb=2.5))
    assert (res.ranks["peak_activations"] == 16 + 1).all()
    assert res.schedule.stages_per_rank == 2


def test_1f1b_and_zb_h1_peak_in_flight_is_pp_on_the_first_rank() -> None:
    # Warm-up of PP - r - 1 forwards plus one: rank r holds PP - r micro-batches; Table 2's "PP" is rank 0's.
    for make in (pl.one_f_one_b, pl.zb_h1):
        res = pl.simulate(make(8, 20), pl.Durations(f=1, b=2, w=1))
        assert list(res.ranks["peak_activations"]) == [8 - r for r in range(8)]
        assert res.schedule.stages_per_rank == 1
    # ZB-H1 counted until W ends: rank r's PP - r plus the r weight chunks it runs late = PP on every rank
    res = pl.simulate(pl.zb_h1(8, 20), pl.Durations(f=1, b=2, w=1))
    assert list(res.ranks["peak_activations_until_w"]) == [8] * 8


# ---------------------------------------------------------------------------------------------------------------
# Table 2's formulas where their stated assumptions hold


@pytest.mark.parametrize("pp,m", [(4, 8), (8, 20), (16, 64)])
def test_zb_h1_bubble_at_equal_f_bi_w(pp: int, m: int) -> None:
    # Zero-bubble paper's setting T_F = T_B(input) = T_W: ZB-H1 bubble (p-1)(T_F + T_B - T_W) = (p-1) T_F,
    # which is Table 2's (PP-1)(F + B - 2W) with B = full backward = 2 T_F, W = T_F.
    res = pl.simulate(pl.zb_h1(pp, m), pl.Durations(f=1.5, b=3.0, w=1.5))
    assert math.isclose(res.bubble, (pp - 1) * (1.5 + 3.0 - 2 * 1.5))


@pytest.mark.parametrize("fb", [2.0, 2.4, 3.0])
def test_dualpipe_bubble_matches_table2_at_f_b_w_1_2_1(fb: float) -> None:
    # Table 2 with F : B : W = 1 : 2 : 1 and an overlap no shorter than the backward alone (B <= F&B <= F + B).
    for pp, m in [(8, 20), (16, 64)]:
        res = pl.simulate(pl.dualpipe(pp, m), pl.Durations(f=1, b=2, w=1, fb=fb))
        assert math.isclose(res.bubble, (pp / 2 - 1) * (fb + 2 - 3 * 1))


def test_dualpipe_bubble_does_not_grow_with_micro_batches() -> None:
    # V3 report: "neither the bubbles nor activation memory will increase as the number of micro-batches grows"
    d = pl.Durations(f=1, b=2, w=1, fb=2.6)
    bubbles = {pl.simulate(pl.dualpipe(8, m), d).bubble for m in (16, 20, 32, 64)}
    assert len({round(b, 9) for b in bubbles}) == 1


# ---------------------------------------------------------------------------------------------------------------
# Constraints as named errors


def test_odd_ranks() -> None:
    with pytest.raises(pl.OddRanksError, match="even number of ranks"):
        pl.dualpipe(7, 28)


def test_odd_micro_batches() -> None:
    with pytest.raises(pl.OddMicroBatchesError, match="even number of micro-batches"):
        pl.dualpipe(8, 21)


def test_too_few_micro_batches() -> None:
    with pytest.raises(pl.TooFewMicroBatchesError, match="at least 2 \\* PP = 16"):
        pl.dualpipe(8, 14)
    with pytest.raises(pl.TooFewMicroBatchesError, match="at least 2 \\* devices = 8"):
        pl.dualpipev(4, 7)


@pytest.mark.parametrize(
    "kwargs",
    [{"f": 0}, {"b": -1.0}, {"f": float("nan")}, {"fb": 0.0}, {"b": float("inf")}, {"w": -0.5}, {"f": True}],
)
def test_non_positive_durations(kwargs: dict) -> None:
    with pytest.raises(pl.NonPositiveDurationError):
        pl.Durations(**kwargs)


def test_weight_part_must_leave_a_positive_input_backward() -> None:
    with pytest.raises(pl.NonPositiveDurationError, match="B - W must be positive"):
        pl.Durations(f=1, b=2, w=2)


def test_overlap_longer_than_serial() -> None:
    with pytest.raises(pl.OverlapTooLongError, match="longer than F \\+ B"):
        pl.Durations(f=1, b=2, w=1, fb=3.5)


def test_bad_counts() -> None:
    with pytest.raises(pl.PipelineError, match="num_micro_batches"):
        pl.one_f_one_b(4, 0)
    with pytest.raises(pl.PipelineError, match="num_ranks"):
        pl.zb_h1(2.5, 4)  # type: ignore[arg-type]


def test_errors_are_value_errors() -> None:
    for err in (
        pl.OddRanksError,
        pl.OddMicroBatchesError,
        pl.TooFewMicroBatchesError,
        pl.NonPositiveDurationError,
        pl.OverlapTooLongError,
        pl.ScheduleDeadlockError,
    ):
        assert issubclass(err, ValueError)


def test_contradictory_order_deadlocks() -> None:
    # one rank, one micro-batch, backward listed before its forward
    bad = pl.Schedule(
        "bad",
        1,
        ((0,),),
        (1,),
        ((pl.Op("B", (pl.Part("B", 0, 0, 0),)), pl.Op("F", (pl.Part("F", 0, 0, 0),))),),
    )
    with pytest.raises(pl.ScheduleDeadlockError, match="no rank can proceed"):
        pl.simulate(bad, pl.Durations())


# ---------------------------------------------------------------------------------------------------------------
# Scale


def test_pp16_with_64_micro_batches_is_fast() -> None:
    # CPU time, not wall time: the machine is shared, and the brief asks for "well under a second".
    pl._compile.cache_clear()
    schedule = pl.dualpipe(16, 64)
    t0 = time.process_time()
    res = pl.simulate(schedule, pl.Durations(f=1, b=2, w=1, fb=2.5))
    assert time.process_time() - t0 < 1.0
    assert isinstance(res.events, pd.DataFrame) and len(res.events) == sum(len(o) for o in schedule.ops)


# ---------------------------------------------------------------------------------------------------------------
# Table 2 evaluated by hand, and the measured step's throughput


def test_table2_formulas_at_pp16() -> None:
    # PP = 16, F = 1, B = 2, W = 0.5, F&B = 2.5: 1F1B 15 x 3 = 45; ZB1P 15 x (3 - 1) = 30; DualPipe 7 x (2.5 + 2 - 1.5) = 21
    d = pl.Durations(f=1, b=2, w=0.5, fb=2.5)
    assert pl.table2_bubble("1F1B", 16, d) == 45
    assert pl.table2_bubble("ZB1P", 16, d) == pl.table2_bubble("ZB-H1", 16, d) == 30
    assert pl.table2_bubble("DualPipe", 16, d) == pl.table2_bubble("DualPipeV", 16, d) == 21
    assert (pl.table2_activation("1F1B", 16), pl.table2_activation("DualPipe", 16)) == (16, 17)
    with pytest.raises(pl.PipelineError, match="unknown method"):
        pl.table2_bubble("GPipe", 16, d)


def test_step_throughput_of_the_measured_step() -> None:
    # 15,360 x 4,096 = 62,914,560 tokens per step; / 19.926 s = 3,157,410 tokens/s; x 86,400 s = 272.80B a day,
    # which is ISCA '25 Table 4's "Tokens/day"; / 2,048 GPUs = 1,541.7 tokens/s per GPU.
    per_gpu = pl.step_tokens_per_gpu_second(15360 * 4096, 19.926, 2048)
    assert abs(per_gpu * 2048 * 86400 - 272.80e9) < 0.005e9
    assert abs(per_gpu - 1541.7) < 0.05
    with pytest.raises(pl.NonPositiveDurationError, match="step_seconds"):
        pl.step_tokens_per_gpu_second(1.0, 0.0, 2048)


def test_sweep_bubble_follows_the_closed_forms() -> None:
    # 1F1B: (PP - 1)(F + B) for every set of durations; DualPipe at F:B:W = 1:2:1 with B <= F&B <= F + B: Table 2.
    rng = np.random.default_rng(7)
    fs, bs = rng.uniform(0.2, 3.0, size=(2, 6))
    ds = [pl.Durations(f=float(f), b=float(b), w=0.0) for f, b in zip(fs, bs)]
    np.testing.assert_allclose(pl.sweep_bubble(pl.one_f_one_b(6, 10), ds), 5 * (fs + bs), rtol=1e-12)
    fbs = np.linspace(2.0, 3.0, 5)
    ds = [pl.Durations(f=1, b=2, w=1, fb=float(x)) for x in fbs]
    np.testing.assert_allclose(pl.sweep_bubble(pl.dualpipe(16, 64), ds), 7 * (fbs + 2 - 3), rtol=1e-9)
    with pytest.raises(pl.PipelineError, match="must not be empty"):
        pl.sweep_bubble(pl.dualpipe(4, 8), [])


def test_dualpipe_keeps_the_codes_send_and_receive_points() -> None:
    # Read off dualpipe.py at 3da1bbe for PP = 8, m = 20.
    ops0 = pl.dualpipe(8, 20).ops[0]  # rank 0: not a middle rank
    # Step 2 (lines 366-371): F0 is computed with send=False and sent after the F1 that follows it, so micro-batch 6's
    # forward output leaves rank 0 at the end of op 7 (F1 of micro-batch 0), not at the end of op 6.
    assert (ops0[6].kind, ops0[6].sends) == ("F", ())
    assert ops0[7].sends == (("F", 0, 0, 6),)
    # Step 3 (lines 376-379): _recv_forward(1) is posted before _weight_chunk(), whose commit waits for it: the W
    # waits for the input of the next phase-1 forward (pipe 1, stage 6 on rank 1, micro-batch 1).
    assert (ops0[9].kind, ops0[9].waits) == ("W", (("F", 1, 6, 1),))
    ops3 = pl.dualpipe(8, 20).ops[3]  # a middle rank
    # Step 2's last F1 is held (send=False when i = step_2 - 1) and sent after step 4's first, non-overlapped F0
    # (lines 387-391), whose own output leaves with B1's gradient after the B1.
    assert ops3[7].sends == () and ops3[8].sends == (("F", 1, 4, 3),)
    assert ops3[9].kind == "B" and ops3[9].sends == (("F", 0, 3, 4), ("G", 1, 4, 0))


def test_chapter_comparisons() -> None:
    # op_counts: every DualPipe rank computes m forwards (alone or in a pair) and m backwards.
    counts = pl.op_counts(pl.dualpipe(8, 20))
    assert list(counts["rank"]) == list(range(8))
    assert ((counts["F"] + counts["FB"]) == 20).all() and ((counts["B"] + counts["BI"] + counts["FB"]) == 20).all()
    # table2_comparison at F:B:W = 1:2:1, F&B = 2.5: Table 2's bubbles 7 x 3 = 21, 7 x 1 = 7, 3 x 1.5 = 4.5 (x2)
    table = pl.table2_comparison(8, 20, pl.Durations(f=1, b=2, w=1, fb=2.5))
    assert list(table["bubble_formula"]) == [21, 7, 4.5, 4.5]
    assert list(table["devices"]) == [8, 8, 8, 4] and list(table["stages_per_device"]) == [1, 1, 2, 2]
    # formula_gap: blank where W >= B; zero at F:B:W = 1:2:1, where Table 2's DualPipe formula holds (tested above)
    gap = pl.formula_gap("DualPipe", 8, 20, np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    assert np.isnan(gap[0, 0]) and np.isnan(gap[1, 0]) and np.isnan(gap[1, 1])
    assert abs(gap[0, 1]) < 1e-9


def test_two_rank_dualpipe_timeline_worked_by_hand() -> None:
    # PP = 2, m = 4 (two per direction), F = 1, B = 2, W = 1, F&B = 2.5. Both ranks are middle ranks (h = 0, n = 1),
    # so step() runs: step 2 (F0, F1); step 4 once, split (F0, B1) then F&B(F1, B0); step 6 (B1, BI0); step 8 W.
    # Rank 0 (rank 1 is its mirror image):
    #   F0 mb0 [0, 1]; F1 mb0 [1, 2] waits for rank 1's F0 mb0 (ends at 1);
    #   F0 mb1 [2, 3], its send held (send=False) until after B1;
    #   B1 mb0 (last stage of pipe 1: the loss is local) [3, 5]; F0 mb1's output and B1's gradient leave at 5;
    #   F&B(F1 mb1, B0 mb0) waits for rank 1's F0 mb1 and B1 gradient, both sent at 5: [5, 7.5];
    #   B1 mb1 [7.5, 9.5]; BI0 mb1 waits for rank 1's gradient (9.5): [9.5, 10.5]; W [10.5, 11.5].
    # Busy 3 F + 2 B + F&B + BI + W = 3 + 4 + 2.5 + 1 + 1 = 11.5 = makespan: no bubble, as (PP/2 - 1)(...) = 0 says.
    res = pl.simulate(pl.dualpipe(2, 4), pl.Durations(f=1, b=2, w=1, fb=2.5))
    for rank in (0, 1):
        ev = res.events[res.events["rank"] == rank].sort_values("index")
        assert list(ev["kind"]) == ["F", "F", "F", "B", "FB", "B", "BI", "W"]
        assert list(zip(ev["start"], ev["end"])) == [
            (0, 1), (1, 2), (2, 3), (3, 5), (5, 7.5), (7.5, 9.5), (9.5, 10.5), (10.5, 11.5)
        ]  # fmt: skip
    assert res.makespan == 11.5 and res.bubble == 0
