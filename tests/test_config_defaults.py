"""Configs unlike the shipped ones: every optional key left out must mean the family's documented default.

Every shipped and fixture config states every key, so no default was ever exercised. Here each family gets a
minimal config (only the keys the parser requires) and the same config with the optional keys written out at
the defaults that Hugging Face's configuration class of the family documents (``transformers``,
``src/transformers/models/<family>/configuration_<family>.py``; the DeepSeek families as
``configuration_deepseek_v2.py`` / ``configuration_deepseek_v3.py`` of that library). The two must parse to the
same architecture and the same parameter count. The README ("Mutation testing", "Config defaults") has the table
of every default and its source.

Where the parser's default and the class's documented default differ, the test is a strict ``xfail`` that names
the difference: the lead decides which to follow (the parser is being extended for new families as this is
written), and the marker fails as soon as the two agree, so it cannot outlive the fix.
"""

from __future__ import annotations

import dataclasses

import pytest

from dsv3.arch.params import count_params
from dsv3.arch.spec import MoE
from dsv3.inputs.hf_config import parse_config

# --- minimal configs: the keys the parser requires, at small sizes -----------------------------
# 64 heads: unlike every documented num_key_value_heads default (4, 8, 16, 32), so a default cannot pass by chance.

BASE = {
    "vocab_size": 1000,
    "hidden_size": 128,
    "num_hidden_layers": 4,
    "num_attention_heads": 64,
    "intermediate_size": 96,
}

MINIMAL = {
    "llama": {"model_type": "llama", **BASE},
    "mistral": {"model_type": "mistral", **BASE},
    "qwen2": {"model_type": "qwen2", **BASE},
    "qwen3": {"model_type": "qwen3", **BASE},
    "mixtral": {"model_type": "mixtral", **BASE, "num_local_experts": 4, "num_experts_per_tok": 2},
    "qwen2_moe": {
        "model_type": "qwen2_moe",
        **BASE,
        "num_experts": 4,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 32,
    },
    "qwen3_moe": {
        "model_type": "qwen3_moe",
        **BASE,
        "num_experts": 4,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 32,
    },
}
MLA_KEYS = {"kv_lora_rank": 16, "qk_nope_head_dim": 8, "qk_rope_head_dim": 4, "v_head_dim": 8}
MOE_KEYS = {"n_routed_experts": 8, "num_experts_per_tok": 2, "moe_intermediate_size": 24}
for _family in ("deepseek_v2", "deepseek_v3"):
    MINIMAL[_family] = {"model_type": _family, **BASE, **MLA_KEYS, **MOE_KEYS}

# --- documented defaults, by family, where they agree with the parser ---------------------------
# Source: the family's configuration class in huggingface/transformers (signature defaults and __post_init__).
# None-valued defaults that __post_init__ fills (num_key_value_heads -> num_attention_heads, head_dim ->
# hidden_size // num_attention_heads) are written out at the value they become.

COMMON = {"tie_word_embeddings": False}
AGREED = {
    "llama": {
        **COMMON,
        "num_key_value_heads": 64,
        "head_dim": 2,
        "attention_bias": False,
        "mlp_bias": False,
        "rope_theta": 10000.0,
    },
    "mistral": {**COMMON, "head_dim": 2},
    "qwen2": {**COMMON},
    "qwen3": {**COMMON, "attention_bias": False},
    "mixtral": {**COMMON, "head_dim": 2},
    "qwen2_moe": {**COMMON, "decoder_sparse_step": 1, "mlp_only_layers": []},
    "qwen3_moe": {**COMMON, "attention_bias": False, "decoder_sparse_step": 1, "mlp_only_layers": []},
    # configuration_deepseek_v2.py: n_shared_experts=None, n_group=None, topk_group=None, moe_layer_freq=1,
    # first_k_dense_replace=0, attention_bias=False, rope_theta=10000.0, tie_word_embeddings=False.
    "deepseek_v2": {
        **COMMON,
        "n_shared_experts": None,
        "n_group": None,
        "topk_group": None,
        "moe_layer_freq": 1,
        "first_k_dense_replace": 0,
        "attention_bias": False,
        "rope_theta": 10000.0,
    },
    # configuration_deepseek_v3.py: attention_bias=False, rope_theta=10000.0, tie_word_embeddings=False.
    "deepseek_v3": {**COMMON, "attention_bias": False, "rope_theta": 10000.0},
}

