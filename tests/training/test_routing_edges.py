"""dsv3.training.routing on tiny hand-worked cases (2-4 experts, 2 groups): the gate's defaults and options,
the exact bounds of each shape check, the field each refusal names, and a balancing run whose every step
is known in advance.

Reference rule: deepseek-ai/DeepSeek-V3 ``inference/model.py``, class ``Gate`` (lines 576-598 at commit
9b4e9788e4a3a731f7567338ed15d3ec549ce03b); the bias update: DeepSeek-V3 report Section 2.1.2.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dsv3.training import routing as r


def sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# --- check_shape ---------------------------------------------------------------------------------


def test_the_exact_bounds_are_allowed() -> None:
    r.check_shape(1, 1)  # one expert, chosen by every token
    r.check_shape(4, 4)  # top_k = n_experts
    r.check_shape(4, 4, 2, 2)  # every group kept, every expert of them chosen
    r.check_shape(4, 2, 2, 1)  # top_k = the 2 experts of the one kept group
    r.check_shape(np.int64(4), np.int32(2), np.int64(2), np.int16(1))  # numpy integers are counts too


@pytest.mark.parametrize("field", ["n_experts", "top_k", "n_groups", "topk_groups"])
@pytest.mark.parametrize("bad", [0, True, 2.0])
def test_each_shape_field_is_named(field: str, bad) -> None:
    args = {"n_experts": 4, "top_k": 1, "n_groups": 2, "topk_groups": 1}
    args[field] = bad
    with pytest.raises(r.RoutingError, match=f"^{field} must"):
        r.check_shape(**args)


def test_shape_errors_by_kind() -> None:
    # defaults: one group, one kept: top_k 5 of 4 experts is too many
    with pytest.raises(r.TopKError):
        r.check_shape(4, 5)
    # 2 kept groups of 2 offer 4; top_k 3 of the one kept group of 2 does not fit
    with pytest.raises(r.TopKError, match="top_k"):
        r.check_shape(4, 3, 2, 1)
    with pytest.raises(r.GroupError, match="n_groups"):
        r.check_shape(6, 1, 4, 1)
    with pytest.raises(r.GroupError, match="topk_groups"):
        r.check_shape(4, 1, 2, 3)
    for cls in (r.TopKError, r.GroupError, r.UpdateRateError):
        assert issubclass(cls, r.RoutingError)
    assert issubclass(r.RoutingError, ValueError)


def test_update_rate() -> None:
    assert r.check_update_rate(0) == 0.0 and isinstance(r.check_update_rate(0), float)
    assert r.check_update_rate(0.001) == 0.001
    for bad in (-0.001, math.inf, math.nan, "0.1"):
        with pytest.raises(r.UpdateRateError, match="gamma"):
            r.check_update_rate(bad)


# --- affinities and ranking ----------------------------------------------------------------------


def test_sigmoid_by_hand() -> None:
    # 1 / (1 + e^-z): z = 0 -> 1/2; z = ln 3 -> 3/4; z = -ln 3 -> 1/4; far out saturates without overflow
    np.testing.assert_allclose(r.sigmoid([0.0, math.log(3), -math.log(3)]), [0.5, 0.75, 0.25], rtol=1e-15)
    np.testing.assert_array_equal(r.sigmoid(np.array([1000.0, -1000.0])), [1.0, 0.0])


def test_top_k_indices_largest_first() -> None:
    x = np.array([[0.1, 0.9, 0.5, 0.7], [4.0, 3.0, 2.0, 1.0]])
    np.testing.assert_array_equal(r.top_k_indices(x, 2), [[1, 3], [0, 1]])
    np.testing.assert_array_equal(r.top_k_indices(x, 4), [[1, 3, 2, 0], [0, 1, 2, 3]])
    np.testing.assert_array_equal(r.top_k_indices(x, 1), [[1], [0]])
    np.testing.assert_array_equal(r.top_k_indices(np.array([0.2, 0.1, 0.3]), 2), [2, 0])  # one row


def test_group_scores_edges() -> None:
    # Two groups of 3: [0.9, 0.1, 0.8] and [0.5, 0.6, 0.7].
    s = np.array([[0.9, 0.1, 0.8, 0.5, 0.6, 0.7], [0.0, 0.0, 0.1, 0.3, 0.0, 0.0]])
    # the default top is 2 (V3's K_r / M): 1.7 and 1.3; row 2: 0.1 and 0.3
    np.testing.assert_allclose(r.group_scores(s, 2), [[1.7, 1.3], [0.1, 0.3]])
    # top = 1 is the group maximum; top = 3 (the group size) the whole group
    np.testing.assert_allclose(r.group_scores(s, 2, top=1), [[0.9, 0.7], [0.1, 0.3]])
    np.testing.assert_allclose(r.group_scores(s, 2, top=3), [[1.8, 1.8], [0.1, 0.3]])
    # one group of all six
    np.testing.assert_allclose(r.group_scores(s, 1, top=2), [[1.7], [0.4]])
    with pytest.raises(r.GroupError, match="group_top"):
        r.group_scores(s, 2, top=0)
    with pytest.raises(r.GroupError, match="group_top"):
        r.group_scores(s, 2, top=4)
    with pytest.raises(r.GroupError, match="n_groups"):
        r.group_scores(s, 4)


# --- the gate -------------------------------------------------------------------------------------


def test_gate_defaults_two_experts() -> None:
    # Defaults: sigmoid, one group, route_scale 1: the weights of the chosen experts sum to 1.
    # logits [ln 3, 0] -> s = [3/4, 1/2]; top-2 = [0, 1]; weights 3/4 / (5/4) = 0.6 and 0.4.
    w, idx = r.gate(np.array([[math.log(3), 0.0]]), None, top_k=2)
    np.testing.assert_array_equal(idx, [[0, 1]])
    np.testing.assert_allclose(w, [[0.6, 0.4]])
    # top-1: the weight is 1 (s / s), times route_scale 2.5
    w, idx = r.gate(np.array([[0.0, math.log(3)]]), None, top_k=1, route_scale=2.5)
    np.testing.assert_array_equal(idx, [[1]])
    np.testing.assert_allclose(w, [[2.5]])


def test_softmax_weights_are_not_renormalised() -> None:
    # inference/model.py lines 595-597 (9b4e978): only the sigmoid path divides by the sum; softmax
    # weights are the softmax probabilities themselves, times route_scale.
    # logits [0, ln 3] -> softmax [1/4, 3/4]; top-1 is expert 1 with weight 3/4 (not 1); x 2 -> 1.5.
    w, idx = r.gate(np.array([[0.0, math.log(3)]]), None, top_k=1, score_func="softmax", route_scale=2.0)
    np.testing.assert_array_equal(idx, [[1]])
    np.testing.assert_allclose(w, [[1.5]])
    # a bias only reorders: bias +1 on expert 0 picks it, with its unbiased softmax weight 1/4
    w, idx = r.gate(np.array([[0.0, math.log(3)]]), np.array([1.0, 0.0]), top_k=1, score_func="softmax")
    np.testing.assert_array_equal(idx, [[0]])
    np.testing.assert_allclose(w, [[0.25]])


def test_gate_reads_integer_and_boolean_logits_as_floats() -> None:
    # Integer logits [2, 0]: sigmoid 0.881, 0.5; softmax of booleans [True, False] = [e/(1+e), 1/(1+e)].
    w, idx = r.gate(np.array([[2, 0]]), None, top_k=2)
    np.testing.assert_allclose(w, [[sig(2) / (sig(2) + 0.5), 0.5 / (sig(2) + 0.5)]])
    w, idx = r.gate(np.array([[True, False]]), None, top_k=1, score_func="softmax")
    np.testing.assert_array_equal(idx, [[0]])
    np.testing.assert_allclose(w, [[math.e / (1 + math.e)]])


def test_gate_refuses_a_vector_of_logits() -> None:
    with pytest.raises(r.RoutingError, match="logits"):
        r.gate(np.zeros(4), None, top_k=1)
    with pytest.raises(r.RoutingError, match="bias"):
        r.gate(np.zeros((2, 4)), np.zeros((2, 3)), top_k=1)
    with pytest.raises(r.RoutingError, match="bias"):
        r.gate(np.zeros((2, 4)), np.zeros((4, 2)), top_k=1)


def test_a_bias_per_token() -> None:
    # Two tokens with the same logits [0, 0, 0, 0]; token 0's bias favours expert 3, token 1's expert 1.
    # All s = 1/2, so each weight is 1/2 / (1/2) = 1.
    bias = np.array([[0.0, 0.0, 0.0, 0.2], [0.0, 0.3, 0.0, 0.0]])
    w, idx = r.gate(np.zeros((2, 4)), bias, top_k=1)
    np.testing.assert_array_equal(idx, [[3], [1]])
    np.testing.assert_allclose(w, [[1.0], [1.0]])


def test_group_top_decides_the_kept_group() -> None:
    # 4 experts in 2 groups of 2, zero bias, s = sigmoid(z): z = [3, -3 | 1, 1.1] -> [0.953, 0.047 | 0.731, 0.750].
    # group_top 2 (the default) sums each group; group_top 1 takes its maximum.
    z = np.array([[3.0, -3.0, 1.0, 1.1]])
    shape = dict(top_k=2, n_groups=2, topk_groups=1)
    _, idx = r.gate(z, np.zeros(4), **shape)
    assert idx.tolist() == [[3, 2]]  # sums: 0.953 + 0.047 = 1.000 < 0.731 + 0.750 = 1.481
    _, idx = r.gate(z, np.zeros(4), group_top=1, **shape)
    assert idx.tolist() == [[0, 1]]  # maxima: 0.953 > 0.750
    # without a bias the group score is the maximum whatever group_top says (the DeepSeek-V2 path)
    _, idx = r.gate(z, None, group_top=2, **shape)
    assert idx.tolist() == [[0, 1]]


def test_two_kept_groups_of_four() -> None:
    # 8 experts, 4 groups of 2, keep 2, top-2; z chosen so that the kept groups are 3 and 1 (in that order)
    # and the chosen experts 7 (group 3) and 2 (group 1): the index arithmetic kept x size + local.
    z = np.array([[-2.0, -2.0, 1.5, 0.0, -2.0, -2.0, 0.5, 2.0]])
    # biased (zero) group top-2 sums: g0 0.24, g1 0.818 + 0.5 = 1.318, g2 0.24, g3 0.622 + 0.881 = 1.503
    _, idx = r.gate(z, np.zeros(8), top_k=2, n_groups=4, topk_groups=2)
    assert idx.tolist() == [[7, 2]]
    _, idx = r.gate(z, np.zeros(8), top_k=4, n_groups=4, topk_groups=2)
    assert idx.tolist() == [[7, 2, 6, 3]]


# --- loads, MaxVio, the balance loss and drops ----------------------------------------------------


def test_expert_loads_by_hand() -> None:
    # (token, slot) pairs: token 0 -> experts 0, 1; token 1 -> 1, 3. Expert 4 exists but gets nothing.
    np.testing.assert_array_equal(r.expert_loads(np.array([[0, 1], [1, 3]]), 5), [1, 2, 0, 1, 0])


def test_max_vio_shapes_and_bounds() -> None:
    got = r.max_vio([3, 1])  # mean 2, max 3 -> 0.5, a Python float
    assert got == 0.5 and type(got) is float
    # a mean load below 1 is still a positive load: [1, 0] -> mean 0.5, (1 - 0.5) / 0.5 = 1
    assert r.max_vio([1, 0]) == 1.0
    rows = r.max_vio(np.array([[3, 1], [2, 2]]))
    np.testing.assert_allclose(rows, [0.5, 0.0])
    assert rows.shape == (2,)
    with pytest.raises(r.RoutingError, match="load"):
        r.max_vio(np.array([[3, 1], [0, 0]]))  # one empty row is enough to refuse


def test_group_loads_of_several_steps() -> None:
    loads = np.array([[1, 2, 3, 4], [0, 0, 5, 5]])
    np.testing.assert_array_equal(r.group_loads(loads, 2), [[3, 7], [0, 10]])
    np.testing.assert_array_equal(r.group_loads(loads, 1), [[10], [10]])
    with pytest.raises(r.GroupError, match="n_groups"):
        r.group_loads(loads, 3)


def test_sequence_balance_loss_by_hand() -> None:
    # T = 2 tokens, N = 2 experts, K = 1, alpha = 0.5. Affinities [0.6, 0.2] and [0.1, 0.3]:
    # token 0 chooses 0, token 1 chooses 1 -> f = 2/(1 x 2) x [1, 1] = [1, 1];
    # s' = [0.75, 0.25] and [0.25, 0.75] -> P = [0.5, 0.5]; L = 0.5 x (0.5 + 0.5) = 0.5.
    s = np.array([[0.6, 0.2], [0.1, 0.3]])
    assert r.sequence_balance_loss(s, 1, 0.5) == pytest.approx(0.5)
    # Both tokens forced onto expert 0: f = [2, 0]; L = 0.5 x 2 x 0.5 = 0.5 x P_0 x 2 = 0.5.
    # Token 0 forced on 0, token 1 on 0 too, with s = [0.6, 0.2], [0.3, 0.1] -> P_0 = 0.75 -> L = 0.75.
    s2 = np.array([[0.6, 0.2], [0.3, 0.1]])
    on_zero = np.array([[True, False], [True, False]])
    assert r.sequence_balance_loss(s2, 1, 0.5, selected=on_zero) == pytest.approx(0.75)
    # a 0/1 integer mask is read as booleans
    assert r.sequence_balance_loss(s2, 1, 0.5, selected=on_zero.astype(int)) == pytest.approx(0.75)
    # alpha = 0 is allowed
    assert r.sequence_balance_loss(s, 1, 0.0) == 0.0
    assert type(r.sequence_balance_loss(s, 1, 0.5)) is float


def test_sequence_balance_loss_refusals() -> None:
    s = np.array([[0.6, 0.2], [0.1, 0.3]])
    with pytest.raises(r.RoutingError, match="scores"):
        r.sequence_balance_loss(np.ones(4), 1, 1.0)
    with pytest.raises(ValueError, match="^alpha must"):
        r.sequence_balance_loss(s, 1, -1.0)
    with pytest.raises(r.TopKError):
        r.sequence_balance_loss(s, 3, 1.0)
    with pytest.raises(r.RoutingError, match="selected"):
        r.sequence_balance_loss(s, 1, 1.0, selected=np.array([[True, True], [True, False]]))
    with pytest.raises(r.RoutingError, match="selected"):
        r.sequence_balance_loss(s, 1, 1.0, selected=np.array([[True, False, False], [True, False, False]]))
    # zero affinities are allowed (only negative ones are refused)
    assert r.sequence_balance_loss(np.array([[1.0, 0.0], [0.0, 1.0]]), 1, 1.0) == pytest.approx(1.0)


def test_dropped_fraction_shapes_and_rounding() -> None:
    # T = 3, K = 1, N = 2: capacity 1.0 -> C = ceil(1.5) = 2. Loads [3, 0]: drop 1 of 3.
    got = r.dropped_fraction(np.array([3, 0]), 1.0, 3, 1)
    assert got == pytest.approx(1 / 3) and type(got) is float
    # Two steps at once: [[3, 0], [2, 1]] -> [1/3, 0]
    np.testing.assert_allclose(r.dropped_fraction(np.array([[3, 0], [2, 1]]), 1.0, 3, 1), [1 / 3, 0.0])
    # K = 2: T K / N = 3; capacity 0.5 -> C = ceil(1.5) = 2; loads [4, 2]: drop 2 of 6.
    assert r.dropped_fraction(np.array([4, 2]), 0.5, 3, 2) == pytest.approx(2 / 6)


def test_bias_update_by_hand() -> None:
    # loads [1, 2, 4, 1] (floats too): mean 2; expert 1 at the mean keeps its bias.
    got = r.bias_update([0.5, 0.5, 0.5, 0.5], [1.0, 2.0, 4.0, 1.0], 0.25)
    np.testing.assert_allclose(got, [0.75, 0.5, 0.25, 0.75])
    # gamma 0 changes nothing
    np.testing.assert_array_equal(r.bias_update(np.zeros(2), [3, 1], 0.0), [0.0, 0.0])


# --- the balancing toy ----------------------------------------------------------------------------


def test_skewed_router() -> None:
    got = r.skewed_router(np.random.default_rng(2), 5, 0.4)
    np.testing.assert_allclose(got, 0.4 * np.random.default_rng(2).standard_normal(5))
    np.testing.assert_array_equal(r.skewed_router(np.random.default_rng(2), 3, 0.0), [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="^skew must"):
        r.skewed_router(np.random.default_rng(2), 3, -0.1)


def test_a_balancing_run_known_step_by_step() -> None:
    # Two experts, top-1, logits 8 + eps and -8 + eps: without a bias every token picks expert 0
    # (the two eps would need to differ by 16, over 11 standard deviations of their difference). With gamma = 1:
    #   step 0: bias [0, 0]   -> loads [T, 0]; mean T/2 -> bias [-1, +1]
    #   step 1: s0 - 1 < 0 < 1 < s1 + 1 for every token -> loads [0, T] -> bias [0, 0]
    #   step 2: as step 0 -> loads [T, 0] -> bias [-1, +1]
    # Then E = 5 held-out tokens with the final bias [-1, +1] all go to expert 1.
    # The arm with gamma = 0 keeps bias 0 and sends everything to expert 0.
    offsets = np.array([8.0, -8.0])
    still, moving = r.simulate_balancing(
        np.random.default_rng(0), offsets, steps=3, tokens_per_step=4, top_k=1, gammas=[0.0, 1.0], eval_tokens=5
    )
    np.testing.assert_array_equal(moving.loads, [[4, 0], [0, 4], [4, 0]])
    assert moving.loads.dtype.kind == "i" and moving.eval_loads.dtype.kind == "i"  # token counts
    np.testing.assert_array_equal(moving.bias, [[0, 0], [-1, 1], [0, 0], [-1, 1]])
    np.testing.assert_array_equal(moving.eval_loads, [0, 5])
    np.testing.assert_array_equal(still.loads, [[4, 0]] * 3)
    np.testing.assert_array_equal(still.bias, np.zeros((4, 2)))
    np.testing.assert_array_equal(still.eval_loads, [5, 0])
    assert (moving.tokens_per_step, moving.top_k) == (4, 1)
    # MaxVio: loads [4, 0] against the mean 2 -> 1 at every step; held out [0, 5]: (5 - 2.5) / 2.5 = 1
    np.testing.assert_allclose(moving.max_vio_batch, [1.0, 1.0, 1.0])
    assert moving.max_vio_global == 1.0 and isinstance(moving.max_vio_global, float)


def test_a_balancing_run_without_held_out_tokens() -> None:
    # eval_tokens defaults to 0 (allowed): no held-out loads. Groups: 4 experts in 2 groups, keep 1, top-2.
    # Offsets put experts 0 and 1 (group 0) far ahead: every token takes both -> loads [T, T, 0, 0].
    (run,) = r.simulate_balancing(
        np.random.default_rng(0),
        np.array([8.0, 8.0, -8.0, -8.0]),
        steps=1,
        tokens_per_step=3,
        top_k=2,
        gammas=[0.5],
        n_groups=2,
        topk_groups=1,
    )
    np.testing.assert_array_equal(run.loads, [[3, 3, 0, 0]])
    np.testing.assert_array_equal(run.eval_loads, [0, 0, 0, 0])
    assert run.loads.dtype.kind == "i" and run.eval_loads.dtype.kind == "i"  # token counts
    np.testing.assert_array_equal(run.bias, [[0, 0, 0, 0], [-0.5, -0.5, 0.5, 0.5]])


def test_balancing_passes_the_group_shape_on() -> None:
    # Keeping both of 2 groups of 2 lets top_k be 3: allowed (2 x 2 = 4 experts on offer).
    (run,) = r.simulate_balancing(
        np.random.default_rng(0),
        np.zeros(4),
        steps=1,
        tokens_per_step=2,
        top_k=3,
        gammas=[0.0],
        n_groups=2,
        topk_groups=2,
    )
    assert run.loads.sum() == 2 * 3
    with pytest.raises(r.GroupError):
        r.simulate_balancing(
            np.random.default_rng(0), np.zeros(4), steps=1, tokens_per_step=2, top_k=1, gammas=[0.0], n_groups=3
        )


@pytest.mark.parametrize(
    ("field", "bad"),
    [("steps", 0), ("steps", True), ("tokens_per_step", 0), ("tokens_per_step", 2.0), ("eval_tokens", -1)],
)
def test_balancing_counts_are_named(field: str, bad) -> None:
    args = dict(steps=1, tokens_per_step=2, top_k=1, gammas=[0.0], eval_tokens=0)
    args[field] = bad
    with pytest.raises(r.RoutingError, match=f"^{field} must"):
        r.simulate_balancing(np.random.default_rng(0), np.zeros(2), **args)


def test_balancing_needs_a_rate() -> None:
    with pytest.raises(r.RoutingError, match="gammas"):
        r.simulate_balancing(np.random.default_rng(0), np.zeros(2), steps=1, tokens_per_step=2, top_k=1, gammas=[])


def test_gate_with_one_expert_and_a_bias() -> None:
    # The smallest gate: one expert, always chosen, weight 1 (s / s); its bias changes nothing.
    w, idx = r.gate(np.array([[0.3], [-2.0]]), np.array([0.5]), top_k=1)
    np.testing.assert_array_equal(idx, [[0], [0]])
    np.testing.assert_allclose(w, [[1.0], [1.0]])


def test_gate_weights_keep_the_logits_float_type() -> None:
    # inference/model.py line 598 (9b4e978): ``return weights.type_as(x), indices``: float32 logits give
    # float32 weights. [ln 3, 0] -> s = [3/4, 1/2] -> 0.6, 0.4 to float32 precision.
    w, _ = r.gate(np.array([[math.log(3), 0.0]], dtype=np.float32), None, top_k=2)
    assert w.dtype == np.float32
    np.testing.assert_allclose(w, [[0.6, 0.4]], rtol=1e-6)
    w, _ = r.gate(np.array([[math.log(3), 0.0]]), None, top_k=2)
    assert w.dtype == np.float64


def test_balance_statistic_by_hand() -> None:
    # One token, N = 4. s = sigmoid(z) = [3/4, 1/4, 1/2, 3/5] (sum 2.1), so P = s / 2.1.
    # The statistic is sum_i f_i P_i with f_i = N / (K T) x chosen_i = 4 / K x chosen_i.
    z = np.log(np.array([[3.0, 1 / 3, 1.0, 1.5]]))
    s = np.array([0.75, 0.25, 0.5, 0.6])
    p = s / s.sum()
    # No group limit, no bias, top-1: expert 0 -> 4 P_0 = 4 x 0.75 / 2.1 = 10/7.
    assert r.balance_statistic(z, None, top_k=1) == pytest.approx(4 * p[0])
    # A bias of +1 on expert 1 routes the token there (0.25 + 1 beats 0.75): f counts what the gate chose,
    # P stays unbiased -> 4 P_1.
    assert r.balance_statistic(z, np.array([0.0, 1.0, 0.0, 0.0]), top_k=1) == pytest.approx(4 * p[1])
    # Two groups of two with a (zero) bias: group scores are sums, 1.0 and 1.1 -> group 1 -> expert 3 -> 4 P_3.
    got = r.balance_statistic(z, np.zeros(4), top_k=1, n_groups=2, topk_groups=1)
    assert got == pytest.approx(4 * p[3])
    # Top-2 with both groups kept: experts 0 and 3 -> 4/2 (P_0 + P_3); keeping one group (by its
    # maximum, no bias: 0.75 against 0.6) would give experts 0 and 1 instead.
    got = r.balance_statistic(z, None, top_k=2, n_groups=2, topk_groups=2)
    assert got == pytest.approx(2 * (p[0] + p[3]))
    got = r.balance_statistic(z, None, top_k=2, n_groups=2, topk_groups=1)
    assert got == pytest.approx(2 * (p[0] + p[1]))


def test_balancing_draws_float32_normals_per_token() -> None:
    # Offsets 0, top-1, no balancing: each token goes to the expert with the largest float32 normal draw
    # (sigmoid is increasing); the held-out tokens are the next block of draws from the same generator.
    (run,) = r.simulate_balancing(
        np.random.default_rng(3), np.zeros(3), steps=2, tokens_per_step=5, top_k=1, gammas=[0.0], eval_tokens=4
    )
    draws = np.random.default_rng(3)
    expect = [
        np.bincount(draws.standard_normal((5, 3), dtype=np.float32).argmax(axis=1), minlength=3) for _ in range(2)
    ]
    np.testing.assert_array_equal(run.loads, expect)
    held_out = np.bincount(draws.standard_normal((4, 3), dtype=np.float32).argmax(axis=1), minlength=3)
    np.testing.assert_array_equal(run.eval_loads, held_out)


def test_balancing_checks_the_group_shape_before_drawing() -> None:
    # 8 experts in 4 groups of 2, keep 3, top-1: a valid shape (the gate's group score sums the top 2 of
    # each group of 2), so it runs; keeping 3 of only 2 groups is refused before any token is drawn.
    (run,) = r.simulate_balancing(
        np.random.default_rng(0),
        np.zeros(8),
        steps=1,
        tokens_per_step=2,
        top_k=1,
        gammas=[0.0],
        n_groups=4,
        topk_groups=3,
    )
    assert run.loads.sum() == 2
    rng = np.random.default_rng(4)
    with pytest.raises(r.GroupError, match="topk_groups"):
        r.simulate_balancing(
            rng, np.zeros(8), steps=1, tokens_per_step=2, top_k=1, gammas=[0.0], n_groups=2, topk_groups=3
        )
    assert rng.random() == np.random.default_rng(4).random()


def test_balance_statistic_defaults_to_no_group_limit() -> None:
    # As in test_balance_statistic_by_hand: s = [3/4, 1/4, 1/2, 3/5]. With the defaults (one group) top-2
    # takes experts 0 and 3 from anywhere: 4/2 (P_0 + P_3).
    z = np.log(np.array([[3.0, 1 / 3, 1.0, 1.5]]))
    p = np.array([0.75, 0.25, 0.5, 0.6]) / 2.1
    assert r.balance_statistic(z, None, top_k=2) == pytest.approx(2 * (p[0] + p[3]))


def test_dropped_fraction_names_the_capacity_factor() -> None:
    with pytest.raises(ValueError, match="^capacity_factor must"):
        r.dropped_fraction(np.ones(4), 0.0, 2, 2)


def test_the_toy_routes_in_float32() -> None:
    # The toy's logits and bias are float32, like the reference gate's fp32 bias. At logits 30 + eps the
    # float32 sigmoid is exactly 1.0 for both experts (1 - e^-30 rounds to 1), so every token sees a tie
    # and goes to the same expert, whichever the tie-break picks; and a bias step of 1e-12, below float32's
    # resolution at 1.0 (6e-8), cannot break the tie at the next step. (In float64 the noise would split
    # the tokens, and the bias step would send them to the other expert.)
    (run,) = r.simulate_balancing(
        np.random.default_rng(0), np.array([30.0, 30.0]), steps=2, tokens_per_step=8, top_k=1, gammas=[1e-12]
    )
    assert sorted(run.loads[0].tolist()) == [0, 8]
    np.testing.assert_array_equal(run.loads[1], run.loads[0])
    assert np.abs(run.bias[1]).tolist() == [1e-12, 1e-12]
