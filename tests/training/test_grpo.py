"""GRPO's pieces against their definitions (DeepSeek-V3 report Eqs. 26-28; DeepSeekMath Eqs. 3-4),
and the seeded toy against the property it exists to show: the expected reward rises."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from dsv3.training import grpo


def test_advantages_worked_by_hand() -> None:
    # One right answer in a group of four: mean 1/4, population std sqrt(3/16).
    adv = grpo.group_advantages(np.array([[1.0, 0.0, 0.0, 0.0]]))
    std = math.sqrt(3 / 16)
    np.testing.assert_allclose(adv, [[0.75 / std, -0.25 / std, -0.25 / std, -0.25 / std]])


def test_advantages_have_zero_mean_and_unit_spread_in_each_group() -> None:
    rng = np.random.default_rng(0)
    rewards = rng.random((50, 8)) * rng.integers(1, 10, size=(50, 1))
    adv = grpo.group_advantages(rewards)
    np.testing.assert_allclose(adv.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(adv.std(axis=1), 1.0, rtol=1e-12)
    # Invariant to shifting and scaling the rewards of a group.
    np.testing.assert_allclose(grpo.group_advantages(3.0 * rewards + 7.0), adv, atol=1e-12)


def test_a_group_with_no_spread_carries_no_signal() -> None:
    adv = grpo.group_advantages(np.array([[1.0, 1.0, 1.0], [0.0, 1.0, 0.0]]))
    assert (adv[0] == 0).all() and adv[1, 1] > 0


def test_a_group_of_one_is_a_named_error() -> None:
    with pytest.raises(grpo.GroupSizeError, match="at least 2"):
        grpo.group_advantages(np.array([[1.0], [0.0]]))
    with pytest.raises(ValueError, match="shape"):
        grpo.group_advantages(np.array([1.0, 0.0]))


def test_kl_estimator() -> None:
    # Eq. 27 with pi_theta = 0.5, pi_ref = 0.25: x = 0.5, x - ln x - 1 = ln 2 - 0.5.
    assert grpo.kl_estimate(np.log(0.5), np.log(0.25)) == pytest.approx(math.log(2) - 0.5)
    assert grpo.kl_estimate(np.log(0.3), np.log(0.3)) == 0.0
    x = np.linspace(-3, 3, 13)
    assert (grpo.kl_estimate(np.zeros_like(x), x) >= 0).all()


def test_clipped_surrogate() -> None:
    # eps = 0.2: a good sample cannot gain beyond 1.2 A; a bad one is not let off above 0.8 A.
    assert grpo.clipped_surrogate(1.5, 1.0, 0.2) == pytest.approx(1.2)
    assert grpo.clipped_surrogate(0.5, 1.0, 0.2) == pytest.approx(0.5)
    assert grpo.clipped_surrogate(0.5, -1.0, 0.2) == pytest.approx(-0.8)
    assert grpo.clipped_surrogate(1.5, -1.0, 0.2) == pytest.approx(-1.5)


def test_gradient_coefficient_matches_finite_differences() -> None:
    rng = np.random.default_rng(1)
    n = 40
    logp_old = np.log(rng.uniform(0.05, 0.9, n))
    logp = logp_old + rng.normal(0, 0.3, n)
    logp_ref = np.log(rng.uniform(0.05, 0.9, n))
    adv = rng.normal(0, 1, n)
    eps, beta, h = 0.2, 0.04, 1e-6
    coef = grpo.objective_gradient_coefficient(logp, logp_old, logp_ref, adv, eps, beta)
    for i in range(n):
        up, down = logp.copy(), logp.copy()
        up[i] += h
        down[i] -= h
        f_up = grpo.grpo_objective(up, logp_old, logp_ref, adv, eps, beta) * n
        f_down = grpo.grpo_objective(down, logp_old, logp_ref, adv, eps, beta) * n
        assert coef[i] == pytest.approx((f_up - f_down) / (2 * h), abs=1e-5)


def test_task_and_uniform_policy() -> None:
    task = grpo.AdditionTask(9)
    assert task.n_questions == 100 and task.n_answers == 19
    assert task.reward(np.array([0, 99]), np.array([0, 18])).tolist() == [1.0, 1.0]  # 0+0, 9+9
    assert grpo.expected_reward(task, np.zeros((100, 19))) == pytest.approx(1 / 19)


def _run(seed: int, baseline: str):
    task = grpo.AdditionTask(9)
    start = grpo.reference_logits(task, np.random.default_rng(seed))
    return grpo.train(task, start, np.random.default_rng(seed + 1), grpo.ToyConfig(), baseline)


@pytest.mark.parametrize("baseline", ["group", "critic"])
def test_the_seeded_toy_learns(baseline: str) -> None:
    t0 = time.process_time()  # CPU time: the 3 s budget must not depend on the machine's load
    history = _run(0, baseline)
    elapsed = time.process_time() - t0
    reward = history["expected_reward"].to_numpy()
    assert len(history) == grpo.ToyConfig().updates + 1
    assert reward[-20:].mean() > reward[0] + 0.3
    assert reward[100:].mean() > reward[:100].mean()
    assert (history["kl_to_reference"].iloc[1:] > 0).all()
    assert elapsed < 3.0


def test_the_toy_is_deterministic_under_its_seed() -> None:
    a, b = _run(3, "group"), _run(3, "group")
    assert a.equals(b)


def test_bad_toy_settings() -> None:
    with pytest.raises(ValueError, match="group_size"):
        grpo.ToyConfig(group_size=0)
    task = grpo.AdditionTask(9)
    start = np.zeros((task.n_questions, task.n_answers))
    with pytest.raises(grpo.GroupSizeError):
        grpo.train(task, start, np.random.default_rng(0), grpo.ToyConfig(group_size=1), "group")
    with pytest.raises(ValueError, match="baseline"):
        grpo.train(task, start, np.random.default_rng(0), grpo.ToyConfig(), "none")


def test_critic_memory() -> None:
    # V3 Section 3.3.3: FP32 master weights and gradients, BF16 AdamW moments -> 4 + 4 + 2 + 2 bytes.
    parts = grpo.critic_memory_bytes(671e9, {"master": 4, "grad": 4, "m": 2, "v": 2})
    assert sum(parts.values()) == pytest.approx(12 * 671e9)
    with pytest.raises(ValueError, match="n_params"):
        grpo.critic_memory_bytes(0, {"master": 4})
    with pytest.raises(ValueError):
        grpo.critic_memory_bytes(1e9, {})


def test_all_wrong_share_worked_by_hand() -> None:
    # Uniform over 19 answers: a group of 8 is all wrong with probability (18/19)^8.
    task = grpo.AdditionTask(9)
    assert grpo.all_wrong_share(task, np.zeros((100, 19)), 8) == pytest.approx((18 / 19) ** 8)
    with pytest.raises(ValueError, match="group_size"):
        grpo.all_wrong_share(task, np.zeros((100, 19)), 0)


def test_summarise_picks_the_history() -> None:
    h = _run(0, "group")
    row = grpo.summarise({"g": h}, checkpoint=100).iloc[0]
    assert row["reward_start"] == h["expected_reward"].iloc[0]
    assert row["reward_checkpoint"] == h["expected_reward"].iloc[100]
    assert row["reward_end"] == h["expected_reward"].iloc[-1]
    assert row["updates"] == 300
    with pytest.raises(ValueError, match="checkpoint"):
        grpo.summarise({"g": h}, checkpoint=301)


def test_critic_memory_table_has_a_total() -> None:
    table = grpo.critic_memory_table(671e9, {"master": 4, "grad": 4, "m": 2, "v": 2}).set_index("copy")
    assert table.loc["total", "bytes"] == pytest.approx(12 * 671e9)
    assert table.loc["total", "bytes_per_param"] == 12
