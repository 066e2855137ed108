"""New families read from their published config.json (issue 9): detection, counts to the integer,
KV cache at a context, weights in bytes as stored. Expected values are derived in the tests from
the modules the Hugging Face modeling files build, or quoted from model cards (published.csv)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsv3.arch.kv_cache import kv_cache_elements_per_token
from dsv3.arch.kv_context import indexer_cache_bytes_per_token, kv_cache_elements
from dsv3.arch.params import count_params, mtp_params, mtp_unique
from dsv3.arch.storage import UnknownQuantization, weight_bytes_as_stored
from dsv3.arch.tensors import stored_elements
from dsv3.checks import ConfigError
from dsv3.inputs.hf_config import load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "hf-configs"


def cfg(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.config.json").read_text())


# --- detection -----------------------------------------------------------------------------------


def test_kimi_k2_is_read_as_the_deepseek_v3_architecture_it_declares() -> None:
    arch = load_config(FIXTURES / "kimi-k2-instruct.config.json")
    assert arch.family == "deepseek_v3" and arch.model_type == "kimi_k2"
    # V3 arithmetic with Kimi's shapes: d=7168, 61 layers (1 dense), 384 experts of 2048, 1 shared,
    # 64 heads, q_lora 1536, kv_lora 512, nope 128, rope 64, v 128, vocab 163,840, untied.
    d, v, h = 7168, 163_840, 64
    attn = d * 1536 + 1536 + 1536 * h * 192 + d * (512 + 64) + 512 + 512 * h * (128 + 128) + h * 128 * d
    expert = 3 * d * 2048
    moe = 384 * expert + expert + 384 * d + 384  # routed, shared, router, routing bias
    dense = 3 * d * 18432
    total = 2 * v * d + d + 61 * (attn + 2 * d) + dense + 60 * moe
    assert total == 1_026_408_232_448 == count_params(arch).total_params
    assert kv_cache_elements_per_token(arch) == (512 + 64) * 61 == 35_136


def test_multimodal_wrappers_are_read_through_their_text_config() -> None:
    scout = load_config(FIXTURES / "llama-4-scout-17b-16e-instruct.config.json")
    assert scout.family == "llama4_text" and scout.n_layers == 48 and scout.n_moe_layers == 48
    maverick = load_config(FIXTURES / "llama-4-maverick-17b-128e-instruct.config.json")
    assert maverick.n_moe_layers == 24  # interleave_moe_layer_step 2: layers 1, 3, ..., 47
    gemma3 = {
        "model_type": "gemma3",
        "architectures": ["Gemma3ForConditionalGeneration"],
        "text_config": {
            "model_type": "gemma3_text",
            "hidden_size": 64,
            "num_hidden_layers": 12,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "head_dim": 32,
            "intermediate_size": 96,
            "vocab_size": 100,
            "sliding_window": 16,
            "max_position_embeddings": 128,
        },
    }
    arch = parse_config(gemma3)
    assert arch.family == "gemma3_text" and arch.tie_word_embeddings
    assert arch.kv_windows == (16,) * 5 + (None,) + (16,) * 5 + (None,)  # every sixth layer global
    # model_type is the config's own label: the wrapper's, else (a wrapper that names only its architectures)
    # the text model's, else the family the parser followed
    assert arch.model_type == "gemma3"
    unlabelled = {k: v for k, v in gemma3.items() if k != "model_type"}
    assert parse_config(unlabelled).model_type == "gemma3_text"
    bare = {**gemma3["text_config"], "architectures": ["Gemma3ForCausalLM"]}
    del bare["model_type"]
    assert parse_config(bare).model_type == "gemma3_text" == parse_config(bare).family


def test_an_unsupported_config_lists_the_supported_families() -> None:
    with pytest.raises(ConfigError, match=r"unsupported 'model_type': 'mamba'.*supported families: .*gpt_oss"):
        parse_config({"model_type": "mamba", "architectures": ["MambaForCausalLM"], "hidden_size": 8})
    # A wrapper whose text model is unsupported is refused in the same words.
    with pytest.raises(ConfigError, match=r"unsupported 'model_type': 'paligemma_text'"):
        parse_config({"model_type": "paligemma", "text_config": {"model_type": "paligemma_text"}})


def test_the_deepseek_v3_family_under_other_names_counts_as_v3() -> None:
    v3 = count_params(load_config(ROOT / "data" / "models" / "deepseek-v3.json"))
    for name in ("deepseek-r1", "deepseek-v3.1-nvfp4"):
        count = count_params(load_config(FIXTURES / f"{name}.config.json"))
        assert count.total_params == v3.total_params == 671_026_419_200  # V3 report: "671B total parameters"


# --- gpt-oss --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "layers", "experts"), [("gpt-oss-20b", 24, 32), ("gpt-oss-120b", 36, 128)])
def test_gpt_oss_counts_sinks_biases_and_router_bias(name: str, layers: int, experts: int) -> None:
    arch = load_config(FIXTURES / f"{name}.config.json")
    d, i, v = 2880, 2880, 201_088
    attn = (d * 64 * 64 + 64 * 64) + 2 * (d * 8 * 64 + 8 * 64) + (64 * 64 * d + d) + 64  # q, k, v, o, sinks
    expert = d * 2 * i + 2 * i + i * d + d  # gate_up and down with their biases
    layer = attn + experts * expert + (experts * d + experts) + 2 * d
    assert count_params(arch).total_params == layers * layer + 2 * v * d + d


def test_gpt_oss_sliding_layers_cap_the_cache_at_their_window() -> None:
    arch = load_config(FIXTURES / "gpt-oss-120b.config.json")
    per_layer = 2 * 8 * 64
    assert kv_cache_elements_per_token(arch) == 36 * per_layer  # every layer, nothing windowed
    n = 131_072
    assert kv_cache_elements(arch, n) == 18 * per_layer * n + 18 * per_layer * 128
    assert kv_cache_elements(arch, 100) == 36 * per_layer * 100  # below the window nothing is capped


@pytest.mark.parametrize(
    ("name", "layers", "experts", "gib"), [("gpt-oss-20b", 24, 32, 12.8), ("gpt-oss-120b", 36, 128, 60.8)]
)
def test_gpt_oss_weights_in_mxfp4_as_stored(name: str, layers: int, experts: int, gib: float) -> None:
    # Expert weights: 4-bit values in blocks of 32 with one 8-bit scale (4.25 bits); the rest BF16
    # (modules_to_not_convert: attention, router, embedding, head; and the expert biases).
    arch = load_config(FIXTURES / f"{name}.config.json")
    expert_elements = layers * experts * (2880 * 5760 + 2880 * 2880)
    other = count_params(arch).total_params - expert_elements
    expected = expert_elements // 2 + expert_elements // 32 + 2 * other
    assert weight_bytes_as_stored(arch).total_bytes == expected
    assert round(expected / 2**30, 1) == gib  # gpt-oss model card (arXiv:2508.10925), Table 1: checkpoint size


# --- Gemma, Phi-3, Llama 4 ---------------------------------------------------------------------------


def test_gemma2_tied_embedding_counted_once_and_four_norms() -> None:
    arch = load_config(FIXTURES / "gemma-2-2b-it.config.json")
    d = 2304
    layer = d * 8 * 256 + 2 * d * 4 * 256 + 8 * 256 * d + 3 * d * 9216 + 4 * d
    count = count_params(arch)
    assert count.total_params == 256_000 * d + 26 * layer + d  # no separate output head
    assert count.total_under("without_embedding_and_head") == 2_024_517_888  # Gemma 2 report, Table 1


def test_phi3_fused_projections_count_as_the_split_ones() -> None:
    arch = load_config(FIXTURES / "phi-3-mini-4k-instruct.config.json")
    d = 3072
    layer = d * 3 * d + d * d + d * 2 * 8192 + 8192 * d + 2 * d  # qkv_proj, o_proj, gate_up_proj, down_proj
    assert count_params(arch).total_params == 2 * 32_064 * d + 32 * layer + d == 3_821_079_552


def test_llama4_chunked_layers_and_shared_expert() -> None:
    arch = load_config(FIXTURES / "llama-4-scout-17b-16e-instruct.config.json")
    # no_rope_layers default: one NoPE full-attention layer in four (layers 3, 7, ...), the rest chunked.
    assert arch.kv_windows.count(None) == 12 and set(arch.kv_windows) == {None, 8192}
    d, i = 5120, 8192
    attn = 2 * d * 40 * 128 + 2 * d * 8 * 128
    active = 48 * (attn + 2 * 3 * d * i + 16 * d + 2 * d) + 2 * 202_048 * d + d  # shared + 1 routed expert
    assert count_params(arch).activated("with_embedding_and_head") == active


# --- DeepSeek-V3.2 ----------------------------------------------------------------------------------


def test_deepseek_v32_indexer_parameters_and_key_cache() -> None:
    arch = load_config(FIXTURES / "deepseek-v3.2.config.json")
    v3 = load_config(FIXTURES / "deepseek-r1.config.json")
    # inference/model.py (DeepSeek-V3.2-Exp), Indexer: wq_b 1536 -> 64 x 128, wk 7168 -> 128,
    # k_norm LayerNorm(128) with bias, weights_proj 7168 -> 64; one per layer.
    per_layer = 1536 * 64 * 128 + 7168 * 128 + 2 * 128 + 7168 * 64
    assert count_params(arch).total_params - count_params(v3).total_params == 61 * per_layer
    assert kv_cache_elements_per_token(arch) == 35_136  # the MLA cache is unchanged
    assert indexer_cache_bytes_per_token(arch) == 61 * (128 * 1 + 1 * 4)  # FP8 key + one FP32 scale


def test_deepseek_v3_checkpoint_bytes_as_stored() -> None:
    arch = load_config(ROOT / "data" / "models" / "deepseek-v3.json")
    stored = weight_bytes_as_stored(arch, include_mtp=True)
    assert stored.total_bytes == 688_574_839_360
    assert round(stored.total_bytes / 2**30, 2) == 641.29


def test_unknown_quantization_is_named_and_its_bytes_refused() -> None:
    raw = cfg("qwen3-8b")
    raw["quantization_config"] = {"quant_method": "awq", "bits": 4}
    arch = parse_config(raw)
    assert count_params(arch).total_params == 8_190_735_360  # the counts are still given
    with pytest.raises(UnknownQuantization, match="'awq'"):
        weight_bytes_as_stored(arch)


# --- bad input, named ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"hidden_size": None}, "hidden_size"),
        ({"num_hidden_layers": 0}, "num_hidden_layers"),
        ({"num_local_experts": -4}, "num_local_experts"),
        ({"num_experts_per_tok": 33}, "num_experts_per_tok"),
        ({"sliding_window": 200_000}, "sliding_window"),
        ({"layer_types": ["full_attention"]}, "layer_types"),
    ],
)
def test_bad_gpt_oss_fields_are_named(edit: dict, field: str) -> None:
    raw = cfg("gpt-oss-20b")
    for key, value in edit.items():
        if value is None:
            del raw[key]
        else:
            raw[key] = value
    with pytest.raises(ConfigError, match=f"'{field}'"):
        parse_config(raw)


# --- GLM-4.5 (glm4_moe) ------------------------------------------------------------------------------
# The shapes of zai-org/GLM-4.5-Air's config.json; modeling_glm4_moe.py builds q/k/v with a bias (attention_bias),
# o_proj without, q/k RMSNorms of head_dim only when use_qk_norm, first_k_dense_replace dense layers, then MoE
# layers of routed experts, shared experts of n_shared_experts x moe_intermediate_size and a router whose
# e_score_correction_bias is a persistent buffer (stored in the checkpoint). The MTP layer stored after the last
# layer has enorm, hnorm, eh_proj (d x 2d), a whole MoE decoder layer, shared_head.norm and copies of the
# embedding and head (vLLM glm4_moe_mtp.py loads these names).

GLM45_AIR = {
    "architectures": ["Glm4MoeForCausalLM"],
    "model_type": "glm4_moe",
    "attention_bias": True,
    "first_k_dense_replace": 1,
    "head_dim": 128,
    "hidden_size": 4096,
    "intermediate_size": 10944,
    "moe_intermediate_size": 1408,
    "n_group": 1,
    "n_routed_experts": 128,
    "n_shared_experts": 1,
    "num_attention_heads": 96,
    "num_experts_per_tok": 8,
    "num_hidden_layers": 46,
    "num_key_value_heads": 8,
    "num_nextn_predict_layers": 1,
    "partial_rotary_factor": 0.5,
    "tie_word_embeddings": False,
    "topk_group": 1,
    "use_qk_norm": False,
    "vocab_size": 151552,
}


def _glm_by_hand(d, n_layers, heads, kv, hd, f, fe, experts, top_k, first_dense, vocab, qk_norm):
    """GLM-4.5's counts from the modules, written out: (total, activated without both ends, MTP layer's unique
    parameters, MTP layer's activated parameters)."""
    attn = d * heads * hd + heads * hd + 2 * (d * kv * hd + kv * hd) + heads * hd * d + (2 * hd if qk_norm else 0)
    expert = 3 * d * fe
    router = experts * d + experts  # gate.weight and e_score_correction_bias
    moe, moe_active = (experts + 1) * expert + router, (top_k + 1) * expert + router
    n_moe = n_layers - first_dense
    body = n_layers * (attn + 2 * d) + first_dense * 3 * d * f + d  # + final norm
    total = 2 * vocab * d + body + n_moe * moe
    active = body + n_moe * moe_active
    mtp_core = 2 * d + 2 * d * d + attn + 2 * d + d  # enorm, hnorm, eh_proj, layer (norms), shared_head.norm
    return total, active, mtp_core + moe, mtp_core + moe_active


