"""Serving economics against DeepSeek's disclosure of 2025-03-01.

Source: DeepSeek, "DeepSeek-V3 / R1 Inference System Overview" (deepseek-ai/open-infra-index,
202502OpenSourceWeek, day 6), "Statistics of DeepSeek's Online Service". Quoted per test.
"""

from __future__ import annotations

import math

import pytest

from dsv3.inputs.facts import fact
from dsv3.serving import economics as serving
from dsv3.serving.prices import bill

R1 = {"hit_price": 0.14, "miss_price": 0.55, "output_price": 2.19}  # "R1 Pricing: $0.14/M ... $0.55/M ... $2.19/M"


def test_daily_cost() -> None:
    # "average occupancy of 226.75 nodes (each node contains 8 H800 GPUs). Assuming the leasing
    # cost of one H800 GPU is $2 per hour, the total daily cost amounts to $87,072."
    assert serving.daily_cost_usd(226.75, 8, 2) == 87_072


def test_daily_cost_from_the_data() -> None:
    cost = serving.daily_cost_usd(
        fact("serving.avg_nodes").value,
        fact("serving.gpus_per_node").value,
        fact("serving.usd_per_gpu_hour").value,
        fact("serving.window_hours").value,
    )
    fact("serving.daily_cost_usd").check(cost)


def test_revenue_is_the_stated_figure_up_to_rounding_of_the_token_counts() -> None:
    # "Total input tokens: 608B, of which 342B tokens (56.3%) hit"; "Total output tokens: 168B";
    # "the total daily revenue would be $562,027". The printed (whole-billion) counts miss that
    # figure by about $73 (0.013%); counts that print the same way bracket it.
    computed = bill(608e9, 342e9, 168e9, **R1).total
    assert computed == pytest.approx(562_027, rel=2e-4)
    assert computed != pytest.approx(562_027, abs=0.5)
    low, high = serving.revenue_range(608e9, 342e9, 168e9, rounding=1e9, **R1)
    assert low < 562_027 < high
    # Output tokens that give exactly $562,027 with the input counts as printed: still "168B".
    assert round(serving.implied_output_tokens(562_027, 608e9, 342e9, **R1) / 1e9) == 168


def test_545_percent_is_a_markup_on_cost() -> None:
    # "the total daily revenue would be $562,027, with a cost profit margin of 545%"; cost $87,072.
    fact("serving.cost_profit_margin").check(serving.markup(562_027, 87_072))
    assert round(serving.margin(562_027, 87_072), 3) == 0.845
    # Revenue rebuilt from the printed token counts would print as 546%, not "545%": DeepSeek
    # divided its own unrounded revenue.
    rebuilt = bill(608e9, 342e9, 168e9, **R1).total
    assert round(serving.markup(rebuilt, 87_072), 2) == 5.46


def test_cache_hit_share() -> None:
    # "342B tokens (56.3%)": 342 / 608 = 0.5625, which prints as 56.3% only rounding half up (or
    # from unrounded counts).
    fact("serving.input_cache_hit_share").check(342 / 608)


def test_cost_per_million_tokens_adds_up_to_the_daily_cost() -> None:
    # "~14.8k tokens/s" output per node while decoding, "~73.7k tokens/s input (including cache
    # hits)" while prefilling; a node is "8 H800 GPUs" at "$2 per hour" each: $16 per node-hour.
    node_hour = fact("serving.gpus_per_node").value * fact("serving.usd_per_gpu_hour").value
    assert node_hour == 16
    per_m_out = serving.usd_per_million_tokens(node_hour, 14.8e3)
    per_m_in = serving.usd_per_million_tokens(node_hour, 73.7e3)
    # The day's "168B" output and "608B" input tokens at those unit costs are the disclosure's
    # "$87,072" a day, to within the three significant figures of the throughputs.
    assert 168e9 * per_m_out / 1e6 + 608e9 * per_m_in / 1e6 == pytest.approx(87_072, rel=0.002)


def test_throughputs_account_for_the_average_node_count() -> None:
    # 168B output at ~14.8k tokens/s per node plus 608B input at ~73.7k: node-days in one day.
    total = serving.node_days(168e9, 14.8e3) + serving.node_days(608e9, 73.7e3)
    assert total == pytest.approx(226.75, rel=0.002)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: serving.daily_cost_usd(-226.75, 8, 2), "avg_nodes"),
        (lambda: serving.daily_cost_usd(226.75, 0, 2), "gpus_per_node"),
        (lambda: serving.daily_cost_usd(226.75, 8, math.nan), "usd_per_gpu_hour"),
        (lambda: serving.revenue_range(608e9, 342e9, 168e9, rounding=0, **R1), "rounding"),
        (lambda: serving.markup(562_027, 0), "cost"),
        (lambda: serving.margin(0, 87_072), "revenue"),
        (lambda: serving.usd_per_million_tokens(16, -14.8e3), "tokens_per_s_per_node"),
        (lambda: serving.usd_per_million_tokens(-16, 14.8e3), "usd_per_node_hour"),
        (lambda: serving.node_days(-1, 14.8e3), "tokens"),
    ],
)
def test_bad_input_names_the_argument(call, name) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()