# --- documented defaults the parser does not follow (strict xfail: reported to the lead) --------

DISAGREED = {
    ("mistral", "num_key_value_heads"): (
        8,
        "MistralConfig: num_key_value_heads=8; the parser takes num_attention_heads",
    ),
    ("mixtral", "num_key_value_heads"): (
        8,
        "MixtralConfig: num_key_value_heads=8; the parser takes num_attention_heads",
    ),
    ("qwen2", "num_key_value_heads"): (32, "Qwen2Config: num_key_value_heads=32; the parser takes num_attention_heads"),
    ("qwen3", "num_key_value_heads"): (32, "Qwen3Config: num_key_value_heads=32; the parser takes num_attention_heads"),
    ("qwen3", "head_dim"): (128, "Qwen3Config: head_dim=128; the parser takes hidden_size // num_attention_heads"),
    ("qwen2_moe", "num_key_value_heads"): (
        16,
        "Qwen2MoeConfig: num_key_value_heads=16; the parser takes num_attention_heads",
    ),
    ("qwen2_moe", "shared_expert_intermediate_size"): (
        5632,
        "Qwen2MoeConfig: 5632; the parser takes 0 (no shared expert)",
    ),
    ("qwen3_moe", "num_key_value_heads"): (
        4,
        "Qwen3MoeConfig: num_key_value_heads=4; the parser takes num_attention_heads",
    ),
    ("deepseek_v2", "q_lora_rank"): (1536, "DeepseekV2Config: q_lora_rank=1536; the parser takes no query compression"),
    ("deepseek_v3", "q_lora_rank"): (1536, "DeepseekV3Config: q_lora_rank=1536; the parser takes no query compression"),
    ("deepseek_v3", "n_shared_experts"): (1, "DeepseekV3Config: n_shared_experts=1; the parser takes 0"),
    ("deepseek_v3", "first_k_dense_replace"): (3, "DeepseekV3Config: first_k_dense_replace=3; the parser takes 0"),
    ("deepseek_v3", "n_group"): (8, "DeepseekV3Config: n_group=8; the parser takes 1 (no groups)"),
    ("mixtral", "rope_theta"): (1e6, "MixtralConfig: default_theta=1e6; the parser takes 10000"),
}


def _arch(cfg: dict):
    return parse_config(dict(cfg), name="m")


def _same(a, b) -> None:
    """Same architecture (bar max_position_embeddings, which the parser leaves unknown) and the same counts."""
    assert dataclasses.replace(a, max_position_embeddings=None) == dataclasses.replace(b, max_position_embeddings=None)
    ca, cb = count_params(a), count_params(b)
    assert ca.total_params == cb.total_params
    assert ca.activated() == cb.activated()


@pytest.mark.parametrize("family", sorted(MINIMAL))
def test_a_config_without_optional_keys_counts_as_the_documented_defaults(family):
    _same(_arch(MINIMAL[family]), _arch({**MINIMAL[family], **AGREED[family]}))


@pytest.mark.parametrize("family", sorted(MINIMAL))
def test_each_optional_key_alone_at_its_default_changes_nothing(family):
    bare = _arch(MINIMAL[family])
    for key, value in AGREED[family].items():
        _same(bare, _arch({**MINIMAL[family], key: value}))


@pytest.mark.parametrize(
    ("family", "key"),
    [
        pytest.param(f, k, marks=pytest.mark.xfail(strict=True, reason=why))
        for (f, k), (_, why) in sorted(DISAGREED.items())
    ],
)
def test_documented_defaults_the_parser_does_not_follow(family, key):
    value = DISAGREED[(family, key)][0]
    cfg = {**MINIMAL[family], key: value}
    _same(_arch(MINIMAL[family]), _arch(cfg))


