"""Serving memory: what the KV cache and the weights take, and how many sequences fit beside them.

One function, :func:`plan`, answers "do the weights fit on these GPUs, how much memory is left, and
how many sequences of this context fit beside them" for the MLA chapter's node-fit table (through
:func:`node_fit`, weights as parameters x one dtype) and for ``dsv3 plan`` (weights as stored by
default). Used by the MLA chapter (node fit, bytes read per generated token), the chapter "Your
model" and ``dsv3 plan``. Sizes in bytes; GiB = 2^30 for capacity (:mod:`dsv3.units`).

What a plan leaves out (:data:`LEFT_OUT`) makes its sequence count an upper bound; the memory it
holds back for them is the ``reserve`` fraction of HBM (0 unless asked for).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dsv3.arch.kv_context import context_cache
from dsv3.arch.params import count_params
from dsv3.arch.spec import Architecture
from dsv3.arch.storage import weight_bytes_as_stored
from dsv3.checks import fraction, non_negative, non_negative_int, positive, positive_int
from dsv3.units import BYTES_PER_ELEMENT, bytes_per_element

#: What a memory plan does not count; ``dsv3 plan`` prints it under every plan.
LEFT_OUT = (
    "activations and their workspace, the CUDA context and the framework's own memory, communication "
    "buffers, the allocator's fragmentation and block rounding, and any weight held twice (the weights "
    "are assumed split across the GPUs without copies)"
)

#: How ``plan`` counts the weights: as the checkpoint stores them, or every parameter at one dtype.
WEIGHT_MODES = ("stored", *BYTES_PER_ELEMENT)


def kv_cache_bytes(bytes_per_token: float, context_len: int, n_sequences: int = 1) -> float:
    """Bytes of cache for ``n_sequences`` sequences of ``context_len`` tokens each."""
    return (
        positive("bytes_per_token", bytes_per_token)
        * non_negative_int("context_len", context_len)
        * positive_int("n_sequences", n_sequences)
    )


def cache_bytes_read_per_generated_token(bytes_per_token: float, context_len: int) -> float:
    """Bytes read from the cache to generate one token after ``context_len`` tokens of context.

    Each decoding step attends to every cached token of its sequence, so it reads the whole cache
    of that sequence once: bytes per token x context length (weights and activations not counted).
    """
    return kv_cache_bytes(bytes_per_token, context_len)


def memory_left_for_cache(memory_bytes: float, weight_bytes: float) -> float:
    """Bytes left for the KV cache after the weights; negative when the weights alone do not fit."""
    return positive("memory_bytes", memory_bytes) - non_negative("weight_bytes", weight_bytes)


def max_concurrent_sequences(memory_bytes: float, weight_bytes: float, bytes_per_token: float, context_len: int) -> int:
    """Sequences of ``context_len`` tokens whose caches fit in ``memory_bytes`` beside the weights.

    ``floor((memory - weights) / (bytes per token x context))``, and 0 when the weights do not fit.
    Activations, the allocator's fragmentation, CUDA context and communication buffers are not
    counted, so this is an upper bound.
    """
    free = memory_left_for_cache(memory_bytes, weight_bytes)
    per_sequence = kv_cache_bytes(bytes_per_token, positive_int("context_len", context_len))
    return max(0, math.floor(free / per_sequence))


def weight_bytes(arch: Architecture, dtype: str) -> float:
    """Bytes of ``arch``'s weights stored at ``dtype``: total parameters (:func:`dsv3.arch.params.count_params`,
    embedding and output head included, no MTP module) x :func:`bytes_per_element`.

    671.0e9 bytes for DeepSeek-V3 in FP8 (1 byte per parameter), as released.
    """
    return count_params(arch).total_params * bytes_per_element(dtype)


class ContextTooLong(ValueError):
    """A context longer than the model's ``max_position_embeddings``; names both."""


@dataclass(frozen=True)
class NodeFit:
    """A memory plan: the weights on ``n_gpus`` GPUs, the memory left beside them, and the sequences it holds."""

    n_gpus: int
    memory_bytes: float  #: n_gpus x memory per GPU
    weight_bytes: float  #: the weights as ``weights`` counts them (as stored, or parameters x a dtype)
    free_bytes: float  #: memory - reserve - weights; negative when the weights alone do not fit
    sequence_bytes: float  #: KV cache of one sequence of ``context_len`` tokens (windows applied)
    sequences: int  #: floor(free / sequence), 0 when the weights do not fit
    context_len: int = 0
    reserve_bytes: float = 0.0  #: ``reserve`` x memory, held back from weights and cache
    batch: int = 1  #: sequences asked for
    weights: str = "stored"  #: how the weights were counted (:data:`WEIGHT_MODES`)

    @property
    def weights_fit(self) -> bool:
        return self.free_bytes >= 0

    @property
    def batch_bytes(self) -> float:
        return self.batch * self.sequence_bytes

    @property
    def batch_fits(self) -> bool:
        return self.weights_fit and self.batch <= self.sequences


