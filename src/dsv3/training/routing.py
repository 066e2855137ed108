"""How a DeepSeek-V3 token chooses its experts, and how the choice is kept balanced.

The gate follows DeepSeek's reference code line by line: ``deepseek-ai/DeepSeek-V3``
``inference/model.py``, class ``Gate`` (lines 535-598 at commit
``9b4e9788e4a3a731f7567338ed15d3ec549ce03b``; the group mask is ``-inf`` since commit ``1398800``,
"fix scores mask"). The balance loss is Eqs. 17-20 of the DeepSeek-V3 Technical Report
(arXiv:2412.19437); MaxVio is Eq. 4 of Wang et al. 2024, "Auxiliary-Loss-Free Load Balancing
Strategy for Mixture-of-Experts" (arXiv:2408.15664); the bias update is that paper's Algorithm 1,
which the report adopts with "bias update speed" gamma (Section 2.1.2).

Pure numpy: no file is opened here. Used by the chapter ``chapters/moe_routing.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dsv3.checks import non_negative, positive

#: Affinity functions the reference ``Gate`` supports (``score_func``).
SCORE_FUNCS = ("sigmoid", "softmax")


class RoutingError(ValueError):
    """A routing shape that the gate cannot run (the base of the named errors below)."""


class TopKError(RoutingError):
    """``top_k`` is not between 1 and the number of experts the kept groups offer."""


class GroupError(RoutingError):
    """The groups do not divide the experts, or more groups are kept than exist."""


class UpdateRateError(RoutingError):
    """The bias update rate (gamma) is negative or not finite."""


def check_shape(n_experts: int, top_k: int, n_groups: int = 1, topk_groups: int = 1) -> None:
    """Raise a named error unless a gate of this shape can run.

    ``n_experts`` routed experts in ``n_groups`` equal groups, ``topk_groups`` of them kept per
    token, ``top_k`` experts chosen from the kept groups.
    """
    for name, n in (("n_experts", n_experts), ("top_k", top_k), ("n_groups", n_groups), ("topk_groups", topk_groups)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise RoutingError(f"{name} must be a positive integer, got {n!r}")
    if n_experts % n_groups:
        raise GroupError(f"n_groups={n_groups} does not divide n_experts={n_experts}")
    if topk_groups > n_groups:
        raise GroupError(f"topk_groups={topk_groups} is more than the n_groups={n_groups} that exist")
    available = topk_groups * (n_experts // n_groups)
    if top_k > available:
        raise TopKError(
            f"top_k={top_k} is above the {available} experts that {topk_groups} kept group(s) of "
            f"{n_experts // n_groups} offer (n_experts={n_experts})"
        )


def check_update_rate(gamma: float) -> float:
    """Return the bias update speed ``gamma`` as a float, or raise :class:`UpdateRateError`."""
    try:
        return non_negative("gamma (bias update speed)", gamma)
    except ValueError as err:
        raise UpdateRateError(str(err)) from None


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^-z): DeepSeek-V3's affinity s = Sigmoid(u^T e) (report Eq. 13)."""
    z = np.asarray(z)
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1/(1+e^-z), without overflow warnings


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis (the reference gate's ``score_func="softmax"``, DeepSeek-V2)."""
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def top_k_indices(x: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest entries of each row, largest first (``torch.topk(x, k)[1]``)."""
    n = x.shape[-1]
    part = np.argpartition(x, n - k, axis=-1)[..., n - k :]
    order = np.argsort(np.take_along_axis(x, part, axis=-1), axis=-1, kind="stable")[..., ::-1]
    return np.take_along_axis(part, order, axis=-1)


def group_scores(scores: np.ndarray, n_groups: int, top: int | None = 2) -> np.ndarray:
    """Score each of ``n_groups`` equal groups of experts: (T, N) -> (T, n_groups).

    The reference gate (``inference/model.py`` lines 586-589 at ``9b4e978``): the sum of the ``top``
    largest (biased) scores of the group when the gate has a bias (DeepSeek-V3, ``top`` = 2 =
    K_r / M), the group's maximum when it has none (``top=None``, the DeepSeek-V2 path).
    """
    scores = np.asarray(scores)
    n_tokens, n_experts = scores.shape
    if n_experts % n_groups:
        raise GroupError(f"n_groups={n_groups} does not divide n_experts={n_experts}")
    size = n_experts // n_groups
    grouped = scores.reshape(n_tokens, n_groups, size)
    if top is None:
        return grouped.max(axis=-1)
    if not 1 <= top <= size:
        raise GroupError(f"group_top={top} must be between 1 and the group size {size}")
    return np.sort(grouped, axis=-1)[..., -top:].sum(axis=-1)


def gate(
    logits: np.ndarray,
    bias: np.ndarray | None,
    *,
    top_k: int,
    n_groups: int = 1,
    topk_groups: int = 1,
    route_scale: float = 1.0,
    score_func: str = "sigmoid",
    group_top: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """Route tokens to experts exactly as DeepSeek's ``Gate.forward`` does.

    ``logits`` (T, N) are x W^T, one row per token. Steps (``inference/model.py`` lines 576-597 at
    ``9b4e978``):

    1. s = sigmoid(logits) (or softmax); keep s as the original scores.
    2. If ``bias`` is given, add it: s + b (report Eq. 16; the bias is used only for selection).
       The reference has one (N,) vector; a (T, N) bias (one row per token) lets the simulation
       route several arms in one call.
    3. If ``n_groups > 1``: group score = the sum of the ``group_top`` largest biased scores of each
       group (the code hard-codes 2 = K_r / M for DeepSeek-V3), or the group maximum when there is no
       bias (the DeepSeek-V2 path); keep the ``topk_groups`` best groups and set every other
       group's scores to -inf.
    4. indices = top-``top_k`` of what remains, largest first (taken among the kept groups'
       experts, which is the same choice).
    5. weights = the ORIGINAL (unbiased) scores at those indices, divided by their sum for sigmoid
       (report Eq. 15), times ``route_scale`` (2.5 in ``config_671B.json``).

    Returns ``(weights, indices)``, each of shape (T, top_k).
    """
    logits = np.asarray(logits)
    if not np.issubdtype(logits.dtype, np.floating):
        logits = logits.astype(float)
    if logits.ndim != 2:
        raise RoutingError(f"logits must be a (tokens, experts) array, got shape {logits.shape}")
    n_tokens, n_experts = logits.shape
    check_shape(n_experts, top_k, n_groups, topk_groups)
    if score_func not in SCORE_FUNCS:
        raise RoutingError(f"score_func must be one of {SCORE_FUNCS}, got {score_func!r}")
    positive("route_scale", route_scale)
    scores = sigmoid(logits) if score_func == "sigmoid" else softmax(logits)
    original_scores = scores
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape not in ((n_experts,), (n_tokens, n_experts)):
            raise RoutingError(f"bias must have shape ({n_experts},) (or one row per token), got {bias.shape}")
        scores = scores + bias
    if n_groups > 1:
        size = n_experts // n_groups
        grouped = scores.reshape(n_tokens, n_groups, size)
        kept = top_k_indices(group_scores(scores, n_groups, top=None if bias is None else group_top), topk_groups)
        # The reference sets the other groups' scores to -inf (line 592) and takes the top-k of all
        # N; the top-k of the kept groups alone is the same choice, at half the work for V3.
        candidates = np.take_along_axis(grouped, kept[..., None], axis=1).reshape(n_tokens, -1)
        local = top_k_indices(candidates, top_k)
        indices = np.take_along_axis(kept, local // size, axis=-1) * size + local % size
    else:
        indices = top_k_indices(scores, top_k)
    weights = np.take_along_axis(original_scores, indices, axis=-1)
    if score_func == "sigmoid":
        weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights * route_scale, indices


def expert_loads(indices: np.ndarray, n_experts: int) -> np.ndarray:
    """Tokens routed to each expert: c_i = the number of (token, slot) pairs with index i."""
    return np.bincount(np.asarray(indices).ravel(), minlength=n_experts)


def max_vio(loads: np.ndarray) -> np.ndarray | float:
    """MaxVio = (max_i Load_i - mean Load) / mean Load (Wang et al. 2024, Eq. 4), over the last axis.

    The mean is "the expected expert load under perfect load balance", i.e. the total load spread
    evenly: T K / N for T tokens with K experts each among N. Not max/min - 1, not max |frac - 1/N|.
    A 1-D ``loads`` gives a float; a (steps, N) array gives one MaxVio per row (MaxVio_batch).
    """
    loads = np.asarray(loads, dtype=float)
    mean = loads.mean(axis=-1)
    if np.any(mean <= 0):
        raise RoutingError("MaxVio needs a positive total load")
    out = (loads.max(axis=-1) - mean) / mean
    return float(out) if out.ndim == 0 else out


def group_loads(loads: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum expert loads over equal contiguous groups (nodes): (..., N) -> (..., n_groups)."""
    loads = np.asarray(loads)
    n = loads.shape[-1]
    if n % n_groups:
        raise GroupError(f"n_groups={n_groups} does not divide n_experts={n}")
    return loads.reshape(*loads.shape[:-1], n_groups, n // n_groups).sum(axis=-1)


def sequence_balance_loss(scores: np.ndarray, top_k: int, alpha: float, selected: np.ndarray | None = None) -> float:
    """The complementary sequence-wise balance loss of DeepSeek-V3 (report Eqs. 17-20).

    L_Bal = alpha sum_i f_i P_i, with f_i = N_r / (K_r T) sum_t 1(expert i chosen by token t),
    s'_{i,t} = s_{i,t} / sum_j s_{j,t} and P_i = (1/T) sum_t s'_{i,t}, for one sequence of T tokens
    with affinities ``scores`` (T, N_r). "Chosen" is Eq. 18's Topk of s unless ``selected`` (a
    (T, N_r) boolean mask of the experts the router actually chose) is passed. With every expert
    chosen equally often (f_i = 1) the loss is alpha whatever P is; when every token picks the same
    K_r experts and puts all its affinity on them it is alpha N_r / K_r.
    """
    s = np.asarray(scores, dtype=float)
    if s.ndim != 2:
        raise RoutingError(f"scores must be a (tokens, experts) array, got shape {s.shape}")
    n_tokens, n_experts = s.shape
    check_shape(n_experts, top_k)
    non_negative("alpha", alpha)
    if np.any(s < 0):
        raise RoutingError("affinity scores must be non-negative (sigmoid outputs)")
    if selected is None:
        selected = np.zeros(s.shape, dtype=bool)
        np.put_along_axis(selected, top_k_indices(s, top_k), True, axis=-1)
    selected = np.asarray(selected, dtype=bool)
    if selected.shape != s.shape or np.any(selected.sum(axis=-1) != top_k):
        raise RoutingError(f"selected must be a {s.shape} mask with top_k={top_k} experts per token")
    f = n_experts / (top_k * n_tokens) * selected.sum(axis=0)
    p = (s / s.sum(axis=-1, keepdims=True)).mean(axis=0)
    return float(alpha * np.sum(f * p))


def dropped_fraction(loads: np.ndarray, capacity_factor: float, tokens: int, top_k: int) -> np.ndarray | float:
    """Share of (token, expert) assignments a capacity-limited router would drop.

    Each of the N experts accepts at most C = ceil(capacity_factor T K / N) assignments per batch
    (the GShard/Switch convention DeepSeek-V3 does not use: "DeepSeek-V3 does not drop any tokens
    during training", report Section 2.1.2); the rest are dropped: sum_i max(c_i - C, 0) / (T K).
    """
    positive("capacity_factor", capacity_factor)
    loads = np.asarray(loads)
    n_experts = loads.shape[-1]
    capacity = math.ceil(capacity_factor * tokens * top_k / n_experts)
    out = np.maximum(loads - capacity, 0).sum(axis=-1) / (tokens * top_k)
    return float(out) if np.ndim(out) == 0 else out


def bias_update(bias: np.ndarray, loads: np.ndarray, gamma: float) -> np.ndarray:
    """One auxiliary-loss-free update: b_i += gamma sign(mean load - c_i).

    Wang et al. 2024, Algorithm 1 (e_i = c_bar - c_i, b_i = b_i + u sign(e_i)); the report: "decrease
    the bias term by gamma if its corresponding expert is overloaded, and increase it by gamma if
    its corresponding expert is underloaded" (Section 2.1.2). An expert exactly at the mean keeps
    its bias.
    """
    gamma = check_update_rate(gamma)
    loads = np.asarray(loads, dtype=float)
    return np.asarray(bias, dtype=float) + gamma * np.sign(loads.mean() - loads)


@dataclass(frozen=True)
class BalanceRun:
    """The record of one simulated balancing run (see :func:`simulate_balancing`)."""

    loads: np.ndarray  # (steps, N) tokens per expert at each step
    bias: np.ndarray  # (steps + 1, N) the bias before each step, and the final one
    eval_loads: np.ndarray  # (N,) loads of the held-out tokens routed with the final bias
    tokens_per_step: int
    top_k: int

    @property
    def max_vio_batch(self) -> np.ndarray:
        """MaxVio of each training step's batch (Wang et al.'s MaxVio_batch)."""
        return np.asarray(max_vio(self.loads))

    @property
    def max_vio_global(self) -> float:
        """MaxVio of the held-out tokens, routed with the final bias (Wang et al.'s MaxVio_global)."""
        return float(max_vio(self.eval_loads))


def skewed_router(rng: np.random.Generator, n_experts: int, skew: float) -> np.ndarray:
    """Per-expert logit offsets mu_i ~ Normal(0, skew^2): a router that prefers some experts.

    The toy's token logits are mu_i + eps_{t,i} with eps standard normal (see
    :func:`simulate_balancing`); ``skew`` = 0 is a router with no preference.
    """
    non_negative("skew", skew)
    return skew * rng.standard_normal(n_experts)


def simulate_balancing(
    rng: np.random.Generator,
    offsets: np.ndarray,
    *,
    steps: int,
    tokens_per_step: int,
    top_k: int,
    gammas: Sequence[float],
    n_groups: int = 1,
    topk_groups: int = 1,
    eval_tokens: int = 0,
) -> list[BalanceRun]:
    """Route fresh tokens through the gate for ``steps`` steps, updating each arm's bias after each.

    Token t's logit for expert i is ``offsets[i] + eps`` with eps ~ Normal(0, 1) drawn from ``rng``
    (float32). Every arm (one per update rate in ``gammas``; 0 = no balancing) routes the SAME
    tokens with its own bias, in one batched :func:`gate` call, so the arms differ only by their
    rate; after each step each bias moves by :func:`bias_update`. After the last step,
    ``eval_tokens`` fresh tokens are routed with each final bias, not updated (MaxVio_global).

    What the toy leaves out: the router is fixed (in training it learns, and it and the bias
    co-adapt); no sequences, no causality, no data; DeepSeek-V3's batches are far larger (so its
    per-batch noise is smaller); DeepSeek set gamma to 0 for the last 500B tokens.
    """
    rates = np.array([check_update_rate(g) for g in gammas])
    if rates.size == 0:
        raise RoutingError("gammas must list at least one update rate")
    offsets = np.asarray(offsets, dtype=np.float32)
    n_experts = offsets.shape[0]
    check_shape(n_experts, top_k, n_groups, topk_groups)
    for name, n in (("steps", steps), ("tokens_per_step", tokens_per_step), ("eval_tokens", eval_tokens)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < (0 if name == "eval_tokens" else 1):
            raise RoutingError(f"{name} must be a positive integer, got {n!r}")
    arms = len(rates)

    def route(n_tokens: int, bias: np.ndarray) -> np.ndarray:
        """Loads (arms, N) of n_tokens fresh tokens routed by every arm with its bias."""
        logits = offsets + rng.standard_normal((n_tokens, n_experts), dtype=np.float32)
        stacked = np.broadcast_to(logits, (arms, n_tokens, n_experts)).reshape(arms * n_tokens, n_experts)
        # float32 like the reference bias (commit 4592be4, "fp32 gate bias"); kept in float64 between steps
        per_token = np.repeat(bias.astype(np.float32), n_tokens, axis=0)
        _, idx = gate(stacked, per_token, top_k=top_k, n_groups=n_groups, topk_groups=topk_groups)
        arm = np.repeat(np.arange(arms) * n_experts, n_tokens * top_k)
        return np.bincount(idx.ravel() + arm, minlength=arms * n_experts).reshape(arms, n_experts)

    bias = np.zeros((arms, n_experts))
    biases = np.empty((arms, steps + 1, n_experts))
    loads = np.empty((arms, steps, n_experts), dtype=np.int64)
    for step in range(steps):
        biases[:, step] = bias
        loads[:, step] = route(tokens_per_step, bias)
        mean = loads[:, step].mean(axis=-1, keepdims=True)
        bias = bias + rates[:, None] * np.sign(mean - loads[:, step])  # = bias_update, per arm
    biases[:, steps] = bias
    final = route(eval_tokens, bias) if eval_tokens else np.zeros((arms, n_experts), dtype=np.int64)
    return [BalanceRun(loads[a], biases[a], final[a], tokens_per_step, top_k) for a in range(arms)]


def balance_statistic(
    logits: np.ndarray,
    bias: np.ndarray | None,
    *,
    top_k: int,
    n_groups: int = 1,
    topk_groups: int = 1,
) -> float:
    """sum_i f_i P_i (= L_Bal / alpha, report Eqs. 17-20) of tokens routed by :func:`gate` with ``bias``.

    f counts the experts the gate actually chose (with the bias and the group limit); P uses the
    unbiased sigmoid affinities. 1 when every expert is chosen equally often.
    """
    _, idx = gate(logits, bias, top_k=top_k, n_groups=n_groups, topk_groups=topk_groups)
    chosen = np.zeros(np.shape(logits), dtype=bool)
    np.put_along_axis(chosen, idx, True, axis=-1)
    return sequence_balance_loss(sigmoid(logits), top_k, 1.0, selected=chosen)
