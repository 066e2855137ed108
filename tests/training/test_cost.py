"""Cost arithmetic against the figures DeepSeek and Meta publish.

Expected values are quoted from the sources (V3 = DeepSeek-V3 Technical Report, arXiv:2412.19437;
V2 = DeepSeek-V2 Technical Report, arXiv:2405.04434; Llama cards = meta-llama/llama-models).
"""

from __future__ import annotations

import math

import pytest

from dsv3.inputs.runs import training_runs
from dsv3.training import cost


def test_table1_costs_at_two_dollars() -> None:
    # V3 Table 1: "2664K | 119K | 5K | 2788K" GPU-h -> "$5.328M | $0.238M | $0.01M | $5.576M".
    assert cost.rental_cost_usd(2_664_000, 2) == pytest.approx(5.328e6)
    assert cost.rental_cost_usd(119_000, 2) == pytest.approx(0.238e6)
    assert cost.rental_cost_usd(5_000, 2) == pytest.approx(0.01e6)
    assert cost.rental_cost_usd(2_788_000, 2) == pytest.approx(5.576e6)


def test_stage_costs_rebuilds_table1_from_the_data() -> None:
    table = cost.stage_costs(training_runs(), "DeepSeek-V3", 2.0).set_index("stage")
    assert list(table.index) == ["pre-training", "context extension", "post-training", "total"]
    # V3 Table 1 total: 2788K GPU-h, $5.576M.
    assert table.loc["total", "gpu_hours"] == 2_788_000
    assert round(table.loc["total", "usd"] / 1e6, 3) == 5.576


def test_stage_costs_unknown_model() -> None:
    with pytest.raises(ValueError, match="'GPT-5'"):
        cost.stage_costs(training_runs(), "GPT-5", 2.0)


def test_per_trillion_tokens_and_days() -> None:
    # V3 Section 1: "each trillion tokens requires only 180K H800 GPU hours, i.e., 3.7 days on our
    # cluster with 2048 H800 GPUs"; pre-training "2664K GPU hours" on "14.8T" tokens.
    per_t = cost.gpu_hours_per_trillion_tokens(2_664_000, 14.8e12)
    assert round(per_t / 1e3) == 180
    assert round(cost.wall_clock_days(180_000, 2048), 1) == 3.7
    # "our pre-training stage is completed in less than two months"
    assert cost.wall_clock_days(2_664_000, 2048) < 2 * 365.25 / 12


def test_post_training_hours_on_the_cluster() -> None:
    # 5K GPU-h (Table 1) on 2,048 GPUs (Section 3.1): "about 2.44 hours" of the whole cluster.
    assert round(cost.wall_clock_hours(5_000, 2048), 2) == 2.44


def test_llama_405b_at_deepseek_price_and_ratio() -> None:
    # Llama 3.1 card: 405B "30.84M" H100 GPU-h. At V3's $2/GPU-h: $61.68M; ~11x V3's 2.788M.
    assert cost.rental_cost_usd(30.84e6, 2) == pytest.approx(61.68e6)
    assert round(cost.ratio(30.84e6, 2.788e6)) == 11


def test_v2_saving_against_dense_67b() -> None:
    # V2 Section 3.2.3: 67B "300.6K GPU hours", V2 "172.8K GPU hours", "can save 42.5% training costs".
    assert round(cost.saving(172.8e3, 300.6e3), 3) == 0.425


def test_tokens_per_gpu_second() -> None:
    # 14.8T tokens (Section 4.1) in 2,664K GPU-h (Table 1): 1,543 tokens per GPU per second.
    assert round(cost.tokens_per_gpu_second(2_664_000, 14.8e12)) == 1543


BAD = [0, -1, -0.5, math.nan, math.inf, True, "2", None]


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize(
    ("func", "args", "position", "name"),
    [
        (cost.rental_cost_usd, (100.0, 2.0), 0, "gpu_hours"),
        (cost.rental_cost_usd, (100.0, 2.0), 1, "usd_per_gpu_hour"),
        (cost.wall_clock_days, (100.0, 8), 0, "gpu_hours"),
        (cost.wall_clock_days, (100.0, 8), 1, "n_gpus"),
        (cost.gpu_hours_per_trillion_tokens, (100.0, 1e12), 1, "tokens"),
        (cost.ratio, (1.0, 2.0), 1, "denominator"),
    ],
)
def test_bad_input_names_the_argument(func, args, position, name, bad) -> None:
    call = list(args)
    call[position] = bad
    with pytest.raises(ValueError, match=rf"^{name} must"):
        func(*call)
