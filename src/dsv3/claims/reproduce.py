"""Computed values checked against the published figures they reproduce (every chapter's check table).

A check is made at each figure's own tolerance (:class:`dsv3.inputs.facts.Fact`: half a unit of the
last printed digit, or a stated bound). :func:`check_table` lays the checks out for a reader: the
source's sentence, the figure as printed, as computed, the tolerance and whether it follows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from dsv3.checks import NotReproduced
from dsv3.inputs.facts import Fact, fact

#: The mark a check table shows for a figure that follows from the computation, and for one that does not.
FOLLOWS, DOES_NOT_FOLLOW = "✓", "✗"

#: Column headers of a check table, in order: the source's own words (with the source named), the figure as
#: printed (with its unit), as computed, the tolerance its printing implies, and whether it follows.
CHECK_COLUMNS = ["the source says", "as printed", "as computed", "tolerance", "follows?"]


def _short(x: float, decimals: int = 3) -> str:
    """A number for a check table: B/M/K-scaled above a thousand, at most ``decimals`` decimals, no trailing zeros."""
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(x) >= scale and x % scale != 0 or abs(x) >= scale * 10:
            text = f"{x / scale:,.{decimals}f}".rstrip("0").rstrip(".")
            return text + suffix
    text = f"{x:,.{decimals + 1}f}".rstrip("0").rstrip(".")
    return text or "0"


def _tolerance(f: Fact) -> str:
    if f.relation != "=":
        return "a bound"
    return "exact" if f.tolerance == 0 else f"± {_short(f.tolerance, 6)}"


def _printed(f: Fact) -> str:
    return f"{f.relation} {_short(f.value, 6)}" if f.relation != "=" else _short(f.value, 6)


def check_row(fact_id: str, computed: float, note: str | None = None) -> dict[str, object]:
    """One row of a check table: the quoted sentence and its source, the printed and computed figures, the verdict."""
    f = fact(fact_id)
    row: dict[str, object] = {
        "the source says": f"“{f.quote}” ({f.source})",
        "as printed": f"{_printed(f)} {f.unit}",
        "as computed": _short(float(computed)),
        "tolerance": _tolerance(f),
        "follows?": FOLLOWS if f.agrees(float(computed)) else DOES_NOT_FOLLOW,
    }
    if note is not None:
        row["what the computation counts"] = note
    return row


def check_table(rows: Iterable[tuple[str, float] | tuple[str, float, str]]) -> pd.DataFrame:
    """A check table of ``(fact id, computed[, note])`` rows; figures that do not follow are shown, not raised.

    The index is the fact ids (for code and tests; :func:`dsv3.book.tables.show` hides the index).
    """
    rows = list(rows)
    return pd.DataFrame([check_row(*r) for r in rows], index=pd.Index([r[0] for r in rows], name="fact"))


def reproduce(computed: Mapping[str, float]) -> pd.DataFrame:
    """Check computed values against the figures they must reproduce, by fact id.

    Returns the :func:`check_table` when every figure follows at its tolerance; raises
    :class:`~dsv3.checks.NotReproduced` listing every one that does not.
    """
    table = check_table(computed.items())
    failed = table[table["follows?"] != FOLLOWS]
    if len(failed):
        raise NotReproduced(
            "not reproduced: "
            + "; ".join(
                f"{fid}: computed {computed[fid]:.6g}, published {fact(fid).value:.6g}"
                for fid in computed
                if not fact(fid).agrees(float(computed[fid]))
            )
        )
    return table
