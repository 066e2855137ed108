"""Config parsing: every supported family reads, and every bad config is refused by field name."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from dsv3.arch.spec import GQA, MLA, DenseMLP, MoE
from dsv3.checks import ConfigError
from dsv3.inputs.hf_config import load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((ROOT / "data" / "models").glob("*.json")) + sorted(
    (ROOT / "tests" / "fixtures" / "hf-configs").glob("*.json")
)
V3 = json.loads((ROOT / "data" / "models" / "deepseek-v3.json").read_text())
LLAMA = json.loads((ROOT / "tests" / "fixtures" / "hf-configs" / "llama-3.1-8b.config.json").read_text())


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_config_parses(path: Path) -> None:
    arch = load_config(path)
    assert arch.n_layers > 0 and arch.hidden_size > 0


def test_deepseek_v3_shape_is_the_papers() -> None:
    # V3 report Section 4.2: 61 layers, d = 7168, 128 heads of 128, d_c = 512, d'_c = 1536, d_h^R = 64;
    # "all FFNs except for the first three layers" are MoE with 1 shared + 256 routed experts of 2048, 8 active.
    arch = parse_config(V3)
    att = arch.attention
    assert isinstance(att, MLA)
    assert (arch.n_layers, arch.hidden_size, att.n_heads) == (61, 7168, 128)
    assert (att.kv_lora_rank, att.q_lora_rank, att.qk_rope_head_dim, att.qk_nope_head_dim) == (512, 1536, 64, 128)
    assert all(isinstance(f, DenseMLP) for f in arch.ffn[:3]) and arch.n_moe_layers == 58
    moe = arch.ffn[3]
    assert isinstance(moe, MoE)
    assert (moe.n_shared, moe.n_routed, moe.expert_intermediate_size, moe.top_k) == (1, 256, 2048, 8)
    assert moe.router_bias and (moe.n_group, moe.topk_group) == (8, 4)
    assert arch.n_mtp_layers == 1 and arch.fp8_block == (128, 128)


def test_v2_lite_has_no_query_compression() -> None:
    # V2 report Appendix B.1: "it does not compress the queries" (q_lora_rank null).
    att = load_config(ROOT / "data" / "models" / "deepseek-v2-lite.json").attention
    assert isinstance(att, MLA) and att.q_lora_rank is None
    cfg = copy.deepcopy(V3)
    cfg["q_lora_rank"] = 0  # some configs write 0 for "no compression"
    assert parse_config(cfg).attention.q_lora_rank is None


def test_gqa_families() -> None:
    llama = parse_config(LLAMA).attention
    assert isinstance(llama, GQA) and (llama.n_heads, llama.n_kv_heads, llama.head_dim) == (32, 8, 128)
    qwen3 = load_config(ROOT / "tests" / "fixtures" / "hf-configs" / "qwen3-8b.config.json").attention
    assert isinstance(qwen3, GQA) and qwen3.qk_norm and not qwen3.qkv_bias
    qwen2 = load_config(ROOT / "data" / "models" / "qwen2.5-72b-instruct.json").attention
    assert isinstance(qwen2, GQA) and qwen2.qkv_bias and not qwen2.o_bias


def test_qwen_moe_layers_follow_sparse_step_and_mlp_only_layers() -> None:
    cfg = json.loads((ROOT / "tests" / "fixtures" / "hf-configs" / "qwen3-30b-a3b.config.json").read_text())
    cfg.update(decoder_sparse_step=2, mlp_only_layers=[1])
    arch = parse_config(cfg)
    # modeling_qwen3_moe: sparse iff layer not in mlp_only_layers and (i + 1) % step == 0
    assert [isinstance(f, MoE) for f in arch.ffn[:6]] == [False, False, False, True, False, True]


def _broken(base: dict, **changes: object) -> dict:
    cfg = copy.deepcopy(base)
    for key, value in changes.items():
        if value is ...:
            cfg.pop(key)
        else:
            cfg[key] = value
    return cfg


@pytest.mark.parametrize(
    ("base", "changes", "message"),
    [
        (V3, {"hidden_size": ...}, "missing 'hidden_size'"),
        (LLAMA, {"hidden_size": ...}, "missing 'hidden_size'"),
        (V3, {"num_hidden_layers": 0}, "'num_hidden_layers' must be positive"),
        (LLAMA, {"intermediate_size": -5}, "'intermediate_size' must be positive"),
        (V3, {"kv_lora_rank": 512.5}, "'kv_lora_rank' must be an integer"),
        (V3, {"num_experts_per_tok": 300}, r"'num_experts_per_tok' \(300\) is larger than 'n_routed_experts' \(256\)"),
        (V3, {"num_experts_per_tok": 200}, "exceeds the experts of the topk_group"),
        (V3, {"topk_group": 9}, r"topk_group \(9\) is larger than n_group \(8\)"),
        (V3, {"first_k_dense_replace": 70}, "'first_k_dense_replace' .* exceeds 'num_hidden_layers'"),
        (LLAMA, {"num_key_value_heads": 5}, r"'num_key_value_heads' \(5\) must divide"),
        (LLAMA, {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}, "unsupported 'model_type': 'gpt2'"),
        (LLAMA, {"architectures": ["Qwen2ForCausalLM"]}, "does not match 'model_type'"),
        (LLAMA, {"tie_word_embeddings": "yes"}, "'tie_word_embeddings' must be true or false"),
        ({}, {}, "neither 'model_type' nor 'architectures'"),
    ],
)
def test_bad_configs_name_the_field(base: dict, changes: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(_broken(base, **changes))


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


def test_unreadable_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match="bad.json: not valid JSON"):
        load_config(bad)
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "missing.json")
    with pytest.raises(ConfigError, match="must be a JSON object"):
        parse_config([])  # type: ignore[arg-type]
