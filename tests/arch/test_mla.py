"""A working MLA: the naive and absorbed forms agree, and the absorbed cache is d_c + d_h^R wide.

DeepSeek-V2 report (arXiv:2405.04434), Section 2.1: "During inference, W^UK can be absorbed into
W^Q, and W^UV can be absorbed into W^O" (2.1.2), and MLA "requires a total KV cache containing
(d_c + d_h^R) l elements" (2.1.3). Section 2.1.3 also says why RoPE is decoupled: with RoPE on the
keys, "W^UK cannot be absorbed into W^Q any more during inference, since a RoPE matrix related to
the currently generating token will lie between W^Q and W^UK".
"""

from __future__ import annotations

import numpy as np
import pytest

from dsv3.arch import mla

# Small shapes: (d_model, n_heads, d_h, d_c, d_h^R, d'_c or None, d_v).
SHAPES = [
    (64, 4, 16, 32, 8, 48, None),  # V2/V3-like: compressed queries
    (48, 3, 8, 20, 4, None, None),  # V2-Lite-like: queries not compressed
    (40, 2, 12, 10, 6, 24, 5),  # value heads narrower than key heads
]


def run(shape, tokens: int = 9, seed: int = 0):
    d, n, dh, dc, dr, dq, dv = shape
    w = mla.init_weights(d, n, dh, dc, dr, d_c_q=dq, d_v=dv, seed=seed)
    h = np.random.default_rng(seed + 100).standard_normal((tokens, d))
    return w, h


@pytest.mark.parametrize("shape", SHAPES)
def test_naive_and_absorbed_agree(shape) -> None:
    w, h = run(shape)
    u_naive, _ = mla.mla_naive(w, h)
    u_absorbed, _ = mla.mla_absorbed(mla.absorb(w), h)
    assert u_naive.dtype == np.float64
    assert np.max(np.abs(u_naive - u_absorbed)) < 1e-9
    assert np.max(np.abs(u_naive)) > 0.1  # not a trivially small output


@pytest.mark.parametrize("shape", SHAPES)
def test_absorbed_cache_is_d_c_plus_d_rope(shape) -> None:
    d, n, dh, dc, dr, dq, dv = shape
    w, h = run(shape, tokens=7)
    _, cache = mla.mla_absorbed(mla.absorb(w), h)
    assert cache.shape == (7, dc + dr)  # (d_c + d_h^R) per token per layer: V2 Section 2.1.3
    assert mla.cache_numbers_per_token(cache) == dc + dr
    _, kv = mla.mla_naive(w, h)
    dv = dh if dv is None else dv
    assert kv["k"].shape == (7, n, dh + dr) and kv["v"].shape == (7, n, dv)
    assert mla.cache_numbers_per_token(kv) == n * (dh + dr + dv)


@pytest.mark.parametrize("shape", SHAPES)
def test_token_by_token_decoding_matches_prefill(shape) -> None:
    w, h = run(shape, tokens=6, seed=3)
    a = mla.absorb(w)
    u_naive, _ = mla.mla_naive(w, h)
    cache, outputs = None, []
    for t in range(len(h)):
        out, cache = mla.mla_absorbed(a, h[t : t + 1], cache=cache)
        assert cache.shape[0] == t + 1  # the cache grows by one row of d_c + d_h^R per token
        outputs.append(out)
    assert np.max(np.abs(np.vstack(outputs) - u_naive)) < 1e-9


def test_causal_mask() -> None:
    w, h = run(SHAPES[0])
    changed = h.copy()
    changed[-1] += 1.0
    u, _ = mla.mla_naive(w, h)
    v, _ = mla.mla_naive(w, changed)
    assert np.max(np.abs(u[:-1] - v[:-1])) == 0  # earlier tokens cannot see the last one
    assert np.max(np.abs(u[-1] - v[-1])) > 1e-3


def test_rope_is_a_rotation_by_relative_position() -> None:
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal(8), rng.standard_normal(8)
    r3, r7 = mla.rope_matrix(3, 8), mla.rope_matrix(7, 8)
    assert np.allclose(mla.rope(x[None], np.array([3]))[0], r3 @ x, atol=1e-12)
    assert np.allclose(r3.T @ r3, np.eye(8), atol=1e-12)
    # R_m^T R_n = R_{n-m}: the logit of rotated q and k depends on the offset only.
    assert np.allclose(r3.T @ r7, mla.rope_matrix(4, 8), atol=1e-12)
    assert (r3 @ x) @ (r7 @ y) == pytest.approx((mla.rope_matrix(10, 8) @ x) @ (mla.rope_matrix(14, 8) @ y))
    assert not np.allclose(r3, np.eye(8))


def test_rope_on_the_keys_breaks_absorption() -> None:
    # V2 Section 2.1.3: with RoPE on k^C, "W^UK cannot be absorbed into W^Q any more".
    w, h = run(SHAPES[0], tokens=8)
    exact = mla.coupled_rope_logits(w, h)
    folded = mla.coupled_rope_absorbed_logits(w, h)
    causal = np.tril(np.ones((8, 8), dtype=bool))
    gap = np.abs(exact - folded)[:, causal]
    assert gap.max() > 0.1
    assert np.abs(exact - folded)[:, :, 0].max() < 1e-12  # only key position 0 (R_0 = I) agrees
    naive, absorbed = mla.decoupled_logits(w, h)
    assert np.abs(naive - absorbed).max() < 1e-9  # decoupled RoPE keeps absorption exact


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"d_c": 0}, "d_c"),
        ({"d_c": -4}, "d_c"),
        ({"d_rope": 5}, "d_rope"),
        ({"d_rope": 0}, "d_rope"),
        ({"n_heads": 0}, "n_heads"),
        ({"d_c_q": 0}, "d_c_q"),
        ({"d_v": -1}, "d_v"),
        ({"d_h": 2.5}, "d_h"),
    ],
)
def test_bad_sizes_name_the_argument(kwargs, name: str) -> None:
    args = {"d_model": 16, "n_heads": 2, "d_h": 4, "d_c": 8, "d_rope": 4} | kwargs
    with pytest.raises(ValueError, match=name):
        mla.init_weights(**args)


def test_bad_cache_and_positions() -> None:
    w, h = run(SHAPES[0], tokens=3)
    a = mla.absorb(w)
    with pytest.raises(ValueError, match="cache"):
        mla.mla_absorbed(a, h, cache=np.zeros((2, 7)))
    with pytest.raises(ValueError, match="positions"):
        mla.mla_naive(w, h, positions=np.arange(5))
