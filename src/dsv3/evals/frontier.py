"""Pareto frontiers: which models no other model beats on both price and score (benchmarks chapter)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from dsv3.checks import positive


def pareto_front(costs: Sequence[float], scores: Sequence[float]) -> list[bool]:
    """Which points no other point beats on both axes (lower cost, higher score).

    A point is dominated when another costs no more and scores no less, and is strictly better
    on one of the two. Equal points are both on the frontier.
    """
    if len(costs) != len(scores):
        raise ValueError(f"costs and scores differ in length ({len(costs)} and {len(scores)})")
    c = [positive("costs", x) for x in costs]
    s = [float(x) for x in scores]
    for x in s:
        if not math.isfinite(x):
            raise ValueError(f"scores must be finite numbers, got {x!r}")
    return [
        not any(c[j] <= c[i] and s[j] >= s[i] and (c[j] < c[i] or s[j] > s[i]) for j in range(len(c)) if j != i)
        for i in range(len(c))
    ]
