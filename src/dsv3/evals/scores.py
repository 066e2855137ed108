"""Benchmark scores of DeepSeek-V3 Technical Report (arXiv:2412.19437) Tables 3, 6 and 7.

The scores are loaded by :mod:`dsv3.inputs.scores` (one row per printed cell, with whether it is
printed in bold); this module is the comparison rule and the counts built on it.

The paper's rule for bold, stated under Table 3: "Best results are shown in bold. Scores with a gap
not exceeding 0.3 are considered to be at the same level." This module recomputes that rule
(:func:`bold_cells`), reads a printed gap against it given the printed rounding
(:func:`rule_verdict`), and counts DeepSeek-V3's wins, ties and losses against each peer
(:func:`head_to_head`, :func:`wtl_table`, :func:`losses`). Scores are in points (percent, or a
percentile for Codeforces), except Pile-test, which is in bits per byte (BPB), where lower is better.

Every comparison of two scores goes through one helper, :func:`outcome` (built on
:func:`advantage`), which knows the metric's direction and tie band: the bold, the gap to the
best, the head-to-head counts and the list of losses all use it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import pandas as pd

from dsv3.checks import non_negative, positive

#: "Scores with a gap not exceeding 0.3 are considered to be at the same level" (Table 3 note).
TIE_POINTS = 0.3

#: Metrics where a lower value is better. Table 3's Pile-test is in bits per byte.
LOWER_IS_BETTER = frozenset({"BPB"})

#: Slack for comparing printed decimals in floating point (0.3 as 88.6 - 88.3 is 0.2999999...).
_EPS = 1e-9

#: The paper's tables in this data, with the DeepSeek-V3 column of each.
TABLES = ("Table 3", "Table 6", "Table 7")
DEEPSEEK_V3 = {"Table 3": "DeepSeek-V3 Base", "Table 6": "DeepSeek-V3", "Table 7": "DeepSeek-V3"}

KEY = ["table", "benchmark", "metric"]


def lower_is_better(metric: str) -> bool:
    """Whether a lower score is better for ``metric`` (only Table 3's Pile-test BPB)."""
    return metric in LOWER_IS_BETTER


def tie_for(metric: str) -> float:
    """The gap within which two scores count as the same level.

    :data:`TIE_POINTS` (0.3) for scores in points. For Pile-test in bits per byte the paper bolds
    only the lowest value: a gap of 0.3 BPB would tie every model in that row (0.542 to 0.638), so
    the rule's 0.3 is read as points and BPB gets no tie band.
    """
    return 0.0 if lower_is_better(metric) else TIE_POINTS


def decimals(metric: str) -> int:
    """Decimals the paper prints for ``metric``: 3 for bits per byte, 1 for every score in points."""
    return 3 if lower_is_better(metric) else 1


def resolution(metric: str) -> float:
    """The unit of the last printed digit for ``metric``: 0.1 for points, 0.001 for BPB (:func:`decimals`)."""
    return float(10.0 ** -decimals(metric))


def format_score(value: float, metric: str) -> str:
    """A score as the paper prints it (``78.8``, ``9.0``, ``0.606``); a missing one as ``-``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{float(value):.{decimals(metric)}f}"


Outcome = Literal["win", "tie", "loss"]


def advantage(a: float, b: float, metric: str) -> float:
    """How far score ``a`` is ahead of score ``b`` in ``metric``: a - b, or b - a where lower is better.

    Positive when ``a`` is better. E.g. Table 3's Pile-test (BPB), DeepSeek-V3 Base's 0.548
    against LLaMA-3.1 405B Base's 0.542: -0.006, behind.
    """
    return (float(b) - float(a)) if lower_is_better(metric) else (float(a) - float(b))


def outcome(a: float, b: float, metric: str, tie: float | None = None) -> Outcome:
    """The paper's rule for score ``a`` against score ``b``: ``"win"``, ``"tie"`` or ``"loss"``.

    A tie is a gap of at most :func:`tie_for` the metric (0.3 points; none for BPB), or ``tie``
    if given; otherwise the better score (:func:`advantage`) wins. This is the one comparison
    behind :func:`bold_mask`, :func:`gap_to_best`, :func:`head_to_head` and :func:`losses`.
    """
    band = tie_for(metric) if tie is None else non_negative("tie", tie)
    d = advantage(a, b, metric)
    if abs(d) <= band + _EPS:
        return "tie"
    return "win" if d > 0 else "loss"


def models_of(scores: pd.DataFrame, table: str) -> list[str]:
    """The model columns of ``table`` in the paper's order (DeepSeek-V3 last)."""
    _check_table(table)
    return list(dict.fromkeys(scores.loc[scores["table"] == table, "model"]))


def wide(scores: pd.DataFrame, table: str) -> pd.DataFrame:
    """``table`` as the paper lays it out: one row per benchmark and metric, one column per model.

    Columns: ``category``, ``benchmark``, ``metric``, ``shots``, then the models in the paper's
    order. Rows keep the paper's order.
    """
    _check_table(table)
    part = scores[scores["table"] == table]
    order = list(dict.fromkeys(zip(part["benchmark"], part["metric"])))
    values = part.pivot_table(
        index=["benchmark", "metric"], columns="model", values="value", aggfunc="first", dropna=False
    )
    meta = part.drop_duplicates(["benchmark", "metric"]).set_index(["benchmark", "metric"])
    out = meta.loc[order, ["category", "shots"]].join(values.loc[order, models_of(scores, table)])
    return out.reset_index()[["category", "benchmark", "metric", "shots", *models_of(scores, table)]]


def bold_mask(table_wide: pd.DataFrame, models: list[str], tie: float | None = None) -> pd.DataFrame:
    """Cells of ``table_wide`` (from :func:`wide`) that the paper's rule sets in bold.

    In each row, a score is bold when no other score of the row beats it (:func:`outcome`): the
    best value and every value within the tie band of it, which is :func:`tie_for` the row's
    metric (0.3 points; none for BPB) unless ``tie`` is given for all rows. Higher is better
    except for BPB. Missing values are never bold.
    """
    if tie is not None:
        non_negative("tie", tie)
    mask = pd.DataFrame(False, index=table_wide.index, columns=table_wide.columns)
    for idx, row in table_wide.iterrows():
        present = [m for m in models if pd.notna(row[m])]
        for m in present:
            mask.loc[idx, m] = all(outcome(row[m], row[o], row["metric"], tie) != "loss" for o in present)
    return mask


def bold_cells(scores: pd.DataFrame, tie: float | None = None) -> pd.Series:
    """For every row of ``scores`` (long form), whether the rule bolds it: :func:`bold_mask` per table."""
    out = pd.Series(False, index=scores.index, dtype=bool)
    for table in scores["table"].unique():
        w = wide(scores, table)
        mask = bold_mask(w, models_of(scores, table), tie)
        lookup = {
            (b, m, model): bool(mask.loc[i, model])
            for i, (b, m) in enumerate(zip(w["benchmark"], w["metric"]))
            for model in models_of(scores, table)
        }
        part = scores["table"] == table
        out[part] = [
            lookup[(b, m, model)]
            for b, m, model in scores.loc[part, ["benchmark", "metric", "model"]].itertuples(index=False)
        ]
    return out


def gap_to_best(scores: pd.DataFrame) -> pd.Series:
    """For every row of ``scores``, how far its value is behind the best of its table row (>= 0).

    The largest :func:`advantage` of any score of the row over this one, in the metric's own
    units (for BPB, value - minimum). Missing values give NaN.
    """
    key = scores[KEY].astype(str).agg("|".join, axis=1)
    gap = pd.Series(float("nan"), index=scores.index, dtype=float)
    for _, group in scores.groupby(key, sort=False):
        present = group["value"].dropna()
        for i in present.index:
            metric = group.at[i, "metric"]
            gap[i] = max(advantage(other, present[i], metric) for other in present)
    return gap.round(9)


Verdict = Literal["same level", "behind", "undetermined"]


def rule_verdict(gap: float, resolution: float, tie: float = TIE_POINTS) -> Verdict:
    """What the 0.3 rule says about a printed ``gap`` to the row's best, given printed rounding.

    Each printed score is its true value rounded to ``resolution`` (0.1 in Tables 3, 6 and 7), so
    the true gap is within ``resolution`` of the printed one. "same level" (bold) when every gap
    the printing allows is at most ``tie``; "behind" (not bold) when every one exceeds it; else
    "undetermined": a printed gap of exactly 0.3 may be 0.25 or 0.35 before rounding.
    """
    g = non_negative("gap", gap)
    r = positive("resolution", resolution)
    t = non_negative("tie", tie)
    if g + r <= t + _EPS:
        return "same level"
    if g - r >= t - _EPS:
        return "behind"
    return "undetermined"


def head_to_head(scores: pd.DataFrame, table: str, tie: float | None = None) -> pd.DataFrame:
    """DeepSeek-V3's wins, ties and losses against each peer in ``table``, by category and in all.

    Each row of the table is one :func:`outcome` of DeepSeek-V3's score against the peer's (a tie
    within 0.3 points, none for BPB, unless ``tie`` is given). Cells the paper prints as "-" are
    skipped. Returns columns ``category``, ``peer``, ``wins``, ``ties``, ``losses``, ``compared``:
    one row per category and peer in the paper's order, then one row per peer with category
    ``"all"`` (the sums).
    """
    _check_table(table)
    if tie is not None:
        non_negative("tie", tie)
    w = wide(scores, table)
    me = DEEPSEEK_V3[table]
    peers = [m for m in models_of(scores, table) if m != me]
    rows = []
    for category in [*dict.fromkeys(w["category"]), "all"]:
        part = w if category == "all" else w[w["category"] == category]
        for peer in peers:
            counts = {"wins": 0, "ties": 0, "losses": 0}
            for _, r in part.iterrows():
                if pd.isna(r[me]) or pd.isna(r[peer]):
                    continue
                counts[{"win": "wins", "tie": "ties", "loss": "losses"}[outcome(r[me], r[peer], r["metric"], tie)]] += 1
            rows.append({"category": category, "peer": peer, **counts, "compared": sum(counts.values())})
    return pd.DataFrame(rows)


def wtl_table(scores: pd.DataFrame, table: str, tie: float | None = None) -> pd.DataFrame:
    """:func:`head_to_head` laid out for reading: one row per category (then ``all``), one column per
    peer in the paper's order, each cell ``"wins / ties / losses"``."""
    h2h = head_to_head(scores, table, tie)
    h2h["w / t / l"] = [f"{w} / {t} / {lo}" for w, t, lo in zip(h2h["wins"], h2h["ties"], h2h["losses"])]
    out = h2h.pivot(index="category", columns="peer", values="w / t / l")
    return out.loc[list(dict.fromkeys(h2h["category"])), list(dict.fromkeys(h2h["peer"]))].rename_axis(columns=None)


def record(scores: pd.DataFrame, table: str, peer: str, category: str = "all") -> str:
    """DeepSeek-V3's record against ``peer`` in words: ``"14 wins, 2 ties and 6 losses"``."""
    h2h = head_to_head(scores, table)
    match = h2h[(h2h["peer"] == peer) & (h2h["category"] == category)]
    if len(match) != 1:
        raise KeyError(f"no head-to-head row for {peer!r} in {category!r} of {table}")
    r = match.iloc[0]

    def n(count: int, one: str, many: str) -> str:
        return f"{count} {one if count == 1 else many}"

    return f"{n(r.wins, 'win', 'wins')}, {n(r.ties, 'tie', 'ties')} and {n(r.losses, 'loss', 'losses')}"


def losses(scores: pd.DataFrame, table: str, peer: str, tie: float | None = None) -> list[str]:
    """The benchmarks of ``table`` on which DeepSeek-V3 loses to ``peer`` (:func:`outcome`), in the
    paper's order; a benchmark printed with two metrics is named with its metric."""
    _check_table(table)
    w = wide(scores, table)
    me = DEEPSEEK_V3[table]
    if peer not in w.columns or peer == me:
        raise KeyError(f"{peer!r} is not a peer in {table} (have {[m for m in models_of(scores, table) if m != me]})")
    repeated = set(w["benchmark"][w["benchmark"].duplicated()])
    return [
        f"{r['benchmark']} ({r['metric']})" if r["benchmark"] in repeated else r["benchmark"]
        for _, r in w.iterrows()
        if pd.notna(r[me]) and pd.notna(r[peer]) and outcome(r[me], r[peer], r["metric"], tie) == "loss"
    ]


def score(scores: pd.DataFrame, table: str, model: str, benchmark: str, metric: str | None = None) -> float:
    """One printed score; ``KeyError`` unless exactly one cell matches (NaN for a "-" cell)."""
    part = scores[(scores["table"] == table) & (scores["model"] == model) & (scores["benchmark"] == benchmark)]
    if metric is not None:
        part = part[part["metric"] == metric]
    if len(part) != 1:
        raise KeyError(f"expected one score for {table} / {model} / {benchmark} / {metric}, found {len(part)}")
    return float(part["value"].iloc[0])


def mean_scores(
    scores: pd.DataFrame, table: str, models: list[str], benchmarks: Mapping[str, str] | None = None
) -> pd.Series:
    """Unweighted mean score of each of ``models`` over the rows of ``table`` where all have a score.

    ``benchmarks`` (benchmark -> metric) restricts the rows. BPB rows are refused: a mean of
    points and bits per byte means nothing.
    """
    w = wide(scores, table)
    if w["metric"].map(lower_is_better).any():
        raise ValueError(f"table {table!r} mixes BPB with points; pick benchmarks in points")
    if benchmarks is not None:
        keep = [(b, m) in set(benchmarks.items()) for b, m in zip(w["benchmark"], w["metric"])]
        w = w[keep]
    missing = [m for m in models if m not in w.columns]
    if missing:
        raise ValueError(f"models {missing} are not columns of {table}")
    w = w.dropna(subset=models)
    if w.empty:
        raise ValueError("no benchmark row has a score for every model")
    return w[models].mean()


def _check_table(table: str) -> None:
    if table not in TABLES:
        raise ValueError(f"table must be one of {list(TABLES)}, got {table!r}")