# --- the defaults by hand: a count derived in the test --------------------------------------------


def test_minimal_llama_counts_untied_mha_without_biases():
    """Hand count of the minimal llama: V=1000, d=128, L=4, 64 heads of 2 (MHA), FFN 96, no biases, untied head.

    embedding V d + head V d + L (q, k, v, o: 4 d^2; SwiGLU 3 d f; two RMSNorms 2 d) + final norm d.
    """
    v, d, n_layers, f = 1000, 128, 4, 96
    want = 2 * v * d + n_layers * (4 * d * d + 3 * d * f + 2 * d) + d
    assert count_params(_arch(MINIMAL["llama"])).total_params == want
    # A missing tie_word_embeddings means untied: tying removes exactly the head's V d.
    tied = count_params(_arch({**MINIMAL["llama"], "tie_word_embeddings": True})).total_params
    assert want - tied == v * d


def test_minimal_deepseek_has_no_shared_expert_and_every_layer_moe():
    arch = _arch(MINIMAL["deepseek_v2"])
    assert all(isinstance(f, MoE) for f in arch.ffn)
    assert all(f.n_shared == 0 and f.n_group == 1 and f.topk_group == 1 and not f.router_bias for f in arch.ffn)
    assert arch.attention.q_lora_rank is None and arch.attention.bias is False
    v3 = _arch(MINIMAL["deepseek_v3"])
    assert v3.n_mtp_layers == 0  # DeepseekV3Config has no num_nextn_predict_layers: no MTP module is built


# --- moe_layer_freq: where modeling_deepseek.py puts MoE layers -----------------------------------


@pytest.mark.parametrize("family", ["deepseek_v2", "deepseek_v3"])
def test_moe_layer_freq_two_places_moe_where_modeling_deepseek_does(family):
    """modeling_deepseek.py (DeepseekDecoderLayer): MoE iff n_routed_experts and layer_idx >= first_k_dense_replace
    and layer_idx % moe_layer_freq == 0. With 7 layers, first_k_dense_replace 1, freq 2: layers 2, 4, 6."""
    cfg = {**MINIMAL[family], "num_hidden_layers": 7, "first_k_dense_replace": 1, "moe_layer_freq": 2}
    arch = _arch(cfg)
    assert [i for i, f in enumerate(arch.ffn) if isinstance(f, MoE)] == [2, 4, 6]
    # freq 3 from layer 0: 0, 3, 6; first_k 4 with freq 1: 4, 5, 6.
    arch3 = _arch({**cfg, "first_k_dense_replace": 0, "moe_layer_freq": 3})
    assert [i for i, f in enumerate(arch3.ffn) if isinstance(f, MoE)] == [0, 3, 6]
    arch4 = _arch({**cfg, "first_k_dense_replace": 4, "moe_layer_freq": 1})
    assert [i for i, f in enumerate(arch4.ffn) if isinstance(f, MoE)] == [4, 5, 6]


def test_qwen_moe_sparse_step_places_moe_where_modeling_qwen2_moe_does():
    """modeling_qwen2_moe.py: sparse iff layer_idx not in mlp_only_layers and (layer_idx + 1) % decoder_sparse_step == 0."""
    cfg = {**MINIMAL["qwen2_moe"], "num_hidden_layers": 6, "decoder_sparse_step": 2, "mlp_only_layers": [3]}
    arch = _arch(cfg)
    assert [i for i, f in enumerate(arch.ffn) if isinstance(f, MoE)] == [1, 5]


# --- keys at values no shipped config has: hand counts ---------------------------------------------

V, D, L, F, HD = 1000, 128, 4, 96, 2  # the minimal configs: 64 heads of 2


def _count(cfg: dict) -> int:
    return count_params(_arch(cfg)).total_params


def test_mlp_params_by_hand():
    from dsv3.arch.tensors import mlp_params

    assert mlp_params(4, 6) == 3 * 4 * 6
    assert mlp_params(4, 6, bias=True) == 3 * 4 * 6 + (6 + 6 + 4)  # gate and up biases of i, down of d


