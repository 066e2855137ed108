"""dsv3.training.fp8: the emulated tensor core gives the float64 answer whichever working dtype it picks.

``limited_matmul`` and ``group_sums`` multiply in float32 when ``_narrow_ok`` says float32 is exact, and in
float64 otherwise. Each case below lies just outside one of the conditions, where float32 would be wrong, and
checks the result against the accumulator's rule (align each group of products to its largest one, keep
``bits`` significant bits, truncate) worked by hand. The float32 facts used: 24 significant bits, rounding to
nearest even, largest finite value just under 2**128 (so 2**128 overflows to inf).
"""

from __future__ import annotations

import numpy as np
import pytest

from dsv3.training import fp8


def _one_product(x: float, y: float, k: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """A (1, k) by (k, 1) product whose only nonzero term is x * y."""
    a = np.zeros((1, k))
    b = np.zeros((k, 1))
    a[0, 0], b[0, 0] = x, y
    return a, b


@pytest.mark.parametrize("swap", [False, True])
def test_an_operand_off_the_12_bit_grid_is_not_rounded_to_float32(swap: bool) -> None:
    # x = 1 + 2**-13 - 2**-30 = 1.0000000000000111...1b (bits 2**-14 .. 2**-30 set): 31 significant bits.
    # 14 bits aligned to x itself keep 2**0 .. 2**-13, and truncation drops the tail: 1.0.
    # float32 would first round x to 1 + 2**-13 (the tail 2**-30 short of it is under half its ulp 2**-24),
    # and 14 bits keep that whole: 1 + 2**-13.
    x = 1 + 2.0**-13 - 2.0**-30
    a, b = _one_product(1.0, x) if swap else _one_product(x, 1.0)
    assert fp8.limited_matmul(a, b, promote_every=None)[0, 0] == 1.0
    assert fp8.limited_matmul(a, b, promote_every=None, align_accumulator=True)[0, 0] == 1.0
    assert fp8.group_sums(a, b)[0, 0, 0] == 1.0


@pytest.mark.parametrize("swap", [False, True])
def test_a_13_bit_operand_times_a_12_bit_one_needs_25_bits(swap: bool) -> None:
    # (2 - 2**-12) x (1 + 2**-11) = 2 + 2**-10 - 2**-12 - 2**-23 = 2 + 3 x 2**-12 - 2**-23: 25 significant bits
    # (2**1 .. 2**-23). 24 bits, one product per group: truncated to 2**-22 steps, 2 + 3 x 2**-12 - 2**-22.
    # float32 rounds the product to 24 bits first: 2**-23 is half an ulp there, a tie, and the even neighbour
    # (2**23 + 3 x 2**10 units of 2**-22) is 2 + 3 x 2**-12, which the cut keeps whole. So only 12-bit
    # operands (24-bit products) may go through float32.
    x, y = 2 - 2.0**-12, 1 + 2.0**-11
    a, b = (np.array([[y]]), np.array([[x]])) if swap else (np.array([[x]]), np.array([[y]]))
    want = 2 + 3 * 2.0**-12 - 2.0**-22
    assert fp8.limited_matmul(a, b, bits=24, group=1, promote_every=None)[0, 0] == want
    assert fp8.group_sums(a, b, bits=24, group=1)[0, 0, 0] == want
    # 12 bits x 12 bits fit float32: (2 - 2**-11)**2 = 4 - 2**-9 + 2**-22, 24 bits from 2**1, kept exactly
    z = np.array([[2 - 2.0**-11]])
    assert fp8.limited_matmul(z, z, bits=24, group=1, promote_every=None)[0, 0] == 4 - 2.0**-9 + 2.0**-22


def test_many_bits_on_small_products_do_not_overflow() -> None:
    # 32 products 2**-40 x 2**-40 = 2**-80 in one group: their sum 2**-75 needs one bit. With bits = 53 the cut
    # scales them by 2**(53 - e), e = -79 (2**-80 = 0.5 x 2**-79): 2**132, beyond float32 (inf), fine in float64.
    a = np.full((1, 32), 2.0**-40)
    b = np.full((32, 1), 2.0**-40)
    assert fp8.limited_matmul(a, b, bits=53, promote_every=None)[0, 0] == 2.0**-75
    assert fp8.group_sums(a, b, bits=53)[0, 0, 0] == 2.0**-75


@pytest.mark.parametrize(("bits", "group"), [(25, 1), (29, 32)])
def test_smallest_products_at_the_bits_bound(bits: int, group: int) -> None:
    # a = b = 1.125 x 2**-52 (9/8 x 2**-52): the product (81/64) x 2**-104 lies in [2**-104, 2**-103), so its
    # frexp exponent e is -103 and the cut scales it by 2**(bits + 103): 2**128 for bits = 25, 2**132 for 29,
    # both infinite in float32. The product needs 7 bits, so any of these widths keeps it exactly.
    v = 1.125 * 2.0**-52
    a, b = _one_product(v, v, group)
    want = 81 * 2.0**-110
    assert fp8.limited_matmul(a, b, bits=bits, group=group, promote_every=None)[0, 0] == want
    assert fp8.group_sums(a, b, bits=bits, group=group)[0, 0, 0] == want


def test_24_bits_on_the_smallest_products_is_exact() -> None:
    # The same product with bits = 24 and group 1: the scale 2**(24 + 103) = 2**127 is finite in float32.
    v = 1.125 * 2.0**-52
    a, b = _one_product(v, v, 1)
    assert fp8.limited_matmul(a, b, bits=24, group=1, promote_every=None)[0, 0] == 81 * 2.0**-110
    # operands just under 2**-52: 1.5 x 2**-53 squared is 9 x 2**-108, in [2**-105, 2**-104): e = -104 and the
    # scale 2**(24 + 104) = 2**128 is infinite in float32, so such operands must take the float64 path
    w = 1.5 * 2.0**-53
    a, b = _one_product(w, w, 1)
    assert fp8.limited_matmul(a, b, bits=24, group=1, promote_every=None)[0, 0] == 9 * 2.0**-108
    assert fp8.group_sums(a, b, bits=24, group=1)[0, 0, 0] == 9 * 2.0**-108
    # one operand on the bound, the other under it: 2**-52 x 1.5 x 2**-53 = 3 x 2**-106, again e = -104
    for a, b in (_one_product(w, 2.0**-52, 1), _one_product(2.0**-52, w, 1)):
        assert fp8.limited_matmul(a, b, bits=24, group=1, promote_every=None)[0, 0] == 3 * 2.0**-106


@pytest.mark.parametrize("swap", [False, True])
def test_tiny_operands_do_not_overflow_the_cut(swap: bool) -> None:
    # 2**-70 x 2**-50 = 2**-120 (a normal float32): e = -119, so 14 bits scale it by 2**133 (inf in float32).
    a, b = _one_product(2.0**-50, 2.0**-70) if swap else _one_product(2.0**-70, 2.0**-50)
    assert fp8.limited_matmul(a, b, promote_every=None)[0, 0] == 2.0**-120
    assert fp8.group_sums(a, b)[0, 0, 0] == 2.0**-120
    # the same with no zero operand anywhere: 32 products 2**-120 sum to 2**-115
    a, b = np.full((1, 32), 2.0**-70), np.full((32, 1), 2.0**-50)
    if swap:
        a, b = b.T.copy(), a.T.copy()
    assert fp8.limited_matmul(a, b, promote_every=None)[0, 0] == 2.0**-115
    # 2**-59 x 2**-59 = 2**-118: e = -117, a scale of 2**131 (this once gave inf, with operands down to 2**-60
    # let through to float32); 32 of them sum to 2**-113.
    a, b = np.full((1, 32), 2.0**-59), np.full((32, 1), 2.0**-59)
    assert fp8.limited_matmul(a, b, promote_every=None)[0, 0] == 2.0**-113


@pytest.mark.parametrize("swap", [False, True])
def test_huge_products_that_cancel_give_zero(swap: bool) -> None:
    # 2**90 x 2**40 = 2**130 and 2**90 x -2**40: each beyond float32 (inf and -inf, whose sum is NaN); in
    # float64 they cancel exactly, and the product is 0.
    a = np.zeros((1, 32))
    b = np.zeros((32, 1))
    big, small = (2.0**40, 2.0**90) if swap else (2.0**90, 2.0**40)
    a[0, :2] = big
    b[:2, 0] = small, -small
    assert fp8.limited_matmul(a, b, promote_every=None)[0, 0] == 0.0
    assert fp8.group_sums(a, b)[0, 0, 0] == 0.0


def test_aligned_register_sum_past_2_to_the_24_stays_exact() -> None:
    # bits = 19 with groups of 32 is the widest setting float32 takes (19 + log2 32 = 24), with the register
    # aligned. Group 1: 4095 x 33 + 64 x 1 = 135135 + 64 = 135199 (18 bits), so the register holds 135199.
    # Group 2: 32 products 4095 x 127 = 520065, in [2**18, 2**19): the last kept bit is 2**0 and every term is
    # whole. Their exact sum with the register: 32 x 520065 + 135199 = 16777279 = 2**24 + 63 (25 bits), which
    # truncated to 19 bits (last bit 2**6) is 2**24. A float32 sum would have rounded 2**24 + 63, odd and past
    # 2**24 (spacing 2), to the even 2**24 + 64, which 19 bits keep whole.
    a = np.zeros((1, 64))
    b = np.zeros((64, 1))
    a[0, :2], b[:2, 0] = (4095.0, 64.0), (33.0, 1.0)
    a[0, 32:], b[32:, 0] = 4095.0, 127.0
    assert (a @ b)[0, 0] == 2**24 + 63
    got = fp8.limited_matmul(a, b, bits=19, group=32, promote_every=None, align_accumulator=True)
    assert got[0, 0] == 2.0**24
