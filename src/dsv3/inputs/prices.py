"""API prices as data: ``data/api_prices.csv``, US dollars per 1M tokens, one row per model and
price period, each with its dates, evidence level and source (DeepSeek API Docs "Models & Pricing";
OpenAI's posts of 2024-08-06 and 2024-10-01; Anthropic's pricing page; DeepSeek-V2's repository
figure ``model_price.png``). Anthropic's charge for writing to its cache is ``input_cache_write``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from dsv3.inputs.paths import data_file
from dsv3.inputs.schema import SOURCE, Column, DataError, read_table

PRICES = (
    Column("model_id"),
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
def _load_prices(path: Path | None) -> pd.DataFrame:
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


def load_prices(path: Path | None = None) -> pd.DataFrame:
    """API prices, USD per 1M tokens: ``data/api_prices.csv`` (or ``path``), validated (a copy).

    Names are unique, and a cache hit never costs more than a miss. A bad cell raises
    ``DataError`` naming the file, row and column.
    """
    return _load_prices(path).copy()


def price(name: str, prices: pd.DataFrame | None = None) -> pd.Series:
    """The one price row called ``name``; ``KeyError`` names an unknown one."""
    table = load_prices() if prices is None else prices
    match = table[table["name"] == name]
    if len(match) != 1:
        raise KeyError(f"no single price row {name!r} (have {list(table['name'])})")
    return match.iloc[0]
