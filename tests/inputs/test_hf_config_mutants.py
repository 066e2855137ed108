"""Paths of ``dsv3.inputs.hf_config`` no shipped config takes: the families' defaults for keys left out, the keys
that override them, and the refused inputs, for gpt-oss, Gemma 2/3, Llama 4, GLM-4.5, Qwen3-MoE and DeepSeek-V3.2.

Every shipped config states its keys (``layer_types``, ``attention_bias``, ``sliding_window``, ...), so the
defaults below were never read by a test. Each expected value is the default of the family's configuration class
in Hugging Face ``transformers`` (``src/transformers/models/<family>/configuration_<family>.py``), written out by
hand here, or a layer plan worked by hand from the rule the modeling file states:

- GptOssConfig: ``attention_bias=True``; ``layer_types[i]`` is sliding iff ``(i + 1) % 2`` (layers 0, 2, ...);
- Gemma2Config / Gemma3TextConfig: ``attention_bias=False``, ``sliding_window=4096``; sliding iff ``(i + 1) % 2``
  (Gemma 2) or ``(i + 1) % sliding_window_pattern`` with the pattern 6 (Gemma 3; the class stores it as
  ``_sliding_window_pattern``);
- Llama4TextConfig: ``attention_bias=False``, ``intermediate_size_mlp=16384``, ``interleave_moe_layer_step=1``,
  ``moe_layers = range(step - 1, L, step)``, ``no_rope_layer_interval=4`` and ``no_rope_layers[i] = int((i + 1) %
  interval != 0)`` (1 uses RoPE: a chunked layer); one shared expert (``Llama4TextMoe.shared_expert``);
- Glm4MoeConfig (4.56.2): ``attention_bias=False``, ``use_qk_norm=False``; ``modeling_glm4_moe.py`` builds o_proj
  without a bias whatever ``attention_bias`` says;
- Qwen3MoeConfig has no shared expert (``modeling_qwen3_moe.py``: no ``shared_expert``), whatever the config says.
"""

from __future__ import annotations

import pytest

from dsv3.arch.params import count_params
from dsv3.arch.spec import MoE
from dsv3.checks import ConfigError
from dsv3.inputs.hf_config import parse_config, shipped_configs, supported_families

_MLA = {"kv_lora_rank": 16, "qk_nope_head_dim": 8, "qk_rope_head_dim": 4, "v_head_dim": 8}
BASE = {"vocab_size": 1000, "hidden_size": 128, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32}

GPT_OSS = {
    "model_type": "gpt_oss",
    **BASE,
    "num_hidden_layers": 4,
    "intermediate_size": 64,
    "num_local_experts": 4,
    "num_experts_per_tok": 2,
    "sliding_window": 128,
}
GEMMA2 = {"model_type": "gemma2", **BASE, "num_hidden_layers": 4, "intermediate_size": 64}
GEMMA3 = {"model_type": "gemma3_text", **BASE, "num_hidden_layers": 7, "intermediate_size": 64}
LLAMA4 = {
    "model_type": "llama4_text",
    **BASE,
    "num_hidden_layers": 8,
    "intermediate_size": 64,
    "num_local_experts": 4,
    "num_experts_per_tok": 1,
    "attention_chunk_size": 1024,
}
GLM = {
    "model_type": "glm4_moe",
    **BASE,
    "num_key_value_heads": 4,
    "num_hidden_layers": 3,
    "intermediate_size": 64,
    "n_routed_experts": 4,
    "num_experts_per_tok": 2,
    "moe_intermediate_size": 16,
}

S, F, C = "sliding_attention", "full_attention", "chunked_attention"


def _flags(cfg: dict) -> tuple:
    att = parse_config(cfg).attention
    return att.qkv_bias, att.o_bias, att.qk_norm


def _moe_layers(cfg: dict) -> list[int]:
    return [i for i, f in enumerate(parse_config(cfg).ffn) if isinstance(f, MoE)]


def test_supported_families_are_listed_comma_separated_in_order() -> None:
    assert supported_families() == (
        "deepseek_v2, deepseek_v3, deepseek_v32, gemma2, gemma3_text, glm4_moe, gpt_oss, llama, llama4_text, "
        "mistral, mixtral, phi3, qwen2, qwen2_moe, qwen3, qwen3_moe"
    )


# --- gpt-oss ------------------------------------------------------------------------------------------------


