"""Pipeline-parallel schedules and a list-scheduling simulator that replays them.

Used by the chapter ``chapters/dualpipe.md``. The DeepSeek-V3 technical report (arXiv:2412.19437, Section 3.2.1,
Table 2) and the README of ``deepseek-ai/DualPipe`` give bubble formulas for 1F1B, ZB1P and DualPipe; this module
builds each schedule's per-rank operation order and replays it so the formulas can be checked.

Model of a step
---------------
A *pipe* is a chain of stages, each stage placed on one rank. Each micro-batch ``k`` passes every stage ``s`` of its
pipe once forward and once backward. A rank runs an ordered list of operations:

* ``F``  forward chunk of one (pipe, stage, micro-batch), duration ``F``;
* ``B``  full backward chunk (input and weight gradients), duration ``B``;
* ``BI`` backward for inputs only, the weight gradient deferred, duration ``B - W`` (DualPipe's ``enable_zb=True``);
* ``W``  a deferred weight-gradient chunk, duration ``W``;
* ``FB`` one forward and one full backward chunk, mutually overlapped, duration ``F&B``.

Dependencies: ``F(p, s, k)`` needs ``F(p, s-1, k)``; a backward ``B``/``BI(p, s, k)`` needs ``F(p, s, k)`` and the
backward (``B`` or ``BI``) of ``(p, s+1, k)``; ``W(p, s, k)`` needs ``BI(p, s, k)``. An operation starts at the later
of its rank becoming free and its last dependency finishing; outputs of an ``FB`` become available when the whole
``FB`` ends. **Communication is assumed hidden**: sends and receives take no time (DualPipe's point is that they are
overlapped with computation). What the simulator keeps of the code's communication is *when* it is issued: DualPipe
posts some receives one operation early, and the operation after that commit waits for them, and it holds some sends
back until a later operation ends (``Op.waits`` and ``Op.sends``). Left out: the P2P latency and bandwidth, the
pairing of a send with its receive (a send that cannot complete before its peer posts the receive), and the
optimizer step. The simulator also leaves out: unequal stages (every stage has the same F, B, W), the loss and embedding layers,
and any jitter.

DualPipe and DualPipeV orders follow ``DualPipe.step()`` in ``dualpipe/dualpipe.py`` and ``DualPipeV.step()`` in
``dualpipe/dualpipev.py`` of https://github.com/deepseek-ai/DualPipe at commit
``3da1bbea53606543d7f5f232338fc58096db30e3`` (2025-03-06; ``dualpipe.py`` last changed in ``092151c``, a typo fix,
``dualpipev.py`` added in ``8ec5883``): the eight steps, their iteration counts, the phase-to-direction rule
(``phase ^= is_in_second_half``), per-phase chunk counters, the FIFO of deferred weight gradients
(``WeightGradStore``), the non-overlapped first main-step iteration on the middle ranks, and every receive, send and
commit call, in order.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from numbers import Real

import numpy as np
import pandas as pd

#: Operation kinds, in the order the chapter's legend lists them.
OP_KINDS: tuple[str, ...] = ("F", "B", "BI", "W", "FB")

#: Readable names of the operation kinds.
OP_NAMES: dict[str, str] = {
    "F": "forward",
    "B": "full backward",
    "BI": "backward for inputs",
    "W": "backward for weights",
    "FB": "overlapped forward & backward",
}

SOURCE_COMMIT = "3da1bbea53606543d7f5f232338fc58096db30e3"


class PipelineError(ValueError):
    """Base class of the pipeline module's errors."""


class OddRanksError(PipelineError):
    """DualPipe needs an even number of pipeline ranks (``dualpipe.py:332``: ``num_ranks % 2 == 0``)."""


class OddMicroBatchesError(PipelineError):
    """DualPipe splits the micro-batches between two directions, so their number must be even (``dualpipe.py:333``)."""


class TooFewMicroBatchesError(PipelineError):
    """Fewer micro-batches than the schedule needs (DualPipe and DualPipeV: ``num_chunks >= 2 * num_ranks``)."""


class NonPositiveDurationError(PipelineError):
    """A duration that must be positive is zero, negative or not a finite number."""


class OverlapTooLongError(PipelineError):
    """F&B longer than F + B: overlapping a forward with a backward cannot be slower than running them in turn."""


class ScheduleDeadlockError(PipelineError):
    """No rank can start its next operation: the schedule's orders contradict its dependencies."""


