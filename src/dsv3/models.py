"""The book's model configs (``data/models/``) and the parameter counts their makers publish.

``data/models/models.csv`` says where each ``config.json`` comes from; ``published_params.csv``
lists each published total or activated count with the convention (which ends of the network
count) and the rounding that reproduce it from the config, or ``none`` where no convention does.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import pandas as pd

from dsv3.config import Architecture, load_config
from dsv3.data import SOURCE, Column, DataError, read_table
from dsv3.params import CONVENTIONS, count_params
from dsv3.paths import DATA_DIR, data_file

MODELS = (
    Column("file"),
    Column("model"),
    Column("hf_repository"),
    Column("released"),
    Column("copy_source"),
    SOURCE,
)

ROUNDINGS = ("nearest", "down", "exact", "none")

PUBLISHED = (
    Column("file"),
    Column("figure", choices=("total", "activated")),
    Column("published", "number", positive=True),
    Column("convention", choices=tuple(CONVENTIONS)),
    Column("rounding", choices=ROUNDINGS),
    Column("unit", "number", positive=True),
    Column("note", required=False),
    SOURCE,
)


@cache
def model_table() -> pd.DataFrame:
    """``data/models/models.csv``: one row per config file, with its origin."""
    table = read_table(data_file("models/models.csv"), MODELS)
    for row, name in enumerate(table["file"], start=1):
        if not (DATA_DIR / "models" / name).is_file():
            raise DataError(f"models.csv, row {row}, column 'file': data/models/{name} does not exist")
    return table


def load_model(model: str) -> Architecture:
    """The architecture of a model of the book by its name in models.csv (e.g. ``"DeepSeek-V3"``)."""
    table = model_table()
    match = table[table["model"] == model]
    if match.empty:
        raise KeyError(f"no model {model!r} in data/models/models.csv (have {list(table['model'])})")
    arch = load_config(DATA_DIR / "models" / match.iloc[0]["file"])
    return arch


def rounded(value: float, rounding: str, unit: float) -> float:
    """``value`` rounded the way a published figure was: to the ``nearest`` ``unit`` or ``down``."""
    if rounding == "nearest":
        return math.floor(value / unit + 0.5) * unit
    if rounding == "down":
        return math.floor(value / unit) * unit
    if rounding == "exact":
        return value
    raise ValueError(f"rounding must be 'nearest', 'down' or 'exact', got {rounding!r}")


def read_published(path: Path) -> pd.DataFrame:
    """A published-figures table in the ``published_params.csv`` format."""
    return read_table(path, PUBLISHED)


def check_published(table: pd.DataFrame, config_dir: Path) -> pd.DataFrame:
    """Recount every published figure of ``table`` from its config in ``config_dir``.

    Adds the columns ``computed`` (the count under the row's convention), ``as_published``
    (``computed`` under the row's rounding) and ``reproduced``. Rows with rounding ``none`` are
    reproduced when *no* convention and rounding gives the figure, as their note claims.
    """
    rows = []
    for rec in table.itertuples(index=False):
        count = count_params(load_config(config_dir / rec.file))
        measure = count.total_under if rec.figure == "total" else count.activated
        computed = measure(rec.convention)
        if rec.rounding == "none":
            candidates = [
                rounded(measure(c), r, rec.unit) for c in CONVENTIONS for r in ("nearest", "down")
            ]
            as_published, ok = math.nan, all(abs(c - rec.published) > 1e-6 * rec.unit for c in candidates)
        else:
            as_published = rounded(computed, rec.rounding, rec.unit)
            ok = abs(as_published - rec.published) <= 1e-6 * rec.unit
        rows.append({**rec._asdict(), "computed": computed, "as_published": as_published, "reproduced": ok})
    return pd.DataFrame(rows)


def published_params() -> pd.DataFrame:
    """:func:`check_published` over ``data/models/published_params.csv``."""
    return check_published(read_published(data_file("models/published_params.csv")), DATA_DIR / "models")
