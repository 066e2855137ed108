"""Benchmark tables laid out for the book: printed scores as text, grouped by category, with the
bold of the paper's rule recomputed (benchmarks chapter)."""

from __future__ import annotations

import pandas as pd

from dsv3.evals.scores import DEEPSEEK_V3, bold_mask, format_score, models_of, wide

#: Short column headers for the benchmark tables, so that a table fits the text column.
SHORT_NAMES = {
    "DeepSeek-V3 Base": "V3 Base",
    "DeepSeek-V3": "V3",
    "DeepSeek-V2 Base": "V2 Base",
    "DeepSeek-V2-0506": "V2-0506",
    "DeepSeek-V2.5-0905": "V2.5-0905",
    "Qwen2.5 72B Base": "Qwen2.5 72B",
    "Qwen2.5-72B-Instruct": "Qwen2.5 72B",
    "LLaMA-3.1 405B Base": "Llama 3.1 405B",
    "LLaMA-3.1-405B-Instruct": "Llama 3.1 405B",
    "Claude-3.5-Sonnet-1022": "Claude 3.5 Sonnet",
    "GPT-4o-0513": "GPT-4o",
}


def column_order(scores: pd.DataFrame, table: str) -> list[str]:
    """The model columns of ``table``, DeepSeek-V3 first, then the peers in the paper's order."""
    me = DEEPSEEK_V3[table]
    return [me] + [m for m in models_of(scores, table) if m != me]


def display_table(scores: pd.DataFrame, table: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``table`` ready for :func:`dsv3.book.tables.show`: printed scores as text, grouped by category.

    Returns the text frame (index: category and "benchmark (metric)"; a ``shots`` column for
    Table 3; one column per model with a short header (:data:`SHORT_NAMES`), DeepSeek-V3 first,
    each score with the paper's decimals, "-" where the paper has none) and the matching bold mask
    of :func:`bold_mask` (the rule recomputed, not the printed bold). Benchmarks chapter.
    """
    w = wide(scores, table)
    ms = column_order(scores, table)
    mask = bold_mask(w, ms)
    labels = [f"{b} ({m})" if m else b for b, m in zip(w["benchmark"], w["metric"])]
    index = pd.MultiIndex.from_arrays([list(w["category"]), labels], names=["category", "benchmark (metric)"])
    text = pd.DataFrame({m: [format_score(v, metric) for v, metric in zip(w[m], w["metric"])] for m in ms}, index=index)
    bold = pd.DataFrame({m: list(mask[m]) for m in ms}, index=index)
    if table == "Table 3":
        text.insert(0, "shots", ["-" if pd.isna(s) else f"{int(s)}-shot" for s in w["shots"]])
        bold.insert(0, "shots", False)
    names = {m: SHORT_NAMES.get(m, m) for m in ms}
    return text.rename(columns=names), bold.rename(columns=names)


def header_legend(scores: pd.DataFrame, table: str) -> str:
    """The full model names behind :func:`display_table`'s short headers, for the line under the table."""
    return "; ".join(
        f"{SHORT_NAMES.get(m, m)} = {m}" for m in column_order(scores, table) if SHORT_NAMES.get(m, m) != m
    )
