"""RoPE and YaRN (dsv3.arch.rope) against the formulas of the YaRN paper and DeepSeek's code, worked here.

Expected values are derived in this file from the stated formulas (DeepSeek-V3 ``inference/model.py``
at 9b4e978, ``precompute_freqs_cis`` and ``MLA.__init__``; YaRN paper Eqs. 13, 17, 18, 20, 22, 25),
never read back from the module.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dsv3.arch import mla
from dsv3.arch import rope as r
from dsv3.inputs.models import load_model

DIM, BASE, ORIG, S = 64, 10_000.0, 4096, 40.0  # qk_rope_head_dim, rope_theta, original context, factor

V3_ROPE_SCALING = {  # data/models/deepseek-v3.json, "rope_scaling", as published
    "beta_fast": 32,
    "beta_slow": 1,
    "factor": 40,
    "mscale": 1.0,
    "mscale_all_dim": 1.0,
    "original_max_position_embeddings": 4096,
    "type": "yarn",
}


def pair_index_for(turns: float, length: float) -> float:
    """Solve length * BASE^(-2i/DIM) / (2 pi) = turns for i, by hand: i = DIM ln(L / (2 pi n)) / (2 ln BASE)."""
    return DIM * math.log(length / (turns * 2 * math.pi)) / (2 * math.log(BASE))


def test_boundary_pairs_worked_by_hand():
    # beta = 32 turns in 4,096 tokens: i = 64 ln(4096 / 64 pi) / (2 ln 1e4) = 64 x 3.0141 / 18.4207 = 10.47
    # alpha = 1 turn: i = 64 ln(4096 / 2 pi) / 18.4207 = 64 x 6.4799 / 18.4207 = 22.51
    fast, slow = pair_index_for(32, ORIG), pair_index_for(1, ORIG)
    assert fast == pytest.approx(10.472, abs=1e-3) and slow == pytest.approx(22.513, abs=1e-3)
    assert r.correction_pair(32, DIM, BASE, ORIG) == pytest.approx(fast, rel=1e-12)
    assert r.correction_range(32, 1, DIM, BASE, ORIG) == (math.floor(fast), math.ceil(slow)) == (10, 23)


def test_deepseek_ramp_is_linear_in_the_pair_index():
    low, high = 10, 23  # worked above
    expected = np.array([min(max((i - low) / (high - low), 0.0), 1.0) for i in range(DIM // 2)])
    np.testing.assert_allclose(r.ramp_deepseek(DIM, BASE, ORIG, 32, 1), expected, rtol=0, atol=1e-15)
    labels = list(r.regimes(expected))
    assert labels.count("extrapolated") == 11  # pairs 0..10
    assert labels.count("blended") == 12  # pairs 11..22
    assert labels.count("interpolated") == 9  # pairs 23..31


def test_eq18_ramp_is_linear_in_rotations_and_differs_between_the_thresholds():
    i = np.arange(DIM // 2)
    turns = ORIG * BASE ** (-2 * i / DIM) / (2 * math.pi)  # Eq. 17 with Eq. 13
    gamma = np.clip((turns - 1) / (32 - 1), 0, 1)  # Eq. 18, alpha = 1, beta = 32
    eq18 = r.ramp_eq18(DIM, BASE, ORIG, 32, 1)
    np.testing.assert_allclose(eq18, 1 - gamma, rtol=0, atol=1e-12)
    code = r.ramp_deepseek(DIM, BASE, ORIG, 32, 1)
    assert np.all(eq18[:11] == 0) and np.all(code[:11] == 0)  # r > 32 for pairs 0..10
    assert np.all(eq18[23:] == 1) and np.all(code[23:] == 1)  # r < 1 for pairs 23..31
    assert np.all(np.abs(eq18[11:23] - code[11:23]) > 0.01)  # every blended pair differs
    # pair 11: r = 4096 x 1e4^(-22/64) / 2 pi = 27.49, Eq. 18 weight 1 - 26.49/31 = 0.1455; code 1/13
    assert eq18[11] == pytest.approx(1 - (turns[11] - 1) / 31) == pytest.approx(0.1455, abs=5e-4)
    assert code[11] == pytest.approx(1 / 13)


def test_yarn_frequencies_keep_fast_pairs_and_divide_slow_ones_by_s():
    theta = BASE ** (-np.arange(0, DIM, 2) / DIM)
    f = r.yarn_inverse_frequencies(DIM, BASE, S, ORIG, 32, 1)
    np.testing.assert_allclose(f[:11], theta[:11], rtol=1e-15)
    np.testing.assert_allclose(f[23:], theta[23:] / S, rtol=1e-15)
    w = (16 - 10) / 13  # pair 16 is blended: theta/s w + theta (1 - w)
    assert f[16] == pytest.approx(theta[16] * (w / S + 1 - w), rel=1e-14)
    np.testing.assert_allclose(r.interpolated_inverse_frequencies(DIM, BASE, S), theta / S, rtol=1e-15)


def test_wavelength_and_rotations():
    lam = r.wavelengths(DIM, BASE)
    assert lam[0] == pytest.approx(2 * math.pi)  # theta_0 = 1 radian per token
    assert lam[-1] == pytest.approx(2 * math.pi * BASE ** (62 / 64))  # Eq. 13, last pair
    assert r.rotations(DIM, BASE, ORIG)[0] == pytest.approx(ORIG / (2 * math.pi))


def test_scale_one_leaves_rope_unchanged():
    theta = BASE ** (-np.arange(0, DIM, 2) / DIM)
    f = r.yarn_inverse_frequencies(DIM, BASE, 1.0, ORIG, 32, 1)
    np.testing.assert_allclose(f, theta, rtol=1e-15, atol=0)
    x = np.random.default_rng(0).standard_normal((5, DIM))
    pos = np.array([0, 1, 7, 4095, 100_000])
    np.testing.assert_allclose(mla.rope(x, pos, inv_freq=f), mla.rope(x, pos), rtol=0, atol=1e-9)
    assert r.softmax_multiplier(1.0) == 1.0 and r.mscale(1.0, 0.707) == 1.0


def test_original_max_position_embeddings_is_honoured_not_the_extended_length():
    y = r.Yarn.from_rope_scaling(V3_ROPE_SCALING, DIM, BASE)
    assert y.original_max_position_embeddings == 4096
    assert y.low_high == (10, 23)
    # Using max_position_embeddings = 163,840 instead (the trap) would give other pairs:
    # i(32 turns) = 64 ln(163840 / 64 pi) / 18.4207 = 23.29 -> 23; i(1 turn) = 35.33 -> 36
    wrong = (math.floor(pair_index_for(32, 163_840)), math.ceil(pair_index_for(1, 163_840)))
    assert wrong == (23, 36)
    assert r.correction_range(32, 1, DIM, BASE, 163_840) == wrong != y.low_high
    # The released config, read through the architecture: the extended length is there, and unused.
    v3 = load_model("DeepSeek-V3")
    assert v3.max_position_embeddings == 163_840
    assert r.Yarn.from_architecture(v3).low_high == (10, 23)
    # A block without the key is refused rather than silently falling back to the extended length.
    no_orig = {k: v for k, v in V3_ROPE_SCALING.items() if k != "original_max_position_embeddings"}
    with pytest.raises(r.RopeScalingError, match="original_max_position_embeddings"):
        r.Yarn.from_rope_scaling(no_orig, DIM, BASE)


def test_softmax_multiplier_v3_and_v2():
    # V3 report Section 4.3 / model.py line 436: (0.1 ln 40 + 1)^2 = 1.36889^2 = 1.87385
    v3 = (0.1 * math.log(40) + 1) ** 2
    assert v3 == pytest.approx(1.87385, abs=1e-5)
    assert r.softmax_multiplier(40, 1.0) == pytest.approx(v3, rel=1e-15)
    # V2 report Section 3.1.4: sqrt(t) = 0.0707 ln s + 1 -> (0.0707 x 3.68888 + 1)^2 = 1.58963
    v2 = (0.0707 * math.log(40) + 1) ** 2
    assert r.softmax_multiplier(40, 0.707) == pytest.approx(v2, rel=1e-12)
    assert r.temperature_coefficient(0.707) == pytest.approx(0.0707)
    # YaRN paper Eq. 25: at s = 8, sqrt(1/t) ~ 1.208
    assert r.mscale(8) == pytest.approx(1.208, abs=5e-4)


def test_hugging_face_mscale_rules():
    y = r.Yarn.from_rope_scaling(V3_ROPE_SCALING, DIM, BASE)
    m = 0.1 * math.log(40) + 1
    assert y.hf_attention_factor == pytest.approx(1.0)  # m / m: cos and sin untouched
    assert y.hf_softmax_multiplier == pytest.approx(m * m)  # on all 192 dims
    assert y.deepseek_softmax_multiplier == pytest.approx(m * m)
    # mscale only, no mscale_all_dim: the factor moves to cos/sin and the softmax is left alone.
    assert r.hf_attention_factor(40, 1.0, None) == pytest.approx(m)
    assert r.hf_softmax_multiplier(40, None) == 1.0
    # mscale 1.0 with mscale_all_dim 0.707: cos/sin carry the ratio
    ratio = (0.1 * math.log(40) + 1) / (0.0707 * math.log(40) + 1)
    assert r.hf_attention_factor(40, 1.0, 0.707) == pytest.approx(ratio)
    assert r.hf_attention_factor(40, 1.0, 1.0, attention_factor=1.5) == 1.5
    assert r.hf_softmax_multiplier(40, 1.0, rope_type="default") == 1.0


def test_deepseek_switches_yarn_on_above_the_original_length_only():
    assert not r.deepseek_applies_yarn(4096, 4096)
    assert r.deepseek_applies_yarn(4096 * 4, 4096)


def test_relative_position_property_of_the_mla_logits():
    w = mla.init_weights(d_model=32, n_heads=2, d_h=8, d_c=6, d_rope=8, d_c_q=10, seed=3)
    h = np.random.default_rng(1).standard_normal((2, 32))
    f = r.yarn_inverse_frequencies(8, BASE, S, ORIG)
    nope, rope_a = r.mla_logit_parts(w, h[0], h[1], np.array([0, 5, 100]), inv_freq=f)
    _, rope_b = r.mla_logit_parts(w, h[0], h[1], np.array([0, 5, 100, 9000]), inv_freq=f)
    np.testing.assert_allclose(rope_a, rope_b[:, :3], rtol=1e-9, atol=1e-12)  # depends on distance only
    # distance 0: the rotations cancel, q^R . k^R with no rotation at all
    q_r = (h[0] @ w.w_dq.T @ w.w_qr.T).reshape(2, 8)
    k_r = h[1] @ w.w_kr.T
    np.testing.assert_allclose(rope_a[:, 0], q_r @ k_r, rtol=1e-9)
    _, pairs = r.mla_logit_parts(w, h[0], h[1], np.array([0, 5, 100]), inv_freq=f, per_pair=True)
    np.testing.assert_allclose(pairs.sum(axis=-1), rope_a, rtol=1e-12, atol=1e-12)
    # pair p at distance n: (q_{2p}, q_{2p+1}) . R(n theta_p)^T (k_{2p}, k_{2p+1}) = |q||k| cos(phase - n theta_p), by hand
    q2, k2 = q_r[0, 2:4], k_r[2:4]
    by_hand = q2[0] * (k2[0] * math.cos(100 * f[1]) + k2[1] * math.sin(100 * f[1])) + q2[1] * (
        -k2[0] * math.sin(100 * f[1]) + k2[1] * math.cos(100 * f[1])
    )
    assert pairs[0, 2, 1] == pytest.approx(by_hand, rel=1e-9)
    q_c = (h[0] @ w.w_dq.T @ w.w_uq.T).reshape(2, 8)
    k_c = (h[1] @ w.w_dkv.T @ w.w_uk.T).reshape(2, 8)
    np.testing.assert_allclose(nope[:, 0], np.sum(q_c * k_c, axis=1), rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: r.Yarn(64, BASE, 0.5, ORIG), r.ScaleBelowOneError, "scale"),
        (lambda: r.yarn_inverse_frequencies(64, BASE, 0.9, ORIG), r.ScaleBelowOneError, ">= 1"),
        (lambda: r.Yarn(64, BASE, 40, ORIG, beta_fast=1, beta_slow=32), r.BetaOrderError, "beta_fast"),
        (lambda: r.correction_range(32, 32, 64, BASE, ORIG), r.BetaOrderError, "above beta_slow"),
        (lambda: r.Yarn(63, BASE, 40, ORIG), r.OddRotaryDimError, "even"),
        (lambda: r.inverse_frequencies(7), r.OddRotaryDimError, "even"),
        (lambda: r.Yarn.from_rope_scaling({"type": "linear", "factor": 4}, 64, BASE), r.RopeScalingError, "yarn"),
        (
            lambda: r.Yarn.from_rope_scaling({"type": "yarn", "original_max_position_embeddings": 4096}, 64, BASE),
            r.RopeScalingError,
            "factor",
        ),
        (lambda: r.yarn_inverse_frequencies(64, BASE, 40, ORIG, ramp="cubic"), r.YarnError, "ramp"),
        (lambda: r.regimes(np.array([0.5, 1.5])), r.YarnError, r"\[0, 1\]"),
    ],
)
def test_named_errors(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_named_errors_are_value_errors():
    for cls in (r.ScaleBelowOneError, r.BetaOrderError, r.OddRotaryDimError, r.RopeScalingError):
        assert issubclass(cls, r.YarnError) and issubclass(cls, ValueError)


def test_from_architecture_reads_every_deepseek_config_and_refuses_others():
    for model, m in (("DeepSeek-V3", 1.0), ("DeepSeek-V2", 0.707), ("DeepSeek-V2-Lite", 0.707)):
        y = r.Yarn.from_architecture(load_model(model))
        assert (y.dim, y.base, y.scale, y.original_max_position_embeddings) == (64, 10_000.0, 40, 4096)
        assert y.mscale == m and y.mscale_all_dim == m
    with pytest.raises(r.RopeScalingError, match="MLA"):
        r.Yarn.from_architecture(load_model("Llama-3.1-405B"))


def test_unseen_angle_pairs_worked_by_hand():
    # Pairs that turn less than once in 4K are i >= 23 (i(1 turn) = 22.51, above). Plain RoPE at 128K
    # sends all 9 of them past their 4K angle; dividing by s = 40 keeps 131,072 / 40 = 3,276.8 < 4,096.
    theta = BASE ** (-np.arange(0, DIM, 2) / DIM)
    assert r.unseen_angle_pairs(theta, DIM, BASE, ORIG, 131_072) == 32 - 23
    assert r.unseen_angle_pairs(theta / S, DIM, BASE, ORIG, 131_072) == 0
    assert r.unseen_angle_pairs(r.yarn_inverse_frequencies(DIM, BASE, S, ORIG), DIM, BASE, ORIG, 131_072) == 0
    assert r.unseen_angle_pairs(theta, DIM, BASE, ORIG, ORIG) == 0  # nothing new within the original context
    with pytest.raises(r.YarnError, match="frequencies"):
        r.unseen_angle_pairs(theta[:5], DIM, BASE, ORIG, 131_072)


def test_temperature_routes_on_a_hand_example():
    nope, rot = np.array([[3.0, 1.0]]), np.array([[1.0, -1.0]])  # one query, two keys
    routes = r.temperature_routes(nope, rot, multiplier=4.0, qk_head_dim=16)  # sqrt(16) = 4
    np.testing.assert_allclose(routes["none"], [[1.0, 0.0]])
    np.testing.assert_allclose(routes["softmax scale"], [[4.0, 0.0]])
    np.testing.assert_allclose(routes["cos and sin"], [[(3 + 4) / 4, (1 - 4) / 4]])
    base, want = routes["none"], routes["softmax scale"]
    # change: cos/sin (0.75, -0.75) against intended (3, 0): sqrt(1.125) / 3
    assert r.share_of_intended_change(routes["cos and sin"], base, want) == pytest.approx(math.sqrt(1.125) / 3)
    assert r.share_of_intended_change(want, base, want) == 1.0
    # with no nope part the two routes coincide
    same = r.temperature_routes(np.zeros((1, 2)), rot, 4.0, 16)
    np.testing.assert_allclose(same["cos and sin"], same["softmax scale"])
    with pytest.raises(r.YarnError, match="zero"):
        r.share_of_intended_change(base, base, base)


def test_last_query_entropy_and_share_outside():
    pos = np.arange(4)
    assert r.last_query_entropy(np.zeros((2, 4, 4)), pos) == pytest.approx(math.log(4))  # uniform over 4 keys
    logits = np.zeros((1, 4, 4))
    logits[0, 3, 0] = 1000.0  # all weight on one key
    assert r.last_query_entropy(logits, pos) == pytest.approx(0.0, abs=1e-12)
    assert r.share_outside(np.array([-2.0, 0.5, 3.0, 1.0]), np.array([0.0, 1.0])) == 0.5
    with pytest.raises(r.YarnError, match="non-empty"):
        r.share_outside(np.array([]), np.array([0.0]))


def test_logits_split_adds_up_to_the_decoupled_logits():
    w = mla.init_weights(d_model=32, n_heads=2, d_h=8, d_c=6, d_rope=8, d_c_q=10, seed=3)
    h = np.random.default_rng(2).standard_normal((5, 32))
    nope, rot = r.mla_logits_split(w, h, np.arange(5))
    naive, _ = mla.decoupled_logits(w, h)
    np.testing.assert_allclose((nope + rot) / math.sqrt(8 + 8), naive, rtol=1e-10, atol=1e-12)
