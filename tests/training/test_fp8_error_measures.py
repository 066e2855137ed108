"""dsv3.training.fp8: the error measures, the rounding-error envelope and the ue8m0 scale, by hand.

Expected values are worked from the docstrings' formulas with numbers chosen so every step is exact.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from dsv3.training import fp8

# C has mean square (244**2 + 19**2 + 10**2 + 3) / 6 = 60000 / 6 = 10**4, so RMS = 100 and the floor of
# max_elementwise, 1% of the RMS, is exactly 1.0: the three ones sit on it. One entry is negative, as GEMM
# outputs are: the RMS squares it.
C = np.array([[-244.0, 19.0, 10.0], [1.0, 1.0, 1.0]])
ERR = np.array([[0.0, 0.0, 2.0], [0.5, 0.0, 0.0]])


def test_accumulation_errors_floor_is_one_percent_of_rms_inclusive() -> None:
    got = fp8.accumulation_errors(np.eye(2), C, C + ERR)
    # every |C| >= 1 counts: the largest ratio is 0.5 / 1 (the 10 gives 2 / 10 = 0.2)
    assert got["max_elementwise"] == 0.5
    assert got["max_over_max"] == 2 / 244
    assert got["normwise"] == pytest.approx(math.sqrt(4.25 / 60000), rel=1e-15)


def test_accumulation_errors_floor_excludes_what_lies_below() -> None:
    # errors only on the ones scaled down to 0.5 (below the floor, which is still >= 0.99 since RMS barely moves)
    c = C.copy()
    c[1] = 0.5
    emulated = c.copy()
    emulated[1, 0] = 1.0  # a 100% error on an element below the floor: not counted
    emulated[0, 1] = 19.5  # 0.5 / 19 counted
    got = fp8.accumulation_errors(np.eye(2), c, emulated)
    assert got["max_elementwise"] == pytest.approx(0.5 / 19, rel=1e-15)


def test_error_measures_work_in_float64_for_half_precision_input() -> None:
    # ||[300, 500] - [300, 400]|| / ||[300, 400]|| = 100 / 500. In float16 the square 300**2 + 400**2 = 250000
    # overflows (largest float16 65504), so the norm must be taken in float64.
    exact = np.array([300.0, 400.0], dtype=np.float16)
    assert fp8.relative_error(np.array([300.0, 500.0]), exact) == pytest.approx(0.2, rel=1e-15)
    # the exact product of float16 operands, in float64: 300 x 1 = 300 (and 400), errors 100 and 0
    a = np.array([[300.0], [400.0]], dtype=np.float16)
    b = np.array([[1.0]], dtype=np.float16)
    got = fp8.accumulation_errors(a, b, np.array([[400.0], [400.0]], dtype=np.float16))
    assert got["normwise"] == pytest.approx(0.2, rel=1e-15)


def test_envelope_teeth_by_hand() -> None:
    # E4M3's first tooth runs from the smallest subnormal 2**-9 to 2**-8 (gap 2**-9): bounds 2**-9 / (2 x 2**-9)
    # = 1/2 at its start and 2**-9 / (2 x 2**-8) = 1/4 at its end. The last, 416 to 448 (gap 32): 32/832, 32/896.
    x, y = fp8.rounding_error_envelope()  # E4M3 is the default
    assert x[:2].tolist() == [2.0**-9, 2.0**-8] and y[:2].tolist() == [0.5, 0.25]
    assert x[-2:].tolist() == [416.0, 448.0] and y[-2:].tolist() == [32 / 832, 32 / 896]
    # E5M2: top gap 57344 - 49152 = 8192
    x5, y5 = fp8.rounding_error_envelope("E5M2")
    assert x5[-2:].tolist() == [49152.0, 57344.0] and y5[-2:].tolist() == [8192 / 98304, 8192 / 114688]


def test_format_facts_carry_the_name() -> None:
    assert fp8.format_facts("E4M3").name == "E4M3"
    assert fp8.format_facts("E5M2").name == "E5M2"


def test_power_of_two_scale_rounds_up_a_float32_scale() -> None:
    # 2**23 + 1 is a float32 (24 bits). Its log2 is 23 + 1.7e-7, which float32 cannot tell from 23; rounded up
    # to a power of two it is 2**24 (in float64), never 2**23 < s.
    s = np.array([2.0**23 + 1, 2.0**-8, 3.0], dtype=np.float32)
    assert fp8.power_of_two_scale(s).tolist() == [2.0**24, 2.0**-8, 4.0]


@pytest.mark.parametrize("pow2", [False, True])
def test_release_rule_on_a_zero_tile_is_nan_without_warnings(pow2: bool) -> None:
    # amax_floor=0 is the release kernel's s = amax / 448: an all-zero tile gets s = 0 (and 2**ceil(log2 0) =
    # 2**-inf = 0 with pow2), and its values 0 / 0 = NaN. That NaN is the documented result, so numpy's
    # divide-by-zero (log2 0) and invalid (0 / 0) warnings are silenced, not raised.
    x = np.zeros((1, 256))
    x[0, 128:] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q = fp8.quantise(x, (1, 128), pow2=pow2, amax_floor=0.0)
    assert q.scales[0, 0] == 0.0
    assert np.isnan(q.values[0, :128].astype(np.float64)).all()
    assert np.all(q.values[0, 128:].astype(np.float64) == (256.0 if pow2 else 448.0))
