"""Parameter accounting: total and activated parameters per token, by component.

The counts follow the modules that the released checkpoints build (``modeling_deepseek.py`` for
DeepSeek V2/V3, whose shapes match ``inference/model.py`` of the DeepSeek-V3 repository, and the
Hugging Face modules of the other families), weight by weight:

- MLA (DeepSeek-V2 report Eqs. 9-19): W^DQ (``q_a_proj``, d x d'_c) with its RMSNorm, W^UQ and
  W^QR fused (``q_b_proj``, d'_c x n_h(d_h + d_h^R)) -- or one ``q_proj`` without query
  compression --, W^DKV and W^KR fused (``kv_a_proj_with_mqa``, d x (d_c + d_h^R)) with its
  RMSNorm, W^UK and W^UV fused (``kv_b_proj``, d_c x n_h(d_h + d_h^v)), and W^O (n_h d_h^v x d).
- GQA: q, k, v, o projections, their biases where the family has them, Qwen3's q/k norms.
- SwiGLU MLPs (3 d i each); MoE routed experts, shared experts, the router (n_routed x d) and
  DeepSeek-V3's routing bias (V3 report Eq. 16).
- Two RMSNorms per layer, a final RMSNorm, the embedding and the output head.

"Activated" counts the weights a token is multiplied by: every non-MoE weight, the shared
experts, the router and top-k routed experts. Three conventions for the ends of the network
(:data:`CONVENTIONS`) are all reported, because published figures differ on them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from dsv3.config import GQA, MLA, Architecture, DenseMLP, MoE

Convention = Literal["with_embedding_and_head", "without_embedding", "without_embedding_and_head"]

#: Activated-parameter conventions: which of the embedding and the output head are counted.
CONVENTIONS: dict[Convention, str] = {
    "with_embedding_and_head": "with the input embedding and the output head",
    "without_embedding": "without the input embedding (a lookup, not a matmul)",
    "without_embedding_and_head": "without the embedding and the output head",
}


#: A weight matrix as (name, out_features, in_features, has_bias).
Matrix = tuple[str, int, int, bool]


def attention_matrices(att: GQA | MLA, d: int) -> list[Matrix]:
    """The projection matrices of one attention block, with their shapes (out x in).

    MLA (V2 report Eqs. 9-19): W^DQ as ``q_a_proj`` and W^UQ with W^QR as ``q_b_proj`` (or one
    ``q_proj`` without query compression), W^DKV with W^KR as ``kv_a_proj_with_mqa``, W^UK with
    W^UV as ``kv_b_proj``, and W^O as ``o_proj``.
    """
    if isinstance(att, MLA):
        q: list[Matrix] = (
            [("q_proj", att.n_heads * att.qk_head_dim, d, False)]
            if att.q_lora_rank is None
            else [("q_a_proj", att.q_lora_rank, d, att.bias),
                  ("q_b_proj", att.n_heads * att.qk_head_dim, att.q_lora_rank, False)]
        )
        return q + [
            ("kv_a_proj_with_mqa", att.kv_lora_rank + att.qk_rope_head_dim, d, att.bias),
            ("kv_b_proj", att.n_heads * (att.qk_nope_head_dim + att.v_head_dim), att.kv_lora_rank, False),
            ("o_proj", d, att.n_heads * att.v_head_dim, att.bias),
        ]
    q_width, kv_width = att.n_heads * att.head_dim, att.n_kv_heads * att.head_dim
    return [
        ("q_proj", q_width, d, att.qkv_bias),
        ("k_proj", kv_width, d, att.qkv_bias),
        ("v_proj", kv_width, d, att.qkv_bias),
        ("o_proj", d, q_width, att.o_bias),
    ]


def attention_norms(att: GQA | MLA) -> dict[str, int]:
    """RMSNorm weights inside attention: MLA's latent norms, Qwen3's per-head q/k norms."""
    if isinstance(att, MLA):
        norms = {"kv_a_layernorm": att.kv_lora_rank}
        if att.q_lora_rank is not None:
            norms["q_a_layernorm"] = att.q_lora_rank
        return norms
    return {"q_norm": att.head_dim, "k_norm": att.head_dim} if att.qk_norm else {}


def attention_weights(att: GQA | MLA, d: int) -> dict[str, int]:
    """Parameters of one attention block, by projection (biases and the norms inside included)."""
    weights = {name: out * inp + (out if bias else 0) for name, out, inp, bias in attention_matrices(att, d)}
    return weights | attention_norms(att)


def mlp_matrices(d: int, intermediate: int, bias: bool = False) -> list[Matrix]:
    """A SwiGLU MLP: gate and up projections (i x d) and the down projection (d x i)."""
    return [("gate_proj", intermediate, d, bias), ("up_proj", intermediate, d, bias), ("down_proj", d, intermediate, bias)]


def mlp_weights(d: int, intermediate: int, bias: bool = False) -> int:
    """Parameters of a SwiGLU MLP: 3 d i, plus biases if any."""
    return sum(out * inp + (out if b else 0) for _, out, inp, b in mlp_matrices(d, intermediate, bias))


@dataclass
class ParamCount:
    """Parameters by component: ``total[c]`` stored, ``active[c]`` multiplied per token."""

    total: dict[str, int] = field(default_factory=dict)
    active: dict[str, int] = field(default_factory=dict)
    #: Output-head weights shared with the embedding (tied): stored and counted once, as the
    #: embedding, but still multiplied by every token.
    tied_head: int = 0

    def add(self, component: str, total: int, active: int | None = None) -> None:
        self.total[component] = self.total.get(component, 0) + total
        self.active[component] = self.active.get(component, 0) + (total if active is None else active)

    @property
    def total_params(self) -> int:
        return sum(self.total.values())

    def activated(self, convention: Convention = "with_embedding_and_head") -> int:
        """Activated parameters per token under ``convention`` (see :data:`CONVENTIONS`)."""
        return self._under(self.active, convention)

    def total_under(self, convention: Convention = "with_embedding_and_head") -> int:
        """Total parameters under ``convention`` (e.g. "non-embedding" totals leave out both ends)."""
        return self._under(self.total, convention)

    def _under(self, parts: dict[str, int], convention: Convention) -> int:
        if convention not in CONVENTIONS:
            raise ValueError(f"convention must be one of {list(CONVENTIONS)}, got {convention!r}")
        n = sum(parts.values())
        if convention in ("without_embedding", "without_embedding_and_head"):
            n -= parts.get("embedding", 0)
        if convention == "without_embedding" and parts is self.active:
            n += self.tied_head  # the tied head is still a matmul when the embedding is left out
        if convention == "without_embedding_and_head":
            n -= parts.get("output head", 0)
        return n


def _block(count: ParamCount, arch: Architecture, ffn: DenseMLP | MoE, prefix: str = "") -> None:
    """Add one transformer layer (attention, its two norms, its FFN) to ``count``."""
    d = arch.hidden_size
    for name, n in attention_weights(arch.attention, d).items():
        group = "attention norms" if name.endswith("norm") else f"attention {name}"
        count.add(prefix + group, n)
    count.add(prefix + "layer norms", 2 * d)
    if isinstance(ffn, DenseMLP):
        count.add(prefix + "dense MLP", mlp_weights(d, ffn.intermediate_size, ffn.bias))
        return
    expert = mlp_weights(d, ffn.expert_intermediate_size)
    count.add(prefix + "routed experts", ffn.n_routed * expert, ffn.top_k * expert)
    if ffn.n_shared:
        count.add(prefix + "shared experts", mlp_weights(d, ffn.shared_intermediate_size))
    if ffn.shared_gate:
        count.add(prefix + "shared expert gate", d)
    count.add(prefix + "router", ffn.n_routed * d)
    if ffn.router_bias:
        count.add(prefix + "router bias", ffn.n_routed)


def count_params(arch: Architecture) -> ParamCount:
    """Total and activated parameters of the main model, by component.

    For DeepSeek-V3 this is the model ``inference/model.py`` builds: 61 layers, without the
    multi-token-prediction module (see :func:`mtp_params`).
    """
    count = ParamCount()
    embed = arch.vocab_size * arch.hidden_size
    count.add("embedding", embed)
    for ffn in arch.ffn:
        _block(count, arch, ffn)
    count.add("final norm", arch.hidden_size)
    if arch.tie_word_embeddings:
        count.tied_head = embed  # stores nothing of its own; see ParamCount.tied_head
    else:
        count.add("output head", embed)
    return count


def mtp_params(arch: Architecture) -> ParamCount:
    """DeepSeek-V3's multi-token-prediction modules (V3 report Section 2.2, README_WEIGHTS.md).

    Each module has two RMSNorms on its inputs (``enorm``, ``hnorm``), the projection
    M_k in R^{d x 2d} (``eh_proj``), one transformer layer like the last main layer, and the
    final norm of its shared head. Its embedding and output head are shared with the main model
    (components ``shared embedding``/``shared output head``): the checkpoint stores copies of
    them, the unique count leaves them out.
    """
    if arch.n_mtp_layers == 0:
        raise ValueError(f"{arch.name} has no multi-token prediction module (num_nextn_predict_layers is 0)")
    d = arch.hidden_size
    count = ParamCount()
    for _ in range(arch.n_mtp_layers):
        count.add("MTP input norms", 2 * d)
        count.add("MTP projection", 2 * d * d)
        _block(count, arch, arch.ffn[-1], prefix="MTP ")
        count.add("MTP head norm", d)
        count.add("shared embedding", arch.vocab_size * d)
        count.add("shared output head", arch.vocab_size * d)
    return count


def mtp_unique(count: ParamCount) -> int:
    """MTP parameters not shared with the main model (README_WEIGHTS.md: "11.5B unique")."""
    return count.total_params - count.total["shared embedding"] - count.total["shared output head"]


def fp8_scale_elements(arch: Architecture, include_mtp: bool = True) -> int:
    """Scale factors stored beside an FP8 checkpoint's weights: one per ``b0 x b1`` weight block.

    The released DeepSeek-V3 weights are FP8 E4M3 with ``weight_block_size: [128, 128]``
    (README_WEIGHTS.md). Every linear layer of attention and of the MLPs and experts is
    quantized, each (out x in) matrix carrying ceil(out/b0) x ceil(in/b1) scales; the embedding,
    output head, router, norms (V3 report Section 3.3.1) and the MTP projection stay in BF16.
    """
    if arch.fp8_block is None:
        raise ValueError(f"{arch.name} is not an FP8 checkpoint (no quantization_config.weight_block_size)")
    b0, b1 = arch.fp8_block
    d = arch.hidden_size

    def scales(matrices: list[Matrix]) -> int:
        return sum(math.ceil(out / b0) * math.ceil(inp / b1) for _, out, inp, _ in matrices)

    attn = scales(attention_matrices(arch.attention, d))

    def layer(ffn: DenseMLP | MoE) -> int:
        if isinstance(ffn, DenseMLP):
            return attn + scales(mlp_matrices(d, ffn.intermediate_size))
        shared = scales(mlp_matrices(d, ffn.shared_intermediate_size)) if ffn.n_shared else 0
        return attn + ffn.n_routed * scales(mlp_matrices(d, ffn.expert_intermediate_size)) + shared

    layers = list(arch.ffn) + ([arch.ffn[-1]] * arch.n_mtp_layers if include_mtp else [])
    return sum(layer(f) for f in layers)


def component_table(count: ParamCount) -> "pd.DataFrame":
    """Total and activated parameters by component, largest first, with their shares."""
    import pandas as pd

    table = pd.DataFrame(
        {
            "component": list(count.total),
            "total": [count.total[c] for c in count.total],
            "activated": [count.active[c] for c in count.total],
        }
    )
    table = table.sort_values("total", ascending=False, kind="stable").reset_index(drop=True)
    table["share of total"] = table["total"] / table["total"].sum()
    table["share of activated"] = table["activated"] / table["activated"].sum()
    return table
