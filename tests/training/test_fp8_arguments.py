"""dsv3.training.fp8 and fp8_memory: each refused argument is named, and the type checks refuse bools and floats.

Expected values are the rules of the docstrings, worked by hand; errors are matched on the field they name.
"""

from __future__ import annotations

import numpy as np
import pytest

from dsv3.arch.tensors import Component, Tensor
from dsv3.training import fp8
from dsv3.training import fp8_memory as fm


@pytest.mark.parametrize("bits", [True, 2.0, 2.5, "2", None])
def test_bits_must_be_a_true_integer(bits: object) -> None:
    # bool is an int subclass and 2.0 equals 2, but neither is a bit count
    with pytest.raises(fp8.BitWidthError, match="^bits must"):
        fp8.round_to_bits(np.array(0.75), bits)  # type: ignore[arg-type]


def test_numpy_integers_are_bit_counts() -> None:
    # 0.75 = 0.11b: one significant bit, truncated, leaves 0.5
    assert fp8.round_to_bits(np.array(0.75), np.int64(1)) == 0.5


@pytest.mark.parametrize("size", [True, 128.0, 0, -128])
def test_tile_sizes_must_be_positive_true_integers(size: object) -> None:
    with pytest.raises(fp8.TileSizeError, match="^block must"):
        fp8.scale_shape(256, 256, size)  # type: ignore[arg-type]
    with pytest.raises(fp8.TileSizeError, match="^block cols must"):
        fp8.quantise(np.ones((1, 128)), (1, size))  # type: ignore[arg-type]
    with pytest.raises(fp8.TileSizeError, match="^block rows must"):
        fp8.quantise(np.ones((1, 128)), (size, 128))  # type: ignore[arg-type]


def test_scale_shape_names_each_dimension_and_defaults_to_128() -> None:
    with pytest.raises(fp8.TileSizeError, match="^out_features must"):
        fp8.scale_shape(0, 128)
    with pytest.raises(fp8.TileSizeError, match="^in_features must"):
        fp8.scale_shape(128, 0)
    # default block 128: 129 rows need 2 blocks, 128 columns 1; a block of 64 gives 3 x 2
    assert fp8.scale_shape(129, 128) == (2, 1)
    assert fp8.scale_shape(129, 128, 64) == (3, 2)
    assert fp8.scale_shape(np.int64(256), 1) == (2, 1)


def test_promote_every_is_named() -> None:
    a, b = np.ones((1, 64)), np.ones((64, 1))
    with pytest.raises(fp8.BitWidthError, match="^promote_every must"):
        fp8.limited_matmul(a, b, promote_every=0)
    with pytest.raises(fp8.BitWidthError, match="^promote_every must"):
        fp8.limited_matmul(a, b, promote_every=32.0)  # type: ignore[arg-type]


def test_register_aligned_reading_with_promotion_by_hand() -> None:
    # K = 4 in groups of 2, a 3-bit register aligned with the products, promoted to FP32 every 2 (each group).
    # Group 1: 4 x 1 + 0 x 1 = 4, promoted: FP32 total 4, register restarts at 0.
    # Group 2: 0.75 + 0.75 aligned to 0.75 (0.11b, last kept bit 2**-3): 1.5 exactly; total 4 + 1.5 = 5.5.
    a, b = np.array([[4.0, 0.0, 0.75, 0.75]]), np.ones((4, 1))
    assert fp8.limited_matmul(a, b, bits=3, group=2, promote_every=2, align_accumulator=True).tolist() == [[5.5]]
    # promoted every 4 = never within K = 4: the register holds 4 when group 2 arrives, its last bit is 1 and
    # each 0.75 is cut to 0 (as without promotion)
    assert fp8.limited_matmul(a, b, bits=3, group=2, promote_every=4, align_accumulator=True).tolist() == [[4.0]]


