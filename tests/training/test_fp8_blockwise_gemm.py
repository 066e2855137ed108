"""dsv3.training.fp8.blockwise_fp8_matmul and the batching of the emulated GEMM, worked by hand.

DeepSeek's FP8 linear (``inference/kernel.py`` of ``deepseek-ai/DeepSeek-V3`` at commit ``9b4e978``):
``act_quant_kernel`` quantises activations per 1x128 tile with ``s = amax / 448`` (``s = 2**ceil(log2 s)``
for ``scale_fmt == "ue8m0"``, here ``pow2=True``), weights carry one scale per 128x128 block, and
``fp8_gemm_kernel`` multiplies one 128-wide K block at a time, scaling each block's dot by the two scales
and adding in FP32. With power-of-two scales every step below is exact, so the expected values are exact.
"""

from __future__ import annotations

import numpy as np
import pytest

from dsv3.training import fp8


def test_power_of_two_scales_put_10_and_1_on_the_grid() -> None:
    # x's tile has amax 10: ue8m0 scale 2**ceil(log2(10/448)) = 2**ceil(-5.49) = 2**-5, values 320 and 32 (both
    # E4M3). w's block has amax 1: 2**ceil(log2(1/448)) = 2**-8, values 256. w's rows pick x's first two
    # channels: y = [320 x 256 x 2**-13, 32 x 256 x 2**-13] = [10, 1], exactly.
    x = np.zeros((1, 128))
    x[0, :2] = 10.0, 1.0
    w = np.zeros((2, 128))
    w[0, 0] = w[1, 1] = 1.0
    assert fp8.blockwise_fp8_matmul(x, w, pow2=True).tolist() == [[10.0, 1.0]]
    # the default, s = amax / 448: 1 / s = 44.8 is not on the grid (spacing 4 between 32 and 64) and rounds to
    # 44, so y[1] = 44 / 44.8 (up to the scales' FP32 rounding); 10 maps to 448 and comes back as 10
    y = fp8.blockwise_fp8_matmul(x, w)
    np.testing.assert_allclose(y, [[10.0, 44 / 44.8]], rtol=5e-7)
    # the same on the weight side: w's block holds 10 and 1 (ue8m0 scale 2**-5, values 320 and 32), x = ones
    # (scale 2**-8, values 256): y = [256 x 320 x 2**-13, 256 x 32 x 2**-13] = [10, 1]; without pow2, 1 -> 44
    xw = np.zeros((1, 128))
    xw[0, :2] = 1.0
    ww = np.zeros((2, 128))
    ww[0, 0], ww[1, 1] = 10.0, 1.0
    assert fp8.blockwise_fp8_matmul(xw, ww, pow2=True).tolist() == [[10.0, 1.0]]
    np.testing.assert_allclose(fp8.blockwise_fp8_matmul(xw, ww), [[10.0, 44 / 44.8]], rtol=5e-7)


def test_blockwise_gemm_names_a_bad_operand() -> None:
    with pytest.raises(ValueError, match="^x must"):
        fp8.blockwise_fp8_matmul(np.ones(128), np.ones((1, 128)))
    with pytest.raises(ValueError, match="^w must"):
        fp8.blockwise_fp8_matmul(np.ones((1, 128)), np.ones(128))
    with pytest.raises(ValueError, match="share K"):
        fp8.blockwise_fp8_matmul(np.ones((1, 128)), np.ones((1, 256)))


