"""Price tables (dsv3.serving.prices): blended prices and workload costs row by row, worked by hand.

A small table in the price table's columns (``input_cache_hit``, ``input_cache_miss``, ``output``,
US dollars per 1M tokens); one row has no cache price (NaN) and pays the miss price on every input.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dsv3.serving import prices

TABLE = pd.DataFrame(
    {
        "name": ["A", "B"],
        "input_cache_hit": [1.0, math.nan],
        "input_cache_miss": [3.0, 4.0],
        "output": [5.0, 8.0],
    },
    index=[10, 20],
)


def test_blended_prices_row_by_row() -> None:
    # 3 input tokens per output, a quarter of the input hitting the cache.
    # A: input 0.25 x 1 + 0.75 x 3 = 2.5; (3 x 2.5 + 5) / 4 = 3.125.
    # B: no cache price, input 4; (3 x 4 + 8) / 4 = 5.
    out = prices.blended_prices(TABLE, input_output_ratio=3, cache_hit_rate=0.25)
    assert out.tolist() == pytest.approx([3.125, 5.0])
    assert out.index.tolist() == [10, 20]  # the table's own index, for joining back
    assert out.dtype == float
    # Output only (ratio 0): the output prices.
    assert prices.blended_prices(TABLE, input_output_ratio=0, cache_hit_rate=0.25).tolist() == [5.0, 8.0]


def test_blended_prices_of_an_empty_table_is_an_empty_float_series() -> None:
    out = prices.blended_prices(TABLE.iloc[:0], input_output_ratio=3, cache_hit_rate=0.25)
    assert out.empty and out.dtype == float


def test_workload_costs_row_by_row() -> None:
    # 4M input tokens, half of them hits, 1M output tokens.
    # A: 2 x $1 + 2 x $3 + 1 x $5 = $13. B: 4 x $4 (hits at the miss price) + 1 x $8 = $24.
    out = prices.workload_costs(TABLE, input_tokens=4e6, output_tokens=1e6, cache_hit_rate=0.5)
    assert out.tolist() == pytest.approx([13.0, 24.0])
    assert out.index.tolist() == [10, 20]
    assert out.dtype == float
    empty = prices.workload_costs(TABLE.iloc[:0], input_tokens=4e6, output_tokens=1e6, cache_hit_rate=0.5)
    assert empty.empty and empty.dtype == float


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"cache_hit_rate": 1.5}, "cache_hit_rate"),
        ({"input_tokens": -1.0}, "input_tokens"),
        ({"output_tokens": -1.0}, "output_tokens"),
    ],
)
def test_workload_costs_refuses(kwargs: dict, name: str) -> None:
    args = {"input_tokens": 4e6, "output_tokens": 1e6, "cache_hit_rate": 0.5} | kwargs
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        prices.workload_costs(TABLE, **args)


def test_bill_by_hand_and_its_refusals() -> None:
    # 3 hits x $1 + (5 - 3) misses x $3 + 2 outputs x $5, prices per 1M tokens.
    b = prices.bill(5e6, 3e6, 2e6, hit_price=1.0, miss_price=3.0, output_price=5.0)
    assert b == pytest.approx((3.0, 6.0, 10.0))
    assert b.total == pytest.approx(19.0)
    # Every input token a hit is allowed.
    assert prices.bill(5e6, 5e6, 0, hit_price=1.0, miss_price=3.0, output_price=5.0).total == pytest.approx(5.0)
    with pytest.raises(ValueError, match=r"^cache_hit_tokens\b"):
        prices.bill(5e6, -1, 0, hit_price=1.0, miss_price=3.0, output_price=5.0)
    with pytest.raises(ValueError, match=r"^cache_hit\b"):
        prices.bill(5e6, 3e6, 0, hit_price=-1.0, miss_price=3.0, output_price=5.0)


def test_input_price_at_the_ends_of_the_hit_rate() -> None:
    # h = 1: every token at the hit price; h = 0: at the miss price; h = 0.25: 0.25 + 2.25.
    assert prices.input_price(1.0, 3.0, 1.0) == 1.0
    assert prices.input_price(1.0, 3.0, 0.0) == 3.0
    assert prices.input_price(1.0, 3.0, 0.25) == 2.5
