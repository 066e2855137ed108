"""Parse a published Hugging Face ``config.json`` into a typed :class:`~dsv3.arch.spec.Architecture`.

Supported families (``model_type`` and ``architectures[0]``), each following the modules its
checkpoint builds:

- DeepSeek V2/V3 (``deepseek_v2``/``deepseek_v3``): multi-head latent attention (MLA) and
  DeepSeekMoE, following ``modeling_deepseek.py`` of the released checkpoints and
  ``inference/model.py`` of the DeepSeek-V3 repository; the same architecture under other labels
  (Kimi-K2's ``kimi_k2`` declares ``DeepseekV3ForCausalLM``; DeepSeek-R1, V3.1 and Moonlight are
  ``deepseek_v3``); DeepSeek-V3.2 (``deepseek_v32``) adds the lightning indexer
  (``inference/model.py`` of deepseek-ai/DeepSeek-V3.2-Exp);
- dense ``llama``, ``mistral``, ``qwen2``, ``qwen3`` (grouped-query attention), ``phi3`` (fused
  ``qkv_proj`` and ``gate_up_proj``, ``modeling_phi3.py``), ``gemma2`` and ``gemma3_text``
  (``modeling_gemma2.py``, ``modeling_gemma3.py``: explicit ``head_dim``, four norms per layer,
  tied embeddings, local sliding-window layers);
- GLM-4.5 and GLM-4.5-Air (``glm4_moe``, ``modeling_glm4_moe.py``): GQA with q/k/v biases and optional
  q/k norms, DeepSeekMoE layers (dense first layers, a shared expert, a router with a correction bias)
  and multi-token-prediction layers stored at the end of the checkpoint, counted apart as for V3;
- MoE ``mixtral``, ``qwen2_moe``, ``qwen3_moe``, ``gpt_oss`` (``modeling_gpt_oss.py``: attention
  sinks and biases, biased experts, a router bias, alternating sliding-window layers) and the
  Llama 4 text model (``llama4_text``, ``modeling_llama4.py``: MoE layers interleaved with dense
  ones, a shared expert, chunked attention).

Detection follows the model, not the label: ``model_type`` first, then ``architectures``, then
the ``text_config`` of a multimodal wrapper (Llama 4, Gemma 3). The Hugging Face files followed
are those of huggingface/transformers ``src/transformers/models/<family>/modeling_<family>.py``.

Anything else, or a field that is missing, not a positive integer, or inconsistent with the
others, raises :class:`~dsv3.checks.ConfigError` (a ``ValueError``) that names the field. This is
the only code that opens a config file; the records it builds validate themselves as well.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from dsv3.arch.spec import GQA, MLA, TORCH_DTYPES, Architecture, DenseMLP, Family, Indexer, MoE
from dsv3.checks import ConfigError
from dsv3.inputs.paths import REPO_ROOT

__all__ = [
    "ARCHITECTURES",
    "DOCUMENTED_DEFAULTS",
    "ConfigError",
    "load_config",
    "parse_config",
    "shipped_configs",
    "supported_families",
    "text_model",
]

#: model_type -> the ``architectures`` entry a causal-LM checkpoint of that type declares.
ARCHITECTURES: dict[str, str] = {
    "deepseek_v2": "DeepseekV2ForCausalLM",
    "deepseek_v3": "DeepseekV3ForCausalLM",
    "llama": "LlamaForCausalLM",
    "mistral": "MistralForCausalLM",
    "qwen2": "Qwen2ForCausalLM",
    "qwen3": "Qwen3ForCausalLM",
    "mixtral": "MixtralForCausalLM",
    "qwen2_moe": "Qwen2MoeForCausalLM",
    "qwen3_moe": "Qwen3MoeForCausalLM",
    "deepseek_v32": "DeepseekV32ForCausalLM",
    "gpt_oss": "GptOssForCausalLM",
    "gemma2": "Gemma2ForCausalLM",
    "gemma3_text": "Gemma3ForCausalLM",
    "phi3": "Phi3ForCausalLM",
    "llama4_text": "Llama4ForCausalLM",
    "glm4_moe": "Glm4MoeForCausalLM",
}

#: What a key left out of a config means: the default of the family's configuration class in Hugging Face
#: ``transformers`` (``src/transformers/models/<family>/configuration_<family>.py``: DeepSeek V2 and Qwen MoE at
#: commit 008e574391258935f3ecc3035c882e73bbcac419, DeepSeek-V3 and Mistral at 001f85b38fb432858ace93f18622f07cec46d874),
#: for the keys where it is not what the parser would otherwise assume. Only a *missing* key takes these: a key
#: given as ``null`` keeps the class's handling of None (``num_key_value_heads`` -> ``num_attention_heads``,
#: ``q_lora_rank`` -> no query compression, ``n_shared_experts`` -> none). The sizes that make the model
#: (``hidden_size``, ``num_hidden_layers``, ...) stay required: a config without them is refused, not guessed.
#: The README ("What a missing key means") has the table, and tests/inputs/test_config_defaults.py writes each out by hand.
DOCUMENTED_DEFAULTS: dict[str, dict[str, Any]] = {
    "mistral": {"num_key_value_heads": 8, "sliding_window": 4096},
    "mixtral": {"num_key_value_heads": 8, "rope_theta": 1e6},
    "qwen2": {"num_key_value_heads": 32},
    "qwen3": {"num_key_value_heads": 32, "head_dim": 128},
    "qwen2_moe": {"num_key_value_heads": 16, "num_experts": 60, "shared_expert_intermediate_size": 5632},
    "qwen3_moe": {"num_key_value_heads": 4, "num_experts": 128},
    "deepseek_v2": {"q_lora_rank": 1536, "n_shared_experts": 2},
    "deepseek_v3": {
        "q_lora_rank": 1536,
        "n_shared_experts": 1,
        "first_k_dense_replace": 3,
        "n_group": 8,
        "topk_group": 4,
    },
    # Glm4MoeConfig (transformers 4.56.2, configuration_glm4_moe.py); it has no head_dim argument: the modeling
    # file reads getattr(config, "head_dim", hidden_size // num_attention_heads), as _gqa does.
    "glm4_moe": {"num_key_value_heads": 8, "n_shared_experts": 1, "first_k_dense_replace": 1},
}

#: Keys a multimodal wrapper sets for its text model when ``text_config`` lacks them.
INHERITED = ("quantization_config", "torch_dtype", "tie_word_embeddings")


# --- field readers -----------------------------------------------------------------------------


def _int(cfg: dict[str, Any], key: str, default: int | None = None, *, minimum: int = 1) -> int:
    """``cfg[key]`` as an int >= ``minimum``; a missing key takes ``default`` or raises."""
    if key not in cfg or cfg[key] is None:
        if default is None:
            raise ConfigError(f"config is missing '{key}'")
        return default
    value = cfg[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ConfigError(f"'{key}' must be an integer, got {value!r}")
    if int(value) < minimum:
        kind = "positive" if minimum == 1 else f">= {minimum}"
        raise ConfigError(f"'{key}' must be {kind}, got {value!r}")
    return int(value)


def _bool(cfg: dict[str, Any], key: str, default: bool) -> bool:
    value = cfg.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ConfigError(f"'{key}' must be true or false, got {value!r}")
    return value


def supported_families() -> str:
    """The supported ``model_type`` values, for error messages."""
    return ", ".join(sorted(ARCHITECTURES))


def _family(cfg: dict[str, Any]) -> Family:
    """The family a (text) config follows: its ``model_type`` if supported, else its ``architectures``.

    Kimi-K2 declares ``model_type: kimi_k2`` and ``architectures: [DeepseekV3ForCausalLM]``: it is read
    as the DeepSeek-V3 architecture it declares.
    """
    model_type = cfg.get("model_type")
    archs = cfg.get("architectures") or []
    if not isinstance(archs, list):
        raise ConfigError(f"'architectures' must be a list, got {archs!r}")
    if model_type is None and not archs:
        raise ConfigError(
            f"config has neither 'model_type' nor 'architectures' (supported families: {supported_families()})"
        )
    if model_type in ARCHITECTURES:
        if archs and archs[0] != ARCHITECTURES[model_type]:
            raise ConfigError(
                f"'architectures' {archs[0]!r} does not match 'model_type' {model_type!r} "
                f"(expected {ARCHITECTURES[model_type]!r})"
            )
        return cast(Family, model_type)
    by_arch = {a: t for t, a in ARCHITECTURES.items()}
    if archs and archs[0] in by_arch:
        return cast(Family, by_arch[archs[0]])
    what = f"'model_type': {model_type!r}" if model_type is not None else f"'architectures': {archs[0]!r}"
    raise ConfigError(f"unsupported {what} (supported families: {supported_families()})")


def text_model(cfg: dict[str, Any]) -> dict[str, Any]:
    """The config of the text model: ``cfg`` itself, or the ``text_config`` of a multimodal wrapper.

    A config whose ``model_type`` or ``architectures`` is supported is read as it is; otherwise its
    ``text_config`` (Llama 4, Gemma 3) is read, inheriting :data:`INHERITED` keys from the wrapper.
    """
    archs = cfg.get("architectures") or []
    known = cfg.get("model_type") in ARCHITECTURES or (
        isinstance(archs, list) and bool(archs) and archs[0] in ARCHITECTURES.values()
    )
    inner = cfg.get("text_config")
    if known or not isinstance(inner, dict):
        return cfg
    merged = dict(inner)
    for key in INHERITED:
        if key in cfg and key not in merged:
            merged[key] = cfg[key]
    return merged


def _top_k(cfg: dict[str, Any], n_experts: int, experts_key: str) -> int:
    k = _int(cfg, "num_experts_per_tok")
    if k > n_experts:
        raise ConfigError(f"'num_experts_per_tok' ({k}) is larger than '{experts_key}' ({n_experts})")
    return k


# --- per-family parsing ------------------------------------------------------------------------


def _gqa(cfg: dict[str, Any], *, qkv_bias: bool, o_bias: bool, qk_norm: bool) -> GQA:
    d = _int(cfg, "hidden_size")
    n_heads = _int(cfg, "num_attention_heads")
    n_kv = _int(cfg, "num_key_value_heads", n_heads)
    if n_kv > n_heads or n_heads % n_kv:
        raise ConfigError(f"'num_key_value_heads' ({n_kv}) must divide 'num_attention_heads' ({n_heads})")
    if "head_dim" in cfg and cfg["head_dim"] is not None:
        head_dim = _int(cfg, "head_dim")
    else:
        if d % n_heads:
            raise ConfigError(
                f"'hidden_size' ({d}) is not divisible by 'num_attention_heads' ({n_heads}); give 'head_dim'"
            )
        head_dim = d // n_heads
    return GQA(n_heads, n_kv, head_dim, qkv_bias=qkv_bias, o_bias=o_bias, qk_norm=qk_norm)


def _deepseek(cfg: dict[str, Any], family: Family) -> tuple[MLA, tuple[DenseMLP | MoE, ...]]:
    q_lora = cfg.get("q_lora_rank")
    attention = MLA(
        n_heads=_int(cfg, "num_attention_heads"),
        q_lora_rank=None if q_lora in (None, 0) else _int(cfg, "q_lora_rank"),
        kv_lora_rank=_int(cfg, "kv_lora_rank"),
        qk_nope_head_dim=_int(cfg, "qk_nope_head_dim"),
        qk_rope_head_dim=_int(cfg, "qk_rope_head_dim"),
        v_head_dim=_int(cfg, "v_head_dim"),
        bias=_bool(cfg, "attention_bias", False),
    )
    return attention, _deepseek_moe_layers(cfg, router_bias=cfg.get("topk_method") == "noaux_tc")


def _deepseek_moe_layers(cfg: dict[str, Any], *, router_bias: bool) -> tuple[DenseMLP | MoE, ...]:
    """DeepSeekMoE's layer plan (DeepSeek V2/V3, GLM-4.5): ``first_k_dense_replace`` dense layers, then MoE
    layers of routed and shared experts; dense throughout when there are no routed experts."""
    n_layers = _int(cfg, "num_hidden_layers")
    dense = DenseMLP(_int(cfg, "intermediate_size"))
    if cfg.get("n_routed_experts") in (None, 0):
        return (dense,) * n_layers
    n_routed = _int(cfg, "n_routed_experts")
    n_shared = _int(cfg, "n_shared_experts", 0, minimum=0)
    expert = _int(cfg, "moe_intermediate_size")
    first_dense = _int(cfg, "first_k_dense_replace", 0, minimum=0)
    freq = _int(cfg, "moe_layer_freq", 1)
    if first_dense > n_layers:
        raise ConfigError(f"'first_k_dense_replace' ({first_dense}) exceeds 'num_hidden_layers' ({n_layers})")
    n_group = _int(cfg, "n_group", 1)
    topk_group = _int(cfg, "topk_group", 1)
    top_k = _top_k(cfg, n_routed, "n_routed_experts")
    # Group divisibility and the experts of the kept groups are checked by MoE itself.
    moe = MoE(
        n_routed=n_routed,
        top_k=top_k,
        expert_intermediate_size=expert,
        n_shared=n_shared,
        shared_intermediate_size=n_shared * expert,
        router_bias=router_bias,
        n_group=n_group,
        topk_group=topk_group,
    )
    # modeling_deepseek.py: layer i is MoE iff i >= first_k_dense_replace and i % moe_layer_freq == 0.
    return tuple(moe if (i >= first_dense and i % freq == 0) else dense for i in range(n_layers))


def _glm4_moe(cfg: dict[str, Any]) -> tuple[GQA, tuple[DenseMLP | MoE, ...]]:
    """GLM-4.5 (``modeling_glm4_moe.py``): GQA with a bias on q, k and v when ``attention_bias`` (never on
    o_proj), per-head q/k RMSNorms when ``use_qk_norm``, and DeepSeekMoE layers whose sigmoid router always
    keeps an ``e_score_correction_bias`` (a persistent buffer: it is in the checkpoint). ``partial_rotary_factor``
    rotates part of each head and adds no parameter."""
    attention = _gqa(
        cfg, qkv_bias=_bool(cfg, "attention_bias", False), o_bias=False, qk_norm=_bool(cfg, "use_qk_norm", False)
    )
    return attention, _deepseek_moe_layers(cfg, router_bias=True)


def _mixtral(cfg: dict[str, Any]) -> tuple[DenseMLP | MoE, ...]:
    n = _int(cfg, "num_local_experts")
    moe = MoE(
        n_routed=n, top_k=_top_k(cfg, n, "num_local_experts"), expert_intermediate_size=_int(cfg, "intermediate_size")
    )
    return (moe,) * _int(cfg, "num_hidden_layers")


def _qwen_moe(cfg: dict[str, Any], family: Family) -> tuple[DenseMLP | MoE, ...]:
    n_layers = _int(cfg, "num_hidden_layers")
    n = _int(cfg, "num_experts", 0, minimum=0)
    dense = DenseMLP(_int(cfg, "intermediate_size"))
    if n == 0:
        return (dense,) * n_layers
    shared = _int(cfg, "shared_expert_intermediate_size", 0, minimum=0) if family == "qwen2_moe" else 0
    moe = MoE(
        n_routed=n,
        top_k=_top_k(cfg, n, "num_experts"),
        expert_intermediate_size=_int(cfg, "moe_intermediate_size"),
        n_shared=1 if shared else 0,
        shared_intermediate_size=shared,
        shared_gate=bool(shared),
    )
    step = _int(cfg, "decoder_sparse_step", 1)
    only_mlp = cfg.get("mlp_only_layers") or []
    if not isinstance(only_mlp, list) or any(not isinstance(i, int) or not 0 <= i < n_layers for i in only_mlp):
        raise ConfigError(f"'mlp_only_layers' must list layer indices below {n_layers}, got {only_mlp!r}")
    # modeling_qwen2_moe.py / modeling_qwen3_moe.py: sparse iff not in mlp_only_layers and (i + 1) % step == 0.
    return tuple(moe if (i not in only_mlp and (i + 1) % step == 0) else dense for i in range(n_layers))


def _layer_types(cfg: dict[str, Any], n_layers: int, default: list[str]) -> list[str]:
    """``layer_types`` (one per layer) as the config gives it, else the family's default."""
    types = cfg.get("layer_types")
    if types is None:
        return default
    if not isinstance(types, list) or len(types) != n_layers or not all(isinstance(t, str) for t in types):
        raise ConfigError(f"'layer_types' must list one attention type per layer ({n_layers}), got {types!r}")
    return types