def test_biases_add_exactly_their_vectors():
    llama = _count(MINIMAL["llama"])
    # attention_bias: q, k, v biases of 64 x 2 each and the o bias of d, per layer.
    assert _count({**MINIMAL["llama"], "attention_bias": True}) - llama == L * (3 * 64 * HD + D)
    # mlp_bias: gate and up biases of F, down of D, per layer.
    assert _count({**MINIMAL["llama"], "mlp_bias": True}) - llama == L * (2 * F + D)
    # Qwen2: q, k, v biases always, no o bias; Qwen3: no biases but q_norm and k_norm of d_h per layer.
    assert _count(MINIMAL["qwen2"]) - llama == L * 3 * 64 * HD
    assert _count(MINIMAL["qwen3"]) - llama == L * 2 * HD
    assert _count({**MINIMAL["qwen3"], "attention_bias": True}) - llama == L * (3 * 64 * HD + D + 2 * HD)
    # Mistral: no bias key at all.
    assert _count(MINIMAL["mistral"]) == llama


def test_deepseek_attention_bias_and_dense_when_no_routed_experts():
    bare = _count(MINIMAL["deepseek_v2"])
    # MLA biases (no query compression here): kv_a_proj_with_mqa (d_c + d_h^R = 20) and o_proj (d).
    assert _count({**MINIMAL["deepseek_v2"], "attention_bias": True}) - bare == L * (16 + 4 + D)
    for routed in (0, None):
        arch = _arch({**MINIMAL["deepseek_v2"], "n_routed_experts": routed})
        assert not arch.is_moe and all(f.intermediate_size == F for f in arch.ffn)


def test_explicit_zeros_are_accepted_where_zero_means_none():
    ds = _arch({**MINIMAL["deepseek_v3"], "n_shared_experts": 0, "first_k_dense_replace": 0})
    assert all(isinstance(f, MoE) and f.n_shared == 0 for f in ds.ffn)
    assert not _arch({**MINIMAL["qwen2_moe"], "num_experts": 0}).is_moe
    assert _count({**MINIMAL["qwen2_moe"], "num_experts": 0}) == _count(MINIMAL["qwen2"])
    assert _count({**MINIMAL["qwen3_moe"], "num_experts": 0}) == _count(MINIMAL["qwen3"])
    assert _count({**MINIMAL["qwen2_moe"], "shared_expert_intermediate_size": 0}) == _count(MINIMAL["qwen2_moe"])


def test_qwen2_moe_shared_expert_and_its_gate():
    arch = _arch({**MINIMAL["qwen2_moe"], "shared_expert_intermediate_size": 64})
    moe = arch.ffn[0]
    assert (moe.n_shared, moe.shared_intermediate_size, moe.shared_gate) == (1, 64, True)
    # One SwiGLU of 64 and the shared-expert gate (1 x d), per layer.
    assert _count({**MINIMAL["qwen2_moe"], "shared_expert_intermediate_size": 64}) - _count(
        MINIMAL["qwen2_moe"]
    ) == L * (3 * D * 64 + D)
    # Qwen3-MoE has no shared expert: the key is ignored.
    assert _count({**MINIMAL["qwen3_moe"], "shared_expert_intermediate_size": 64}) == _count(MINIMAL["qwen3_moe"])


def test_qwen_sparse_step_three_and_mlp_only_layers_at_their_edges():
    cfg = {**MINIMAL["qwen3_moe"], "num_hidden_layers": 6, "decoder_sparse_step": 3}
    assert [i for i, f in enumerate(_arch(cfg).ffn) if isinstance(f, MoE)] == [2, 5]  # (i + 1) % 3 == 0
    edges = {**cfg, "decoder_sparse_step": 1, "mlp_only_layers": [0, 5]}
    assert [i for i, f in enumerate(_arch(edges).ffn) if isinstance(f, MoE)] == [1, 2, 3, 4]
    for bad in ([6], [-1], ["1"], "1"):
        with pytest.raises(ValueError, match=r"'mlp_only_layers' must list layer indices below 6"):
            _arch({**edges, "mlp_only_layers": bad})


