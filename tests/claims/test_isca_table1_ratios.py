"""dsv3.claims.kv_table: ISCA '25 Table 1's KV-cache sizes and ratios, worked by hand from the configs.

KV cache per token at BF16 (2 bytes per element), all layers:
- DeepSeek-V3 (MLA): 61 layers x (d_c 512 + d_h^R 64) x 2 B = 70,272 B (the table prints 70.272 KB);
- Qwen2.5-72B (GQA): 80 layers x 2 (K and V) x 8 KV heads x 128 x 2 B = 327,680 B (327.680 KB, "4.66x");
- Llama-3.1-405B (GQA): 126 layers x 2 x 8 x 128 x 2 B = 516,096 B (516.096 KB, "7.28x").
516.096 / 70.272 = 7.344, so the printed 7.28x does not follow; 327.680 / 70.272 = 4.663 rounds to 4.66.
"""

from __future__ import annotations

import pytest

from dsv3.claims.kv_table import isca_table1_ratios

V3 = 61 * (512 + 64) * 2
QWEN = 80 * 2 * 8 * 128 * 2
LLAMA = 126 * 2 * 8 * 128 * 2


@pytest.fixture  # per test: mutation testing runs only the tests during which it runs
def table():
    return isca_table1_ratios()


def test_columns_and_rows(table) -> None:
    assert list(table.columns) == [
        "model",
        "printed KB",
        "computed KB",
        "printed ratio",
        "ratio of printed sizes",
        "ratio of computed sizes",
        "ratio follows?",
    ]
    assert list(table["model"]) == ["Qwen2.5-72B", "Llama-3.1-405B"]


def test_sizes_and_ratios_by_hand(table) -> None:
    t = table.set_index("model")
    # printed, as ISCA '25 Table 1 prints them
    assert list(t["printed KB"]) == [327.680, 516.096]
    assert list(t["printed ratio"]) == [4.66, 7.28]
    # computed from the configs, in KB of 1,000 bytes
    assert t.loc["Qwen2.5-72B", "computed KB"] == pytest.approx(QWEN / 1000, rel=1e-12)
    assert t.loc["Llama-3.1-405B", "computed KB"] == pytest.approx(LLAMA / 1000, rel=1e-12)
    # the ratio of the printed sizes divides by the printed 70.272 KB of DeepSeek-V3
    assert t.loc["Qwen2.5-72B", "ratio of printed sizes"] == pytest.approx(327.680 / 70.272, rel=1e-12)
    assert t.loc["Llama-3.1-405B", "ratio of printed sizes"] == pytest.approx(516.096 / 70.272, rel=1e-12)
    # the ratio of the computed sizes divides by DeepSeek-V3's computed bytes
    assert t.loc["Qwen2.5-72B", "ratio of computed sizes"] == pytest.approx(QWEN / V3, rel=1e-12)
    assert t.loc["Llama-3.1-405B", "ratio of computed sizes"] == pytest.approx(LLAMA / V3, rel=1e-12)


def test_the_qwen_ratio_follows_and_the_llama_ratio_does_not(table) -> None:
    # |4.663 - 4.66| < 0.005 (half a unit of the second decimal); |7.344 - 7.28| > 0.005
    assert abs(327.680 / 70.272 - 4.66) < 0.005 < abs(516.096 / 70.272 - 7.28)
    assert list(table["ratio follows?"]) == ["✓", "✗"]


def test_a_ratio_follows_only_when_both_the_printed_and_the_computed_sizes_give_it(monkeypatch) -> None:
    """Were the table to print DeepSeek-V3 at 70.000 KB, Qwen's 4.66x would still follow from the configs
    (4.663) but not from the printed sizes (327.680 / 70.000 = 4.681): the ratio no longer follows."""
    import dataclasses

    from dsv3.claims import kv_table
    from dsv3.inputs.facts import fact

    def edited(fact_id: str):
        f = fact(fact_id)
        return dataclasses.replace(f, value=70.0) if fact_id == "kv.isca_table1.v3_kb" else f

    monkeypatch.setattr(kv_table, "fact", edited)
    t = kv_table.isca_table1_ratios().set_index("model")
    assert t.loc["Qwen2.5-72B", "ratio of printed sizes"] == pytest.approx(327.680 / 70.0, rel=1e-12)
    assert t.loc["Qwen2.5-72B", "ratio of computed sizes"] == pytest.approx(QWEN / V3, rel=1e-12)
    assert t.loc["Qwen2.5-72B", "ratio follows?"] == "✗"