def _window(cfg: dict[str, Any], key: str, default: int | None = None) -> int:
    """A sliding window or attention chunk (tokens), no larger than ``max_position_embeddings``."""
    w = _int(cfg, key, default)
    limit = cfg.get("max_position_embeddings")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 and w > limit:
        raise ConfigError(f"'{key}' ({w}) is larger than the context 'max_position_embeddings' ({limit})")
    return w


def _windows_from_types(cfg: dict[str, Any], types: list[str], key: str, windowed: set[str]) -> tuple[int | None, ...]:
    unknown = sorted(set(types) - windowed - {"full_attention"})
    if unknown:
        raise ConfigError(f"'layer_types' has unsupported attention types {unknown}")
    if not any(t in windowed for t in types):
        return ()
    w = _window(cfg, key)
    return tuple(w if t in windowed else None for t in types)


def _gpt_oss(cfg: dict[str, Any]) -> tuple[GQA, tuple[DenseMLP | MoE, ...], tuple[int | None, ...]]:
    """gpt-oss (``modeling_gpt_oss.py``): GQA with biases and one sink per head, MoE of
    ``num_local_experts`` with a router bias and biased experts, alternating sliding and full layers."""
    n_layers = _int(cfg, "num_hidden_layers")
    bias = _bool(cfg, "attention_bias", True)
    g = _gqa(cfg, qkv_bias=bias, o_bias=bias, qk_norm=False)
    attention = GQA(g.n_heads, g.n_kv_heads, g.head_dim, qkv_bias=bias, o_bias=bias, sinks=True)
    n = _int(cfg, "num_local_experts")
    moe = MoE(
        n_routed=n,
        top_k=_top_k(cfg, n, "num_local_experts"),
        expert_intermediate_size=_int(cfg, "intermediate_size"),
        router_bias=True,
        expert_bias=True,
    )
    # configuration_gpt_oss.py: layer i is sliding iff (i + 1) % 2, when layer_types is absent.
    default = ["sliding_attention" if (i + 1) % 2 else "full_attention" for i in range(n_layers)]
    types = _layer_types(cfg, n_layers, default)
    return attention, (moe,) * n_layers, _windows_from_types(cfg, types, "sliding_window", {"sliding_attention"})