def test_gpt_oss_defaults_biases_on_and_alternating_sliding_layers_from_layer_0() -> None:
    arch = parse_config(GPT_OSS)
    assert _flags(GPT_OSS) == (True, True, False) and arch.attention.sinks is True
    assert arch.kv_windows == (128, None, 128, None)  # layers 0 and 2 sliding: (i + 1) % 2 != 0
    assert _flags(GPT_OSS | {"attention_bias": False}) == (False, False, False)


def test_gpt_oss_layer_types_given_all_full_or_all_sliding_or_unknown() -> None:
    assert parse_config(GPT_OSS | {"layer_types": [F] * 4}).kv_windows == ()
    assert parse_config(GPT_OSS | {"layer_types": [S] * 4}).kv_windows == (128,) * 4
    with pytest.raises(ConfigError, match="'layer_types'"):
        parse_config(GPT_OSS | {"layer_types": [S, F, "linear_attention", F]})


def test_a_window_against_the_context() -> None:
    """A window longer than the context is refused; a context of 0 is read as unknown (no limit)."""
    with pytest.raises(ConfigError, match="'sliding_window'"):
        parse_config(GPT_OSS | {"sliding_window": 2, "max_position_embeddings": 1})
    assert parse_config(GPT_OSS | {"sliding_window": 1, "max_position_embeddings": 1}).kv_windows[0] == 1
    arch = parse_config(GPT_OSS | {"max_position_embeddings": 0})
    assert arch.kv_windows == (128, None, 128, None) and arch.max_position_embeddings is None


# --- Gemma 2 and Gemma 3 -----------------------------------------------------------------------------------


def test_gemma_defaults_no_bias_window_4096_and_the_familys_pattern() -> None:
    assert _flags(GEMMA2) == (False, False, False)
    assert _flags(GEMMA3) == (False, False, True)
    assert _flags(GEMMA2 | {"attention_bias": True}) == (True, True, False)
    assert parse_config(GEMMA2).kv_windows == (4096, None, 4096, None)  # Gemma 2: (i + 1) % 2
    # Gemma 3: (i + 1) % 6: layer 5 full, the others sliding.
    assert parse_config(GEMMA3).kv_windows == (4096,) * 5 + (None, 4096)


@pytest.mark.parametrize("key", ["sliding_window_pattern", "_sliding_window_pattern"])
def test_gemma3_reads_its_pattern_under_either_name(key: str) -> None:
    # (i + 1) % 3: layers 2 and 5 full.
    arch = parse_config(GEMMA3 | {key: 3, "sliding_window": 512})
    assert arch.kv_windows == (512, 512, None, 512, 512, None, 512)


def test_gemma_layer_types_given_are_used_and_checked() -> None:
    arch = parse_config(GEMMA2 | {"layer_types": [F, S, S, F], "sliding_window": 64})
    assert arch.kv_windows == (None, 64, 64, None)
    with pytest.raises(ConfigError, match="'layer_types'"):
        parse_config(GEMMA2 | {"layer_types": [F, S, S]})


# --- Llama 4 ------------------------------------------------------------------------------------------------


def test_llama4_defaults() -> None:
    arch = parse_config(LLAMA4)
    assert _flags(LLAMA4) == (False, False, False)
    assert _flags(LLAMA4 | {"attention_bias": True}) == (True, True, False)
    assert _moe_layers(LLAMA4) == list(range(8))  # interleave_moe_layer_step 1: every layer
    assert all(f.n_shared == 1 and f.shared_intermediate_size == 64 for f in arch.ffn)
    # no_rope_layer_interval 4: layers 3 and 7 are NoPE full attention, the others chunked.
    assert arch.kv_windows == (1024, 1024, 1024, None, 1024, 1024, 1024, None)


def test_llama4_interleaved_dense_layers_default_to_16384() -> None:
    # step 2: moe_layers = range(1, 8, 2).
    arch = parse_config(LLAMA4 | {"interleave_moe_layer_step": 2})
    assert _moe_layers(LLAMA4 | {"interleave_moe_layer_step": 2}) == [1, 3, 5, 7]
    assert [f.intermediate_size for f in arch.ffn if not isinstance(f, MoE)] == [16384] * 4
    given = parse_config(LLAMA4 | {"interleave_moe_layer_step": 2, "intermediate_size_mlp": 96})
    assert [f.intermediate_size for f in given.ffn if not isinstance(f, MoE)] == [96] * 4


