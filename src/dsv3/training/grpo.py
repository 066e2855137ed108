"""Group Relative Policy Optimization (GRPO) in miniature, beside a learned-baseline variant.

GRPO is the reinforcement-learning algorithm of DeepSeek-V3's post-training (DeepSeek-V3
Technical Report, arXiv:2412.19437, Section 5.2.2, Eqs. 26-28), introduced in DeepSeekMath
(arXiv:2402.03300, Section 4.1, Eqs. 3-4). For each question q it samples a group of G outputs
from the old policy, scores them, and maximises

    J = 1/G sum_i [ min(rho_i A_i, clip(rho_i, 1 - eps, 1 + eps) A_i) - beta D_KL(pi_theta || pi_ref) ]

with rho_i = pi_theta(o_i|q) / pi_old(o_i|q), the group-relative advantage (Eq. 28)
A_i = (r_i - mean(r)) / std(r), and the per-sample KL estimator (Eq. 27)
D_KL = pi_ref/pi_theta - log(pi_ref/pi_theta) - 1. There is no value model: the group's own
mean is the baseline. The PPO-style variant here keeps the same clipped objective but takes its
baseline from a learned critic V(q), the model GRPO does away with.

The toy (a tabular softmax policy answering "a + b = ?" with a rule-based 0/1 reward) is seeded
and vectorised. It shows the mechanics: the advantages, the clipping, the KL pull, and that a
group baseline is enough to learn a verifiable task. It cannot show anything about scale, long
outputs (its outputs are one token, so per-token and per-sequence ratios coincide), reward
models, or the speed of a 671B-parameter model. Used by ``chapters/training_run.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from dsv3.checks import fraction, non_negative, positive


class GroupSizeError(ValueError):
    """A group has fewer than two samples: its mean is its only reward and its spread is undefined."""


# --- the objective (V3 report Eqs. 26-28; DeepSeekMath Eqs. 3-4) -------------------------------


def group_advantages(rewards: np.ndarray) -> np.ndarray:
    """Group-relative advantages A_i = (r_i - mean(r)) / std(r), one group per row (V3 Eq. 28).

    ``rewards`` has shape (groups, G). The standard deviation is the population one (ddof = 0),
    so every group with any spread has advantages of mean 0 and standard deviation exactly 1.
    A group whose rewards are all equal carries no signal: its advantages are 0 (implementations
    add a small epsilon to the denominator to the same effect). A group of one sample raises
    :class:`GroupSizeError`.
    """
    r = np.asarray(rewards, dtype=float)
    if r.ndim != 2:
        raise ValueError(f"rewards must have shape (groups, group size), got shape {r.shape}")
    if r.shape[1] < 2:
        raise GroupSizeError(
            f"a group needs at least 2 samples to have a relative advantage, got groups of {r.shape[1]}"
        )
    if not np.isfinite(r).all():
        raise ValueError("rewards must be finite")
    centred = r - r.mean(axis=1, keepdims=True)
    spread = r.std(axis=1, keepdims=True)
    # A group of equal rewards is told by its rewards, not by its spread: the mean of three 0.1s is
    # rounded to 0.10000000000000002, so their computed spread is 1.4e-17, not 0.
    signal = (r.max(axis=1, keepdims=True) > r.min(axis=1, keepdims=True)) & (spread > 0)
    safe = np.where(signal, spread, 1.0)
    return np.where(signal, centred / safe, 0.0)


def kl_estimate(logp: np.ndarray, logp_ref: np.ndarray) -> np.ndarray:
    """Per-sample KL estimator of V3 Eq. 27 (DeepSeekMath Eq. 4): x - log x - 1, x = pi_ref/pi_theta.

    Always >= 0, and 0 exactly where the policy agrees with the reference on the sample.
    """
    log_x = np.asarray(logp_ref, dtype=float) - np.asarray(logp, dtype=float)
    return np.exp(log_x) - log_x - 1.0


def clipped_surrogate(ratio: np.ndarray, advantages: np.ndarray, eps: float) -> np.ndarray:
    """min(rho A, clip(rho, 1 - eps, 1 + eps) A), elementwise: the first term of V3 Eq. 26."""
    fraction("eps", eps)
    rho = np.asarray(ratio, dtype=float)
    a = np.asarray(advantages, dtype=float)
    return np.minimum(rho * a, np.clip(rho, 1.0 - eps, 1.0 + eps) * a)


def grpo_objective(
    logp: np.ndarray, logp_old: np.ndarray, logp_ref: np.ndarray, advantages: np.ndarray, eps: float, beta: float
) -> float:
    """The GRPO objective of V3 Eq. 26 averaged over every sample given (to be maximised)."""
    non_negative("beta", beta)
    rho = np.exp(np.asarray(logp, dtype=float) - np.asarray(logp_old, dtype=float))
    per_sample = clipped_surrogate(rho, advantages, eps) - beta * kl_estimate(logp, logp_ref)
    return float(per_sample.mean())


def objective_gradient_coefficient(
    logp: np.ndarray, logp_old: np.ndarray, logp_ref: np.ndarray, advantages: np.ndarray, eps: float, beta: float
) -> np.ndarray:
    """d(per-sample objective) / d(log pi_theta(o_i|q)) for each sample.

    Surrogate: rho A while the clip does not bind, 0 where min() picks the clipped term and the
    clip is active (A > 0 and rho > 1 + eps, or A < 0 and rho < 1 - eps). KL: beta (pi_ref/pi - 1),
    the coefficient DeepSeekMath Appendix A.1.6 gives for GRPO. Multiply by grad log pi to get
    the policy gradient.
    """
    fraction("eps", eps)
    non_negative("beta", beta)
    lp = np.asarray(logp, dtype=float)
    a = np.asarray(advantages, dtype=float)
    rho = np.exp(lp - np.asarray(logp_old, dtype=float))
    clipped = ((a > 0) & (rho > 1.0 + eps)) | ((a < 0) & (rho < 1.0 - eps))
    surrogate = np.where(clipped, 0.0, rho * a)
    return surrogate + beta * (np.exp(np.asarray(logp_ref, dtype=float) - lp) - 1.0)


# --- the toy: a verifiable task and a tabular policy -------------------------------------------


@dataclass(frozen=True)
class AdditionTask:
    """Questions "a + b = ?" for a, b in 0 .. ``max_digit``; answers 0 .. 2 ``max_digit``.

    The reward is rule-based and verifiable (V3 Section 5.2.1, "Rule-Based RM"): 1 for the right
    sum, 0 otherwise.
    """

    max_digit: int = 9

    @cached_property
    def questions(self) -> np.ndarray:
        """Array of (a, b) pairs, one row per question."""
        d = np.arange(self.max_digit + 1)
        return np.stack(np.meshgrid(d, d, indexing="ij"), axis=-1).reshape(-1, 2)

    @property
    def n_questions(self) -> int:
        return (self.max_digit + 1) ** 2

    @property
    def n_answers(self) -> int:
        return 2 * self.max_digit + 1

    @cached_property
    def correct(self) -> np.ndarray:
        """The right answer of each question."""
        return self.questions.sum(axis=1)

    def reward(self, question: np.ndarray, answer: np.ndarray) -> np.ndarray:
        """Rule-based reward: 1.0 where ``answer`` is the sum of ``question``'s digits, else 0.0."""
        return (np.asarray(answer) == self.correct[np.asarray(question)]).astype(float)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax, computed stably."""
    z = logits - logits.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def reference_logits(
    task: AdditionTask, rng: np.random.Generator, skill: float = 0.3, noise: float = 1.0
) -> np.ndarray:
    """A seeded starting policy that is weakly right: logit -skill x |answer - sum| plus noise.

    It stands in for the SFT checkpoint GRPO starts from and is also the reference policy.
    """
    non_negative("skill", skill)
    non_negative("noise", noise)
    answers = np.arange(task.n_answers)
    distance = np.abs(answers[None, :] - task.correct[:, None])
    return -skill * distance + noise * rng.standard_normal((task.n_questions, task.n_answers))


def all_wrong_share(task: AdditionTask, logits: np.ndarray, group_size: int) -> float:
    """Share of groups of ``group_size`` samples with no right answer, averaged over the questions:
    mean_q (1 - pi(correct(q) | q))^G. Such a group has zero advantage and teaches GRPO nothing."""
    if isinstance(group_size, bool) or not isinstance(group_size, int) or group_size < 1:
        raise ValueError(f"group_size must be a positive integer, got {group_size!r}")
    p = np.exp(log_softmax(logits))[np.arange(task.n_questions), task.correct]
    return float(np.mean((1.0 - p) ** group_size))


def expected_reward(task: AdditionTask, logits: np.ndarray) -> float:
    """Exact expected reward of the policy over all questions: mean_q pi(correct(q) | q)."""
    p = np.exp(log_softmax(logits))
    return float(p[np.arange(task.n_questions), task.correct].mean())


@dataclass(frozen=True)
class ToyConfig:
    """Settings of one toy run. ``inner_steps`` gradient steps reuse each sampled batch (the mu
    iterations of DeepSeekMath's Algorithm 1); with one step the ratio is 1 and the clip never
    binds, as in DeepSeekMath's own runs ("a single update following each exploration stage")."""

    updates: int = 300
    questions_per_update: int = 16
    group_size: int = 8
    lr: float = 3.0
    eps: float = 0.2
    beta: float = 0.04
    inner_steps: int = 4
    critic_lr: float = 0.3

    def __post_init__(self) -> None:
        for name in ("updates", "questions_per_update", "group_size", "inner_steps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        positive("lr", self.lr)
        fraction("eps", self.eps)
        non_negative("beta", self.beta)
        positive("critic_lr", self.critic_lr)


def _policy_step(
    logits: np.ndarray,
    q: np.ndarray,
    a: np.ndarray,
    logp_old: np.ndarray,
    logp_ref: np.ndarray,
    adv: np.ndarray,
    cfg: ToyConfig,
) -> np.ndarray:
    """One gradient-ascent step on the clipped objective for the tabular policy ``logits``."""
    logp_all = log_softmax(logits)
    logp = logp_all[q, a]
    coef = objective_gradient_coefficient(logp, logp_old, logp_ref, adv, cfg.eps, cfg.beta)
    # d log pi(a|q) / d logits[q, :] = onehot(a) - pi(.|q); summed over samples with bincount.
    n_q, n_a = logits.shape
    onehot = np.bincount(q * n_a + a, weights=coef, minlength=n_q * n_a).reshape(n_q, n_a)
    per_question = np.bincount(q, weights=coef, minlength=n_q)
    grad = onehot - per_question[:, None] * np.exp(logp_all)
    return logits + cfg.lr * grad / len(q)


def train(
    task: AdditionTask, start: np.ndarray, rng: np.random.Generator, cfg: ToyConfig, baseline: str = "group"
) -> pd.DataFrame:
    """Train the tabular policy from ``start`` logits (also the reference) and return its history.

    ``baseline="group"`` is GRPO: advantages from :func:`group_advantages`. ``baseline="critic"``
    is the PPO-style variant: a learned value V(q) per question (the critic, fitted to the
    rewards by least squares with ``critic_lr``), advantages r - V(q) whitened over the batch as
    PPO implementations do, and the same clipped objective and KL term, so that only the baseline
    differs. Both sample ``questions_per_update`` questions x ``group_size`` answers per update.

    Returns one row per update (and one for the start): update, expected reward (exact, over all
    questions), KL to the reference (exact, mean over questions), and the share of samples whose
    clip was binding in the last inner step.
    """
    if baseline not in ("group", "critic"):
        raise ValueError(f"baseline must be 'group' or 'critic', got {baseline!r}")
    if start.shape != (task.n_questions, task.n_answers):
        raise ValueError(f"start logits must have shape {(task.n_questions, task.n_answers)}, got {start.shape}")
    if cfg.group_size < 2 and baseline == "group":
        raise GroupSizeError("GRPO needs groups of at least 2 samples")
    logits = start.astype(float).copy()
    ref_all = log_softmax(start)
    value = np.zeros(task.n_questions)
    history = [_record(task, logits, ref_all, 0, 0.0)]
    g = cfg.group_size
    for update in range(1, cfg.updates + 1):
        qs = rng.integers(task.n_questions, size=cfg.questions_per_update)
        old_all = log_softmax(logits)
        p = np.exp(old_all[qs])
        # Sample G answers per question by inverse CDF, vectorised.
        u = rng.random((cfg.questions_per_update, g))
        answers = (p.cumsum(axis=1)[:, None, :] < u[:, :, None]).sum(axis=2)
        answers = np.minimum(answers, task.n_answers - 1)
        q = np.repeat(qs, g)
        a = answers.reshape(-1)
        r = task.reward(q, a)
        if baseline == "group":
            adv = group_advantages(r.reshape(-1, g)).reshape(-1)
        else:
            raw = r - value[q]
            adv = (raw - raw.mean()) / raw.std() if raw.std() > 0 else np.zeros_like(raw)
            # Critic: gradient step on the squared error (r - V(q))^2, averaged per question.
            err_sum = np.bincount(q, weights=r - value[q], minlength=task.n_questions)
            counts = np.bincount(q, minlength=task.n_questions)
            value = value + cfg.critic_lr * np.where(counts > 0, err_sum / np.maximum(counts, 1), 0.0)
        logp_old = old_all[q, a]
        logp_ref = ref_all[q, a]
        for step in range(cfg.inner_steps):
            if step == cfg.inner_steps - 1:
                clip_share = _clip_share(logits, q, a, logp_old, adv, cfg.eps)
            logits = _policy_step(logits, q, a, logp_old, logp_ref, adv, cfg)
        history.append(_record(task, logits, ref_all, update, clip_share))
    return pd.DataFrame(history)


def _clip_share(
    logits: np.ndarray, q: np.ndarray, a: np.ndarray, logp_old: np.ndarray, adv: np.ndarray, eps: float
) -> float:
    rho = np.exp(log_softmax(logits)[q, a] - logp_old)
    binding = ((adv > 0) & (rho > 1.0 + eps)) | ((adv < 0) & (rho < 1.0 - eps))
    return float(binding.mean())


def _record(
    task: AdditionTask, logits: np.ndarray, ref_all: np.ndarray, update: int, clip_share: float
) -> dict[str, float]:
    logp = log_softmax(logits)
    kl = float((np.exp(logp) * (logp - ref_all)).sum(axis=1).mean())
    return {
        "update": update,
        "expected_reward": expected_reward(task, logits),
        "kl_to_reference": kl,
        "clip_binding_share": clip_share,
    }


# --- what a critic costs at scale ---------------------------------------------------------------


def critic_memory_bytes(n_params: float, bytes_per_param: Mapping[str, float]) -> dict[str, float]:
    """Bytes of training state a critic of ``n_params`` parameters holds, by component.

    ``bytes_per_param`` maps each stored copy to its bytes per parameter, e.g. the state the V3
    report Section 3.3.3 keeps for its own model: FP32 master weights (4), FP32 gradients (4) and
    AdamW's two moments in BF16 (2 + 2). DeepSeekMath Section 4.1.1: the value model of PPO "is
    typically another model of comparable size as the policy model". Activations and the working
    copy of the weights are not counted, so this is a lower bound.
    """
    n = positive("n_params", n_params)
    if not bytes_per_param:
        raise ValueError("bytes_per_param must name at least one stored copy")
    return {name: n * positive(f"bytes per parameter of {name!r}", b) for name, b in bytes_per_param.items()}


def summarise(histories: Mapping[str, pd.DataFrame], checkpoint: int = 100) -> pd.DataFrame:
    """One row per toy run of :func:`train`: expected reward at the start, after ``checkpoint``
    updates and at the end, KL to the reference at the end, and the mean share of clipped samples.
    Used by ``chapters/training_run.md``."""
    rows = []
    for name, h in histories.items():
        if not 0 < checkpoint < len(h):
            raise ValueError(f"checkpoint {checkpoint} is outside run {name!r} of {len(h) - 1} updates")
        rows.append(
            {
                "run": name,
                "reward_start": float(h["expected_reward"].iloc[0]),
                "reward_checkpoint": float(h["expected_reward"].iloc[checkpoint]),
                "reward_end": float(h["expected_reward"].iloc[-1]),
                "updates": int(h["update"].iloc[-1]),
                "kl_end": float(h["kl_to_reference"].iloc[-1]),
                "clipped_share": float(h["clip_binding_share"].iloc[1:].mean()),
            }
        )
    return pd.DataFrame(rows)


def critic_memory_table(n_params: float, bytes_per_param: Mapping[str, float]) -> pd.DataFrame:
    """:func:`critic_memory_bytes` as a table, one row per stored copy and a total row."""
    parts = critic_memory_bytes(n_params, bytes_per_param)
    rows = [{"copy": k, "bytes_per_param": float(bytes_per_param[k]), "bytes": v} for k, v in parts.items()]
    rows.append(
        {"copy": "total", "bytes_per_param": float(sum(bytes_per_param.values())), "bytes": sum(parts.values())}
    )
    return pd.DataFrame(rows)
