"""Open ``data/claims.csv`` (the popular articles' claims) and the sources their checks read.

Used by chapters/claims_audit.md through :mod:`dsv3.claims.articles`. Every row is validated as it
is read; a malformed row raises :class:`MalformedClaim`, whose message names the file, the claim id
and row, and the column. The schema is described in the comment block at the top of the CSV.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dsv3.arch.spec import Architecture
from dsv3.inputs.facts import Fact, facts
from dsv3.inputs.models import load_model
from dsv3.inputs.paths import data_file
from dsv3.inputs.prices import load_prices
from dsv3.inputs.runs import training_runs
from dsv3.inputs.schema import read_rows
from dsv3.inputs.scores import load_models as load_table_models
from dsv3.inputs.scores import load_scores

#: Verdicts given by hand, each with a one-line reason; the code decides the others.
HAND_VERDICTS = ("credited_wrong", "unverifiable", "opinion")
#: How a claimed value relates to the source: approximately equal at the printed precision, a bound, a range.
RELATIONS = ("=", "<", ">", "between")
#: The five articles, by their keys in refs/articles.bib.
ARTICLES = ("art_cheap", "art_revolution", "art_walkthrough", "art_pipeline", "art_news")
#: The longest quote the file may carry: a sentence, never a passage.
MAX_QUOTE_CHARS = 120

COLUMNS = (
    "claim_id",
    "article",
    "location",
    "quote",
    "gloss",
    "quantity",
    "claimed_value",
    "claimed_high",
    "scale",
    "unit",
    "precision",
    "relation",
    "check",
    "hand_verdict",
    "reason",
    "likely_cause",
    "source",
)
NUMBERS = ("claimed_value", "claimed_high", "scale", "precision")
_ID = re.compile(r"^c\d{3}-\d{2}$")
#: Models whose configs the checks read (names of data/models/models.csv).
MODELS = ("DeepSeek-V3", "DeepSeek-V2", "Qwen2.5-72B", "Llama-3.1-405B")


class MalformedClaim(ValueError):
    """A row of the claims file breaks its schema; the message names file, claim, row and column."""


@dataclass(frozen=True)
class Sources:
    """Everything a claim's check can read: facts by id, GPU-hours, scores, prices, configs."""

    facts: Mapping[str, Fact]
    runs: pd.DataFrame
    scores: pd.DataFrame
    prices: pd.DataFrame
    table_models: pd.DataFrame
    models: Mapping[str, Architecture] = field(default_factory=dict)
    #: Derived tables memoized by the checks of one audit (e.g. a score table pivoted wide); fresh per instance.
    memo: dict[tuple[str, ...], pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)


def _number(path: Path, where: str, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise MalformedClaim(f"{path.name}, {where}, column '{column}': {text!r} is not a number") from None
    if not math.isfinite(value):
        raise MalformedClaim(f"{path.name}, {where}, column '{column}': {text!r} is not finite")
    return value


def _row(path: Path, number: int, cells: dict[str, str]) -> dict[str, object]:
    cid = cells["claim_id"].strip()
    where = f"claim {cid or '(no id)'} (row {number})"

    def bad(column: str, what: str) -> MalformedClaim:
        return MalformedClaim(f"{path.name}, {where}, column '{column}': {what}")

    if not _ID.match(cid):
        raise bad("claim_id", f"{cid!r} is not of the form c000-01")
    row: dict[str, object] = {k: cells[k].strip() for k in COLUMNS}
    if row["article"] not in ARTICLES:
        raise bad("article", f"{row['article']!r} is not one of {list(ARTICLES)}")
    for column in ("location", "quote", "gloss"):
        if not row[column]:
            raise bad(column, "value is missing")
    if len(str(row["quote"])) > MAX_QUOTE_CHARS:
        raise bad("quote", f"{len(str(row['quote']))} characters; quote a sentence at most ({MAX_QUOTE_CHARS})")
    for column in NUMBERS:
        row[column] = _number(path, where, column, str(row[column])) if row[column] else math.nan
    hand = row["hand_verdict"]
    if hand:
        if hand not in HAND_VERDICTS:
            raise bad("hand_verdict", f"{hand!r} is not one of {list(HAND_VERDICTS)}")
        if not row["reason"]:
            raise bad("reason", f"a hand verdict ({hand}) needs a one-line reason")
        if not math.isnan(row["claimed_value"]):  # type: ignore[arg-type]
            raise bad("hand_verdict", f"{hand} given by hand on a claim with a claimed value: let the code decide it")
        return row
    for column in ("quantity", "unit", "check", "source"):
        if not row[column]:
            raise bad(column, "value is missing (the claim has no hand verdict, so the code must decide it)")
    if math.isnan(row["claimed_value"]):  # type: ignore[arg-type]
        raise bad("claimed_value", "value is missing (give it, or a hand verdict with a reason)")
    if row["relation"] not in RELATIONS:
        raise bad("relation", f"{row['relation']!r} is not one of {list(RELATIONS)}")
    if math.isnan(row["scale"]):  # type: ignore[arg-type]
        row["scale"] = 1.0
    if row["scale"] <= 0:  # type: ignore[operator]
        raise bad("scale", "must be positive")
    if not (row["precision"] > 0):  # type: ignore[operator]
        raise bad("precision", "must be a positive step (the unit of the last printed digit)")
    if row["relation"] == "between":
        if not (row["claimed_high"] > row["claimed_value"]):  # type: ignore[operator]
            raise bad("claimed_high", "a 'between' claim needs claimed_high above claimed_value")
    elif not math.isnan(row["claimed_high"]):  # type: ignore[arg-type]
        raise bad("claimed_high", f"only a 'between' claim has a high end (relation is {row['relation']!r})")
    return row


def read_claims(path: Path) -> pd.DataFrame:
    """Read and validate a claims CSV (``#`` lines are comments); one row per claim, ids unique."""
    rows = [_row(path, number, cells) for number, _, cells in read_rows(path, list(COLUMNS), MalformedClaim)]
    if not rows:
        raise MalformedClaim(f"{path.name}: no claims")
    table = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    dup = table["claim_id"][table["claim_id"].duplicated()].tolist()
    if dup:
        raise MalformedClaim(f"{path.name}: duplicate claim ids {dup}")
    return table


def load_claims(path: Path | None = None) -> pd.DataFrame:
    """The claims of the five articles: ``data/claims.csv`` (or ``path``), validated."""
    return read_claims(path or data_file("claims.csv"))


def load_sources(fact_table: Mapping[str, Fact] | None = None) -> Sources:
    """The sources the claims are checked against, read from ``data/``.

    ``fact_table`` replaces the facts (a test feeds a modified one to show a verdict flip).
    """
    return Sources(
        facts=facts() if fact_table is None else fact_table,
        runs=training_runs(),
        scores=load_scores(),
        prices=load_prices(),
        table_models=load_table_models(),
        models={name: load_model(name) for name in MODELS},
    )
