"""GRPO's pieces on tiny cases worked by hand (DeepSeekMath arXiv:2402.03300 Eqs. 3-4 and Appendix A.1.6;
DeepSeek-V3 report Eqs. 26-28): edges at the exact bounds, defaults, each refusal's field, and one
update of the toy followed step by step."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dsv3.training import grpo

# --- group advantages (Eq. 28) -------------------------------------------------------------------


def test_a_group_of_two_is_enough() -> None:
    # [1, 0]: mean 1/2, population std 1/2 -> (+1, -1).  [3, 3]: no spread -> 0.
    adv = grpo.group_advantages(np.array([[1.0, 0.0], [3.0, 3.0]]))
    np.testing.assert_array_equal(adv, [[1.0, -1.0], [0.0, 0.0]])


def test_advantages_of_a_group_with_a_large_spread() -> None:
    # [0, 4]: mean 2, std 2 -> (-1, +1); the spread (> 1) divides, it is not replaced.
    np.testing.assert_array_equal(grpo.group_advantages([[0.0, 4.0]]), [[-1.0, 1.0]])
    # Integer rewards are read as floats: [0, 1, 2] -> mean 1, std sqrt(2/3).
    s = math.sqrt(2 / 3)
    np.testing.assert_allclose(grpo.group_advantages(np.array([[0, 1, 2]])), [[-1 / s, 0.0, 1 / s]])


def test_advantages_are_per_row_even_for_a_square_batch() -> None:
    # Two groups of two: each row uses its own mean and spread (a square batch would broadcast silently
    # along the wrong axis). Row 0: [2, 0] -> (+1, -1); row 1: [5, 7] -> (-1, +1).
    np.testing.assert_array_equal(grpo.group_advantages([[2.0, 0.0], [5.0, 7.0]]), [[1.0, -1.0], [-1.0, 1.0]])


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_rewards_must_be_finite(bad: float) -> None:
    with pytest.raises(ValueError, match="rewards"):
        grpo.group_advantages(np.array([[1.0, bad]]))


def test_rewards_must_be_a_matrix() -> None:
    with pytest.raises(ValueError, match="rewards"):
        grpo.group_advantages(np.zeros((2, 2, 2)))
    with pytest.raises(grpo.GroupSizeError):
        grpo.group_advantages(np.zeros((3, 1)))
    # GroupSizeError is a ValueError, so callers catching ValueError see it too.
    assert issubclass(grpo.GroupSizeError, ValueError)


# --- KL estimator (Eq. 27) and the clipped surrogate (Eq. 26) ----------------------------------


def test_kl_estimate_elementwise() -> None:
    # pi = 0.25, pi_ref = 0.5: x = 2, x - ln x - 1 = 1 - ln 2.  pi = 0.5, pi_ref = 0.25: ln 2 - 1/2.
    got = grpo.kl_estimate(np.log([0.25, 0.5]), np.log([0.5, 0.25]))
    np.testing.assert_allclose(got, [1 - math.log(2), math.log(2) - 0.5])
    # Plain lists are accepted.
    assert grpo.kl_estimate([0.0], [0.0]).tolist() == [0.0]


def test_clip_edges() -> None:
    # eps = 0.2, rho exactly 1 + eps or 1 - eps: clipped and unclipped terms agree.
    assert grpo.clipped_surrogate(1.2, 2.0, 0.2) == pytest.approx(2.4)
    assert grpo.clipped_surrogate(0.8, -2.0, 0.2) == pytest.approx(-1.6)
    # eps = 1 is allowed (a fraction): the clip range is [0, 2]. rho = 3, A = 1 -> 2.
    assert grpo.clipped_surrogate(3.0, 1.0, 1.0) == pytest.approx(2.0)
    # eps = 0: any ratio is clipped to 1 when that lowers the objective. rho = 2, A = 1 -> 1; rho = 0.5, A = -1 -> -1.
    np.testing.assert_allclose(grpo.clipped_surrogate([2.0, 0.5], [1.0, -1.0], 0.0), [1.0, -1.0])
    with pytest.raises(ValueError, match="^eps must"):
        grpo.clipped_surrogate(1.0, 1.0, -0.1)


def test_grpo_objective_by_hand() -> None:
    # Two samples, logp_old = log 0.5 each, eps = 0.2, beta = 0.5.
    # Sample 0: pi = 0.8 -> rho = 1.6, A = +1 -> clipped 1.2; pi_ref = 0.4 -> x = 0.5, KL = 0.5 + ln 2 - 1.
    # Sample 1: pi = 0.5 -> rho = 1,   A = -2 -> -2;         pi_ref = 0.5 -> KL = 0.
    # mean = (1.2 - 0.5 (ln 2 - 0.5) - 2) / 2.
    logp, old, ref = np.log([0.8, 0.5]), np.log([0.5, 0.5]), np.log([0.4, 0.5])
    got = grpo.grpo_objective(logp, old, ref, np.array([1.0, -2.0]), eps=0.2, beta=0.5)
    assert isinstance(got, float)
    assert got == pytest.approx((1.2 - 0.5 * (math.log(2) - 0.5) - 2.0) / 2)
    # beta = 0 is allowed (no KL term): (1.2 - 2) / 2.
    assert grpo.grpo_objective(logp, old, ref, np.array([1.0, -2.0]), eps=0.2, beta=0.0) == pytest.approx(-0.4)
    with pytest.raises(ValueError, match="^beta must"):
        grpo.grpo_objective(logp, old, ref, np.array([1.0, -2.0]), eps=0.2, beta=-0.1)
    with pytest.raises(ValueError, match="^eps must"):
        grpo.grpo_objective(logp, old, ref, np.array([1.0, -2.0]), eps=1.1, beta=0.0)


def test_gradient_coefficient_by_hand() -> None:
    # eps = 0.2, beta = 0.5, logp_old = log 0.5.
    # 0: pi 0.8, rho 1.6 > 1.2, A = +1: clip binds -> surrogate 0; KL: 0.5 (0.4/0.8 - 1) = -0.25.
    # 1: pi 0.5, rho 1,         A = -2: -> -2;                      KL: 0.5 (0.5/0.5 - 1) = 0.
    # 2: pi 0.3, rho 0.6 < 0.8, A = +1: clip does not bind for A > 0 -> 0.6; KL: 0.5 (0.6/0.3 - 1) = 0.5.
    # 3: pi 0.3, rho 0.6 < 0.8, A = -1: clip binds -> 0;             KL: 0.5 (0.3/0.3 - 1) = 0.
    # 4: pi 0.8, rho 1.6,       A = -1: does not bind -> -1.6;       KL: 0.5 (0.8/0.8 - 1) = 0.
    # 5: pi 0.8, rho 1.6,       A =  0: -> 0.
    logp = np.log([0.8, 0.5, 0.3, 0.3, 0.8, 0.8])
    old = np.log([0.5] * 6)
    ref = np.log([0.4, 0.5, 0.6, 0.3, 0.8, 0.8])
    adv = [1.0, -2.0, 1.0, -1.0, -1.0, 0.0]
    got = grpo.objective_gradient_coefficient(logp, old, ref, adv, eps=0.2, beta=0.5)
    np.testing.assert_allclose(got, [-0.25, -2.0, 1.1, 0.0, -1.6, 0.0], atol=1e-12)


# --- the task, the policy and its helpers -------------------------------------------------------


def test_addition_task_of_one_and_two_digits() -> None:
    assert grpo.AdditionTask().max_digit == 9  # the default: digits 0..9
    task = grpo.AdditionTask(1)
    # questions in row-major (a, b) order: (0,0), (0,1), (1,0), (1,1); sums 0, 1, 1, 2
    assert task.questions.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert task.correct.tolist() == [0, 1, 1, 2]
    assert (task.n_questions, task.n_answers) == (4, 3)
    t2 = grpo.AdditionTask(2)
    assert (t2.n_questions, t2.n_answers) == (9, 5)
    assert t2.questions[5].tolist() == [1, 2] and t2.correct[5] == 3
    # reward: question 3 is 1 + 1 = 2; answer 2 is right, 1 wrong; rewards are floats
    r = task.reward(np.array([3, 3, 0]), np.array([2, 1, 0]))
    assert r.dtype == np.float64 and r.tolist() == [1.0, 0.0, 1.0]


def test_log_softmax_by_hand_and_stably() -> None:
    # [0, ln 3] -> log(1/4), log(3/4), each row on its own.
    got = grpo.log_softmax(np.array([[0.0, math.log(3)], [5.0, 5.0]]))
    np.testing.assert_allclose(got, np.log([[0.25, 0.75], [0.5, 0.5]]))
    # large logits do not overflow: [1000, 1000 + ln 3] is the same distribution
    np.testing.assert_allclose(grpo.log_softmax(np.array([[1000.0, 1000.0 + math.log(3)]])), np.log([[0.25, 0.75]]))
    # one row of shape (3,) works along its only axis
    np.testing.assert_allclose(grpo.log_softmax(np.zeros(3)), np.log([1 / 3] * 3))


def test_reference_logits_defaults_and_noise_free_case() -> None:
    task = grpo.AdditionTask(1)  # answers 0, 1, 2; sums 0, 1, 1, 2
    # noise = 0: logit -skill x |answer - sum| exactly; the default skill is 0.3.
    got = grpo.reference_logits(task, np.random.default_rng(0), noise=0.0)
    expect = -0.3 * np.array([[0, 1, 2], [1, 0, 1], [1, 0, 1], [2, 1, 0]])
    np.testing.assert_allclose(got, expect)
    # skill = 0 and the default noise of 1: standard normals drawn in one (questions, answers) block.
    got = grpo.reference_logits(task, np.random.default_rng(5), skill=0.0)
    np.testing.assert_array_equal(got, np.random.default_rng(5).standard_normal((4, 3)))
    # noise 2, skill 1: 2 x the same normals minus the distance
    got = grpo.reference_logits(task, np.random.default_rng(5), skill=1.0, noise=2.0)
    np.testing.assert_allclose(got, expect / 0.3 + 2 * np.random.default_rng(5).standard_normal((4, 3)))
    with pytest.raises(ValueError, match="^skill must"):
        grpo.reference_logits(task, np.random.default_rng(0), skill=-1.0)
    with pytest.raises(ValueError, match="^noise must"):
        grpo.reference_logits(task, np.random.default_rng(0), noise=-1.0)


def test_expected_reward_and_all_wrong_share_by_hand() -> None:
    task = grpo.AdditionTask(1)  # right answers 0, 1, 1, 2
    # Question 0 puts 3/4 on its right answer 0, the others are uniform (1/3 each).
    logits = np.zeros((4, 3))
    logits[0] = np.log([3.0, 0.5, 0.5])  # 3/4, 1/8, 1/8
    assert grpo.expected_reward(task, logits) == pytest.approx((0.75 + 3 / 3) / 4)
    # all wrong in a group of 2: (1/4)^2 for question 0, (2/3)^2 for the three others
    assert grpo.all_wrong_share(task, logits, 2) == pytest.approx((1 / 16 + 3 * 4 / 9) / 4)
    # a group of one (the bound) is allowed: 1 - p
    assert grpo.all_wrong_share(task, logits, 1) == pytest.approx((0.25 + 3 * 2 / 3) / 4)
    for bad in (0, True, 2.0):
        with pytest.raises(ValueError, match="group_size"):
            grpo.all_wrong_share(task, logits, bad)


# --- the toy's settings -------------------------------------------------------------------------


def test_toy_config_defaults() -> None:
    cfg = grpo.ToyConfig()
    assert (cfg.updates, cfg.questions_per_update, cfg.group_size, cfg.inner_steps) == (300, 16, 8, 4)
    assert (cfg.lr, cfg.eps, cfg.beta, cfg.critic_lr) == (3.0, 0.2, 0.04, 0.3)


@pytest.mark.parametrize("name", ["updates", "questions_per_update", "group_size", "inner_steps"])
def test_toy_config_counts(name: str) -> None:
    assert getattr(grpo.ToyConfig(**{name: 1}), name) == 1  # 1 is the smallest allowed
    for bad in (0, True, 2.0):
        with pytest.raises(ValueError, match=f"^{name} must"):
            grpo.ToyConfig(**{name: bad})


@pytest.mark.parametrize(("name", "bad"), [("lr", 0.0), ("eps", 1.5), ("beta", -0.1), ("critic_lr", 0.0)])
def test_toy_config_rates(name: str, bad: float) -> None:
    with pytest.raises(ValueError, match=f"^{name} must"):
        grpo.ToyConfig(**{name: bad})


def test_toy_config_edges_allowed() -> None:
    cfg = grpo.ToyConfig(eps=0.0, beta=0.0)
    assert (cfg.eps, cfg.beta) == (0.0, 0.0)
    assert grpo.ToyConfig(eps=1.0).eps == 1.0


# --- one policy step, by hand --------------------------------------------------------------------


def test_one_policy_step_by_hand() -> None:
    # Two questions, two answers, uniform logits (pi = 1/2 everywhere) which are also old and reference.
    # Samples of question 0: answer 0 with A = +1, answer 1 with A = -1. rho = 1, KL coefficient 0, so
    # coef = (1, -1). Gradient on question 0's logits: 1 x ([1, 0] - [1/2, 1/2]) - 1 x ([0, 1] - [1/2, 1/2])
    # = [1, -1]; question 1 is not sampled and keeps its logits. Step: lr x grad / 2 samples.
    logits = np.zeros((2, 2))
    q, a = np.array([0, 0]), np.array([0, 1])
    half = np.log([0.5, 0.5])
    cfg = grpo.ToyConfig(lr=3.0)
    got = grpo._policy_step(logits, q, a, half, half, np.array([1.0, -1.0]), cfg)
    np.testing.assert_allclose(got, [[1.5, -1.5], [0.0, 0.0]])
    # One sample of question 1, answer 1, A = +2: coef 2, grad [0 - 1/2, 1 - 1/2] x 2 = [-1, 1], / 1 sample.
    got = grpo._policy_step(logits, np.array([1]), np.array([1]), half[:1], half[:1], np.array([2.0]), cfg)
    np.testing.assert_allclose(got, [[0.0, 0.0], [-3.0, 3.0]])


def test_clip_share_by_hand() -> None:
    # Policy pi(.|0) = [0.8, 0.2] against old 1/2: rho = 1.6 and 0.4. eps = 0.2.
    # sample 0 (answer 0, A > 0, rho 1.6 > 1.2): binds; sample 1 (answer 1, A < 0, rho 0.4 < 0.8): binds;
    # sample 2 (answer 0, A < 0): does not; sample 3 (answer 1, A > 0): does not -> 2 of 4.
    logits = np.log([[0.8, 0.2]])
    q, a = np.zeros(4, dtype=int), np.array([0, 1, 0, 1])
    old = np.log([0.5] * 4)
    share = grpo._clip_share(logits, q, a, old, np.array([1.0, -1.0, -1.0, 1.0]), 0.2)
    assert share == pytest.approx(0.5)
    # rho exactly on the edge, 1 + eps with eps = 0 (rho = 1): not beyond it, so not binding.
    assert grpo._clip_share(np.zeros((1, 2)), q[:2], a[:2], np.log([0.5, 0.5]), np.array([1.0, -1.0]), 0.0) == 0.0


def test_record_by_hand() -> None:
    # Every question puts [1/2, 1/4, 1/4] on answers 0, 1, 2; the reference is uniform (log 1/3).
    # KL(pi || ref) = 1/2 ln(3/2) + 2 x 1/4 ln(3/4) per question; right answers 0, 1, 1, 2.
    t1 = grpo.AdditionTask(1)
    logits = np.log(np.tile([0.5, 0.25, 0.25], (4, 1)))
    ref = np.log(np.full((4, 3), 1 / 3))
    row = grpo._record(t1, logits, ref, 7, 0.25)
    assert row["update"] == 7 and row["clip_binding_share"] == 0.25
    kl = 0.5 * math.log(1.5) + 2 * 0.25 * math.log(0.75)
    assert row["kl_to_reference"] == pytest.approx(kl)
    assert row["expected_reward"] == pytest.approx((0.5 + 0.25 + 0.25 + 0.25) / 4)
    assert list(row) == ["update", "expected_reward", "kl_to_reference", "clip_binding_share"]


# --- the critic's memory and the summary ----------------------------------------------------------


def test_critic_memory_by_component() -> None:
    parts = grpo.critic_memory_bytes(10.0, {"master": 4, "m": 2})
    assert parts == {"master": 40.0, "m": 20.0}
    with pytest.raises(ValueError, match="bytes_per_param"):
        grpo.critic_memory_bytes(10.0, {})
    with pytest.raises(ValueError, match="'m'"):
        grpo.critic_memory_bytes(10.0, {"master": 4, "m": 0})
    table = grpo.critic_memory_table(10.0, {"master": 4, "m": 2})
    assert list(table.columns) == ["copy", "bytes_per_param", "bytes"]
    assert table["copy"].tolist() == ["master", "m", "total"]
    assert table["bytes_per_param"].tolist() == [4.0, 2.0, 6.0]
    assert table["bytes"].tolist() == [40.0, 20.0, 60.0]


def test_summarise_by_hand() -> None:
    # A made-up history of 3 updates (4 rows).
    h = pd.DataFrame(
        {
            "update": [0, 1, 2, 3],
            "expected_reward": [0.1, 0.2, 0.4, 0.8],
            "kl_to_reference": [0.0, 0.01, 0.02, 0.05],
            "clip_binding_share": [0.0, 0.1, 0.2, 0.6],
        }
    )
    table = grpo.summarise({"g": h, "c": h}, checkpoint=2)
    assert list(table.columns) == [
        "run",
        "reward_start",
        "reward_checkpoint",
        "reward_end",
        "updates",
        "kl_end",
        "clipped_share",
    ]
    row = table.iloc[0]
    assert table["run"].tolist() == ["g", "c"]
    assert (row["reward_start"], row["reward_checkpoint"], row["reward_end"]) == (0.1, 0.4, 0.8)
    assert row["updates"] == 3 and row["kl_end"] == 0.05
    # the start row (no update yet) is left out of the mean: (0.1 + 0.2 + 0.6) / 3
    assert row["clipped_share"] == pytest.approx(0.3)
    # checkpoint 1 (the first allowed) and 3 (the last update) are both inside a run of 3 updates
    assert grpo.summarise({"g": h}, checkpoint=1).iloc[0]["reward_checkpoint"] == 0.2
    assert grpo.summarise({"g": h}, checkpoint=3).iloc[0]["reward_checkpoint"] == 0.8
    # the default checkpoint is 100: outside a run of 3 updates
    with pytest.raises(ValueError, match="checkpoint"):
        grpo.summarise({"g": h})
    for bad in (0, 4):
        with pytest.raises(ValueError, match="checkpoint"):
            grpo.summarise({"g": h}, checkpoint=bad)


# --- the toy's updates followed one sample at a time ----------------------------------------------


def _probs(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _train_by_hand(task, start, seed: int, cfg, baseline: str) -> list[tuple[float, float, float]]:
    """The toy written out sample by sample from its description (DeepSeekMath Algorithm 1 with a tabular
    softmax policy): each update draws the questions, then a (questions, G) block of uniforms that pick
    answers by inverse CDF of the old policy; the advantage is the group's (Eq. 28) or the critic's
    whitened r - V(q); each inner step moves every logit by lr x mean over samples of
    coef x (onehot(a) - pi(.|q)), coef = (rho A unless the clip binds) + beta (pi_ref/pi - 1).
    Returns (expected reward, KL to the reference, clip share of the last inner step) per row."""
    rng = np.random.default_rng(seed)
    n_q, n_a = start.shape
    p_ref = _probs(start)
    logits = start.astype(float).copy()
    value = [0.0] * n_q

    def row(share: float) -> tuple[float, float, float]:
        p = _probs(logits)
        reward = sum(p[q, task.correct[q]] for q in range(n_q)) / n_q
        kl = sum(p[q, k] * math.log(p[q, k] / p_ref[q, k]) for q in range(n_q) for k in range(n_a)) / n_q
        return reward, kl, share

    rows = [row(0.0)]
    for _ in range(cfg.updates):
        qs = rng.integers(n_q, size=cfg.questions_per_update)
        u = rng.random((cfg.questions_per_update, cfg.group_size))
        p_old = _probs(logits)
        samples = []  # (question, answer, reward)
        for i, q in enumerate(qs):
            for j in range(cfg.group_size):
                c, a = 0.0, n_a - 1
                for k in range(n_a):
                    c += p_old[q, k]
                    if u[i, j] <= c:
                        a = k
                        break
                samples.append((int(q), a, 1.0 if a == task.correct[q] else 0.0))
        if baseline == "group":
            adv = []
            for i in range(cfg.questions_per_update):
                r = [s[2] for s in samples[i * cfg.group_size : (i + 1) * cfg.group_size]]
                mean = sum(r) / len(r)
                sd = math.sqrt(sum((x - mean) ** 2 for x in r) / len(r))
                adv += [(x - mean) / sd if sd > 0 else 0.0 for x in r]
        else:
            raw = [r - value[q] for q, _, r in samples]
            mean = sum(raw) / len(raw)
            sd = math.sqrt(sum((x - mean) ** 2 for x in raw) / len(raw))
            adv = [(x - mean) / sd if sd > 0 else 0.0 for x in raw]
            for q in set(s[0] for s in samples):
                errs = [r - value[q] for qq, _, r in samples if qq == q]
                value[q] += cfg.critic_lr * sum(errs) / len(errs)
        for _ in range(cfg.inner_steps):
            p = _probs(logits)
            grad = np.zeros_like(logits)
            binding = 0
            for (q, a, _), A in zip(samples, adv):
                rho = p[q, a] / p_old[q, a]
                clipped = (A > 0 and rho > 1 + cfg.eps) or (A < 0 and rho < 1 - cfg.eps)
                binding += clipped
                coef = (0.0 if clipped else rho * A) + cfg.beta * (p_ref[q, a] / p[q, a] - 1)
                for k in range(n_a):
                    grad[q, k] += coef * ((k == a) - p[q, k])
            share = binding / len(samples)
            logits = logits + cfg.lr * grad / len(samples)
        rows.append(row(share))
    return rows


@pytest.mark.parametrize("baseline", ["group", "critic"])
def test_a_short_toy_run_follows_the_algorithm_sample_by_sample(baseline: str) -> None:
    # AdditionTask(1): 4 questions, 3 answers. A skilled but noisy start (skill 1, noise 1), 3 updates
    # of 2 questions x 3 answers, 2 inner steps, and a large lr so that the clip binds in some steps.
    task = grpo.AdditionTask(1)
    start = grpo.reference_logits(task, np.random.default_rng(1), skill=1.0, noise=1.0)
    cfg = grpo.ToyConfig(updates=3, questions_per_update=2, group_size=3, inner_steps=2, lr=5.0, beta=0.5)
    before = start.copy()
    history = grpo.train(task, start, np.random.default_rng(4), cfg, baseline)
    np.testing.assert_array_equal(start, before)  # the start (also the reference) is not changed
    expect = _train_by_hand(task, start, 4, cfg, baseline)
    assert list(history.columns) == ["update", "expected_reward", "kl_to_reference", "clip_binding_share"]
    assert history["update"].tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(history["expected_reward"], [e[0] for e in expect], rtol=1e-10)
    np.testing.assert_allclose(history["kl_to_reference"], [e[1] for e in expect], rtol=1e-8, atol=1e-15)
    np.testing.assert_allclose(history["clip_binding_share"], [e[2] for e in expect])
    assert history["kl_to_reference"].iloc[0] == 0.0


def test_the_clip_binds_somewhere_in_the_short_run() -> None:
    # The hand run above is only a check of the clip if some step binds and some does not.
    task = grpo.AdditionTask(1)
    start = grpo.reference_logits(task, np.random.default_rng(1), skill=1.0, noise=1.0)
    cfg = grpo.ToyConfig(updates=3, questions_per_update=2, group_size=3, inner_steps=2, lr=5.0, beta=0.5)
    shares = [e[2] for e in _train_by_hand(task, start, 4, cfg, "group")[1:]]
    assert any(0 < s < 1 for s in shares)


def test_the_critic_runs_with_groups_of_one() -> None:
    # Only GRPO needs a group: the critic variant learns from single samples.
    task = grpo.AdditionTask(1)
    start = np.zeros((4, 3))
    # 3 updates of 3 single samples: some question is seen once in one update and again in a later one,
    # so its value estimate after one sample (V += critic_lr (r - V)) shapes a later advantage.
    cfg = grpo.ToyConfig(updates=3, questions_per_update=3, group_size=1, inner_steps=1)
    history = grpo.train(task, start, np.random.default_rng(0), cfg, "critic")
    expect = _train_by_hand(task, start, 0, cfg, "critic")
    np.testing.assert_allclose(history["expected_reward"], [e[0] for e in expect], rtol=1e-10)
    with pytest.raises(grpo.GroupSizeError):
        grpo.train(task, start, np.random.default_rng(0), cfg, "group")


def test_train_refuses_a_start_of_the_wrong_shape() -> None:
    task = grpo.AdditionTask(1)
    with pytest.raises(ValueError, match="start"):
        grpo.train(task, np.zeros((3, 4)), np.random.default_rng(0), grpo.ToyConfig(updates=1))


def test_the_default_baseline_is_the_group() -> None:
    task = grpo.AdditionTask(1)
    start = grpo.reference_logits(task, np.random.default_rng(1), skill=1.0)
    cfg = grpo.ToyConfig(updates=2, questions_per_update=2, group_size=3, inner_steps=1)
    history = grpo.train(task, start, np.random.default_rng(4), cfg)
    expect = _train_by_hand(task, start, 4, cfg, "group")
    np.testing.assert_allclose(history["expected_reward"], [e[0] for e in expect], rtol=1e-10)


@pytest.mark.parametrize("value", [0.1, 0.7, 1 / 3, 5.0])
@pytest.mark.parametrize("size", [2, 3, 6, 7])
def test_equal_rewards_carry_no_signal_whatever_their_rounding(value: float, size: int) -> None:
    # Eq. 28 with r_i all equal: r_i - mean(r) = 0 for every i. In floating point the mean of three 0.1s
    # is 0.10000000000000002, so the computed spread is ~1e-17 and a plain (r - mean) / std gives -1 for
    # every sample: a full-size push from a group that holds no information. The advantages must be 0.
    adv = grpo.group_advantages(np.full((1, size), value))
    np.testing.assert_array_equal(adv, np.zeros((1, size)))


def test_no_signal_groups_raise_no_division_warning() -> None:
    # The all-equal group is handled, not divided by zero (no RuntimeWarning in a notebook).
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        adv = grpo.group_advantages(np.array([[1.0, 1.0], [0.0, 1.0]]))
    np.testing.assert_array_equal(adv, [[0.0, 0.0], [-1.0, 1.0]])


def test_advantages_are_float64_whatever_the_rewards_dtype() -> None:
    # float32 rewards [[1, 0, 0]]: mean 1/3, std sqrt(2)/3 -> (2/3) / (sqrt(2)/3) = sqrt(2) and -1/sqrt(2),
    # computed in float64 (the float32 arithmetic would round them differently).
    adv = grpo.group_advantages(np.array([[1, 0, 0]], dtype=np.float32))
    assert adv.dtype == np.float64
    np.testing.assert_allclose(adv, [[math.sqrt(2), -1 / math.sqrt(2), -1 / math.sqrt(2)]], rtol=1e-15)


def test_clip_share_counts_only_the_side_the_advantage_pushes() -> None:
    # Question 0: pi = [0.8, 0.2] against old 1/2 -> rho 1.6 (answer 0) and 0.4 (answer 1).
    # Question 1: uniform, as old -> rho 1. eps = 0.2, clip range [0.8, 1.2].
    logits = np.log([[0.8, 0.2], [0.5, 0.5]])
    samples = [  # (question, answer, advantage, binds?)
        (0, 0, 1.0, True),  # A > 0, rho 1.6 > 1.2
        (0, 1, -1.0, True),  # A < 0, rho 0.4 < 0.8
        (0, 0, -1.0, False),  # A < 0 and rho above the range: the min() keeps rho A
        (0, 1, 1.0, False),  # A > 0 and rho below the range
        (1, 0, 1.0, False),  # rho 1 inside the range, A > 0
        (1, 1, -1.0, False),  # rho 1 inside the range, A < 0
        (0, 0, 0.0, False),  # A = 0 never binds, rho 1.6
        (0, 1, 0.0, False),  # A = 0, rho 0.4
        (0, 1, 0.5, False),  # a small positive A below the range
    ]
    q = np.array([s[0] for s in samples])
    a = np.array([s[1] for s in samples])
    adv = np.array([s[2] for s in samples])
    share = grpo._clip_share(logits, q, a, np.log(np.full(len(samples), 0.5)), adv, 0.2)
    assert share == pytest.approx(sum(s[3] for s in samples) / len(samples))  # 2 of 9
    # the gradient coefficient agrees on which samples are clipped: exactly the binding ones have no
    # surrogate term (beta = 0)
    coef = grpo.objective_gradient_coefficient(
        np.log([0.8, 0.2, 0.8, 0.2, 0.5, 0.5, 0.8, 0.2, 0.2])[: len(samples)],
        np.log(np.full(len(samples), 0.5)),
        np.zeros(len(samples)),
        adv,
        eps=0.2,
        beta=0.0,
    )
    rho = np.array([1.6, 0.4, 1.6, 0.4, 1.0, 1.0, 1.6, 0.4, 0.4])
    expect = [0.0 if s[3] else r * s[2] for s, r in zip(samples, rho, strict=True)]
    np.testing.assert_allclose(coef, expect, atol=1e-12)


def test_groups_of_two_are_enough_for_the_toy() -> None:
    # The smallest group GRPO allows (2) trains, and follows the same algorithm.
    task = grpo.AdditionTask(1)
    start = grpo.reference_logits(task, np.random.default_rng(1), skill=1.0)
    cfg = grpo.ToyConfig(updates=2, questions_per_update=3, group_size=2, inner_steps=1)
    history = grpo.train(task, start, np.random.default_rng(2), cfg, "group")
    expect = _train_by_hand(task, start, 2, cfg, "group")
    np.testing.assert_allclose(history["expected_reward"], [e[0] for e in expect], rtol=1e-10)


def test_a_certain_policy_learns_nothing_under_either_baseline() -> None:
    # Every question puts (almost) all its mass on its right answer: every sample is right, every reward
    # is 1, so the group's and the critic's advantages are 0 (no spread: 0, not 0 / 0); the policy is
    # the reference, so the KL term is 0 too. Nothing moves in the first update.
    task = grpo.AdditionTask(1)
    start = -40.0 * np.abs(np.arange(3)[None, :] - task.correct[:, None])
    cfg = grpo.ToyConfig(updates=1, questions_per_update=2, group_size=2, inner_steps=1)
    for baseline in ("group", "critic"):
        history = grpo.train(task, start, np.random.default_rng(0), cfg, baseline)
        assert history["expected_reward"].tolist() == [history["expected_reward"].iloc[0]] * 2
        assert history["kl_to_reference"].tolist() == [0.0, 0.0]
        assert history["clip_binding_share"].tolist() == [0.0, 0.0]


class _FixedDraws:
    """A stand-in for the generator: always question ``q``, and uniforms all equal to ``u``."""

    def __init__(self, q: int, u: float) -> None:
        self.q, self.u = q, u

    def integers(self, n: int, size: int) -> np.ndarray:
        return np.full(size, self.q)

    def random(self, shape: tuple[int, int]) -> np.ndarray:
        return np.full(shape, self.u)


def test_a_uniform_above_the_rounded_total_picks_the_last_answer() -> None:
    # Logits [0, 2, 0]: the probabilities e^0, e^2, e^0 over their sum add up to 0.9999999999999998 in
    # floating point, below the largest uniform draw 1 - 2^-53. Inverse CDF must still return an answer
    # that exists: the last one (2), which is right for question 3 (1 + 1). Two samples, both right:
    # no spread, no update.
    task = grpo.AdditionTask(1)
    start = np.tile([0.0, 2.0, 0.0], (4, 1))
    assert np.exp(grpo.log_softmax(start[:1])).sum() < np.nextafter(1.0, 0.0)
    cfg = grpo.ToyConfig(updates=1, questions_per_update=1, group_size=2, inner_steps=1)
    history = grpo.train(task, start, _FixedDraws(3, np.nextafter(1.0, 0.0)), cfg)
    assert history["kl_to_reference"].tolist() == [0.0, 0.0]
    # Question 0 (right answer 0) with the same draws samples answer 2 twice: both wrong, no spread.
    history = grpo.train(task, start, _FixedDraws(0, np.nextafter(1.0, 0.0)), cfg)
    assert history["kl_to_reference"].tolist() == [0.0, 0.0]


def test_train_refuses_before_drawing_anything() -> None:
    # A group of one is refused up front: the generator is left as it was (no draw was spent on a run
    # that cannot go on).
    task = grpo.AdditionTask(1)
    rng = np.random.default_rng(9)
    with pytest.raises(grpo.GroupSizeError):
        grpo.train(task, np.zeros((4, 3)), rng, grpo.ToyConfig(updates=1, group_size=1), "group")
    assert rng.random() == np.random.default_rng(9).random()


def test_a_flat_group_beside_a_spread_one() -> None:
    # Each group is judged on its own: three 0.1s stay flat (0) next to a group [0, 1, 0] whose rewards
    # reach above and below them; that group's advantages are (-1/sqrt(2), sqrt(2), -1/sqrt(2)).
    adv = grpo.group_advantages(np.array([[0.1, 0.1, 0.1], [0.0, 1.0, 0.0]]))
    np.testing.assert_array_equal(adv[0], [0.0, 0.0, 0.0])
    r2 = math.sqrt(2)
    np.testing.assert_allclose(adv[1], [-1 / r2, r2, -1 / r2], rtol=1e-15)


def test_log_softmax_shifts_each_row_by_its_own_maximum() -> None:
    # Row 0 at the scale of 1000, row 1 near 0: shifting both by the largest entry of the whole table
    # would send row 1's exponentials to 0 and its log-probabilities to -inf.
    got = grpo.log_softmax(np.array([[1000.0, 1000.0 + math.log(3)], [0.0, math.log(3)]]))
    np.testing.assert_allclose(got, np.log([[0.25, 0.75], [0.25, 0.75]]))


def test_a_float32_ratio_is_clipped_at_exactly_one_plus_eps() -> None:
    # rho = 1.5 from a float32 model, eps = 0.2, A = 1: the clipped term is 1.2 (the float64 value), not
    # float32's 1.2000000476837158.
    assert grpo.clipped_surrogate(np.float32(1.5), 1.0, 0.2) == 1.2
    assert grpo.clipped_surrogate(np.float32(0.5), -1.0, 0.2) == -0.8


def test_summarise_default_checkpoint_is_update_100() -> None:
    # A made-up history of 150 updates whose expected reward is update / 1000: the default checkpoint
    # reads the row of update 100 -> 0.1.
    n = np.arange(151)
    h = pd.DataFrame(
        {"update": n, "expected_reward": n / 1000, "kl_to_reference": n * 0.0, "clip_binding_share": n * 0.0}
    )
    assert grpo.summarise({"g": h}).iloc[0]["reward_checkpoint"] == 0.1


def test_critic_memory_names_its_arguments() -> None:
    with pytest.raises(ValueError, match="^n_params must"):
        grpo.critic_memory_bytes(0, {"master": 4})
