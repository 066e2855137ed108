"""Survivors of ``make mutate`` in ``dsv3.arch.tensors`` that were real gaps: Phi-3 stores gate and up as one
``gate_up_proj`` of 2 x intermediate rows (``modeling_phi3.py``, ``Phi3MLP``); an unquantized checkpoint stores
every tensor in its ``torch_dtype`` (float32 -> F32, float16 -> F16, safetensors' names)."""

from __future__ import annotations

import json
from pathlib import Path

from dsv3.arch.tensors import inventory
from dsv3.inputs.hf_config import load_config, parse_config

#: A tiny model with experts, shared by the gpt-oss and Llama 4 cases: d = 64, 4 heads (2 KV) of 16, 4 experts of 32.
TINY_EXPERTS = {
    "vocab_size": 100,
    "hidden_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,
    "intermediate_size": 32,
    "num_local_experts": 4,
}


def test_phi3_stores_gate_and_up_as_one_gate_up_proj() -> None:
    d, i, layers = 64, 96, 2
    cfg = {
        "model_type": "phi3",
        "vocab_size": 100,
        "hidden_size": d,
        "num_hidden_layers": layers,
        "num_attention_heads": 4,
        "intermediate_size": i,
    }
    mlp = [t for t in inventory(parse_config(cfg)) if t.part in ("gate_up_proj", "gate_proj", "up_proj", "down_proj")]
    assert sorted((t.part, t.shape) for t in mlp) == sorted(
        [("gate_up_proj", (2 * i, d))] * layers + [("down_proj", (d, i))] * layers
    )


def test_a_float32_checkpoint_stores_every_tensor_and_bias_in_f32() -> None:
    """A config whose ``torch_dtype`` is float32 (not quantized) stores weights, biases and norms as F32."""
    cfg = {
        "model_type": "phi3",
        "vocab_size": 100,
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 96,
        "attention_bias": True,
        "torch_dtype": "float32",
    }
    tensors = inventory(parse_config(cfg))
    assert any(t.name.endswith(".bias") for t in tensors)
    assert {t.dtype for t in tensors} == {"F32"}
    assert {t.dtype for t in inventory(parse_config(cfg | {"torch_dtype": "float16"}))} == {"F16"}


def test_checkpoint_names_of_sinks_qk_norms_and_the_indexer() -> None:
    """Names as the checkpoints store them: gpt-oss's ``self_attn.sinks`` (one per head, ``modeling_gpt_oss.py``);
    GLM-4.5's ``self_attn.q_norm``/``k_norm`` of head_dim, also in its MTP layer stored after the last layer
    (``modeling_glm4_moe.py``); DeepSeek-V3.2's indexer ``wq_b`` and ``wk`` (``inference/model.py``, ``Indexer``)."""
    gpt = TINY_EXPERTS | {"model_type": "gpt_oss", "num_experts_per_tok": 2, "sliding_window": 8}
    sinks = [(t.name, t.part, t.shape, t.mtp) for t in inventory(parse_config(gpt)) if t.name.endswith("sinks")]
    assert sinks == [(f"model.layers.{i}.self_attn.sinks", "sinks", (4,), False) for i in (0, 1)]
    glm = {
        "model_type": "glm4_moe",
        "vocab_size": 100,
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 16,
        "intermediate_size": 32,
        "n_routed_experts": 4,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 8,
        "use_qk_norm": True,
        "num_nextn_predict_layers": 1,
    }
    norms = [
        (t.name, t.part, t.shape, t.mtp)
        for t in inventory(parse_config(glm), include_mtp=True)
        if t.name.endswith(("q_norm.weight", "k_norm.weight"))
    ]
    assert norms == [
        (f"model.layers.{i}.self_attn.{p}_norm.weight", f"{p}_norm", (16,), i == 2) for i in (0, 1, 2) for p in "qk"
    ]
    assert all(type(t[3]) is bool for t in norms)
    v32 = {
        "model_type": "deepseek_v32",
        "vocab_size": 100,
        "hidden_size": 64,
        "num_hidden_layers": 1,
        "num_attention_heads": 4,
        "intermediate_size": 32,
        "q_lora_rank": 24,
        "kv_lora_rank": 16,
        "qk_nope_head_dim": 8,
        "qk_rope_head_dim": 4,
        "v_head_dim": 8,
        "index_n_heads": 2,
        "index_head_dim": 8,
        "index_topk": 16,
    }
    # Indexer: wq_b (q_lora_rank -> heads x head_dim), wk (d -> head_dim), k_norm a LayerNorm of head_dim whose
    # weight and bias are float32 (model.py's LayerNorm), weights_proj (d -> heads); the MTP layer (index 1) has one.
    indexer = [
        (t.name, t.part, t.shape, t.dtype, t.mtp)
        for t in inventory(parse_config(v32 | {"num_nextn_predict_layers": 1}), include_mtp=True)
        if ".indexer." in t.name
    ]
    assert indexer == [
        (f"model.layers.{i}.self_attn.indexer.{name}", part, shape, dtype, i == 1)
        for i in (0, 1)
        for name, part, shape, dtype in [
            ("wq_b.weight", "wq_b", (2 * 8, 24), "BF16"),
            ("wk.weight", "wk", (8, 64), "BF16"),
            ("k_norm.weight", "k_norm", (8,), "F32"),
            ("k_norm.bias", "k_norm", (8,), "F32"),
            ("weights_proj.weight", "weights_proj", (2, 64), "BF16"),
        ]
    ]
    assert all(type(t[4]) is bool for t in indexer)


