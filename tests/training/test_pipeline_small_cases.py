"""Small pipeline schedules whose orders and timelines are worked out by hand in each test.

Conventions as in ``dsv3.training.pipeline``: F, B (full backward), BI = B - W, W, F&B; communication takes no time.
A label is ``<kind><pipe>.<micro-batch>``; rank r of a one-pipe schedule holds stage r.
"""

from __future__ import annotations

import numpy as np
import pytest

from dsv3.training import pipeline as pl


def _timeline(res: pl.Result, rank: int) -> list[tuple[str, float, float]]:
    ev = res.events[res.events["rank"] == rank].sort_values("index")
    return list(zip(ev["label"], ev["start"], ev["end"]))


# --- ZB-H1 --------------------------------------------------------------------------------------


def test_zb_h1_two_ranks_two_micro_batches_by_hand() -> None:
    # Order: rank 0 warms up with PP - 0 - 1 = 1 forward and runs each W at once (lag 0): F0 F1 BI0 W0 BI1 W1;
    # rank 1 has no warm-up and runs each W one micro-batch late (lag 1): F0 BI0 F1 BI1 W0 W1.
    # F = 1, B = 3, W = 1, so BI = 2.
    # rank 1: F0 [1,2] after rank 0's F0; BI0 [2,4]; F1 [4,5]; BI1 [5,7]; W0 [7,8]; W1 [8,9]
    # rank 0: F0 [0,1]; F1 [1,2]; BI0 waits for rank 1's BI0 (4): [4,6]; W0 [6,7]; BI1 waits for 7: [7,9]; W1 [9,10]
    # Makespan 10, busy 2 + 4 + 2 = 8 on each rank: bubble 2 = (PP - 1)(F + B - 2W) = 1 x (1 + 3 - 2).
    res = pl.simulate(pl.zb_h1(2, 2), pl.Durations(f=1, b=3, w=1))
    assert _timeline(res, 0) == [
        ("F0.0", 0, 1), ("F0.1", 1, 2), ("BI0.0", 4, 6), ("W0.0", 6, 7), ("BI0.1", 7, 9), ("W0.1", 9, 10)
    ]  # fmt: skip
    assert _timeline(res, 1) == [
        ("F0.0", 1, 2), ("BI0.0", 2, 4), ("F0.1", 4, 5), ("BI0.1", 5, 7), ("W0.0", 7, 8), ("W0.1", 8, 9)
    ]  # fmt: skip
    assert res.makespan == 10 and list(res.ranks["idle"]) == [2, 2] and res.bubble == 2
    assert res.bubble_share == pytest.approx(0.2)
    assert res.bubble == pl.table2_bubble("ZB1P", 2, res.durations)


