"""What ``dsv3 inspect`` reports for one config: a flat summary any reader can recompute."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from dsv3.arch.flops import training_flops_per_token
from dsv3.arch.kv_cache import kv_cache_elements_per_token
from dsv3.arch.params import component_table, count_params
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


def parameter_summary(archs: Mapping[str, Architecture]) -> pd.DataFrame:
    """Total and activated parameters of each model, in billions, under the three conventions (MoE chapter).

    Columns: ``model``, ``kind`` (MoE or dense), ``total``, ``activated`` (with embedding and head),
    ``activated without embedding``, ``activated without embedding and head``, ``activated / total``.
    """
    rows = []
    for name, arch in archs.items():
        c = count_params(arch)
        rows.append(
            {
                "model": name,
                "kind": "MoE" if arch.is_moe else "dense",
                "total": c.total_params / 1e9,
                "activated": c.activated() / 1e9,
                "activated without embedding": c.activated("without_embedding") / 1e9,
                "activated without embedding and head": c.activated("without_embedding_and_head") / 1e9,
                "activated / total": c.activated() / c.total_params,
            }
        )
    return pd.DataFrame(rows)


def routed_share(archs: Mapping[str, Architecture]) -> pd.DataFrame:
    """The routed experts' share of the total and of the activated parameters, per MoE model (MoE chapter)."""
    rows = []
    for name, arch in archs.items():
        if not arch.is_moe:
            continue
        t = component_table(count_params(arch)).set_index("component")
        rows.append(
            {
                "model": name,
                "routed experts, share of total": t.loc["routed experts", "share of total"],
                "routed experts, share of activated": t.loc["routed experts", "share of activated"],
            }
        )
    return pd.DataFrame(rows)
