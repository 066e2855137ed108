"""``dsv3 inspect``: the table, the JSON, and the one-line refusal with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dsv3.cli import main

ROOT = Path(__file__).resolve().parents[1]
V3 = ROOT / "data" / "models" / "deepseek-v3.json"


def test_json_for_deepseek_v3(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(V3), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    # V3 report: "671B total parameters, of which 37B are activated"; V2 Table 1: (d_c + d_h^R) l
    # = (512 + 64) x 61 elements; ISCA '25 Table 2: ~250 GFLOPs per token at 4096.
    assert round(info["total_params"] / 1e9) == 671
    # The report's 37B is the count without the input embedding (36.63B); with both ends, 37.55B
    # would round to 38B. The difference is the 129,280 x 7,168 embedding.
    assert round(info["activated_params_excl_embedding"] / 1e9) == 37
    assert round(info["activated_params"] / 1e9) == 38
    assert info["activated_params"] - info["activated_params_excl_embedding"] == 129_280 * 7_168
    assert info["kv_cache_elements_per_token"] == (512 + 64) * 61
    assert abs(info["training_flops_per_token"] - 250e9) <= 0.5e9  # printed to the whole GFLOP
    assert info["family"] == "deepseek_v3" and info["seq_len"] == 4096


def test_seq_len_option(capsys: pytest.CaptureFixture[str]) -> None:
    main(["inspect", str(V3), "--json", "--seq-len", "32768"])
    assert json.loads(capsys.readouterr().out)["training_flops_per_token"] > 250e9 * 1.02


def test_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(ROOT / "data" / "models" / "mixtral-8x7b.json")]) == 0
    out = capsys.readouterr().out
    assert "46,702,792,704" in out  # Mixtral: "46.7B total parameters"; exact count of its checkpoint
    assert "GQA" in out


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}, "unsupported 'model_type': 'gpt2'"),
        ({"model_type": "llama", "num_hidden_layers": 2, "num_attention_heads": 2}, "missing 'hidden_size'"),
    ],
)
def test_bad_config_one_line_exit_2(tmp_path: Path, config: dict, message: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    # Through the installed entry point, as a reader runs it.
    done = subprocess.run([sys.executable, "-m", "dsv3", "inspect", str(path)], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("dsv3: error:")


def test_bad_seq_len(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(V3), "--seq-len", "0"]) == 2
    assert "--seq-len must be positive" in capsys.readouterr().err
