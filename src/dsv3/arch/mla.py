"""Multi-head latent attention (MLA) in numpy: the naive form and the absorbed form.

Notation and equation numbers of the DeepSeek-V2 report (arXiv:2405.04434), Section 2.1:

- Eq. 9: c^KV_t = W^DKV h_t, the latent of d_c numbers per token, shared by keys and values;
- Eqs. 10-11: k^C_t = W^UK c^KV_t, v^C_t = W^UV c^KV_t, the per-head keys and values (n_h x d_h);
- Eqs. 12-13: c^Q_t = W^DQ h_t, q^C_t = W^UQ c^Q_t (query compression; DeepSeek-V2-Lite has none,
  and then q^C_t = W^UQ h_t);
- Eqs. 14-15: q^R_t = RoPE(W^QR c^Q_t) per head, k^R_t = RoPE(W^KR h_t) shared by all heads;
- Eqs. 16-17: q_{t,i} = [q^C_{t,i}; q^R_{t,i}], k_{t,i} = [k^C_{t,i}; k^R_t];
- Eq. 18: o_{t,i} = sum_j softmax_j(q_{t,i}^T k_{j,i} / sqrt(d_h + d_h^R)) v^C_{j,i}, causal;
- Eq. 19: u_t = W^O [o_{t,1}; ...; o_{t,n_h}].

"During inference, W^UK can be absorbed into W^Q, and W^UV can be absorbed into W^O" (Section
2.1.2), so only c^KV_t and k^R_t are cached: d_c + d_h^R numbers per token per layer (Table 1).
:func:`mla_naive` builds the per-head keys and values; :func:`mla_absorbed` never does, and
attends over the cached latent. The RMSNorm after the latents and YaRN scaling of the released
models are left out: neither changes what is cached nor the algebra of absorption.

Shapes: ``h`` is (T, d) for T tokens; weights map column vectors, ``y = W @ x``, as in the report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray

#: RoPE base frequency (``rope_theta`` of DeepSeek-V2 and V3).
ROPE_BASE = 10_000.0


def _positive_int(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class MLAWeights:
    """The projections of one MLA layer (DeepSeek-V2 Eqs. 9-19), each of shape (out, in).

    ``w_dq`` is ``None`` when queries are not compressed: then ``w_uq`` and ``w_qr`` read h_t.
    """

    n_heads: int
    w_dkv: Array  # W^DKV (d_c, d), Eq. 9
    w_uk: Array  # W^UK (n_h d_h, d_c), Eq. 10
    w_uv: Array  # W^UV (n_h d_v, d_c), Eq. 11
    w_dq: Array | None  # W^DQ (d'_c, d), Eq. 12
    w_uq: Array  # W^UQ (n_h d_h, d'_c or d), Eq. 13
    w_qr: Array  # W^QR (n_h d_h^R, d'_c or d), Eq. 14
    w_kr: Array  # W^KR (d_h^R, d), Eq. 15
    w_o: Array  # W^O (d, n_h d_v), Eq. 19

    @property
    def d_model(self) -> int:
        return self.w_dkv.shape[1]

    @property
    def d_c(self) -> int:
        return self.w_dkv.shape[0]

    @property
    def d_h(self) -> int:
        return self.w_uk.shape[0] // self.n_heads

    @property
    def d_v(self) -> int:
        return self.w_uv.shape[0] // self.n_heads

    @property
    def d_rope(self) -> int:
        return self.w_kr.shape[0]


def init_weights(
    d_model: int,
    n_heads: int,
    d_h: int,
    d_c: int,
    d_rope: int,
    d_c_q: int | None = None,
    d_v: int | None = None,
    seed: int = 0,
) -> MLAWeights:
    """Random MLA weights (float64, scaled by 1/sqrt(fan-in)) from a seeded generator.

    ``d_c`` is the KV compression dimension, ``d_rope`` the RoPE head size d_h^R (even), ``d_c_q``
    the query compression dimension d'_c (``None``: no query compression), ``d_v`` the value head
    size (default ``d_h``). Bad sizes raise ``ValueError`` naming the argument.
    """
    d_model, n_heads, d_h = (_positive_int(n, v) for n, v in (("d_model", d_model), ("n_heads", n_heads), ("d_h", d_h)))
    d_c, d_rope = _positive_int("d_c", d_c), _positive_int("d_rope", d_rope)
    if d_rope % 2:
        raise ValueError(f"d_rope must be even (RoPE rotates pairs), got {d_rope}")
    d_v = d_h if d_v is None else _positive_int("d_v", d_v)
    d_q_in = d_model if d_c_q is None else _positive_int("d_c_q", d_c_q)
    rng = np.random.default_rng(seed)

    def w(rows: int, cols: int) -> Array:
        return rng.standard_normal((rows, cols)) / np.sqrt(cols)

    return MLAWeights(
        n_heads=n_heads,
        w_dkv=w(d_c, d_model),
        w_uk=w(n_heads * d_h, d_c),
        w_uv=w(n_heads * d_v, d_c),
        w_dq=None if d_c_q is None else w(d_q_in, d_model),
        w_uq=w(n_heads * d_h, d_q_in),
        w_qr=w(n_heads * d_rope, d_q_in),
        w_kr=w(d_rope, d_model),
        w_o=w(d_model, n_heads * d_v),
    )


# --- rotary position embedding -------------------------------------------------------------------


def rope_angles(positions: Array, dim: int, base: float = ROPE_BASE, inv_freq: Array | None = None) -> Array:
    """Angles m theta_k, theta_k = base^(-2k/dim), for each position m: shape (T, dim/2).

    ``inv_freq`` (optional, dim/2 values) replaces the theta_k, e.g. YaRN's rescaled frequencies
    from :mod:`dsv3.arch.rope` (chapter "From 4K to 128K").
    """
    dim = _positive_int("dim", dim)
    if dim % 2:
        raise ValueError(f"dim must be even (RoPE rotates pairs), got {dim}")
    if inv_freq is None:
        theta = base ** (-np.arange(0, dim, 2) / dim)
    else:
        theta = np.asarray(inv_freq, dtype=np.float64)
        if theta.shape != (dim // 2,):
            raise ValueError(f"inv_freq must hold dim/2 = {dim // 2} frequencies, got shape {theta.shape}")
    return np.asarray(positions, dtype=np.float64)[:, None] * theta[None, :]


def rope(x: Array, positions: Array, base: float = ROPE_BASE, inv_freq: Array | None = None) -> Array:
    """Rotate each pair (x_{2k}, x_{2k+1}) of the last axis by the angle m theta_k (RoPE).

    ``x`` has shape (T, ..., dim) and ``positions`` (T,): token t is rotated by R_{positions[t]}.
    The pairs are adjacent, as in DeepSeek's reference code (``inference/model.py``).
    ``inv_freq`` optionally replaces the frequencies theta_k (see :func:`rope_angles`).
    """
    angles = rope_angles(positions, x.shape[-1], base, inv_freq)
    angles = angles.reshape(angles.shape[0], *([1] * (x.ndim - 2)), angles.shape[1])
    cos, sin = np.cos(angles), np.sin(angles)
    even, odd = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x, dtype=np.float64)
    out[..., 0::2] = even * cos - odd * sin
    out[..., 1::2] = even * sin + odd * cos
    return out


def rope_matrix(position: int, dim: int, base: float = ROPE_BASE) -> Array:
    """R_m, the (dim, dim) block-diagonal rotation with ``rope(x, [m]) == R_m @ x``."""
    angles = rope_angles(np.array([position]), dim, base)[0]
    r = np.zeros((dim, dim))
    for k, a in enumerate(angles):
        c, s = np.cos(a), np.sin(a)
        r[2 * k : 2 * k + 2, 2 * k : 2 * k + 2] = [[c, -s], [s, c]]
    return r


# --- attention ---------------------------------------------------------------------------------


def causal_softmax(logits: Array, query_positions: Array, key_positions: Array) -> Array:
    """Softmax over the last axis of (..., T_q, T_k) logits, keys after the query masked out."""
    mask = np.asarray(key_positions)[None, :] > np.asarray(query_positions)[:, None]
    z = np.where(mask, -np.inf, logits)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _positions(h: Array, positions: Array | None) -> Array:
    if h.ndim != 2:
        raise ValueError(f"h must be (tokens, d_model), got shape {h.shape}")
    if positions is None:
        return np.arange(h.shape[0])
    positions = np.asarray(positions)
    if positions.shape != (h.shape[0],):
        raise ValueError(f"positions must have one entry per token ({h.shape[0]}), got shape {positions.shape}")
    return positions


def query_input(w: MLAWeights, h: Array) -> Array:
    """c^Q_t = W^DQ h_t (Eq. 12), or h_t itself when queries are not compressed: (T, d'_c or d)."""
    return h if w.w_dq is None else h @ w.w_dq.T


def rope_query(w: MLAWeights, c_q: Array, positions: Array, inv_freq: Array | None = None) -> Array:
    """q^R_t = RoPE(W^QR c^Q_t), split into heads (Eq. 14): (T, n_h, d_h^R); ``inv_freq`` as in :func:`rope`."""
    return rope((c_q @ w.w_qr.T).reshape(len(c_q), w.n_heads, w.d_rope), positions, inv_freq=inv_freq)


def latent_kv(w: MLAWeights, h: Array) -> Array:
    """c^KV_t = W^DKV h_t (Eq. 9): (T, d_c)."""
    return h @ w.w_dkv.T


def rope_key(w: MLAWeights, h: Array, positions: Array, inv_freq: Array | None = None) -> Array:
    """k^R_t = RoPE(W^KR h_t) (Eq. 15), one for all heads: (T, d_h^R); ``inv_freq`` as in :func:`rope`."""
    return rope(h @ w.w_kr.T, positions, inv_freq=inv_freq)


def mla_naive(w: MLAWeights, h: Array, positions: Array | None = None) -> tuple[Array, dict[str, Array]]:
    """MLA as the report writes it (Eqs. 9-19): latents up-projected to per-head keys and values.

    Returns the output u (T, d) and what a KV cache of this form holds: the per-head keys
    ``k`` (T, n_h, d_h + d_h^R) of Eq. 17 and values ``v`` (T, n_h, d_v) of Eq. 11.
    """
    pos = _positions(h, positions)
    t, n = len(h), w.n_heads
    c_q = query_input(w, h)
    q = np.concatenate([(c_q @ w.w_uq.T).reshape(t, n, w.d_h), rope_query(w, c_q, pos)], axis=-1)  # Eqs. 13, 16
    c_kv = latent_kv(w, h)
    k_r = np.broadcast_to(rope_key(w, h, pos)[:, None, :], (t, n, w.d_rope))
    k = np.concatenate([(c_kv @ w.w_uk.T).reshape(t, n, w.d_h), k_r], axis=-1)  # Eqs. 10, 17
    v = (c_kv @ w.w_uv.T).reshape(t, n, w.d_v)  # Eq. 11
    logits = np.einsum("thd,shd->hts", q, k) / np.sqrt(w.d_h + w.d_rope)
    o = np.einsum("hts,shd->thd", causal_softmax(logits, pos, pos), v)  # Eq. 18
    return o.reshape(t, n * w.d_v) @ w.w_o.T, {"k": k, "v": v}  # Eq. 19


@dataclass(frozen=True)
class AbsorbedWeights:
    """MLA with W^UK folded into the query and W^UV into the output (Section 2.1.2).

    ``w_q_latent[i] = W^UK_i^T W^UQ_i`` (n_h, d_c, d'_c or d) maps c^Q_t straight to a query in
    latent space; ``w_o_latent[i] = W^O_i W^UV_i`` (n_h, d, d_c) maps a head's attention-weighted
    latent straight to the output. The other projections are those of :class:`MLAWeights`.
    """

    base: MLAWeights
    w_q_latent: Array
    w_o_latent: Array


def absorb(w: MLAWeights) -> AbsorbedWeights:
    """Fold W^UK into W^UQ and W^UV into W^O, head by head (the absorption of Section 2.1.2).

    q^C_{t,i}^T k^C_{j,i} = (W^UQ_i c^Q_t)^T W^UK_i c^KV_j = (W^UK_i^T W^UQ_i c^Q_t)^T c^KV_j, and
    W^O_i sum_j a_{tj} W^UV_i c^KV_j = (W^O_i W^UV_i) sum_j a_{tj} c^KV_j (Eqs. 10, 11, 13, 18, 19).
    """
    n = w.n_heads
    w_uk = w.w_uk.reshape(n, w.d_h, w.d_c)
    w_uq = w.w_uq.reshape(n, w.d_h, -1)
    w_uv = w.w_uv.reshape(n, w.d_v, w.d_c)
    w_o = w.w_o.reshape(w.d_model, n, w.d_v).transpose(1, 0, 2)  # (n_h, d, d_v): W^O_i
    return AbsorbedWeights(
        base=w,
        w_q_latent=np.einsum("hdc,hdq->hcq", w_uk, w_uq),
        w_o_latent=np.einsum("hmv,hvc->hmc", w_o, w_uv),
    )


def cache_entries(w: MLAWeights, h: Array, positions: Array | None = None) -> Array:
    """What the absorbed form caches per token: [c^KV_t; k^R_t] (Eqs. 9, 15), (T, d_c + d_h^R)."""
    pos = _positions(h, positions)
    return np.concatenate([latent_kv(w, h), rope_key(w, h, pos)], axis=-1)


def mla_absorbed(
    a: AbsorbedWeights, h: Array, positions: Array | None = None, cache: Array | None = None
) -> tuple[Array, Array]:
    """MLA attending over the cached latent, with no per-head key or value ever formed.

    ``h`` holds the new tokens at ``positions`` (default: right after the cache); ``cache`` the
    entries [c^KV_j; k^R_j] of the earlier tokens, one row per position from 0. Returns the
    outputs for the new tokens (T, d) and the grown cache (T_cache + T, d_c + d_h^R). Prefill is
    ``cache=None``; decoding is one token at a time. Logits (Eq. 18) are
    (q~_{t,i}^T c^KV_j + q^R_{t,i}^T k^R_j) / sqrt(d_h + d_h^R), with q~_{t,i} = W^UK_i^T q^C_{t,i}.
    """
    w = a.base
    width = w.d_c + w.d_rope
    past = np.zeros((0, width)) if cache is None else np.asarray(cache)
    if past.ndim != 2 or past.shape[1] != width:
        raise ValueError(f"cache must be (tokens, d_c + d_h^R = {width}), got shape {past.shape}")
    pos = _positions(h, np.arange(len(past), len(past) + len(h)) if positions is None else positions)
    full = np.concatenate([past, cache_entries(w, h, pos)], axis=0)
    c_kv, k_r = full[:, : w.d_c], full[:, w.d_c :]
    c_q = query_input(w, h)
    q_latent = np.einsum("hcq,tq->thc", a.w_q_latent, c_q)  # W^UK absorbed into the query
    q_r = rope_query(w, c_q, pos)
    logits = (np.einsum("thc,sc->hts", q_latent, c_kv) + np.einsum("thr,sr->hts", q_r, k_r)) / np.sqrt(w.d_h + w.d_rope)
    weights = causal_softmax(logits, pos, np.arange(len(full)))
    o_latent = np.einsum("hts,sc->thc", weights, c_kv)  # (T, n_h, d_c): attention over the latent
    return np.einsum("hmc,thc->tm", a.w_o_latent, o_latent), full  # W^UV absorbed into W^O


def cache_numbers_per_token(cache: dict[str, Array] | Array) -> int:
    """Numbers a cache holds per token: per-head K and V of :func:`mla_naive`, or the latent rows."""
    if isinstance(cache, dict):
        return sum(int(np.prod(x.shape[1:])) for x in cache.values())
    return int(cache.shape[1])


# --- why RoPE has to be decoupled ----------------------------------------------------------------


def coupled_rope_logits(w: MLAWeights, h: Array, positions: Array | None = None) -> Array:
    """Logits (n_h, T, T) if RoPE rotated the up-projected keys themselves (no decoupled part).

    q_{t,i} = R_t W^UQ_i c^Q_t and k_{j,i} = R_j W^UK_i c^KV_j, so the logit is
    q^C_{t,i}^T R_t^T R_j W^UK_i c^KV_j = q^C_{t,i}^T R_{j-t} W^UK_i c^KV_j: the matrix between the
    query and the latent depends on the pair of positions (the situation Section 2.1.3 describes).
    Scaled by 1/sqrt(d_h); d_h must be even.
    """
    pos = _positions(h, positions)
    t, n = len(h), w.n_heads
    q = rope((query_input(w, h) @ w.w_uq.T).reshape(t, n, w.d_h), pos)
    k = rope((latent_kv(w, h) @ w.w_uk.T).reshape(t, n, w.d_h), pos)
    return np.einsum("thd,shd->hts", q, k) / np.sqrt(w.d_h)


def coupled_rope_absorbed_logits(w: MLAWeights, h: Array, positions: Array | None = None) -> Array:
    """The same logits with W^UK folded into the rotated query: (W^UK_i^T R_t q^C_{t,i})^T c^KV_j.

    The cache holds c^KV_j before any rotation, so R_j has nowhere to go: this equals
    :func:`coupled_rope_logits` only where R_j is the identity (position 0). The gap is the error.
    """
    pos = _positions(h, positions)
    t, n = len(h), w.n_heads
    q = rope((query_input(w, h) @ w.w_uq.T).reshape(t, n, w.d_h), pos)
    q_latent = np.einsum("hdc,thd->thc", w.w_uk.reshape(n, w.d_h, w.d_c), q)
    return np.einsum("thc,sc->hts", q_latent, latent_kv(w, h)) / np.sqrt(w.d_h)


def decoupled_logits(w: MLAWeights, h: Array, positions: Array | None = None) -> tuple[Array, Array]:
    """Eq. 18's logits (n_h, T, T) of MLA with decoupled RoPE, naive and absorbed, for comparison."""
    pos = _positions(h, positions)
    t, n = len(h), w.n_heads
    c_q, c_kv = query_input(w, h), latent_kv(w, h)
    q_c = (c_q @ w.w_uq.T).reshape(t, n, w.d_h)
    q_r, k_r = rope_query(w, c_q, pos), rope_key(w, h, pos)
    k_c = (c_kv @ w.w_uk.T).reshape(t, n, w.d_h)
    scale = np.sqrt(w.d_h + w.d_rope)
    naive = (np.einsum("thd,shd->hts", q_c, k_c) + np.einsum("thr,sr->hts", q_r, k_r)) / scale
    q_latent = np.einsum("hcq,tq->thc", absorb(w).w_q_latent, c_q)
    absorbed = (np.einsum("thc,sc->hts", q_latent, c_kv) + np.einsum("thr,sr->hts", q_r, k_r)) / scale
    return naive, absorbed
