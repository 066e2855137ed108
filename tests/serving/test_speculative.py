"""MTP as speculative decoding (dsv3.serving.speculative), against derivations written here.

DeepSeek-V3 report Section 5.4.3: "the acceptance rate of the second token prediction ranges between
85% and 90%", "delivering 1.8 times TPS". Leviathan, Kalman and Matias 2023, Eq. 1 and Theorem 3.8.
"""

from __future__ import annotations

import numpy as np
import pytest

from dsv3.serving import speculative as sp


def test_depth_one() -> None:
    # The verified token always, the draft with probability p.
    assert sp.tokens_per_step_depth1(0.85) == pytest.approx(1.85)
    assert sp.tokens_per_step(0.85, 1) == pytest.approx(1.85)


def test_leviathan_eq1_by_hand() -> None:
    # alpha = 0.5, gamma = 2: 1 + 0.5 + 0.25 = 1.75 = (1 - 0.125) / 0.5.
    assert sp.tokens_per_step(0.5, 2) == pytest.approx(1.75)
    assert sp.tokens_per_step(1.0, 3) == 4
    assert sp.tokens_per_step(0.0, 3) == 1


def test_walltime_speedup_by_hand() -> None:
    # alpha 0.8, gamma 2, c 0.1: (1 + 0.8 + 0.64) / (2 x 0.1 + 1) = 2.44 / 1.2.
    assert sp.walltime_speedup(0.8, 2, 0.1) == pytest.approx(2.44 / 1.2)
    assert sp.walltime_speedup(0.85, 1, 0.0) == pytest.approx(1.85)


def test_draft_cost_implied_by_the_report() -> None:
    # 1.85 / 1.8 - 1 and 1.90 / 1.8 - 1: the draft costs 2.8% to 5.6% of a main-model step.
    assert sp.implied_draft_cost(1.8, 0.85) == pytest.approx(1.85 / 1.8 - 1)
    assert sp.implied_draft_cost(1.8, 0.90) == pytest.approx(1.90 / 1.8 - 1)
    assert round(sp.implied_draft_cost(1.8, 0.85), 3) == 0.028
    assert sp.walltime_speedup(0.85, 1, sp.implied_draft_cost(1.8, 0.85)) == pytest.approx(1.8)


def test_acceptance_from_length() -> None:
    # SGLang's "~1.9 avg accept length" with one draft: p = 0.9. Two drafts, length 1.75: alpha = 0.5.
    assert sp.acceptance_from_length(1.9) == pytest.approx(0.9)
    assert sp.acceptance_from_length(1.75, 2) == pytest.approx(0.5)
    with pytest.raises(sp.SpeculativeInputError, match="length"):
        sp.acceptance_from_length(2.5, 1)


@pytest.mark.parametrize(("alpha", "gamma"), [(0.85, 1), (0.7, 3), (0.3, 2)])
def test_monte_carlo_matches_the_closed_form(alpha: float, gamma: int) -> None:
    rng = np.random.default_rng(20250301)
    tokens = sp.simulate_steps(alpha, gamma, 200_000, rng)
    se = tokens.std(ddof=1) / np.sqrt(tokens.size)
    assert abs(tokens.mean() - sp.tokens_per_step(alpha, gamma)) < 4 * se
    # The distribution: j + 1 tokens with probability alpha^j (1 - alpha) for j < gamma, gamma + 1 with alpha^gamma.
    for j in range(gamma + 1):
        expected = alpha**j * (1 - alpha) if j < gamma else alpha**gamma
        share = np.mean(tokens == j + 1)
        assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / tokens.size) + 1e-12


def test_simulated_generation_and_seed() -> None:
    a = sp.simulate_generation(0.85, 1, 100_000, np.random.default_rng(7))
    b = sp.simulate_generation(0.85, 1, 100_000, np.random.default_rng(7))
    assert a == b
    assert a == pytest.approx(1.85, abs=0.01)


@pytest.mark.parametrize("p", [-0.01, 1.01, "0.9", True, float("nan")])
def test_acceptance_outside_unit_interval(p: object) -> None:
    with pytest.raises(sp.AcceptanceError):
        sp.tokens_per_step(p)  # type: ignore[arg-type]
    with pytest.raises(sp.AcceptanceError):
        sp.simulate_steps(p, 1, 10, np.random.default_rng(0))  # type: ignore[arg-type]


@pytest.mark.parametrize("gamma", [0, 1.5, True])
def test_gamma_must_be_a_positive_integer(gamma: object) -> None:
    with pytest.raises(sp.SpeculativeInputError, match="gamma"):
        sp.tokens_per_step(0.5, gamma)  # type: ignore[arg-type]
