"""Benchmark tables laid out for the book: printed scores as text, grouped by category, with the
bold of the paper's rule recomputed (benchmarks chapter)."""

from __future__ import annotations

import pandas as pd

from dsv3.evals.scores import bold_mask, format_score, models_of, wide


def display_table(scores: pd.DataFrame, table: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``table`` ready for :func:`dsv3.book.tables.show`: printed scores as text, grouped by category.

    Returns the text frame (index: category and "benchmark (metric)"; a ``shots`` column for
    Table 3; one column per model, each score with the paper's decimals, "-" where the paper has
    none) and the matching bold mask of :func:`bold_mask` (the rule recomputed, not the printed bold).
    """
    w = wide(scores, table)
    ms = models_of(scores, table)
    mask = bold_mask(w, ms)
    labels = [f"{b} ({m})" if m else b for b, m in zip(w["benchmark"], w["metric"])]
    index = pd.MultiIndex.from_arrays([list(w["category"]), labels], names=["category", "benchmark (metric)"])
    text = pd.DataFrame({m: [format_score(v, metric) for v, metric in zip(w[m], w["metric"])] for m in ms}, index=index)
    bold = pd.DataFrame({m: list(mask[m]) for m in ms}, index=index)
    if table == "Table 3":
        text.insert(0, "shots", ["-" if pd.isna(s) else f"{int(s)}-shot" for s in w["shots"]])
        bold.insert(0, "shots", False)
    return text, bold