def test_outlier_activations_follow_the_stated_recipe() -> None:
    # the docstring's recipe with the same generator: z ~ N(0, 1) per channel, then the outlier channels drawn
    # without replacement, then N(0, 1) noise per element; channel j's scale is exp(spread z_j), times
    # outlier_scale for an outlier channel.
    # a scale below 1 is allowed: outlier channels made smaller
    tokens, channels, k, scale, spread = 3, 6, 2, 0.5, 0.5
    x, idx = fp8.outlier_activations(
        np.random.default_rng(7), tokens, channels, outlier_channels=k, outlier_scale=scale, channel_spread=spread
    )
    rng = np.random.default_rng(7)
    z = rng.standard_normal(channels)
    chosen = rng.choice(channels, size=k, replace=False)
    noise = rng.standard_normal((tokens, channels))
    std = np.exp(spread * z)
    std[chosen] = std[chosen] * scale
    np.testing.assert_allclose(x, noise * std, rtol=1e-15)
    assert idx.tolist() == sorted(chosen.tolist())
    # defaults: 4 outlier channels, scale 100, spread 1
    x, idx = fp8.outlier_activations(np.random.default_rng(7), tokens, channels)
    rng = np.random.default_rng(7)
    z = rng.standard_normal(channels)
    chosen = rng.choice(channels, size=4, replace=False)
    std = np.exp(z)
    std[chosen] = std[chosen] * 100.0
    np.testing.assert_allclose(x, rng.standard_normal((tokens, channels)) * std, rtol=1e-15)
    assert idx.tolist() == sorted(chosen.tolist())


@pytest.mark.parametrize("scale", [0.0, -1.0, float("inf"), float("nan")])
def test_outlier_scale_must_be_positive_and_finite(scale: float) -> None:
    with pytest.raises(ValueError, match="outlier_scale"):
        fp8.outlier_activations(np.random.default_rng(0), 2, 4, outlier_scale=scale)


