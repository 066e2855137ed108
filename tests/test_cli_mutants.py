"""The command line (dsv3.cli): options and rows the mutation sample (issue 18) found untested.

Figures worked by hand from DeepSeek-V3's config (MLA caches 61 x (512 + 64) = 35,136 elements per token,
70,272 bytes in BF16) and from the FP8 weights' 671,026,419,200 bytes (one byte per parameter, the MLA
chapter's plan, tests/test_plan.py); an H800 holds 80 GiB.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from dsv3.cli import main

ROOT = Path(__file__).resolve().parents[1]
V3 = ROOT / "data" / "models" / "deepseek-v3.json"
HBM = 8 * 80 * 2**30  # eight H800s
FP8_WEIGHTS = 671_026_419_200
PER_SEQUENCE = 70_272 * 32_768  # bytes of BF16 cache per sequence of 32K tokens


def _plan(capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    args = ["plan", str(V3), "--gpu", "H800", "--gpus", "8", "--context", "32768", "--json", *extra]
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_plan_holds_the_reserve_back_before_fitting_sequences(capsys: pytest.CaptureFixture[str]) -> None:
    # no reserve: (687.19 - 671.03) GB free / 2.30 GB per sequence = 7.02 -> 7 (the MLA chapter's figure)
    assert math.floor((HBM - FP8_WEIGHTS) / PER_SEQUENCE) == 7
    assert _plan(capsys, "--weights", "fp8")["sequences"] == 7
    # 1% held back: 6.87 GB less, (16.17 - 6.87) / 2.30 = 4.04 -> 4
    info = _plan(capsys, "--weights", "fp8", "--reserve", "0.01")
    assert info["reserve"] == 0.01
    assert info["reserve_bytes"] == pytest.approx(0.01 * HBM)
    assert info["sequences"] == math.floor((0.99 * HBM - FP8_WEIGHTS) / PER_SEQUENCE) == 4


def test_plan_counts_weights_as_stored_unless_told(capsys: pytest.CaptureFixture[str]) -> None:
    info = _plan(capsys)
    assert info["weights"] == "stored" and info["reserve"] == 0
    # as stored the FP8 checkpoint also carries its F32 block scales and BF16 norms, embedding and head:
    # more than one byte per parameter
    assert info["weight_bytes"] > FP8_WEIGHTS


def test_compare_prints_training_flops_in_gflops(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(V3), str(V3)]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("training FLOPs per token"))
    assert row.count(" GFLOPs") == 2
