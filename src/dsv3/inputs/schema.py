"""The CSV schema engine: read a table of ``data/``, validating every cell as it is read.

Every table has a ``source`` column: each row carries the document and table or section that
states it. A malformed cell raises :class:`DataError`, whose message names the file, the row
(1-based, not counting the header), the line in the file, and the column.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

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


def read_rows(
    path: Path, names: list[str], error: type[ValueError] = DataError
) -> list[tuple[int, int, dict[str, str]]]:
    """The rows of the CSV at ``path`` as ``(row number, line number, cells by column)``, header checked.

    Lines starting with ``#`` are comments. The header must hold exactly ``names`` (a missing or an
    extra column is an error, so that a typo in a header cannot silently drop a column), and every row
    as many cells as the header. Errors are ``error`` (a ``ValueError``) naming the file, row and line.
    """
    with path.open(newline="", encoding="utf-8") as f:
        lines = [(i, line) for i, line in enumerate(f, start=1) if not line.startswith("#")]
    reader = csv.reader(line for _, line in lines)
    try:
        header = next(reader)
    except StopIteration:
        raise error(f"{path.name}: the file is empty") from None
    missing = [n for n in names if n not in header]
    extra = [h for h in header if h not in names]
    if missing or extra:
        raise error(f"{path.name}: header {header} lacks columns {missing} / has unknown columns {extra}")
    rows = []
    for row_number, cells in enumerate(reader, start=1):
        line = lines[row_number][0]
        if len(cells) != len(header):
            raise error(
                f"{path.name}, row {row_number} (line {line}): {len(cells)} cells, the header has {len(header)}"
            )
        rows.append((row_number, line, dict(zip(header, cells))))
    return rows


def read_table(path: Path, columns: tuple[Column, ...]) -> pd.DataFrame:
    """Read the CSV at ``path`` (:func:`read_rows`) and check every cell against ``columns``.

    ``columns`` must include ``source``: every table of the book says where each row comes from.
    """
    names = [c.name for c in columns]
    records = [
        {c.name: _parse_cell(path, row_number, line, c, cells[c.name]) for c in columns}
        for row_number, line, cells in read_rows(path, names)
    ]
    if not records:
        raise DataError(f"{path.name}: the table has no rows")
    return pd.DataFrame.from_records(records, columns=names)
