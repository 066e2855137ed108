"""Survivors of ``make mutate`` in ``dsv3.arch.flops`` that were real gaps.

- ``run_flops`` refuses a segment of no tokens naming ``tokens``;
- ``crossover_seq_len``'s bisection runs until its bracket is one length wide: started on a bracket of three
  lengths around the crossover it still returns the first length where ``a`` costs more (checked on both sides
  from ``training_flops_per_token``, not from the function).
"""

from __future__ import annotations

import pytest

from dsv3.arch.flops import crossover_seq_len, run_flops, training_flops_per_token
from dsv3.inputs.models import load_model


def test_run_flops_refuses_a_segment_of_no_tokens_naming_tokens() -> None:
    v3 = load_model("DeepSeek-V3")
    with pytest.raises(ValueError, match="tokens"):
        run_flops(v3, [(1e9, 4096), (0, 4096)])


def test_crossover_from_a_bracket_of_three_lengths() -> None:
    a, b = load_model("DeepSeek-V3"), load_model("Qwen2.5-72B")
    t = crossover_seq_len(a, b)
    assert isinstance(t, int)
    assert training_flops_per_token(a, t) > training_flops_per_token(b, t)
    assert training_flops_per_token(a, t - 1) <= training_flops_per_token(b, t - 1)
    # low = t - 2 and high = t + 1: the bisection must narrow (t - 1, t + 1) down to (t - 1, t).
    assert crossover_seq_len(a, b, low=t - 2, high=t + 1) == t
    assert crossover_seq_len(a, b, low=t - 3, high=t + 1) == t
