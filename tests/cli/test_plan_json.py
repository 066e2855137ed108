"""``dsv3 plan --json``: every key the README documents, each value worked by hand (README, "dsv3 plan").

DeepSeek-V3 on one node of 8 H800 (80 GB of HBM3 each: 80 x 2^30 bytes, the H100 SXM datasheet), a 32K
context, an FP8 cache and a tenth of HBM held back. The MLA cache is (d_c + d_h^R) x layers = (512 + 64) x 61
= 35,136 elements per token (DeepSeek-V2 Table 1), one byte each in FP8.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsv3.arch.storage import weight_bytes_as_stored
from dsv3.cli import main
from dsv3.inputs.hf_config import load_config
from dsv3.serving.memory import LEFT_OUT

ROOT = Path(__file__).resolve().parents[2]
V3 = ROOT / "data" / "models" / "deepseek-v3.json"
GIB = 2**30
KV_PER_TOKEN = (512 + 64) * 61
#: The keys the README lists for ``plan --json``, in its order, and the ``decode`` object's.
KEYS = [
    "name", "gpu", "gpus", "gpu_memory_bytes", "memory_bytes", "reserve", "reserve_bytes", "weights",
    "weight_bytes", "weights_fit", "free_bytes", "context_len", "kv_dtype", "sequence_bytes", "sequences",
    "batch", "batch_fits", "left_out",
]  # fmt: skip
DECODE_KEYS = {
    "binding", "step_s", "memory_s", "compute_s", "network_s", "hbm_bytes", "weight_bytes", "kv_bytes",
    "network_bytes", "flops", "tokens_per_s_per_gpu", "tokens_per_s_per_node", "tokens_per_s_per_sequence",
}  # fmt: skip


def plan_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict, str]:
    assert main(["plan", str(V3), "--gpu", "H800", *args, "--json"]) == 0
    text = capsys.readouterr().out
    return json.loads(text), text


def test_plan_json_by_hand(capsys: pytest.CaptureFixture[str]) -> None:
    info, text = plan_json(capsys, "--gpus", "8", "--context", "32768", "--kv-dtype", "fp8", "--reserve", "0.1")
    assert list(info) == KEYS
    assert text.startswith('{\n  "name": "deepseek-v3",\n  "gpu": "H800",\n')  # indented by two spaces
    memory = 8 * 80 * GIB
    weights = weight_bytes_as_stored(load_config(V3)).total_bytes
    assert info["name"] == "deepseek-v3" and info["gpu"] == "H800" and info["gpus"] == 8
    assert info["gpu_memory_bytes"] == 80 * GIB and info["memory_bytes"] == memory
    assert info["reserve"] == 0.1 and info["reserve_bytes"] == pytest.approx(0.1 * memory)
    assert info["weights"] == "stored" and info["weight_bytes"] == weights
    # 687.2 GB of HBM less 68.7 GB held back leaves 618.5 GB: the 673.2 GB of weights do not fit
    assert info["weights_fit"] is False
    assert info["free_bytes"] == pytest.approx(memory - 0.1 * memory - weights) and info["free_bytes"] < 0
    assert info["context_len"] == 32768 and info["kv_dtype"] == "fp8"
    assert info["sequence_bytes"] == KV_PER_TOKEN * 32768 * 1 == 1_151_336_448
    assert info["sequences"] == 0 and info["batch"] == 1 and info["batch_fits"] is False
    assert info["left_out"] == LEFT_OUT


def test_plan_json_when_the_weights_fit(capsys: pytest.CaptureFixture[str]) -> None:
    info, _ = plan_json(capsys, "--gpus", "8", "--context", "32768", "--batch", "6")
    weights = weight_bytes_as_stored(load_config(V3)).total_bytes
    free = 8 * 80 * GIB - weights
    assert info["weights_fit"] is True and info["reserve"] == 0 and info["reserve_bytes"] == 0
    assert info["free_bytes"] == free and info["kv_dtype"] == "bf16"  # the default cache dtype
    assert info["sequence_bytes"] == KV_PER_TOKEN * 32768 * 2
    # 14.04 GB left, 2.30 GB per sequence: 6 sequences (the serving chapter's node-fit figure)
    assert info["sequences"] == int(free // (KV_PER_TOKEN * 32768 * 2)) == 6
    assert info["batch"] == 6 and info["batch_fits"] is True
    info7, _ = plan_json(capsys, "--gpus", "8", "--context", "32768", "--batch", "7")
    assert info7["batch_fits"] is False


def test_plan_json_decode_reads_the_cache_at_its_dtype(capsys: pytest.CaptureFixture[str]) -> None:
    common = ("--gpus", "8", "--context", "32768", "--batch", "16", "--decode")
    fp8, _ = plan_json(capsys, *common, "--kv-dtype", "fp8")
    bf16, _ = plan_json(capsys, *common)
    assert set(fp8["decode"]) == DECODE_KEYS
    # 16 sequences on 8 GPUs: 2 per GPU, each reading 32,768 tokens of 35,136 elements
    assert fp8["decode"]["kv_bytes"] == 2 * 32768 * KV_PER_TOKEN * 1
    assert bf16["decode"]["kv_bytes"] == 2 * 32768 * KV_PER_TOKEN * 2
    assert fp8["decode"]["weight_bytes"] == bf16["decode"]["weight_bytes"]


def test_plan_text_says_when_the_weights_do_not_fit(capsys: pytest.CaptureFixture[str]) -> None:
    # 4 x 80 GiB = 343.6 GB < 673.2 GB of weights
    assert main(["plan", str(V3), "--gpu", "H800", "--gpus", "4", "--context", "4096", "--batch", "1000"]) == 0
    out = capsys.readouterr().out
    weights_line = next(line for line in out.splitlines() if line.lstrip().startswith("weights "))
    assert weights_line.endswith(": they do NOT fit") and "they fit" not in out
    assert "batch of 1,000" in out and "does NOT fit" in out


@pytest.mark.parametrize("reserve", ["1", "1.0", "-0.01"])
def test_reserve_is_a_fraction_below_one(reserve: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["plan", str(V3), "--gpu", "H800", "--gpus", "8", "--context", "4096", "--reserve", reserve]
    assert main(args) == 2
    assert "error: --reserve " in capsys.readouterr().err
    assert main([*args[:-1], "0.999"]) == 0


def test_mtp_acceptance_is_named_when_refused(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["plan", str(V3), "--gpu", "H800", "--gpus", "8", "--context", "4096", "--decode"]
    assert main([*args, "--mtp-acceptance", "1"]) == 2
    assert "error: --mtp-acceptance " in capsys.readouterr().err  # the option, named as the user typed it


def test_inspect_reads_the_cache_at_the_dtype_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(V3), "--json", "--kv-dtype", "fp8", "--context", "1000"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kv_dtype"] == "fp8" and info["kv_cache_bytes_at_context"] == KV_PER_TOKEN * 1000 * 1


def test_compare_says_when_the_bytes_are_not_computed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = json.loads((ROOT / "tests/fixtures/hf-configs/llama-3.1-8b.config.json").read_text(encoding="utf-8"))
    cfg["quantization_config"] = {"quant_method": "awq"}  # a method whose storage the calculator does not know
    awq = tmp_path / "llama-awq.json"
    awq.write_text(json.dumps(cfg), encoding="utf-8")
    assert main(["inspect", str(V3), str(awq)]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("weights as stored"))
    assert row.endswith("not computed") and "673.15 GB" in row