def test_glm45_air_counts_by_hand_and_the_reports_rule() -> None:
    arch = parse_config(GLM45_AIR, name="GLM-4.5-Air")
    assert arch.family == "glm4_moe" and arch.n_moe_layers == 45 and arch.n_mtp_layers == 1
    total, active, mtp, mtp_active = _glm_by_hand(4096, 46, 96, 8, 128, 10944, 1408, 128, 8, 1, 151552, False)
    count = count_params(arch)
    assert count.total_params == total == 106_852_251_264
    assert count.activated("without_embedding_and_head") == active
    assert mtp_unique(mtp_params(arch)) == mtp
    assert mtp_params(arch).activated("without_embedding_and_head") == mtp_active
    # The GLM-4.5 report's rule (Table 1: MTP layers in, word embeddings and output layer out): 107.99B, not the
    # 106B the card and the same table print for Air (see published.csv); 12B activated holds either way.
    ends = 2 * 151552 * 4096
    assert total - ends + mtp == 107_985_796_864
    assert round((active + mtp_active) / 1e9) == round(active / 1e9) == 12
    # KV cache: K and V of 8 heads of 128 per layer; partial_rotary_factor rotates half of each head, storing the same.
    assert kv_cache_elements_per_token(arch) == 2 * 8 * 128 * 46


