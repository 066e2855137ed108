"""The book's figure style, applied once per chapter with :func:`use`, and its one palette.

House rules: no titles on axes (the caption is the title), lowercase axis labels with units,
wide and short figures, PNG at 2x for sharp text, tick labels of at least 9 pt. Colours: one per
model across the whole book (:func:`color`, keyed by ``model_id`` of ``data/model_ids.csv``), one
per role (:data:`DEEPSEEK`, :data:`PEER`, :data:`NEUTRAL`) and one per operation kind of the
pipeline and systems chapters (:data:`OP_COLORS`). Chapters take every colour from here.
"""

from __future__ import annotations

import builtins

import matplotlib as mpl
from cycler import cycler
from matplotlib_inline.backend_inline import set_matplotlib_formats

#: Width x height in inches of a standard figure.
FIGSIZE = (6.0, 3.5)

#: Colours by role: DeepSeek's runs, the comparison models, and a neutral grey.
DEEPSEEK = "#1f4e9c"
PEER = "#c8553d"
NEUTRAL = "#8c8c8c"
PALETTE = [DEEPSEEK, PEER, "#2a9d8f", "#e9c46a", "#6d597a", NEUTRAL]

#: One colour per model, the same in every chapter.
MODEL_COLORS: dict[str, str] = {
    "deepseek-v3": DEEPSEEK,
    "deepseek-r1": "#4a78c2",
    "deepseek-v2": "#7fa6d9",
    "deepseek-v2.5": "#5b8fd0",
    "deepseek-v2-lite": "#a9c3e6",
    "deepseek-llm-67b": "#0b2a5b",
    "llama-3.1-405b": PEER,
    "llama-3.1-70b": "#e07a5f",
    "llama-3.1-8b": "#f2a68f",
    "llama-3-70b": "#b5651d",
    "llama-3-8b": "#d99a5b",
    "llama-2-7b": "#8c4a2f",
    "qwen2.5-72b": "#2a9d8f",
    "mixtral-8x7b": "#e9c46a",
    "gpt-4o": "#6d597a",
    "gpt-4": "#9d8ba7",
    "gpt-4-turbo": "#b8a9c9",
    "claude-3.5-sonnet": "#3d5a40",
    "claude-3-opus": "#7a9e7e",
}

#: One colour per operation kind (pipeline schedules and other systems figures).
OP_COLORS: dict[str, str] = {
    "forward": "#4a78c2",
    "backward": "#c8553d",
    "backward input": "#f4a261",
    "backward weight": "#e9c46a",
    "forward and backward": "#6d597a",
    "idle": "#e6e6e6",
    "communication": "#2a9d8f",
}


#: Shades for the parts of a bill or a cost (benchmarks and serving figures).
PART_COLORS: dict[str, str] = {
    "rent": NEUTRAL,
    "cache-hit input": "#9db4dd",
    "cache-miss input": "#5b7fc4",
    "output": DEEPSEEK,
}


def color(model_id: str) -> str:
    """The colour of ``model_id`` in every figure of the book; ``KeyError`` names an unknown id."""
    if model_id not in MODEL_COLORS:
        raise KeyError(f"no colour for model_id {model_id!r}; add it to MODEL_COLORS (ids: data/model_ids.csv)")
    return MODEL_COLORS[model_id]


def use() -> None:
    """Apply the book's matplotlib style (idempotent); in a notebook, figures are PNG at 2x ("retina")."""
    if getattr(builtins, "__IPYTHON__", False):
        set_matplotlib_formats("retina")
    mpl.rcParams.update(
        {
            "figure.figsize": FIGSIZE,
            "figure.dpi": 100,
            "savefig.dpi": 200,
            "figure.constrained_layout.use": True,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.prop_cycle": cycler(color=PALETTE),
            "font.size": 10,
            "xtick.labelsize": 9,
            "ytick.labelsize": 9,
            "legend.fontsize": 9,
            "legend.frameon": False,
            "svg.hashsalt": "dsv3",
        }
    )
