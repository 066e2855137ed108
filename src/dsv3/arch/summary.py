"""What ``dsv3 inspect`` reports for one config: a flat summary any reader can recompute.

Every key, its unit and its convention are documented in the README ("dsv3 inspect: the keys").
The keys of the first release keep their names and meanings; the keys added with the new families
(issue 9) report the KV cache at a context (windows applied), DeepSeek-V3.2's indexer cache and the
weights in bytes as stored, and the multi-token-prediction layers counted apart (GLM-4.5's published
total includes them). Used by ``dsv3 inspect`` and the chapter "Your model".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from dsv3.arch.flops import training_flops_per_token
from dsv3.arch.kv_cache import kv_cache_elements_per_token
from dsv3.arch.kv_context import context_cache, indexer_cache_bytes_per_token
from dsv3.arch.params import component_table, count_params, mtp_params, mtp_unique
from dsv3.arch.spec import MLA, Architecture
from dsv3.arch.storage import UnknownQuantization, weight_bytes_as_stored
from dsv3.checks import positive_int

#: The context at which ``dsv3 inspect`` reports the cache unless told: 128K tokens, or the model's
#: own ``max_position_embeddings`` when that is shorter.
DEFAULT_CONTEXT = 131_072


def default_context(arch: Architecture) -> int:
    """:data:`DEFAULT_CONTEXT`, capped at the model's ``max_position_embeddings``."""
    limit = arch.max_position_embeddings
    return DEFAULT_CONTEXT if limit is None else min(DEFAULT_CONTEXT, limit)


def summary(
    arch: Architecture, seq_len: int = 4096, context_len: int | None = None, kv_dtype: str = "bf16"
) -> dict[str, Any]:
    """The figures of one architecture, keyed as in ``dsv3 inspect --json``."""
    count = count_params(arch)
    moe = arch.moe
    n_ctx = default_context(arch) if context_len is None else positive_int("context_len", context_len)
    cache = context_cache(arch, n_ctx, kv_dtype)
    try:
        stored = weight_bytes_as_stored(arch)
        stored_bytes: float | None = stored.total_bytes
        storage = stored.format
    except UnknownQuantization as e:
        stored_bytes, storage = None, f"not computed: {e}"
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
        "model_type": arch.model_type or arch.family,
        "tied_embeddings": arch.tie_word_embeddings,
        "windowed_layers": arch.n_windowed_layers,
        "context_len": n_ctx,
        "kv_dtype": kv_dtype,
        "kv_cache_elements_at_context": cache.elements,
        "kv_cache_bytes_at_context": cache.bytes,
        "indexer_cache_bytes_per_token": indexer_cache_bytes_per_token(arch),
        "indexer_cache_bytes_at_context": cache.indexer_bytes,
        "weight_storage": storage,
        "weight_bytes_as_stored": stored_bytes,
        "mtp_layers": arch.n_mtp_layers,
        "mtp_params": mtp_unique(mtp_params(arch)) if arch.n_mtp_layers else 0,
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
