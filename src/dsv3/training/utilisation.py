"""Model FLOPs utilisation (MFU): the share of the GPUs' peak that the model's FLOPs used.

MFU = (FLOPs per token x tokens) / (GPU-hours x 3,600 s x peak FLOP/s per GPU).

Every input is a convention to state: which FLOPs per token (6N or with attention, with or
without the MTP module), which hours (pre-training or all stages), which peak (dense BF16 or
dense FP8 of an H800 SXM). DeepSeek publishes no MFU for V3; these are this book's derivations.
"""

from __future__ import annotations

import pandas as pd

from dsv3.arch.flops import run_flops, six_n
from dsv3.arch.params import count_params
from dsv3.arch.spec import Architecture
from dsv3.checks import positive
from dsv3.units import SECONDS_PER_HOUR


def achieved_flops_per_gpu(total_flops: float, gpu_hours: float) -> float:
    """Average FLOP/s each GPU delivered: total FLOPs / (GPU-hours x 3,600)."""
    return positive("total_flops", total_flops) / (positive("gpu_hours", gpu_hours) * SECONDS_PER_HOUR)


def mfu_of_total(total_flops: float, gpu_hours: float, peak_flops_per_gpu: float) -> float:
    """Model FLOPs utilisation of a run that did ``total_flops`` in ``gpu_hours``."""
    return achieved_flops_per_gpu(total_flops, gpu_hours) / positive("peak_flops_per_gpu", peak_flops_per_gpu)


def mfu(flops_per_token: float, tokens: float, gpu_hours: float, peak_flops_per_gpu: float) -> float:
    """Model FLOPs utilisation of a training run (a fraction of ``peak_flops_per_gpu``)."""
    total = positive("flops_per_token", flops_per_token) * positive("tokens", tokens)
    return mfu_of_total(total, gpu_hours, peak_flops_per_gpu)


def convention_grid(
    work: dict[tuple[str, str], float], gpu_hours: dict[str, float], peaks: dict[str, float]
) -> pd.DataFrame:
    """MFU under every combination of FLOPs convention, hours and peak, lowest first.

    ``work[(flops_label, hours_label)]`` is the total FLOPs, counted under ``flops_label``, of the
    part of the run that ``gpu_hours[hours_label]`` paid for; ``peaks`` maps a label to FLOP/s.
    """
    rows = []
    for (flops_label, hours_label), total in work.items():
        if hours_label not in gpu_hours:
            raise ValueError(f"work names hours {hours_label!r}, not in gpu_hours {list(gpu_hours)}")
        rate = achieved_flops_per_gpu(total, gpu_hours[hours_label])
        for peak_label, peak in peaks.items():
            rows.append(
                {
                    "FLOPs": flops_label,
                    "hours": hours_label,
                    "peak": peak_label,
                    "total FLOPs": total,
                    "TFLOP/s per GPU": rate / 1e12,
                    "MFU": rate / positive("peak", peak),
                }
            )
    return pd.DataFrame(rows).sort_values("MFU", kind="stable").reset_index(drop=True)


#: A part of a training run: (tokens, sequence length).
Segment = tuple[float, int]


def work_by_convention(arch: Architecture, segments: dict[str, list[Segment]]) -> dict[tuple[str, str], float]:
    """Total training FLOPs of each segment list under the three FLOPs conventions.

    ``6N``: 6 x activated weights without the embedding per token, no attention; ``with
    attention``: :func:`dsv3.flops.run_flops`; ``with attention and MTP``: the same with the
    multi-token-prediction module. Keys are ``(convention, segments label)`` for
    :func:`convention_grid`.
    """
    per_token_6n = six_n(count_params(arch).activated("without_embedding"))
    work: dict[tuple[str, str], float] = {}
    for label, segs in segments.items():
        work[("6N", label)] = sum(tokens for tokens, _ in segs) * per_token_6n
        work[("with attention", label)] = run_flops(arch, segs)
        work[("with attention and MTP", label)] = run_flops(arch, segs, include_mtp=True)
    return work


def gpu_hours_ratio_factors(
    work_a: float, tokens_a: float, hours_a: float, work_b: float, tokens_b: float, hours_b: float
) -> dict[str, float]:
    """Why run A took ``hours_a / hours_b`` times run B's GPU-hours, as three factors whose product it is.

    GPU-hours = tokens x FLOPs per token / achieved FLOP/s per GPU, so the ratio of two runs'
    GPU-hours is (FLOPs per token ratio) x (token ratio) x (B's achieved rate over A's). Used by the
    training-cost chapter to decompose Llama 3.1 405B's GPU-hours against DeepSeek-V3's.
    """
    per_token = (positive("work_a", work_a) / positive("tokens_a", tokens_a)) / (
        positive("work_b", work_b) / positive("tokens_b", tokens_b)
    )
    rate_ratio = (work_b / positive("hours_b", hours_b)) / (work_a / positive("hours_a", hours_a))
    return {
        "FLOPs per token": per_token,
        "tokens": tokens_a / tokens_b,
        "achieved FLOP/s per GPU (inverse)": rate_ratio,
        "GPU-hours": hours_a / hours_b,
    }
