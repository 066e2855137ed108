"""Serving memory: what the KV cache and the weights take, and how many sequences fit beside them.

Used by the MLA chapter (node fit, bytes read per generated token) and ``dsv3``'s memory figures.
Sizes in bytes; GiB = 2^30 for capacity (:mod:`dsv3.units`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dsv3.arch.kv_cache import kv_cache_bytes_per_token
from dsv3.arch.params import count_params
from dsv3.arch.spec import Architecture
from dsv3.checks import non_negative, non_negative_int, positive, positive_int
from dsv3.units import bytes_per_element


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


@dataclass(frozen=True)
class NodeFit:
    """What fits on ``n_gpus`` GPUs: the weights, the memory left beside them, and the sequences it holds."""

    n_gpus: int
    memory_bytes: float  #: n_nodes x GPUs per node x memory per GPU
    weight_bytes: float  #: total parameters x bytes per element of the weight dtype
    free_bytes: float  #: memory - weights; negative when the weights alone do not fit
    sequence_bytes: float  #: KV cache of one sequence of ``context_len`` tokens
    sequences: int  #: floor(free / sequence), 0 when the weights do not fit


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

    memory = n_nodes x gpus_per_node x gpu_memory_bytes; weights = :func:`weight_bytes`; cache per
    sequence = :func:`kv_cache_bytes_per_token` at ``cache_dtype`` x ``context_len``. An upper
    bound, as :func:`max_concurrent_sequences` says: activations, buffers and fragmentation are not
    counted, the weights are assumed split without copies and each sequence's cache on one GPU.
    """
    n_gpus = positive_int("n_nodes", n_nodes) * positive_int("gpus_per_node", gpus_per_node)
    memory = n_gpus * positive("gpu_memory_bytes", gpu_memory_bytes)
    weights = weight_bytes(arch, weight_dtype)
    per_token = kv_cache_bytes_per_token(arch, cache_dtype)
    return NodeFit(
        n_gpus=n_gpus,
        memory_bytes=memory,
        weight_bytes=weights,
        free_bytes=memory_left_for_cache(memory, weights),
        sequence_bytes=kv_cache_bytes(per_token, positive_int("context_len", context_len)),
        sequences=max_concurrent_sequences(memory, weights, per_token, context_len),
    )
