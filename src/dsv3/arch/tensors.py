"""The tensor inventory: every tensor a checkpoint of a model stores, with its shape and dtype.

One list serves every count in the book (MoE chapter, FP8 chapter, ``dsv3 inspect``): the total
and activated parameters under each convention (:mod:`dsv3.arch.params`), the multi-token-
prediction (MTP) module, the FP8 block-scale count, the checkpoint's per-dtype element split and
its stored total all sum this list.

Shapes follow the modules the released checkpoints build, weight by weight (``modeling_deepseek.py``
of the DeepSeek V2/V3 checkpoints, whose shapes match ``inference/model.py`` of the DeepSeek-V3
repository; the Hugging Face modules of the other families):

- MLA (DeepSeek-V2 report Eqs. 9-19): W^DQ (``q_a_proj``, d'_c x d) with its RMSNorm, W^UQ and W^QR
  fused (``q_b_proj``, n_h(d_h + d_h^R) x d'_c) -- or one ``q_proj`` without query compression --,
  W^DKV and W^KR fused (``kv_a_proj_with_mqa``, (d_c + d_h^R) x d) with its RMSNorm, W^UK and W^UV
  fused (``kv_b_proj``, n_h(d_h + d_h^v) x d_c), and W^O (``o_proj``, d x n_h d_h^v);
- GQA: q, k, v, o projections, their biases where the family has them, Qwen3's q/k norms;
- SwiGLU MLPs (gate, up: i x d; down: d x i); MoE routed experts, shared experts, the router
  (``gate``, n_routed x d) and DeepSeek-V3's routing bias (``e_score_correction_bias``, Eq. 16);
- two RMSNorms per layer, a final RMSNorm, the embedding and the output head (``lm_head``);
- DeepSeek-V3's MTP module (V3 report Section 2.2, README_WEIGHTS.md), stored as layer 61: two
  input RMSNorms (``enorm``, ``hnorm``), the projection M (``eh_proj``, d x 2d), one transformer
  layer like the last main layer, its head norm, and its own copies of the embedding and head.

Dtypes as stored: an FP8 checkpoint (``quantization_config.weight_block_size``, README_WEIGHTS.md)
stores the linear weights of attention, MLPs and experts as F8_E4M3 with one F32 scale per
128 x 128 block (``weight_scale_inv``, ceil(out/128) x ceil(in/128)); embedding, head, router,
norms and the MTP projection stay BF16 (V3 report Section 3.3.1), the routing bias is F32.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from dsv3.arch.spec import GQA, MLA, Architecture, DenseMLP, MoE
from dsv3.checks import ConfigError

Dtype = Literal["BF16", "F16", "F32", "F8_E4M3"]

#: Bytes per element of each stored dtype.
DTYPE_BYTES: dict[str, float] = {"BF16": 2.0, "F16": 2.0, "F32": 4.0, "F8_E4M3": 1.0}


class Component(Enum):
    """What a tensor is part of; the value is the label the book's tables print."""

    EMBEDDING = "embedding"
    OUTPUT_HEAD = "output head"
    ATTENTION = "attention"
    ATTENTION_NORMS = "attention norms"
    LAYER_NORMS = "layer norms"
    DENSE_MLP = "dense MLP"
    ROUTED_EXPERTS = "routed experts"
    SHARED_EXPERTS = "shared experts"
    SHARED_EXPERT_GATE = "shared expert gate"
    ROUTER = "router"
    ROUTER_BIAS = "router bias"
    FINAL_NORM = "final norm"
    MTP_INPUT_NORMS = "MTP input norms"
    MTP_PROJECTION = "MTP projection"
    MTP_HEAD_NORM = "MTP head norm"
    FP8_SCALES = "FP8 block scales"


