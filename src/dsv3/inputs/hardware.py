"""Accelerators as data: ``data/hardware.csv``, one row per GPU and quantity, each with its source.

Read into a typed :class:`Hardware` record by :func:`gpu`. Used by the FLOPs and utilisation chapter
(peaks), the MLA and serving chapters (memory, bandwidths) and the systems chapters (NVLink, IB, SMs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from functools import cache

import pandas as pd

from dsv3.inputs.paths import data_file
from dsv3.inputs.schema import SOURCE, Column, DataError, read_table

HARDWARE = (
    Column("gpu"),
    Column("quantity"),
    Column("value", "number", positive=True),
    Column("unit"),
    SOURCE,
    Column("quote"),
)


@dataclass(frozen=True)
class Hardware:
    """One accelerator's published figures (NaN where none is published for it).

    ``nvlink_bytes_per_s`` is NVIDIA's per-GPU figure (both directions summed); ``network_bytes_per_s``
    is the scale-out NIC line rate per GPU in one direction; ``nvlink_achieved_bytes_per_s`` a
    measured training figure where one is published.
    """

    name: str
    bf16_dense_flops: float
    fp8_dense_flops: float
    hbm_bytes: float
    hbm_bytes_per_s: float
    nvlink_bytes_per_s: float
    network_bytes_per_s: float
    sms: float
    nvlink_achieved_bytes_per_s: float = math.nan


QUANTITIES = tuple(f.name for f in fields(Hardware) if f.name != "name")


@cache
def _hardware() -> pd.DataFrame:
    table = read_table(data_file("hardware.csv"), HARDWARE)
    unknown = sorted(set(table["quantity"]) - set(QUANTITIES))
    if unknown:
        raise DataError(f"hardware.csv: unknown quantities {unknown} (known: {list(QUANTITIES)})")
    dup = table.duplicated(["gpu", "quantity"])
    if dup.any():
        row = int(dup.to_numpy().nonzero()[0][0]) + 1
        raise DataError(f"hardware.csv, row {row}: duplicate (gpu, quantity)")
    return table


def hardware_table() -> pd.DataFrame:
    """``data/hardware.csv`` as a table (a copy: callers cannot change what others read)."""
    return _hardware().copy()


def gpu_names() -> list[str]:
    """The accelerators the book knows, in the file's order."""
    return list(dict.fromkeys(_hardware()["gpu"]))


def gpu(name: str) -> Hardware:
    """The :class:`Hardware` record of ``name``; ``KeyError`` lists the known names."""
    table = _hardware()
    rows = table[table["gpu"] == name]
    if rows.empty:
        raise KeyError(f"unknown GPU {name!r} (known: {gpu_names()})")
    values = dict(zip(rows["quantity"], rows["value"]))
    return Hardware(name=name, **{q: float(values.get(q, math.nan)) for q in QUANTITIES})
