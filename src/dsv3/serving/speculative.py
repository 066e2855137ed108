"""Multi-token prediction (MTP) as speculative decoding: tokens per verification step and speed-up.

Used by the serving chapter (``chapters/serving.md``). DeepSeek-V3 trains one MTP module (depth
D = 1, V3 report Section 4.2) and reuses it at inference as a draft: each step the main model
verifies the drafted token together with the next one, and emits the verified token plus the draft
when the draft is accepted (V3 report Section 5.4.3: "the acceptance rate of the second token
prediction ranges between 85% and 90%", "1.8 times TPS").

Formulas:

- depth 1, acceptance p: E[tokens per step] = 1 + p (exact, no independence assumption);
- gamma drafts, each accepted with probability alpha independently while all before it were
  (Leviathan, Kalman and Matias 2023, Eq. 1): E[tokens per step] = (1 - alpha^(gamma+1)) / (1 - alpha);
- walltime improvement when one draft step costs c target steps (their Theorem 3.8):
  (1 - alpha^(gamma+1)) / ((1 - alpha)(gamma c + 1)). It assumes a verification step of gamma + 1
  tokens costs what a one-token step costs (decoding is memory-bound) and that the draft runs
  sequentially before it.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np


class AcceptanceError(ValueError):
    """An acceptance rate outside [0, 1], or not a number."""


class SpeculativeInputError(ValueError):
    """Another bad input: a draft length that is not a positive integer, a negative cost or speed-up."""


def _acceptance(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not 0.0 <= float(value) <= 1.0:
        raise AcceptanceError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


def _gamma(gamma: int) -> int:
    if isinstance(gamma, bool) or not isinstance(gamma, Integral) or gamma < 1:
        raise SpeculativeInputError(f"gamma (draft tokens per step) must be a positive integer, got {gamma!r}")
    return int(gamma)


def _non_negative(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value) or value < 0:
        raise SpeculativeInputError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def tokens_per_step_depth1(p: float) -> float:
    """Expected tokens a depth-1 MTP step emits: 1 + p (the verified token, plus the draft if accepted)."""
    return 1.0 + _acceptance("p", p)


def tokens_per_step(alpha: float, gamma: int = 1) -> float:
    """Expected tokens per verification step with ``gamma`` drafts (Leviathan et al. 2023, Eq. 1).

    (1 - alpha^(gamma+1)) / (1 - alpha) = 1 + alpha + ... + alpha^gamma; gamma + 1 at alpha = 1.
    """
    a, g = _acceptance("alpha", alpha), _gamma(gamma)
    return float(sum(a**i for i in range(g + 1)))


def walltime_speedup(alpha: float, gamma: int = 1, draft_cost: float = 0.0) -> float:
    """Leviathan et al. 2023, Theorem 3.8: tokens per step / (gamma c + 1), c = one draft step / one target step."""
    c = _non_negative("draft_cost", draft_cost)
    return tokens_per_step(alpha, gamma) / (_gamma(gamma) * c + 1.0)


def implied_draft_cost(speedup: float, alpha: float, gamma: int = 1) -> float:
    """The draft cost c that makes :func:`walltime_speedup` equal ``speedup``: (E / speedup - 1) / gamma.

    At p = 0.85 and a 1.8x speed-up: (1.85 / 1.8 - 1) / 1 = 0.028 of a main-model step. Negative
    when the speed-up exceeds the tokens per step: then something besides the drafts must be faster.
    """
    s = _non_negative("speedup", speedup)
    if s == 0:
        raise SpeculativeInputError("speedup must be positive")
    return (tokens_per_step(alpha, gamma) / s - 1.0) / _gamma(gamma)


def acceptance_from_length(length: float, gamma: int = 1) -> float:
    """The per-position acceptance alpha whose :func:`tokens_per_step` equals an "acceptance length".

    Serving engines report tokens per verification step ("average acceptance length", 1 + accepted
    drafts). Depth 1: alpha = length - 1. Deeper: solved by bisection (tokens_per_step rises with
    alpha). Meaningful only under Eq. 1's i.i.d. assumption.
    """
    g = _gamma(gamma)
    if isinstance(length, bool) or not isinstance(length, Real) or not 1.0 <= float(length) <= g + 1:
        raise SpeculativeInputError(f"length must be in [1, {g + 1}] for gamma = {g}, got {length!r}")
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if tokens_per_step(mid, g) < length:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def simulate_steps(alpha: float, gamma: int, steps: int, rng: np.random.Generator) -> np.ndarray:
    """Tokens emitted by each of ``steps`` simulated verification steps (a seeded, vectorised toy).

    Each step drafts ``gamma`` tokens; draft i is accepted with probability ``alpha`` and only if
    every draft before it was (the verifier stops at the first rejection), and the step always emits
    one verified token of its own: 1 + (number of leading acceptances). What the toy leaves out:
    acceptance that depends on the text, the position or the temperature (it is i.i.d. here), and
    any time cost.
    """
    a, g = _acceptance("alpha", alpha), _gamma(gamma)
    if isinstance(steps, bool) or not isinstance(steps, Integral) or steps < 1:
        raise SpeculativeInputError(f"steps must be a positive integer, got {steps!r}")
    accepted = rng.random((int(steps), g)) < a
    leading = np.cumprod(accepted, axis=1).sum(axis=1)
    return 1 + leading


def simulate_generation(alpha: float, gamma: int, n_tokens: int, rng: np.random.Generator) -> float:
    """Steps per token to generate ``n_tokens`` tokens, by running steps until the count is reached.

    Vectorised: draws enough steps at once (at most n_tokens of them), sums them cumulatively and
    stops at the first step where the total reaches ``n_tokens``. Returns n_tokens / steps used,
    the realised tokens per step of one long generation.
    """
    if isinstance(n_tokens, bool) or not isinstance(n_tokens, Integral) or n_tokens < 1:
        raise SpeculativeInputError(f"n_tokens must be a positive integer, got {n_tokens!r}")
    emitted = simulate_steps(alpha, gamma, int(n_tokens), rng)
    steps_used = int(np.searchsorted(np.cumsum(emitted), n_tokens) + 1)
    return n_tokens / steps_used