def test_fused_experts_and_llama4s_feed_forward_by_name() -> None:
    """gpt-oss and Llama 4 store each expert's gate and up as one ``gate_up_proj`` (``modeling_gpt_oss.py``
    ``GptOssExperts``, ``modeling_llama4.py`` ``Llama4TextExperts``); Llama 4's MLP is ``feed_forward``."""
    base = TINY_EXPERTS
    gpt = base | {"model_type": "gpt_oss", "num_experts_per_tok": 2, "sliding_window": 8}
    experts = {(t.part, t.shape, t.copies) for t in inventory(parse_config(gpt)) if ".mlp.experts." in t.name}
    assert experts == {("gate_up_proj", (64,), 4), ("gate_up_proj", (64, 64), 4), ("down_proj", (64,), 4)} | {
        ("down_proj", (64, 32), 4)
    }
    llama4 = base | {"model_type": "llama4_text", "num_experts_per_tok": 1, "interleave_moe_layer_step": 2}
    names = [t.name for t in inventory(parse_config(llama4)) if ".feed_forward." in t.name or ".mlp." in t.name]
    assert names and all(".feed_forward." in n for n in names)
    assert "model.layers.1.feed_forward.experts.*.gate_up_proj.weight" in names
    assert "model.layers.0.feed_forward.gate_proj.weight" in names  # the dense layer keeps gate and up apart


# --- names the modeling files store, from the shipped configs ---------------------------------------------

FIX = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "hf-configs"
V3 = Path(__file__).resolve().parents[2] / "data" / "models" / "deepseek-v3.json"


def _by_name(arch, **kw) -> dict:
    return {t.name: t for t in inventory(arch, **kw)}


def test_gpt_oss_experts_in_mxfp4_with_bf16_biases_and_a_biased_router() -> None:
    """gpt-oss-20b: 32 experts of 2,880 on d = 2,880; MXFP4 expert weights with one E8M0 scale per 32 inputs
    (2,880 / 32 = 90), BF16 expert biases, and a router named ``router`` with a bias (modeling_gpt_oss.py)."""
    t = _by_name(load_config(FIX / "gpt-oss-20b.config.json"), include_scales=True)
    p = "model.layers.0.mlp"
    assert (t[f"{p}.experts.*.gate_up_proj.weight"].shape, t[f"{p}.experts.*.gate_up_proj.weight"].dtype) == (
        (5760, 2880),
        "MXFP4",
    )
    assert (t[f"{p}.experts.*.gate_up_proj.bias"].shape, t[f"{p}.experts.*.gate_up_proj.bias"].dtype) == (
        (5760,),
        "BF16",
    )
    assert (t[f"{p}.experts.*.down_proj_scales"].shape, t[f"{p}.experts.*.down_proj_scales"].dtype) == (
        (2880, 90),
        "E8M0",
    )
    assert t[f"{p}.router.weight"].shape == (32, 2880) and t[f"{p}.router.bias"].shape == (32,)
    assert f"{p}.gate.weight" not in t


