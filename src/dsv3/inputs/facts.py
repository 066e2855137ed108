"""Published scalar figures: ``data/facts/*.csv``, one row per figure, each with its source and quote.

A :class:`Fact` carries the tolerance its printed rounding implies (half a unit of the last printed
digit) and a relation (``=``, or ``<``/``>`` for a stated bound), so a check against it is made at
the figure's own precision. The files are split by topic (``cost.csv``, ``params.csv``, ...); ids
are unique across all of them. Every chapter reads figures through :func:`fact`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

from dsv3.checks import NotReproduced
from dsv3.inputs.paths import data_dir
from dsv3.inputs.schema import SOURCE, Column, DataError, read_table

FACTS = (
    Column("id"),
    Column("value", "number"),
    Column("unit"),
    Column("tolerance", "number"),
    Column("relation", choices=("=", "<", ">")),
    SOURCE,
    Column("quote"),
)


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

    def __post_init__(self) -> None:
        if not self.tolerance >= 0:
            raise DataError(f"fact {self.id!r}: tolerance must be >= 0, got {self.tolerance}")
        if self.relation not in ("=", "<", ">"):
            raise DataError(f"fact {self.id!r}: relation must be '=', '<' or '>', got {self.relation!r}")

    def agrees(self, computed: float) -> bool:
        """Whether ``computed`` reproduces this figure under its relation and rounding.

        ``<`` and ``>`` are strict (a bound "less than two months" is not met by exactly two);
        ``=`` accepts a difference up to the tolerance itself.
        """
        if self.relation == "<":
            return computed < self.value
        if self.relation == ">":
            return computed > self.value
        return abs(computed - self.value) <= self.tolerance * (1 + 1e-9)

    def check(self, computed: float) -> float:
        """Return ``computed`` if it :meth:`agrees`, else raise :class:`~dsv3.checks.NotReproduced`."""
        if not self.agrees(computed):
            raise NotReproduced(
                f"{self.id}: computed {computed:.6g} {self.unit} does not reproduce the published "
                f"{self.relation} {self.value:.6g} (tolerance {self.tolerance:g}; {self.source})"
            )
        return computed


def read_facts(folder: Path) -> Mapping[str, Fact]:
    """Every fact in the CSV files of ``folder``, by id; :class:`DataError` names a duplicate id or a bad cell."""
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise DataError(f"{folder}: no facts files (*.csv)")
    out: dict[str, Fact] = {}
    for path in files:
        table = read_table(path, FACTS)
        for row, rec in enumerate(table.itertuples(index=False), start=1):
            if rec.id in out:
                raise DataError(f"{path.name}, row {row}, column 'id': duplicate id {rec.id!r}")
            try:
                out[rec.id] = Fact(**rec._asdict())
            except DataError as e:
                raise DataError(f"{path.name}, row {row}: {e}") from None
    return MappingProxyType(out)


@cache
def facts() -> Mapping[str, Fact]:
    """Published figures by id, from ``data/facts/*.csv`` (read once; a read-only mapping)."""
    return read_facts(data_dir() / "facts")


def fact(fact_id: str) -> Fact:
    """The published figure ``fact_id``; ``KeyError`` names an unknown id."""
    table = facts()
    if fact_id not in table:
        raise KeyError(f"no fact {fact_id!r} in data/facts/")
    return table[fact_id]