def _gemma(cfg: dict[str, Any], family: Family) -> tuple[GQA, tuple[DenseMLP | MoE, ...], tuple[int | None, ...]]:
    """Gemma 2 and Gemma 3 text (``modeling_gemma2.py``, ``modeling_gemma3.py``): GQA with an explicit
    ``head_dim``, Gemma 3's q/k norms, four norms per layer, local (sliding) and global layers."""
    n_layers = _int(cfg, "num_hidden_layers")
    bias = _bool(cfg, "attention_bias", False)
    attention = _gqa(cfg, qkv_bias=bias, o_bias=bias, qk_norm=family == "gemma3_text")
    ffn = (DenseMLP(_int(cfg, "intermediate_size")),) * n_layers
    if family == "gemma2":
        pattern = 2  # configuration_gemma2.py: sliding iff (i + 1) % 2
    else:
        key = "sliding_window_pattern" if "sliding_window_pattern" in cfg else "_sliding_window_pattern"
        pattern = _int(cfg, key, 6)  # configuration_gemma3.py: sliding iff (i + 1) % pattern
    default = ["sliding_attention" if (i + 1) % pattern else "full_attention" for i in range(n_layers)]
    types = _layer_types(cfg, n_layers, default)
    if cfg.get("sliding_window") is None:
        cfg = {**cfg, "sliding_window": 4096}  # configuration_gemma2.py, configuration_gemma3.py default
    return attention, ffn, _windows_from_types(cfg, types, "sliding_window", {"sliding_attention"})


