"""What ``dsv3 inspect`` reports for one config: a flat summary any reader can recompute."""

from __future__ import annotations

from typing import Any

from dsv3.arch.flops import training_flops_per_token
from dsv3.arch.kv_cache import kv_cache_elements_per_token
from dsv3.arch.params import count_params
from dsv3.arch.spec import MLA, Architecture


def summary(arch: Architecture, seq_len: int = 4096) -> dict[str, Any]:
    """The figures of one architecture, keyed as in ``dsv3 inspect --json``."""
    count = count_params(arch)
    moe = arch.moe
    return {
        "name": arch.name,
        "family": arch.family,
        "layers": arch.n_layers,
        "hidden_size": arch.hidden_size,
        "attention": "MLA" if isinstance(arch.attention, MLA) else "GQA",
        "moe_layers": arch.n_moe_layers,
        "routed_experts": moe.n_routed if moe else 0,
        "experts_per_token": moe.top_k if moe else 0,
        "shared_experts": moe.n_shared if moe else 0,
        "total_params": count.total_params,
        "activated_params": count.activated("with_embedding_and_head"),
        "activated_params_excl_embedding": count.activated("without_embedding"),
        "activated_params_excl_embedding_and_head": count.activated("without_embedding_and_head"),
        "kv_cache_elements_per_token": kv_cache_elements_per_token(arch),
        "seq_len": seq_len,
        "training_flops_per_token": training_flops_per_token(arch, seq_len),
    }
