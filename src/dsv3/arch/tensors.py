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

The families added for the chapter "Your model" follow the Hugging Face modeling files
(huggingface/transformers ``src/transformers/models/<family>/modeling_<family>.py``): gpt-oss's
attention ``sinks`` (one per head), biased q/k/v/o, a biased ``router`` and experts whose fused
``gate_up_proj`` and ``down_proj`` carry biases; Gemma's four norms per layer; Phi-3's fused
``qkv_proj`` and ``gate_up_proj``; Llama 4's ``feed_forward`` with a ``shared_expert``; and
DeepSeek-V3.2's ``indexer`` (``inference/model.py`` of deepseek-ai/DeepSeek-V3.2-Exp, class
``Indexer``: ``wq_b`` and ``wk`` quantized like every linear layer, ``weights_proj`` in BF16, and
``k_norm`` a LayerNorm whose weight and bias the reference code keeps in F32).

Dtypes as stored: an unquantized checkpoint stores every tensor at its ``torch_dtype``; gpt-oss's
MXFP4 checkpoint (``quant_method: mxfp4``) stores the routed experts' weights as 4-bit E2M1 values
in blocks of 32 sharing one 8-bit E8M0 scale (``*_blocks`` and ``*_scales``, both U8 in the
safetensors), everything else (``modules_to_not_convert``, the expert biases) in BF16. An FP8
checkpoint (``quantization_config.weight_block_size``, README_WEIGHTS.md) stores the linear
weights of attention, MLPs and experts as F8_E4M3 with one F32 scale per 128 x 128 block
(``weight_scale_inv``, ceil(out/128) x ceil(in/128)); embedding, head, router, norms and the MTP
projection stay BF16 (V3 report Section 3.3.1), the routing bias is F32.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Literal

from dsv3.arch.spec import GQA, MLA, Architecture, DenseMLP, MoE
from dsv3.checks import ConfigError

Dtype = Literal["BF16", "F16", "F32", "F8_E4M3", "MXFP4", "E8M0"]

#: Bytes per element of each stored dtype (MXFP4: a 4-bit E2M1 value, two to a byte; E8M0: its
#: block's 8-bit power-of-two scale).
DTYPE_BYTES: dict[str, float] = {"BF16": 2.0, "F16": 2.0, "F32": 4.0, "F8_E4M3": 1.0, "MXFP4": 0.5, "E8M0": 1.0}

#: The config's ``torch_dtype`` as a safetensors dtype.
TORCH_TO_STORED: dict[str, Dtype] = {"bfloat16": "BF16", "float16": "F16", "float32": "F32"}

