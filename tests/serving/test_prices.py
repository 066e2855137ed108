"""API prices and their arithmetic, against the prices the providers publish.

Sources quoted per test: DeepSeek API Docs "Models & Pricing"; OpenAI "Prompt Caching in the API"
(2024-10-01) and "Introducing Structured Outputs in the API" (2024-08-06); Anthropic's pricing page;
DeepSeek-V2 repository figures/model_price.png; DeepSeek, DeepSeek-V3/R1 Inference System Overview.
"""

from __future__ import annotations

import math

import pytest

from dsv3.evals import frontier
from dsv3.inputs import prices as price_data
from dsv3.inputs.facts import fact
from dsv3.inputs.schema import DataError
from dsv3.serving import prices


@pytest.fixture
def table():
    return price_data.load_prices()


def _row(table, name):
    return price_data.price(name, table)


def test_published_prices_are_in_the_data(table) -> None:
    # DeepSeek API Docs: "deepseek-chat | 64K | - | 8K | $0.07 | $0.27 | $1.10".
    v3 = _row(table, "DeepSeek-V3 (standard)")
    assert (v3.input_cache_hit, v3.input_cache_miss, v3.output) == (0.07, 0.27, 1.10)
    # Launch promo (secondary copies): "$0.014 ... $0.14 ... $0.28 per 1M tokens".
    promo = _row(table, "DeepSeek-V3 (launch promo)")
    assert (promo.input_cache_hit, promo.input_cache_miss, promo.output) == (0.014, 0.14, 0.28)
    assert promo.evidence == "secondary"
    # OpenAI prompt-caching post: "gpt-4o-2024-08-06 | $2.50 | $1.25 | $10.00".
    g = _row(table, "GPT-4o (2024-08-06)")
    assert (g.input_cache_miss, g.input_cache_hit, g.output) == (2.50, 1.25, 10.00)
    # Anthropic: "Claude Sonnet 3.5 (deprecated) | $3 / MTok | $3.75 / MTok | $6 / MTok | $0.30 / MTok | $15 / MTok".
    c = _row(table, "Claude 3.5 Sonnet")
    assert (c.input_cache_miss, c.input_cache_write, c.input_cache_hit, c.output) == (3.00, 3.75, 0.30, 15.00)
    # DeepSeek-V2 model_price.png: "GPT-4-0613 30.00 60.00", "Claude 3 Opus 15.00 75.00"; GPT-4 Turbo 10 / 30.
    assert (_row(table, "GPT-4 (0613)").input_cache_miss, _row(table, "GPT-4 (0613)").output) == (30.0, 60.0)
    assert (_row(table, "Claude 3 Opus").input_cache_miss, _row(table, "Claude 3 Opus").output) == (15.0, 75.0)
    assert (_row(table, "GPT-4 Turbo (1106)").input_cache_miss, _row(table, "GPT-4 Turbo (1106)").output) == (
        10.0,
        30.0,
    )


def test_gpt4o_0513_prices_follow_openais_saving_statement(table) -> None:
    # "save 50% on inputs ($2.50/1M input tokens) and 33% on outputs ($10.00/1M output tokens)
    # compared to gpt-4o-2024-05-13" (OpenAI, 2024-08-06).
    old, new = _row(table, "GPT-4o (2024-05-13)"), _row(table, "GPT-4o (2024-08-06)")
    fact("price.gpt4o_0806.input_saving_vs_0513").check(1 - new.input_cache_miss / old.input_cache_miss)
    fact("price.gpt4o_0806.output_saving_vs_0513").check(1 - new.output / old.output)
    assert old.evidence == "derived"


def test_r1_prices_agree_with_the_serving_disclosure(table) -> None:
    # "R1 Pricing: $0.14/M input tokens (cache hit), $0.55/M input tokens (cache miss), $2.19/M output tokens."
    r1 = _row(table, "DeepSeek-R1")
    assert r1.input_cache_hit == fact("serving.r1_price_input_cache_hit").value
    assert r1.input_cache_miss == fact("serving.r1_price_input_cache_miss").value
    assert r1.output == fact("serving.r1_price_output").value


def test_every_row_has_dates_and_a_source(table) -> None:
    assert (table["source"].str.len() > 40).all()
    assert (table["dates"].str.len() > 3).all()


def test_benchmarked_models_exist_in_table_6(table) -> None:
    from dsv3.evals import scores as benchmarks
    from dsv3.inputs import scores as scores_data

    chat = set(benchmarks.models_of(scores_data.load_scores(), "Table 6"))
    named = set(table["benchmarked_as"]) - {""}
    assert named == {"DeepSeek-V3", "GPT-4o-0513", "Claude-3.5-Sonnet-1022"}
    assert named <= chat


def test_input_and_blended_price() -> None:
    assert prices.input_price(0.07, 0.27, 0.5) == pytest.approx(0.17)
    assert prices.input_price(None, 5.0, 0.9) == 5.0
    assert prices.input_price(math.nan, 5.0, 0.9) == 5.0
    # GPT-4o-2024-08-06 at 3 input tokens per output token, no cache hits: (3 x 2.50 + 10) / 4.
    assert prices.blended_price(1.25, 2.50, 10.0, input_output_ratio=3, cache_hit_rate=0) == pytest.approx(4.375)
    # Output only, and input only.
    assert prices.blended_price(0.07, 0.27, 1.10, input_output_ratio=0, cache_hit_rate=0.5) == pytest.approx(1.10)
    assert prices.blended_price(0.07, 0.27, 1.10, input_output_ratio=1e12, cache_hit_rate=1) == pytest.approx(0.07)