# ---- fp8_memory ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["working_weights", "gradients", "master_weights", "moments"])
def test_state_bytes_name_the_field(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        fm.StateBytes(**{field: 0.0})


@pytest.mark.parametrize("field", ["gpus", "pp", "ep", "param_copies"])
def test_parallelism_names_the_field(field: str) -> None:
    args = {"gpus": 16, "pp": 2, "ep": 4, "param_copies": 1} | {field: 0}
    with pytest.raises(ValueError, match=field):
        fm.Parallelism(**args)


def test_amdahl_names_its_arguments_and_accepts_the_ends() -> None:
    with pytest.raises(ValueError, match="^factor must"):
        fm.amdahl_speedup(0.5, 0.0)
    with pytest.raises(ValueError, match="fraction_accelerated"):
        fm.amdahl_speedup(-0.1, 2.0)
    with pytest.raises(ValueError, match="fraction_accelerated"):
        fm.amdahl_speedup(1.1, 2.0)
    # f = 0: nothing accelerated, speed-up 1; f = 1: the whole factor; f = 0.25, s = 4: 1 / (0.75 + 0.0625) = 16/13
    assert fm.amdahl_speedup(0.0, 4.0) == 1.0
    assert fm.amdahl_speedup(1.0, 4.0) == 4.0
    assert fm.amdahl_speedup(0.25, 4.0) == pytest.approx(16 / 13, rel=1e-15)


def test_model_state_needs_positive_parameter_counts() -> None:
    par = fm.Parallelism(gpus=16, pp=2, ep=4)
    with pytest.raises(ValueError, match="^dense_params must"):
        fm.model_state_bytes_per_gpu(0, 800, par)
    with pytest.raises(ValueError, match="^expert_params must"):
        fm.model_state_bytes_per_gpu(1600, 0, par)


def _tensor(name: str, shape: tuple[int, ...], dtype: str, component: Component, **kw: bool | int) -> Tensor:
    return Tensor(name=name, shape=shape, dtype=dtype, component=component, **kw)  # type: ignore[arg-type]


def test_precision_groups_sum_each_group_and_skip_scales_and_shared_copies() -> None:
    # two norm tensors share the "normalisation" group: 4 + 6 parameters; a BF16 weight of a component the
    # report does not list (an expert kept in BF16) falls to "other BF16/FP32"; the FP8 scales and the MTP
    # module's shared embedding copy are not parameters of the main model and are skipped.
    tensors = [
        _tensor("norm", (4,), "BF16", Component.LAYER_NORMS),
        _tensor("final", (6,), "BF16", Component.FINAL_NORM),
        _tensor("expert", (2, 3), "BF16", Component.ROUTED_EXPERTS, copies=4, active_copies=1),
        _tensor("w", (2, 2), "F8_E4M3", Component.ATTENTION),
        _tensor("w.scale", (1, 1), "F32", Component.FP8_SCALES),
        _tensor("mtp.embed", (10, 4), "BF16", Component.EMBEDDING, mtp=True, shared=True),
    ]
    assert fm.precision_groups(tensors) == {
        "normalisation": (10, 10),
        "other BF16/FP32": (24, 6),
        "FP8 linear layers": (4, 4),
    }


def test_int8_names_the_matrix() -> None:
    with pytest.raises(ValueError, match="^x must"):
        fp8.int8_quantise_dequantise(np.ones(4), (1, 2))
    with pytest.raises(fp8.NonFiniteInputError, match="^x has"):
        fp8.int8_quantise_dequantise(np.array([[1.0, np.nan]]), (1, 2))


def test_relative_rounding_error_refuses_zero_and_non_finite() -> None:
    for bad in ([0.0], [1.0, 0.0], [np.inf], [np.nan, 1.0]):
        with pytest.raises(fp8.NonFiniteInputError):
            fp8.relative_rounding_error(np.array(bad))
    # 1 is on both grids: error 0. 1.125 is E4M3 (1.001b); in E5M2 (2 mantissa bits) it is the tie between 1 and
    # 1.25 and rounds to the even 1.0: error 0.125 / 1.125 = 1/9
    assert fp8.relative_rounding_error(np.array([1.0, 1.125])).tolist() == [0.0, 0.0]
    assert fp8.relative_rounding_error(np.array([1.125]), "E5M2")[0] == pytest.approx(1 / 9, rel=1e-15)


@pytest.mark.parametrize("fmt", ["E4M3", "E5M2"])
def test_all_codes_are_the_256_bytes_in_order(fmt: str) -> None:
    v = fp8.all_codes(fmt)
    assert v.shape == (256,) and v.dtype == np.float64
    # code 0x01 is the smallest subnormal (2**-9 in E4M3, 2**-16 in E5M2); 0x80 is -0; 0x81 the negative of 0x01
    tiny = {"E4M3": 2.0**-9, "E5M2": 2.0**-16}[fmt]
    assert v[0] == 0.0 and v[1] == tiny and v[0x81] == -tiny
    assert v[0x80] == 0.0 and np.signbit(v[0x80])
    # 1.0: E4M3 0 0111 000 = 0x38 (bias 7); E5M2 0 01111 00 = 0x3C (bias 15)
    assert v[{"E4M3": 0x38, "E5M2": 0x3C}[fmt]] == 1.0


def test_emulated_gemm_refuses_a_vector() -> None:
    with pytest.raises(ValueError, match="a and b must"):
        fp8.limited_matmul(np.ones(4), np.ones((4, 1)), bits=3, group=2, promote_every=None)
    with pytest.raises(ValueError, match="a and b must"):
        fp8.group_sums(np.ones((1, 4)), np.ones(4), bits=3, group=2)


def test_quantise_names_x() -> None:
    with pytest.raises(ValueError, match="^x must"):
        fp8.quantise(np.ones(128), (1, 128))
    with pytest.raises(fp8.NonFiniteInputError, match="^x has 1 non-finite"):
        fp8.quantise(np.array([[1.0, np.inf]]), (1, 2))
    # the count is of the non-finite values: a NaN and an infinity beside four finite values make 2
    with pytest.raises(fp8.NonFiniteInputError, match="^x has 2 non-finite"):
        fp8.quantise(np.array([[np.nan, np.inf, 1.0, 2.0, 3.0, 4.0]]), (1, 2))


def test_round_to_bits_works_in_float64_for_half_precision_input() -> None:
    # 0.75 = 0.11b keeps its value at 20 bits; in float16 the intermediate 0.75 x 2**20 would overflow (max 65504)
    got = fp8.round_to_bits(np.array([0.75, -3.0], dtype=np.float16), 20)
    assert got.tolist() == [0.75, -3.0]


def test_int8_of_float32_input_is_computed_in_float64() -> None:
    # the hand case of test_fp8_mutants (one block per row, s = amax / 127), given as float32: the values are
    # exact in float32, and the answer is the float64 one, -64/127 and 32/127 to the last bit
    x = np.array([[1.0, -0.5], [0.25, 2.0]], dtype=np.float32)
    got = fp8.int8_quantise_dequantise(x, (1, 2))
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, [[1.0, -64 / 127], [32 / 127, 2.0]], rtol=1e-15)