def test_zb_h1_three_ranks_three_micro_batches_by_hand() -> None:
    # F = BI = W = 1 (B = 2). Orders (warm-up PP - r - 1 forwards, W lag r):
    #   rank 0: F0 F1 F2 BI0 W0 BI1 W1 BI2 W2
    #   rank 1: F0 F1 BI0 F2 BI1 W0 BI2 W1 W2
    #   rank 2: F0 BI0 F1 BI1 F2 BI2 W0 W1 W2
    # rank 0: F0 [0,1] F1 [1,2] F2 [2,3]
    # rank 1: F0 [1,2] F1 [2,3]; BI0 after rank 2's BI0 (4): [4,5]; F2 [5,6]; BI1 after 6: [6,7]; W0 [7,8];
    #         BI2 after rank 2's BI2 (8): [8,9]; W1 [9,10]; W2 [10,11]
    # rank 2: F0 [2,3] BI0 [3,4]; F1 after rank 1's F1 (3) but rank busy until 4: [4,5]; BI1 [5,6];
    #         F2 after rank 1's F2 (6): [6,7]; BI2 [7,8]; W0 [8,9] W1 [9,10] W2 [10,11]
    # rank 0: BI0 after rank 1's BI0 (5): [5,6]; W0 [6,7]; BI1 after 7: [7,8]; W1 [8,9]; BI2 after 9: [9,10]; W2 [10,11]
    # Makespan 11, busy 9 everywhere: bubble 2 = (3 - 1)(1 + 2 - 2 x 1).
    res = pl.simulate(pl.zb_h1(3, 3), pl.Durations(f=1, b=2, w=1))
    starts = {r: [s for _, s, _ in _timeline(res, r)] for r in range(3)}
    labels = {r: [lab for lab, _, _ in _timeline(res, r)] for r in range(3)}
    assert labels[0] == ["F0.0", "F0.1", "F0.2", "BI0.0", "W0.0", "BI0.1", "W0.1", "BI0.2", "W0.2"]
    assert labels[1] == ["F0.0", "F0.1", "BI0.0", "F0.2", "BI0.1", "W0.0", "BI0.2", "W0.1", "W0.2"]
    assert labels[2] == ["F0.0", "BI0.0", "F0.1", "BI0.1", "F0.2", "BI0.2", "W0.0", "W0.1", "W0.2"]
    assert starts[0] == [0, 1, 2, 5, 6, 7, 8, 9, 10]
    assert starts[1] == [1, 2, 4, 5, 6, 7, 8, 9, 10]
    assert starts[2] == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert res.makespan == 11 and res.bubble == 2 == pl.table2_bubble("ZB-H1", 3, res.durations)


def test_zb_h1_with_fewer_micro_batches_than_ranks() -> None:
    # PP = 3, m = 1: every rank runs F, BI, W (warm-up min(PP - r - 1, 1), lag min(r, 1)).
    # F = 1, BI = 1, W = 1: F at 0, 1, 2; BI on rank 2 [3,4], rank 1 [4,5], rank 0 [5,6]; each W right after.
    res = pl.simulate(pl.zb_h1(3, 1), pl.Durations(f=1, b=2, w=1))
    for r in range(3):
        assert _timeline(res, r) == [("F0.0", r, r + 1), ("BI0.0", 5 - r, 6 - r), ("W0.0", 6 - r, 7 - r)]


def test_1f1b_with_fewer_micro_batches_than_ranks() -> None:
    # PP = 3, m = 2, F = 1, B = 2. Warm-up min(PP - r - 1, m): rank 0 runs F0 F1 B0 B1, rank 1 F0 F1 B0 B1,
    # rank 2 F0 B0 F1 B1. Rank 2: F0 [2,3] B0 [3,5] F1 [5,6] B1 [6,8]; rank 1: F0 [1,2] F1 [2,3] B0 [5,7] B1 [8,10];
    # rank 0: F0 [0,1] F1 [1,2] B0 [7,9] B1 [10,12]. Makespan (m + PP - 1)(F + B) = 12.
    res = pl.simulate(pl.one_f_one_b(3, 2), pl.Durations(f=1, b=2, w=1))
    assert _timeline(res, 0) == [("F0.0", 0, 1), ("F0.1", 1, 2), ("B0.0", 7, 9), ("B0.1", 10, 12)]
    assert _timeline(res, 1) == [("F0.0", 1, 2), ("F0.1", 2, 3), ("B0.0", 5, 7), ("B0.1", 8, 10)]
    assert _timeline(res, 2) == [("F0.0", 2, 3), ("B0.0", 3, 5), ("F0.1", 5, 6), ("B0.1", 6, 8)]


# --- DualPipeV on one device --------------------------------------------------------------------


