"""An independent, loop-by-loop MLA (DeepSeek-V2 report, arXiv:2405.04434, Eqs. 9-19) that the library must match.

The library's naive, absorbed and decoding forms are compared with each other in ``test_mla.py``; all three share
the softmax scale, the softmax and the RoPE frequencies, so an error in any of those survives there. The reference
below shares none of them: it is written token by token and head by head from the report's equations, with its own
RoPE (adjacent pairs rotated by m * base^(-2k/d), as ``inference/model.py`` of deepseek-ai/DeepSeek-V3 pairs them;
base 10000 = ``rope_theta`` of the released DeepSeek-V2 and V3 configs). Only the weights come from the library.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dsv3.arch.mla import ROPE_BASE, absorb, init_weights, mla_absorbed, mla_naive, rope

#: ``rope_theta`` of DeepSeek-V2's and V3's config.json.
THETA = 10000.0


def ref_rope(x: list[float], m: int, base: float = THETA) -> list[float]:
    """Rotate (x_{2k}, x_{2k+1}) by the angle m * base^(-2k/d), pair by pair."""
    d = len(x)
    out = [0.0] * d
    for k in range(d // 2):
        angle = m * base ** (-2.0 * k / d)
        c, s = math.cos(angle), math.sin(angle)
        a, b = x[2 * k], x[2 * k + 1]
        out[2 * k] = a * c - b * s
        out[2 * k + 1] = a * s + b * c
    return out


def matvec(w: np.ndarray, x: list[float]) -> list[float]:
    return [sum(float(w[r, c]) * x[c] for c in range(len(x))) for r in range(w.shape[0])]


def ref_mla(w, h: np.ndarray, base: float = THETA, scale_dims: int | None = None) -> np.ndarray:
    """u_t of Eqs. 9-19 for every token t of h (T, d), causal, with loops only.

    ``base`` and ``scale_dims`` (default d_h + d_h^R) exist only to show the comparison is sharp.
    """
    n, d_h, d_v, d_r = w.n_heads, w.d_h, w.d_v, w.d_rope
    scale = math.sqrt(d_h + d_r if scale_dims is None else scale_dims)
    tokens = [list(map(float, row)) for row in h]
    c_kv = [matvec(w.w_dkv, x) for x in tokens]  # Eq. 9
    k_c = [matvec(w.w_uk, c) for c in c_kv]  # Eq. 10 (n_h d_h)
    v_c = [matvec(w.w_uv, c) for c in c_kv]  # Eq. 11 (n_h d_v)
    c_q = [x if w.w_dq is None else matvec(w.w_dq, x) for x in tokens]  # Eq. 12
    q_c = [matvec(w.w_uq, c) for c in c_q]  # Eq. 13
    q_r_raw = [matvec(w.w_qr, c) for c in c_q]  # Eq. 14 before RoPE
    k_r = [ref_rope(matvec(w.w_kr, x), t, base) for t, x in enumerate(tokens)]  # Eq. 15
    out = []
    for t in range(len(tokens)):
        o_all: list[float] = []
        for i in range(n):
            q = q_c[t][i * d_h : (i + 1) * d_h] + ref_rope(q_r_raw[t][i * d_r : (i + 1) * d_r], t, base)  # Eq. 16
            logits = []
            for j in range(t + 1):  # causal: keys up to t
                k = k_c[j][i * d_h : (i + 1) * d_h] + k_r[j]  # Eq. 17
                logits.append(sum(a * b for a, b in zip(q, k)) / scale)  # Eq. 18
            top = max(logits)
            e = [math.exp(x - top) for x in logits]
            z = sum(e)
            o = [sum(e[j] / z * v_c[j][i * d_v + c] for j in range(t + 1)) for c in range(d_v)]
            o_all += o
        out.append(matvec(w.w_o, o_all))  # Eq. 19
    return np.array(out)


@pytest.mark.parametrize(
    "sizes",
    [
        dict(d_model=12, n_heads=3, d_h=4, d_c=5, d_rope=6, d_c_q=7, d_v=3, seed=1),  # V2/V3 shape: compressed q
        dict(d_model=10, n_heads=2, d_h=6, d_c=4, d_rope=4, d_c_q=None, d_v=None, seed=2),  # V2-Lite: no q compression
    ],
)
def test_naive_and_absorbed_match_the_loop_reference(sizes):
    w = init_weights(**sizes)
    # Scaled so the logits are O(1): the softmax is far from uniform and the RoPE angles matter.
    h = 3.0 * np.random.default_rng(7).standard_normal((6, sizes["d_model"]))
    want = ref_mla(w, h)
    naive, _ = mla_naive(w, h)
    absorbed, _ = mla_absorbed(absorb(w), h)
    np.testing.assert_allclose(naive, want, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(absorbed, want, rtol=1e-9, atol=1e-12)


def test_decoding_one_token_at_a_time_matches_the_reference():
    w = init_weights(d_model=8, n_heads=2, d_h=4, d_c=3, d_rope=4, d_c_q=5, seed=3)
    h = 3.0 * np.random.default_rng(8).standard_normal((5, 8))
    want = ref_mla(w, h)
    a, cache, rows = absorb(w), None, []
    for t in range(len(h)):
        y, cache = mla_absorbed(a, h[t : t + 1], cache=cache)
        rows.append(y[0])
    np.testing.assert_allclose(np.array(rows), want, rtol=1e-9, atol=1e-12)


def test_the_comparison_is_sharp_enough_to_see_a_wrong_scale_or_base():
    """1/sqrt(d_h) instead of 1/sqrt(d_h + d_h^R), or base 500000, moves u far outside the tolerance above."""
    w = init_weights(d_model=8, n_heads=2, d_h=4, d_c=3, d_rope=4, seed=4)
    h = 3.0 * np.random.default_rng(9).standard_normal((5, 8))
    naive, _ = mla_naive(w, h)
    for wrong in (ref_mla(w, h, scale_dims=w.d_h), ref_mla(w, h, base=500000.0)):
        assert np.abs(naive - wrong).max() > 1e-4
    np.testing.assert_allclose(naive, ref_mla(w, h), rtol=1e-9, atol=1e-12)


def test_library_rope_is_the_pairwise_rotation():
    """dsv3.arch.mla.rope and ROPE_BASE against the hand-written rotation, at several positions."""
    assert ROPE_BASE == THETA
    x = np.random.default_rng(10).standard_normal((4, 8))
    pos = np.array([0, 1, 5, 1000])
    got = rope(x, pos)
    want = np.array([ref_rope(list(map(float, row)), int(m)) for row, m in zip(x, pos)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    # Position 1, pair 0 turns by exactly one radian: cos 1, sin 1 (theta_0 = base^0 = 1).
    one = rope(np.array([[1.0, 0.0, 0.0, 0.0]]), np.array([1]))[0]
    np.testing.assert_allclose(one[:2], [math.cos(1.0), math.sin(1.0)], rtol=1e-15)
    # Pair 1 of a 4-dim head at position 1 turns by base^(-1/2) = 0.01 radian.
    two = rope(np.array([[0.0, 0.0, 1.0, 0.0]]), np.array([1]))[0]
    np.testing.assert_allclose(two[2:], [math.cos(0.01), math.sin(0.01)], rtol=1e-12)
