"""The book's models: identifiers (``data/model_ids.csv``), configs (``data/models/``) and the
parameter counts their makers publish (``data/models/published_params.csv``).

``data/models/models.csv`` says where each ``config.json`` comes from; ``published_params.csv``
lists each published total or activated count with the convention (which ends of the network
count) and the rounding that reproduce it from the config, or ``none`` where no convention does
(checked by :mod:`dsv3.claims.published_params`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from dsv3.arch.params import CONVENTIONS
from dsv3.arch.spec import Architecture
from dsv3.inputs.hf_config import load_config
from dsv3.inputs.paths import data_dir, data_file
from dsv3.inputs.schema import SOURCE, Column, DataError, read_table

MODEL_IDS = (Column("model_id"), Column("name"), Column("maker"))

MODELS = (
    Column("model_id"),
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
    Column("figure", choices=("total", "activated", "total with MTP", "activated with MTP")),
    Column("published", "number", positive=True),
    Column("convention", choices=tuple(CONVENTIONS)),
    Column("rounding", choices=ROUNDINGS),
    Column("unit", "number", positive=True),
    Column("note", required=False),
    SOURCE,
)


@cache
def _model_ids() -> pd.DataFrame:
    table = read_table(data_file("model_ids.csv"), MODEL_IDS)
    dup = table["model_id"].duplicated()
    if dup.any():
        raise DataError(
            f"model_ids.csv, row {int(dup.to_numpy().nonzero()[0][0]) + 1}, column 'model_id': duplicate id"
        )
    return table


def model_ids() -> pd.DataFrame:
    """``data/model_ids.csv``: the book's model identifiers with a display name and maker (a copy)."""
    return _model_ids().copy()


def model_id(model: str) -> str:
    """The ``model_id`` of a model of ``data/models/models.csv`` by its name there (``"Llama-3.1-405B"``)."""
    table = _model_table()
    match = table[table["model"] == model]
    if match.empty:
        raise KeyError(f"no model {model!r} in data/models/models.csv (have {list(table['model'])})")
    return str(match.iloc[0]["model_id"])


@cache
def _model_table() -> pd.DataFrame:
    table = read_table(data_file("models/models.csv"), MODELS)
    for row, name in enumerate(table["file"], start=1):
        if not (data_dir() / "models" / name).is_file():
            raise DataError(f"models.csv, row {row}, column 'file': data/models/{name} does not exist")
    return table


def model_table() -> pd.DataFrame:
    """``data/models/models.csv``: one row per config file, with its origin (a copy)."""
    return _model_table().copy()


def load_model(model: str) -> Architecture:
    """The architecture of a model of the book by its name or ``model_id`` in models.csv (``"DeepSeek-V3"``)."""
    table = _model_table()
    match = table[(table["model"] == model) | (table["model_id"] == model)]
    if match.empty:
        raise KeyError(f"no model {model!r} in data/models/models.csv (have {list(table['model'])})")
    return load_config(data_dir() / "models" / match.iloc[0]["file"])


def read_published(path: Path | None = None) -> pd.DataFrame:
    """A published-figures table in the ``published_params.csv`` format (default: the book's own)."""
    return read_table(path or data_file("models/published_params.csv"), PUBLISHED)


def models_dir() -> Path:
    """``data/models/``, where the configs named by ``published_params.csv`` live."""
    return data_dir() / "models"
