"""MTP as speculative decoding (dsv3.serving.speculative): defaults, bounds and the toy simulation.

The simulation is driven by a stub generator whose uniforms are written here, so each step's
accepted drafts can be counted by eye: draft i is accepted when its uniform is below alpha and
every earlier draft of the step was accepted; the step emits 1 + the leading acceptances.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dsv3.serving import speculative as sp


class Uniforms:
    """A stand-in for ``np.random.Generator``: ``random(shape)`` returns the given rows, cycled."""

    def __init__(self, rows: list[list[float]]) -> None:
        self.rows = np.array(rows, dtype=float)
        self.shapes: list[tuple[int, int]] = []

    def random(self, shape: tuple[int, int]) -> np.ndarray:
        self.shapes.append(shape)
        n, g = shape
        return np.resize(self.rows, (n, self.rows.shape[1]))[:, :g]


def test_tokens_per_step_default_is_one_draft() -> None:
    # 1 + alpha with gamma = 1.
    assert sp.tokens_per_step(0.5) == 1.5
    assert sp.tokens_per_step_depth1(0.0) == 1
    assert sp.tokens_per_step_depth1(1.0) == 2


def test_implied_draft_cost_at_a_speedup_of_one() -> None:
    # A 1x speed-up with 1.5 tokens per step: the draft costs (1.5 / 1 - 1) / 1 = half a step.
    assert sp.implied_draft_cost(1.0, 0.5) == pytest.approx(0.5)
    # A speed-up above the tokens per step gives a negative cost: (1.5 / 3 - 1) = -0.5.
    assert sp.implied_draft_cost(3.0, 0.5) == pytest.approx(-0.5)


@pytest.mark.parametrize("speedup", [0, 0.0, -1.0, math.inf, math.nan, True])
def test_implied_draft_cost_refuses_a_bad_speedup(speedup: float) -> None:
    with pytest.raises(sp.SpeculativeInputError, match=r"^speedup\b"):
        sp.implied_draft_cost(speedup, 0.5)


def test_walltime_speedup_refuses_an_infinite_draft_cost() -> None:
    with pytest.raises(sp.SpeculativeInputError, match=r"^draft_cost\b"):
        sp.walltime_speedup(0.5, 1, math.inf)
    with pytest.raises(sp.SpeculativeInputError, match=r"^draft_cost\b"):
        sp.walltime_speedup(0.5, 1, "0.1")  # type: ignore[arg-type]


def test_acceptance_from_length_at_its_bounds() -> None:
    # Length 1: no draft is ever accepted; length gamma + 1: every draft is.
    assert sp.acceptance_from_length(1.0) == pytest.approx(0.0, abs=1e-12)
    assert sp.acceptance_from_length(2.0) == pytest.approx(1.0)
    assert sp.acceptance_from_length(3.0, 2) == pytest.approx(1.0)
    # Depth 1 by default: length 1.5 is alpha 0.5 (1 + alpha); with gamma = 3, 1 + a + a^2 + a^3 = 1.875 at 0.5.
    assert sp.acceptance_from_length(1.5) == pytest.approx(0.5)
    assert sp.acceptance_from_length(1.875, 3) == pytest.approx(0.5)


@pytest.mark.parametrize(("length", "gamma"), [(0.99, 1), (2.01, 1), (3.01, 2), (True, 1), ("1.5", 1)])
def test_acceptance_from_length_refuses(length: object, gamma: int) -> None:
    with pytest.raises(sp.SpeculativeInputError, match=r"^length\b"):
        sp.acceptance_from_length(length, gamma)  # type: ignore[arg-type]
    with pytest.raises(sp.SpeculativeInputError, match=r"^gamma\b"):
        sp.acceptance_from_length(1.5, 0)


def test_simulated_steps_by_hand() -> None:
    # alpha 0.5, 3 drafts. Step 1: 0.1 accepted, 0.9 rejected -> 1 draft, 2 tokens (the third
    # draft's 0.2 does not count after a rejection). Step 2: 0.7 rejected -> 1 token. Step 3: all
    # three accepted -> 4 tokens. A uniform equal to alpha is a rejection (accept when u < alpha).
    rng = Uniforms([[0.1, 0.9, 0.2], [0.7, 0.1, 0.1], [0.1, 0.2, 0.3], [0.5, 0.1, 0.1]])
    out = sp.simulate_steps(0.5, 3, 4, rng)  # type: ignore[arg-type]
    assert out.tolist() == [2, 1, 4, 1]
    assert rng.shapes == [(4, 3)]
    # One step is allowed.
    assert sp.simulate_steps(0.5, 3, 1, Uniforms([[0.1, 0.1, 0.9]])).tolist() == [3]  # type: ignore[arg-type]


@pytest.mark.parametrize("steps", [0, 1.5, True])
def test_simulated_steps_refuse_a_bad_count(steps: object) -> None:
    with pytest.raises(sp.SpeculativeInputError, match=r"^steps\b"):
        sp.simulate_steps(0.5, 1, steps, np.random.default_rng(0))  # type: ignore[arg-type]


def test_simulated_generation_by_hand() -> None:
    # One draft at alpha 0.5; uniforms 0.1, 0.9, 0.1, ... emit 2, 1, 2, 1, ... tokens per step.
    # 3 tokens are reached exactly at step 2 (2 + 1): 3 / 2. 4 tokens at step 3 (2 + 1 + 2 = 5): 4 / 3.
    rows = [[0.1], [0.9]]
    assert sp.simulate_generation(0.5, 1, 3, Uniforms(rows)) == pytest.approx(3 / 2)  # type: ignore[arg-type]
    assert sp.simulate_generation(0.5, 1, 4, Uniforms(rows)) == pytest.approx(4 / 3)  # type: ignore[arg-type]
    # One token: one step.
    assert sp.simulate_generation(0.5, 1, 1, Uniforms(rows)) == 1  # type: ignore[arg-type]
    # It draws n_tokens steps of gamma drafts at once.
    rng = Uniforms(rows)
    sp.simulate_generation(0.5, 1, 4, rng)  # type: ignore[arg-type]
    assert rng.shapes == [(4, 1)]


@pytest.mark.parametrize("n_tokens", [0, 2.5, True])
def test_simulated_generation_refuses_a_bad_count(n_tokens: object) -> None:
    with pytest.raises(sp.SpeculativeInputError, match=r"^n_tokens\b"):
        sp.simulate_generation(0.5, 1, n_tokens, np.random.default_rng(0))  # type: ignore[arg-type]


def test_acceptance_refusals_name_the_argument() -> None:
    with pytest.raises(sp.AcceptanceError, match=r"^alpha\b"):
        sp.tokens_per_step(1.5)
    with pytest.raises(sp.AcceptanceError, match=r"^alpha\b"):
        sp.simulate_steps(1.5, 1, 10, np.random.default_rng(0))
    with pytest.raises(sp.AcceptanceError, match=r"^p\b"):
        sp.tokens_per_step_depth1(-0.5)