def test_the_tensor_core_cut_inside_one_k_block() -> None:
    # x: tile 0 = [1, 2**-14 x 127], tile 1 = 2**-3 x 128; w = ones (1 x 256). ue8m0 scales: tile 0 2**-8
    # (values 256 and 2**-6), tile 1 2**-11 (values 256), w 2**-8 (values 256).
    # Tile 0's products: 256 x 256 = 2**16 once and 2**-6 x 256 = 4 for the rest. In the first group of 32 the
    # 14 bits aligned to 2**16 end at 2**3, so the 31 fours are cut; the three other groups sum to 128 each,
    # exactly, and the register holds 2**16 + 384. Scaled by 2**-16: 1 + 3/512.
    # Tile 1: 128 x 2**16 = 2**23 (exact), scaled by 2**-19: 16. So y = 17 + 3/512 with 14 bits (the default)
    # and 17 + 127 x 2**-14 exactly (bits=None).
    x = np.full((1, 256), 2.0**-3)
    x[0, :128] = 2.0**-14
    x[0, 0] = 1.0
    w = np.ones((1, 256))
    assert fp8.blockwise_fp8_matmul(x, w, pow2=True).tolist() == [[17 + 3 / 512]]
    assert fp8.blockwise_fp8_matmul(x, w, pow2=True, bits=14).tolist() == [[17 + 3 / 512]]
    assert fp8.blockwise_fp8_matmul(x, w, pow2=True, bits=None).tolist() == [[17 + 127 * 2.0**-14]]
    # 8 bits aligned to the 2**16 product end at 2**9: the fours are cut as before, and the register, 2**16 + 128
    # after group 2, keeps bits 2**16 .. 2**9 only: each 128 is truncated away, y = 1 + 16
    assert fp8.blockwise_fp8_matmul(x, w, pow2=True, bits=8).tolist() == [[17.0]]


def test_weight_rows_beyond_one_block_use_their_own_scale() -> None:
    # w has 130 rows: rows 0..127 form block row 0 (amax 1, scale 2**-8), rows 128..129 block row 1 (amax 4,
    # scale 2**ceil(log2(4/448)) = 2**-6). x = ones: x's scale 2**-8, values 256. Row r of w is constant c_r,
    # so y_r = 128 x c_r exactly: 128 for the first 128 rows, 512 for the last two.
    x = np.ones((1, 128))
    w = np.ones((130, 128))
    w[128:] = 4.0
    y = fp8.blockwise_fp8_matmul(x, w, pow2=True)
    assert y.shape == (1, 130)
    assert y[0, :128].tolist() == [128.0] * 128 and y[0, 128:].tolist() == [512.0, 512.0]


def test_many_output_elements_are_cut_in_batches() -> None:
    # 256 x 256 outputs in groups of 32: about 2**22 products fit a batch, so 2 groups per batch and K = 96 (3
    # groups) takes two batches, the second a single group. Channel k of a is 2**(k // 32) (group g holds 2**g),
    # b is ones: each output is 32 x (1 + 2 + 4) = 224, exact with 14 bits.
    a = np.repeat(2.0 ** np.arange(3), 32)[None, :].repeat(256, axis=0)
    b = np.ones((96, 256))
    sums = fp8.group_sums(a, b)
    assert sums.shape == (3, 256, 256)
    assert np.all(sums[0] == 32) and np.all(sums[1] == 64) and np.all(sums[2] == 128)
    assert np.all(fp8.limited_matmul(a, b, promote_every=32) == 224.0)
    # 400 x 400 outputs: one group alone is more than 2**22 products, and each batch still holds one group
    a2, b2 = np.ones((400, 64)), np.ones((64, 400))
    assert np.all(fp8.group_sums(a2, b2) == 32.0)


def test_k_blocks_are_added_in_float32() -> None:
    # kernel.py (9b4e978) fp8_gemm_kernel: ``accumulator = tl.zeros(..., dtype=tl.float32)`` and
    # ``accumulator += tl.dot(a, b) * a_s[:, None] * b_s[None, :]``: each K block's scaled dot is added in FP32.
    # x = [1, 0, ...] in K block 0 and [2**-30, 0, ...] in block 1, w = ones. ue8m0 scales make each block exact:
    # 1 and 2**-30. In float32 (24 bits) 1 + 2**-30 is 1.
    x = np.zeros((1, 256))
    x[0, 0], x[0, 128] = 1.0, 2.0**-30
    w = np.ones((1, 256))
    assert fp8.blockwise_fp8_matmul(x, w, pow2=True).tolist() == [[1.0]]
    assert fp8.blockwise_fp8_matmul(x, w, pow2=True, bits=None).tolist() == [[1.0]]