#: Elements sharing one scale in an MXFP4 block (OCP Microscaling Formats v1.0: blocks of 32).
MXFP4_BLOCK = 32


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
    INDEXER = "indexer"
    FP8_SCALES = "FP8 block scales"
    MXFP4_SCALES = "MXFP4 block scales"


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
    def is_scale(self) -> bool:
        """A quantization scale (FP8 or MXFP4 block scales): stored bytes, not a parameter."""
        return self.component in (Component.FP8_SCALES, Component.MXFP4_SCALES)

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
        self.dtype: Dtype = TORCH_TO_STORED.get(arch.torch_dtype, "BF16")
        self.out: list[Tensor] = []

    def add(
        self,
        name: str,
        shape: tuple[int, ...],
        component: Component,
        *,
        part: str = "",
        dtype: Dtype | None = None,
        copies: int = 1,
        active: int | None = None,
        mtp: bool = False,
        shared: bool = False,
    ) -> None:
        self.out.append(
            Tensor(
                name,
                shape,
                dtype or self.dtype,
                component,
                part,
                copies,
                copies if active is None else active,
                mtp,
                shared,
            )
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
        mxfp4: bool = False,
    ) -> None:
        block = self.block if quantize else None
        for part, out, inp, bias in matrices:
            dtype: Dtype | None = "MXFP4" if mxfp4 else ("F8_E4M3" if block is not None else None)
            self.add(
                f"{prefix}.{part}.weight",
                (out, inp),
                component,
                part=part,
                dtype=dtype,
                copies=copies,
                active=active,
                mtp=mtp,
            )
            if bias:
                self.add(
                    f"{prefix}.{part}.bias",
                    (out,),
                    component,
                    part=part,
                    copies=copies,
                    active=active,
                    mtp=mtp,
                    dtype="BF16" if mxfp4 else None,
                )
            if not self.include_scales:
                continue
            # One scale per block: DeepSeek's F32 per 128 x 128 block, gpt-oss's E8M0 per 32 inputs.
            scales: list[tuple[str, tuple[int, int], Component, Dtype]] = []
            if block is not None:
                scales.append(
                    (
                        ".weight_scale_inv",
                        (math.ceil(out / block[0]), math.ceil(inp / block[1])),
                        Component.FP8_SCALES,
                        "F32",
                    )
                )
            if mxfp4:
                scales.append(("_scales", (out, math.ceil(inp / MXFP4_BLOCK)), Component.MXFP4_SCALES, "E8M0"))
            for suffix, scale_shape, scale_component, scale_dtype in scales:
                self.add(
                    f"{prefix}.{part}{suffix}",
                    scale_shape,
                    scale_component,
                    part=part,
                    dtype=scale_dtype,
                    copies=copies,
                    active=0,
                    mtp=mtp,
                )

    def layer(self, i: int, ffn: DenseMLP | MoE, mtp: bool = False) -> None:
        arch, d = self.arch, self.arch.hidden_size
        p = f"model.layers.{i}"
        att = arch.attention
        self.linear(f"{p}.self_attn", _fused_attention(att, d), Component.ATTENTION, mtp=mtp)
        if isinstance(att, GQA) and att.sinks:
            self.add(f"{p}.self_attn.sinks", (att.n_heads,), Component.ATTENTION, part="sinks", mtp=mtp)
        for part, n in attention_norms(att).items():
            self.add(f"{p}.self_attn.{part}.weight", (n,), Component.ATTENTION_NORMS, part=part, mtp=mtp)
        if arch.indexer is not None and isinstance(att, MLA) and att.q_lora_rank is not None:
            ix, q = arch.indexer, f"{p}.self_attn.indexer"
            self.linear(
                q,
                [("wq_b", ix.n_heads * ix.head_dim, att.q_lora_rank, False), ("wk", ix.head_dim, d, False)],
                Component.INDEXER,
                mtp=mtp,
            )
            self.add(f"{q}.k_norm.weight", (ix.head_dim,), Component.INDEXER, part="k_norm", dtype="F32", mtp=mtp)
            self.add(f"{q}.k_norm.bias", (ix.head_dim,), Component.INDEXER, part="k_norm", dtype="F32", mtp=mtp)
            self.linear(q, [("weights_proj", ix.n_heads, d, False)], Component.INDEXER, mtp=mtp, quantize=False)
        for part in LAYER_NORMS[arch.norms_per_layer]:
            self.add(f"{p}.{part}.weight", (d,), Component.LAYER_NORMS, part=part, mtp=mtp)
        llama4 = arch.family == "llama4_text"
        m = f"{p}.feed_forward" if llama4 else f"{p}.mlp"
        if isinstance(ffn, DenseMLP):
            matrices = mlp_matrices(d, ffn.intermediate_size, ffn.bias)
            self.linear(m, _fused_mlp(matrices) if ffn.fused_gate_up else matrices, Component.DENSE_MLP, mtp=mtp)
            return
        experts = mlp_matrices(d, ffn.expert_intermediate_size, ffn.expert_bias)
        fused = arch.family in ("gpt_oss", "llama4_text")  # one gate_up_proj per expert
        self.linear(
            f"{m}.experts.*",
            _fused_mlp(experts) if fused else experts,
            Component.ROUTED_EXPERTS,
            copies=ffn.n_routed,
            active=ffn.top_k,
            mtp=mtp,
            mxfp4=arch.quant_method == "mxfp4",
        )
        if ffn.n_shared:
            name = f"{m}.shared_expert" if llama4 or ffn.shared_gate else f"{m}.shared_experts"
            self.linear(name, mlp_matrices(d, ffn.shared_intermediate_size), Component.SHARED_EXPERTS, mtp=mtp)
        if ffn.shared_gate:
            self.add(f"{m}.shared_expert_gate.weight", (1, d), Component.SHARED_EXPERT_GATE, mtp=mtp)
        router = f"{m}.router" if arch.family in ("gpt_oss", "llama4_text") else f"{m}.gate"
        self.add(f"{router}.weight", (ffn.n_routed, d), Component.ROUTER, mtp=mtp)
        if ffn.router_bias and arch.family == "gpt_oss":
            self.add(f"{router}.bias", (ffn.n_routed,), Component.ROUTER_BIAS, mtp=mtp)
        elif ffn.router_bias:
            self.add(f"{router}.e_score_correction_bias", (ffn.n_routed,), Component.ROUTER_BIAS, dtype="F32", mtp=mtp)


#: The norms of one layer: two (before attention and before the MLP), or Gemma's four.
LAYER_NORMS: dict[int, tuple[str, ...]] = {
    2: ("input_layernorm", "post_attention_layernorm"),
    4: ("input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm"),
}


def _fused_attention(att: GQA | MLA, d: int) -> list[Matrix]:
    """:func:`attention_matrices`, with Phi-3's q, k and v stored as one ``qkv_proj``."""
    matrices = attention_matrices(att, d)
    if not (isinstance(att, GQA) and att.fused_qkv):
        return matrices
    (_, q, _, bias), (_, k, _, _), (_, v, _, _), o = matrices
    return [("qkv_proj", q + k + v, d, bias), o]


def _fused_mlp(matrices: list[Matrix]) -> list[Matrix]:
    """A SwiGLU MLP with gate and up stored as one ``gate_up_proj`` (Phi-3, gpt-oss, Llama 4 experts)."""
    (_, i, d, bias), _, down = matrices
    return [("gate_up_proj", 2 * i, d, bias), down]


def inventory(arch: Architecture, include_mtp: bool = False, include_scales: bool = False) -> list[Tensor]:
    """Every tensor of ``arch``'s checkpoint: the main model, then (``include_mtp``) the MTP modules.

    ``include_scales`` adds the F32 block scales of an FP8 checkpoint (they are not parameters).
    A tied output head stores nothing of its own and has no tensor (see :mod:`dsv3.arch.params`).
    The list is built once per architecture and options (the records are frozen; callers get a copy).
    """
    return list(_inventory(arch, include_mtp, include_scales))


@lru_cache(maxsize=128)
def _inventory(arch: Architecture, include_mtp: bool, include_scales: bool) -> tuple[Tensor, ...]:
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
    return tuple(b.out)


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
