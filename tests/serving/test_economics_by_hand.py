"""Serving economics (dsv3.serving.economics) on round numbers worked by hand.

Prices are per 1M tokens, so a price of $1e6 per 1M is $1 a token: small token counts then give
whole dollars that can be checked by eye. The disclosure's own figures are in test_serving.py.
"""

from __future__ import annotations

import math

import pytest

from dsv3.serving import economics as ec

# $1, $2 and $3 a token for a cache hit, a cache miss and an output token.
PER_TOKEN = {"hit_price": 1e6, "miss_price": 2e6, "output_price": 3e6}


def test_daily_cost_hours_default_to_a_day() -> None:
    # 1 node x 1 GPU x $1 per GPU-hour x 24 h = $24; for 1 hour: 2 nodes x 8 GPUs x $2 = $32.
    assert ec.daily_cost_usd(1, 1, 1) == 24
    assert ec.daily_cost_usd(2, 8, 2, hours=1) == 32
    with pytest.raises(ValueError, match=r"^hours\b"):
        ec.daily_cost_usd(1, 1, 1, hours=0)


def test_revenue_range_at_the_corners_by_hand() -> None:
    # Revenue = hits x 1 + (input - hits) x 2 + output x 3 = 2 input - hits + 3 output (dollars).
    # Counts 10, 4, 5 known to +-1 (rounding 2): lowest at input 9, hits 5, output 4: 18 - 5 + 12 = 25;
    # highest at input 11, hits 3, output 6: 22 - 3 + 18 = 37.
    assert ec.revenue_range(10, 4, 5, rounding=2, **PER_TOKEN) == pytest.approx((25, 37))


def test_revenue_range_clamps_hits_to_input_and_counts_at_zero() -> None:
    # Input 4, hits 4, output 0, +-1: hits above the input are capped at it (input 3, hits 5 -> 3):
    # lowest 2 x 3 - 3 + 0 = 3 (output -1 -> 0); highest input 5, hits 3, output 1: 10 - 3 + 3 = 10.
    assert ec.revenue_range(4, 4, 0, rounding=2, **PER_TOKEN) == pytest.approx((3, 10))
    # Input 0, hits 0, output 0, +-1: input -1 counts as 0 (and its hits with it); input 1 with
    # hits -1 -> 0 is 2 misses = $2; output 1 is $3. Lowest 0, highest 2 + 3 = 5.
    assert ec.revenue_range(0, 0, 0, rounding=2, **PER_TOKEN) == pytest.approx((0, 5))


def test_implied_output_tokens_by_hand() -> None:
    # Input 10 tokens of which 4 hit: 4 x $1 + 6 x $2 = $16; $31 of revenue leaves $15 = 5 outputs at $3.
    assert ec.implied_output_tokens(31, 10, 4, **PER_TOKEN) == pytest.approx(5)
    # Revenue equal to the input's alone: no output tokens.
    assert ec.implied_output_tokens(16, 10, 4, **PER_TOKEN) == pytest.approx(0)
    with pytest.raises(ValueError, match=r"^revenue\b"):
        ec.implied_output_tokens(-1, 10, 4, **PER_TOKEN)
    with pytest.raises(ValueError, match=r"^output_price\b"):
        ec.implied_output_tokens(31, 10, 4, hit_price=1e6, miss_price=2e6, output_price=0)


def test_markup_and_margin_by_hand() -> None:
    # Revenue 3, cost 1: profit 2 is 200% of cost and 2/3 of revenue.
    assert ec.markup(3, 1) == 2
    assert ec.margin(3, 1) == pytest.approx(2 / 3)
    # No revenue is allowed for the markup (-100%); no cost for the margin (100%).
    assert ec.markup(0, 2) == -1
    assert ec.margin(2, 0) == 1
    with pytest.raises(ValueError, match=r"^cost\b"):
        ec.margin(2, -1)
    with pytest.raises(ValueError, match=r"^revenue\b"):
        ec.margin(-2, 1)


def test_unit_costs_by_hand() -> None:
    # $3.6 per node-hour at 1 token/s: 3,600 tokens an hour, $0.001 a token, $1,000 per 1M.
    assert ec.usd_per_million_tokens(3.6, 1) == pytest.approx(1000)
    # 86,400 tokens at 1 token/s take one node-day; none take none.
    assert ec.node_days(86_400, 1) == 1
    assert ec.node_days(0, 1) == 0
    with pytest.raises(ValueError, match=r"^tokens_per_s_per_node\b"):
        ec.node_days(1, 0)
    # $3.6 per GPU-hour, 1 token/s at half utilisation: 1,800 tokens an hour, $2,000 per 1M.
    assert ec.usd_per_million_at_utilisation(3.6, 1, 0.5) == pytest.approx(2000)
    assert ec.usd_per_million_at_utilisation(3.6, 1, 1) == pytest.approx(1000)  # the bound 1 is allowed
    # 10 FLOP/s at half utilisation over 2 FLOPs a token: 2.5 tokens/s.
    assert ec.prefill_tokens_per_s(2, 10, 0.5) == 2.5


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((3.6, 1, 0), "utilisation"),
        ((3.6, 1, math.nan), "utilisation"),
        ((3.6, 1, 1.0000001), "utilisation"),
        ((3.6, 0, 0.5), "tokens_per_s_per_gpu"),
        ((0, 1, 0.5), "usd_per_gpu_hour"),
    ],
)
def test_usd_per_million_at_utilisation_refuses(args: tuple, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        ec.usd_per_million_at_utilisation(*args)