def test_glm45_qk_norm_and_defaults() -> None:
    normed = parse_config({**GLM45_AIR, "use_qk_norm": True})
    assert count_params(normed).total_params - count_params(parse_config(GLM45_AIR)).total_params == 46 * 2 * 128
    # Glm4MoeConfig (transformers 4.56.2): num_key_value_heads 8, n_shared_experts 1, first_k_dense_replace 1,
    # attention_bias False, use_qk_norm False; head_dim falls back to hidden_size // num_attention_heads.
    optional = ("num_key_value_heads", "n_shared_experts", "first_k_dense_replace", "attention_bias", "use_qk_norm")
    bare = {k: v for k, v in GLM45_AIR.items() if k not in optional}
    a, b = parse_config(bare), parse_config(GLM45_AIR | {"attention_bias": False})
    assert count_params(a).total_params == count_params(b).total_params
    no_head_dim = parse_config({k: v for k, v in GLM45_AIR.items() if k != "head_dim"} | {"num_attention_heads": 32})
    assert no_head_dim.attention.head_dim == 4096 // 32
    with pytest.raises(ConfigError, match="'num_experts_per_tok' \\(129\\) is larger than 'n_routed_experts'"):
        parse_config(GLM45_AIR | {"num_experts_per_tok": 129})
    with pytest.raises(ConfigError, match="'first_k_dense_replace' \\(47\\) exceeds 'num_hidden_layers'"):
        parse_config(GLM45_AIR | {"first_k_dense_replace": 47})