def _uniform_window(cfg: dict[str, Any], n_layers: int) -> tuple[int | None, ...]:
    """Mistral and Phi-3 apply ``sliding_window`` (when set) to every layer."""
    if cfg.get("sliding_window") is None:
        return ()
    return (_window(cfg, "sliding_window"),) * n_layers


def _llama4(cfg: dict[str, Any]) -> tuple[GQA, tuple[DenseMLP | MoE, ...], tuple[int | None, ...]]:
    """Llama 4 text model (``modeling_llama4.py``): GQA (its q/k norm is an L2 norm without weights),
    MoE layers with one shared expert and a top-k router, dense layers of ``intermediate_size_mlp``
    between them, and chunked attention on the RoPE layers (one NoPE full-attention layer in four)."""
    n_layers = _int(cfg, "num_hidden_layers")
    bias = _bool(cfg, "attention_bias", False)
    attention = _gqa(cfg, qkv_bias=bias, o_bias=bias, qk_norm=False)
    n = _int(cfg, "num_local_experts")
    expert = _int(cfg, "intermediate_size")
    moe = MoE(
        n_routed=n,
        top_k=_top_k(cfg, n, "num_local_experts"),
        expert_intermediate_size=expert,
        n_shared=1,
        shared_intermediate_size=expert,
    )
    dense = DenseMLP(_int(cfg, "intermediate_size_mlp", 16384))  # configuration_llama4.py default
    step = _int(cfg, "interleave_moe_layer_step", 1)
    moe_layers = cfg.get("moe_layers")
    if moe_layers is None:
        # configuration_llama4.py: moe_layers = range(step - 1, n_layers, step)
        moe_layers = list(range(step - 1, n_layers, step))
    if not isinstance(moe_layers, list) or any(not isinstance(i, int) or not 0 <= i < n_layers for i in moe_layers):
        raise ConfigError(f"'moe_layers' must list layer indices below {n_layers}, got {moe_layers!r}")
    ffn = tuple(moe if i in set(moe_layers) else dense for i in range(n_layers))
    no_rope = cfg.get("no_rope_layers")
    if no_rope is None:
        # configuration_llama4.py: no_rope_layers[i] = int((i + 1) % no_rope_layer_interval != 0), 1 = uses RoPE
        interval = _int(cfg, "no_rope_layer_interval", 4)
        no_rope = [int((i + 1) % interval != 0) for i in range(n_layers)]
    if not isinstance(no_rope, list) or len(no_rope) != n_layers:
        raise ConfigError(f"'no_rope_layers' must have one entry per layer ({n_layers}), got {no_rope!r}")
    default = ["chunked_attention" if r else "full_attention" for r in no_rope]
    types = _layer_types(cfg, n_layers, default)
    if cfg.get("attention_chunk_size") is None:
        return attention, ffn, ()
    return attention, ffn, _windows_from_types(cfg, types, "attention_chunk_size", {"chunked_attention"})