def test_dualpipev_on_one_device_by_hand() -> None:
    # D = 1: the device holds stage 0 and stage 1 of the one pipe (a V of two stages), so every hand-over is local.
    # step() with rank 0 = last rank, n = 1, h = 0: step 2 (F0, F1); step 4 m - 2 + 1 = 1 iteration, split:
    # F0, B1, then F&B(F1, B0); step 6 one iteration, h even: B1, then zero bubble on: BI0; step 8 one W.
    # Stage 0 is phase 0 and stage 1 phase 1, so F0.k here is stage 0's forward of micro-batch k.
    # Durations F = 1, B = 2, W = 0.5, F&B = 2.5: no waits, so the ops run back to back.
    schedule = pl.dualpipev(1, 2)
    res = pl.simulate(schedule, pl.Durations(f=1, b=2, w=0.5, fb=2.5))
    parts = [[(p.kind, p.stage, p.micro_batch) for p in op.parts] for op in schedule.ops[0]]
    assert parts == [
        [("F", 0, 0)],
        [("F", 1, 0)],
        [("F", 0, 1)],
        [("B", 1, 0)],
        [("F", 1, 1), ("B", 0, 0)],
        [("B", 1, 1)],
        [("BI", 0, 1)],
        [("W", 0, 1)],
    ]
    ends = [e for _, _, e in _timeline(res, 0)]
    assert ends == [1, 2, 3, 5, 7.5, 9.5, 11, 11.5]
    assert res.bubble == 0 == pl.table2_bubble("DualPipeV", 2, res.durations)
    assert schedule.placement == ((0, 0),) and schedule.micro_batches == (2,)
    # every hand-over is local: no op waits for or sends anything to another device
    assert all(op.waits == () and op.sends == () for op in schedule.ops[0])


# --- names, counts and summaries ----------------------------------------------------------------


def test_schedule_names_and_shapes() -> None:
    assert pl.one_f_one_b(2, 2).name == "1F1B"
    assert pl.zb_h1(2, 2).name == "ZB-H1"
    d = pl.dualpipe(4, 8)
    assert d.name == "DualPipe" and d.num_ranks == 4
    assert d.placement == ((0, 1, 2, 3), (3, 2, 1, 0)) and d.micro_batches == (4, 4)
    v = pl.dualpipev(2, 5)
    assert v.name == "DualPipeV" and v.num_ranks == 2
    assert v.placement == ((0, 1, 1, 0),) and v.micro_batches == (5,)
    assert type(d.stages_per_rank) is int and d.stages_per_rank == 2


@pytest.mark.parametrize(
    "make,field",
    [
        (lambda n: pl.one_f_one_b(n, 2), "num_ranks"),
        (lambda n: pl.one_f_one_b(2, n), "num_micro_batches"),
        (lambda n: pl.zb_h1(n, 2), "num_ranks"),
        (lambda n: pl.zb_h1(2, n), "num_micro_batches"),
        (lambda n: pl.dualpipe(n, 8), "num_ranks"),
        (lambda n: pl.dualpipe(2, n), "num_micro_batches"),
        (lambda n: pl.dualpipev(n, 8), "num_devices"),
        (lambda n: pl.dualpipev(2, n), "num_micro_batches"),
        (lambda n: pl.table2_bubble("1F1B", n, pl.Durations()), "pp"),
        (lambda n: pl.table2_activation("1F1B", n), "pp"),
    ],
)
def test_counts_must_be_positive_integers_named(make, field: str) -> None:
    for bad in (0, -2, True, 2.0):
        with pytest.raises(pl.PipelineError, match=f"^{field} must"):
            make(bad)


def test_counts_may_be_numpy_integers() -> None:
    assert pl.one_f_one_b(np.int64(2), np.int32(2)).num_ranks == 2


@pytest.mark.parametrize("field", ["tokens_per_step", "step_seconds", "num_gpus"])
def test_throughput_names_a_non_positive_input(field: str) -> None:
    args = {"tokens_per_step": 100.0, "step_seconds": 2.0, "num_gpus": 5.0}
    assert pl.step_tokens_per_gpu_second(**args) == 10.0
    with pytest.raises(pl.NonPositiveDurationError, match=f"^{field} must"):
        pl.step_tokens_per_gpu_second(**(args | {field: 0.0}))


def test_durations_defaults_and_kinds() -> None:
    d = pl.Durations()
    assert (d.f, d.b, d.w, d.fb) == (1.0, 2.0, 1.0, 3.0)  # F&B defaults to F + B: no overlap gain
    assert [d.of(k) for k in pl.OP_KINDS] == [1.0, 2.0, 1.0, 1.0, 3.0]
    assert pl.Durations(f=1, b=2, w=0, fb=2.0).of("BI") == 2.0
    assert list(pl.OP_NAMES) == list(pl.OP_KINDS)


