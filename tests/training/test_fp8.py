"""Tests of dsv3.training.fp8 against the E4M3 definition, DeepSeek's reference code and hand-worked sums.

E4M3 (OCP FP8 "fn" variant): 1 sign, 4 exponent bits with bias 7, 3 mantissa bits, no infinity, one NaN
mantissa pattern per sign (S.1111.111). So the largest finite value is 1.110b x 2**(15 - 7) = 1.75 x 256 = 448,
the smallest normal is 2**(1 - 7) = 2**-6, the smallest subnormal 2**-6 x 2**-3 = 2**-9.
"""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pytest

from dsv3.arch.tensors import Component, inventory
from dsv3.inputs.facts import fact
from dsv3.inputs.models import load_model
from dsv3.training import fp8

# ---- 1. the formats ----------------------------------------------------------------------------------------


def test_e4m3_facts_from_definition_and_finfo():
    f = fp8.format_facts("E4M3")
    fi = ml_dtypes.finfo(ml_dtypes.float8_e4m3fn)
    assert (f.exponent_bits, f.mantissa_bits) == (4, 3)
    assert f.max == 1.75 * 2**8 == 448 == float(fi.max)
    assert f.smallest_normal == 2.0**-6 == float(fi.smallest_normal)
    assert f.smallest_subnormal == 2.0**-9 == float(fi.smallest_subnormal)
    assert f.eps == 2.0**-3
    # 16 exponent codes x 8 mantissas = 128 non-negative codes, minus +0, minus the NaN S.1111.111
    assert f.positive_finite_values == 128 - 1 - 1
    assert (f.nan_codes, f.inf_codes) == (2, 0)


def test_e5m2_facts_from_definition():
    # IEEE-like: bias 15, exponent 31 reserved for inf/NaN; max = 1.75 x 2**15
    f = fp8.format_facts("E5M2")
    assert f.max == 1.75 * 2**15 == 57344
    assert f.smallest_normal == 2.0**-14
    assert f.smallest_subnormal == 2.0**-16
    assert f.eps == 2.0**-2
    assert f.inf_codes == 2 and f.nan_codes == 6  # exponent 11111: mantissa 00 = inf, 01/10/11 = NaN, both signs
    assert f.positive_finite_values == 30 * 4 + 3  # 30 normal exponents x 4 mantissas + 3 subnormals


def test_round_to_nearest_even_examples():
    # spacing between 1 and 2 is 2**-3: 1.0625 is a tie between 1.0 and 1.125 -> even mantissa (1.0)
    assert fp8.cast(1.0625) == 1.0
    assert fp8.cast(1.1875) == 1.25  # tie between 1.125 (odd) and 1.25 (even)
    assert fp8.cast(1.0625 + 1e-6) == 1.125
    assert fp8.cast(2.0**-10) == 0.0  # tie between 0 and the smallest subnormal 2**-9 -> 0
    assert fp8.cast(1.5 * 2.0**-10) == 2.0**-9


def test_overflow_is_nan_in_ml_dtypes():
    # 448 + half of the top spacing (32/2 = 16) = 464 is the rounding boundary
    assert fp8.cast(449.0) == 448.0
    assert fp8.cast(464.0) == 448.0
    assert np.isnan(fp8.cast(465.0))
    assert np.isnan(fp8.cast(1e6))


def test_relative_rounding_error_bounded_by_half_eps_in_normal_range():
    x = np.geomspace(2.0**-6, 448, 5001)
    assert fp8.relative_rounding_error(x).max() <= 2.0**-4 + 1e-15


def test_rounding_error_envelope_peaks():
    # normal range of E4M3: between 1 and 1.125 the bound at 1 is 0.0625 = 2**-4 (half of eps = 2**-3);
    # the first subnormal gap (2**-9 to 2**-8, gap 2**-9) gives 2**-9 / (2 x 2**-9) = 0.5
    x, y = fp8.rounding_error_envelope("E4M3")
    normal = x >= 2.0**-6
    assert y[normal].max() == 2.0**-4
    assert y.max() == 0.5
    # every actual cast error sits under the bound of the gap containing it: half the gap over the value
    v = fp8.positive_values("E4M3")
    grid = np.geomspace(2.0**-9, 447.9, 3001)
    i = np.searchsorted(v, grid, side="right") - 1
    assert np.all(fp8.relative_rounding_error(grid) <= (v[i + 1] - v[i]) / (2 * grid) * (1 + 1e-12))
    assert np.array_equal(x[::2], v[:-1]) and np.array_equal(x[1::2], v[1:])


