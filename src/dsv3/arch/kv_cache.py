"""KV cache per token: how many numbers attention keeps for each token of context.

DeepSeek-V2 report Table 1 (Section 2.1.4), per token over ``l`` layers:

- MHA: 2 n_h d_h l;  GQA: 2 n_g d_h l;  MQA: 2 d_h l
- MLA: (d_c + d_h^R) l -- the compressed latent c^KV and the decoupled RoPE key k^R, shared by
  all heads ("During inference, the decoupled key should also be cached", Section 2.1.3).

Counts are elements, "regardless of the storage precision" (Table 1 caption). Bytes follow from a
stated storage type (:data:`dsv3.units.BYTES_PER_ELEMENT`); KB in the DeepSeek papers is 10^3 bytes.
The module also quantifies the usual miscounts of MLA's cache (MLA chapter). What the cache size
means for serving (memory, sequences that fit, bytes read) is :mod:`dsv3.serving.memory`.
"""

from __future__ import annotations

from dsv3.arch.spec import GQA, MLA, Architecture
from dsv3.checks import positive_int
from dsv3.units import bytes_per_element

# --- DeepSeek-V2 Table 1 -----------------------------------------------------------------------


def mha_elements(n_heads: int, head_dim: int, n_layers: int) -> int:
    """MHA, DeepSeek-V2 Table 1: 2 n_h d_h l (a key and a value of d_h per head per layer)."""
    return (
        2 * positive_int("n_heads", n_heads) * positive_int("head_dim", head_dim) * positive_int("n_layers", n_layers)
    )


def gqa_elements(n_groups: int, head_dim: int, n_layers: int) -> int:
    """GQA, DeepSeek-V2 Table 1: 2 n_g d_h l (one key and value per group of query heads)."""
    return (
        2 * positive_int("n_groups", n_groups) * positive_int("head_dim", head_dim) * positive_int("n_layers", n_layers)
    )


def mqa_elements(head_dim: int, n_layers: int) -> int:
    """MQA, DeepSeek-V2 Table 1: 2 d_h l (one key and value shared by all heads)."""
    return 2 * positive_int("head_dim", head_dim) * positive_int("n_layers", n_layers)


def mla_elements(d_c: int, d_h_rope: int, n_layers: int) -> int:
    """MLA, DeepSeek-V2 Table 1: (d_c + d_h^R) l (the latent c^KV, Eq. 9, and the RoPE key k^R, Eq. 15)."""
    return (positive_int("d_c", d_c) + positive_int("d_h_rope", d_h_rope)) * positive_int("n_layers", n_layers)


def attention_kind(attention: GQA | MLA) -> str:
    """The row of DeepSeek-V2 Table 1 an attention block belongs to: MHA, GQA, MQA or MLA."""
    if isinstance(attention, MLA):
        return "MLA"
    if attention.n_kv_heads == attention.n_heads:
        return "MHA"
    return "MQA" if attention.n_kv_heads == 1 else "GQA"


def kv_cache_formula(arch: Architecture) -> str:
    """The Table 1 formula of ``arch`` with its config's numbers, e.g. ``'(512 + 64) x 61'``."""
    a, n_layers = arch.attention, arch.n_layers
    if isinstance(a, MLA):
        return f"({a.kv_lora_rank} + {a.qk_rope_head_dim}) x {n_layers}"
    if a.n_kv_heads == 1:
        return f"2 x {a.head_dim} x {n_layers}"
    return f"2 x {a.n_kv_heads} x {a.head_dim} x {n_layers}"


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