MemoryPlan = NodeFit


def check_context(arch: Architecture, context_len: int) -> int:
    """``context_len`` if the config allows it, else :class:`ContextTooLong` naming ``max_position_embeddings``.

    ``dsv3 plan`` checks it; :func:`plan` itself does not, so that a chapter can price a context a
    model reaches only with a RoPE extension its config does not declare.
    """
    n_ctx = positive_int("context_len", context_len)
    limit = arch.max_position_embeddings
    if limit is not None and n_ctx > limit:
        raise ContextTooLong(f"context ({n_ctx:,}) is longer than {arch.name}'s max_position_embeddings ({limit:,})")
    return n_ctx


def plan(
    arch: Architecture,
    *,
    n_gpus: int,
    gpu_memory_bytes: float,
    context_len: int,
    cache_dtype: str = "bf16",
    weights: str = "stored",
    batch: int = 1,
    reserve: float = 0.0,
) -> NodeFit:
    """Do ``arch``'s weights fit on ``n_gpus`` GPUs, and how many sequences of ``context_len`` fit beside them?

    memory = n_gpus x gpu_memory_bytes; reserve = ``reserve`` x memory; weights = the checkpoint as
    stored (``weights="stored"``, :func:`dsv3.arch.storage.weight_bytes_as_stored`, main model
    without the MTP module) or every parameter at one dtype (``weights="fp8"``, ``"bf16"``, ...);
    one sequence's cache = :func:`dsv3.arch.kv_context.context_cache` at ``cache_dtype`` (windowed
    layers capped at their window, DeepSeek-V3.2's indexer keys added); sequences =
    floor((memory - reserve - weights) / cache per sequence), 0 when the weights do not fit. An upper
    bound: :data:`LEFT_OUT` is not counted.
    """
    n = positive_int("n_gpus", n_gpus)
    n_ctx = positive_int("context_len", context_len)
    positive_int("batch", batch)
    memory = n * positive("gpu_memory_bytes", gpu_memory_bytes)
    held = fraction("reserve", reserve) * memory
    if weights == "stored":
        weight = weight_bytes_as_stored(arch).total_bytes
    elif weights in BYTES_PER_ELEMENT:
        weight = weight_bytes(arch, weights)
    else:
        raise ValueError(f"weights must be one of {list(WEIGHT_MODES)}, got {weights!r}")
    per_sequence = context_cache(arch, n_ctx, cache_dtype).total_bytes
    free = memory - held - weight
    return NodeFit(
        n_gpus=n,
        memory_bytes=memory,
        weight_bytes=weight,
        free_bytes=free,
        sequence_bytes=per_sequence,
        sequences=max(0, math.floor(free / per_sequence)),
        context_len=n_ctx,
        reserve_bytes=held,
        batch=batch,
        weights=weights,
    )


def node_fit(
    arch: Architecture,
    weight_dtype: str,
    cache_dtype: str,
    n_nodes: int,
    gpus_per_node: int,
    gpu_memory_bytes: float,
    context_len: int,
) -> NodeFit:
    """Sequences of ``context_len`` tokens whose caches fit beside ``arch``'s weights on ``n_nodes`` nodes.

    The serving chapter's node-fit table: :func:`plan` with the weights as stored
    (``weight_dtype="stored"``) or every parameter at ``weight_dtype`` (:func:`weight_bytes`), no
    reserve, on n_nodes x gpus_per_node GPUs. An upper bound, as
    :func:`max_concurrent_sequences` says: activations, buffers and fragmentation are not counted,
    the weights are assumed split without copies and each sequence's cache on one GPU.
    """
    n_gpus = positive_int("n_nodes", n_nodes) * positive_int("gpus_per_node", gpus_per_node)
    if weight_dtype != "stored":
        bytes_per_element(weight_dtype)  # a named error for an unknown dtype
    return plan(
        arch,
        n_gpus=n_gpus,
        gpu_memory_bytes=gpu_memory_bytes,
        context_len=context_len,
        cache_dtype=cache_dtype,
        weights=weight_dtype,
    )
