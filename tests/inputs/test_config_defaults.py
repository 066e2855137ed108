"""Configs unlike the shipped ones: every optional key left out must mean the family's documented default.

Every shipped and fixture config states every key, so no default was ever exercised. Here each family gets a
minimal config (only the keys the parser requires) and the same config with the optional keys written out at
the defaults that Hugging Face's configuration class of the family documents (``transformers``,
``src/transformers/models/<family>/configuration_<family>.py``; the DeepSeek families as
``configuration_deepseek_v2.py`` / ``configuration_deepseek_v3.py`` of that library). The two must parse to the
same architecture and the same parameter count. The README ("What a missing key means") has the table
of every default and its source.

Only a missing key takes the documented default: a key given as ``null`` keeps the class's handling of None.
The sizes that make a model (``hidden_size``, ``num_hidden_layers``, the expert shapes) stay required.
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

# --- documented defaults, by family -----------------------------------------------------------------
# Source: the family's configuration class in huggingface/transformers (signature or dataclass defaults and
# __post_init__): configuration_deepseek_v2.py, configuration_qwen2_moe.py and configuration_qwen3_moe.py at commit
# 008e574391258935f3ecc3035c882e73bbcac419; configuration_deepseek_v3.py and configuration_mistral.py at
# 001f85b38fb432858ace93f18622f07cec46d874; LlamaConfig, MixtralConfig, Qwen2Config, Qwen3Config as documented in
# their docstrings. None-valued defaults that __post_init__ fills (num_key_value_heads -> num_attention_heads,
# head_dim -> hidden_size // num_attention_heads) are written out at the value they become.

COMMON = {"tie_word_embeddings": False}
DOCUMENTED = {
    "llama": {
        **COMMON,
        "num_key_value_heads": 64,
        "head_dim": 2,
        "attention_bias": False,
        "mlp_bias": False,
        "rope_theta": 10000.0,
    },
    # MistralConfig: num_key_value_heads=8, sliding_window=4096, head_dim None -> hidden_size // heads.
    "mistral": {**COMMON, "head_dim": 2, "num_key_value_heads": 8, "sliding_window": 4096},
    # Qwen2Config: num_key_value_heads=32; Qwen3Config: num_key_value_heads=32, head_dim=128.
    "qwen2": {**COMMON, "num_key_value_heads": 32},
    "qwen3": {**COMMON, "attention_bias": False, "num_key_value_heads": 32, "head_dim": 128},
    # MixtralConfig: num_key_value_heads=8, default_theta=1e6.
    "mixtral": {**COMMON, "head_dim": 2, "num_key_value_heads": 8, "rope_theta": 1e6},
    # Qwen2MoeConfig: num_key_value_heads=16, shared_expert_intermediate_size=5632; Qwen3MoeConfig: 4.
    "qwen2_moe": {
        **COMMON,
        "decoder_sparse_step": 1,
        "mlp_only_layers": [],
        "num_key_value_heads": 16,
        "shared_expert_intermediate_size": 5632,
    },
    "qwen3_moe": {
        **COMMON,
        "attention_bias": False,
        "decoder_sparse_step": 1,
        "mlp_only_layers": [],
        "num_key_value_heads": 4,
    },
    # DeepseekV2Config: q_lora_rank=1536, n_shared_experts=2, n_group=None, topk_group=None,
    # first_k_dense_replace=0, attention_bias=False, tie_word_embeddings=False; moe_layer_freq is not a key of the
    # class: 1 as modeling_deepseek.py of the released checkpoints reads it.
    "deepseek_v2": {
        **COMMON,
        "q_lora_rank": 1536,
        "n_shared_experts": 2,
        "n_group": None,
        "topk_group": None,
        "moe_layer_freq": 1,
        "first_k_dense_replace": 0,
        "attention_bias": False,
        "rope_theta": 10000.0,
    },
    # DeepseekV3Config: q_lora_rank=1536, n_shared_experts=1, first_k_dense_replace=3, n_group=8, topk_group=4,
    # attention_bias=False, tie_word_embeddings=False.
    "deepseek_v3": {
        **COMMON,
        "q_lora_rank": 1536,
        "n_shared_experts": 1,
        "first_k_dense_replace": 3,
        "n_group": 8,
        "topk_group": 4,
        "attention_bias": False,
        "rope_theta": 10000.0,
    },
}

#: The Qwen MoE classes' expert count (Qwen2MoeConfig: num_experts=60; Qwen3MoeConfig: 128), checked apart
#: because MINIMAL must state num_experts to stay small.
NUM_EXPERTS = {"qwen2_moe": 60, "qwen3_moe": 128}


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
    _same(_arch(MINIMAL[family]), _arch({**MINIMAL[family], **DOCUMENTED[family]}))


@pytest.mark.parametrize("family", sorted(MINIMAL))
def test_each_optional_key_alone_at_its_default_changes_nothing(family):
    bare = _arch(MINIMAL[family])
    for key, value in DOCUMENTED[family].items():
        _same(bare, _arch({**MINIMAL[family], key: value}))


@pytest.mark.parametrize("family", sorted(NUM_EXPERTS))
def test_a_qwen_moe_config_without_num_experts_has_the_classs_experts(family):
    base = {k: v for k, v in MINIMAL[family].items() if k != "num_experts"}
    _same(_arch(base), _arch({**base, "num_experts": NUM_EXPERTS[family]}))
    assert _arch(base).ffn[0].n_routed == NUM_EXPERTS[family]


def test_null_keeps_the_classs_meaning_of_none():
    """A key given as null is not a missing key: the classes turn None into "as many KV heads as heads", "no query
    compression", "no shared expert"; only a missing key takes the documented default."""
    assert _arch({**MINIMAL["mistral"], "num_key_value_heads": None}).attention.n_kv_heads == 64
    assert _arch(MINIMAL["mistral"]).attention.n_kv_heads == 8
    assert _arch({**MINIMAL["deepseek_v3"], "q_lora_rank": None}).attention.q_lora_rank is None
    assert _arch(MINIMAL["deepseek_v3"]).attention.q_lora_rank == 1536
    assert _arch({**MINIMAL["deepseek_v2"], "n_shared_experts": None}).ffn[-1].n_shared == 0
    assert _arch({**MINIMAL["mistral"], "sliding_window": None}).kv_windows == ()
    assert _arch(MINIMAL["mistral"]).kv_windows == (4096,) * 4


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