def test_bill_of_deepseeks_day_at_r1_prices() -> None:
    # The disclosure's day ("Total input tokens: 608B, of which 342B tokens (56.3%) hit", "Total
    # output tokens: 168B") at "R1 Pricing: $0.14/M ... $0.55/M ... $2.19/M": "the total daily
    # revenue would be $562,027". The printed counts are whole billions, so the bill matches to 0.02%.
    day = prices.bill(608e9, 342e9, 168e9, hit_price=0.14, miss_price=0.55, output_price=2.19)
    assert day.total == pytest.approx(fact("serving.theoretical_revenue_usd").value, rel=2e-4)
    # Its parts by hand, in dollars: 342B x $0.14/M, (608B - 342B) x $0.55/M, 168B x $2.19/M.
    assert day.cache_hit == pytest.approx(342e3 * 0.14)
    assert day.cache_miss == pytest.approx(266e3 * 0.55)
    assert day.output == pytest.approx(168e3 * 2.19)
    # The same day on the R1 row of the price table, through workload_costs.
    r1 = price_data.load_prices().query("name == 'DeepSeek-R1'")
    assert prices.workload_costs(r1, input_tokens=608e9, output_tokens=168e9, cache_hit_rate=342 / 608).iloc[
        0
    ] == pytest.approx(day.total)


def test_a_model_without_a_cache_price_bills_hits_as_misses() -> None:
    # GPT-4-0613 has no cache-hit price (DeepSeek-V2 model_price.png: "GPT-4-0613 30.00 60.00").
    no_cache = prices.bill(608e9, 342e9, 168e9, hit_price=None, miss_price=30.0, output_price=60.0)
    assert no_cache == prices.bill(608e9, 342e9, 168e9, hit_price=math.nan, miss_price=30.0, output_price=60.0)
    assert no_cache.total == pytest.approx(
        prices.bill(608e9, 0, 168e9, hit_price=30.0, miss_price=30.0, output_price=60.0).total
    )
    with pytest.raises(ValueError, match="cannot exceed"):
        prices.bill(1e9, 2e9, 0, hit_price=0.14, miss_price=0.55, output_price=2.19)


def test_pareto_front() -> None:
    assert frontier.pareto_front([1, 2, 3], [10, 20, 30]) == [True, True, True]
    assert frontier.pareto_front([1, 2, 3], [30, 20, 10]) == [True, False, False]
    assert frontier.pareto_front([1, 1, 2], [5, 5, 6]) == [True, True, True]
    assert frontier.pareto_front([1, 1], [5, 4]) == [True, False]
    with pytest.raises(ValueError, match="differ in length"):
        frontier.pareto_front([1, 2], [1])
    with pytest.raises(ValueError, match="^costs must"):
        frontier.pareto_front([0, 2], [1, 2])
    with pytest.raises(ValueError, match="^scores must"):
        frontier.pareto_front([1, 2], [1, math.nan])


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: prices.input_price(0.07, -0.27, 0.5), "cache_miss"),
        (lambda: prices.input_price(-0.07, 0.27, 0.5), "cache_hit"),
        (lambda: prices.input_price(0.07, 0.27, 1.5), "cache_hit_rate"),
        (lambda: prices.input_price(0.07, 0.27, -0.1), "cache_hit_rate"),
        (lambda: prices.input_price(0.07, 0.27, math.nan), "cache_hit_rate"),
        (lambda: prices.blended_price(0.07, 0.27, -1.1, input_output_ratio=3, cache_hit_rate=0.5), "output"),
        (
            lambda: prices.blended_price(0.07, 0.27, 1.1, input_output_ratio=-3, cache_hit_rate=0.5),
            "input_output_ratio",
        ),
        (lambda: prices.bill(-1, 0, 1, hit_price=0.07, miss_price=0.27, output_price=1.1), "input_tokens"),
        (lambda: prices.bill(1, 0, math.inf, hit_price=0.07, miss_price=0.27, output_price=1.1), "output_tokens"),
        (lambda: prices.bill(1, 0, 1, hit_price=0.07, miss_price=-0.27, output_price=1.1), "miss_price"),
        (lambda: prices.bill(1, 0, 1, hit_price=0.07, miss_price=0.27, output_price=-1.1), "output_price"),
    ],
)
def test_bad_input_names_the_argument(call, name) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()


def test_unknown_price_row(table) -> None:
    with pytest.raises(KeyError, match="GPT-5"):
        price_data.price("GPT-5", table)


HEADER = "model_id,name,price_name,benchmarked_as,input_cache_hit,input_cache_miss,input_cache_write,output,dates,evidence,source\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "m,A,a,,0.07,-0.27,,1.10,2025,primary,src\n",
            r"p.csv, row 1 \(line 3\), column 'input_cache_miss': '-0.27' must be positive",
        ),
        (
            "m,A,a,,0.07,0.27,,$1.10,2025,primary,src\n",
            r"p.csv, row 1 \(line 3\), column 'output': '\$1.10' is not a number",
        ),
        (
            "m,A,a,,0.07,0.27,,1.10,2025,rumour,src\n",
            r"p.csv, row 1 \(line 3\), column 'evidence': 'rumour' is not one of",
        ),
        ("m,A,a,,0.07,0.27,,1.10,,primary,src\n", r"p.csv, row 1 \(line 3\), column 'dates': value is missing"),
        (
            "m,A,a,,0.30,0.27,,1.10,2025,primary,src\n",
            r"p.csv, row 1, column 'input_cache_hit': more than the cache-miss price",
        ),
        (
            "m,A,a,,0.07,0.27,,1.10,2025,primary,src\nm,A,b,,0.07,0.27,,1.10,2025,primary,src\n",
            r"p.csv, row 2, column 'name': duplicate",
        ),
    ],
)
def test_malformed_price_rows_are_named(write_csv, body: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        price_data.load_prices(write_csv("p.csv", "# comment\n" + HEADER + body))