def test_unknown_format_is_named():
    with pytest.raises(fp8.FormatError):
        fp8.format_facts("E3M4")


# ---- 2. quantisation ----------------------------------------------------------------------------------------


def test_quantised_values_finite_within_range_and_tile_max_maps_to_448():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 512)) * np.exp(3 * rng.standard_normal(512))
    q = fp8.quantise(x, (1, 128))
    v = q.values.astype(np.float64)
    assert np.all(np.isfinite(v)) and np.abs(v).max() <= 448
    tiles = np.abs(v).reshape(8, 4, 128).max(axis=2)
    assert np.all(tiles == 448)  # amax / (amax / 448) = 448 exactly, and 448 is on the grid
    assert q.scales.shape == (8, 4) and q.scales.dtype == np.float32


def test_zero_tile_gives_no_nan_and_release_rule_does():
    x = np.zeros((2, 256))
    x[1, :128] = 3.0
    q = fp8.quantise(x, (1, 128))
    assert np.all(q.dequantise()[0] == 0) and np.isfinite(q.scales).all()
    assert q.scales[0, 0] == np.float32(1e-4 / 448)
    released = fp8.quantise(x, (1, 128), amax_floor=0.0)  # 4c2fdb8: s = amax / 448, no clamp
    assert np.isnan(released.values[0, :128].astype(np.float64)).all()


def test_power_of_two_scales_round_up():
    x = np.full((1, 128), 10.0)
    q = fp8.quantise(x, (1, 128), pow2=True)
    # 10 / 448 = 0.0223 -> 2**ceil(log2 0.0223) = 2**-5; 10 / 2**-5 = 320, on the grid (1.25 x 256)
    assert q.scales[0, 0] == 2.0**-5
    assert q.values.astype(np.float64)[0, 0] == 320.0


def test_weight_scale_shape_matches_reference_code():
    # model.py: scale = ((out + 127)//128, (in + 127)//128); V3 shapes from the config
    assert fp8.scale_shape(7168, 18432) == (56, 144)
    assert fp8.scale_shape(2048, 7168) == (16, 56)
    assert fp8.scale_shape(24576, 1536) == (192, 12)
    assert fp8.scale_shape(576 + 0, 7168) == (5, 56)  # 576 = 4.5 blocks, rounded up
    rng = np.random.default_rng(1)
    w = rng.standard_normal((200, 300))
    q = fp8.quantise(w, (128, 128), pad=True)
    assert q.scales.shape == fp8.scale_shape(200, 300) == (2, 3)
    assert q.values.shape == (200, 300)
    # the padded zeros do not change a block's amax: block (1, 2) covers rows 128..199, cols 256..299
    assert q.scales[1, 2] == np.float32(np.abs(w[128:, 256:]).max() / 448)


def test_dequantise_within_half_ulp_of_e4m3():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 256))
    q = fp8.quantise(x, (1, 128))
    s = np.repeat(q.scales.astype(np.float64), 128, axis=1)
    # normal range: relative error <= 2**-4; near zero: absolute error <= half a subnormal step, 2**-10 x s
    err = np.abs(q.dequantise() - x)
    assert np.all(err <= np.maximum(np.abs(x) * 2.0**-4, 2.0**-10 * s) * (1 + 1e-6))


def test_tile_that_does_not_divide_is_named():
    with pytest.raises(fp8.TileSizeError):
        fp8.quantise(np.ones((2, 200)), (1, 128))
    with pytest.raises(fp8.TileSizeError):
        fp8.quantise(np.ones((2, 256)), (1, 0))
    with pytest.raises(fp8.TileSizeError):
        fp8.scale_shape(-1, 128)