@dataclass(frozen=True)
class Durations:
    """Execution times of one chunk, in any time unit (V3 report Table 2's F, B, W and F&B).

    ``b`` is the *full* backward (inputs and weights); ``w`` is its weight part, so the backward for inputs takes
    ``b - w``. ``fb`` is two mutually overlapped chunks (one forward, one full backward); ``None`` means no overlap,
    ``fb = f + b``.
    """

    f: float = 1.0
    b: float = 2.0
    w: float = 1.0
    fb: float | None = None

    def __post_init__(self) -> None:
        for name in ("f", "b"):
            _positive_duration(name, getattr(self, name))
        w = self.w
        if isinstance(w, bool) or not isinstance(w, Real) or not math.isfinite(w) or w < 0:
            raise NonPositiveDurationError(f"w must be a finite number >= 0, got {w!r}")
        if w >= self.b:
            raise NonPositiveDurationError(
                f"the backward for inputs B - W must be positive: w={w!r} is not below b={self.b!r}"
            )
        if self.fb is None:
            object.__setattr__(self, "fb", float(self.f + self.b))
        else:
            _positive_duration("fb", self.fb)
            if self.fb > self.f + self.b * (1 + 1e-12):
                raise OverlapTooLongError(f"F&B = {self.fb!r} is longer than F + B = {self.f + self.b!r}")

    def of(self, kind: str) -> float:
        """Duration of an operation kind (one of ``OP_KINDS``)."""
        fb = self.fb if self.fb is not None else self.f + self.b
        return {"F": self.f, "B": self.b, "BI": self.b - self.w, "W": self.w, "FB": fb}[kind]