def test_llama4_explicit_layer_lists_are_used() -> None:
    assert _moe_layers(LLAMA4 | {"moe_layers": [0, 2]}) == [0, 2]
    arch = parse_config(LLAMA4 | {"no_rope_layers": [0, 1, 1, 1, 1, 1, 1, 0]})
    assert arch.kv_windows == (None,) + (1024,) * 6 + (None,)
    # interval 2: (i + 1) % 2 == 0 for layers 1, 3, 5, 7.
    arch2 = parse_config(LLAMA4 | {"no_rope_layer_interval": 2})
    assert arch2.kv_windows == (1024, None) * 4
    arch3 = parse_config(LLAMA4 | {"layer_types": [C] * 8})
    assert arch3.kv_windows == (1024,) * 8


@pytest.mark.parametrize("bad", [[8], [-1], ["1"], "1"])
def test_llama4_moe_layers_out_of_range_are_refused(bad) -> None:
    with pytest.raises(ConfigError, match="'moe_layers'"):
        parse_config(LLAMA4 | {"moe_layers": bad})


@pytest.mark.parametrize("bad", [[1] * 7, "1" * 8])
def test_llama4_no_rope_layers_of_the_wrong_shape_are_refused(bad) -> None:
    with pytest.raises(ConfigError, match="'no_rope_layers'"):
        parse_config(LLAMA4 | {"no_rope_layers": bad})


def test_llama4_top_k_above_the_experts_names_num_local_experts() -> None:
    with pytest.raises(ConfigError, match=r"'num_experts_per_tok' \(5\) is larger than 'num_local_experts' \(4\)"):
        parse_config(LLAMA4 | {"num_experts_per_tok": 5})


# --- GLM-4.5, Qwen3-MoE, DeepSeek-V3.2 ----------------------------------------------------------------------


def test_glm_flags_default_false_and_o_proj_never_biased() -> None:
    assert _flags(GLM) == (False, False, False)
    assert _flags(GLM | {"attention_bias": True, "use_qk_norm": True}) == (True, False, True)
    assert all(type(x) is bool for x in _flags(GLM))


def test_qwen3_moe_has_no_shared_expert_by_hand() -> None:
    """Qwen3-MoE, 2 layers of 4 experts of 16, top 2, no shared expert: per layer router 4 d + 4 x 3 d 16."""
    cfg = {
        "model_type": "qwen3_moe",
        **BASE,
        "num_hidden_layers": 2,
        "intermediate_size": 64,
        "num_experts": 4,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 16,
    }
    moe = parse_config(cfg).ffn[0]
    assert (moe.n_shared, moe.shared_intermediate_size, moe.shared_gate) == (0, 0, False)
    v, d, heads, kv, hd = 1000, 128, 4, 2, 32
    attn = d * heads * hd + 2 * d * kv * hd + heads * hd * d + 2 * hd  # q, k, v, o and the q/k norms
    per_layer = attn + 2 * d + 4 * d + 4 * 3 * d * 16
    assert count_params(parse_config(cfg)).total_params == 2 * v * d + 2 * per_layer + d


def test_deepseek_v32_indexer_needs_query_compression_of_any_rank() -> None:
    cfg = {
        "model_type": "deepseek_v32",
        "vocab_size": 1000,
        "hidden_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 64,
        "kv_lora_rank": 16,
        "qk_nope_head_dim": 8,
        "qk_rope_head_dim": 4,
        "v_head_dim": 8,
        "index_n_heads": 2,
        "index_head_dim": 8,
        "index_topk": 16,
    }
    for missing in (None, 0):
        with pytest.raises(ConfigError, match="'q_lora_rank'"):
            parse_config(cfg | {"q_lora_rank": missing})
    with pytest.raises(ConfigError, match="'q_lora_rank'"):
        parse_config(cfg)
    arch = parse_config(cfg | {"q_lora_rank": 1})
    assert arch.attention.q_lora_rank == 1 and (arch.indexer.n_heads, arch.indexer.head_dim) == (2, 8)
    # V3.2 keeps V3's MTP module (its config.json: num_nextn_predict_layers 1).
    assert parse_config(cfg | {"q_lora_rank": 1, "num_nextn_predict_layers": 1}).n_mtp_layers == 1


# --- Phi-3, and reading the text model of a wrapper -----------------------------------------------------------
# Phi3Config: attention_bias=False, sliding_window=None (no window); modeling_phi3.py stores q, k, v as one qkv_proj
# and gate, up as one gate_up_proj, and applies sliding_window, when set, to every layer.

