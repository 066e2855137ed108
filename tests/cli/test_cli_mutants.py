"""The command line (dsv3.cli): options and rows the mutation sample (issue 18) found untested.

Figures worked by hand from DeepSeek-V3's config (MLA caches 61 x (512 + 64) = 35,136 elements per token,
70,272 bytes in BF16) and from the FP8 weights' 671,026,419,200 bytes (one byte per parameter, the MLA
chapter's plan, tests/serving/test_plan.py); an H800 holds 80 GiB.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from dsv3.cli import main

ROOT = Path(__file__).resolve().parents[2]
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


def _lines(capsys: pytest.CaptureFixture[str], args: list[str]) -> list[str]:
    assert main(args) == 0
    return capsys.readouterr().out.splitlines()


def test_plan_text_by_hand(capsys: pytest.CaptureFixture[str]) -> None:
    # 8 x 80 GiB = 640 GiB = 687,194,767,360 B = 687.2 GB; 1% reserve 6.9 GB; FP8 weights 671.0 GB;
    # left 687.195 - 6.872 - 671.026 = 9.3 GB; 70,272 B x 32,768 = 2.303 GB per sequence: 4 fit
    args = ["plan", str(V3), "--gpu", "H800", "--gpus", "8", "--context", "32768", "--weights", "fp8"]
    lines = _lines(capsys, [*args, "--reserve", "0.01"])
    assert lines[0] == "deepseek-v3 on 8 x H800 (80 GiB each)"
    assert lines[1].split() == ["memory", "640.0", "GiB", "=", "687.2", "GB"]
    assert lines[2].split() == ["reserve", "1%", "of", "memory", "=", "6.9", "GB"]
    assert lines[3].split() == ["weights", "671.0", "GB,", "every", "parameter", "in", "FP8:", "they", "fit"]
    assert lines[4].split() == ["left", "for", "the", "cache", "9.3", "GB"]
    assert lines[5].split()[:8] == ["cache", "per", "sequence", "2.303", "GB", "at", "32,768", "tokens"]
    assert lines[6].split() == ["sequences", "that", "fit", "4"]
    assert lines[7].split() == ["batch", "of", "1", "fits", "(2.3", "GB", "of", "cache)"]
    stored = _lines(capsys, args[:-2])
    assert "as stored (main model, no MTP module): they fit" in stored[3]


def test_compare_table_by_hand(capsys: pytest.CaptureFixture[str]) -> None:
    lines = _lines(capsys, ["inspect", str(V3), str(V3)])
    header, rule = lines[0], lines[1]
    assert header.split() == ["deepseek-v3", "deepseek-v3"] and not header.startswith("deepseek")  # a blank corner
    widths = [len(cell) for cell in rule.split("  ")]
    assert set(rule.replace("  ", "")) == {"-"} and len(widths) == 3
    row = {line[: widths[0]].rstrip(): line[widths[0] :].split("  ") for line in lines[2:-1]}
    # labels left-aligned in the first column, values right-aligned under their model
    layers = next(line for line in lines if line.startswith("layers "))
    assert layers.endswith(" 61") and layers.count(" 61") == 2
    # KV cache: 35,136 elements x 131,072 tokens x 2 bytes (BF16) = 9,210,691,584 B = 9.21 GB
    assert [c.strip() for c in row["KV cache at the context (bytes)"] if c.strip()] == ["9.21 GB @ 131,072"] * 2
    assert lines[-1] == (
        "(training FLOPs at sequence length 4,096; KV cache in BF16, windowed layers capped; GB = 1e9 bytes)"
    )


def test_inspect_of_one_config_prints_a_block_and_json_is_indented(capsys: pytest.CaptureFixture[str]) -> None:
    lines = _lines(capsys, ["inspect", str(V3)])
    assert lines[0] == "deepseek-v3"
    kv = next(line for line in lines if "KV cache at the context (bytes)" in line)
    assert kv.split()[-5:] == ["9.21", "GB", "(131,072", "tokens,", "BF16)"]
    text = "\n".join(_lines(capsys, ["inspect", str(V3), "--json", "--context", "4096"]))
    assert text.startswith('{\n  "name": "deepseek-v3",')  # one object, indented by 2
    assert json.loads(text)["context_len"] == 4096 and json.loads(text)["kv_cache_elements_at_context"] == 35_136 * 4096
