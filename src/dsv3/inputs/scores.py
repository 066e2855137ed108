"""Benchmark scores as data: DeepSeek-V3 Technical Report (arXiv:2412.19437) Tables 3, 6 and 7.

``data/benchmark_scores.csv`` holds one row per printed cell, with whether it is printed in bold;
``data/benchmark_models.csv`` the architecture and parameter rows, which are not scores. Copied from
the README of deepseek-ai/DeepSeek-V3 at commit :data:`README_COMMIT` (benchmarks chapter).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from dsv3.evals.scores import KEY, TABLES
from dsv3.inputs.paths import data_file
from dsv3.inputs.schema import SOURCE, Column, DataError, read_table

#: The commit of deepseek-ai/DeepSeek-V3 whose README the score data copies.
README_COMMIT = "9b4e978"

SCORES = (
    Column("model_id"),
    Column("table", choices=TABLES),
    Column("category"),
    Column("benchmark"),
    Column("metric", required=False),
    Column("shots", "number", required=False),
    Column("model"),
    Column("model_printed"),
    Column("value", "number", required=False),
    Column("bold_in_paper", choices=("yes", "no")),
    SOURCE,
)

MODELS = (
    Column("model_id"),
    Column("table", choices=TABLES),
    Column("model"),
    Column("model_printed"),
    Column("architecture", required=False, choices=("MoE", "Dense")),
    Column("activated_params_b", "number", required=False, positive=True),
    Column("total_params_b", "number", required=False, positive=True),
    SOURCE,
)


@cache
def _load_scores(path: Path | None) -> pd.DataFrame:
    path = path or data_file("benchmark_scores.csv")
    table = read_table(path, SCORES)
    dup = table.duplicated(KEY + ["model"])
    if dup.any():
        row = int(dup.to_numpy().nonzero()[0][0]) + 1
        raise DataError(f"{path.name}, row {row}: duplicate (table, benchmark, metric, model)")
    bad = table["value"].isna() & (table["bold_in_paper"] == "yes")
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0]) + 1
        raise DataError(f"{path.name}, row {row}, column 'bold_in_paper': a missing value cannot be bold")
    return table


def load_scores(path: Path | None = None) -> pd.DataFrame:
    """Every score cell of Tables 3, 6 and 7: ``data/benchmark_scores.csv`` (or ``path``), validated.

    Beyond the schema, a (table, benchmark, metric, model) must appear once, and ``value`` is
    missing only where the paper prints "-" (then it is not bold). Raises ``DataError`` naming the
    file, row and column of a bad cell.
    """
    return _load_scores(path).copy()


@cache
def _load_models(path: Path | None) -> pd.DataFrame:
    return read_table(path or data_file("benchmark_models.csv"), MODELS)


def load_models(path: Path | None = None) -> pd.DataFrame:
    """Architecture and parameter rows of Tables 3 and 6 (not scores): ``data/benchmark_models.csv`` (a copy)."""
    return _load_models(path).copy()
