"""RoPE and YaRN pair by pair: wavelengths, the NTK-by-parts ramp, and the attention temperature.

Used by the chapter "From 4K to 128K" (``chapters/yarn_context.md``). Sources:

- YaRN paper (Peng, Quesnelle, Fan, Shippole, arXiv:2309.00071): Eq. 13, the wavelength
  lambda_d = 2 pi / theta_d of a pair; Eq. 17, r(d) = L / lambda_d, the rotations a pair makes in the
  original context L; Eq. 18, the ramp gamma(r) (0 below alpha, 1 above beta, linear in r between);
  Eq. 20, the blended frequency h(theta_d) = (1 - gamma) theta_d / s + gamma theta_d; Eqs. 21-22, the
  temperature sqrt(1/t) = 0.1 ln s + 1 that multiplies q and k, hence the logits by (0.1 ln s + 1)^2.
- DeepSeek's reference code, ``deepseek-ai/DeepSeek-V3`` ``inference/model.py`` at commit
  9b4e9788e4a3a731f7567338ed15d3ec549ce03b: ``precompute_freqs_cis`` (lines 297-375) and the
  softmax scale of ``MLA.__init__`` (lines 434-437). Its ramp is linear in the *pair index* between
  two rounded pair indices (``find_correction_range``: floor and ceil), not linear in r as Eq. 18.
  :func:`ramp_deepseek` computes the released rule; :func:`ramp_eq18` the paper's, beside it.
- Hugging Face ``transformers`` (``modeling_rope_utils._compute_yarn_parameters`` and
  ``models/deepseek_v3/modeling_deepseek_v3.yarn_apply_mscale``): how the config keys ``mscale``
  and ``mscale_all_dim`` split the temperature between cos/sin and the softmax scale
  (:func:`hf_attention_factor`, :func:`hf_softmax_multiplier`).

Conventions: a rotary head of ``dim`` numbers has dim/2 pairs, pair i rotating by theta_i =
base^(-2i/dim) per token (adjacent pairs, as in DeepSeek's code). A pair's *interpolation weight*
w_i is the weight on theta_i / s: w = 0 leaves the pair alone ("extrapolated"), w = 1 divides its
frequency by s ("interpolated"), anything between is "blended". DeepSeek's ``smooth`` is 1 - w; the
paper's gamma is 1 - w.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from dsv3.arch.mla import MLAWeights, causal_softmax, query_input, rope_key, rope_query
from dsv3.arch.spec import MLA, Architecture
from dsv3.checks import positive

Array = np.ndarray
Ramp = Literal["deepseek", "eq18"]

TWO_PI = 2.0 * math.pi

#: The temperature coefficient of the YaRN paper's Eq. 22, sqrt(1/t) = 0.1 ln s + 1; a config's
#: ``mscale`` m multiplies it (DeepSeek-V2's m = 0.707 gives 0.0707).
YARN_COEFFICIENT = 0.1

#: What the ramp leaves a pair: the three regimes of NTK-by-parts, in this order.
REGIMES = ("extrapolated", "blended", "interpolated")


class YarnError(ValueError):
    """Bad YaRN or RoPE input (base class of the named errors below)."""


class ScaleBelowOneError(YarnError):
    """The scale s (``factor``) is below 1: YaRN stretches a context, it cannot shrink one."""


class BetaOrderError(YarnError):
    """``beta_fast`` (the paper's beta) is not above ``beta_slow`` (the paper's alpha)."""


class OddRotaryDimError(YarnError):
    """The rotary dimension is odd: RoPE rotates pairs."""


class RopeScalingError(YarnError):
    """A config's ``rope_scaling`` is not a YaRN block this module can read."""


# --- argument checks -----------------------------------------------------------------------------


def _rotary_dim(dim: int) -> int:
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 2:
        raise YarnError(f"rotary dim must be an integer >= 2, got {dim!r}")
    if dim % 2:
        raise OddRotaryDimError(f"rotary dim must be even (RoPE rotates pairs), got {dim}")
    return int(dim)


def _scale(scale: float) -> float:
    s = positive("scale", scale)
    if s < 1:
        raise ScaleBelowOneError(f"scale (rope_scaling 'factor') must be >= 1, got {scale!r}")
    return s


