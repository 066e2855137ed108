"""Tests of dsv3.training.routing against hand-worked gates and the definitions they implement.

Reference rule: deepseek-ai/DeepSeek-V3 inference/model.py, class Gate, at commit 9b4e978.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dsv3.training import routing as r

# The hand-checkable input: 8 experts in 4 groups of 2, keep 2 groups, top-3, route scale 2.5.
Z = np.array([[2.0, -1.0, 0.5, 0.4, 1.5, 1.4, -2.0, 3.0]])
SHAPE = dict(top_k=3, n_groups=4, topk_groups=2, route_scale=2.5)


def sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


S = [sig(v) for v in Z[0]]  # 0.881 0.269 0.622 0.599 0.818 0.802 0.119 0.953


def test_best_single_expert_loses_with_its_group() -> None:
    # Group scores = sum of the top-2 scores of each group (both members, groups of 2):
    #   g0 = s0+s1 = 0.881+0.269 = 1.150   g1 = s2+s3 = 0.622+0.599 = 1.221
    #   g2 = s4+s5 = 0.818+0.802 = 1.620   g3 = s6+s7 = 0.119+0.953 = 1.072
    # Kept: g2, g1. Expert 7 has the best score (0.953) but group 3 ranks last, so it is out; so is
    # expert 0 (second best). Top-3 of {2, 3, 4, 5}: 4 (0.818), 5 (0.802), 2 (0.622).
    groups = [S[0] + S[1], S[2] + S[3], S[4] + S[5], S[6] + S[7]]
    assert sorted(range(4), key=lambda g: -groups[g])[:2] == [2, 1]
    weights, idx = r.gate(Z, np.zeros(8), **SHAPE)
    assert idx.tolist() == [[4, 5, 2]]
    total = S[4] + S[5] + S[2]
    np.testing.assert_allclose(weights[0], [2.5 * S[4] / total, 2.5 * S[5] / total, 2.5 * S[2] / total])
    assert weights.sum() == pytest.approx(2.5)  # route_scale: routed weights sum to 2.5, not 1
    assert 7 not in idx and int(np.argmax(Z)) == 7


def test_without_bias_the_group_score_is_the_group_max() -> None:
    # bias=None is the DeepSeek-V2 path: group score = max: g0 0.881, g1 0.622, g2 0.818, g3 0.953.
    # Kept: g3, g0 -> candidates {0, 1, 6, 7}; top-3: 7 (0.953), 0 (0.881), 1 (0.269).
    weights, idx = r.gate(Z, None, **SHAPE)
    assert idx.tolist() == [[7, 0, 1]]
    total = S[7] + S[0] + S[1]
    np.testing.assert_allclose(weights[0], [2.5 * S[7] / total, 2.5 * S[0] / total, 2.5 * S[1] / total])


def test_bias_changes_selection_not_the_weight_formula() -> None:
    # b4 = b5 = -0.3: biased g2 = (0.818-0.3)+(0.802-0.3) = 1.020, now below g0 = 1.150 and
    # g3 = 1.072. Kept: g1 (1.221), g0 (1.150) -> candidates {0,1,2,3}; top-3: 0, 2, 3.
    # Weights still come from the UNBIASED scores: 2.5 * s_i / (s0 + s2 + s3).
    bias = np.zeros(8)
    bias[[4, 5]] = -0.3
    weights, idx = r.gate(Z, bias, **SHAPE)
    assert idx.tolist() == [[0, 2, 3]]
    total = S[0] + S[2] + S[3]
    np.testing.assert_allclose(weights[0], [2.5 * S[0] / total, 2.5 * S[2] / total, 2.5 * S[3] / total])


def test_bias_constant_shift_changes_nothing() -> None:
    # Adding the same constant to every expert's bias changes no ranking and no weight.
    rng = np.random.default_rng(3)
    z = rng.standard_normal((50, 16))
    b = rng.normal(0, 0.1, 16)
    w1, i1 = r.gate(z, b, top_k=4, n_groups=4, topk_groups=2)
    w2, i2 = r.gate(z, b + 0.7, top_k=4, n_groups=4, topk_groups=2)
    np.testing.assert_array_equal(i1, i2)
    np.testing.assert_allclose(w1, w2)


def loop_gate(z: np.ndarray, b: np.ndarray, k: int, n_groups: int, keep: int, scale: float):
    """The rule restated token by token with Python lists (no numpy ranking)."""
    n = len(z)
    size = n // n_groups
    s = [1.0 / (1.0 + math.exp(-v)) for v in z]
    biased = [s[i] + b[i] for i in range(n)]
    gscore = []
    for g in range(n_groups):
        members = sorted((biased[g * size + j] for j in range(size)), reverse=True)
        gscore.append(members[0] + members[1])
    kept = sorted(range(n_groups), key=lambda g: -gscore[g])[:keep]
    cand = [i for i in range(n) if i // size in kept]
    chosen = sorted(cand, key=lambda i: -biased[i])[:k]
    total = sum(s[i] for i in chosen)
    return [scale * s[i] / total for i in chosen], chosen


def test_random_inputs_match_loop_restatement() -> None:
    rng = np.random.default_rng(11)
    z = rng.standard_normal((40, 64)) * 2
    b = rng.normal(0, 0.2, 64)
    weights, idx = r.gate(z, b, top_k=8, n_groups=8, topk_groups=4, route_scale=2.5)
    for t in range(len(z)):
        w_ref, i_ref = loop_gate(z[t], b, 8, 8, 4, 2.5)
        assert idx[t].tolist() == i_ref
        np.testing.assert_allclose(weights[t], w_ref, rtol=1e-12)


def test_group_limit_holds_at_v3_shape() -> None:
    # 256 experts, 8 groups of 32, top-4 groups, top-8: every token's experts span at most 4 groups.
    rng = np.random.default_rng(5)
    _, idx = r.gate(rng.standard_normal((500, 256)), rng.normal(0, 0.1, 256), top_k=8, n_groups=8, topk_groups=4)
    assert max(len({i // 32 for i in row}) for row in idx.tolist()) <= 4
    assert all(len(set(row)) == 8 for row in idx.tolist())


def test_max_vio_definition() -> None:
    # Wang et al. Eq. 4: (max - mean) / mean, the mean being the perfectly balanced load T K / N.
    # loads [6,2,2,2]: mean 3, max 6 -> 1.0 (max/min - 1 would say 2.0).
    assert r.max_vio(np.array([6, 2, 2, 2])) == pytest.approx(1.0)
    np.testing.assert_allclose(r.max_vio(np.array([[6, 2, 2, 2], [3, 3, 3, 3]])), [1.0, 0.0])


def test_sequence_balance_loss_at_balance_and_collapse() -> None:
    alpha = 1e-4
    # Perfect balance: 4 tokens, 4 experts, K=1, token t picks expert t -> f_i = 4/(1*4)*1 = 1,
    # so L = alpha * sum_i P_i = alpha (the P_i always sum to 1).
    s = np.full((4, 4), 0.1) + np.eye(4) * 0.8
    assert r.sequence_balance_loss(s, 1, alpha) == pytest.approx(alpha)
    # Collapse: every token puts all its affinity on experts 0 and 1 (K=2 of N=4):
    # f = 4/(2*T) * T = 2 for experts 0, 1; P = 1/2 each -> L = alpha (2*0.5 + 2*0.5) = alpha N/K = 2 alpha.
    s = np.tile([1.0, 1.0, 0.0, 0.0], (5, 1))
    assert r.sequence_balance_loss(s, 2, alpha) == pytest.approx(alpha * 4 / 2)
    # At DeepSeek-V3's N_r = 256, K_r = 8 the collapsed loss is 32 alpha.
    s = np.zeros((3, 256))
    s[:, :8] = 0.9
    assert r.sequence_balance_loss(s, 8, alpha) == pytest.approx(32 * alpha)


def test_dropped_fraction_by_hand() -> None:
    # T=6 tokens, K=2, N=4, loads [6,2,2,2]: mean 3. Capacity 1.0 -> C=3: drop 3 of 12.
    # Capacity 1.25 -> C=ceil(3.75)=4: drop 2 of 12.
    loads = np.array([6, 2, 2, 2])
    assert r.dropped_fraction(loads, 1.0, 6, 2) == pytest.approx(3 / 12)
    assert r.dropped_fraction(loads, 1.25, 6, 2) == pytest.approx(2 / 12)
    assert r.dropped_fraction(np.array([3, 3, 3, 3]), 1.0, 6, 2) == 0.0


def test_bias_update_direction() -> None:
    # Overloaded expert 0 goes down by gamma, the under-loaded go up; an expert at the mean stays.
    b = r.bias_update(np.zeros(4), np.array([6, 2, 2, 2]), 0.001)
    np.testing.assert_allclose(b, [-0.001, 0.001, 0.001, 0.001])
    np.testing.assert_allclose(r.bias_update(np.ones(3), np.array([2, 2, 2]), 0.01), [1, 1, 1])


def test_simulation_invariants() -> None:
    rng = np.random.default_rng(0)
    offsets = r.skewed_router(rng, 32, 0.4)
    run, fast = r.simulate_balancing(
        np.random.default_rng(1),
        offsets,
        steps=60,
        tokens_per_step=256,
        top_k=4,
        gammas=[0.0, 0.01],
        n_groups=4,
        topk_groups=2,
        eval_tokens=512,
    )
    # Loads sum to T x K at every step.
    assert (run.loads.sum(axis=1) == 256 * 4).all()
    assert run.eval_loads.sum() == 512 * 4
    # No balancing: the bias never moves, so MaxVio has no trend (first and last thirds agree).
    assert (run.bias == 0).all()
    first, last = run.max_vio_batch[:20].mean(), run.max_vio_batch[-20:].mean()
    assert abs(first - last) < 0.15 * first
    # With gamma, every bias step is exactly +-gamma or 0 per expert, in the direction of Algorithm 1:
    # down where the step's load was above the mean, up where below.
    steps = np.diff(fast.bias, axis=0)
    assert np.isin(np.round(np.abs(steps) / 0.01, 9), [0.0, 1.0]).all()
    mean = 256 * 4 / 32
    np.testing.assert_allclose(steps, 0.01 * np.sign(mean - fast.loads))
    # Arms see the same tokens: at step 0 every bias is 0, so both arms route identically.
    np.testing.assert_array_equal(run.loads[0], fast.loads[0])
    # Each arm equals a one-arm run on the same seed (the batching does not change the result).
    (alone,) = r.simulate_balancing(
        np.random.default_rng(1),
        offsets,
        steps=60,
        tokens_per_step=256,
        top_k=4,
        gammas=[0.01],
        n_groups=4,
        topk_groups=2,
        eval_tokens=512,
    )
    np.testing.assert_array_equal(alone.loads, fast.loads)
    np.testing.assert_array_equal(alone.eval_loads, fast.eval_loads)


def test_group_loads() -> None:
    np.testing.assert_array_equal(r.group_loads(np.arange(8), 4), [1, 5, 9, 13])


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(top_k=9, n_groups=1, topk_groups=1), r.TopKError),  # top-k above the 8 experts
        (dict(top_k=5, n_groups=4, topk_groups=2), r.TopKError),  # above the 4 experts of 2 kept groups
        (dict(top_k=2, n_groups=3, topk_groups=1), r.GroupError),  # 3 groups do not divide 8 experts
        (dict(top_k=2, n_groups=4, topk_groups=5), r.GroupError),  # 5 groups kept of 4
        (dict(top_k=0), r.RoutingError),
    ],
)
def test_bad_shapes_raise_named_errors(kwargs: dict, error: type) -> None:
    with pytest.raises(error):
        r.gate(Z, np.zeros(8), **kwargs)


def test_negative_update_rate_raises() -> None:
    with pytest.raises(r.UpdateRateError, match="gamma"):
        r.bias_update(np.zeros(4), np.array([1, 2, 3, 4]), -0.001)
    with pytest.raises(r.UpdateRateError):
        r.simulate_balancing(
            np.random.default_rng(0), np.zeros(8), steps=2, tokens_per_step=4, top_k=2, gammas=[0.001, -1.0]
        )


def test_other_bad_inputs() -> None:
    with pytest.raises(r.RoutingError, match="bias must have shape"):
        r.gate(Z, np.zeros(7), **SHAPE)
    with pytest.raises(r.RoutingError, match="score_func"):
        r.gate(Z, None, top_k=2, score_func="relu")
    with pytest.raises(r.RoutingError, match="positive total load"):
        r.max_vio(np.zeros(4))
    with pytest.raises(r.RoutingError, match="non-negative"):
        r.sequence_balance_loss(-np.ones((2, 4)), 1, 1.0)
    with pytest.raises(ValueError, match="capacity_factor"):
        r.dropped_fraction(np.ones(4), 0.0, 2, 2)


def test_excluded_groups_are_minus_infinity_not_zero() -> None:
    # Commit 1398800 ("fix scores mask"): excluded groups were multiplied by 0 before it. With all
    # biases -1, every biased score is negative: s - 1 = [-0.119, -0.269, -0.500, -0.731] for
    # z = [2, 1, 0, -1]. Group 0 (experts 0, 1) wins (-0.388 against -1.231); with a 0-mask the
    # excluded experts 2, 3 (at 0) would beat it. With -inf they cannot: the choice is [0, 1].
    _, idx = r.gate(np.array([[2.0, 1.0, 0.0, -1.0]]), -np.ones(4), top_k=2, n_groups=2, topk_groups=1)
    assert idx.tolist() == [[0, 1]]


def test_weights_never_depend_on_the_bias() -> None:
    # Whatever the bias, each weight is route_scale x s_i / (sum of s over the chosen experts), with
    # s the UNBIASED sigmoid affinity (report Eq. 16: "the bias term is only used for routing").
    rng = np.random.default_rng(7)
    z = rng.standard_normal((200, 32))
    s = 1.0 / (1.0 + np.exp(-z))
    for scale in (0.01, 0.3, 3.0):
        weights, idx = r.gate(z, rng.normal(0, scale, 32), top_k=4, n_groups=4, topk_groups=2, route_scale=2.5)
        chosen = np.take_along_axis(s, idx, axis=1)
        np.testing.assert_allclose(weights, 2.5 * chosen / chosen.sum(axis=1, keepdims=True))


def test_balance_statistic_is_one_when_every_expert_is_chosen_equally() -> None:
    # 4 tokens, 4 experts, top-1: token t's largest logit is expert t, so f_i = 1 and sum_i f_i P_i
    # = sum_i P_i = 1. All tokens on expert 0 instead: f = [4, 0, 0, 0], so the statistic is 4 P_0.
    z = np.eye(4) * 3.0
    assert r.balance_statistic(z, None, top_k=1) == pytest.approx(1.0)
    z = np.tile([3.0, 0.0, 0.0, 0.0], (4, 1))
    s0 = sig(3.0) / (sig(3.0) + 3 * sig(0.0))
    assert r.balance_statistic(z, None, top_k=1) == pytest.approx(4 * s0)


def test_group_scores_by_hand() -> None:
    # Groups of 4: [0.9, 0.1, 0.8, 0.2] -> top-2 sum 1.7, max 0.9; [0.5, 0.5, 0.5, 0.6] -> 1.1, 0.6.
    s = np.array([[0.9, 0.1, 0.8, 0.2, 0.5, 0.5, 0.5, 0.6]])
    np.testing.assert_allclose(r.group_scores(s, 2), [[1.7, 1.1]])
    np.testing.assert_allclose(r.group_scores(s, 2, top=None), [[0.9, 0.6]])
    with pytest.raises(r.GroupError):
        r.group_scores(s, 2, top=5)
    with pytest.raises(r.GroupError):
        r.group_scores(s, 3)
