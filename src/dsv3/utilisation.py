"""Model FLOPs utilisation (MFU): the share of the GPUs' peak that the model's FLOPs used.

MFU = (FLOPs per token x tokens) / (GPU-hours x 3,600 s x peak FLOP/s per GPU).

Every input is a convention to state: which FLOPs per token (6N or with attention, with or
without the MTP module), which hours (pre-training or all stages), which peak (dense BF16 or
dense FP8 of an H800 SXM). DeepSeek publishes no MFU for V3; these are this book's derivations.
"""

from __future__ import annotations

from dsv3.checks import positive
from dsv3.cost import SECONDS_PER_HOUR


def achieved_flops_per_gpu(total_flops: float, gpu_hours: float) -> float:
    """Average FLOP/s each GPU delivered: total FLOPs / (GPU-hours x 3,600)."""
    return positive("total_flops", total_flops) / (positive("gpu_hours", gpu_hours) * SECONDS_PER_HOUR)


def mfu(flops_per_token: float, tokens: float, gpu_hours: float, peak_flops_per_gpu: float) -> float:
    """Model FLOPs utilisation of a training run (a fraction of ``peak_flops_per_gpu``)."""
    total = positive("flops_per_token", flops_per_token) * positive("tokens", tokens)
    return achieved_flops_per_gpu(total, gpu_hours) / positive("peak_flops_per_gpu", peak_flops_per_gpu)


def convention_grid(work: dict[tuple[str, str], float], gpu_hours: dict[str, float],
                    peaks: dict[str, float]) -> "pd.DataFrame":
    """MFU under every combination of FLOPs convention, hours and peak, lowest first.

    ``work[(flops_label, hours_label)]`` is the total FLOPs, counted under ``flops_label``, of the
    part of the run that ``gpu_hours[hours_label]`` paid for; ``peaks`` maps a label to FLOP/s.
    """
    import pandas as pd

    rows = []
    for (flops_label, hours_label), total in work.items():
        if hours_label not in gpu_hours:
            raise ValueError(f"work names hours {hours_label!r}, not in gpu_hours {list(gpu_hours)}")
        rate = achieved_flops_per_gpu(total, gpu_hours[hours_label])
        for peak_label, peak in peaks.items():
            rows.append({"FLOPs": flops_label, "hours": hours_label, "peak": peak_label, "total FLOPs": total,
                         "TFLOP/s per GPU": rate / 1e12, "MFU": rate / positive("peak", peak)})
    return pd.DataFrame(rows).sort_values("MFU", kind="stable").reset_index(drop=True)
