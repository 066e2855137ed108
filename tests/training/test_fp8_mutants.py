"""dsv3.training.fp8: paths and arguments the mutation sample (issue 18) found untested, worked by hand.

Every expected value is derived here from the rule the function's docstring states (keep ``bits``
significant bits after aligning to the largest product; symmetric INT8 with s = amax / 127), never read
back from the module.
"""

from __future__ import annotations

import numpy as np
import pytest

from dsv3.training import fp8


def test_round_to_bits_truncates_or_rounds_by_hand() -> None:
    # 0.75 = 0.11b: one significant bit keeps 0.1b = 0.5 truncated, and 1.0 rounded (1.1b -> 10b, half to even)
    assert fp8.round_to_bits(np.array(0.75), 1) == 0.5
    assert fp8.round_to_bits(np.array(0.75), 1, mode="nearest") == 1.0
    # 13 = 1101b to two bits: 1100b = 12 truncated, 1101b -> 11.01b -> 11b (0.01 < half) = 12 rounded too
    assert fp8.round_to_bits(np.array(13.0), 2, mode="nearest") == 12.0
    assert fp8.round_to_bits(np.array(-13.0), 2) == -12.0  # toward zero
    with pytest.raises(ValueError, match="mode"):
        fp8.round_to_bits(np.array(1.0), 4, mode="up")


def test_group_sums_cut_each_product_below_the_groups_leading_bit() -> None:
    # products 1.0 and 0.75 in one group of two, 2 bits: the largest, 1.0 = 1.0b, sets the last kept bit at
    # 0.5; 0.75 = 0.11b keeps 0.5 truncated (sum 1.5) or rounds to 1.0 (0.11b -> 1.0b, half to even: sum 2.0)
    a, b = np.array([[1.0, 0.75]]), np.array([[1.0], [1.0]])
    assert fp8.group_sums(a, b, bits=2, group=2, mode="truncate").tolist() == [[[1.5]]]
    assert fp8.group_sums(a, b, bits=2, group=2, mode="nearest").tolist() == [[[2.0]]]
    assert fp8.group_sums(a, b, bits=2, group=2).tolist() == [[[1.5]]]  # truncation is the default
    assert fp8.limited_matmul(a, b, bits=2, group=2, promote_every=None).tolist() == [[1.5]]


def test_int8_quantise_dequantise_by_hand() -> None:
    # one block per row: s = amax / 127. Row 0: s = 1/127, -0.5 / s = -63.5 -> -64 (half to even), so -64/127.
    # Row 1: s = 2/127, 0.25 / s = 15.875 -> 16, so 32/127; the amax itself maps to 127 -> 2.
    x = np.array([[1.0, -0.5], [0.25, 2.0]])
    got = fp8.int8_quantise_dequantise(x, (1, 2))
    np.testing.assert_allclose(got, [[1.0, -64 / 127], [32 / 127, 2.0]], rtol=1e-15)
    # one 2x2 block: s = 2/127; 1 -> 63.5 -> 64 -> 128/127, -0.5 -> -31.75 -> -32 -> -64/127, 0.25 -> 16 -> 32/127
    np.testing.assert_allclose(
        fp8.int8_quantise_dequantise(x, (2, 2)), [[128 / 127, -64 / 127], [32 / 127, 2.0]], rtol=1e-15
    )
    with pytest.raises(fp8.TileSizeError, match="does not divide"):
        fp8.int8_quantise_dequantise(np.ones((2, 3)), (1, 2))


def test_blockwise_matmul_on_the_limited_tensor_core_by_hand() -> None:
    # x and w all ones, K = 128: each tile's amax 1 gives s = 1/448, the FP8 values are 448 = 7 x 2^6 and
    # every product 448^2 = 49 x 2^12; the group sums (49 x 2^17) and the register (49 x 2^19) need 6 bits,
    # so 14 bits hold them exactly and y = 49 x 2^19 x (1/448)^2 = 128, up to the scales' FP32 rounding
    # (1/448 is not a power of two: 2 x 2^-24 relative at most).
    x, w = np.ones((2, 128)), np.ones((3, 128))
    np.testing.assert_allclose(fp8.blockwise_fp8_matmul(x, w), np.full((2, 3), 128.0), rtol=2.5e-7)
    np.testing.assert_allclose(fp8.blockwise_fp8_matmul(x, w, bits=14), np.full((2, 3), 128.0), rtol=2.5e-7)


