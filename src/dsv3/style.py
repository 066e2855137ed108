"""The book's figure style, applied once per chapter with :func:`use`.

House rules: no titles on axes (the caption is the title), lowercase axis labels with units,
wide and short figures, PNG output for deterministic builds.
"""

from __future__ import annotations

import matplotlib as mpl

#: Width x height in inches of a standard figure.
FIGSIZE = (6.0, 3.5)

#: Colours by role: DeepSeek's runs, the comparison models, and a neutral grey.
DEEPSEEK = "#1f4e9c"
PEER = "#c8553d"
NEUTRAL = "#8c8c8c"
PALETTE = [DEEPSEEK, PEER, "#2a9d8f", "#e9c46a", "#6d597a", NEUTRAL]


def use() -> None:
    """Apply the book's matplotlib style (idempotent)."""
    mpl.rcParams.update(
        {
            "figure.figsize": FIGSIZE,
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "figure.constrained_layout.use": True,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.prop_cycle": mpl.cycler(color=PALETTE),
            "font.size": 10,
            "legend.frameon": False,
            "svg.hashsalt": "dsv3",
        }
    )
