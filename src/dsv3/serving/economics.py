"""Serving economics from DeepSeek's statistics of its online service (2025-03-01).

Source: DeepSeek, "DeepSeek-V3 / R1 Inference System Overview" (deepseek-ai/open-infra-index,
202502OpenSourceWeek, day 6), section "Statistics of DeepSeek's Online Service": one 24-hour
window (UTC+8 2025-02-27 12:00 to 2025-02-28 12:00), V3 and R1 together; 226.75 H800 nodes of 8
GPUs on average at an assumed $2 per GPU-hour ("$87,072" a day); 608B input tokens (342B cache
hits), 168B output tokens; "$562,027" a day if every token were billed at R1 prices, "a cost
profit margin of 545%". Units: US dollars, tokens as plain counts, prices per 1M tokens.

The revenue of a token volume is :func:`dsv3.serving.prices.bill` (the one billing formula).
"""

from __future__ import annotations

from itertools import product

from dsv3.checks import non_negative, positive
from dsv3.serving.prices import bill
from dsv3.training.cost import rental_cost_usd
from dsv3.units import HOURS_PER_DAY, MILLION, SECONDS_PER_HOUR


def daily_cost_usd(
    avg_nodes: float, gpus_per_node: float, usd_per_gpu_hour: float, hours: float = HOURS_PER_DAY
) -> float:
    """Rental cost of ``avg_nodes`` nodes for ``hours``: nodes x GPUs x $/GPU-h x h.

    The disclosure: 226.75 x 8 x $2 x 24 = $87,072.
    """
    gpu_hours = positive("avg_nodes", avg_nodes) * positive("gpus_per_node", gpus_per_node) * positive("hours", hours)
    return rental_cost_usd(gpu_hours, usd_per_gpu_hour)


def revenue_range(
    input_tokens: float,
    cache_hit_tokens: float,
    output_tokens: float,
    *,
    rounding: float,
    hit_price: float,
    miss_price: float,
    output_price: float,
) -> tuple[float, float]:
    """Lowest and highest revenue (:func:`dsv3.serving.prices.bill`) over token counts that print as the given ones.

    Each count is known to within ``rounding`` / 2 (the disclosure prints whole billions, so
    ``rounding`` = 1e9). Revenue is linear in the three counts, so the extremes are at the corners.
    """
    half = positive("rounding", rounding) / 2
    values = []
    for d_in, d_hit, d_out in product((-half, half), repeat=3):
        tin, hits = input_tokens + d_in, cache_hit_tokens + d_hit
        if hits > tin:
            hits = tin
        values.append(
            bill(
                max(tin, 0.0),
                max(hits, 0.0),
                max(output_tokens + d_out, 0.0),
                hit_price=hit_price,
                miss_price=miss_price,
                output_price=output_price,
            ).total
        )
    return min(values), max(values)


def implied_output_tokens(
    revenue: float,
    input_tokens: float,
    cache_hit_tokens: float,
    *,
    hit_price: float,
    miss_price: float,
    output_price: float,
) -> float:
    """Output tokens that make the :func:`dsv3.serving.prices.bill` total equal ``revenue``, the input counts held fixed."""
    input_revenue = bill(
        input_tokens, cache_hit_tokens, 0.0, hit_price=hit_price, miss_price=miss_price, output_price=output_price
    ).total
    return (non_negative("revenue", revenue) - input_revenue) * MILLION / positive("output_price", output_price)


def markup(revenue: float, cost: float) -> float:
    """Profit as a fraction of cost, (revenue - cost) / cost: DeepSeek's "cost profit margin"."""
    return (non_negative("revenue", revenue) - positive("cost", cost)) / cost


def margin(revenue: float, cost: float) -> float:
    """Profit as a fraction of revenue, (revenue - cost) / revenue: the usual gross margin."""
    return (positive("revenue", revenue) - non_negative("cost", cost)) / revenue


def usd_per_million_tokens(usd_per_node_hour: float, tokens_per_s_per_node: float) -> float:
    """Cost of 1M tokens on a node that costs ``usd_per_node_hour`` and processes ``tokens_per_s_per_node``.

    $16 per node-hour (8 GPUs x $2) at ~14.8k output tokens/s: 16 / (14,800 x 3,600) x 1e6 = $0.30.
    """
    per_hour = positive("tokens_per_s_per_node", tokens_per_s_per_node) * SECONDS_PER_HOUR
    return positive("usd_per_node_hour", usd_per_node_hour) / per_hour * MILLION


def node_days(tokens: float, tokens_per_s_per_node: float) -> float:
    """Node-days needed for ``tokens`` at ``tokens_per_s_per_node`` (= average nodes busy over a day)."""
    per_day = positive("tokens_per_s_per_node", tokens_per_s_per_node) * SECONDS_PER_HOUR * HOURS_PER_DAY
    return non_negative("tokens", tokens) / per_day
