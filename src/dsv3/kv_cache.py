"""KV cache per token: how many numbers attention keeps for each token of context.

DeepSeek-V2 report Table 1 (Section 2.1.4), per token over ``l`` layers:

- MHA: 2 n_h d_h l;  GQA: 2 n_g d_h l;  MQA: 2 d_h l
- MLA: (d_c + d_h^R) l -- the compressed latent c^KV and the decoupled RoPE key k^R, shared by
  all heads ("During inference, the decoupled key should also be cached", Section 2.1.3).

Counts are elements, "regardless of the storage precision" (Table 1 caption). Bytes follow from a
stated storage type (:data:`BYTES_PER_ELEMENT`); KB in the DeepSeek papers is 10^3 bytes.

The module also quantifies the usual miscounts of MLA's cache, and the serving arithmetic that
follows from the cache size: memory per sequence, sequences that fit beside the weights, and
bytes read from the cache per generated token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral

from dsv3.checks import non_negative, positive
from dsv3.config import GQA, MLA, Architecture
from dsv3.params import count_params

#: Bytes per stored element. "6bit" is DeepSeek-V2's KV quantization, "6 bits on average"
#: per element (V2 report Section 3.2.3).
BYTES_PER_ELEMENT: dict[str, float] = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "6bit": 0.75}

#: Bytes in a KB as the DeepSeek papers use it (ISCA '25 Table 1: 70.272 KB = 70,272 bytes).
KB = 1_000
#: Bytes in a GB (10^9), the book's unit for parameters x bytes and cache sizes.
GB = 1_000_000_000
#: Bytes in a GiB (2^30), the book's unit for memory capacity (an "80GB" H800 has 80 GiB of HBM3).
GiB = 2**30


def _count(name: str, value: int) -> int:
    """``value`` if it is an integer >= 1, else ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _length(name: str, value: int) -> int:
    """``value`` if it is an integer >= 0 (a number of tokens), else ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer number of tokens, got {value!r}")
    return int(value)


def bytes_per_element(dtype: str) -> float:
    """Bytes per stored element of ``dtype`` (a key of :data:`BYTES_PER_ELEMENT`)."""
    if dtype not in BYTES_PER_ELEMENT:
        raise ValueError(f"dtype must be one of {list(BYTES_PER_ELEMENT)}, got {dtype!r}")
    return BYTES_PER_ELEMENT[dtype]


# --- DeepSeek-V2 Table 1 -----------------------------------------------------------------------


def mha_elements(n_heads: int, head_dim: int, n_layers: int) -> int:
    """MHA, DeepSeek-V2 Table 1: 2 n_h d_h l (a key and a value of d_h per head per layer)."""
    return 2 * _count("n_heads", n_heads) * _count("head_dim", head_dim) * _count("n_layers", n_layers)


def gqa_elements(n_groups: int, head_dim: int, n_layers: int) -> int:
    """GQA, DeepSeek-V2 Table 1: 2 n_g d_h l (one key and value per group of query heads)."""
    return 2 * _count("n_groups", n_groups) * _count("head_dim", head_dim) * _count("n_layers", n_layers)


def mqa_elements(head_dim: int, n_layers: int) -> int:
    """MQA, DeepSeek-V2 Table 1: 2 d_h l (one key and value shared by all heads)."""
    return 2 * _count("head_dim", head_dim) * _count("n_layers", n_layers)


def mla_elements(d_c: int, d_h_rope: int, n_layers: int) -> int:
    """MLA, DeepSeek-V2 Table 1: (d_c + d_h^R) l (the latent c^KV, Eq. 9, and the RoPE key k^R, Eq. 15)."""
    return (_count("d_c", d_c) + _count("d_h_rope", d_h_rope)) * _count("n_layers", n_layers)


def attention_kind(attention: GQA | MLA) -> str:
    """The row of DeepSeek-V2 Table 1 an attention block belongs to: MHA, GQA, MQA or MLA."""
    if isinstance(attention, MLA):
        return "MLA"
    if attention.n_kv_heads == attention.n_heads:
        return "MHA"
    return "MQA" if attention.n_kv_heads == 1 else "GQA"


def kv_cache_formula(arch: Architecture) -> str:
    """The Table 1 formula of ``arch`` with its config's numbers, e.g. ``'(512 + 64) x 61'``."""
    a, l = arch.attention, arch.n_layers
    if isinstance(a, MLA):
        return f"({a.kv_lora_rank} + {a.qk_rope_head_dim}) x {l}"
    if a.n_kv_heads == 1:
        return f"2 x {a.head_dim} x {l}"
    return f"2 x {a.n_kv_heads} x {a.head_dim} x {l}"


