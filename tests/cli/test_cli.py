"""``dsv3 inspect``: the table, the JSON, and the one-line refusal with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dsv3.cli import main

ROOT = Path(__file__).resolve().parents[2]
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
    # The MTP module, counted apart (V3 report Section 2.2): eh_proj (d x 2d), enorm and hnorm, one MoE decoder
    # layer with MLA, and shared_head.norm; its copies of the embedding and head are left out.
    d, h = 7168, 128
    mla = d * 1536 + 1536 + 1536 * h * 192 + d * (512 + 64) + 512 + 512 * h * (128 + 128) + h * 128 * d
    moe = 257 * 3 * d * 2048 + 256 * d + 256  # 256 routed + 1 shared, router, routing bias
    assert info["mtp_layers"] == 1
    assert info["mtp_params"] == 2 * d * d + 2 * d + (mla + 2 * d + moe) + d


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
def test_bad_config_one_line_exit_2(
    tmp_path: Path, config: dict, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    assert main(["inspect", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("dsv3: error:")


def test_bad_config_through_the_command_line(tmp_path: Path) -> None:
    """End to end, as a reader runs it: `python -m dsv3` exits 2 with one line on stderr, no traceback."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}))
    done = subprocess.run([sys.executable, "-m", "dsv3", "inspect", str(path)], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dsv3: error:") and "unsupported 'model_type': 'gpt2'" in lines[0]


def test_bad_seq_len(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(V3), "--seq-len", "0"]) == 2
    assert "--seq-len must be a positive integer" in capsys.readouterr().err


# --- issue 9: new families, several configs, the memory plan, bad input named ----------------------

FIXTURES = ROOT / "tests" / "fixtures" / "hf-configs"
KIMI = FIXTURES / "kimi-k2-instruct.config.json"


def test_kimi_k2_is_inspected_as_deepseek_v3(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(KIMI)]) == 0
    out = capsys.readouterr().out
    # The count derived layer by layer in tests/inputs/test_families.py; (512 + 64) x 61 elements of MLA cache.
    assert "1,026,408,232,448" in out and "35,136" in out and "kimi_k2" in out