PHI3 = {"model_type": "phi3", **BASE, "num_key_value_heads": 4, "num_hidden_layers": 3, "intermediate_size": 64}


def test_phi3_fused_projections_bias_and_window() -> None:
    arch = parse_config(PHI3)
    assert arch.attention.fused_qkv is True and all(f.fused_gate_up is True for f in arch.ffn)
    assert _flags(PHI3) == (False, False, False) and arch.kv_windows == ()
    assert _flags(PHI3 | {"attention_bias": True}) == (True, True, False)
    assert parse_config(PHI3 | {"sliding_window": 64}).kv_windows == (64, 64, 64)


def test_a_supported_config_is_read_as_itself_even_with_a_text_config() -> None:
    """A config whose model_type (or, without one, architectures[0]) is supported is the model: a ``text_config``
    beside it is not read."""
    other = {"model_type": "mistral", **BASE, "num_hidden_layers": 2, "intermediate_size": 64}
    assert parse_config(PHI3 | {"text_config": other}).family == "phi3"
    no_type = {k: v for k, v in PHI3.items() if k != "model_type"} | {"architectures": ["Phi3ForCausalLM"]}
    assert parse_config(no_type | {"text_config": other}).family == "phi3"


def test_a_wrapper_lends_its_dtype_and_tying_to_the_text_model_only_when_missing() -> None:
    inner = {k: v for k, v in LLAMA4.items()}
    wrapper = {
        "architectures": ["Llama4ForConditionalGeneration"],
        "torch_dtype": "float16",
        "tie_word_embeddings": True,
        "text_config": inner,
    }
    arch = parse_config(wrapper)
    assert arch.family == "llama4_text" and arch.torch_dtype == "float16" and arch.tie_word_embeddings is True
    kept = parse_config(wrapper | {"text_config": inner | {"torch_dtype": "float32"}})
    assert kept.torch_dtype == "float32"


def test_dtype_under_either_key_the_older_first() -> None:
    """Configs written by older ``transformers`` name the weights' type ``torch_dtype``, newer ones ``dtype``;
    neither given means bfloat16 (the parser's stated default)."""
    assert parse_config(PHI3).torch_dtype == "bfloat16"
    assert parse_config(PHI3 | {"torch_dtype": "float32"}).torch_dtype == "float32"
    assert parse_config(PHI3 | {"dtype": "float16"}).torch_dtype == "float16"
    assert parse_config(PHI3 | {"torch_dtype": "float32", "dtype": "float16"}).torch_dtype == "float32"


def test_shipped_configs_are_the_books_models_then_the_fixtures_each_sorted() -> None:
    """The book's seven models (data/models/*.json, models.csv), then the 19 fixtures of tests/fixtures/hf-configs,
    each list in name order; the CSV files beside them are not configs."""
    paths = shipped_configs()
    models = [p.name for p in paths if p.parent.name == "models"]
    fixtures = [p.name for p in paths if p.parent.name == "hf-configs"]
    assert models == [
        "deepseek-llm-67b-chat.json",
        "deepseek-v2-lite.json",
        "deepseek-v2.json",
        "deepseek-v3.json",
        "llama-3.1-405b.json",
        "mixtral-8x7b.json",
        "qwen2.5-72b-instruct.json",
    ]
    assert len(fixtures) == 19 and fixtures[0] == "deepseek-r1.config.json" and fixtures[-1] == "qwen3-8b.config.json"
    assert fixtures == sorted(fixtures) and [p.parent.name for p in paths] == ["models"] * 7 + ["hf-configs"] * 19
    assert all(p.is_file() and p.parent.parent.name in ("data", "fixtures") for p in paths)


def test_model_type_is_the_wrappers_then_the_text_models_then_the_family() -> None:
    wrapper = {"architectures": ["Llama4ForConditionalGeneration"], "text_config": LLAMA4}
    assert parse_config(wrapper | {"model_type": "llama4"}).model_type == "llama4"
    assert parse_config(wrapper).model_type == "llama4_text"
    no_type = {k: v for k, v in PHI3.items() if k != "model_type"} | {"architectures": ["Phi3ForCausalLM"]}
    assert parse_config(no_type).model_type == "phi3"
    kimi = parse_config(no_type | {"architectures": ["DeepseekV3ForCausalLM"], "model_type": "kimi_k2", **_MLA})
    assert (kimi.model_type, kimi.family) == ("kimi_k2", "deepseek_v3")