def kv_cache_elements_per_layer(attention: GQA | MLA) -> int:
    """Elements cached per token in one layer: d_c + d_h^R for MLA, 2 n_g d_h for GQA/MHA/MQA."""
    if isinstance(attention, MLA):
        return attention.kv_lora_rank + attention.qk_rope_head_dim
    return 2 * attention.n_kv_heads * attention.head_dim


def kv_cache_elements_per_token(arch: Architecture) -> int:
    """Elements cached per token over all layers (DeepSeek-V2 Table 1); 35,136 for DeepSeek-V3."""
    return kv_cache_elements_per_layer(arch.attention) * arch.n_layers


def mla_gqa_equivalent_groups(attention: MLA) -> float:
    """GQA groups whose cache equals MLA's: (d_c + d_h^R) / (2 d_h).

    DeepSeek-V2 Table 1 caption: with d_c = 4 d_h and d_h^R = d_h / 2, "its KV cache is equal to
    GQA with only 2.25 groups" (the table's 9/2 d_h l, halved for a key and a value).
    """
    return kv_cache_elements_per_layer(attention) / (2 * attention.qk_nope_head_dim)


def kv_cache_bytes_per_token(arch: Architecture, dtype: str = "bf16") -> float:
    """Bytes cached per token over all layers at ``dtype``; 70,272 for DeepSeek-V3 at BF16 (ISCA '25 Table 1)."""
    return kv_cache_elements_per_token(arch) * bytes_per_element(dtype)


# --- the usual miscounts of MLA's cache ----------------------------------------------------------


def _mla(arch: Architecture) -> MLA:
    if not isinstance(arch.attention, MLA):
        raise ValueError(f"arch must use MLA attention, got {type(arch.attention).__name__} ({arch.name})")
    return arch.attention


def head_dim_from_hidden(arch: Architecture) -> float:
    """The head size a calculator infers from ``hidden_size / num_attention_heads``: d / n_h.

    56 for DeepSeek-V3 (7168 / 128), whose real per-head dimension d_h is 128 (V3 report Section 4.2).
    """
    return arch.hidden_size / arch.attention.n_heads


def miscount_hidden_over_heads_per_layer(arch: Architecture) -> int:
    """Elements per token per layer if MLA is read as MHA caching K and V with head size d / n_h.

    2 n_h (d / n_h) = 2 d: a key and a value as wide as the hidden state, the MHA row of
    DeepSeek-V2 Table 1 for any layer whose keys and values are ``d_model`` wide.
    """
    _mla(arch)
    return 2 * arch.hidden_size


def miscount_hidden_over_heads(arch: Architecture) -> int:
    """Elements per token if MLA is read as MHA with head size hidden_size / n_h caching K and V.

    2 n_h (d / n_h) l = 2 d l: what a calculator that knows only ``hidden_size``,
    ``num_attention_heads`` and ``num_key_value_heads`` computes (7168 / 128 = 56 for DeepSeek-V3).
    """
    return miscount_hidden_over_heads_per_layer(arch) * arch.n_layers