def test_several_configs_give_one_table_and_a_json_list(capsys: pytest.CaptureFixture[str]) -> None:
    gemma = FIXTURES / "gemma-2-2b-it.config.json"
    assert main(["inspect", str(V3), str(KIMI), str(gemma)]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    assert "deepseek-v3" in header and "kimi-k2-instruct" in header and "gemma-2-2b-it" in header
    assert "671,026,419,200" in out and "1,026,408,232,448" in out
    assert main(["inspect", str(V3), str(KIMI), "--json"]) == 0
    infos = json.loads(capsys.readouterr().out)
    assert [i["name"] for i in infos] == ["deepseek-v3", "kimi-k2-instruct"]
    assert infos[0]["kv_cache_elements_per_token"] == infos[1]["kv_cache_elements_per_token"] == 35_136


def test_json_keys_of_the_first_release_keep_their_names(capsys: pytest.CaptureFixture[str]) -> None:
    main(["inspect", str(V3), "--json"])
    info = json.loads(capsys.readouterr().out)
    first = {
        "name",
        "family",
        "layers",
        "hidden_size",
        "attention",
        "moe_layers",
        "routed_experts",
        "experts_per_token",
        "shared_experts",
        "total_params",
        "activated_params",
        "activated_params_excl_embedding",
        "activated_params_excl_embedding_and_head",
        "kv_cache_elements_per_token",
        "seq_len",
        "training_flops_per_token",
    }
    assert first <= set(info)
    # At 128K tokens: 35,136 elements per token x 131,072 tokens x 2 bytes (BF16).
    assert info["context_len"] == 131_072 and info["kv_cache_bytes_at_context"] == 35_136 * 131_072 * 2


def test_inspect_names_an_unknown_quantization_but_still_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = json.loads((FIXTURES / "qwen3-8b.config.json").read_text())
    raw["quantization_config"] = {"quant_method": "awq", "bits": 4}
    path = tmp_path / "qwen3-8b-awq.config.json"
    path.write_text(json.dumps(raw))
    assert main(["inspect", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["total_params"] == 8_190_735_360  # Qwen3-8B safetensors metadata (published.csv)
    assert info["weight_bytes_as_stored"] is None and "'awq'" in info["weight_storage"]


@pytest.mark.parametrize(("context", "sequences"), [("32768", 7), ("131072", 1)])
def test_plan_reproduces_the_mla_chapter_with_fp8_weights(
    context: str, sequences: int, capsys: pytest.CaptureFixture[str]
) -> None:
    # MLA chapter, "Sequences beside the weights on eight H800s": 7 at 32K and 1 at 128K
    # (worked in tests/serving/test_plan.py from 671,026,419,200 bytes of FP8 weights and 70,272 bytes per token).
    assert (
        main(["plan", str(V3), "--gpu", "H800", "--gpus", "8", "--context", context, "--weights", "fp8", "--json"]) == 0
    )
    info = json.loads(capsys.readouterr().out)
    assert info["sequences"] == sequences and info["weights_fit"]
    assert info["memory_bytes"] == 8 * 80 * 2**30


def test_plan_text_states_what_it_leaves_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(V3), "--gpu", "H800", "--gpus", "8", "--context", "32768", "--kv-dtype", "fp8"]) == 0
    out = capsys.readouterr().out
    assert "leaves out: activations" in out and "reserve" in out and "upper bound" in out


def _write(tmp_path: Path, name: str, edit: dict) -> Path:
    raw = json.loads((FIXTURES / name).read_text())
    for key, value in edit.items():
        if value is None:
            raw.pop(key)
        else:
            raw[key] = value
    path = tmp_path / name
    path.write_text(json.dumps(raw))
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "{V3}", "--gpu", "A100", "--gpus", "8", "--context", "4096"], "--gpu: unknown GPU 'A100'"),
        (["plan", "{V3}", "--gpu", "H800", "--gpus", "8", "--context", "0"], "--context must be a positive integer"),
        (["plan", "{V3}", "--gpu", "H800", "--gpus", "8", "--context", "32k"], "--context must be a positive integer"),
        (["plan", "{V3}", "--gpu", "H800", "--gpus", "8", "--context", "1.5"], "--context must be a positive integer"),
        (["plan", "{V3}", "--gpu", "H800", "--gpus", "-8", "--context", "4096"], "--gpus must be a positive integer"),
        (
            ["plan", "{V3}", "--gpu", "H800", "--gpus", "8", "--context", "4096", "--batch", "0"],
            "--batch must be a positive integer",
        ),
        (
            ["plan", "{V3}", "--gpu", "H800", "--gpus", "8", "--context", "4096", "--reserve", "2"],
            "--reserve must be a number between 0 and 1",
        ),
        (["plan", "{V3}", "--gpu", "H800", "--gpus", "8", "--context", "200000"], "max_position_embeddings"),
        (["inspect", "{V3}", "--context", "-1"], "--context must be a positive integer"),
        (["inspect", "{TOPK}"], "'num_experts_per_tok' (33) is larger than 'num_local_experts' (32)"),
        (["inspect", "{WINDOW}"], "'sliding_window' (262144) is larger than the context"),
        (["inspect", "{MISSING}"], "missing 'num_local_experts'"),
        (["inspect", "{ZERO}"], "'num_hidden_layers' must be positive"),
    ],
)
def test_bad_input_one_line_exit_2(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = {
        "{V3}": str(V3),
        "{TOPK}": str(_write(tmp_path, "gpt-oss-20b.config.json", {"num_experts_per_tok": 33})),
        "{WINDOW}": str(_write(tmp_path, "gemma-2-2b-it.config.json", {"sliding_window": 262_144})),
        "{MISSING}": str(_write(tmp_path, "gpt-oss-120b.config.json", {"num_local_experts": None})),
        "{ZERO}": str(_write(tmp_path, "phi-3-mini-4k-instruct.config.json", {"num_hidden_layers": 0})),
    }
    assert main([paths.get(a, a) for a in args]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == "" and len(lines) == 1 and lines[0].startswith("dsv3: error:") and message in lines[0], err
