"""Load the book's CSV tables from ``data/``, validating every cell as it is read.

Every table has a ``source`` column: each row carries the document and table or section that
states it. A malformed cell raises :class:`DataError`, whose message names the file, the row
(1-based, not counting the header), the line in the file, and the column.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import pandas as pd

from dsv3.fmt import sig
from dsv3.paths import data_file

Kind = Literal["text", "number"]


class DataError(ValueError):
    """A data file breaks its schema; the message says where (file, row, column) and what."""


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, kind, and whether a value is required."""

    name: str
    kind: Kind = "text"
    required: bool = True
    positive: bool = False  # numbers only: must be > 0
    choices: tuple[str, ...] = ()  # text only: allowed values


SOURCE = Column("source")


def _parse_cell(path: Path, row: int, line: int, col: Column, raw: str) -> object:
    where = f"{path.name}, row {row} (line {line}), column '{col.name}'"
    text = raw.strip()
    if text == "":
        if col.required:
            raise DataError(f"{where}: value is missing")
        return math.nan if col.kind == "number" else ""
    if col.kind == "text":
        if col.choices and text not in col.choices:
            raise DataError(f"{where}: {text!r} is not one of {list(col.choices)}")
        return text
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise DataError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise DataError(f"{where}: {text!r} is not a finite number")
    if col.positive and value <= 0:
        raise DataError(f"{where}: {text!r} must be positive")
    return value


def read_table(path: Path, columns: tuple[Column, ...]) -> pd.DataFrame:
    """Read the CSV at ``path`` and check it against ``columns`` (which must include ``source``).

    Lines starting with ``#`` are comments. Extra columns are an error too, so that a typo in a
    header cannot silently drop a column.
    """
    names = [c.name for c in columns]
    with path.open(newline="", encoding="utf-8") as f:
        lines = [(i, line) for i, line in enumerate(f, start=1) if not line.startswith("#")]
    reader = csv.reader(line for _, line in lines)
    try:
        header = next(reader)
    except StopIteration:
        raise DataError(f"{path.name}: the file is empty") from None
    missing = [n for n in names if n not in header]
    extra = [h for h in header if h not in names]
    if missing or extra:
        raise DataError(f"{path.name}: header {header} lacks columns {missing} / has unknown columns {extra}")
    records = []
    for row_number, cells in enumerate(reader, start=1):
        line = lines[row_number][0]
        if len(cells) != len(header):
            raise DataError(
                f"{path.name}, row {row_number} (line {line}): {len(cells)} cells, the header has {len(header)}"
            )
        by_name = dict(zip(header, cells))
        records.append({c.name: _parse_cell(path, row_number, line, c, by_name[c.name]) for c in columns})
    if not records:
        raise DataError(f"{path.name}: the table has no rows")
    return pd.DataFrame.from_records(records, columns=names)


# --- the book's tables -------------------------------------------------------------------------

TRAINING_RUNS = (
    Column("model"),
    Column("stage"),
    Column("gpu"),
    Column("gpu_hours", "number", positive=True),
    Column("tokens", "number", required=False, positive=True),
    SOURCE,
)

FACTS = (
    Column("id"),
    Column("value", "number"),
    Column("unit"),
    Column("tolerance", "number"),
    Column("relation", choices=("=", "<", ">")),
    SOURCE,
    Column("quote"),
)


@cache
def training_runs() -> pd.DataFrame:
    """GPU-hours (and tokens, where stated) of training runs by model and stage: ``data/training_runs.csv``."""
    return read_table(data_file("training_runs.csv"), TRAINING_RUNS)


@dataclass(frozen=True)
class Fact:
    """A figure stated by a primary source, with the tolerance its printed rounding implies.

    ``relation`` is ``=`` (the figure is the value to within ``tolerance``, usually half a unit of
    the last printed digit), ``<`` or ``>`` (the source gives a bound, e.g. "less than two months").
    """

    id: str
    value: float
    unit: str
    tolerance: float
    relation: str
    source: str
    quote: str

    def agrees(self, computed: float) -> bool:
        """Whether ``computed`` reproduces this figure under its relation and rounding."""
        if self.relation == "<":
            return computed < self.value
        if self.relation == ">":
            return computed > self.value
        return abs(computed - self.value) <= self.tolerance * (1 + 1e-9)

    def check(self, computed: float) -> float:
        """Return ``computed`` if it :meth:`agrees`, else raise ``AssertionError`` saying by how much not."""
        if not self.agrees(computed):
            raise AssertionError(
                f"{self.id}: computed {computed:.6g} {self.unit} does not reproduce the published "
                f"{self.relation} {self.value:.6g} (tolerance {self.tolerance:g}; {self.source})"
            )
        return computed


@cache
def facts() -> dict[str, Fact]:
    """Published scalar figures by id: ``data/facts.csv``. Ids are unique."""
    table = read_table(data_file("facts.csv"), FACTS)
    duplicated = table["id"][table["id"].duplicated()].tolist()
    if duplicated:
        raise DataError(f"facts.csv: duplicate ids {duplicated}")
    for row, rec in enumerate(table.itertuples(index=False), start=1):
        if rec.tolerance < 0:
            raise DataError(f"facts.csv, row {row}, column 'tolerance': must be >= 0, got {rec.tolerance}")
    return {rec.id: Fact(**rec._asdict()) for rec in table.itertuples(index=False)}


def fact(fact_id: str) -> Fact:
    """The published figure ``fact_id`` from ``data/facts.csv``; ``KeyError`` names an unknown id."""
    table = facts()
    if fact_id not in table:
        raise KeyError(f"no fact {fact_id!r} in facts.csv")
    return table[fact_id]


def reproduce(computed: dict[str, float]) -> pd.DataFrame:
    """Check computed values against the published figures they reproduce, by fact id.

    Returns one row per figure (published, computed, unit, source) when every one agrees under
    its printed rounding; raises ``AssertionError`` listing every figure that does not.
    """
    rows = []
    for fact_id, value in computed.items():
        f = fact(fact_id)
        rows.append(
            {
                "figure": fact_id,
                "published": (f"{f.relation} " if f.relation != "=" else "") + sig(f.value),
                "computed": sig(float(value)),
                "unit": f.unit,
                "reproduced": f.agrees(float(value)),
                "source": f.source,
            }
        )
    table = pd.DataFrame(rows)
    failed = table[~table["reproduced"]]
    if len(failed):
        raise AssertionError(
            "not reproduced: "
            + "; ".join(f"{r.figure}: computed {r.computed}, published {r.published}" for r in failed.itertuples())
        )
    return table


def training_run(model: str, stage: str) -> pd.Series:
    """The one row of ``data/training_runs.csv`` for ``model`` and ``stage``; ``KeyError`` if there is not exactly one."""
    runs = training_runs()
    match = runs[(runs["model"] == model) & (runs["stage"] == stage)]
    if len(match) != 1:
        raise KeyError(f"expected one training run for {model!r} / {stage!r}, found {len(match)}")
    return match.iloc[0]