def test_non_finite_input_is_named():
    x = np.ones((1, 128))
    x[0, 5] = np.nan
    with pytest.raises(fp8.NonFiniteInputError):
        fp8.quantise(x, (1, 128))
    x[0, 5] = np.inf
    with pytest.raises(fp8.NonFiniteInputError):
        fp8.quantise(x, (1, 128))


def test_outlier_generator_is_seeded():
    a, ia = fp8.outlier_activations(np.random.default_rng(3), 4, 64, outlier_channels=2)
    b, ib = fp8.outlier_activations(np.random.default_rng(3), 4, 64, outlier_channels=2)
    assert np.array_equal(a, b) and np.array_equal(ia, ib) and ia.shape == (2,)
    with pytest.raises(ValueError):
        fp8.outlier_activations(np.random.default_rng(3), 4, 64, outlier_channels=65)


# ---- 3. the accumulator -------------------------------------------------------------------------------------


def test_round_to_bits_by_hand():
    # 1 + 2**-13 + 2**-14 = 1.00000000000011b: 14 significant bits keep 1 + 2**-13
    x = 1 + 2.0**-13 + 2.0**-14
    assert fp8.round_to_bits(np.array([x]), 14)[0] == 1 + 2.0**-13
    assert fp8.round_to_bits(np.array([-x]), 14)[0] == -(1 + 2.0**-13)  # truncation is toward zero
    assert fp8.round_to_bits(np.array([x]), 14, mode="nearest")[0] == 1 + 2.0**-12
    with pytest.raises(fp8.BitWidthError):
        fp8.round_to_bits(np.array([1.0]), 0)
    with pytest.raises(fp8.BitWidthError):
        fp8.round_to_bits(np.array([1.0]), -3)


def _hand_dot(small_a: float, small_b: float) -> tuple[np.ndarray, np.ndarray]:
    """One big product 16 x 16 = 256 = 2**8 and 31 small products, all inputs E4M3 values."""
    a = np.array([[16.0] + [small_a] * 31])
    b = np.array([[16.0] + [small_b] * 31]).T
    assert np.array_equal(fp8.cast(a), a) and np.array_equal(fp8.cast(b), b)
    return a, b


def test_limited_accumulator_drops_terms_below_its_last_bit():
    # aligned to 2**8 with 14 bits, the last kept bit is 2**(8 - 13) = 2**-5. A product 0.125 x 0.125 = 2**-6
    # lies wholly below it and is truncated to 0: the 31 small terms vanish. FP32 (24 bits) keeps them all.
    a, b = _hand_dot(0.125, 0.125)
    exact = 256 + 31 * 2.0**-6
    assert (a @ b)[0, 0] == exact
    assert fp8.limited_matmul(a, b, bits=14, promote_every=None)[0, 0] == 256.0
    assert fp8.limited_matmul(a, b, bits=24, promote_every=None)[0, 0] == exact


def test_limited_accumulator_keeps_terms_on_its_last_bit():
    # 0.25 x 0.125 = 2**-5 sits exactly on the last kept bit: all 31 survive, 256 + 31/32 = 256.96875 needs
    # bits 2**8 .. 2**-5, i.e. 14 significant bits, so the register holds it exactly.
    a, b = _hand_dot(0.25, 0.125)
    assert fp8.limited_matmul(a, b, bits=14, promote_every=None)[0, 0] == 256 + 31 * 2.0**-5


def test_register_truncation_by_hand():
    # two groups of 32. Group 1: 32 x (1 x 1) = 32 = 2**5 (register exact). Group 2: 32 x (0.015625 x 0.0625)
    # = 32 x 2**-10 = 2**-5. Register: 2**5 + 2**-5 needs 11 bits: kept. With 8 bits (last bit 2**-2): dropped.
    a = np.array([[1.0] * 32 + [0.015625] * 32])
    b = np.array([[1.0] * 32 + [0.0625] * 32]).T
    assert fp8.limited_matmul(a, b, bits=14, promote_every=None)[0, 0] == 32 + 2.0**-5
    assert fp8.limited_matmul(a, b, bits=8, promote_every=None)[0, 0] == 32.0
    # with promotion every 32, each group's register is added in FP32, which keeps 2**-5 beside 32
    assert fp8.limited_matmul(a, b, bits=8, promote_every=32)[0, 0] == 32 + 2.0**-5