@dataclass(frozen=True)
class Tensor:
    """One stored tensor (or ``copies`` identical ones, e.g. the 256 experts of a layer).

    ``part`` names the projection inside its component (``q_a_proj``, ``gate_proj``, ...);
    ``active_copies`` is how many of the copies a token is multiplied by (top_k of the routed
    experts, every copy otherwise); ``mtp`` marks the MTP module; ``shared`` marks the MTP
    module's stored copies of the embedding and head, which the main model owns.
    """

    name: str
    shape: tuple[int, ...]
    dtype: Dtype
    component: Component
    part: str = ""
    copies: int = 1
    active_copies: int = 1
    mtp: bool = False
    shared: bool = False

    def __post_init__(self) -> None:
        if not self.shape or any(n < 1 for n in self.shape):
            raise ConfigError(f"tensor {self.name}: shape must be positive, got {self.shape}")
        if not 0 <= self.active_copies <= self.copies:
            raise ConfigError(f"tensor {self.name}: active_copies {self.active_copies} not in [0, {self.copies}]")

    @property
    def numel(self) -> int:
        """Elements of one copy."""
        return math.prod(self.shape)

    @property
    def elements(self) -> int:
        """Elements of all copies: what the checkpoint stores."""
        return self.numel * self.copies

    @property
    def active_elements(self) -> int:
        """Elements a token is multiplied by."""
        return self.numel * self.active_copies

    @property
    def bytes(self) -> float:
        """Bytes as stored: elements x bytes of the dtype."""
        return self.elements * DTYPE_BYTES[self.dtype]

    @property
    def label(self) -> str:
        """The row label of the book's component tables, e.g. ``attention q_a_proj`` or ``MTP router``."""
        base = self.component.value
        if self.component is Component.ATTENTION:
            base = f"attention {self.part}"
        if self.shared:
            return f"shared {base}"
        if self.mtp and not base.startswith("MTP"):
            return f"MTP {base}"
        return base


#: A weight matrix as (part, out_features, in_features, has_bias).
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
            else [
                ("q_a_proj", att.q_lora_rank, d, att.bias),
                ("q_b_proj", att.n_heads * att.qk_head_dim, att.q_lora_rank, False),
            ]
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


def mlp_matrices(d: int, intermediate: int, bias: bool = False) -> list[Matrix]:
    """A SwiGLU MLP: gate and up projections (i x d) and the down projection (d x i)."""
    return [
        ("gate_proj", intermediate, d, bias),
        ("up_proj", intermediate, d, bias),
        ("down_proj", d, intermediate, bias),
    ]


def mlp_params(d: int, intermediate: int, bias: bool = False) -> int:
    """Parameters of one SwiGLU MLP: 3 d i, plus biases if any (an expert of the MoE chapter)."""
    return sum(out * inp + (out if b else 0) for _, out, inp, b in mlp_matrices(d, intermediate, bias))


class _Builder:
    """Collects the tensors of a model, quantizing linear weights when the checkpoint is FP8."""

    def __init__(self, arch: Architecture, include_scales: bool) -> None:
        self.arch = arch
        self.block = arch.fp8_block
        self.include_scales = include_scales
        self.out: list[Tensor] = []

    def add(
        self,
        name: str,
        shape: tuple[int, ...],
        component: Component,
        *,
        part: str = "",
        dtype: Dtype = "BF16",
        copies: int = 1,
        active: int | None = None,
        mtp: bool = False,
        shared: bool = False,
    ) -> None:
        self.out.append(
            Tensor(name, shape, dtype, component, part, copies, copies if active is None else active, mtp, shared)
        )

    def linear(
        self,
        prefix: str,
        matrices: Iterable[Matrix],
        component: Component,
        *,
        copies: int = 1,
        active: int | None = None,
        mtp: bool = False,
        quantize: bool = True,
    ) -> None:
        block = self.block if quantize else None
        fp8 = block is not None
        for part, out, inp, bias in matrices:
            self.add(
                f"{prefix}.{part}.weight",
                (out, inp),
                component,
                part=part,
                dtype="F8_E4M3" if fp8 else "BF16",
                copies=copies,
                active=active,
                mtp=mtp,
            )
            if bias:
                self.add(f"{prefix}.{part}.bias", (out,), component, part=part, copies=copies, active=active, mtp=mtp)
            if block is not None and self.include_scales:
                b0, b1 = block
                self.add(
                    f"{prefix}.{part}.weight_scale_inv",
                    (math.ceil(out / b0), math.ceil(inp / b1)),
                    Component.FP8_SCALES,
                    part=part,
                    dtype="F32",
                    copies=copies,
                    active=0,
                    mtp=mtp,
                )

    def layer(self, i: int, ffn: DenseMLP | MoE, mtp: bool = False) -> None:
        arch, d = self.arch, self.arch.hidden_size
        p = f"model.layers.{i}"
        self.linear(f"{p}.self_attn", attention_matrices(arch.attention, d), Component.ATTENTION, mtp=mtp)
        for part, n in attention_norms(arch.attention).items():
            self.add(f"{p}.self_attn.{part}.weight", (n,), Component.ATTENTION_NORMS, part=part, mtp=mtp)
        for part in ("input_layernorm", "post_attention_layernorm"):
            self.add(f"{p}.{part}.weight", (d,), Component.LAYER_NORMS, part=part, mtp=mtp)
        if isinstance(ffn, DenseMLP):
            self.linear(f"{p}.mlp", mlp_matrices(d, ffn.intermediate_size, ffn.bias), Component.DENSE_MLP, mtp=mtp)
            return
        self.linear(
            f"{p}.mlp.experts.*",
            mlp_matrices(d, ffn.expert_intermediate_size),
            Component.ROUTED_EXPERTS,
            copies=ffn.n_routed,
            active=ffn.top_k,
            mtp=mtp,
        )
        if ffn.n_shared:
            self.linear(
                f"{p}.mlp.shared_experts",
                mlp_matrices(d, ffn.shared_intermediate_size),
                Component.SHARED_EXPERTS,
                mtp=mtp,
            )
        if ffn.shared_gate:
            self.add(f"{p}.mlp.shared_expert_gate.weight", (1, d), Component.SHARED_EXPERT_GATE, mtp=mtp)
        self.add(f"{p}.mlp.gate.weight", (ffn.n_routed, d), Component.ROUTER, mtp=mtp)
        if ffn.router_bias:
            self.add(
                f"{p}.mlp.gate.e_score_correction_bias", (ffn.n_routed,), Component.ROUTER_BIAS, dtype="F32", mtp=mtp
            )


