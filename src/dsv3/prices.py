"""API prices per million tokens: blended prices, the bill for a token volume, Pareto frontiers.

The data is ``data/api_prices.csv``: US dollars per 1M tokens (1M = 1e6) for input served from the
provider's cache ("cache hit"), other input ("cache miss") and output, one row per model and price
period, each with its source (DeepSeek API Docs "Models & Pricing"; OpenAI's posts of 2024-08-06 and
2024-10-01; Anthropic's pricing page; DeepSeek-V2's repository figure ``model_price.png``).

Conventions: a blended price is the price of one million tokens of a stated mix, ``r`` input
tokens for every output token, with a stated share ``h`` of the input hitting the cache:

    blended = (r x input + output) / (r + 1),   input = h x cache_hit + (1 - h) x cache_miss.

A model with no cache-hit price pays the cache-miss price on all input. Anthropic's charge for
writing to its cache is not in the blend (see ``input_cache_write`` in the data).

The bill for a token volume (:func:`bill`: hits x hit price + misses x miss price + output x
output price, per 1M) is the one place that formula lives; ``dsv3.serving`` uses it for
DeepSeek's theoretical revenue. Price ratios use :func:`dsv3.cost.ratio`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from dsv3.checks import fraction, non_negative, positive
from dsv3.data import SOURCE, Column, DataError, read_table
from dsv3.paths import data_file

#: Prices are per million tokens (1M = 1e6).
MILLION = 1e6

PRICES = (
    Column("name"),
    Column("price_name"),
    Column("benchmarked_as", required=False),
    Column("input_cache_hit", "number", required=False, positive=True),
    Column("input_cache_miss", "number", positive=True),
    Column("input_cache_write", "number", required=False, positive=True),
    Column("output", "number", positive=True),
    Column("dates"),
    Column("evidence", choices=("primary", "secondary", "derived")),
    SOURCE,
)


@cache
def load_prices(path: Path | None = None) -> pd.DataFrame:
    """API prices, USD per 1M tokens: ``data/api_prices.csv`` (or ``path``), validated.

    Names are unique, and a cache hit never costs more than a miss. A bad cell raises
    ``DataError`` naming the file, row and column.
    """
    path = path or data_file("api_prices.csv")
    table = read_table(path, PRICES)
    dup = table["name"].duplicated()
    if dup.any():
        raise DataError(f"{path.name}, row {int(dup.to_numpy().nonzero()[0][0]) + 1}, column 'name': duplicate name")
    dearer = table["input_cache_hit"] > table["input_cache_miss"]
    if dearer.any():
        row = int(dearer.to_numpy().nonzero()[0][0]) + 1
        raise DataError(f"{path.name}, row {row}, column 'input_cache_hit': more than the cache-miss price")
    return table


def price(name: str, prices: pd.DataFrame | None = None) -> pd.Series:
    """The one price row called ``name``; ``KeyError`` names an unknown one."""
    table = load_prices() if prices is None else prices
    match = table[table["name"] == name]
    if len(match) != 1:
        raise KeyError(f"no single price row {name!r} (have {list(table['name'])})")
    return match.iloc[0]


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


def blended_price(cache_hit: float | None, cache_miss: float, output: float, *,
                  input_output_ratio: float, cache_hit_rate: float) -> float:
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


def bill(input_tokens: float, cache_hit_tokens: float, output_tokens: float, *,
         hit_price: float | None, miss_price: float, output_price: float) -> Bill:
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
            blended_price(r.input_cache_hit, r.input_cache_miss, r.output,
                          input_output_ratio=input_output_ratio, cache_hit_rate=cache_hit_rate)
            for r in prices.itertuples(index=False)
        ],
        index=prices.index,
        dtype=float,
    )


def workload_costs(prices: pd.DataFrame, *, input_tokens: float, output_tokens: float,
                   cache_hit_rate: float) -> pd.Series:
    """:func:`bill` total of one workload on every row of ``prices``, by row, in US dollars.

    ``cache_hit_rate`` of the ``input_tokens`` are cache hits (billed at the miss price by a row
    with no cache price).
    """
    hits = fraction("cache_hit_rate", cache_hit_rate) * non_negative("input_tokens", input_tokens)
    return pd.Series(
        [
            bill(input_tokens, hits, output_tokens, hit_price=r.input_cache_hit, miss_price=r.input_cache_miss,
                 output_price=r.output).total
            for r in prices.itertuples(index=False)
        ],
        index=prices.index,
        dtype=float,
    )


def pareto_front(costs: Sequence[float], scores: Sequence[float]) -> list[bool]:
    """Which points no other point beats on both axes (lower cost, higher score).

    A point is dominated when another costs no more and scores no less, and is strictly better
    on one of the two. Equal points are both on the frontier.
    """
    if len(costs) != len(scores):
        raise ValueError(f"costs and scores differ in length ({len(costs)} and {len(scores)})")
    c = [positive("costs", x) for x in costs]
    s = [float(x) for x in scores]
    for x in s:
        if not math.isfinite(x):
            raise ValueError(f"scores must be finite numbers, got {x!r}")
    return [
        not any(c[j] <= c[i] and s[j] >= s[i] and (c[j] < c[i] or s[j] > s[i]) for j in range(len(c)) if j != i)
        for i in range(len(c))
    ]