def test_glm45_355b_follows_the_reports_rule_and_the_checkpoint() -> None:
    """GLM-4.5 (355B-A32B): the shapes of GLM-4.5 report Table 1 and of zai-org's config.json (hidden 5,120;
    92 layers, 3 dense; 96 heads and 8 KV heads of 128, q/k norms; 160 experts of 1,536, 1 shared, 8 per token;
    dense FFN 12,288; vocabulary 151,552; one MTP layer). No copy of the config.json is in tests/fixtures (none
    was found with a source to cite), so the shapes are written here; GLM-4.5-Air's fixture is tested above."""
    cfg = GLM45_AIR | {
        "hidden_size": 5120,
        "num_hidden_layers": 92,
        "first_k_dense_replace": 3,
        "intermediate_size": 12288,
        "moe_intermediate_size": 1536,
        "n_routed_experts": 160,
        "use_qk_norm": True,
    }
    arch = parse_config(cfg, name="GLM-4.5")
    total, active, mtp, mtp_active = _glm_by_hand(5120, 92, 96, 8, 128, 12288, 1536, 160, 8, 3, 151552, True)
    count = count_params(arch)
    assert count.total_params == total
    ends = 2 * 151552 * 5120
    # Table 1's rule (MTP layers in, word embeddings and output layer out): "355B"; activated the same way: "32B".
    assert round((total - ends + mtp) / 1e9) == 355
    assert round((active + mtp_active) / 1e9) == 32
    # The checkpoint: main model, MTP layer and its stored copies of the embedding and head, 358,337,791,296
    # (Hugging Face safetensors metadata as quoted by debaditc/kvfit @ bd4ccabf, scripts/build_registry.py).
    assert stored_elements(arch) == total + mtp + ends == 358_337_791_296
