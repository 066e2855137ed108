"""The schedules of a pre-training run as functions of tokens consumed, and its step accounting.

DeepSeek-V3 Technical Report (arXiv:2412.19437), Section 4.2 "Training Hyper-Parameters", states
every schedule of the run against tokens consumed except two: the learning-rate warm-up is counted
in optimizer steps ("during the first 2K steps"), and the batch size is "gradually increased from
3072 to 15360 in the training of the first 469B tokens" without saying how. Turning tokens into
steps therefore needs an assumption about that ramp; :class:`BatchRamp` names five candidates
(three plausible shapes and the two extremes) so that every step count can be stated as a range.
Sections 2.1.2 and 2.2 define the bias update speed and the MTP loss weight, whose values are in
Section 4.2; Section 4.3 gives the context-extension phases. Used by the chapter ``chapters/training_run.md``.

No number of the report is written here: the chapter builds a :class:`PretrainingSchedule` from
the facts it loads, and the tests build one from the report's numbers quoted in the test.

Units: tokens and sequences are plain counts; a batch is counted in sequences; seconds and days
of 24 hours. Every query function is vectorised over ``tokens`` (a scalar or an array).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dsv3.arch.flops import training_flops_per_token
from dsv3.arch.spec import Architecture
from dsv3.checks import non_negative, positive
from dsv3.training.cost import gpu_hours_per_trillion_tokens, phase_tokens, wall_clock_days
from dsv3.units import HOURS_PER_DAY, SECONDS_PER_HOUR

SECONDS_PER_DAY = SECONDS_PER_HOUR * HOURS_PER_DAY

RAMP_KINDS = ("linear in tokens", "linear in steps", "staircase", "hold then jump", "instant")
"""Candidate batch-size ramps. The first three are plausible shapes; the last two are the extremes
(the smallest batch until the ramp ends, giving the most steps; the full batch from the first step,
giving the fewest), so together they bound every ramp that rises monotonically."""


class ScheduleError(ValueError):
    """A schedule is inconsistent (its pieces do not add up to the run) or is queried wrongly."""


class NegativeTokensError(ScheduleError):
    """A schedule was queried at a negative number of tokens consumed."""


class PastEndError(ScheduleError):
    """A schedule was queried past the last token of the run it describes."""


def _tokens(tokens: float | np.ndarray, end: float, what: str) -> np.ndarray:
    """``tokens`` as a float array after checking it lies in [0, ``end``]; named errors otherwise."""
    t = np.asarray(tokens, dtype=float)
    if np.isnan(t).any():
        raise ScheduleError(f"tokens must be numbers, got NaN in {what}")
    if (t < 0).any():
        raise NegativeTokensError(f"tokens consumed cannot be negative, got {float(t.min()):.6g} in {what}")
    if (t > end).any():
        raise PastEndError(f"{what} ends at {end:.6g} tokens; queried at {float(t.max()):.6g} tokens")
    return t


def _out(x: np.ndarray) -> float | np.ndarray:
    """A 0-d result as a Python float, anything else as an array."""
    return float(x) if np.ndim(x) == 0 else x


# --- the batch-size ramp ----------------------------------------------------------------------


@dataclass(frozen=True)
class BatchRamp:
    """A batch size rising from ``start`` to ``end`` sequences over the first ``tokens`` tokens.

    ``kind`` is one of :data:`RAMP_KINDS`:

    - ``"linear in tokens"``: b(t) = start + (end - start) t / tokens;
    - ``"linear in steps"``: the batch grows by the same number of sequences every step,
      reaching ``end`` exactly when ``tokens`` have been consumed;
    - ``"staircase"``: ``stages`` equal-token stages at start + j (end - start) / stages,
      j = 0 .. stages-1 (multiples of 3,072 for DeepSeek-V3's 3,072 -> 15,360 and 4 stages);
    - ``"hold then jump"``: ``start`` for the whole ramp, then ``end`` (the most steps);
    - ``"instant"``: ``end`` from the first step (the fewest steps).

    Batches are treated as continuous: a real ramp rounds to whole sequences (and to a multiple
    of the data-parallel degree), which moves a step count by far less than the spread between
    the candidates.
    """

    start: float
    end: float
    tokens: float
    seq_len: float
    kind: str = "linear in tokens"
    stages: int = 4

    def __post_init__(self) -> None:
        positive("start", self.start)
        positive("end", self.end)
        positive("tokens", self.tokens)
        positive("seq_len", self.seq_len)
        if self.end < self.start:
            raise ScheduleError(f"a ramp must not shrink: start {self.start:g} > end {self.end:g} sequences")
        if self.kind not in RAMP_KINDS:
            raise ScheduleError(f"ramp kind must be one of {list(RAMP_KINDS)}, got {self.kind!r}")
        if isinstance(self.stages, bool) or not isinstance(self.stages, int) or self.stages < 1:
            raise ScheduleError(f"stages must be a positive integer, got {self.stages!r}")

    # Each kind is defined on [0, tokens]; past the ramp the batch is ``end`` for every kind.

    @property
    def _delta(self) -> float:
        return self.end - self.start

    @property
    def _linear_steps_length(self) -> float:
        """Steps of the "linear in steps" ramp: tokens = seq_len x mean batch x steps."""
        return 2.0 * self.tokens / (self.seq_len * (self.start + self.end))

    def _stage_batches(self) -> np.ndarray:
        return self.start + self._delta * np.arange(self.stages) / self.stages

    def _stage_steps(self) -> np.ndarray:
        """Cumulative steps at the start of each stage of the staircase, and at its end."""
        per_stage = (self.tokens / self.stages) / (self.seq_len * self._stage_batches())
        return np.concatenate([[0.0], np.cumsum(per_stage)])

    def _in_ramp_batch(self, t: np.ndarray) -> np.ndarray:
        if self.kind == "instant":
            return np.full_like(t, self.end)
        if self.kind == "hold then jump" or self._delta == 0:
            return np.full_like(t, self.start)
        if self.kind == "linear in tokens":
            return self.start + self._delta * t / self.tokens
        if self.kind == "linear in steps":
            s_len = self._linear_steps_length
            return np.sqrt(self.start**2 + 2.0 * self._delta * t / (self.seq_len * s_len))
        index = np.minimum((t / (self.tokens / self.stages)).astype(int), self.stages - 1)
        return self._stage_batches()[index]

    def _in_ramp_steps(self, t: np.ndarray) -> np.ndarray:
        if self.kind == "instant":
            return t / (self.seq_len * self.end)
        if self.kind == "hold then jump" or self._delta == 0:
            return t / (self.seq_len * self.start)
        if self.kind == "linear in tokens":
            # d(steps)/dt = 1 / (seq_len b(t))  ->  steps = tokens / (seq_len delta) ln(b(t) / start)
            return self.tokens / (self.seq_len * self._delta) * np.log(self._in_ramp_batch(t) / self.start)
        if self.kind == "linear in steps":
            s_len = self._linear_steps_length
            return (self._in_ramp_batch(t) - self.start) * s_len / self._delta
        stage_tokens = self.tokens / self.stages
        index = np.minimum((t / stage_tokens).astype(int), self.stages - 1)
        start_steps = self._stage_steps()[index]
        return start_steps + (t - index * stage_tokens) / (self.seq_len * self._stage_batches()[index])

    @property
    def ramp_steps(self) -> float:
        """Optimizer steps taken while the ramp lasts (the first ``tokens`` tokens)."""
        return float(self._in_ramp_steps(np.asarray(self.tokens, dtype=float)))

    def batch(self, tokens: float | np.ndarray) -> float | np.ndarray:
        """Sequences per step once ``tokens`` tokens have been consumed (``end`` after the ramp)."""
        t = _tokens(tokens, math.inf, "the batch ramp")
        inside = self._in_ramp_batch(np.minimum(t, self.tokens))
        return _out(np.where(t < self.tokens, inside, self.end))

    def steps(self, tokens: float | np.ndarray) -> float | np.ndarray:
        """Optimizer steps taken to consume ``tokens`` tokens (continuous)."""
        t = _tokens(tokens, math.inf, "the batch ramp")
        inside = self._in_ramp_steps(np.minimum(t, self.tokens))
        after = np.maximum(t - self.tokens, 0.0) / (self.seq_len * self.end)
        return _out(inside + after)

    def tokens_at_step(self, steps: float | np.ndarray) -> float | np.ndarray:
        """Tokens consumed after ``steps`` optimizer steps: the inverse of :meth:`steps`."""
        s = np.asarray(steps, dtype=float)
        if (s < 0).any():
            raise ScheduleError(f"steps cannot be negative, got {float(s.min()):.6g}")
        s_ramp = self.ramp_steps
        inside = np.minimum(s, s_ramp)
        if self.kind == "instant":
            t_in = inside * self.seq_len * self.end
        elif self.kind == "hold then jump" or self._delta == 0:
            t_in = inside * self.seq_len * self.start
        elif self.kind == "linear in tokens":
            b = self.start * np.exp(inside * self.seq_len * self._delta / self.tokens)
            t_in = (b - self.start) * self.tokens / self._delta
        elif self.kind == "linear in steps":
            s_len = self._linear_steps_length
            t_in = self.seq_len * (self.start * inside + self._delta * inside**2 / (2.0 * s_len))
        else:
            bounds = self._stage_steps()
            index = np.minimum(np.searchsorted(bounds, inside, side="right") - 1, self.stages - 1)
            t_in = (
                index * (self.tokens / self.stages)
                + (inside - bounds[index]) * self.seq_len * (self._stage_batches()[index])
            )
        after = np.maximum(s - s_ramp, 0.0) * self.seq_len * self.end
        return _out(np.minimum(t_in, self.tokens) + after)


# --- the run's schedules ----------------------------------------------------------------------


Pieces = tuple[tuple[float, float], ...]
"""A piecewise-constant schedule: consecutive ``(tokens, value)`` pieces, in order."""


def _piece_ends(pieces: Pieces) -> np.ndarray:
    return np.cumsum([positive("piece tokens", n) for n, _ in pieces])


def _piecewise(pieces: Pieces, t: np.ndarray) -> np.ndarray:
    """Value of a piecewise-constant schedule at ``t``; each piece is closed on the left, and the
    last piece also owns the run's final token."""
    ends = _piece_ends(pieces)
    values = np.array([v for _, v in pieces], dtype=float)
    index = np.minimum(np.searchsorted(ends, t, side="right"), len(pieces) - 1)
    return values[index]


@dataclass(frozen=True)
class PretrainingSchedule:
    """Every schedule of a pre-training run, in tokens consumed (V3 report Section 4.2).

    - learning rate: linear from 0 to ``peak_lr`` over ``warmup_steps`` optimizer steps, then
      constant until ``constant_until`` tokens, then a cosine decay to ``decayed_lr`` over
      ``decay_tokens``, then the constant ``tail`` pieces (for DeepSeek-V3: 2.2e-4 to 10T, cosine
      to 2.2e-5 over 4.3T, then 2.2e-5 for 333B and 7.3e-6 for 167B);
    - batch size: ``ramp`` (sequences per step);
    - MTP loss weight lambda and bias update speed gamma: piecewise constant, ``mtp_weight`` and
      ``bias_speed`` (V3: 0.3 for 10T then 0.1 for 4.8T; 0.001 for 14.3T then 0 for 500B);
    - sequence length: ``ramp.seq_len`` throughout.

    The pieces of every schedule must add up to ``total_tokens``: a mismatch raises
    :class:`ScheduleError` naming the schedule.
    """

    total_tokens: float
    ramp: BatchRamp
    warmup_steps: float
    peak_lr: float
    constant_until: float
    decay_tokens: float
    decayed_lr: float
    tail: Pieces
    mtp_weight: Pieces
    bias_speed: Pieces

    def __post_init__(self) -> None:
        positive("total_tokens", self.total_tokens)
        positive("warmup_steps", self.warmup_steps)
        positive("peak_lr", self.peak_lr)
        positive("constant_until", self.constant_until)
        positive("decay_tokens", self.decay_tokens)
        non_negative("decayed_lr", self.decayed_lr)
        lr_tokens = self.constant_until + self.decay_tokens + sum(n for n, _ in self.tail)
        for name, total in [
            ("learning-rate schedule", lr_tokens),
            ("MTP-weight schedule", sum(n for n, _ in self.mtp_weight)),
            ("bias-speed schedule", sum(n for n, _ in self.bias_speed)),
        ]:
            if not math.isclose(total, self.total_tokens, rel_tol=1e-12):
                raise ScheduleError(f"the {name} covers {total:.6g} tokens, the run has {self.total_tokens:.6g}")
        if self.ramp.tokens > self.total_tokens:
            raise ScheduleError(f"the batch ramp ({self.ramp.tokens:.6g} tokens) outlasts the run")
        if self.warmup_end_tokens > self.constant_until:
            raise ScheduleError("the warm-up ends after the constant learning rate does")

    @property
    def warmup_end_tokens(self) -> float:
        """Tokens consumed when the warm-up's last step ends (depends on the batch ramp)."""
        return float(self.ramp.tokens_at_step(self.warmup_steps))

    @property
    def decay_end(self) -> float:
        """Tokens at the end of the cosine decay."""
        return self.constant_until + self.decay_tokens

    def check(self, tokens: float | np.ndarray) -> np.ndarray:
        """``tokens`` as an array if it lies within the run; named errors otherwise."""
        return _tokens(tokens, self.total_tokens, "the pre-training schedule")


def cosine_decay(progress: float | np.ndarray, start: float, end: float) -> float | np.ndarray:
    """Cosine decay from ``start`` to ``end``: end + (start - end)(1 + cos(pi x)) / 2 at progress x.

    The shape of pre-training's decay (V3 Section 4.2) and of SFT's schedule (Section 5.1: "starts
    at 5 x 10^-6 and gradually decreases to 1 x 10^-6"), with x in [0, 1].
    """
    x = np.asarray(progress, dtype=float)
    if ((x < 0) | (x > 1)).any() or np.isnan(x).any():
        raise ScheduleError(f"progress must lie in [0, 1], got {x.min():.6g} .. {x.max():.6g}")
    return _out(end + (start - end) * 0.5 * (1.0 + np.cos(np.pi * x)))


def learning_rate(schedule: PretrainingSchedule, tokens: float | np.ndarray) -> float | np.ndarray:
    """Learning rate once ``tokens`` tokens have been consumed (V3 report Section 4.2).

    Warm-up: peak x steps(t) / warmup_steps; cosine: decayed + (peak - decayed)(1 + cos(pi x))/2
    with x the fraction of the decay done; the tail is piecewise constant.
    """
    t = schedule.check(tokens)
    s = schedule
    warm = s.peak_lr * np.minimum(np.asarray(s.ramp.steps(t)) / s.warmup_steps, 1.0)
    cosine = cosine_decay(np.clip((t - s.constant_until) / s.decay_tokens, 0.0, 1.0), s.peak_lr, s.decayed_lr)
    tail = _piecewise(s.tail, np.maximum(t - s.decay_end, 0.0))
    lr = np.where(t < s.constant_until, warm, np.where(t < s.decay_end, cosine, tail))
    return _out(lr)


def batch_size(schedule: PretrainingSchedule, tokens: float | np.ndarray) -> float | np.ndarray:
    """Sequences per optimizer step once ``tokens`` tokens have been consumed (the ramp's shape)."""
    return schedule.ramp.batch(schedule.check(tokens))


def mtp_weight(schedule: PretrainingSchedule, tokens: float | np.ndarray) -> float | np.ndarray:
    """MTP loss weight lambda at ``tokens`` (V3 report Section 4.2; L_MTP = lambda/D sum_k L_k, Eq. 25)."""
    return _out(_piecewise(schedule.mtp_weight, schedule.check(tokens)))


def bias_update_speed(schedule: PretrainingSchedule, tokens: float | np.ndarray) -> float | np.ndarray:
    """Bias update speed gamma of auxiliary-loss-free balancing at ``tokens`` (Sections 2.1.2, 4.2)."""
    return _out(_piecewise(schedule.bias_speed, schedule.check(tokens)))


def sequence_length(
    schedule: PretrainingSchedule,
    tokens: float | np.ndarray,
    extensions: tuple[tuple[float, float], ...] = (),
) -> float | np.ndarray:
    """Sequence length at ``tokens``, through pre-training and then the ``(tokens, seq_len)``
    context-extension phases that follow it (V3 report Section 4.3: 32K, then 128K)."""
    end = schedule.total_tokens + sum(n for n, _ in extensions)
    t = _tokens(tokens, end, "pre-training and its context extensions")
    pieces: Pieces = ((schedule.total_tokens, schedule.ramp.seq_len), *extensions)
    return _out(_piecewise(pieces, t))


def steps_at(schedule: PretrainingSchedule, tokens: float | np.ndarray) -> float | np.ndarray:
    """Optimizer steps taken to consume ``tokens`` tokens, under the schedule's batch ramp."""
    return schedule.ramp.steps(schedule.check(tokens))


# --- token and step accounting ----------------------------------------------------------------


def tokens_per_step(sequences: float, seq_len: float) -> float:
    """Tokens in one optimizer step: sequences x sequence length (V3: 15,360 x 4,096 = 62.9M)."""
    return positive("sequences", sequences) * positive("seq_len", seq_len)


def _phase_name(schedule: PretrainingSchedule, end: float) -> str:
    s = schedule
    if end <= round(s.warmup_end_tokens):
        return "learning-rate warm-up"
    if end <= s.ramp.tokens:
        return "rest of the batch ramp"
    if end <= s.constant_until:
        return "constant learning rate"
    if end <= s.decay_end:
        return "cosine decay"
    piece = int(np.searchsorted(s.decay_end + _piece_ends(s.tail), end, side="left"))
    return f"constant tail {piece + 1}"


def phase_boundaries(schedule: PretrainingSchedule) -> list[tuple[str, float, float]]:
    """The run cut wherever any schedule changes: ``(phase, first token, last token)``, in order.

    Cuts: end of the learning-rate warm-up, end of the batch ramp, start and end of the cosine
    decay, each tail piece, and every MTP-weight and bias-speed switch. For DeepSeek-V3 the MTP
    switch (10T) and the bias switch (14.3T) fall on learning-rate boundaries.
    """
    s = schedule
    cuts = {0.0, s.warmup_end_tokens, s.ramp.tokens, s.constant_until, s.decay_end, s.total_tokens}
    cuts |= set((s.decay_end + _piece_ends(s.tail)).tolist())
    cuts |= set(_piece_ends(s.mtp_weight).tolist()) | set(_piece_ends(s.bias_speed).tolist())
    # Tokens are whole numbers: rounding the cuts (only the warm-up's end is fractional) keeps every
    # phase's token count exact, so the phases add up to the run without rounding error.
    edges = sorted({float(round(c)) for c in cuts if 0.0 <= c <= s.total_tokens})
    return [(_phase_name(s, b), a, b) for a, b in zip(edges[:-1], edges[1:])]


def phase_table(schedule: PretrainingSchedule) -> pd.DataFrame:
    """One row per phase: tokens, optimizer steps, batch and learning rate at its ends, MTP weight
    and bias speed. The tokens add up to the run; the steps depend on the batch ramp."""
    rows = []
    for name, a, b in phase_boundaries(schedule):
        mid = 0.5 * (a + b)
        rows.append(
            {
                "phase": name,
                "start_tokens": a,
                "end_tokens": b,
                "tokens": b - a,
                "steps": float(steps_at(schedule, b)) - float(steps_at(schedule, a)),
                "batch_start": float(batch_size(schedule, a)),
                "batch_end": float(batch_size(schedule, min(b, schedule.total_tokens))),
                "lr_start": float(learning_rate(schedule, a)),
                "lr_end": float(learning_rate(schedule, b)),
                "mtp_weight": float(mtp_weight(schedule, mid)),
                "bias_speed": float(bias_update_speed(schedule, mid)),
            }
        )
    return pd.DataFrame(rows)


def with_ramp(schedule: PretrainingSchedule, kind: str) -> PretrainingSchedule:
    """The same schedule under another batch-ramp ``kind`` (one of :data:`RAMP_KINDS`)."""
    r = schedule.ramp
    ramp = BatchRamp(r.start, r.end, r.tokens, r.seq_len, kind, r.stages)
    return PretrainingSchedule(
        schedule.total_tokens,
        ramp,
        schedule.warmup_steps,
        schedule.peak_lr,
        schedule.constant_until,
        schedule.decay_tokens,
        schedule.decayed_lr,
        schedule.tail,
        schedule.mtp_weight,
        schedule.bias_speed,
    )


def ramp_candidates(schedule: PretrainingSchedule) -> pd.DataFrame:
    """What each candidate batch ramp implies: steps in the ramp, tokens at the end of the
    warm-up, batch at the end of the warm-up, and optimizer steps over the whole run."""
    rows = []
    for kind in RAMP_KINDS:
        s = with_ramp(schedule, kind)
        rows.append(
            {
                "ramp": kind,
                "ramp_steps": s.ramp.ramp_steps,
                "warmup_end_tokens": s.warmup_end_tokens,
                "warmup_end_batch": float(s.ramp.batch(s.warmup_end_tokens)),
                "total_steps": float(steps_at(s, s.total_tokens)),
            }
        )
    return pd.DataFrame(rows)


def seconds_per_step(gpu_hours: float, n_gpus: float, steps: float) -> float:
    """Average wall-clock seconds per optimizer step that ``gpu_hours`` on ``n_gpus`` imply over
    ``steps`` steps (all GPUs busy on the run, around the clock)."""
    return positive("gpu_hours", gpu_hours) * SECONDS_PER_HOUR / positive("n_gpus", n_gpus) / positive("steps", steps)


def tokens_per_day(step_seconds: float, step_tokens: float) -> float:
    """Tokens a day at a steady ``step_seconds`` per step of ``step_tokens`` tokens.

    ISCA '25 Table 4: 19.926 s per step of 15,360 x 4,096 tokens -> 272.80B tokens a day.
    """
    return SECONDS_PER_DAY / positive("step_seconds", step_seconds) * positive("step_tokens", step_tokens)


def days_at_rate(tokens: float, tokens_a_day: float) -> float:
    """Days to consume ``tokens`` at ``tokens_a_day`` (e.g. 14.8T at ISCA's 272.80B a day)."""
    return positive("tokens", tokens) / positive("tokens_a_day", tokens_a_day)


def timing_routes(
    gpu_hours: float, n_gpus: float, tokens: float, step_tokens: float, step_seconds: float, tokens_a_day: float
) -> pd.DataFrame:
    """Pre-training timed two ways: from its GPU-hours, and from a measured full-batch step.

    One row per route: seconds per full-batch step, days of the run, and GPU-hours per trillion
    tokens. For DeepSeek-V3: 2,664K GPU-h on 2,048 GPUs (V3 report Table 1) against ISCA '25
    Table 4's 19.926 s per step and 272.80B tokens a day. Used by ``chapters/training_run.md``.
    """
    full_steps = positive("tokens", tokens) / positive("step_tokens", step_tokens)
    gpu_hours_a_day = positive("n_gpus", n_gpus) * HOURS_PER_DAY
    return pd.DataFrame(
        [
            {
                "route": "GPU-hours",
                "seconds_per_step": seconds_per_step(gpu_hours, n_gpus, full_steps),
                "days": wall_clock_days(gpu_hours, n_gpus),
                "gpu_hours_per_trillion": gpu_hours_per_trillion_tokens(gpu_hours, tokens),
            },
            {
                "route": "measured step",
                "seconds_per_step": positive("step_seconds", step_seconds),
                "days": days_at_rate(tokens, tokens_a_day),
                "gpu_hours_per_trillion": gpu_hours_per_trillion_tokens(gpu_hours_a_day, tokens_a_day),
            },
        ]
    )


def extension_table(
    arch: Architecture,
    phases: list[tuple[int, int, int]],
    gpu_hours: float,
    pretraining_tokens: float,
    pretraining_seq_len: int,
    pretraining_gpu_hours: float,
) -> pd.DataFrame:
    """The context-extension phases (V3 report Section 4.3) in tokens, FLOPs and GPU-hours.

    ``phases`` are ``(steps, sequences per step, sequence length)``; their tokens come from
    :func:`dsv3.training.cost.phase_tokens`. Each phase gets its share of the tokens and of the
    training FLOPs (:func:`dsv3.arch.flops.training_flops_per_token`: causal attention, main model),
    the share of the reported ``gpu_hours`` that its FLOPs would take, and the GPU-hours it would
    take at pre-training's GPU-hours per FLOP. Used by ``chapters/training_run.md``.
    """
    if not phases:
        raise ScheduleError("extension_table needs at least one phase")
    pre_flops = positive("pretraining_tokens", pretraining_tokens) * training_flops_per_token(arch, pretraining_seq_len)
    per_flop = positive("pretraining_gpu_hours", pretraining_gpu_hours) / pre_flops
    rows = []
    for steps, batch, length in phases:
        tokens = phase_tokens(steps, batch, length)
        per_token = training_flops_per_token(arch, length)
        rows.append(
            {
                "seq_len": length,
                "steps": steps,
                "batch": batch,
                "tokens": tokens,
                "flops_per_token": per_token,
                "flops": tokens * per_token,
            }
        )
    table = pd.DataFrame(rows)
    table["token_share"] = table["tokens"] / table["tokens"].sum()
    table["flop_share"] = table["flops"] / table["flops"].sum()
    table["gpu_hours_by_flops"] = table["flop_share"] * positive("gpu_hours", gpu_hours)
    table["gpu_hours_at_pretraining_rate"] = table["flops"] * per_flop
    return table