def inventory(arch: Architecture, include_mtp: bool = False, include_scales: bool = False) -> list[Tensor]:
    """Every tensor of ``arch``'s checkpoint: the main model, then (``include_mtp``) the MTP modules.

    ``include_scales`` adds the F32 block scales of an FP8 checkpoint (they are not parameters).
    A tied output head stores nothing of its own and has no tensor (see :mod:`dsv3.arch.params`).
    """
    b = _Builder(arch, include_scales)
    d, v = arch.hidden_size, arch.vocab_size
    b.add("model.embed_tokens.weight", (v, d), Component.EMBEDDING)
    for i, ffn in enumerate(arch.ffn):
        b.layer(i, ffn)
    b.add("model.norm.weight", (d,), Component.FINAL_NORM)
    if not arch.tie_word_embeddings:
        b.add("lm_head.weight", (v, d), Component.OUTPUT_HEAD)
    if include_mtp:
        for k in range(arch.n_mtp_layers):
            i = arch.n_layers + k
            p = f"model.layers.{i}"
            b.add(f"{p}.enorm.weight", (d,), Component.MTP_INPUT_NORMS, mtp=True)
            b.add(f"{p}.hnorm.weight", (d,), Component.MTP_INPUT_NORMS, mtp=True)
            b.linear(p, [("eh_proj", d, 2 * d, False)], Component.MTP_PROJECTION, mtp=True, quantize=False)
            b.layer(i, arch.ffn[-1], mtp=True)
            b.add(f"{p}.shared_head.norm.weight", (d,), Component.MTP_HEAD_NORM, mtp=True)
            b.add(f"{p}.embed_tokens.weight", (v, d), Component.EMBEDDING, mtp=True, shared=True)
            b.add(f"{p}.shared_head.head.weight", (v, d), Component.OUTPUT_HEAD, mtp=True, shared=True)
    return b.out


def elements_by_dtype(tensors: Iterable[Tensor]) -> dict[str, int]:
    """Stored elements by dtype (the checkpoint's safetensors ``parameters`` split)."""
    out: dict[str, int] = {}
    for t in tensors:
        out[t.dtype] = out.get(t.dtype, 0) + t.elements
    return out


def stored_elements(arch: Architecture) -> int:
    """Every element the checkpoint stores: main model, MTP modules and FP8 block scales.

    684,531,386,000 for DeepSeek-V3, the safetensors total of the released checkpoint.
    """
    return sum(t.elements for t in inventory(arch, include_mtp=True, include_scales=True))


def stored_bytes(arch: Architecture) -> float:
    """Bytes the checkpoint's tensors take as stored (each dtype at its width, scales included)."""
    return sum(t.bytes for t in inventory(arch, include_mtp=True, include_scales=True))


def fp8_scale_elements(arch: Architecture, include_mtp: bool = True) -> int:
    """Scale factors stored beside an FP8 checkpoint's weights: one per ``b0 x b1`` weight block."""
    if arch.fp8_block is None:
        raise ConfigError(f"{arch.name} is not an FP8 checkpoint (no quantization_config.weight_block_size)")
    return sum(
        t.elements for t in inventory(arch, include_mtp, include_scales=True) if t.component is Component.FP8_SCALES
    )