def test_promotion_every_group_with_many_bits_is_float32_sum():
    rng = np.random.default_rng(4)
    a = fp8.cast(rng.standard_normal((3, 256)))
    b = fp8.cast(rng.standard_normal((256, 5)))
    got = fp8.limited_matmul(a, b, bits=53, promote_every=32)
    assert np.allclose(got, a @ b, rtol=1e-6, atol=1e-5)


def test_bad_accumulator_arguments_are_named():
    a = np.ones((1, 256))
    b = np.ones((256, 1))
    with pytest.raises(fp8.BitWidthError):
        fp8.limited_matmul(a, b, bits=0)
    with pytest.raises(fp8.TileSizeError):
        fp8.limited_matmul(a, b, promote_every=48)  # not a multiple of the 32-product group
    with pytest.raises(fp8.TileSizeError):
        fp8.limited_matmul(a, b, promote_every=96)  # does not divide K = 256
    with pytest.raises(fp8.BitWidthError):
        fp8.limited_matmul(a, b, promote_every=0)


def test_blockwise_gemm_equals_dequantised_product_when_exact():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 256))
    w = rng.standard_normal((130, 256))
    qx = fp8.quantise(x, (1, 128)).dequantise()
    qw = fp8.quantise(w, (128, 128), pad=True).dequantise()
    got = fp8.blockwise_fp8_matmul(x, w, bits=None)
    assert np.allclose(got, qx @ qw.T, rtol=1e-5, atol=1e-5)


def test_accumulate_register_by_hand():
    # group sums 1, 2**-14, 2**-14 (1 x 1 x 1 one element): a 14-bit register holding 1 has its last bit at
    # 2**-13, so each 2**-14 is truncated away; promoting every group keeps them in FP32 (1 + 2**-13).
    sums = np.array([1.0, 2.0**-14, 2.0**-14]).reshape(3, 1, 1)
    assert fp8.accumulate(sums, group=32, promote_every=None)[0, 0] == 1.0
    assert fp8.accumulate(sums, group=32, promote_every=32)[0, 0] == 1 + 2.0**-13
    with pytest.raises(fp8.TileSizeError):
        fp8.accumulate(sums, group=32, promote_every=64)  # 64 does not divide K = 96


def test_group_sums_match_hand_case():
    a, b = _hand_dot(0.125, 0.125)
    assert fp8.group_sums(a, b)[0, 0, 0] == 256.0  # the small products cut away, as in the hand case above
    with pytest.raises(fp8.NonFiniteInputError):
        fp8.group_sums(np.full((1, 32), np.nan), np.ones((32, 1)))


def test_scale_counts_match_published_f32_elements():
    # Every F8_E4M3 weight of the released checkpoint has a ceil(out/128) x ceil(in/128) F32 scale; with the
    # F32 routing biases that is the checkpoint's whole F32 count in the published safetensors metadata.
    inv = inventory(load_model("DeepSeek-V3"), include_mtp=True)
    scales = sum(math.prod(fp8.scale_shape(*t.shape)) * t.copies for t in inv if t.dtype == "F8_E4M3")
    bias = sum(t.elements for t in inv if t.component is Component.ROUTER_BIAS)
    assert scales + bias == fact("params.v3.safetensors_f32").value


def test_register_aligned_reading_by_hand():
    # Group 1: 16 x 16 = 2**8 and 31 zeros -> register 256. Group 2: 32 products 0.125 x 0.125 = 2**-6.
    # Products aligned among themselves: the group sums exactly to 32 x 2**-6 = 0.5, and 256.5 fits 14 bits
    # (last bit 2**-5). Register aligned with them: each 2**-6 lies below the register's last bit 2**-5, so
    # all 32 are cut and the register stays at 256.
    a = np.array([[16.0] + [0.0] * 31 + [0.125] * 32])
    b = a.T.copy()
    assert fp8.limited_matmul(a, b, promote_every=None)[0, 0] == 256.5
    assert fp8.limited_matmul(a, b, promote_every=None, align_accumulator=True)[0, 0] == 256.0