def miscount_upprojected_kv(arch: Architecture) -> int:
    """Elements per token if the up-projected per-head keys and values are cached.

    Keys k_{t,i} = [k^C_{t,i}; k^R_t] of d_h + d_h^R and values v^C_{t,i} of d_h per head (Eqs. 10,
    11, 17): n_h (d_h + d_h^R + d_h^V) l, what MLA run without absorption would keep.
    """
    a = _mla(arch)
    return a.n_heads * (a.qk_nope_head_dim + a.qk_rope_head_dim + a.v_head_dim) * arch.n_layers


def miscount_no_rope_key(arch: Architecture) -> int:
    """Elements per token if the decoupled RoPE key k^R (Eq. 15) is forgotten: d_c l."""
    return _mla(arch).kv_lora_rank * arch.n_layers


def miscount_doubled_latent(arch: Architecture) -> int:
    """Elements per token if the latent is counted once for K and once for V: 2 d_c l.

    The factor 2 of the MHA/GQA rows of Table 1 applied to d_c (and, as usual, no k^R): MLA's
    keys and values are both up-projected from the same cached c^KV (Eqs. 10 and 11).
    """
    return 2 * _mla(arch).kv_lora_rank * arch.n_layers


#: The miscounts by name, in the order the book discusses them.
MISCOUNTS = {
    "MHA with head size d / n_h": miscount_hidden_over_heads,
    "up-projected per-head K and V": miscount_upprojected_kv,
    "latent without the RoPE key": miscount_no_rope_key,
    "latent counted for K and for V": miscount_doubled_latent,
}


# --- serving arithmetic --------------------------------------------------------------------------


def kv_cache_bytes(bytes_per_token: float, context_len: int, n_sequences: int = 1) -> float:
    """Bytes of cache for ``n_sequences`` sequences of ``context_len`` tokens each."""
    return positive("bytes_per_token", bytes_per_token) * _length("context_len", context_len) * _count(
        "n_sequences", n_sequences
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


def max_concurrent_sequences(memory_bytes: float, weight_bytes: float, bytes_per_token: float,
                             context_len: int) -> int:
    """Sequences of ``context_len`` tokens whose caches fit in ``memory_bytes`` beside the weights.

    ``floor((memory - weights) / (bytes per token x context))``, and 0 when the weights do not fit.
    Activations, the allocator's fragmentation, CUDA context and communication buffers are not
    counted, so this is an upper bound.
    """
    free = memory_left_for_cache(memory_bytes, weight_bytes)
    per_sequence = kv_cache_bytes(bytes_per_token, _count("context_len", context_len))
    return max(0, math.floor(free / per_sequence))


def weight_bytes(arch: Architecture, dtype: str) -> float:
    """Bytes of ``arch``'s weights stored at ``dtype``: total parameters (:func:`dsv3.params.count_params`,
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


def node_fit(arch: Architecture, weight_dtype: str, cache_dtype: str, n_nodes: int, gpus_per_node: int,
             gpu_memory_bytes: float, context_len: int) -> NodeFit:
    """Sequences of ``context_len`` tokens whose caches fit beside ``arch``'s weights on ``n_nodes`` nodes.

    memory = n_nodes x gpus_per_node x gpu_memory_bytes; weights = :func:`weight_bytes`; cache per
    sequence = :func:`kv_cache_bytes_per_token` at ``cache_dtype`` x ``context_len``. An upper
    bound, as :func:`max_concurrent_sequences` says: activations, buffers and fragmentation are not
    counted, the weights are assumed split without copies and each sequence's cache on one GPU.
    """
    n_gpus = _count("n_nodes", n_nodes) * _count("gpus_per_node", gpus_per_node)
    memory = n_gpus * positive("gpu_memory_bytes", gpu_memory_bytes)
    weights = weight_bytes(arch, weight_dtype)
    per_token = kv_cache_bytes_per_token(arch, cache_dtype)
    return NodeFit(
        n_gpus=n_gpus,
        memory_bytes=memory,
        weight_bytes=weights,
        free_bytes=memory_left_for_cache(memory, weights),
        sequence_bytes=kv_cache_bytes(per_token, _count("context_len", context_len)),
        sequences=max_concurrent_sequences(memory, weights, per_token, context_len),
    )