def _betas(beta_fast: float, beta_slow: float) -> tuple[float, float]:
    fast, slow = positive("beta_fast", beta_fast), positive("beta_slow", beta_slow)
    if fast <= slow:
        raise BetaOrderError(
            f"beta_fast (the paper's beta, {beta_fast!r}) must be above beta_slow (the paper's alpha, {beta_slow!r})"
        )
    return fast, slow


# --- RoPE in the original context ------------------------------------------------------------------


def inverse_frequencies(dim: int, base: float = 10_000.0) -> Array:
    """theta_i = base^(-2i/dim) for the dim/2 pairs (radians per token; DeepSeek ``model.py`` line 366)."""
    d = _rotary_dim(dim)
    return positive("base", base) ** (-np.arange(0, d, 2, dtype=np.float64) / d)


def wavelengths(dim: int, base: float = 10_000.0) -> Array:
    """lambda_i = 2 pi / theta_i = 2 pi base^(2i/dim), tokens per full turn of pair i (YaRN Eq. 13)."""
    return TWO_PI / inverse_frequencies(dim, base)


def rotations(dim: int, base: float, context: float) -> Array:
    """r_i = L / lambda_i, full turns pair i makes over a context of L tokens (YaRN Eq. 17)."""
    return positive("context", context) / wavelengths(dim, base)


def correction_pair(num_rotations: float, dim: int, base: float, original_max_position_embeddings: int) -> float:
    """The (fractional) pair index that makes ``num_rotations`` turns in the original context.

    Solves L theta_i / (2 pi) = n for i: i = dim ln(L / (2 pi n)) / (2 ln base). This is
    ``find_correction_dim`` of DeepSeek's ``model.py`` (line 327): a *pair* index (0 .. dim/2 - 1),
    although the code's name says "dim".
    """
    d = _rotary_dim(dim)
    n = positive("num_rotations", num_rotations)
    length = positive("original_max_position_embeddings", original_max_position_embeddings)
    return d * math.log(length / (n * TWO_PI)) / (2.0 * math.log(positive("base", base)))


def correction_range(
    beta_fast: float, beta_slow: float, dim: int, base: float, original_max_position_embeddings: int
) -> tuple[int, int]:
    """(low, high): the last pair left alone and the first pair fully interpolated, as DeepSeek rounds them.

    ``find_correction_range`` (``model.py`` lines 343-345): low = floor(pair making beta_fast turns),
    high = ceil(pair making beta_slow turns), clamped to [0, dim - 1] (the code clamps to the
    dimension, not to the last pair index dim/2 - 1).
    """
    fast, slow = _betas(beta_fast, beta_slow)
    d = _rotary_dim(dim)
    low = math.floor(correction_pair(fast, d, base, original_max_position_embeddings))
    high = math.ceil(correction_pair(slow, d, base, original_max_position_embeddings))
    return max(low, 0), min(high, d - 1)


