"""dsv3.book: the benchmark tables' layout and the figure style, reached before only by the chapters
(the mutation sample of issue 18 found them reached by no unit test).

Scores as DeepSeek-V3's technical report prints them (arXiv 2412.19437, Table 3: base models; Table 6:
chat models); the bold is the lower or higher score by the metric's direction (BPB: lower is better).
"""

from __future__ import annotations

import matplotlib as mpl
import pytest

from dsv3.book import score_tables, style
from dsv3.inputs.scores import load_scores


@pytest.fixture
def scores():
    return load_scores()


def test_table3_layout_against_the_report(scores) -> None:
    text, bold = score_tables.display_table(scores, "Table 3")
    assert list(text.columns) == ["shots", "V3 Base", "V2 Base", "Qwen2.5 72B", "Llama 3.1 405B"]
    assert list(bold.columns) == list(text.columns)
    assert text.index.names == ["category", "benchmark (metric)"]
    # Table 3: BBH (EM), 3-shot: 78.8 / 79.8 / 82.9 / 87.5 for V2 Base, Qwen2.5 72B, LLaMA-3.1 405B, V3 Base
    assert list(text.loc[("English", "BBH (EM)")]) == ["3-shot", "87.5", "78.8", "79.8", "82.9"]
    assert list(bold.loc[("English", "BBH (EM)")]) == [False, True, False, False, False]
    # MMLU (Acc.), 5-shot: 87.1 for V3 Base
    assert text.loc[("English", "MMLU (Acc.)"), "shots"] == "5-shot"
    assert text.loc[("English", "MMLU (Acc.)"), "V3 Base"] == "87.1"
    # Pile-test (BPB): no shots, three decimals, and the lowest (LLaMA-3.1 405B's 0.542) is the best
    assert list(text.loc[("English", "Pile-test (BPB)")]) == ["-", "0.548", "0.606", "0.638", "0.542"]
    assert list(bold.loc[("English", "Pile-test (BPB)")]) == [False, False, False, False, True]


def test_table6_puts_deepseek_v3_first(scores) -> None:
    order = score_tables.column_order(scores, "Table 6")
    assert order[0] == "DeepSeek-V3" and order.count("DeepSeek-V3") == 1 and len(order) == 7
    text, _ = score_tables.display_table(scores, "Table 6")
    assert "shots" not in text.columns  # only Table 3 prints shots
    # Table 6, MMLU (EM): 88.5 for DeepSeek-V3, 88.6 for LLaMA-3.1 405B
    assert text.loc[("English", "MMLU (EM)"), "V3"] == "88.5"
    assert text.loc[("English", "MMLU (EM)"), "Llama 3.1 405B"] == "88.6"


def test_header_legend_names_every_shortened_header(scores) -> None:
    assert score_tables.header_legend(scores, "Table 3") == (
        "V3 Base = DeepSeek-V3 Base; V2 Base = DeepSeek-V2 Base; Qwen2.5 72B = Qwen2.5 72B Base; "
        "Llama 3.1 405B = LLaMA-3.1 405B Base"
    )


def test_style_sets_the_books_figure_rules() -> None:
    with mpl.rc_context():
        style.use()
        rc = mpl.rcParams
        assert rc["figure.constrained_layout.use"] is True
        assert (rc["axes.spines.top"], rc["axes.spines.right"], rc["axes.grid"]) == (False, False, True)
        assert rc["grid.alpha"] == 0.3 and rc["savefig.dpi"] == 200 and rc["figure.dpi"] == 100
        assert rc["legend.frameon"] is False
        assert rc["svg.hashsalt"] == "dsv3"  # reproducible SVG ids


def test_style_sets_sizes_fonts_and_the_palette() -> None:
    with mpl.rc_context():
        style.use()
        rc = mpl.rcParams
        assert tuple(rc["figure.figsize"]) == (6.0, 3.5)  # wide and short
        assert rc["font.size"] == 10
        assert (rc["xtick.labelsize"], rc["ytick.labelsize"], rc["legend.fontsize"]) == (9, 9, 9)  # at least 9 pt
        assert [c["color"] for c in rc["axes.prop_cycle"]] == style.PALETTE
        assert style.PALETTE[0] == style.DEEPSEEK and style.PALETTE[1] == style.PEER  # DeepSeek first, then a peer


def test_style_asks_for_retina_png_only_inside_ipython(monkeypatch) -> None:
    import builtins

    calls = []
    monkeypatch.setattr(style, "set_matplotlib_formats", lambda *a, **k: calls.append((a, k)))
    monkeypatch.delattr(builtins, "__IPYTHON__", raising=False)
    with mpl.rc_context():
        style.use()
    assert calls == []  # a plain Python process (tests, scripts): no notebook formats
    monkeypatch.setattr(builtins, "__IPYTHON__", True, raising=False)
    with mpl.rc_context():
        style.use()
    assert calls == [(("retina",), {})]


def test_one_colour_per_model_and_unknown_ids_named() -> None:
    assert style.color("deepseek-v3") == style.DEEPSEEK
    assert style.color("llama-3.1-405b") == style.PEER
    with pytest.raises(KeyError, match="no-such-model"):
        style.color("no-such-model")


def test_table7_rows_without_a_metric_show_the_benchmark_alone(scores) -> None:
    """Table 7 prints Arena-Hard with no metric and AlpacaEval 2.0 as a length-controlled win rate."""
    text, bold = score_tables.display_table(scores, "Table 7")
    assert list(text.index.get_level_values("benchmark (metric)")) == [
        "Arena-Hard",
        "AlpacaEval 2.0 (length-controlled win rate)",
    ]
    assert "shots" not in text.columns
    # Arena-Hard: DeepSeek-V3 85.5 first, then V2.5-0905 76.2, Qwen2.5 81.2, Llama 69.3, GPT-4o 80.4, Claude 85.2
    assert list(text.iloc[0]) == ["85.5", "76.2", "81.2", "69.3", "80.4", "85.2"]
    # 85.5 and 85.2 are within the 0.3-point tie band: both bold
    assert list(bold.iloc[0]) == [True, False, False, False, False, True]


def test_a_model_without_a_short_name_keeps_its_name_and_stays_out_of_the_legend(scores) -> None:
    renamed = scores.replace({"model": {"GPT-4o-0513": "GPT-4o-0806"}})
    text, _ = score_tables.display_table(renamed, "Table 7")
    assert list(text.columns) == [
        "V3",
        "V2.5-0905",
        "Qwen2.5 72B",
        "Llama 3.1 405B",
        "GPT-4o-0806",
        "Claude 3.5 Sonnet",
    ]
    assert score_tables.header_legend(renamed, "Table 7") == (
        "V3 = DeepSeek-V3; V2.5-0905 = DeepSeek-V2.5-0905; Qwen2.5 72B = Qwen2.5-72B-Instruct; "
        "Llama 3.1 405B = LLaMA-3.1-405B-Instruct; Claude 3.5 Sonnet = Claude-3.5-Sonnet-1022"
    )
