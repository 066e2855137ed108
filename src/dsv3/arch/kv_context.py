"""KV cache at a context length: every layer's cache capped at the tokens it can attend to.

:func:`dsv3.arch.kv_cache.kv_cache_elements_per_token` counts what one token adds to the cache of
every layer, as DeepSeek-V2 Table 1 does ("per token", no window). At a context of ``n`` tokens a
full-attention layer keeps all ``n`` tokens, but a sliding-window layer keeps only its last ``w``
(gpt-oss's ``sliding_attention`` layers, Gemma's local layers, Phi-3's and Mistral's window) and
a chunked-attention layer at most one chunk of ``w`` (Llama 4's ``chunked_attention`` layers,
``attention_chunk_size``): layer ``l`` keeps ``min(n, w_l)`` tokens. This module sums that, in
elements and in bytes at a cache dtype, and adds DeepSeek-V3.2's lightning-indexer key cache
(``inference/model.py`` of deepseek-ai/DeepSeek-V3.2-Exp, class ``Indexer``: an FP8 key of
``index_head_dim`` per token per layer plus one FP32 scale per 128 elements), which is kept
beside the MLA cache. Used by the chapter "Your model" and by :func:`dsv3.serving.memory.plan`.

What it leaves out: a paged allocator rounds each sequence up to whole blocks, and a serving
engine may keep a full-length cache for windowed layers; both only add to these figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsv3.arch.kv_cache import kv_cache_elements_per_layer
from dsv3.arch.spec import Architecture
from dsv3.checks import positive_int
from dsv3.units import bytes_per_element

#: Elements of the indexer's key per FP32 scale (``block_size`` in inference/model.py of
#: DeepSeek-V3.2-Exp, and ``k_scale_cache`` holds ``index_head_dim // block_size`` of them).
INDEXER_SCALE_BLOCK = 128


def tokens_kept(arch: Architecture, context_len: int) -> list[int]:
    """Tokens each layer keeps in its cache at ``context_len``: min(context, window of the layer)."""
    n = positive_int("context_len", context_len)
    windows = arch.kv_windows or (None,) * arch.n_layers
    return [n if w is None else min(n, w) for w in windows]


def kv_cache_elements(arch: Architecture, context_len: int) -> int:
    """Attention-cache elements of one sequence of ``context_len`` tokens, windows applied.

    sum over layers of (elements per token of that layer) x min(context, window of that layer);
    with no windowed layer this is ``kv_cache_elements_per_token(arch) x context_len``.
    """
    per_layer = kv_cache_elements_per_layer(arch.attention)
    return per_layer * sum(tokens_kept(arch, context_len))


def indexer_cache_elements_per_token(arch: Architecture) -> int:
    """DeepSeek-V3.2 indexer keys per token over all layers (``index_head_dim`` per layer); 0 without one."""
    if arch.indexer is None:
        return 0
    return arch.indexer.head_dim * arch.n_layers


def indexer_cache_bytes_per_token(arch: Architecture) -> float:
    """Bytes of the indexer's key cache per token: FP8 keys plus one FP32 scale per 128 of them."""
    if arch.indexer is None:
        return 0.0
    per_layer = arch.indexer.head_dim * bytes_per_element("fp8") + (
        arch.indexer.head_dim // INDEXER_SCALE_BLOCK
    ) * bytes_per_element("fp32")
    return per_layer * arch.n_layers


@dataclass(frozen=True)
class ContextCache:
    """The cache of one sequence of ``context_len`` tokens."""

    context_len: int
    elements: int  #: attention cache (K and V, or MLA's latent and RoPE key), windows applied
    bytes: float  #: ``elements`` at the cache dtype
    indexer_bytes: float  #: DeepSeek-V3.2's indexer keys and scales (0 for other models)
    full_elements: int  #: the same cache if no layer were windowed (per token x context)

    @property
    def total_bytes(self) -> float:
        return self.bytes + self.indexer_bytes


def context_cache(arch: Architecture, context_len: int, dtype: str = "bf16") -> ContextCache:
    """Elements and bytes of one sequence's cache at ``context_len`` tokens and cache ``dtype``.

    The indexer keys of DeepSeek-V3.2 are FP8 with F32 scales whatever ``dtype`` is (its reference
    code stores them so); ``dtype`` applies to the attention cache.
    """
    elements = kv_cache_elements(arch, context_len)
    per_layer = kv_cache_elements_per_layer(arch.attention)
    return ContextCache(
        context_len=int(context_len),
        elements=elements,
        bytes=elements * bytes_per_element(dtype),
        indexer_bytes=indexer_cache_bytes_per_token(arch) * context_len,
        full_elements=per_layer * arch.n_layers * context_len,
    )
