"""RoPE and YaRN (dsv3.arch.rope): the paths and arguments the mutation sample found untested (issue 18).

Every expected value is worked here from the formulas the module cites (YaRN paper Eqs. 13, 17, 18, 20, 22;
DeepSeek-V3 ``inference/model.py`` at 9b4e978, ``precompute_freqs_cis``; Hugging Face's
``_compute_yarn_parameters``), never read back from the module.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from dsv3.arch import mla
from dsv3.arch import rope as r
from dsv3.inputs.models import load_model

DIM, BASE, ORIG, S = 64, 10_000.0, 4096, 40.0  # qk_rope_head_dim, rope_theta, original context, factor
THETA = BASE ** (-np.arange(0, DIM, 2) / DIM)  # theta_i = base^(-2i/dim), i = 0 .. 31
M40 = 0.1 * math.log(40) + 1  # YaRN Eq. 22 at s = 40, m = 1


def pair_index_for(turns: float) -> float:
    """The pair making ``turns`` full turns in ORIG tokens: i = DIM ln(ORIG / (2 pi n)) / (2 ln BASE)."""
    return DIM * math.log(ORIG / (turns * 2 * math.pi)) / (2 * math.log(BASE))


def eq18_weights(beta_fast: float, beta_slow: float) -> np.ndarray:
    """w_i = 1 - gamma(r_i), r_i = ORIG theta_i / (2 pi), gamma linear from alpha = beta_slow to beta = beta_fast."""
    turns = ORIG * THETA / (2 * math.pi)
    return 1 - np.clip((turns - beta_slow) / (beta_fast - beta_slow), 0, 1)


def deepseek_weights(beta_fast: float, beta_slow: float) -> np.ndarray:
    """w_i = clamp((i - low) / (high - low)) with low = floor(i(beta_fast)), high = ceil(i(beta_slow))."""
    low, high = math.floor(pair_index_for(beta_fast)), math.ceil(pair_index_for(beta_slow))
    return np.clip((np.arange(DIM // 2) - low) / (high - low), 0, 1)


def test_eq18_frequencies_blend_theta_and_theta_over_s_with_the_papers_ramp():
    w = eq18_weights(32, 1)
    expected = THETA / S * w + THETA * (1 - w)  # Eq. 20
    got = r.yarn_inverse_frequencies(DIM, BASE, S, ORIG, 32, 1, ramp="eq18")
    np.testing.assert_allclose(got, expected, rtol=1e-13)
    # pair 11: r = 27.49 turns, w = 1 - 26.49 / 31 = 0.1455 (test_rope.py), so f = theta (0.1455 / 40 + 0.8545)
    assert got[11] == pytest.approx(THETA[11] * (w[11] / S + 1 - w[11]), rel=1e-13)


@pytest.mark.parametrize(("beta_fast", "beta_slow"), [(32, 1), (16, 2)])
def test_yarn_methods_follow_both_ramps_with_their_own_betas(beta_fast: float, beta_slow: float) -> None:
    # betas (16, 2): i(16) = 12.88 -> low 12, i(2) = 20.11 -> high 21 (worked with pair_index_for above)
    y = r.Yarn(DIM, BASE, S, ORIG, beta_fast=beta_fast, beta_slow=beta_slow)
    assert y.low_high == (math.floor(pair_index_for(beta_fast)), math.ceil(pair_index_for(beta_slow)))
    for ramp, w in (("deepseek", deepseek_weights(beta_fast, beta_slow)), ("eq18", eq18_weights(beta_fast, beta_slow))):
        np.testing.assert_allclose(y.weights(ramp), w, rtol=0, atol=1e-13)
        np.testing.assert_allclose(y.inverse_frequencies(ramp), THETA / S * w + THETA * (1 - w), rtol=1e-13)
    np.testing.assert_allclose(y.weights(), deepseek_weights(beta_fast, beta_slow), rtol=0, atol=1e-13)
    w = deepseek_weights(beta_fast, beta_slow)
    np.testing.assert_allclose(y.inverse_frequencies(), THETA / S * w + THETA * (1 - w), rtol=1e-13)


def test_betas_16_2_worked_by_hand():
    assert pair_index_for(16) == pytest.approx(12.880, abs=1e-3)
    assert pair_index_for(2) == pytest.approx(20.105, abs=1e-3)
    assert r.correction_range(16, 2, DIM, BASE, ORIG) == (12, 21)


def test_the_cos_and_sin_route_multiplies_only_the_rotary_part():
    # nope 3, rope 2, multiplier 4, sqrt(d_qk) = 4: (3 + 4 x 2) / 4 = 2.75 (4 / 2 would give 1.25)
    routes = r.temperature_routes(np.array([[3.0]]), np.array([[2.0]]), multiplier=4.0, qk_head_dim=16)
    assert routes["cos and sin"][0, 0] == pytest.approx(2.75)
    assert routes["softmax scale"][0, 0] == pytest.approx(4 * 5 / 4)
    assert routes["none"][0, 0] == pytest.approx(5 / 4)


@pytest.mark.parametrize("m", [True, float("nan"), float("inf"), "1.0", None])
def test_mscale_refuses_a_non_number(m: object) -> None:
    with pytest.raises(r.YarnError, match="mscale"):
        r.mscale(S, m)  # type: ignore[arg-type]


def test_hugging_face_factor_falls_back_to_mscale_one_unless_both_are_set_and_non_zero():
    # HF: if mscale and mscale_all_dim: ratio; else get_mscale(factor) with m = 1
    assert r.hf_attention_factor(S, 0.707, 0.0) == pytest.approx(M40)
    assert r.hf_attention_factor(S, 0.0, 0.707) == pytest.approx(M40)
    assert r.hf_attention_factor(S, None, 0.707) == pytest.approx(M40)
    assert r.hf_attention_factor(S) == pytest.approx(M40)
    # both set: (0.1 x 0.5 ln 40 + 1) / (0.1 x 2 ln 40 + 1)
    ratio = (0.05 * math.log(40) + 1) / (0.2 * math.log(40) + 1)
    assert r.hf_attention_factor(S, 0.5, 2.0) == pytest.approx(ratio)


def test_hugging_face_softmax_multiplier_uses_mscale_all_dim():
    # (0.1 x 0.707 ln 40 + 1)^2 = 1.58963 (V2's mscale_all_dim, report Section 3.1.4)
    assert r.hf_softmax_multiplier(S, 0.707) == pytest.approx((0.0707 * math.log(40) + 1) ** 2, rel=1e-12)
    assert r.hf_softmax_multiplier(S, 0.0) == 1.0
    assert r.hf_softmax_multiplier(S, 0.707, rope_type="yarn") == r.hf_softmax_multiplier(S, 0.707)


def test_from_rope_scaling_takes_the_documented_defaults_and_either_type_key():
    y = r.Yarn.from_rope_scaling(
        {"rope_type": "yarn", "factor": 8, "original_max_position_embeddings": 2048}, DIM, BASE
    )
    assert (y.dim, y.base, y.scale, y.original_max_position_embeddings) == (DIM, BASE, 8, 2048)
    assert (y.beta_fast, y.beta_slow, y.mscale, y.mscale_all_dim) == (32.0, 1.0, 1.0, None)
    z = r.Yarn.from_rope_scaling(
        {"type": "yarn", "factor": 8, "original_max_position_embeddings": 2048, "beta_fast": 16, "beta_slow": 2,
         "mscale": 0.5, "mscale_all_dim": 0.25},
        DIM,
        BASE,
    )  # fmt: skip
    assert (z.beta_fast, z.beta_slow, z.mscale, z.mscale_all_dim) == (16, 2, 0.5, 0.25)
    with pytest.raises(r.RopeScalingError, match="mapping"):
        r.Yarn.from_rope_scaling([("type", "yarn")], DIM, BASE)  # type: ignore[arg-type]
    with pytest.raises(r.RopeScalingError, match="original_max_position_embeddings"):
        r.Yarn.from_rope_scaling({"type": "yarn", "factor": 8}, DIM, BASE)


def test_from_architecture_refuses_a_config_without_rope_scaling():
    v3 = load_model("DeepSeek-V3")
    with pytest.raises(r.RopeScalingError, match="rope_scaling"):
        r.Yarn.from_architecture(dataclasses.replace(v3, rope_scaling=None))


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: r.deepseek_applies_yarn(0, 4096), "max_seq_len"),
        (lambda: r.deepseek_applies_yarn(4096, 0), "original_seq_len"),
        (lambda: r.temperature_routes(np.zeros(1), np.zeros(1), 0.0, 16), "multiplier"),
        (lambda: r.temperature_routes(np.zeros(1), np.zeros(1), 4.0, 0), "qk_head_dim"),
        (lambda: r.unseen_angle_pairs(THETA, DIM, BASE, 0, 131_072), "original"),
        (lambda: r.unseen_angle_pairs(THETA, DIM, BASE, ORIG, 0), "target"),
        (lambda: r.inverse_frequencies(DIM, 0.0), "base"),
        (lambda: r.rotations(DIM, BASE, 0.0), "context"),
        (lambda: r.correction_pair(0.0, DIM, BASE, ORIG), "num_rotations"),
        (lambda: r.correction_pair(1.0, DIM, BASE, 0), "original_max_position_embeddings"),
        (lambda: r.correction_pair(1.0, DIM, 0.0, ORIG), "base"),
        (lambda: r.correction_range(0.0, 1.0, DIM, BASE, ORIG), "beta_fast"),
        (lambda: r.correction_range(32.0, 0.0, DIM, BASE, ORIG), "beta_slow"),
        (lambda: r.yarn_inverse_frequencies(DIM, BASE, 0.0, ORIG), "scale"),
        (lambda: r.hf_attention_factor(S, attention_factor=0.0), "attention_factor"),
        (lambda: r.Yarn(DIM, 0.0, S, ORIG), "base"),
        (lambda: r.Yarn(DIM, BASE, S, 0), "original_max_position_embeddings"),
    ],
)
def test_each_argument_is_named_when_refused(call, name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name} must"):
        call()


@pytest.mark.parametrize("dim", [True, 1, 0, 2.0, "64"])
def test_rotary_dim_must_be_an_integer_of_at_least_two(dim: object) -> None:
    with pytest.raises(r.YarnError, match="rotary dim"):
        r.inverse_frequencies(dim)  # type: ignore[arg-type]


def test_rotary_dim_accepts_numpy_integers_and_the_smallest_pair():
    np.testing.assert_allclose(r.inverse_frequencies(np.int64(4), 100.0), [1.0, 0.1])  # 100^0, 100^(-2/4)
    np.testing.assert_allclose(r.inverse_frequencies(2, 100.0), [1.0])


def test_regimes_labels_the_ends_and_refuses_nan():
    assert list(r.regimes(np.array([0.0, 1e-9, 0.5, 1.0 - 1e-9, 1.0]))) == [
        "extrapolated",
        "blended",
        "blended",
        "blended",
        "interpolated",
    ]
    with pytest.raises(r.YarnError, match=r"\[0, 1\]"):
        r.regimes(np.array([0.5, float("nan")]))
    with pytest.raises(r.YarnError, match=r"\[0, 1\]"):
        r.regimes(np.array([-0.1]))


def test_share_outside_counts_the_ends_of_the_reference_as_inside():
    ref = np.array([0.0, 1.0])
    assert r.share_outside(np.array([0.0, 1.0]), ref) == 0.0
    assert r.share_outside(np.array([-1e-9, 1.0 + 1e-9, 0.5, 0.5]), ref) == 0.5
    with pytest.raises(r.YarnError, match="non-empty"):
        r.share_outside(np.array([1.0]), np.array([]))


def test_mla_logit_parts_refuses_bad_distances():
    w = mla.init_weights(d_model=32, n_heads=2, d_h=8, d_c=6, d_rope=8, d_c_q=10, seed=3)
    h = np.ones(32)
    with pytest.raises(r.YarnError, match="distances"):
        r.mla_logit_parts(w, h, h, np.array([1, -1]))
    with pytest.raises(r.YarnError, match="distances"):
        r.mla_logit_parts(w, h, h, np.zeros((2, 2), dtype=int))


def test_documented_defaults() -> None:
    # base 10,000 (rope_theta of the RoPE paper and of V3), betas 32 and 1, mscale 1, original_seq_len 4,096
    np.testing.assert_allclose(r.inverse_frequencies(DIM), THETA, rtol=1e-15)
    np.testing.assert_allclose(r.wavelengths(DIM), 2 * math.pi / THETA, rtol=1e-15)
    np.testing.assert_allclose(r.ramp_deepseek(DIM, BASE, ORIG), deepseek_weights(32, 1), atol=1e-15)
    np.testing.assert_allclose(r.ramp_eq18(DIM, BASE, ORIG), eq18_weights(32, 1), atol=1e-13)
    w = deepseek_weights(32, 1)
    np.testing.assert_allclose(r.yarn_inverse_frequencies(DIM, BASE, S, ORIG), THETA / S * w + THETA * (1 - w))
    assert r.softmax_multiplier(S) == pytest.approx(M40**2, rel=1e-15)
    assert r.temperature_coefficient() == pytest.approx(0.1)
    assert r.hf_softmax_multiplier(S) == 1.0  # no mscale_all_dim: the softmax is left alone
    assert r.deepseek_applies_yarn(4097) and not r.deepseek_applies_yarn(4096)


def test_a_base_other_than_ten_thousand_reaches_every_function() -> None:
    base = 500_000.0  # Llama 3's rope_theta
    theta = base ** (-np.arange(0, DIM, 2) / DIM)
    np.testing.assert_allclose(r.wavelengths(DIM, base), 2 * math.pi / theta, rtol=1e-15)
    np.testing.assert_allclose(r.rotations(DIM, base, ORIG), ORIG * theta / (2 * math.pi), rtol=1e-14)
    np.testing.assert_allclose(r.interpolated_inverse_frequencies(DIM, base, S), theta / S, rtol=1e-15)
    # at base 5e5 the pair that turns once in 4K is i = 64 ln(4096 / 2 pi) / (2 ln 5e5) = 15.80: pairs 16..31
    # turn less than once, and plain RoPE at 128K takes all 16 past their 4K angle
    assert DIM * math.log(ORIG / (2 * math.pi)) / (2 * math.log(base)) == pytest.approx(15.80, abs=0.01)
    assert r.unseen_angle_pairs(theta, DIM, base, ORIG, 131_072) == 16
    low, high = math.floor(DIM * math.log(ORIG / (64 * math.pi)) / (2 * math.log(base))), 16
    w = np.clip((np.arange(DIM // 2) - low) / (high - low), 0, 1)
    np.testing.assert_allclose(r.yarn_inverse_frequencies(DIM, base, S, ORIG), theta / S * w + theta * (1 - w))


def test_correction_range_clamps_to_zero_and_to_dim_minus_one() -> None:
    # 1e5 turns in 4K: i = 64 ln(4096 / 2e5 pi) / 18.42 = -17.5 -> floor -18 -> clamped to 0
    # 1e-6 turns: i = 64 ln(4096 / 2e-6 pi) / 18.42 = 70.5 -> ceil 71 -> clamped to dim - 1 = 63
    assert pair_index_for(1e5) == pytest.approx(-17.5, abs=0.05) and pair_index_for(1e-6) == pytest.approx(
        70.5, abs=0.05
    )
    assert r.correction_range(1e5, 1e-6, DIM, BASE, ORIG) == (0, 63)


def test_deepseek_ramp_nudges_high_when_it_equals_low() -> None:
    # beta_fast 1e5 clamps low to 0; beta_slow 700 turns: i = 64 ln(4096 / 1400 pi) / 18.42 = -0.25 -> ceil 0.
    # low == high == 0, so the code divides by 0.001 instead: w = clamp(i / 0.001) = 0, 1, 1, ...
    assert pair_index_for(700) == pytest.approx(-0.25, abs=0.01)
    w = r.ramp_deepseek(DIM, BASE, ORIG, 1e5, 700)
    np.testing.assert_array_equal(w, [0.0] + [1.0] * (DIM // 2 - 1))


def test_mscale_applies_from_any_scale_above_one() -> None:
    assert r.mscale(1.5) == pytest.approx(0.1 * math.log(1.5) + 1, rel=1e-15)  # 1.0405
    assert r.mscale(1.0, 5.0) == 1.0


def test_unseen_angle_pairs_counts_any_angle_beyond_the_seen_one() -> None:
    # at 1.5 x the original context the 9 pairs that turn less than once (i >= 23) reach 1.5 x their 4K angle
    assert r.unseen_angle_pairs(THETA, DIM, BASE, ORIG, ORIG * 3 // 2) == 9


def test_share_of_intended_change_over_a_mask() -> None:
    logits, base, intended = np.array([[1.0, 5.0]]), np.zeros((1, 2)), np.array([[2.0, 2.0]])
    assert r.share_of_intended_change(logits, base, intended) == pytest.approx(math.sqrt(26) / math.sqrt(8))
    assert r.share_of_intended_change(logits, base, intended, mask=np.array([True, False])) == pytest.approx(0.5)
    assert r.share_of_intended_change(logits, base, intended, mask=np.array([0, 1])) == pytest.approx(2.5)
