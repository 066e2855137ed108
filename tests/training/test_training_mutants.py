"""dsv3.training: the router's softmax, the GRPO clip boundary and argument names the mutation sample
(issue 18) found untested. Expected values are worked by hand here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dsv3.training import grpo, pipeline, routing


def test_softmax_by_hand_row_by_row() -> None:
    # [0, ln 3]: e^0 / (1 + 3) = 1/4 and 3/4
    np.testing.assert_allclose(routing.softmax(np.array([[0.0, math.log(3)]])), [[0.25, 0.75]], rtol=1e-15)
    # each row is shifted by its own maximum: without that, exp(1000) overflows, and a shift by the
    # largest entry of the whole array sends the second row to 0 / 0
    z = np.array([[1000.0, 0.0], [0.0, -1000.0]])
    np.testing.assert_array_equal(routing.softmax(z), [[1.0, 0.0], [1.0, 0.0]])
    # a batch of token rows (2, 1, 2): still along the last axis
    np.testing.assert_allclose(routing.softmax(np.log([[[1.0, 3.0]], [[2.0, 2.0]]])), [[[0.25, 0.75]], [[0.5, 0.5]]])


def test_the_clip_binds_only_strictly_beyond_one_plus_or_minus_eps() -> None:
    # eps = 0 and rho = exp(0) = 1 exactly: rho is on the clip's edge, not beyond it, so the surrogate's
    # coefficient is rho A = A (DeepSeekMath Appendix A.1.6: zero only where min() picks the clipped term)
    zero = np.zeros(2)
    a = np.array([2.0, -2.0])
    got = grpo.objective_gradient_coefficient(zero, zero, zero, a, eps=0.0, beta=0.0)
    np.testing.assert_array_equal(got, [2.0, -2.0])
    # just beyond the edge, on the side the advantage pushes, the clipped term wins: coefficient 0
    got = grpo.objective_gradient_coefficient(np.array([0.1, -0.1]), zero, zero, a, eps=0.0, beta=0.0)
    np.testing.assert_array_equal(got, [0.0, 0.0])


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: grpo.clipped_surrogate(np.ones(1), np.ones(1), eps=1.5), "eps"),
        (lambda: grpo.objective_gradient_coefficient(*np.zeros((4, 1)), eps=-0.1, beta=0.0), "eps"),
        (lambda: grpo.objective_gradient_coefficient(*np.zeros((4, 1)), eps=0.2, beta=-1.0), "beta"),
        (lambda: routing.check_update_rate(-0.001), r"gamma \(bias update speed\)"),
        (lambda: routing.gate(np.zeros((2, 4)), None, top_k=2, route_scale=0.0), "route_scale"),
        (lambda: pipeline.check_dualpipe_args(0, 4), "num_ranks"),
        (lambda: pipeline.check_dualpipe_args(4, 0), "num_micro_batches"),
    ],
)
def test_each_argument_is_named_when_refused(call, name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name} must"):
        call()