@pytest.mark.parametrize("field", ["f", "b", "fb"])
def test_durations_name_the_bad_field(field: str) -> None:
    with pytest.raises(pl.NonPositiveDurationError, match=f"^{field} must"):
        pl.Durations(**{field: 0.0})


def test_table2_activation_by_method() -> None:
    # Table 2: PP for 1F1B and ZB1P, PP + 1 for DualPipe (and DualPipeV, per the DualPipe README)
    assert [pl.table2_activation(m, 8) for m in ("1F1B", "ZB-H1", "ZB1P", "DualPipe", "DualPipeV")] == [8, 8, 8, 9, 9]
    with pytest.raises(pl.PipelineError, match="unknown method"):
        pl.table2_activation("GPipe", 8)


# --- DualPipeV on two devices, every op and every posted receive worked by hand ----------------------------------

# DualPipeV.step() (dualpipe/dualpipev.py at 3da1bbea53606543d7f5f232338fc58096db30e3, lines 330-398) for D = 2
# devices and m = 4 micro-batches: stages 0..3, device 0 holds stages 0 (phase 0) and 3 (phase 1), device 1 holds
# stages 1 and 2, so only 0 -> 1 and 2 -> 3 (and back) cross devices. Device 0 is rank 0 (n = 2, h = 0,
# step_4 = m - 2D + 0 + 1 = 1); device 1 is the last rank (h = 1, step_4 = 2, split first main step).
# An op is (label, waits, sends); "F0.s.k" / "G0.s.k" is the forward output / input gradient of stage s, micro-batch k.
# Device 0, call by call: step 1 two F0 (each send posted after it, committed by the next op); step 2 one F0 with
# send=False, then _recv_forward(1) and F1, then the held _send_forward(0); step 3 BI1 (zb), _recv_forward(1)
# before _weight_chunk (the W waits for it), F1; step 4 F&B(F0, B1) and F&B(F1, B0); step 5 B1, F&B(F1, B0);
# step 6 B1 then (h even) BI0; step 7 W, BI0; step 8 W.
DEVICE0 = [
    ("F", 0, 0, (), ("F0.0.0",)),
    ("F", 0, 1, (), ("F0.0.1",)),
    ("F", 0, 2, (), ()),
    ("F", 3, 0, ("F0.2.0",), ("F0.0.2",)),
    ("BI", 3, 0, (), ("G0.3.0",)),
    ("W", 3, 0, ("F0.2.1",), ()),
    ("F", 3, 1, (), ()),
    ("FB", (0, 3), (3, 1), (), ("F0.0.3", "G0.3.1")),
    ("FB", (3, 0), (2, 0), ("F0.2.2", "G0.1.0"), ()),
    ("B", 3, 2, (), ("G0.3.2",)),
    ("FB", (3, 0), (3, 1), ("F0.2.3", "G0.1.1"), ()),
    ("B", 3, 3, (), ("G0.3.3",)),
    ("BI", 0, 2, ("G0.1.2",), ()),
    ("W", 0, 2, (), ()),
    ("BI", 0, 3, ("G0.1.3",), ()),
    ("W", 0, 3, (), ()),
]
# Device 1 (last rank): step 2 twice (F0 sent at once but stage 1 -> 2 is local; F1 sent except the last one);
# step 4 first iteration split: F0, _send_forward(1) (the held F1 of micro-batch 1), B1 with send=False, then
# F&B(F1, B0); second iteration F&B(F0, B1), F&B(F1, B0); step 6 (h odd): B1, B0, then zero bubble from i = 1:
# BI1, BI0; step 8 two W.
DEVICE1 = [
    ("F", 1, 0, ("F0.0.0",), ()),
    ("F", 2, 0, ("F0.0.1",), ("F0.2.0",)),
    ("F", 1, 1, (), ()),
    ("F", 2, 1, ("F0.0.2",), ()),
    ("F", 1, 2, (), ("F0.2.1",)),
    ("B", 2, 0, ("G0.3.0",), ()),
    ("FB", (2, 1), (2, 0), (), ("F0.2.2", "G0.1.0")),
    ("FB", (1, 2), (3, 1), ("F0.0.3", "G0.3.1"), ()),
    ("FB", (2, 1), (3, 1), (), ("F0.2.3", "G0.1.1")),
    ("B", 2, 2, ("G0.3.2",), ()),
    ("B", 1, 2, (), ("G0.1.2",)),
    ("BI", 2, 3, ("G0.3.3",), ()),
    ("BI", 1, 3, (), ("G0.1.3",)),
    ("W", 2, 3, (), ()),
    ("W", 1, 3, (), ()),
]


