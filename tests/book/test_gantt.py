"""dsv3.book.gantt: the DualPipe chapter's Gantt charts, drawn bar by bar where the schedule puts each operation.

The schedule is 1F1B on 2 ranks with 2 micro-batches and F = 1, B = 2 (time units), worked by hand: rank 0
runs F0 [0, 1], F1 [1, 2]; rank 1 runs F0 [1, 2] (after rank 0's), B0 [2, 4], F1 [4, 5], B1 [5, 7]; rank 0's
backward of each micro-batch waits for rank 1's: B0 [4, 6], B1 [7, 9]. Makespan 9.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_rgba

from dsv3.book.gantt import KIND_COLORS, REVERSE_HATCH, gantt, legend_handles
from dsv3.book.style import OP_COLORS
from dsv3.training import pipeline as pl

BY_HAND = {  # (rank, kind, start, end)
    (0, "F", 0.0, 1.0),
    (0, "F", 1.0, 2.0),
    (0, "B", 4.0, 6.0),
    (0, "B", 7.0, 9.0),
    (1, "F", 1.0, 2.0),
    (1, "B", 2.0, 4.0),
    (1, "F", 4.0, 5.0),
    (1, "B", 5.0, 7.0),
}
COLOR_OF = {"F": OP_COLORS["forward"], "B": OP_COLORS["backward"]}


def _bars(ax) -> list[tuple[float, float, float, float, tuple, str | None]]:
    """Every drawn rectangle as (x0, x1, y0, y1, face colour, hatch)."""
    out = []
    for c in ax.collections:
        face = tuple(round(v, 6) for v in c.get_facecolor()[0])
        for path in c.get_paths():
            x0, y0, w, h = path.get_extents().bounds
            out.append((round(x0, 6), round(x0 + w, 6), round(y0, 6), round(y0 + h, 6), face, c.get_hatch()))
    return out


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_each_operation_is_one_bar_where_and_when_the_schedule_runs_it(ax) -> None:
    res = pl.simulate(pl.one_f_one_b(2, 2), pl.Durations(f=1.0, b=2.0, w=1.0))
    assert res.makespan == 9.0
    gantt(ax, res, xmax=12.0)
    want = sorted(
        (s, e, round(r - 0.4, 6), round(r + 0.4, 6), tuple(round(v, 6) for v in to_rgba(COLOR_OF[k])), None)
        for r, k, s, e in BY_HAND
    )
    assert sorted(_bars(ax)) == want
    # Ranks top to bottom, one tick each; time from 0 to the xmax asked for.
    assert ax.get_ylim() == (1.5, -0.5)
    assert list(ax.get_yticks()) == [0, 1]
    assert ax.get_xlim() == (0.0, 12.0)
    assert ax.get_ylabel() == "rank"
    assert not any(line.get_visible() for line in ax.get_xgridlines() + ax.get_ygridlines())


def test_the_reverse_direction_is_hatched_and_only_it(ax) -> None:
    """DualPipe feeds half its micro-batches from the last rank (its second pipe): those bars, and only those,
    carry the hatch. With 4 ranks and 8 micro-batches, 4 go each way; 1F1B has no reverse direction."""
    res = pl.simulate(pl.dualpipe(4, 8), pl.Durations(f=1.0, b=2.0, w=1.0))
    gantt(ax, res, xmax=res.makespan)
    hatched = [b for b in _bars(ax) if b[5] == REVERSE_HATCH]
    plain = [b for b in _bars(ax) if b[5] is None]
    assert hatched and plain and len(hatched) + len(plain) == len(res.events)
    fig2, ax2 = plt.subplots()
    gantt(ax2, pl.simulate(pl.one_f_one_b(4, 4), pl.Durations()), xmax=20.0)
    assert all(b[5] is None for b in _bars(ax2))
    plt.close(fig2)


def test_dualpipev_hatches_the_way_back_up(ax) -> None:
    """DualPipeV folds 2 x 2 stages onto 2 devices: stages 2 and 3 run on the way back up and are hatched."""
    res = pl.simulate(pl.dualpipev(2, 4), pl.Durations(f=1.0, b=2.0, w=1.0))
    gantt(ax, res, xmax=res.makespan)
    hatched = sum(b[5] == REVERSE_HATCH for b in _bars(ax))
    assert 0 < hatched < len(res.events)
    # device r runs stage r on the way down and stage 3 - r on the way back up: each device has both
    for rank in (0, 1):
        on_rank = [b for b in _bars(ax) if b[2] == round(rank - 0.4, 6)]
        assert any(b[5] == REVERSE_HATCH for b in on_rank) and any(b[5] is None for b in on_rank), rank


def test_legend_has_one_entry_per_kind_and_the_hatch() -> None:
    handles = legend_handles()
    assert [h.get_label() for h in handles[:-1]] == [pl.OP_NAMES[k] for k in pl.OP_KINDS]
    for h, k in zip(handles, pl.OP_KINDS):
        assert h.get_facecolor() == to_rgba(KIND_COLORS[k])
    assert handles[-1].get_hatch() == REVERSE_HATCH and handles[-1].get_label() == "reverse direction / way back up"
    # the hatch entry is a white box drawn in black, so it reads as "any kind, the other way"
    assert handles[-1].get_facecolor() == to_rgba("white")
    assert handles[-1].get_edgecolor() == to_rgba("black")
    assert KIND_COLORS == {
        "F": OP_COLORS["forward"],
        "B": OP_COLORS["backward"],
        "BI": OP_COLORS["backward input"],
        "W": OP_COLORS["backward weight"],
        "FB": OP_COLORS["forward and backward"],
    }


def test_bars_have_a_thin_white_outline_so_back_to_back_operations_stay_apart(ax) -> None:
    # rank 1 runs F0 [1, 2] then B0 [2, 4], back to back: a 0.4-point white edge separates touching bars
    gantt(ax, pl.simulate(pl.one_f_one_b(2, 2), pl.Durations(f=1.0, b=2.0, w=1.0)), xmax=12.0)
    assert ax.collections
    for c in ax.collections:
        assert tuple(c.get_edgecolor()[0]) == to_rgba("white")
        assert list(c.get_linewidth()) == [0.4]