@pytest.mark.parametrize(
    ("family", "experts_key"),
    [("mixtral", "num_local_experts"), ("qwen2_moe", "num_experts"), ("deepseek_v3", "n_routed_experts")],
)
def test_top_k_above_the_experts_is_refused_naming_both_keys(family, experts_key):
    n = MINIMAL[family][experts_key]
    with pytest.raises(ValueError, match=rf"'num_experts_per_tok' \({n + 1}\) is larger than '{experts_key}' \({n}\)"):
        _arch({**MINIMAL[family], "num_experts_per_tok": n + 1})
    assert _arch({**MINIMAL[family], "num_experts_per_tok": n}).ffn[-1].top_k == n


# --- the flags each family's modeling code fixes, exactly ---------------------------------------------
# modeling_llama.py: q/k/v/o biases follow attention_bias, the MLP's follow mlp_bias; modeling_qwen2.py: bias on
# q, k, v only; modeling_qwen3.py: no bias unless attention_bias, RMSNorm on q and k; modeling_mistral.py and
# modeling_mixtral.py: no biases, no q/k norms.

FLAGS = {  # family: (qkv_bias, o_bias, qk_norm) of a config without attention_bias
    "llama": (False, False, False),
    "mistral": (False, False, False),
    "mixtral": (False, False, False),
    "qwen2": (True, False, False),
    "qwen2_moe": (True, False, False),
    "qwen3": (False, False, True),
    "qwen3_moe": (False, False, True),
}


@pytest.mark.parametrize("family", sorted(FLAGS))
def test_attention_flags_are_exactly_the_familys(family):
    att = _arch(MINIMAL[family]).attention
    assert (att.qkv_bias, att.o_bias, att.qk_norm) == FLAGS[family]
    assert all(type(x) is bool for x in (att.qkv_bias, att.o_bias, att.qk_norm))
    biased = _arch({**MINIMAL[family], "attention_bias": True}).attention
    follows = family in ("llama", "qwen3", "qwen3_moe")  # the families whose code reads attention_bias
    want = (True, True) if follows else FLAGS[family][:2]
    assert (biased.qkv_bias, biased.o_bias) == want
    dense = [f for f in _arch(MINIMAL[family]).ffn if not isinstance(f, MoE)]
    assert all(f.bias is False for f in dense)
    if family == "llama":
        assert all(f.bias is True for f in _arch({**MINIMAL[family], "mlp_bias": True}).ffn)
    else:
        assert all(getattr(f, "bias", False) is False for f in _arch({**MINIMAL[family], "mlp_bias": True}).ffn)


def test_deepseek_flags_are_exactly_false_by_default():
    att = _arch(MINIMAL["deepseek_v3"]).attention
    assert att.bias is False
    assert _arch({**MINIMAL["deepseek_v3"], "attention_bias": True}).attention.bias is True


# --- the remaining top-level keys, at their edges ------------------------------------------------------


def test_rope_theta_and_max_positions():
    assert _arch(MINIMAL["llama"]).rope_theta == 10000.0
    assert _arch({**MINIMAL["llama"], "rope_theta": 1}).rope_theta == 1.0
    assert _arch({**MINIMAL["llama"], "rope_theta": 500000}).rope_theta == 500000.0
    for bad in (0, -1.0, True, "1e4"):
        with pytest.raises(ValueError, match="'rope_theta' must be a positive number"):
            _arch({**MINIMAL["llama"], "rope_theta": bad})
    assert _arch({**MINIMAL["llama"], "max_position_embeddings": 8192}).max_position_embeddings == 8192
    assert _arch(MINIMAL["llama"]).max_position_embeddings is None