def _key(text: str) -> tuple[str, int, int, int]:
    kind, pipe, stage, k = text[0], *text[1:].split(".")
    return (kind, int(pipe), int(stage), int(k))


def _expected_op(kind: str, stages, ks, waits, sends) -> pl.Op:
    if kind == "FB":
        parts = (pl.Part("F", 0, stages[0], ks[0]), pl.Part("B", 0, stages[1], ks[1]))
    else:
        parts = (pl.Part(kind, 0, stages, ks),)
    return pl.Op(kind, parts, tuple(_key(w) for w in waits), tuple(_key(s) for s in sends))


def test_dualpipev_two_devices_ops_follow_step() -> None:
    schedule = pl.dualpipev(2, 4)
    assert schedule.ops[0] == tuple(_expected_op(*row) for row in DEVICE0)
    assert schedule.ops[1] == tuple(_expected_op(*row) for row in DEVICE1)


def test_dualpipev_two_devices_timeline_by_hand() -> None:
    # F = 1, B = 2, W = 1 (BI = 1), F&B = 2.5. Device d's op i is d.i; "after x" = x's end.
    # 0.0 [0,1] 0.1 [1,2] 0.2 [2,3] | 1.0 F1.0 after 0.0: [1,2]; 1.1 waits F0.0.1 (0.1): [2,3]
    # 0.3 F3.0 waits F0.2.0 (sent by 1.1): [3,4]; 1.2 [3,4]; 1.3 waits F0.0.2 (sent by 0.3): [4,5]
    # 0.4 BI [4,5]; 1.4 [5,6]; 0.5 W waits F0.2.1 (held, sent by 1.4): [6,7]; 0.6 F3.1 [7,8]
    # 1.5 B2.0 waits G0.3.0 (0.4): [6,8]; 0.7 F&B [8,10.5]; 1.6 F&B [8,10.5]
    # 0.8 waits 1.6's sends: [10.5,13]; 1.7 waits 0.7's sends: [10.5,13]; 1.8 [13,15.5]; 0.9 B3.2 [13,15]
    # 0.10 waits 1.8's sends: [15.5,18]; 1.9 waits G0.3.2 (0.9) but device busy: [15.5,17.5]; 1.10 [17.5,19.5]
    # 0.11 B3.3 [18,20]; 1.11 waits G0.3.3 (0.11): [20,21]; 1.12 [21,22]; 1.13 W [22,23]; 1.14 W [23,24]
    # 0.12 waits G0.1.2 (1.10, 19.5) but device busy: [20,21]; 0.13 W [21,22]; 0.14 waits G0.1.3 (1.12): [22,23];
    # 0.15 W [23,24].
    # Makespan 24; busy 22.5 on each device (5 F + 3 F&B + 2 B + 3 BI + 3 W = 5 + 7.5 + 4 + 3 + 3 on device 0,
    # 5 F + 3 F&B + 3 B + 2 BI + 2 W = 5 + 7.5 + 6 + 2 + 2 on device 1): bubble 1.5, which is the DualPipe README's
    # (PP/2 - 1)(F&B + B - 3W) with PP = 4 stages: 1 x (2.5 + 2 - 3).
    res = pl.simulate(pl.dualpipev(2, 4), pl.Durations(f=1, b=2, w=1, fb=2.5))
    starts0 = [0, 1, 2, 3, 4, 6, 7, 8, 10.5, 13, 15.5, 18, 20, 21, 22, 23]
    starts1 = [1, 2, 3, 4, 5, 6, 8, 10.5, 13, 15.5, 17.5, 20, 21, 22, 23]
    assert [s for _, s, _ in _timeline(res, 0)] == starts0
    assert [s for _, s, _ in _timeline(res, 1)] == starts1
    assert res.makespan == 24
    assert list(res.ranks["busy"]) == [22.5, 22.5] and list(res.ranks["idle"]) == [1.5, 1.5]
    assert res.bubble == 1.5 == pl.table2_bubble("DualPipeV", 4, res.durations)
    # the vectorised sweep times the same schedule the same way
    swept = pl.sweep(pl.dualpipev(2, 4), [res.durations, pl.Durations(f=1, b=2, w=1)])
    assert list(swept.columns) == ["makespan", "bubble", "bubble_share"]
    assert swept["makespan"].iloc[0] == 24 and swept["bubble"].iloc[0] == 1.5
    assert swept["bubble_share"].iloc[0] == 1.5 / 24