def ramp_deepseek(
    dim: int, base: float, original_max_position_embeddings: int, beta_fast: float = 32, beta_slow: float = 1
) -> Array:
    """Interpolation weight w_i of each pair as DeepSeek's code computes it: linear in the pair index.

    w_i = clamp((i - low) / (high - low), 0, 1) over i = 0 .. dim/2 - 1 (``linear_ramp_factor``,
    ``model.py`` lines 347-362; ``high`` is nudged by 0.001 if it equals ``low``). DeepSeek's
    ``smooth`` is 1 - w_i.
    """
    low, high = correction_range(beta_fast, beta_slow, dim, base, original_max_position_embeddings)
    top = high + 0.001 if low == high else float(high)
    i = np.arange(_rotary_dim(dim) // 2, dtype=np.float64)
    return np.clip((i - low) / (top - low), 0.0, 1.0)


def ramp_eq18(
    dim: int, base: float, original_max_position_embeddings: int, beta_fast: float = 32, beta_slow: float = 1
) -> Array:
    """Interpolation weight w_i = 1 - gamma(r_i) of the YaRN paper's Eq. 18: linear in r, not in i.

    gamma(r) = 0 for r < alpha, 1 for r > beta, (r - alpha) / (beta - alpha) between, with
    r_i = L / lambda_i in the original context L, alpha = ``beta_slow`` and beta = ``beta_fast``.
    """
    beta, alpha = _betas(beta_fast, beta_slow)
    r = rotations(dim, base, original_max_position_embeddings)
    return 1.0 - np.clip((r - alpha) / (beta - alpha), 0.0, 1.0)


def yarn_inverse_frequencies(
    dim: int,
    base: float,
    scale: float,
    original_max_position_embeddings: int,
    beta_fast: float = 32,
    beta_slow: float = 1,
    ramp: Ramp = "deepseek",
) -> Array:
    """YaRN's per-pair frequencies: theta_i / s x w_i + theta_i x (1 - w_i) (Eq. 20; ``model.py`` line 370).

    ``ramp`` chooses w: ``"deepseek"`` (the released code, :func:`ramp_deepseek`) or ``"eq18"``
    (the paper, :func:`ramp_eq18`). At s = 1 every frequency is theta_i, i.e. plain RoPE.
    """
    s = _scale(scale)
    if ramp == "deepseek":
        w = ramp_deepseek(dim, base, original_max_position_embeddings, beta_fast, beta_slow)
    elif ramp == "eq18":
        w = ramp_eq18(dim, base, original_max_position_embeddings, beta_fast, beta_slow)
    else:
        raise YarnError(f"ramp must be 'deepseek' or 'eq18', got {ramp!r}")
    theta = inverse_frequencies(dim, base)
    return theta / s * w + theta * (1.0 - w)


def interpolated_inverse_frequencies(dim: int, base: float, scale: float) -> Array:
    """Plain position interpolation: every frequency divided by s (positions squeezed by s)."""
    return inverse_frequencies(dim, base) / _scale(scale)


def regimes(weights: Array) -> Array:
    """Label each pair by its interpolation weight: "extrapolated" (0), "interpolated" (1) or "blended"."""
    w = np.asarray(weights, dtype=np.float64)
    if np.any((w < 0) | (w > 1)) or not np.all(np.isfinite(w)):
        raise YarnError("interpolation weights must lie in [0, 1]")
    return np.where(w == 0.0, REGIMES[0], np.where(w == 1.0, REGIMES[2], REGIMES[1]))


# --- the attention temperature ----------------------------------------------------------------------


def mscale(scale: float, m: float = 1.0) -> float:
    """sqrt(1/t) = 0.1 m ln s + 1 for s > 1, else 1 (YaRN Eq. 22 with the config's ``mscale`` m).

    DeepSeek ``model.py`` line 436 (``0.1 * args.mscale * math.log(args.rope_factor) + 1.0``) and
    Hugging Face's ``get_mscale``. The V3 report writes it "sqrt(t) = 0.1 ln s + 1" (Section 4.3).
    """
    s = _scale(scale)
    if isinstance(m, bool) or not isinstance(m, (int, float)) or not math.isfinite(m):
        raise YarnError(f"mscale must be a finite number, got {m!r}")
    return YARN_COEFFICIENT * m * math.log(s) + 1.0 if s > 1 else 1.0


def softmax_multiplier(scale: float, m: float = 1.0) -> float:
    """What the logits are multiplied by: mscale(s, m)^2 (``model.py`` line 437, ``softmax_scale * mscale * mscale``)."""
    return mscale(scale, m) ** 2


def temperature_coefficient(m: float = 1.0) -> float:
    """The coefficient in front of ln s: 0.1 m (V3: m = 1 gives 0.1; V2: m = 0.707 gives 0.0707)."""
    return YARN_COEFFICIENT * m


def hf_attention_factor(
    scale: float,
    mscale_: float | None = None,
    mscale_all_dim: float | None = None,
    attention_factor: float | None = None,
) -> float:
    """The factor Hugging Face multiplies cos and sin by (``_compute_yarn_parameters``).

    An explicit ``attention_factor`` wins; else, with both ``mscale`` and ``mscale_all_dim`` set and
    non-zero, mscale(s, mscale) / mscale(s, mscale_all_dim); else mscale(s, 1).
    """
    if attention_factor is not None:
        return positive("attention_factor", attention_factor)
    if mscale_ and mscale_all_dim:
        return mscale(scale, mscale_) / mscale(scale, mscale_all_dim)
    return mscale(scale, 1.0)


def hf_softmax_multiplier(scale: float, mscale_all_dim: float | None = None, rope_type: str = "yarn") -> float:
    """The factor Hugging Face's DeepSeek attention multiplies the softmax scale by (``yarn_apply_mscale``).

    mscale(s, mscale_all_dim)^2 when the rope type is not "default" and ``mscale_all_dim`` is set
    and non-zero; else 1.
    """
    if rope_type == "default" or not mscale_all_dim:
        return 1.0
    return softmax_multiplier(scale, mscale_all_dim)


def deepseek_applies_yarn(max_seq_len: int, original_seq_len: int = 4096) -> bool:
    """DeepSeek's code rescales frequencies and the softmax only if ``max_seq_len > original_seq_len``.

    ``model.py`` lines 367 and 435: a run configured with ``max_seq_len <= 4096`` uses plain RoPE and
    the plain softmax scale; the default ``max_seq_len`` is 4096 x 4, so YaRN is on by default.
    """
    return positive("max_seq_len", max_seq_len) > positive("original_seq_len", original_seq_len)


# --- a config's rope_scaling ------------------------------------------------------------------------


@dataclass(frozen=True)
class Yarn:
    """A YaRN configuration of one rotary head, checked on construction.

    ``dim`` is the rotary dimension (``qk_rope_head_dim``: 64 for DeepSeek-V2/V3, whose YaRN acts
    only on the decoupled RoPE part), ``base`` is ``rope_theta``, ``scale`` the ``factor`` s, and
    ``original_max_position_embeddings`` the pre-training context L that the correction range is
    measured in (4,096), not the extended ``max_position_embeddings`` (163,840).
    ``mscale_all_dim`` is ``None`` when the config has no such key.
    """

    dim: int
    base: float
    scale: float
    original_max_position_embeddings: int
    beta_fast: float = 32.0
    beta_slow: float = 1.0
    mscale: float = 1.0
    mscale_all_dim: float | None = None

    def __post_init__(self) -> None:
        _rotary_dim(self.dim)
        positive("base", self.base)
        _scale(self.scale)
        positive("original_max_position_embeddings", self.original_max_position_embeddings)
        _betas(self.beta_fast, self.beta_slow)

    @classmethod
    def from_rope_scaling(cls, rope_scaling: Mapping[str, Any], dim: int, base: float) -> Yarn:
        """Read a config's ``rope_scaling`` block (type "yarn") for a rotary head of ``dim`` and ``base``.

        ``original_max_position_embeddings`` is required: falling back to ``max_position_embeddings``
        (the extended length) is the porting trap this refuses. Missing betas take the YaRN
        defaults (32 and 1), a missing ``mscale`` 1, a missing ``mscale_all_dim`` stays ``None``.
        """
        if not isinstance(rope_scaling, Mapping):
            raise RopeScalingError(f"rope_scaling must be a mapping, got {type(rope_scaling).__name__}")
        kind = rope_scaling.get("type", rope_scaling.get("rope_type"))
        if kind != "yarn":
            raise RopeScalingError(f"rope_scaling type must be 'yarn', got {kind!r}")
        for key in ("factor", "original_max_position_embeddings"):
            if key not in rope_scaling:
                raise RopeScalingError(f"rope_scaling has no {key!r}")
        return cls(
            dim=dim,
            base=base,
            scale=rope_scaling["factor"],
            original_max_position_embeddings=rope_scaling["original_max_position_embeddings"],
            beta_fast=rope_scaling.get("beta_fast", 32.0),
            beta_slow=rope_scaling.get("beta_slow", 1.0),
            mscale=rope_scaling.get("mscale", 1.0),
            mscale_all_dim=rope_scaling.get("mscale_all_dim"),
        )

    @classmethod
    def from_architecture(cls, arch: Architecture) -> Yarn:
        """The YaRN of a DeepSeek-V2/V3 :class:`Architecture`: its ``rope_scaling`` on the decoupled RoPE head.

        ``dim`` is ``qk_rope_head_dim`` (64), ``base`` is ``rope_theta``; the correction range is
        measured in ``rope_scaling["original_max_position_embeddings"]``, never in
        ``arch.max_position_embeddings``.
        """
        if not isinstance(arch.attention, MLA):
            raise RopeScalingError(f"{arch.name}: YaRN on a decoupled RoPE key needs MLA attention")
        if arch.rope_scaling is None:
            raise RopeScalingError(f"{arch.name}: the config has no rope_scaling")
        return cls.from_rope_scaling(arch.rope_scaling, arch.attention.qk_rope_head_dim, arch.rope_theta)

    @property
    def low_high(self) -> tuple[int, int]:
        """DeepSeek's rounded correction range (:func:`correction_range`)."""
        return correction_range(
            self.beta_fast, self.beta_slow, self.dim, self.base, self.original_max_position_embeddings
        )

    def weights(self, ramp: Ramp = "deepseek") -> Array:
        """Per-pair interpolation weights under DeepSeek's ramp or Eq. 18."""
        args = (self.dim, self.base, self.original_max_position_embeddings, self.beta_fast, self.beta_slow)
        return ramp_deepseek(*args) if ramp == "deepseek" else ramp_eq18(*args)

    def inverse_frequencies(self, ramp: Ramp = "deepseek") -> Array:
        """Per-pair YaRN frequencies (:func:`yarn_inverse_frequencies`)."""
        return yarn_inverse_frequencies(
            self.dim, self.base, self.scale, self.original_max_position_embeddings, self.beta_fast, self.beta_slow, ramp
        )

    @property
    def deepseek_softmax_multiplier(self) -> float:
        """DeepSeek's ``model.py``: mscale(s, mscale)^2 on the softmax scale, cos/sin untouched."""
        return softmax_multiplier(self.scale, self.mscale)

    @property
    def hf_attention_factor(self) -> float:
        """Hugging Face's factor on cos/sin for this config (:func:`hf_attention_factor`)."""
        return hf_attention_factor(self.scale, self.mscale, self.mscale_all_dim)

    @property
    def hf_softmax_multiplier(self) -> float:
        """Hugging Face's factor on the softmax scale for this config (:func:`hf_softmax_multiplier`)."""
        return hf_softmax_multiplier(self.scale, self.mscale_all_dim)


# --- logits of MLA at a distance ------------------------------------------------------------------


def mla_logit_parts(
    w: MLAWeights,
    h_query: Array,
    h_key: Array,
    distances: Array,
    inv_freq: Array | None = None,
    per_pair: bool = False,
) -> tuple[Array, Array]:
    """The two parts of MLA's logit of one query token against one key token placed ``distances`` back.

    Returns ``(nope, rope)``, each (n_h, N) for N distances and *before* the softmax scale:
    nope = q^C_i . k^C_i (the 128-wide part, no position) and rope = q^R_i(P) . k^R(P - n) (the
    64-wide decoupled part, DeepSeek-V2 Eqs. 14-17) with the query at P = max(distances). The key's
    content is the same at every distance, so only the rotation changes; ``inv_freq`` sets the
    rotary frequencies (plain RoPE when ``None``). With ``per_pair`` the rotary part is returned
    pair by pair, (n_h, N, d_h^R / 2), summing to the total over the last axis.
    """
    hq = np.asarray(h_query, dtype=np.float64).reshape(1, -1)
    hk = np.asarray(h_key, dtype=np.float64).reshape(1, -1)
    n = np.asarray(distances)
    if n.ndim != 1 or np.any(n < 0):
        raise YarnError("distances must be a 1-d array of non-negative token counts")
    top = int(n.max())
    c_q = query_input(w, hq)
    q_c = (c_q @ w.w_uq.T).reshape(w.n_heads, w.d_h)
    k_c = (hk @ w.w_dkv.T @ w.w_uk.T).reshape(w.n_heads, w.d_h)
    nope = np.broadcast_to(np.einsum("hd,hd->h", q_c, k_c)[:, None], (w.n_heads, len(n)))
    q_r = rope_query(w, c_q, np.array([top]), inv_freq=inv_freq)[0]  # (n_h, d_h^R)
    k_r = rope_key(w, np.repeat(hk, len(n), axis=0), top - n, inv_freq=inv_freq)  # (N, d_h^R)
    if per_pair:
        pairs = np.einsum("hp,np->hnp", q_r[:, 0::2], k_r[:, 0::2]) + np.einsum(
            "hp,np->hnp", q_r[:, 1::2], k_r[:, 1::2]
        )
        return np.array(nope), pairs
    return np.array(nope), q_r @ k_r.T


def mla_logits_split(w: MLAWeights, h: Array, positions: Array, inv_freq: Array | None = None) -> tuple[Array, Array]:
    """MLA's query-key products for a sequence, split into the nope and the rotary part: each (n_h, T, T).

    nope = q^C_{t,i} . k^C_{j,i} and rope = q^R_{t,i} . k^R_j (DeepSeek-V2 Eqs. 10-17), before any
    softmax scale; ``inv_freq`` sets the rotary frequencies (plain RoPE when ``None``).
    """
    t = len(h)
    c_q = query_input(w, h)
    q_c = (c_q @ w.w_uq.T).reshape(t, w.n_heads, w.d_h)
    k_c = (h @ w.w_dkv.T @ w.w_uk.T).reshape(t, w.n_heads, w.d_h)
    q_r = rope_query(w, c_q, positions, inv_freq=inv_freq)
    k_r = rope_key(w, h, positions, inv_freq=inv_freq)
    return np.einsum("thd,shd->hts", q_c, k_c), np.einsum("thr,sr->hts", q_r, k_r)


def temperature_routes(nope: Array, rot: Array, multiplier: float, qk_head_dim: int) -> dict[str, Array]:
    """The logits under three ways of applying YaRN's temperature in MLA (chapter "From 4K to 128K").

    ``"none"``: (nope + rope) / sqrt(d_qk). ``"softmax scale"``: the multiplier on all of it, as
    DeepSeek's ``model.py`` does (lines 434-437). ``"cos and sin"``: sqrt(multiplier) on the rotary
    q and k, so the multiplier reaches only the rotary part: (nope + multiplier x rope) / sqrt(d_qk).
    """
    m = positive("multiplier", multiplier)
    scale = math.sqrt(positive("qk_head_dim", qk_head_dim))
    return {
        "none": (nope + rot) / scale,
        "softmax scale": m * (nope + rot) / scale,
        "cos and sin": (nope + m * rot) / scale,
    }


def share_of_intended_change(logits: Array, base: Array, intended: Array, mask: Array | None = None) -> float:
    """||logits - base|| / ||intended - base|| over the entries ``mask`` selects (root mean square ratio)."""
    sel = (slice(None),) if mask is None else (..., np.asarray(mask, dtype=bool))
    want = np.linalg.norm((intended - base)[sel])
    if want == 0:
        raise YarnError("the intended change is zero: nothing to compare against")
    return float(np.linalg.norm((logits - base)[sel]) / want)


def last_query_entropy(logits: Array, positions: Array) -> float:
    """Mean over heads of the entropy (nats) of the last query's causal attention weights."""
    p = causal_softmax(logits, positions, positions)[..., -1, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    return float(-terms.sum(axis=-1).mean())


def unseen_angle_pairs(inv_freq: Array, dim: int, base: float, original: int, target: int) -> int:
    """Pairs whose angle at ``target`` tokens exceeds every angle pre-training showed them.

    A pair that turns at least once in the ``original`` context has been shown every angle; one
    that does not was shown 0 to original x theta_i, and at ``target`` it reaches target x theta'_i.
    """
    theta = inverse_frequencies(dim, base)
    f = np.asarray(inv_freq, dtype=np.float64)
    if f.shape != theta.shape:
        raise YarnError(f"inv_freq must hold dim/2 = {len(theta)} frequencies, got shape {f.shape}")
    seen = positive("original", original) * theta
    partial = seen < TWO_PI
    return int(np.sum(partial & (positive("target", target) * f > seen * (1 + 1e-12))))


def share_outside(values: Array, reference: Array) -> float:
    """Fraction of ``values`` outside [min, max] of ``reference`` (e.g. a logit beyond 4K against within 4K)."""
    ref = np.asarray(reference, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if ref.size == 0 or v.size == 0:
        raise YarnError("share_outside needs non-empty values and reference")
    lo, hi = ref.min(), ref.max()
    return float(np.mean((v < lo - 1e-12) | (v > hi + 1e-12)))
