"""A decoder-only transformer as its published config describes it: typed, validated records.

Every record checks itself when it is built (``__post_init__``), so a hand-built ``GQA(32, 5, 128)``
or ``MoE(n_routed=256, top_k=300, ...)`` fails at once with a :class:`~dsv3.checks.ConfigError`
naming the field, exactly as a bad ``config.json`` does in :mod:`dsv3.inputs.hf_config`.

Notation of the DeepSeek-V2 report (arXiv:2405.04434) Section 2.1 for MLA, and of the V3 report
(arXiv:2412.19437) Section 2.1.2 for DeepSeekMoE. Used by every chapter through the parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from dsv3.checks import ConfigError, non_negative_int, positive_int

Family = Literal[
    "deepseek_v2",
    "deepseek_v3",
    "deepseek_v32",
    "llama",
    "mistral",
    "qwen2",
    "qwen3",
    "mixtral",
    "qwen2_moe",
    "qwen3_moe",
    "gpt_oss",
    "gemma2",
    "gemma3_text",
    "phi3",
    "llama4_text",
    "glm4_moe",
]

#: Dtypes a checkpoint's unquantized tensors may be published in (``torch_dtype``).
TORCH_DTYPES = ("bfloat16", "float16", "float32")


def _pos(name: str, value: int) -> int:
    return positive_int(name, value, ConfigError)


@dataclass(frozen=True)
class GQA:
    """Grouped-query attention (MHA when ``n_kv_heads == n_heads``, MQA when it is 1)."""

    n_heads: int
    n_kv_heads: int
    head_dim: int
    qkv_bias: bool = False
    o_bias: bool = False
    qk_norm: bool = False  # Qwen3, Gemma 3: RMSNorm of head_dim on each query and key head
    sinks: bool = False  # gpt-oss: one learned attention-sink logit per query head (``sinks``)
    fused_qkv: bool = False  # Phi-3: q, k and v stored as one ``qkv_proj`` (the same parameters)

    def __post_init__(self) -> None:
        _pos("n_heads", self.n_heads)
        _pos("n_kv_heads", self.n_kv_heads)
        _pos("head_dim", self.head_dim)
        if self.n_heads % self.n_kv_heads:  # also refuses n_kv_heads > n_heads (the remainder is n_heads)
            raise ConfigError(f"n_kv_heads ({self.n_kv_heads}) must divide n_heads ({self.n_heads})")


@dataclass(frozen=True)
class MLA:
    """Multi-head latent attention, DeepSeek-V2 report Section 2.1 (notation of its Eqs. 9-19).

    ``q_lora_rank`` is d'_c (``None``: queries are not compressed, as in DeepSeek-V2-Lite),
    ``kv_lora_rank`` is d_c, ``qk_rope_head_dim`` is d_h^R, ``qk_nope_head_dim`` and ``v_head_dim``
    are d_h for the keys/queries and the values.
    """

    n_heads: int
    q_lora_rank: int | None
    kv_lora_rank: int
    qk_nope_head_dim: int
    qk_rope_head_dim: int
    v_head_dim: int
    bias: bool = False  # ``attention_bias``: on q_a_proj (or q_proj), kv_a_proj_with_mqa and o_proj

    def __post_init__(self) -> None:
        for name in ("n_heads", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"):
            _pos(name, getattr(self, name))
        if self.q_lora_rank is not None:
            _pos("q_lora_rank", self.q_lora_rank)

    @property
    def qk_head_dim(self) -> int:
        """d_h + d_h^R: the width of a query-key product per head (Eqs. 16-17)."""
        return self.qk_nope_head_dim + self.qk_rope_head_dim


@dataclass(frozen=True)
class DenseMLP:
    """A SwiGLU feed-forward block: gate, up (d x i) and down (i x d) projections."""

    intermediate_size: int
    bias: bool = False
    fused_gate_up: bool = False  # Phi-3: gate and up stored as one ``gate_up_proj`` (the same parameters)

    def __post_init__(self) -> None:
        _pos("intermediate_size", self.intermediate_size)


@dataclass(frozen=True)
class MoE:
    """A mixture-of-experts feed-forward block (V3 report Section 2.1.2).

    ``n_routed`` experts of width ``expert_intermediate_size``, ``top_k`` of them active per
    token; ``n_shared`` always-active experts of total width ``shared_intermediate_size`` (DeepSeek
    fuses its shared experts into one MLP of width n_shared x expert width); ``shared_gate`` is
    Qwen2-MoE's sigmoid gate on the shared expert; ``router_bias`` is DeepSeek-V3's per-expert
    ``e_score_correction_bias`` of auxiliary-loss-free balancing (V3 report Eq. 16);
    ``n_group``/``topk_group`` are its group-limited routing (M groups, top groups kept);
    ``router_bias`` also covers gpt-oss's router bias (one per expert, ``modeling_gpt_oss.py``),
    whose experts also carry biases (``expert_bias``) and store gate and up as one ``gate_up_proj``.
    """

    n_routed: int
    top_k: int
    expert_intermediate_size: int
    n_shared: int = 0
    shared_intermediate_size: int = 0
    shared_gate: bool = False
    router_bias: bool = False
    n_group: int = 1
    topk_group: int = 1
    expert_bias: bool = False  # gpt-oss: a bias on every expert's gate_up and down projections

    def __post_init__(self) -> None:
        _pos("n_routed", self.n_routed)
        _pos("top_k", self.top_k)
        _pos("expert_intermediate_size", self.expert_intermediate_size)
        non_negative_int("n_shared", self.n_shared, ConfigError)
        non_negative_int("shared_intermediate_size", self.shared_intermediate_size, ConfigError)
        _pos("n_group", self.n_group)
        _pos("topk_group", self.topk_group)
        if self.top_k > self.n_routed:
            raise ConfigError(f"top_k ({self.top_k}) is larger than n_routed ({self.n_routed})")
        if bool(self.n_shared) != bool(self.shared_intermediate_size):
            raise ConfigError(
                f"n_shared ({self.n_shared}) and shared_intermediate_size ({self.shared_intermediate_size}) "
                "must be both zero or both positive"
            )
        if self.n_routed % self.n_group:
            raise ConfigError(f"n_routed ({self.n_routed}) is not divisible by n_group ({self.n_group})")
        if self.topk_group > self.n_group:
            raise ConfigError(f"topk_group ({self.topk_group}) is larger than n_group ({self.n_group})")
        if self.top_k > self.topk_group * (self.n_routed // self.n_group):
            raise ConfigError(
                f"top_k ({self.top_k}) exceeds the experts of the topk_group ({self.topk_group}) groups kept"
            )


@dataclass(frozen=True)
class Indexer:
    """DeepSeek-V3.2's lightning indexer (DeepSeek Sparse Attention), one per layer.

    ``inference/model.py`` of deepseek-ai/DeepSeek-V3.2-Exp (commit 3b99a53), class ``Indexer``:
    ``wq_b`` (q_lora_rank -> n_heads x head_dim), ``wk`` (d -> head_dim), ``k_norm`` (a LayerNorm
    of head_dim with weight and bias) and ``weights_proj`` (d -> n_heads); it caches one FP8 key of
    ``head_dim`` per token per layer with one FP32 scale per 128 elements, beside the MLA cache, and
    keeps the ``topk`` highest-scoring tokens for attention.
    """

    n_heads: int
    head_dim: int
    topk: int

    def __post_init__(self) -> None:
        _pos("index_n_heads", self.n_heads)
        _pos("index_head_dim", self.head_dim)
        _pos("index_topk", self.topk)


@dataclass(frozen=True)
class Architecture:
    """A decoder-only transformer as a published config describes it.

    ``rope_scaling`` is the config's dict as published (YaRN for DeepSeek V2/V3) or ``None``.
    """

    name: str
    family: Family
    vocab_size: int
    hidden_size: int
    attention: GQA | MLA
    ffn: tuple[DenseMLP | MoE, ...]  # one entry per layer
    tie_word_embeddings: bool = False
    n_mtp_layers: int = 0  # multi-token prediction modules of DeepSeek-V3 and GLM-4.5 (num_nextn_predict_layers)
    fp8_block: tuple[int, int] | None = None  # weight_block_size of an FP8 checkpoint
    max_position_embeddings: int | None = None
    rope_theta: float = 10_000.0
    rope_scaling: dict[str, Any] | None = field(default=None, compare=False)
    #: Tokens each layer attends to when it is windowed (a sliding window, or Llama 4's attention
    #: chunk), one entry per layer, ``None`` for a full-attention layer; ``()`` if no layer is windowed.
    kv_windows: tuple[int | None, ...] = ()
    norms_per_layer: int = 2  # Gemma 2/3: four RMSNorms per layer (before and after attention and MLP)
    indexer: Indexer | None = None  # DeepSeek-V3.2's lightning indexer
    torch_dtype: str = "bfloat16"  # dtype of the tensors the quantization leaves alone
    quant_method: str | None = None  # ``quantization_config.quant_method`` (``fp8``, ``mxfp4``, ...)
    model_type: str = ""  # the config's own label (``kimi_k2`` for a DeepSeek-V3 architecture)
    source: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        _pos("vocab_size", self.vocab_size)
        _pos("hidden_size", self.hidden_size)
        non_negative_int("n_mtp_layers", self.n_mtp_layers, ConfigError)
        if not self.ffn:
            raise ConfigError("an architecture needs at least one layer (ffn is empty)")
        if self.fp8_block is not None and (len(self.fp8_block) != 2 or min(self.fp8_block) < 1):
            raise ConfigError(f"fp8_block must be two positive integers, got {self.fp8_block!r}")
        if self.max_position_embeddings is not None:
            _pos("max_position_embeddings", self.max_position_embeddings)
        if not self.rope_theta > 0:
            raise ConfigError(f"rope_theta must be positive, got {self.rope_theta!r}")
        if self.kv_windows:
            if len(self.kv_windows) != len(self.ffn):
                raise ConfigError(
                    f"kv_windows must have one entry per layer ({len(self.ffn)}), got {len(self.kv_windows)}"
                )
            for w in self.kv_windows:
                if w is not None:
                    _pos("kv_windows", w)
        if self.norms_per_layer not in (2, 4):
            raise ConfigError(f"norms_per_layer must be 2 or 4, got {self.norms_per_layer!r}")
        if self.torch_dtype not in TORCH_DTYPES:
            raise ConfigError(f"torch_dtype must be one of {list(TORCH_DTYPES)}, got {self.torch_dtype!r}")
        if self.indexer is not None and not (isinstance(self.attention, MLA) and self.attention.q_lora_rank):
            raise ConfigError("an indexer needs MLA with a compressed query (q_lora_rank)")

    @property
    def n_layers(self) -> int:
        return len(self.ffn)

    @property
    def is_moe(self) -> bool:
        return any(isinstance(f, MoE) for f in self.ffn)

    @property
    def n_moe_layers(self) -> int:
        return sum(isinstance(f, MoE) for f in self.ffn)

    @property
    def n_windowed_layers(self) -> int:
        """Layers whose cache is capped at a window or chunk (0 when every layer is full attention)."""
        return sum(w is not None for w in self.kv_windows)

    @property
    def moe(self) -> MoE | None:
        """The MoE block of the model (every MoE layer has the same), or ``None`` for a dense model."""
        return next((f for f in self.ffn if isinstance(f, MoE)), None)
