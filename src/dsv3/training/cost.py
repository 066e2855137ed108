"""Training cost from GPU-hours: dollars, wall-clock time, GPU-hours per token, ratios.

These are the operations behind DeepSeek-V3 Technical Report (arXiv:2412.19437) Table 1 and
its Section 1 ("180K H800 GPU hours per trillion tokens, i.e., 3.7 days on our cluster with
2048 H800 GPUs"). Units: GPU-hours (GPU-h), US dollars, days of 24 h, tokens as plain counts.
"""

from __future__ import annotations

import pandas as pd

from dsv3.checks import positive, positive_int
from dsv3.units import HOURS_PER_DAY, SECONDS_PER_HOUR, TRILLION


def rental_cost_usd(gpu_hours: float, usd_per_gpu_hour: float) -> float:
    """Dollar cost of ``gpu_hours`` rented at ``usd_per_gpu_hour``.

    V3 report Table 1: cost = GPU-hours x $2 per H800 GPU-hour, e.g. 2,664K GPU-h -> $5.328M.
    """
    return positive("gpu_hours", gpu_hours) * positive("usd_per_gpu_hour", usd_per_gpu_hour)


def wall_clock_days(gpu_hours: float, n_gpus: float) -> float:
    """Days of wall-clock time for ``gpu_hours`` spread evenly over ``n_gpus`` GPUs running 24 h a day.

    V3 report Section 1: 180K GPU-h / 2,048 GPUs / 24 h = 3.7 days per trillion tokens.
    """
    return positive("gpu_hours", gpu_hours) / positive("n_gpus", n_gpus) / HOURS_PER_DAY


def wall_clock_hours(gpu_hours: float, n_gpus: float) -> float:
    """Hours of wall-clock time for ``gpu_hours`` on ``n_gpus`` GPUs (5K GPU-h / 2,048 = 2.44 h)."""
    return wall_clock_days(gpu_hours, n_gpus) * HOURS_PER_DAY


def gpu_hours_per_trillion_tokens(gpu_hours: float, tokens: float) -> float:
    """GPU-hours spent per 10^12 training tokens (V3 report: 2,664K GPU-h / 14.8T = 180K)."""
    return positive("gpu_hours", gpu_hours) / (positive("tokens", tokens) / TRILLION)


def tokens_per_gpu_second(gpu_hours: float, tokens: float) -> float:
    """Average training throughput in tokens per GPU per second."""
    return positive("tokens", tokens) / (positive("gpu_hours", gpu_hours) * SECONDS_PER_HOUR)


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` for two positive quantities (e.g. Llama's GPU-h over DeepSeek's)."""
    return positive("numerator", numerator) / positive("denominator", denominator)


def saving(new: float, old: float) -> float:
    """Fractional saving of ``new`` against ``old``: 1 - new/old (V2 report: 1 - 172.8K/300.6K = 42.5%)."""
    return 1.0 - ratio(new, old)


def stage_costs(runs: pd.DataFrame, model: str, usd_per_gpu_hour: float) -> pd.DataFrame:
    """One row per training stage of ``model`` with its GPU-hours and rental cost, plus a total row.

    This is V3 report Table 1 when ``runs`` is ``dsv3.inputs.runs.training_runs()``, ``model`` is
    ``"DeepSeek-V3"`` and the price is $2 per GPU-hour.
    """

    stages = runs[runs["model"] == model]
    if stages.empty:
        raise ValueError(f"model {model!r} has no rows in the training runs (have {sorted(set(runs['model']))})")
    table = pd.DataFrame(
        {
            "stage": list(stages["stage"]) + ["total"],
            "gpu_hours": list(stages["gpu_hours"]) + [float(stages["gpu_hours"].sum())],
        }
    )
    table["usd"] = [rental_cost_usd(h, usd_per_gpu_hour) for h in table["gpu_hours"]]
    return table


def phase_tokens(steps: int, sequences_per_step: int, seq_len: int) -> float:
    """Tokens of a training phase: steps x sequences per step x sequence length.

    V3 report Section 4.3: 1,000 steps x 1,920 sequences x 32,768 tokens = 62.9B tokens for the
    32K phase (and 1,000 x 480 x 131,072 for the 128K phase). Used by the training-cost, FLOPs,
    YaRN and training-run chapters.
    """
    return float(
        positive_int("steps", steps)
        * positive_int("sequences_per_step", sequences_per_step)
        * positive_int("seq_len", seq_len)
    )