def test_minimal_deepseek_v3_counts_the_classs_defaults_by_hand():
    """DeepseekV3Config's defaults, counted by hand: query compression of rank 1536, three dense layers first, one
    shared expert, experts in 8 groups (4 kept), no router bias (no topk_method), untied, no MTP module.

    MLA per layer: q_a d x 1536 + its norm 1536 + q_b 1536 x H (nope + rope) + kv_a d x (d_c + rope) + its norm d_c
    + kv_b d_c x H (nope + v) + o H v x d; dense SwiGLU 3 d f; an MoE layer (8 routed + 1 shared) x 3 d f_e + router.
    """
    v, d, n_layers, f, h = 1000, 128, 4, 96, 64
    dc, nope, rope, dv, n_routed, fe = 16, 8, 4, 8, 8, 24
    mla = d * 1536 + 1536 + 1536 * h * (nope + rope) + d * (dc + rope) + dc + dc * h * (nope + dv) + h * dv * d
    want = 2 * v * d + d + n_layers * (mla + 2 * d) + 3 * (3 * d * f) + (n_routed + 1) * 3 * d * fe + n_routed * d
    arch = _arch(MINIMAL["deepseek_v3"])
    assert count_params(arch).total_params == want
    assert [isinstance(f, MoE) for f in arch.ffn] == [False, False, False, True]
    moe = arch.ffn[3]
    assert (moe.n_shared, moe.n_group, moe.topk_group, moe.router_bias) == (1, 8, 4, False)
    assert arch.n_mtp_layers == 0  # DeepseekV3Config has no num_nextn_predict_layers: no MTP module is built


def test_minimal_deepseek_v2_has_two_shared_experts_and_every_layer_moe():
    arch = _arch(MINIMAL["deepseek_v2"])
    assert all(isinstance(f, MoE) for f in arch.ffn)
    assert all(f.n_shared == 2 and f.n_group == 1 and f.topk_group == 1 and not f.router_bias for f in arch.ffn)
    assert arch.attention.q_lora_rank == 1536 and arch.attention.bias is False


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

#: Keys that make each minimal config the plain variant the tests below compare across families: multi-head
#: attention of 64 heads of 2 (overriding the classes' KV-head and head_dim defaults), no shared expert, no query
#: compression, every layer MoE, no expert groups.
PLAIN = {
    "llama": {},
    "mistral": {"num_key_value_heads": 64},
    "mixtral": {"num_key_value_heads": 64},
    "qwen2": {"num_key_value_heads": 64},
    "qwen3": {"num_key_value_heads": 64, "head_dim": HD},
    "qwen2_moe": {"num_key_value_heads": 64, "shared_expert_intermediate_size": 0},
    "qwen3_moe": {"num_key_value_heads": 64, "head_dim": HD},
    "deepseek_v2": {"q_lora_rank": None, "n_shared_experts": None},
    "deepseek_v3": {
        "q_lora_rank": None,
        "n_shared_experts": None,
        "first_k_dense_replace": 0,
        "n_group": None,
        "topk_group": None,
    },
}