# --- schedules that cannot run ------------------------------------------------------------------------------------


def _one_pipe(ops: tuple[tuple[pl.Op, ...], ...], stages: int = 2) -> pl.Schedule:
    return pl.Schedule("hand-made", len(ops), (tuple(range(stages)),), (1,), ops)


def _op(kind: str, stage: int, sends: tuple | None = None) -> pl.Op:
    return pl.Op(kind, (pl.Part(kind, 0, stage, 0),), (), sends)


def test_a_chunk_computed_twice_is_refused() -> None:
    bad = _one_pipe(((_op("F", 0), _op("F", 0)), (_op("F", 1), _op("B", 1))))
    with pytest.raises(pl.ScheduleDeadlockError, match="computed twice"):
        pl.simulate(bad, pl.Durations())


def test_a_chunk_no_rank_computes_is_refused() -> None:
    # rank 0's backward needs stage 1's input gradient, but rank 1 never runs a backward
    bad = _one_pipe(((_op("F", 0), _op("B", 0)), (_op("F", 1),)))
    with pytest.raises(pl.ScheduleDeadlockError, match="which no rank computes"):
        pl.simulate(bad, pl.Durations())


def test_an_output_never_sent_is_refused() -> None:
    # rank 0 computes stage 0's forward but its op sends nothing (sends=()), so rank 1's forward never gets it
    bad = _one_pipe(((_op("F", 0, sends=()), _op("B", 0)), (_op("F", 1), _op("B", 1))))
    with pytest.raises(pl.ScheduleDeadlockError, match="never sent"):
        pl.simulate(bad, pl.Durations())
    # the same schedule with the default sends (None: the op's own outputs, at its end) runs: 1F1B for PP = 2, m = 1
    good = _one_pipe(((_op("F", 0), _op("B", 0)), (_op("F", 1), _op("B", 1))))
    assert pl.simulate(good, pl.Durations(f=1, b=2, w=1)).makespan == 2 * (1 + 2)


# --- the chapter's tables -----------------------------------------------------------------------------------------