def test_qwen2_moe_shared_expert_and_its_gate_by_name() -> None:
    """Qwen1.5-MoE-A2.7B: 60 experts on d = 2,048, a router named ``gate``, one ``shared_expert`` (singular) of
    5,632 and its ``shared_expert_gate`` of 1 x d (modeling_qwen2_moe.py)."""
    t = _by_name(load_config(FIX / "qwen1.5-moe-a2.7b.config.json"))
    p = "model.layers.0.mlp"
    assert t[f"{p}.gate.weight"].shape == (60, 2048)
    assert t[f"{p}.shared_expert.gate_proj.weight"].shape == (5632, 2048)
    assert t[f"{p}.shared_expert.down_proj.weight"].shape == (2048, 5632)
    assert t[f"{p}.shared_expert_gate.weight"].shape == (1, 2048)
    assert f"{p}.shared_experts.gate_proj.weight" not in t


def test_phi3_stores_q_k_and_v_as_one_qkv_proj() -> None:
    """Phi-3-mini: 32 heads of 96 and 32 KV heads on d = 3,072: one qkv_proj of 3 x 3,072 rows."""
    t = _by_name(load_config(FIX / "phi-3-mini-4k-instruct.config.json"))
    assert t["model.layers.0.self_attn.qkv_proj.weight"].shape == (3 * 3072, 3072)
    assert "model.layers.0.self_attn.q_proj.weight" not in t


def test_v3_mtp_router_bias_is_the_mtp_modules_and_fp8_scales_follow_the_block() -> None:
    """DeepSeek-V3: the MTP layer (index 61) keeps its own F32 routing bias; an FP8 block of 64 x 128 (instead of
    128 x 128) gives q_a_proj (1,536 x 7,168) a 24 x 56 grid of scales; the indexer-free V3 quantizes q_a_proj."""
    arch = load_config(V3)
    t = _by_name(arch, include_mtp=True, include_scales=True)
    bias = t["model.layers.61.mlp.gate.e_score_correction_bias"]
    assert (bias.mtp, bias.dtype, bias.shape) == (True, "F32", (256,))
    assert t["model.layers.3.mlp.gate.e_score_correction_bias"].mtp is False
    cfg = json.loads(V3.read_text())
    cfg["quantization_config"] = {**cfg["quantization_config"], "weight_block_size": [64, 128]}
    t64 = _by_name(parse_config(cfg), include_scales=True)
    assert t64["model.layers.0.self_attn.q_a_proj.weight_scale_inv"].shape == (1536 // 64, 7168 // 128)
    assert t["model.layers.0.self_attn.q_a_proj.weight_scale_inv"].shape == (1536 // 128, 7168 // 128)


def test_v32_indexer_weights_proj_is_not_quantized() -> None:
    """DeepSeek-V3.2's indexer: wq_b and wk in FP8 with scales, weights_proj (64 heads x d) left in BF16, no scale."""
    t = _by_name(load_config(FIX / "deepseek-v3.2.config.json"), include_scales=True)
    q = "model.layers.0.self_attn.indexer"
    assert t[f"{q}.wq_b.weight"].dtype == "F8_E4M3" and f"{q}.wq_b.weight_scale_inv" in t
    assert t[f"{q}.weights_proj.weight"].dtype == "BF16"
    assert t[f"{q}.weights_proj.weight"].shape == (64, 7168)
    assert f"{q}.weights_proj.weight_scale_inv" not in t
