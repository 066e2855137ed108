"""Edges the fresh mutation sample found untested: the unwindowed cache, the default context, MLA's
rotary frequencies and its compressed-query width. Each expected value is worked by hand here."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from dsv3.arch.kv_context import context_cache
from dsv3.arch.mla import init_weights
from dsv3.arch.rope import mla_logits_split
from dsv3.arch.summary import DEFAULT_CONTEXT, default_context
from dsv3.inputs.hf_config import load_config

ROOT = Path(__file__).resolve().parents[2]
GPT_OSS_20B = load_config(ROOT / "tests/fixtures/hf-configs/gpt-oss-20b.config.json")


def test_gpt_oss_cache_with_and_without_its_windows() -> None:
    # gpt-oss-20b: 24 layers, 8 KV heads of 64, keys and values: 2 x 8 x 64 = 1,024 elements per token per
    # layer; layer_types alternate sliding (window 128) and full attention, starting with sliding
    cache = context_cache(GPT_OSS_20B, 1000)
    assert cache.full_elements == 1024 * 24 * 1000 == 24_576_000  # no window applied
    assert cache.elements == 12 * 1024 * 1000 + 12 * 1024 * 128 == 13_860_864
    assert cache.bytes == 2 * cache.elements  # BF16 by default


def test_default_context_is_capped_by_the_model() -> None:
    assert DEFAULT_CONTEXT == 131_072
    assert default_context(replace(GPT_OSS_20B, max_position_embeddings=None)) == 131_072
    assert default_context(replace(GPT_OSS_20B, max_position_embeddings=4096)) == 4096
    assert default_context(replace(GPT_OSS_20B, max_position_embeddings=1_000_000)) == 131_072


def test_zero_rotary_frequencies_rotate_nothing() -> None:
    # With every frequency 0 each rotation angle is 0: the rotary logits are those of all tokens at position 0.
    w = init_weights(d_model=16, n_heads=2, d_h=4, d_c=6, d_rope=4, d_c_q=8, seed=3)
    h = np.random.default_rng(0).standard_normal((5, 16))
    positions = np.arange(5)
    nope, rope = mla_logits_split(w, h, positions, inv_freq=np.zeros(2))
    nope0, rope0 = mla_logits_split(w, h, np.zeros(5, dtype=int))
    np.testing.assert_allclose(rope, rope0, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(nope, nope0)  # the unrotated part never depends on position
    _, rotated = mla_logits_split(w, h, positions)
    assert not np.allclose(rotated, rope0)  # plain RoPE does rotate


def test_mla_weights_name_a_bad_query_compression() -> None:
    with pytest.raises(ValueError, match="^d_c_q "):
        init_weights(d_model=16, n_heads=2, d_h=4, d_c=6, d_rope=4, d_c_q=0)
    w = init_weights(d_model=16, n_heads=2, d_h=4, d_c=6, d_rope=4, d_c_q=8)
    assert w.w_dq.shape == (8, 16)  # W^DQ: d_c_q x d (V2 Eq. 12)


@pytest.mark.parametrize("field", ["d_model", "n_heads", "d_h", "d_c", "d_rope", "d_v"])
def test_mla_weights_name_each_bad_size(field: str) -> None:
    sizes = {"d_model": 16, "n_heads": 2, "d_h": 4, "d_c": 6, "d_rope": 4, "d_v": 4}
    init_weights(**sizes)
    with pytest.raises(ValueError, match=rf"^{field} "):
        init_weights(**{**sizes, field: 0})