def test_formula_gap_of_zb_h1_on_two_ranks_by_hand() -> None:
    # ZB-H1, PP = 2, m = 2 (orders as in the two-rank test above), BI = B - W. Rank 1 runs F F... back to back:
    # F0 [F, 2F], BI0, F1 (rank 0's F1 ended at 2F), BI1, W0, W1: it ends at 3F + 2BI + 2W. Rank 0: BI0 after
    # rank 1's BI0 (2F + BI) ends at 2F + 2BI, W0 at 2F + 2BI + W; BI1 waits for rank 1's BI1 (3F + 2BI), so it
    # starts at 2F + 2BI + max(W, F), and W1 ends at 2F + 3BI + W + max(W, F). Busy 2F + 2BI + 2W on each rank, so
    #   bubble = max(BI + max(W, F) - W, F) and the gap to Table 2's F + BI - W (= F + B - 2W) is
    #   W <= F: max(0, W - BI);   W > F: W - min(BI, F).
    # With F = 0.5: (B, W) = (1.5, 0.25) -> 0; (3, 0.25) -> 0; (1.5, 1) -> 1 - 0.5; (3, 1) -> 1 - 0.5;
    # (3, 2) -> 2 - 0.5; W >= B is left blank.
    gap = pl.formula_gap("ZB-H1", 2, 2, np.array([1.5, 3.0]), np.array([0.25, 1.0, 2.0]), f=0.5)
    expected = np.array([[0.0, 0.0], [0.5, 0.5], [np.nan, 1.5]])
    np.testing.assert_allclose(gap, expected, atol=1e-12)
    # the default F is 1: now W = 1 <= F, and (B, W) = (1.5, 1) gives max(0, 1 - 0.5) = 0.5, (3, 1) gives 0
    gap = pl.formula_gap("ZB-H1", 2, 2, np.array([1.5, 3.0]), np.array([1.0]))
    np.testing.assert_allclose(gap, [[0.5, 0.0]], atol=1e-12)


def test_simulate_rank_table_columns_and_op_counts() -> None:
    res = pl.simulate(pl.dualpipev(1, 2), pl.Durations(f=1, b=2, w=0.5, fb=2.5))
    assert list(res.ranks.columns) == [
        "rank", "busy", "idle", "peak_activations", "peak_activations_until_w", "F", "B", "BI", "W", "FB"
    ]  # fmt: skip
    # the one-device DualPipeV above: F F F B F&B B BI W
    row = res.ranks.iloc[0]
    assert (row["rank"], row["busy"], row["idle"]) == (0, 11.5, 0)
    assert [row[k] for k in pl.OP_KINDS] == [3, 2, 1, 1, 1]
    assert list(res.events["label"])[4] == "F0.1 + B0.0"  # an F&B shows both chunks
    assert list(res.events.columns) == ["rank", "index", "kind", "start", "end", "label"]
    assert list(res.parts.columns) == ["rank", "index", "kind", "pipe", "stage", "micro_batch", "start", "end"]


def test_table2_comparison_columns() -> None:
    table = pl.table2_comparison(4, 8, pl.Durations(f=1, b=2, w=1, fb=2.5))
    assert list(table.columns) == [
        "schedule",
        "table2_name",
        "pp",
        "micro_batches",
        "devices",
        "bubble_formula",
        "bubble_simulated",
        "activations_formula",
        "activations_simulated",
        "stages_per_device",
    ]
    assert list(table["schedule"]) == ["1F1B", "ZB-H1", "DualPipe", "DualPipeV"]
    assert list(table["table2_name"]) == ["1F1B", "ZB1P", "DualPipe", "DualPipeV"]
    assert list(table["pp"]) == [4] * 4 and list(table["micro_batches"]) == [8] * 4
    # 1F1B's simulated bubble is its formula (3 x 3 = 9); Table 2's activations: PP, PP, PP + 1, PP + 1
    assert table["bubble_simulated"].iloc[0] == 9
    assert list(table["activations_formula"]) == [4, 4, 5, 5]
    # rank 0 of 1F1B and ZB-H1 holds PP micro-batches (tested above for PP = 8)
    assert list(table["activations_simulated"])[:2] == [4, 4]


def test_a_rank_left_with_a_deferred_weight_chunk_is_refused() -> None:
    # step() ends with `assert WeightGradStore.funcs_queue.empty()`; the builder's finish() does the same
    b = pl._RankBuilder(0, {0: (0, 0)}, lambda p, st: st, {0: 1})
    b.forward_chunk(0)
    b.backward_chunk(0, enable_zb=True)
    with pytest.raises(pl.ScheduleDeadlockError, match="deferred weight chunks"):
        b.finish()
    b.weight_chunk()
    assert [op.kind for op in b.finish()] == ["F", "BI", "W"]