def _indexer(cfg: dict[str, Any]) -> Indexer:
    if cfg.get("q_lora_rank") in (None, 0):
        raise ConfigError("'q_lora_rank' is required: DeepSeek-V3.2's indexer projects the compressed query")
    return Indexer(
        n_heads=_int(cfg, "index_n_heads"), head_dim=_int(cfg, "index_head_dim"), topk=_int(cfg, "index_topk")
    )


def parse_config(cfg: dict[str, Any], name: str = "model") -> Architecture:
    """Read a ``config.json`` dictionary as an :class:`Architecture` (a wrapper is read through its text model)."""
    if not isinstance(cfg, dict):
        raise ConfigError("config must be a JSON object")
    outer = cfg
    cfg = text_model(cfg)
    family = _family(cfg)
    cfg = {**DOCUMENTED_DEFAULTS.get(family, {}), **cfg}
    d = _int(cfg, "hidden_size")
    n_layers = _int(cfg, "num_hidden_layers")
    _int(cfg, "num_attention_heads")
    attention: GQA | MLA
    windows: tuple[int | None, ...] = ()
    norms, tie_default, indexer = 2, False, None
    if family in ("deepseek_v2", "deepseek_v3", "deepseek_v32"):
        attention, ffn = _deepseek(cfg, family)
        if family == "deepseek_v32":
            indexer = _indexer(cfg)
    elif family == "glm4_moe":
        attention, ffn = _glm4_moe(cfg)
    elif family == "gpt_oss":
        attention, ffn, windows = _gpt_oss(cfg)
    elif family in ("gemma2", "gemma3_text"):
        attention, ffn, windows = _gemma(cfg, family)
        norms, tie_default = 4, True  # configuration_gemma2.py / _gemma3.py: tie_word_embeddings=True
    elif family == "llama4_text":
        attention, ffn, windows = _llama4(cfg)
    elif family == "phi3":
        bias = _bool(cfg, "attention_bias", False)
        g = _gqa(cfg, qkv_bias=bias, o_bias=bias, qk_norm=False)
        attention = GQA(g.n_heads, g.n_kv_heads, g.head_dim, qkv_bias=bias, o_bias=bias, fused_qkv=True)
        ffn = (DenseMLP(_int(cfg, "intermediate_size"), fused_gate_up=True),) * n_layers
        windows = _uniform_window(cfg, n_layers)
    else:
        bias = _bool(cfg, "attention_bias", False)
        if family in ("qwen2", "qwen2_moe"):
            attention = _gqa(cfg, qkv_bias=True, o_bias=False, qk_norm=False)  # Qwen2: bias on q, k, v only
        elif family in ("qwen3", "qwen3_moe"):
            attention = _gqa(cfg, qkv_bias=bias, o_bias=bias, qk_norm=True)
        elif family == "llama":
            attention = _gqa(cfg, qkv_bias=bias, o_bias=bias, qk_norm=False)
        else:  # mistral, mixtral: no biases
            attention = _gqa(cfg, qkv_bias=False, o_bias=False, qk_norm=False)
        if family == "mixtral":
            ffn = _mixtral(cfg)
        elif family in ("qwen2_moe", "qwen3_moe"):
            ffn = _qwen_moe(cfg, family)
        else:
            mlp_bias = _bool(cfg, "mlp_bias", False) if family == "llama" else False
            ffn = (DenseMLP(_int(cfg, "intermediate_size"), bias=mlp_bias),) * n_layers
        if family == "mistral":
            windows = _uniform_window(cfg, n_layers)  # modeling_mistral.py: every layer, when set
    quant = cfg.get("quantization_config") or {}
    if not isinstance(quant, dict):
        raise ConfigError(f"'quantization_config' must be an object, got {quant!r}")
    method = quant.get("quant_method")
    if method is not None and not isinstance(method, str):
        raise ConfigError(f"'quantization_config.quant_method' must be a string, got {method!r}")
    block = quant.get("weight_block_size") if method == "fp8" else None
    if block is not None and (
        not isinstance(block, list)
        or len(block) != 2
        or any(isinstance(b, bool) or not isinstance(b, int) or b < 1 for b in block)
    ):
        raise ConfigError(f"'quantization_config.weight_block_size' must be two positive integers, got {block!r}")
    dtype = cfg.get("torch_dtype") or cfg.get("dtype") or "bfloat16"
    if dtype not in TORCH_DTYPES:
        raise ConfigError(f"'torch_dtype' must be one of {list(TORCH_DTYPES)}, got {dtype!r}")
    rope_scaling = cfg.get("rope_scaling")
    if rope_scaling is not None and not isinstance(rope_scaling, dict):
        raise ConfigError(f"'rope_scaling' must be an object or null, got {rope_scaling!r}")
    theta = cfg.get("rope_theta", 10_000.0)
    if isinstance(theta, bool) or not isinstance(theta, (int, float)) or theta <= 0:
        raise ConfigError(f"'rope_theta' must be a positive number, got {theta!r}")
    return Architecture(
        name=name,
        family=family,
        vocab_size=_int(cfg, "vocab_size"),
        hidden_size=d,
        attention=attention,
        ffn=ffn,
        tie_word_embeddings=_bool(cfg, "tie_word_embeddings", tie_default),
        n_mtp_layers=(
            _int(cfg, "num_nextn_predict_layers", 0, minimum=0)
            if family in ("deepseek_v3", "deepseek_v32", "glm4_moe")
            else 0
        ),
        fp8_block=(block[0], block[1]) if block else None,
        max_position_embeddings=_int(cfg, "max_position_embeddings") if cfg.get("max_position_embeddings") else None,
        rope_theta=float(theta),
        rope_scaling=dict(rope_scaling) if rope_scaling else None,
        kv_windows=windows,
        norms_per_layer=norms,
        indexer=indexer,
        torch_dtype=str(dtype),
        quant_method=method,
        model_type=str(outer.get("model_type") or cfg.get("model_type") or family),
        source=outer,
    )


def load_config(path: str | Path) -> Architecture:
    """Read and parse the ``config.json`` at ``path`` (the file as published; its name names the model)."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot be read ({e.__class__.__name__}: {e})") from None
    cfg = raw
    name = path.name.removesuffix(".json").removesuffix(".config")
    try:
        return parse_config(cfg, name=name)
    except ConfigError as e:
        raise ConfigError(f"{path.name}: {e}") from None


def shipped_configs() -> list[Path]:
    """Every ``config.json`` the repository ships: the book's models (``data/models/*.json``, sources in
    ``models.csv``) and the test fixtures (``tests/fixtures/hf-configs/*.json``, sources in ``SOURCES.csv``
    and the folder's README). Used by the chapter "Your model"."""
    models = sorted((REPO_ROOT / "data" / "models").glob("*.json"))
    fixtures = sorted((REPO_ROOT / "tests" / "fixtures" / "hf-configs").glob("*.json"))
    return models + fixtures
