"""Training runs as data: ``data/training_runs.csv`` (GPU-hours and tokens by model and stage), and
DeepSeek-V3's token segments assembled from the report's figures in ``data/facts/``.

Used by the training-cost and FLOPs/utilisation chapters.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from dsv3.inputs.facts import fact
from dsv3.inputs.paths import data_file
from dsv3.inputs.schema import SOURCE, Column, read_table
from dsv3.training.cost import phase_tokens
from dsv3.training.utilisation import Segment

TRAINING_RUNS = (
    Column("model_id"),
    Column("model"),
    Column("stage"),
    Column("gpu"),
    Column("gpu_hours", "number", positive=True),
    Column("tokens", "number", required=False, positive=True),
    SOURCE,
)


@cache
def _training_runs() -> pd.DataFrame:
    return read_table(data_file("training_runs.csv"), TRAINING_RUNS)


def training_runs() -> pd.DataFrame:
    """GPU-hours (and tokens, where stated) of training runs by model and stage (a copy)."""
    return _training_runs().copy()


def training_run(model: str, stage: str) -> pd.Series:
    """The one row of ``data/training_runs.csv`` for ``model`` and ``stage``; ``KeyError`` if there is not exactly one."""
    runs = _training_runs()
    match = runs[(runs["model"] == model) & (runs["stage"] == stage)]
    if len(match) != 1:
        raise KeyError(f"expected one training run for {model!r} / {stage!r}, found {len(match)}")
    return match.iloc[0].copy()


def v3_extension_phases() -> list[Segment]:
    """DeepSeek-V3's two YaRN context-extension phases as ``(tokens, sequence length)`` (V3 report Section 4.3).

    1,000 steps x 1,920 sequences of 32K, then 1,000 x 480 of 128K: 62.9B tokens each.
    """
    steps = int(fact("v3.yarn.steps_per_phase").value)
    return [
        (
            phase_tokens(
                steps, int(fact(f"v3.yarn.phase{i}_batch").value), int(fact(f"v3.yarn.phase{i}_seq_len").value)
            ),
            int(fact(f"v3.yarn.phase{i}_seq_len").value),
        )
        for i in (1, 2)
    ]


def v3_training_segments() -> dict[str, list[Segment]]:
    """DeepSeek-V3's training tokens by the hours that paid for them, from the report.

    ``pre-training``: 14.8T tokens at 4K (Sections 4.1-4.2). ``all stages`` adds the two YaRN
    phases of Section 4.3 (:func:`v3_extension_phases`). Post-training tokens are not published
    and are left out.
    """
    pre = training_run("DeepSeek-V3", "pre-training")
    pretrain: list[Segment] = [(float(pre.tokens), int(fact("v3.pretraining_seq_len").value))]
    return {"pre-training": pretrain, "all stages": pretrain + v3_extension_phases()}
