"""Published parameter counts, recounted: each maker's figure against the count of its config.

``data/models/published_params.csv`` gives, for each published total or activated count, the
convention (which ends of the network count) and the rounding that reproduce it (MoE chapter).
A figure "total with MTP" or "activated with MTP" also counts the model's multi-token-prediction
layers, without their stored copies of the embedding and head unless the convention counts both ends
(GLM-4.5's report counts "the parameters of MTP layers but not word embeddings and the output layer").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from dsv3.arch.params import CONVENTIONS, Convention, count_params, mtp_params
from dsv3.arch.spec import Architecture
from dsv3.claims.rounding import prints_as, rounded
from dsv3.inputs.hf_config import load_config
from dsv3.inputs.models import models_dir, read_published


def check_published(table: pd.DataFrame, config_dir: Path) -> pd.DataFrame:
    """Recount every published figure of ``table`` from its config in ``config_dir``.

    Adds the columns ``computed`` (the count under the row's convention), ``as_published``
    (``computed`` under the row's rounding) and ``reproduced``. Rows with rounding ``none`` are
    reproduced when *no* convention and rounding gives the figure, as their note claims.
    """
    rows = []
    for rec in table.itertuples(index=False):
        measure = _measure(load_config(config_dir / rec.file), rec.figure)
        computed = measure(rec.convention)
        if rec.rounding == "none":
            as_published = math.nan
            ok = not any(
                prints_as(measure(c), rec.published, rec.unit, r) for c in CONVENTIONS for r in ("nearest", "down")
            )
        else:
            as_published = rounded(computed, rec.rounding, rec.unit)
            ok = prints_as(computed, rec.published, rec.unit, rec.rounding)
        rows.append({**rec._asdict(), "computed": computed, "as_published": as_published, "reproduced": ok})
    return pd.DataFrame(rows)


def _measure(arch: Architecture, figure: str) -> Callable[[Convention], int]:
    """The count a published ``figure`` names, as a function of the convention."""
    main = count_params(arch)
    mtp = mtp_params(arch) if figure.endswith(" with MTP") else None
    if figure.startswith("total"):
        return lambda c: main.total_under(c) + (mtp.total_under(c) if mtp else 0)
    return lambda c: main.activated(c) + (mtp.activated(c) if mtp else 0)


def published_params() -> pd.DataFrame:
    """:func:`check_published` over ``data/models/published_params.csv`` (MoE chapter)."""
    return check_published(read_published(), models_dir())


def _rounding_words(rounding: str, unit: float) -> str:
    step = f"{unit / 1e9:g}B"
    return {"nearest": f"to the nearest {step}", "down": f"down to {step}", "exact": "exact"}.get(
        rounding, "no convention gives it"
    )


def readable_published_params(checked: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """:func:`check_published`'s table for a reader: model names, conventions and roundings in words, a verdict.

    ``names`` maps a config file to the model's name. A row with rounding ``none`` follows when no
    convention gives the figure, as its note says; its verdict says so rather than a bare tick.
    """
    verdicts = [
        ("✓ no convention gives it, as stated" if ok else "✗ a convention gives it")
        if rounding == "none"
        else ("✓" if ok else "✗")
        for rounding, ok in zip(checked["rounding"], checked["reproduced"])
    ]
    return pd.DataFrame(
        {
            "model": [names[f] for f in checked["file"]],
            "figure": checked["figure"],
            "as published": [f"{p / 1e9:,.1f}B" for p in checked["published"]],
            "counted": [CONVENTIONS[c] for c in checked["convention"]],
            "rounded": [_rounding_words(r, u) for r, u in zip(checked["rounding"], checked["unit"])],
            "as computed": [f"{c / 1e9:,.2f}B" for c in checked["computed"]],
            "follows?": verdicts,
        }
    )