@pytest.mark.parametrize(
    ("call", "error", "name"),
    [
        (lambda: fp8.round_to_bits(np.array(1.0), 0), fp8.BitWidthError, "bits"),
        (lambda: fp8.accumulate(np.zeros((4, 1, 1)), bits=0), fp8.BitWidthError, "bits"),
        (lambda: fp8.accumulate(np.zeros((4, 1, 1)), group=0), fp8.BitWidthError, "group"),
        (lambda: fp8.accumulate(np.zeros((4, 1, 1)), 32, 0), fp8.BitWidthError, "promote_every"),
        (lambda: fp8.outlier_activations(np.random.default_rng(0), 0, 8), fp8.TileSizeError, "tokens"),
        (lambda: fp8.outlier_activations(np.random.default_rng(0), 8, 0), fp8.TileSizeError, "channels"),
        (lambda: fp8.int8_quantise_dequantise(np.ones((2, 2)), (0, 2)), fp8.TileSizeError, "block rows"),
        (lambda: fp8.int8_quantise_dequantise(np.ones((2, 2)), (2, 0)), fp8.TileSizeError, "block cols"),
    ],
)
def test_each_argument_is_named_when_refused(call, error: type[ValueError], name: str) -> None:
    with pytest.raises(error, match=f"^{name} must"):
        call()


def test_outlier_activations_allows_none_or_every_channel_and_no_more() -> None:
    x, idx = fp8.outlier_activations(np.random.default_rng(0), 3, 4, outlier_channels=0)
    assert x.shape == (3, 4) and idx.tolist() == []
    _, idx = fp8.outlier_activations(np.random.default_rng(0), 3, 4, outlier_channels=4)
    assert idx.tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="outlier_channels"):
        fp8.outlier_activations(np.random.default_rng(0), 3, 4, outlier_channels=5)
    with pytest.raises(ValueError, match="outlier_channels"):
        fp8.outlier_activations(np.random.default_rng(0), 3, 4, outlier_channels=-1)


def test_accumulation_errors_by_hand() -> None:
    # a = I, so the exact product is b = C = [[4, 3], [0.01, 0]]; emulated differs by [[0, 1], [0.01, 0.5]].
    c = np.array([[4.0, 3.0], [0.01, 0.0]])
    emulated = np.array([[4.0, 2.0], [0.02, 0.5]])
    got = fp8.accumulation_errors(np.eye(2), c, emulated)
    assert got["normwise"] == pytest.approx(np.sqrt((1 + 1e-4 + 0.25) / (16 + 9 + 1e-4)), rel=1e-12)
    assert got["max_over_max"] == pytest.approx(1 / 4)  # largest error 1 over largest |C| 4
    # RMS of C = sqrt(25.0001 / 4) = 2.5; only |C| >= 0.025 counts (4 and 3): max(0/4, 1/3)
    assert got["max_elementwise"] == pytest.approx(1 / 3)
    assert fp8.relative_error(np.array([1.0, 2.0]), np.array([1.0, 1.0])) == pytest.approx(1 / np.sqrt(2))


def test_register_alignment_and_promotion_by_hand() -> None:
    # K = 4 in groups of 2, a 3-bit register. Group 1 (4 and 0) leaves the register at 4 = 100b.
    # Products aligned among themselves: 0.75 + 0.75 = 1.5 exactly, then 4 + 1.5 = 101.1b -> 3 bits: 101b = 5.
    # Aligned with the register (last kept bit 1): each 0.75 is cut to 0, so the register stays at 4.
    # Promoted every group: the register restarts, 4 and 1.5 are added in FP32: 5.5.
    a, b = np.array([[4.0, 0.0, 0.75, 0.75]]), np.ones((4, 1))
    assert fp8.limited_matmul(a, b, bits=3, group=2, promote_every=None).tolist() == [[5.0]]
    assert fp8.limited_matmul(a, b, bits=3, group=2, promote_every=None, align_accumulator=True).tolist() == [[4.0]]
    assert fp8.limited_matmul(a, b, bits=3, group=2, promote_every=2).tolist() == [[5.5]]
    sums = fp8.group_sums(a, b, bits=3, group=2)
    assert sums.tolist() == [[[4.0]], [[1.5]]]
    assert fp8.accumulate(sums, 2, None, bits=3).tolist() == [[5.0]]
    assert fp8.accumulate(sums, 2, 2, bits=3).tolist() == [[5.5]]


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"bits": 0}, fp8.BitWidthError, "^bits must"),
        ({"group": 0}, fp8.BitWidthError, "^group must"),
        ({"mode": "up"}, ValueError, "^mode must"),
        ({"b": np.ones((3, 1))}, ValueError, "a and b must"),
        ({"a": np.array([[np.nan, 1.0, 1.0, 1.0]])}, fp8.NonFiniteInputError, "finite"),
    ],
)
def test_emulated_gemm_refuses_bad_settings(kwargs: dict, error: type[ValueError], words: str) -> None:
    args = {"a": np.ones((1, 4)), "b": np.ones((4, 1)), "bits": 3, "group": 2, "mode": "truncate"}
    args |= kwargs
    a, b = args.pop("a"), args.pop("b")
    with pytest.raises(error, match=words):
        fp8.limited_matmul(a, b, promote_every=None, **args)
    with pytest.raises(error, match=words):
        fp8.group_sums(a, b, **args)