def plain(family: str, **keys) -> dict:
    return {**MINIMAL[family], **PLAIN[family], **keys}


def _count(cfg: dict) -> int:
    return count_params(_arch(cfg)).total_params


def test_mlp_params_by_hand():
    from dsv3.arch.tensors import mlp_params

    assert mlp_params(4, 6) == 3 * 4 * 6
    assert mlp_params(4, 6, bias=True) == 3 * 4 * 6 + (6 + 6 + 4)  # gate and up biases of i, down of d


def test_biases_add_exactly_their_vectors():
    llama = _count(plain("llama"))
    # attention_bias: q, k, v biases of 64 x 2 each and the o bias of d, per layer.
    assert _count(plain("llama", attention_bias=True)) - llama == L * (3 * 64 * HD + D)
    # mlp_bias: gate and up biases of F, down of D, per layer.
    assert _count(plain("llama", mlp_bias=True)) - llama == L * (2 * F + D)
    # Qwen2: q, k, v biases always, no o bias; Qwen3: no biases but q_norm and k_norm of d_h per layer.
    assert _count(plain("qwen2")) - llama == L * 3 * 64 * HD
    assert _count(plain("qwen3")) - llama == L * 2 * HD
    assert _count(plain("qwen3", attention_bias=True)) - llama == L * (3 * 64 * HD + D + 2 * HD)
    # Mistral: no bias key at all.
    assert _count(plain("mistral")) == llama


def test_deepseek_attention_bias_and_dense_when_no_routed_experts():
    bare = _count(plain("deepseek_v2"))
    # MLA biases (no query compression here): kv_a_proj_with_mqa (d_c + d_h^R = 20) and o_proj (d).
    assert _count(plain("deepseek_v2", attention_bias=True)) - bare == L * (16 + 4 + D)
    # With the class's query compression (rank 1536) the query's bias sits on q_a_proj: 1536 more per layer.
    compressed = _count(MINIMAL["deepseek_v2"])
    assert _count({**MINIMAL["deepseek_v2"], "attention_bias": True}) - compressed == L * (1536 + 16 + 4 + D)
    for routed in (0, None):
        arch = _arch({**MINIMAL["deepseek_v2"], "n_routed_experts": routed})
        assert not arch.is_moe and all(f.intermediate_size == F for f in arch.ffn)


def test_explicit_zeros_are_accepted_where_zero_means_none():
    ds = _arch({**MINIMAL["deepseek_v3"], "n_shared_experts": 0, "first_k_dense_replace": 0})
    assert all(isinstance(f, MoE) and f.n_shared == 0 for f in ds.ffn)
    assert not _arch({**MINIMAL["qwen2_moe"], "num_experts": 0}).is_moe
    assert _count(plain("qwen2_moe", num_experts=0)) == _count(plain("qwen2"))
    assert _count(plain("qwen3_moe", num_experts=0)) == _count(plain("qwen3"))
    no_shared = plain("qwen2_moe")
    assert _arch(no_shared).ffn[0].n_shared == 0 and _arch(MINIMAL["qwen2_moe"]).ffn[0].n_shared == 1


def test_qwen2_moe_shared_expert_and_its_gate():
    arch = _arch(plain("qwen2_moe", shared_expert_intermediate_size=64))
    moe = arch.ffn[0]
    assert (moe.n_shared, moe.shared_intermediate_size, moe.shared_gate) == (1, 64, True)
    # One SwiGLU of 64 and the shared-expert gate (1 x d), per layer.
    assert _count(plain("qwen2_moe", shared_expert_intermediate_size=64)) - _count(plain("qwen2_moe")) == L * (
        3 * D * 64 + D
    )
    # The class's default shared expert of 5632: the same sum at 5632.
    assert _count(MINIMAL["qwen2_moe"]) - _count(plain("qwen2_moe", num_key_value_heads=16)) == L * (3 * D * 5632 + D)
    # Qwen3-MoE has no shared expert: the key is ignored.
    assert _count(plain("qwen3_moe", shared_expert_intermediate_size=64)) == _count(plain("qwen3_moe"))


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
        _arch(plain(family, num_experts_per_tok=n + 1))
    assert _arch(plain(family, num_experts_per_tok=n)).ffn[-1].top_k == n


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
