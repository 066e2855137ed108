"""API prices per million tokens: the price of a token mix and the bill for a token volume.

Prices are US dollars per 1M tokens (1M = 1e6) for input served from the provider's cache
("cache hit"), other input ("cache miss") and output (loaded by :mod:`dsv3.inputs.prices`).

Conventions: a blended price is the price of one million tokens of a stated mix, ``r`` input
tokens for every output token, with a stated share ``h`` of the input hitting the cache:

    blended = (r x input + output) / (r + 1),   input = h x cache_hit + (1 - h) x cache_miss.

A model with no cache-hit price pays the cache-miss price on all input. The bill for a token
volume (:func:`bill`) is the one place that formula lives; :mod:`dsv3.serving.economics` uses it
for DeepSeek's theoretical revenue (benchmarks and prices chapter).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import pandas as pd

from dsv3.checks import fraction, non_negative
from dsv3.units import MILLION


def _hit_price(cache_hit: float | None, cache_miss: float) -> float:
    if cache_hit is None or (isinstance(cache_hit, float) and math.isnan(cache_hit)):
        return cache_miss
    return non_negative("cache_hit", cache_hit)


def input_price(cache_hit: float | None, cache_miss: float, cache_hit_rate: float) -> float:
    """Average price of an input token, per 1M: h x cache_hit + (1 - h) x cache_miss.

    ``cache_hit`` None or NaN: the model has no cache price and every input token pays
    ``cache_miss``. E.g. DeepSeek-V3 standard at h = 0.5: 0.5 x $0.07 + 0.5 x $0.27 = $0.17.
    """
    miss = non_negative("cache_miss", cache_miss)
    h = fraction("cache_hit_rate", cache_hit_rate)
    return h * _hit_price(cache_hit, miss) + (1.0 - h) * miss


def blended_price(
    cache_hit: float | None, cache_miss: float, output: float, *, input_output_ratio: float, cache_hit_rate: float
) -> float:
    """Price of 1M tokens of a mix of ``input_output_ratio`` input tokens per output token.

    (r x input_price + output) / (r + 1), with :func:`input_price` at ``cache_hit_rate``. E.g.
    GPT-4o-2024-08-06 at 3:1 without cache hits: (3 x $2.50 + $10.00) / 4 = $4.375.
    """
    r = non_negative("input_output_ratio", input_output_ratio)
    out = non_negative("output", output)
    return (r * input_price(cache_hit, cache_miss, cache_hit_rate) + out) / (r + 1.0)


class Bill(NamedTuple):
    """US dollars for a token volume, by kind of token; :attr:`total` is their sum."""

    cache_hit: float
    cache_miss: float
    output: float

    @property
    def total(self) -> float:
        return self.cache_hit + self.cache_miss + self.output


def bill(
    input_tokens: float,
    cache_hit_tokens: float,
    output_tokens: float,
    *,
    hit_price: float | None,
    miss_price: float,
    output_price: float,
) -> Bill:
    """US dollars for a token volume at prices per 1M tokens; cache misses are input - hits.

    hits x hit_price + (input - hits) x miss_price + output x output_price, all / 1M. A
    ``hit_price`` of None or NaN (no cache price) bills the hits at ``miss_price``. E.g.
    DeepSeek's day of 2025-02-27/28 at R1 prices: 342B x $0.14 + 266B x $0.55 + 168B x $2.19,
    per 1M, which DeepSeek states as "$562,027" (from its unrounded token counts).
    """
    tin = non_negative("input_tokens", input_tokens)
    hits = non_negative("cache_hit_tokens", cache_hit_tokens)
    if hits > tin:
        raise ValueError(f"cache_hit_tokens ({hits:g}) cannot exceed input_tokens ({tin:g})")
    tout = non_negative("output_tokens", output_tokens)
    miss = non_negative("miss_price", miss_price)
    return Bill(
        cache_hit=hits * _hit_price(hit_price, miss) / MILLION,
        cache_miss=(tin - hits) * miss / MILLION,
        output=tout * non_negative("output_price", output_price) / MILLION,
    )


def blended_prices(prices: pd.DataFrame, *, input_output_ratio: float, cache_hit_rate: float) -> pd.Series:
    """:func:`blended_price` of every row of ``prices`` (from :func:`load_prices`), by row."""
    return pd.Series(
        [
            blended_price(
                r.input_cache_hit,
                r.input_cache_miss,
                r.output,
                input_output_ratio=input_output_ratio,
                cache_hit_rate=cache_hit_rate,
            )
            for r in prices.itertuples(index=False)
        ],
        index=prices.index,
        dtype=float,
    )


def workload_costs(
    prices: pd.DataFrame, *, input_tokens: float, output_tokens: float, cache_hit_rate: float
) -> pd.Series:
    """:func:`bill` total of one workload on every row of ``prices``, by row, in US dollars.

    ``cache_hit_rate`` of the ``input_tokens`` are cache hits (billed at the miss price by a row
    with no cache price).
    """
    hits = fraction("cache_hit_rate", cache_hit_rate) * non_negative("input_tokens", input_tokens)
    return pd.Series(
        [
            bill(
                input_tokens,
                hits,
                output_tokens,
                hit_price=r.input_cache_hit,
                miss_price=r.input_cache_miss,
                output_price=r.output,
            ).total
            for r in prices.itertuples(index=False)
        ],
        index=prices.index,
        dtype=float,
    )
