"""dsv3.training.fp8.limited_matmul with ``align_accumulator=True``: each output aligned on its own, by hand.

The rule (docstring): a group's products and the register are aligned to the largest magnitude among them,
each keeps the bits from that exponent down to ``bits - 1`` places below it (truncated, or rounded half to
even with ``mode="nearest"``), and the exact sum is rounded to ``bits``.
"""

from __future__ import annotations

import numpy as np

from dsv3.training import fp8


def test_each_output_aligns_to_its_own_largest_magnitude() -> None:
    # one group of 4, 3 bits, b = ones, so output i sums row i of a.
    # Row 0, all negative: -4 = -100b is the largest magnitude, the last kept bit is 1, each -0.5 is cut: -4.
    #   (aligned to the largest *signed* product, -0.5, the three halves would survive: -5.5, cut to -5.)
    # Row 1: aligned to 1 = 1.00b, the last kept bit is 0.25: 1 + 3 x 0.5 = 2.5 = 10.1b, 3 bits: 2.5.
    #   (aligned to row 0's 4 or row 2's 64, the halves would be cut.)
    # Row 2: 64 alone: 64.
    a = np.array([[-4.0, -0.5, -0.5, -0.5], [1.0, 0.5, 0.5, 0.5], [64.0, 0.0, 0.0, 0.0]])
    b = np.ones((4, 1))
    got = fp8.limited_matmul(a, b, bits=3, group=4, promote_every=None, align_accumulator=True)
    assert got.tolist() == [[-4.0], [2.5], [64.0]]
    # the same with two outputs side by side (b's columns): column 1 doubles column 0
    b2 = np.array([[1.0, 2.0]] * 4)
    got = fp8.limited_matmul(a, b2, bits=3, group=4, promote_every=None, align_accumulator=True)
    assert got.tolist() == [[-4.0, -8.0], [2.5, 5.0], [64.0, 128.0]]


def test_aligned_register_rounds_to_nearest() -> None:
    # K = 4 in groups of 2, 3 bits: group 1 leaves the register at 4 = 100b (last kept bit 1).
    # Group 2, aligned with the register: each 0.75 rounds to 1 (nearest) and 4 + 1 + 1 = 6 = 110b fits: 6.
    # Truncated, each 0.75 is cut to 0: 4.
    a, b = np.array([[4.0, 0.0, 0.75, 0.75]]), np.ones((4, 1))
    kw = {"bits": 3, "group": 2, "promote_every": None, "align_accumulator": True}
    assert fp8.limited_matmul(a, b, mode="nearest", **kw).tolist() == [[6.0]]
    assert fp8.limited_matmul(a, b, mode="truncate", **kw).tolist() == [[4.0]]
    # 0.5 is a tie: half to even rounds it to 0, so 4 + 0 + 0 = 4 also when rounding
    a_half = np.array([[4.0, 0.0, 0.5, 0.5]])
    assert fp8.limited_matmul(a_half, b, mode="nearest", **kw).tolist() == [[4.0]]


def test_aligned_group_sum_is_rounded_to_bits_in_the_mode_asked() -> None:
    # one group of 4, 3 bits: aligned to 4 (last kept bit 1) the products 4, 4, 2, 1 are all kept, sum 11 = 1011b.
    # Rounded to 3 bits: truncated 1010b = 10; to nearest 101.1b -> 110b (half to even), i.e. 12.
    a, b = np.array([[4.0, 4.0, 2.0, 1.0]]), np.ones((4, 1))
    kw = {"bits": 3, "group": 4, "promote_every": None, "align_accumulator": True}
    assert fp8.limited_matmul(a, b, **kw).tolist() == [[10.0]]
    assert fp8.limited_matmul(a, b, mode="nearest", **kw).tolist() == [[12.0]]


def test_products_align_per_output_without_the_register() -> None:
    # the same rows as above with the register not aligned (the default): each group's sum, not rounded.
    # Row 0: aligned to |-4| (last kept bit 1): -4 (aligned to the signed largest, -0.5, it would be -5.5).
    # Row 1: aligned to 1 (last kept bit 0.25): 2.5 (aligned to another row's 4 or 64, 1). Row 2: 64.
    a = np.array([[-4.0, -0.5, -0.5, -0.5], [1.0, 0.5, 0.5, 0.5], [64.0, 0.0, 0.0, 0.0]])
    b = np.ones((4, 1))
    assert fp8.group_sums(a, b, bits=3, group=4).tolist() == [[[-4.0], [2.5], [64.0]]]
    assert fp8.limited_matmul(a, b, bits=3, group=4, promote_every=None).tolist() == [[-4.0], [2.5], [64.0]]


def test_promotion_adds_into_float32() -> None:
    # V3 report Section 3.3.2: at each promotion the partial result is copied to FP32 registers on the CUDA
    # cores and added there. Two groups promoted one by one: 1 (= 1 x 1) and 2**-30 (= 2**-15 x 2**-15), each
    # exact in the 14-bit register; their FP32 sum is 1, since 1 + 2**-30 needs 31 bits.
    a = np.zeros((1, 64))
    a[0, 0], a[0, 32] = 1.0, 2.0**-15
    b = a.T.copy()
    for align in (False, True):
        assert fp8.limited_matmul(a, b, promote_every=32, align_accumulator=align).tolist() == [[1.0]]
    sums = np.array([1.0, 2.0**-30]).reshape(2, 1, 1)
    assert fp8.accumulate(sums, 32, 32).tolist() == [[1.0]]
    # never promoted, the 14-bit register holding 1 truncates 2**-30 just the same
    assert fp8.accumulate(sums, 32, None).tolist() == [[1.0]]


def test_register_rounds_in_the_mode_asked() -> None:
    # groups of one, a 3-bit register: 4, 8, 10 (101 0b) stay exact; 10 + 1 = 11 = 1011b is cut to 10 (truncate)
    # or rounded to 12 (101.1b -> 110b, half to even)
    a, b = np.array([[4.0, 4.0, 2.0, 1.0]]), np.ones((4, 1))
    assert fp8.limited_matmul(a, b, bits=3, group=1, promote_every=None).tolist() == [[10.0]]
    assert fp8.limited_matmul(a, b, bits=3, group=1, promote_every=None, mode="nearest").tolist() == [[12.0]]
    sums = np.array([4.0, 4.0, 2.0, 1.0]).reshape(4, 1, 1)
    assert fp8.accumulate(sums, 1, None, bits=3).tolist() == [[10.0]]
    assert fp8.accumulate(sums, 1, None, bits=3, mode="nearest").tolist() == [[12.0]]
