"""Parse a published Hugging Face ``config.json`` into a typed :class:`~dsv3.arch.spec.Architecture`.

Supported families (``model_type`` and ``architectures[0]``):

- DeepSeek V2/V3 (``deepseek_v2``/``deepseek_v3``): multi-head latent attention (MLA) and
  DeepSeekMoE, following ``modeling_deepseek.py`` of the released checkpoints and
  ``inference/model.py`` of the DeepSeek-V3 repository;
- dense ``llama``, ``mistral``, ``qwen2``, ``qwen3`` (grouped-query attention);
- MoE ``mixtral``, ``qwen2_moe``, ``qwen3_moe``.

Anything else, or a field that is missing, not a positive integer, or inconsistent with the
others, raises :class:`~dsv3.checks.ConfigError` (a ``ValueError``) that names the field. This is
the only code that opens a config file; the records it builds validate themselves as well.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from dsv3.arch.spec import GQA, MLA, Architecture, DenseMLP, Family, MoE
from dsv3.checks import ConfigError

__all__ = ["ARCHITECTURES", "ConfigError", "load_config", "parse_config"]

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
}


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


def _family(cfg: dict[str, Any]) -> Family:
    model_type = cfg.get("model_type")
    archs = cfg.get("architectures") or []
    if model_type is None and not archs:
        raise ConfigError("config has neither 'model_type' nor 'architectures'")
    if model_type is None:
        by_arch = {a: t for t, a in ARCHITECTURES.items()}
        if archs[0] not in by_arch:
            raise ConfigError(f"unsupported 'architectures': {archs[0]!r} (supported: {sorted(by_arch)})")
        return cast(Family, by_arch[archs[0]])
    if model_type not in ARCHITECTURES:
        raise ConfigError(f"unsupported 'model_type': {model_type!r} (supported: {sorted(ARCHITECTURES)})")
    if archs and archs[0] != ARCHITECTURES[model_type]:
        raise ConfigError(
            f"'architectures' {archs[0]!r} does not match 'model_type' {model_type!r} "
            f"(expected {ARCHITECTURES[model_type]!r})"
        )
    return cast(Family, model_type)


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
    n_layers = _int(cfg, "num_hidden_layers")
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
    dense = DenseMLP(_int(cfg, "intermediate_size"))
    if cfg.get("n_routed_experts") in (None, 0):
        return attention, (dense,) * n_layers
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
        router_bias=cfg.get("topk_method") == "noaux_tc",
        n_group=n_group,
        topk_group=topk_group,
    )
    # modeling_deepseek.py: layer i is MoE iff i >= first_k_dense_replace and i % moe_layer_freq == 0.
    ffn = tuple(moe if (i >= first_dense and i % freq == 0) else dense for i in range(n_layers))
    return attention, ffn


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


def parse_config(cfg: dict[str, Any], name: str = "model") -> Architecture:
    """Read a ``config.json`` dictionary as an :class:`Architecture`."""
    if not isinstance(cfg, dict):
        raise ConfigError("config must be a JSON object")
    family = _family(cfg)
    d = _int(cfg, "hidden_size")
    _int(cfg, "num_hidden_layers")
    _int(cfg, "num_attention_heads")
    attention: GQA | MLA
    if family in ("deepseek_v2", "deepseek_v3"):
        attention, ffn = _deepseek(cfg, family)
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
            ffn = (DenseMLP(_int(cfg, "intermediate_size"), bias=mlp_bias),) * _int(cfg, "num_hidden_layers")
    quant = cfg.get("quantization_config") or {}
    block = quant.get("weight_block_size") if quant.get("quant_method") == "fp8" else None
    if block is not None and (
        not isinstance(block, list)
        or len(block) != 2
        or any(isinstance(b, bool) or not isinstance(b, int) or b < 1 for b in block)
    ):
        raise ConfigError(f"'quantization_config.weight_block_size' must be two positive integers, got {block!r}")
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
        tie_word_embeddings=_bool(cfg, "tie_word_embeddings", False),
        n_mtp_layers=_int(cfg, "num_nextn_predict_layers", 0, minimum=0) if family == "deepseek_v3" else 0,
        fp8_block=(block[0], block[1]) if block else None,
        max_position_embeddings=_int(cfg, "max_position_embeddings") if cfg.get("max_position_embeddings") else None,
        rope_theta=float(theta),
        rope_scaling=dict(rope_scaling) if rope_scaling else None,
        source=cfg,
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