def _positive_duration(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value <= 0:
        raise NonPositiveDurationError(f"{name} must be a positive finite duration, got {value!r}")


#: A transferable output: ("F" | "G", pipe, stage, micro_batch).
Key = tuple[str, int, int, int]


@dataclass(frozen=True)
class Part:
    """One chunk of work inside an operation: kind ``F``, ``B``, ``BI`` or ``W`` of (pipe, stage, micro-batch)."""

    kind: str
    pipe: int
    stage: int
    micro_batch: int


@dataclass(frozen=True)
class Op:
    """One operation of a rank's list: ``kind`` in ``OP_KINDS`` and its parts (two for ``FB``: forward, backward).

    ``waits``: outputs of other ranks this op waits for before it starts, beyond its own inputs (DualPipe posts some
    receives one op early, and the op after the commit waits for them). ``sends``: outputs this op's end makes
    available to other ranks; ``None`` means its own outputs, at its end. Keys are ``("F" | "G", pipe, stage,
    micro_batch)``: a forward's output, or the input gradient a backward (``B`` or ``BI``) sends back.
    """

    kind: str
    parts: tuple[Part, ...]
    waits: tuple[Key, ...] = ()
    sends: tuple[Key, ...] | None = None


@dataclass(frozen=True)
class Schedule:
    """Per-rank ordered operation lists and the placement of stages on ranks.

    ``placement[p][s]`` is the rank that holds stage ``s`` of pipe ``p``; ``micro_batches[p]`` is the number of
    micro-batches that enter pipe ``p``.
    """

    name: str
    num_ranks: int
    placement: tuple[tuple[int, ...], ...]
    micro_batches: tuple[int, ...]
    ops: tuple[tuple[Op, ...], ...]

    @property
    def stages_per_rank(self) -> int:
        """Stages held by one rank: the 'Parameter' column of Table 2 (1x or 2x)."""
        return sum(len(p) for p in self.placement) // self.num_ranks


@dataclass(frozen=True)
class Result:
    """The replay of a schedule: the event log and per-rank summaries.

    ``events`` has one row per operation: rank, index in the rank's list, kind, start, end, and the parts as text.
    ``ranks`` has one row per rank: busy, idle (= makespan - busy), peak in-flight activations and op counts.
    ``parts`` has one row per chunk of work (two for an ``FB``): rank, index, kind, pipe, stage, micro-batch, times.
    """

    schedule: Schedule
    durations: Durations
    events: pd.DataFrame
    ranks: pd.DataFrame
    parts: pd.DataFrame = field(repr=False)

    @property
    def makespan(self) -> float:
        """Time from the first operation's start to the last one's end (the step's pipeline time)."""
        return float(self.events["end"].max())

    @property
    def bubble_share(self) -> float:
        """The bubble as a fraction of the makespan."""
        return self.bubble / self.makespan

    @property
    def bubble(self) -> float:
        """The largest per-rank idle time (makespan - busy): what Table 2's 'Bubble' column measures."""
        return float(self.ranks["idle"].max())


# ----------------------------------------------------------------------------------------------------------------
# Schedules


def _check_count(name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise PipelineError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def one_f_one_b(num_ranks: int, num_micro_batches: int) -> Schedule:
    """Non-interleaved 1F1B (Narayanan et al. 2021, Section 2.2.1).

    Rank ``r`` runs ``min(PP - r - 1, m)`` warm-up forwards, then alternates one forward and one full backward,
    then drains the remaining backwards. Bubble (V3 Table 2): ``(PP - 1)(F + B)``.
    """
    pp = _check_count("num_ranks", num_ranks)
    m = _check_count("num_micro_batches", num_micro_batches)
    ops = []
    for r in range(pp):
        warm = min(pp - r - 1, m)
        f = [Op("F", (Part("F", 0, r, k),)) for k in range(m)]
        b = [Op("B", (Part("B", 0, r, k),)) for k in range(m)]
        order = f[:warm]
        for i in range(m - warm):
            order += [f[warm + i], b[i]]
        order += b[m - warm :]
        ops.append(tuple(order))
    return Schedule("1F1B", pp, (tuple(range(pp)),), (m,), tuple(ops))


def zb_h1(num_ranks: int, num_micro_batches: int) -> Schedule:
    """Zero-bubble ZB-H1 (Qi et al. 2024, Section 3.1), the schedule V3 Table 2 calls ZB1P.

    The 1F1B order with each full backward split into a backward for inputs (``BI``) and a weight chunk (``W``).
    Rank ``r`` keeps 1F1B's ``PP - r - 1`` warm-up forwards and then runs F, BI, W in turn, each W ``r``
    micro-batches late (the last ``r`` at the end): the later a rank, the sooner its input gradient reaches the
    rank before it. Each rank holds at most PP micro-batches' activations, as in 1F1B. This order is a
    construction that meets the paper's two stated properties (1F1B's memory; bubble ``(p-1)(T_F + T_B - T_W)`` at
    equal chunk times), not a transcription of the paper's figure.
    Bubble (V3 Table 2, with B the full backward): ``(PP - 1)(F + B - 2W)``.
    """
    pp = _check_count("num_ranks", num_ranks)
    m = _check_count("num_micro_batches", num_micro_batches)
    ops = []
    for r in range(pp):
        warm = min(pp - r - 1, m)
        lag = min(r, m)
        f = [Op("F", (Part("F", 0, r, k),)) for k in range(m)]
        bi = [Op("BI", (Part("BI", 0, r, k),)) for k in range(m)]
        w = [Op("W", (Part("W", 0, r, k),)) for k in range(m)]
        order = f[:warm]
        done_w = 0
        for i in range(m):
            if warm + i < m:
                order.append(f[warm + i])
            order.append(bi[i])
            if i + 1 - done_w > lag:
                order.append(w[done_w])
                done_w += 1
        order += w[done_w:]
        ops.append(tuple(order))
    return Schedule("ZB-H1", pp, (tuple(range(pp)),), (m,), tuple(ops))


class _RankBuilder:
    """Replays one rank of ``step()`` call by call: compute chunks, receives, sends and commits.

    ``where[phase]`` is the (pipe, stage) that the rank's module of that phase computes; ``rank_of(pipe, stage)``
    places stages. Counters are kept per phase, as ``current_*_chunk_id`` are in the reference code. A receive or send
    is skipped when there is no neighbouring stage or it lives on the same rank (the code's ``is_first_stage`` /
    ``is_last_stage`` tests, and DualPipeV's local hand-over on the last device). ``commit()`` is
    ``_commit_and_wait_comm``: sends queued since the last commit leave at the end of the op computed last (the commit
    follows it at once), and the receives queued since then must arrive before the next op starts.
    """

    def __init__(
        self,
        rank: int,
        where: dict[int, tuple[int, int]],
        rank_of: Callable[[int, int], int],
        num_stages: dict[int, int],
    ) -> None:
        self.rank, self.where, self.rank_of, self.num_stages = rank, where, rank_of, num_stages
        self.counters = {name: {ph: 0 for ph in where} for name in ("f", "b", "recv_f", "recv_b", "send_f", "send_b")}
        self.w_queue: deque[Part] = deque()
        self.ops: list[list] = []  # [kind, parts, waits, sends]
        self.queued_recv: list[Key] = []
        self.queued_send: list[Key] = []
        self.waits_next: list[Key] = []

    def _next(self, name: str, phase: int) -> int:
        k = self.counters[name][phase]
        self.counters[name][phase] += 1
        return k

    def _remote(self, phase: int, step: int) -> bool:
        pipe, stage = self.where[phase]
        other = stage + step
        return 0 <= other < self.num_stages[pipe] and self.rank_of(pipe, other) != self.rank

    # communication calls of the reference code
    def recv_forward(self, phase: int) -> None:
        if self._remote(phase, -1):
            pipe, stage = self.where[phase]
            self.queued_recv.append(("F", pipe, stage - 1, self._next("recv_f", phase)))

    def recv_backward(self, phase: int) -> None:
        if self._remote(phase, +1):
            pipe, stage = self.where[phase]
            self.queued_recv.append(("G", pipe, stage + 1, self._next("recv_b", phase)))

    def send_forward(self, phase: int) -> None:
        if self._remote(phase, +1):
            pipe, stage = self.where[phase]
            self.queued_send.append(("F", pipe, stage, self._next("send_f", phase)))

    def send_backward(self, phase: int) -> None:
        if self._remote(phase, -1):
            pipe, stage = self.where[phase]
            self.queued_send.append(("G", pipe, stage, self._next("send_b", phase)))

    def commit(self) -> None:
        if self.queued_send:
            self.ops[-1][3].extend(self.queued_send)
        self.waits_next = self.waits_next + self.queued_recv
        self.queued_send, self.queued_recv = [], []

    # compute calls
    def _emit(self, kind: str, parts: tuple[Part, ...]) -> None:
        self.ops.append([kind, parts, tuple(self.waits_next), []])
        self.waits_next = []

    def _f(self, phase: int) -> Part:
        pipe, stage = self.where[phase]
        return Part("F", pipe, stage, self._next("f", phase))

    def _b(self, phase: int, zb: bool) -> Part:
        pipe, stage = self.where[phase]
        part = Part("BI" if zb else "B", pipe, stage, self._next("b", phase))
        if zb:
            self.w_queue.append(part)
        return part

    def forward_chunk(self, phase: int, recv: bool = True, send: bool = True) -> None:
        if recv:
            self.recv_forward(phase)
        self.commit()
        self._emit("F", (self._f(phase),))
        if send:
            self.send_forward(phase)

    def backward_chunk(self, phase: int, enable_zb: bool = False, recv: bool = True, send: bool = True) -> None:
        if recv:
            self.recv_backward(phase)
        self.commit()
        part = self._b(phase, enable_zb)
        self._emit(part.kind, (part,))
        if send:
            self.send_backward(phase)

    def forward_backward_chunk(self, phase0: int, phase1: int, recv0: bool = True) -> None:
        if recv0:
            self.recv_forward(phase0)
        self.recv_backward(phase1)
        self.commit()
        self._emit("FB", (self._f(phase0), self._b(phase1, False)))
        self.send_forward(phase0)
        self.send_backward(phase1)

    def weight_chunk(self) -> None:
        self.commit()
        part = self.w_queue.popleft()  # "Assume FIFO" (WeightGradStore.pop)
        self._emit("W", (Part("W", part.pipe, part.stage, part.micro_batch),))

    def finish(self) -> tuple[Op, ...]:
        self.commit()
        if self.w_queue or self.waits_next:
            raise ScheduleDeadlockError("step() left deferred weight chunks or posted receives")
        return tuple(Op(kind, parts, waits, tuple(sends)) for kind, parts, waits, sends in self.ops)


def _eight_steps(b: _RankBuilder, n: int, h: int, step_4: int, split_rank: bool) -> tuple[Op, ...]:
    """Steps 1-8 of ``DualPipe.step()`` (``dualpipe.py:358-427``) for half-rank ``h``, call by call.

    ``split_rank`` is ``is_middle_rank`` (DualPipe) or ``is_last_rank`` (DualPipeV, ``dualpipev.py:330-398``, whose
    step 2 always defers the phase-0 send; on the last device that send is local, so the two codes agree).
    """
    for _ in range((n - h - 1) * 2):  # Step 1: nF0
        b.forward_chunk(0)
    step_2 = h + 1  # Step 2: nF0F1
    b.recv_forward(0)
    for i in range(step_2):
        b.forward_chunk(0, recv=False, send=split_rank)
        b.recv_forward(0)
        b.forward_chunk(1, send=(not split_rank) or (i < step_2 - 1))
        if not split_rank:
            b.send_forward(0)
    for _ in range(n - h - 1):  # Step 3: nB1W1F1 (use zero bubble)
        b.backward_chunk(1, enable_zb=True)
        b.recv_forward(1)
        b.weight_chunk()
        b.forward_chunk(1, recv=False)
    for i in range(step_4):  # Step 4 (main step): nF0B1F1B0
        if i == 0:
            if split_rank:  # "We don't overlap these two chunks to further reduce bubble size."
                b.forward_chunk(0, recv=False, send=False)
                b.send_forward(1)
                b.backward_chunk(1, send=False)
                b.send_forward(0)
                b.send_backward(1)
            else:
                b.forward_backward_chunk(0, 1, recv0=False)
        else:
            b.forward_backward_chunk(0, 1)
        b.forward_backward_chunk(1, 0)
    for _ in range(n - h - 1):  # Step 5: nB1F1B0
        b.backward_chunk(1)
        b.forward_backward_chunk(1, 0)
    step_6 = h + 1  # Step 6: nB1B0 (the second half of the chunks use zero bubble)
    enable_zb = False
    for i in range(step_6):
        if i == step_6 // 2 and h % 2 == 1:
            enable_zb = True
        b.backward_chunk(1, enable_zb=enable_zb)
        if i == step_6 // 2 and h % 2 == 0:
            enable_zb = True
        b.backward_chunk(0, enable_zb=enable_zb)
    for _ in range(n - h - 1):  # Step 7: nWB0 (use zero bubble)
        b.weight_chunk()
        b.backward_chunk(0, enable_zb=True)
    for _ in range(h + 1):  # Step 8: nW
        b.weight_chunk()
    return b.finish()  # the final _commit_and_wait_comm and step()'s assert on the W queue


def check_dualpipe_args(num_ranks: int, num_micro_batches: int) -> tuple[int, int]:
    """The asserts of ``DualPipe.step()`` (``dualpipe.py:332-333``) as named errors."""
    pp = _check_count("num_ranks", num_ranks)
    m = _check_count("num_micro_batches", num_micro_batches)
    if pp % 2:
        raise OddRanksError(f"DualPipe needs an even number of ranks, got PP = {pp}")
    if m % 2:
        raise OddMicroBatchesError(f"DualPipe needs an even number of micro-batches, got {m}")
    if m < 2 * pp:
        raise TooFewMicroBatchesError(f"DualPipe's step() needs at least 2 * PP = {2 * pp} micro-batches, got {m}")
    return pp, m


def dualpipe(num_ranks: int, num_micro_batches: int) -> Schedule:
    """DualPipe (V3 report Section 3.2.1, Figure 5), each rank's order generated as ``DualPipe.step()`` does.

    Two pipes: micro-batches ``0..m/2-1`` of pipe 0 enter rank 0, those of pipe 1 enter rank PP-1. Rank ``r`` holds
    stage ``r`` of pipe 0 and stage ``PP-1-r`` of pipe 1 (``examples/example_dualpipe.py``), so 2x parameters.
    Phase 0 is pipe 0 on the first half of the ranks and pipe 1 on the second half (``phase ^= is_in_second_half``).
    Requires even PP, even m and m >= 2 PP (``dualpipe.py:332-333``). Bubble (Table 2): ``(PP/2-1)(F&B+B-3W)``.
    """
    pp, m = check_dualpipe_args(num_ranks, num_micro_batches)
    n, c = pp // 2, m // 2
    ops = []
    for r in range(pp):
        second = int(r >= n)
        h = min(r, pp - 1 - r)
        pipes = {0: 0 ^ second, 1: 1 ^ second}  # "phase ^= self.is_in_second_half"
        where = {ph: (p, r if p == 0 else pp - 1 - r) for ph, p in pipes.items()}
        builder = _RankBuilder(r, where, lambda p, st: st if p == 0 else pp - 1 - st, {0: pp, 1: pp})
        ops.append(_eight_steps(builder, n, h, c - pp + h + 1, split_rank=r in (n - 1, n)))
    placement = (tuple(range(pp)), tuple(range(pp - 1, -1, -1)))
    return Schedule("DualPipe", pp, placement, (c, c), tuple(ops))


def dualpipev(num_devices: int, num_micro_batches: int) -> Schedule:
    """DualPipeV ('cut-in-half' DualPipe), each device's order generated as ``DualPipeV.step()`` does.

    One pipe of ``2 D`` stages on ``D`` devices: device ``r`` holds stage ``r`` (phase 0) and stage ``2D-1-r``
    (phase 1), so the pipe goes down the devices and back up (a V). Requires m >= 2 D (``dualpipev.py:318``);
    the micro-batch count need not be even. Bubble (DualPipe README): ``(PP/2-1)(F&B+B-3W)`` with PP = 2 D stages.
    """
    d = _check_count("num_devices", num_devices)
    m = _check_count("num_micro_batches", num_micro_batches)
    if m < 2 * d:
        raise TooFewMicroBatchesError(f"DualPipeV's step() needs at least 2 * devices = {2 * d} micro-batches, got {m}")
    ops = []
    for r in range(d):
        builder = _RankBuilder(r, {0: (0, r), 1: (0, 2 * d - 1 - r)}, lambda p, st: min(st, 2 * d - 1 - st), {0: 2 * d})
        ops.append(_eight_steps(builder, d, r, m - 2 * d + r + 1, split_rank=(r == d - 1)))
    placement = (tuple(range(d)) + tuple(range(d - 1, -1, -1)),)
    return Schedule("DualPipeV", d, placement, (m,), tuple(ops))


# ----------------------------------------------------------------------------------------------------------------
# Table 2's formulas


#: The methods of V3 Table 2 (and the DualPipe README's DualPipeV row), keyed by the schedule names used here.
TABLE2_METHODS: dict[str, str] = {"1F1B": "1F1B", "ZB-H1": "ZB1P", "DualPipe": "DualPipe", "DualPipeV": "DualPipeV"}


def table2_bubble(method: str, pp: int, d: Durations) -> float:
    """Bubble of V3 Table 2 (and the DualPipe README) for ``PP = pp`` pipeline stages.

    1F1B ``(PP-1)(F+B)``; ZB1P ``(PP-1)(F+B-2W)``; DualPipe and DualPipeV ``(PP/2-1)(F&B+B-3W)``. For DualPipeV,
    PP counts stages (twice the devices). ``method`` is a schedule name (``1F1B``, ``ZB-H1``, ``DualPipe``,
    ``DualPipeV``) or Table 2's ``ZB1P``.
    """
    pp = _check_count("pp", pp)
    if method == "1F1B":
        return (pp - 1) * (d.f + d.b)
    if method in ("ZB-H1", "ZB1P"):
        return (pp - 1) * (d.f + d.b - 2 * d.w)
    if method in ("DualPipe", "DualPipeV"):
        return (pp / 2 - 1) * (d.of("FB") + d.b - 3 * d.w)
    raise PipelineError(f"unknown method {method!r}; expected one of {sorted(TABLE2_METHODS) + ['ZB1P']}")


def table2_activation(method: str, pp: int) -> int:
    """Activation per device of V3 Table 2, in micro-batches of one stage: PP, or PP + 1 for DualPipe(V)."""
    pp = _check_count("pp", pp)
    if method in ("1F1B", "ZB-H1", "ZB1P"):
        return pp
    if method in ("DualPipe", "DualPipeV"):
        return pp + 1
    raise PipelineError(f"unknown method {method!r}")


def step_tokens_per_gpu_second(tokens_per_step: float, step_seconds: float, num_gpus: float) -> float:
    """Training throughput of one measured step: tokens per step / seconds per step / GPUs.

    Used with V3's 15,360 sequences x 4,096 tokens (report Section 4.2) and ISCA '25 Table 4's 19.926 s step.
    """
    for name, x in (("tokens_per_step", tokens_per_step), ("step_seconds", step_seconds), ("num_gpus", num_gpus)):
        _positive_duration(name, x)
    return tokens_per_step / step_seconds / num_gpus


# ----------------------------------------------------------------------------------------------------------------
# Comparisons used by the chapter


def op_counts(schedule: Schedule) -> pd.DataFrame:
    """Operations of each kind on each rank (one row per rank, one column per kind of ``OP_KINDS``)."""
    return pd.DataFrame(
        [{"rank": r} | {k: sum(op.kind == k for op in ops) for k in OP_KINDS} for r, ops in enumerate(schedule.ops)]
    )


def table2_comparison(pp: int, num_micro_batches: int, durations: Durations) -> pd.DataFrame:
    """V3 Table 2 beside the simulator for 1F1B, ZB-H1, DualPipe (PP ranks) and DualPipeV (PP/2 devices).

    One row per schedule: formula bubble and simulated bubble (largest idle time), Table 2's activation column and
    the simulated peak, and stages per device (Table 2's parameter column). Chapter: ``chapters/dualpipe.md``.
    """
    rows = []
    for name, make, devices in [
        ("1F1B", one_f_one_b, pp),
        ("ZB-H1", zb_h1, pp),
        ("DualPipe", dualpipe, pp),
        ("DualPipeV", dualpipev, pp // 2),
    ]:
        res = simulate(make(devices, num_micro_batches), durations)
        rows.append(
            {
                "schedule": name,
                "table2_name": TABLE2_METHODS[name],
                "pp": pp,
                "micro_batches": num_micro_batches,
                "devices": devices,
                "bubble_formula": table2_bubble(name, pp, durations),
                "bubble_simulated": res.bubble,
                "activations_formula": table2_activation(name, pp),
                "activations_simulated": int(res.ranks["peak_activations"].max()),
                "stages_per_device": res.schedule.stages_per_rank,
            }
        )
    return pd.DataFrame(rows)


def formula_gap(
    method: str, pp: int, num_micro_batches: int, b_values: np.ndarray, w_values: np.ndarray, f: float = 1.0
) -> np.ndarray:
    """Simulated bubble minus V3 Table 2's formula over a grid of B (columns) and W (rows), NaN where W >= B.

    ``method`` is ``ZB-H1`` or ``DualPipe``; F&B = F + B (no overlap gain, which the formula's F&B term tracks
    exactly when F&B >= B). One vectorised replay of the whole grid.
    """
    make = {"ZB-H1": zb_h1, "DualPipe": dualpipe}[method]
    cells = [(i, j) for i, w in enumerate(w_values) for j, b in enumerate(b_values) if w < b]
    grid = [Durations(f=f, b=float(b_values[j]), w=float(w_values[i])) for i, j in cells]
    sim = sweep_bubble(make(pp, num_micro_batches), grid)
    out = np.full((len(w_values), len(b_values)), np.nan)
    for (i, j), x, d in zip(cells, sim, grid, strict=True):
        out[i, j] = x - table2_bubble(method, pp, d)
    return out


# ----------------------------------------------------------------------------------------------------------------
# Replay


@dataclass(frozen=True)
class _Compiled:
    """A schedule's dependency graph, independent of durations: ops numbered rank by rank, in an order that starts
    each op only after its rank's previous op and its dependencies."""

    order: tuple[int, ...]
    rank: tuple[int, ...]
    index: tuple[int, ...]
    kind: tuple[str, ...]
    prev: tuple[int, ...]  # previous op on the same rank, or -1
    deps: tuple[tuple[int, ...], ...]  # ops whose end this op waits for (other ranks' or its own)


@lru_cache(maxsize=32)
def _compile(schedule: Schedule) -> _Compiled:
    last_stage = {p: len(stages) - 1 for p, stages in enumerate(schedule.placement)}
    ids: list[tuple[int, int]] = [(r, i) for r, ops in enumerate(schedule.ops) for i in range(len(ops))]
    gid = {ri: n for n, ri in enumerate(ids)}
    producer: dict[Key, int] = {}  # the op that computes an output
    released: dict[Key, int] = {}  # the op at whose end it leaves for another rank
    for n, (r, i) in enumerate(ids):
        op = schedule.ops[r][i]
        for part in op.parts:
            key = (
                "F" if part.kind == "F" else "W" if part.kind == "W" else "G",
                part.pipe,
                part.stage,
                part.micro_batch,
            )
            if key in producer:
                raise ScheduleDeadlockError(f"{schedule.name}: {key} is computed twice")
            producer[key] = n
            if op.sends is None and key[0] != "W":
                released[key] = n
        for key in op.sends or ():
            released[key] = n

    def needs(part: Part) -> list[tuple[str, int, int, int]]:
        p, st, k = part.pipe, part.stage, part.micro_batch
        if part.kind == "F":
            return [("F", p, st - 1, k)] if st > 0 else []
        if part.kind in ("B", "BI"):
            return [("F", p, st, k)] + ([("G", p, st + 1, k)] if st < last_stage[p] else [])
        return [("G", p, st, k)]  # W

    def source(key: Key, r: int) -> int:
        if key not in producer:
            raise ScheduleDeadlockError(f"{schedule.name}: rank {r} waits for {key}, which no rank computes")
        local = ids[producer[key]][0] == r
        if local:
            return producer[key]
        if key not in released:
            raise ScheduleDeadlockError(f"{schedule.name}: rank {r} waits for {key}, which is never sent")
        return released[key]

    deps: list[tuple[int, ...]] = []
    for n, (r, i) in enumerate(ids):
        op = schedule.ops[r][i]
        keys = [key for part in op.parts for key in needs(part)] + list(op.waits)
        deps.append(tuple(sorted({source(key, r) for key in keys} - {n})))
    # Order: sweep the ranks, advancing each as far as its dependencies allow (what the event loop would do).
    done = [False] * len(ids)
    pos = [0] * schedule.num_ranks
    order: list[int] = []
    while len(order) < len(ids):
        progressed = False
        for r, ops in enumerate(schedule.ops):
            while pos[r] < len(ops):
                n = gid[(r, pos[r])]
                if not all(done[d] for d in deps[n]):
                    break
                done[n] = True
                order.append(n)
                pos[r] += 1
                progressed = True
        if not progressed:
            stuck = {r: schedule.ops[r][pos[r]] for r in range(schedule.num_ranks) if pos[r] < len(schedule.ops[r])}
            raise ScheduleDeadlockError(f"{schedule.name}: no rank can proceed; next ops {stuck}")
    return _Compiled(
        order=tuple(order),
        rank=tuple(r for r, _ in ids),
        index=tuple(i for _, i in ids),
        kind=tuple(schedule.ops[r][i].kind for r, i in ids),
        prev=tuple(gid[(r, i - 1)] if i > 0 else -1 for r, i in ids),
        deps=tuple(deps),
    )


def _ends(c: _Compiled, dur: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Start and end times of every op (rows) for every set of durations (columns)."""
    width = len(next(iter(dur.values())))
    if width == 1:  # one set of durations: plain floats are faster than per-op numpy calls
        d1 = {k: float(v[0]) for k, v in dur.items()}
        s1 = [0.0] * len(c.kind)
        e1 = [0.0] * len(c.kind)
        for n in c.order:
            t = e1[c.prev[n]] if c.prev[n] >= 0 else 0.0
            for d in c.deps[n]:
                if e1[d] > t:
                    t = e1[d]
            s1[n] = t
            e1[n] = t + d1[c.kind[n]]
        return np.array(s1)[:, None], np.array(e1)[:, None]
    start = np.zeros((len(c.kind), width))
    end = np.zeros((len(c.kind), width))
    for n in c.order:
        waits = [end[d] for d in c.deps[n]]
        if c.prev[n] >= 0:
            waits.append(end[c.prev[n]])
        if waits:
            start[n] = np.max(waits, axis=0) if len(waits) > 1 else waits[0]
        end[n] = start[n] + dur[c.kind[n]]
    return start, end


def _duration_columns(durations: list[Durations]) -> dict[str, np.ndarray]:
    return {k: np.array([d.of(k) for d in durations]) for k in OP_KINDS}


def sweep(schedule: Schedule, durations: list[Durations]) -> pd.DataFrame:
    """Makespan, bubble (largest per-rank idle time) and bubble share of ``schedule`` for each of ``durations``.

    One vectorised replay: the dependency graph is built once and every set of durations is timed together.
    """
    if not durations:
        raise PipelineError("durations must not be empty")
    c = _compile(schedule)
    dur = _duration_columns(durations)
    _, end = _ends(c, dur)
    makespan = end.max(axis=0)
    ranks = np.array(c.rank)
    kinds = np.array(c.kind)
    busy = np.stack([sum((kinds[ranks == r] == k).sum() * dur[k] for k in OP_KINDS) for r in range(schedule.num_ranks)])
    bubble = (makespan - busy).max(axis=0)
    return pd.DataFrame({"makespan": makespan, "bubble": bubble, "bubble_share": bubble / makespan})


def sweep_bubble(schedule: Schedule, durations: list[Durations]) -> np.ndarray:
    """The bubble (largest per-rank idle time) of ``schedule`` for each of ``durations`` (see :func:`sweep`)."""
    return sweep(schedule, durations)["bubble"].to_numpy()


def simulate(schedule: Schedule, durations: Durations) -> Result:
    """Replay a schedule: each op starts when its rank is free and its dependencies have finished.

    Returns the event log and per-rank busy time, idle time (makespan - busy) and peak in-flight activations
    (forwards started whose backward for inputs has not yet ended, counted in one stage's activations for one
    micro-batch; an ``FB`` adds its forward before its backward frees one) and the same peak counted until the
    deferred W ends (``peak_activations_until_w``). Raises ``ScheduleDeadlockError`` if
    the orders contradict the dependencies.
    """
    c = _compile(schedule)
    start, end = (x[:, 0] for x in _ends(c, _duration_columns([durations])))
    rows, part_rows = [], []
    for n in range(len(c.kind)):
        r, i = c.rank[n], c.index[n]
        op = schedule.ops[r][i]
        label = " + ".join(f"{pt.kind}{pt.pipe}.{pt.micro_batch}" for pt in op.parts)
        rows.append((r, i, op.kind, float(start[n]), float(end[n]), label))
        for pt in op.parts:
            part_rows.append((r, i, pt.kind, pt.pipe, pt.stage, pt.micro_batch, float(start[n]), float(end[n])))
    events = pd.DataFrame(rows, columns=["rank", "index", "kind", "start", "end", "label"])
    parts = pd.DataFrame(part_rows, columns=["rank", "index", "kind", "pipe", "stage", "micro_batch", "start", "end"])
    makespan = float(events["end"].max())
    ranks = []
    for r in range(schedule.num_ranks):
        busy = math.fsum(durations.of(op.kind) for op in schedule.ops[r])
        held = peak = held_w = peak_w = 0
        for op in schedule.ops[r]:
            new = sum(pt.kind == "F" for pt in op.parts)
            held, held_w = held + new, held_w + new
            peak, peak_w = max(peak, held), max(peak_w, held_w)
            held -= sum(pt.kind in ("B", "BI") for pt in op.parts)
            held_w -= sum(pt.kind in ("B", "W") for pt in op.parts)
        ranks.append(
            {
                "rank": r,
                "busy": busy,
                "idle": makespan - busy,
                "peak_activations": peak,
                "peak_activations_until_w": peak_w,
            }
            | {k: sum(op.kind == k for op in schedule.ops[r]) for k in OP_KINDS}
        )
    return Result(schedule, durations, events, pd.DataFrame(ranks), parts)
