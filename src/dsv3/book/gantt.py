"""Gantt charts of pipeline schedules, drawn from the simulator's event log (DualPipe chapter).

One bar per operation, one colour per kind of operation (:data:`dsv3.book.style.OP_COLORS`), hatched
where the micro-batch travels the reverse direction (DualPipe's second pipe, DualPipeV's way back up).
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.patches import Patch

from dsv3.book.style import OP_COLORS
from dsv3.training.pipeline import OP_KINDS, OP_NAMES, Result

#: The simulator's operation kinds, coloured by the book's operation palette.
KIND_COLORS: dict[str, str] = {
    "F": OP_COLORS["forward"],
    "B": OP_COLORS["backward"],
    "BI": OP_COLORS["backward input"],
    "W": OP_COLORS["backward weight"],
    "FB": OP_COLORS["forward and backward"],
}

REVERSE_HATCH = "////"


def gantt(ax: Axes, res: Result, xmax: float) -> None:
    """Draw ``res``'s event log on ``ax``: ranks top to bottom, time left to right, up to ``xmax``."""
    first_part = res.parts.drop_duplicates(["rank", "index"]).set_index(["rank", "index"])
    ev = res.events.join(first_part[["pipe", "stage"]], on=["rank", "index"])
    ev["reverse"] = (ev["pipe"] == 1) | ((res.schedule.name == "DualPipeV") & (ev["stage"] >= res.schedule.num_ranks))
    for (rank, kind, reverse), group in ev.groupby(["rank", "kind", "reverse"]):
        ax.broken_barh(
            list(zip(group["start"], group["end"] - group["start"])),
            (rank - 0.4, 0.8),
            facecolors=KIND_COLORS[kind],
            edgecolor="white",
            linewidth=0.4,
            hatch=REVERSE_HATCH if reverse else None,
        )
    ax.set_ylim(res.schedule.num_ranks - 0.5, -0.5)
    ax.set_yticks(range(res.schedule.num_ranks))
    ax.set_xlim(0, xmax)
    ax.set_ylabel("rank")
    ax.grid(False)


def legend_handles() -> list[Patch]:
    """Legend entries: one per operation kind, then the hatch of the reverse direction."""
    handles = [Patch(color=KIND_COLORS[k], label=OP_NAMES[k]) for k in OP_KINDS]
    handles.append(
        Patch(facecolor="white", edgecolor="black", hatch=REVERSE_HATCH, label="reverse direction / way back up")
    )
    return handles