def test_fp8_block_size_is_read_only_for_fp8_and_in_order():
    fp8 = {"quant_method": "fp8", "weight_block_size": [64, 128]}
    assert _arch({**MINIMAL["deepseek_v3"], "quantization_config": fp8}).fp8_block == (64, 128)
    assert _arch({**MINIMAL["deepseek_v3"], "quantization_config": {**fp8, "weight_block_size": [1, 1]}}).fp8_block == (
        1,
        1,
    )
    other = {"quant_method": "awq", "weight_block_size": [64, 128]}
    assert _arch({**MINIMAL["deepseek_v3"], "quantization_config": other}).fp8_block is None
    assert _arch(MINIMAL["deepseek_v3"]).fp8_block is None
    for bad in ([0, 128], [128], [128, 128, 128], "128x128", [True, 128], [128.0, 128]):
        with pytest.raises(ValueError, match="'quantization_config.weight_block_size' must be two positive integers"):
            _arch({**MINIMAL["deepseek_v3"], "quantization_config": {**fp8, "weight_block_size": bad}})


def test_mtp_layers_are_read_for_deepseek_v3_only():
    assert _arch({**MINIMAL["deepseek_v3"], "num_nextn_predict_layers": 1}).n_mtp_layers == 1
    assert _arch({**MINIMAL["deepseek_v3"], "num_nextn_predict_layers": 0}).n_mtp_layers == 0
    assert _arch({**MINIMAL["deepseek_v2"], "num_nextn_predict_layers": 1}).n_mtp_layers == 0
    with pytest.raises(ValueError, match="'num_nextn_predict_layers' must be >= 0"):
        _arch({**MINIMAL["deepseek_v3"], "num_nextn_predict_layers": -1})


def test_family_from_architectures_alone_and_mismatches():
    no_type = {k: v for k, v in MINIMAL["qwen2"].items() if k != "model_type"}
    assert _arch({**no_type, "architectures": ["Qwen2ForCausalLM"]}).family == "qwen2"
    assert _arch({**MINIMAL["qwen2"], "architectures": ["Qwen2ForCausalLM"]}).family == "qwen2"
    with pytest.raises(ValueError, match=r"unsupported 'architectures': 'GPT2LMHeadModel'"):
        _arch({**no_type, "architectures": ["GPT2LMHeadModel", "Qwen2ForCausalLM"]})
    with pytest.raises(ValueError, match="neither 'model_type' nor 'architectures'"):
        _arch(no_type)
    with pytest.raises(ValueError, match="does not match 'model_type'"):
        _arch({**MINIMAL["qwen2"], "architectures": ["LlamaForCausalLM"]})


def test_integer_fields_refuse_booleans_and_fractions_but_take_integral_floats():
    assert _arch({**MINIMAL["llama"], "num_hidden_layers": 4.0}).n_layers == 4
    for bad in (True, 4.5, "4"):
        with pytest.raises(ValueError, match="'num_hidden_layers' must be an integer"):
            _arch({**MINIMAL["llama"], "num_hidden_layers": bad})
    with pytest.raises(ValueError, match="'n_shared_experts' must be >= 0"):
        _arch({**MINIMAL["deepseek_v3"], "n_shared_experts": -1})
    with pytest.raises(ValueError, match="'attention_bias' must be true or false"):
        _arch({**MINIMAL["llama"], "attention_bias": 1})


def test_names_from_the_file_name_and_the_default(tmp_path):
    import json

    from dsv3.inputs.hf_config import load_config

    assert parse_config(dict(MINIMAL["llama"])).name == "model"
    for file, name in (("tiny.config.json", "tiny"), ("tiny.json", "tiny"), ("tiny-v2.json", "tiny-v2")):
        path = tmp_path / file
        path.write_text(json.dumps(MINIMAL["llama"]), encoding="utf-8")
        assert load_config(path).name == name


def test_first_k_dense_up_to_every_layer_and_the_source_kept():
    all_dense = _arch({**MINIMAL["deepseek_v3"], "first_k_dense_replace": L})
    assert not all_dense.is_moe
    with pytest.raises(ValueError, match=rf"'first_k_dense_replace' \({L + 1}\) exceeds 'num_hidden_layers' \({L}\)"):
        _arch({**MINIMAL["deepseek_v3"], "first_k_dense_replace": L + 1})
    cfg = {**MINIMAL["llama"], "rope_theta": 500000.0}
    assert _arch(cfg).source == cfg
