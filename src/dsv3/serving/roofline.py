"""Decode roofline: what one decoding step reads, computes and sends, and how long each takes.

Used by the serving chapter (``chapters/serving.md``) and, through :func:`decode_report`, by
``dsv3 plan --decode``. Units: bytes, FLOPs, seconds; bandwidths in bytes/s, peaks in FLOP/s.

The view is one GPU of a deployment in which attention (and the shared expert, the dense layers and
the head) run data-parallel -- every GPU holds them and serves its own ``batch`` sequences -- and
the routed experts are spread over ``gpus`` GPUs (expert parallelism), ``experts_per_gpu`` of them
per MoE layer. That is DeepSeek's decode deployment (DeepSeek-V3/R1 Inference System Overview,
2025-03-01: "Routed Expert EP144, MLA/Shared Expert DP144", "each GPU manages 2 routed experts and 1
shared expert"). ``gpus = 1`` with every expert on the GPU is one replica on one device.

Per decoding step, per GPU:

- **bytes read from HBM**: every weight the step multiplies, once, at its stored dtype (the
  tensor inventory of :mod:`dsv3.arch.tensors`), plus the KV cache of every sequence,
  batch x context x :func:`dsv3.arch.kv_cache.kv_cache_bytes_per_token`. Of the routed experts a GPU
  holds, a step reads those that at least one token chose: with T tokens choosing k of E experts
  uniformly, an expert is untouched with probability (1 - k/E)^T (:func:`expected_experts_touched`).
  Of the embedding only the looked-up rows are read.
- **FLOPs**: 2 x the activated matmul parameters per token (MLA in its absorbed form, DeepSeek-V3
  ``inference/model.py`` ``attn_impl = "absorb"``: W^UK folds into the query and W^UV into the
  output, so ``kv_b_proj`` is multiplied once per token, not once per cached token), plus attention
  over the context: 2 n_h (2 d_c + d_h^R) per cached token per layer for absorbed MLA (scores against
  the 576-wide latent-plus-RoPE key, then the weighted sum of the 512-wide latents); 2 n_h 2 d_h
  for GQA. Linear layers run at the FP8 peak for an FP8 checkpoint, attention at the BF16 peak
  (the disclosure: "core MLA computations ... use the BF16 format").
- **bytes sent over the network** for expert parallelism, one direction of one GPU's NIC:
  tokens x MoE layers x experts reached x d x (dispatch + combine bytes per element), dispatch
  in FP8 with one F32 scale per 128 values (1 + 4/128 bytes) and combine in BF16 (2 bytes), the
  two phases one after the other as in ISCA '25's formula (:func:`isca_comm_time`). A token's
  expert is on its own GPU with probability 1/gpus, so ``top_k (1 - 1/gpus)`` experts are remote.

Each resource gives a time (bytes / bandwidth, FLOPs / peak); with perfect overlap the step takes
the longest of them, the **binding** resource. Left out: kernel launch and synchronisation
latency, network latency (ISCA's formula leaves it out too), load imbalance between experts and
GPUs, activations, the sampling step and the scheduler. So every time here is a lower bound and
every throughput an upper bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Protocol

from dsv3.arch.kv_cache import kv_cache_bytes_per_token
from dsv3.arch.spec import MLA, Architecture
from dsv3.arch.tensors import DTYPE_BYTES, Component, inventory
from dsv3.training.expert_parallel import ACTIVATION_TILE, combine_bytes, dispatch_bytes
from dsv3.units import BYTES_PER_ELEMENT

#: Bytes per element of an FP8 dispatch: one E4M3 byte plus one F32 scale per 128 values
#: (DeepSeek-V3 report Section 3.3: activations quantised per 1 x 128 tile), from the routing
#: chapter's one definition (:func:`dsv3.training.expert_parallel.dispatch_bytes` of one tile).
FP8_DISPATCH_BYTES = dispatch_bytes(ACTIVATION_TILE) / ACTIVATION_TILE
#: Bytes per element of a BF16 combine (:func:`dsv3.training.expert_parallel.combine_bytes`).
BF16_COMBINE_BYTES = float(combine_bytes(1))

RESOURCES = ("memory", "compute", "network")


class RooflineInputError(ValueError):
    """Bad input to the roofline; the subclasses say which kind."""


class BandwidthError(RooflineInputError):
    """A bandwidth or peak that is zero, negative or not a finite number."""


class BatchError(RooflineInputError):
    """A batch size (sequences per GPU) that is not a positive integer."""


class ContextError(RooflineInputError):
    """A context length (tokens cached per sequence) that is not a positive integer."""


class UnknownDtype(RooflineInputError):
    """A KV-cache dtype the book does not know (see :data:`dsv3.units.BYTES_PER_ELEMENT`)."""


def _positive_int(name: str, value: int, error: type[ValueError]) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise error(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _rate(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) or value <= 0:
        raise BandwidthError(f"{name} must be positive and finite, got {value!r}")
    return float(value)


def _dtype(kv_dtype: str) -> str:
    if kv_dtype not in BYTES_PER_ELEMENT:
        raise UnknownDtype(f"kv_dtype must be one of {list(BYTES_PER_ELEMENT)}, got {kv_dtype!r}")
    return kv_dtype


def expected_experts_touched(n_routed: int, top_k: int, tokens: float, held: float | None = None) -> float:
    """Expected number of the ``held`` experts (default all ``n_routed``) chosen by at least one of ``tokens``.

    Each token picks ``top_k`` of ``n_routed`` experts uniformly (a balanced router), independently
    of the others, so a given expert is missed by one token with probability 1 - k/E and by all
    with (1 - k/E)^T: held x (1 - (1 - k/E)^T). One token touches exactly k of E.
    """
    n = _positive_int("n_routed", n_routed, RooflineInputError)
    k = _positive_int("top_k", top_k, RooflineInputError)
    if k > n:
        raise RooflineInputError(f"top_k ({k}) exceeds n_routed ({n})")
    if not tokens >= 0:
        raise RooflineInputError(f"tokens must be >= 0, got {tokens!r}")
    h = float(n if held is None else held)
    return h * (1.0 - (1.0 - k / n) ** tokens)


def attention_flops_per_token(arch: Architecture, context: int) -> float:
    """FLOPs of attention over ``context`` cached tokens for one new token, all layers.

    Absorbed MLA: 2 n_h (2 d_c + d_h^R) per cached token per layer (q . [c^KV; k^R] then the
    weighted sum of c^KV); GQA/MHA: 2 n_h (d_h + d_h) per cached token per layer (q . k, then p v).
    """
    ctx = _positive_int("context", context, ContextError)
    a = arch.attention
    if isinstance(a, MLA):
        per_position = 2 * a.n_heads * (2 * a.kv_lora_rank + a.qk_rope_head_dim)
    else:
        per_position = 2 * a.n_heads * 2 * a.head_dim
    return float(per_position * ctx * arch.n_layers)


@dataclass(frozen=True)
class StepCost:
    """What one GPU does in one decoding step (see the module docstring for each term)."""

    tokens: int  #: tokens processed: batch x tokens per sequence
    weight_bytes: float  #: weights read from HBM, at their stored dtype
    kv_bytes: float  #: KV cache read from HBM: batch x context x bytes per cached token
    linear_flops: float  #: 2 x activated matmul parameters x tokens (absorbed MLA)
    attention_flops: float  #: attention over the context, x tokens
    network_bytes: float  #: expert-parallel dispatch + combine, one direction of one GPU's link

    @property
    def hbm_bytes(self) -> float:
        return self.weight_bytes + self.kv_bytes


def decode_step(
    arch: Architecture,
    batch: int,
    context: int,
    *,
    kv_dtype: str = "bf16",
    gpus: int = 1,
    experts_per_gpu: float | None = None,
    tokens_per_sequence: int = 1,
    dispatch_bytes: float = FP8_DISPATCH_BYTES,
    combine_bytes: float = BF16_COMBINE_BYTES,
) -> StepCost:
    """Bytes, FLOPs and network bytes of one decoding step on one GPU (module docstring).

    ``batch`` sequences per GPU, each with ``context`` cached tokens, each processing
    ``tokens_per_sequence`` tokens (1; 2 when a depth-1 MTP draft is verified with the next token).
    ``gpus``: GPUs the routed experts are spread over; ``experts_per_gpu``: routed experts per GPU
    per MoE layer (default n_routed / gpus). The MTP module is not counted.
    """
    b = _positive_int("batch", batch, BatchError)
    ctx = _positive_int("context", context, ContextError)
    g = _positive_int("gpus", gpus, RooflineInputError)
    per_seq = _positive_int("tokens_per_sequence", tokens_per_sequence, RooflineInputError)
    tokens = b * per_seq
    moe = arch.moe
    weight_bytes = 0.0
    linear = 0.0
    for t in inventory(arch):
        per_element = DTYPE_BYTES[t.dtype]
        if t.component is Component.EMBEDDING:  # a lookup: only the rows of this step's tokens
            weight_bytes += min(tokens, t.shape[0]) * t.shape[1] * per_element
            continue
        if len(t.shape) == 2:
            linear += 2.0 * t.active_elements
        if t.component is Component.ROUTED_EXPERTS and moe is not None:
            held = moe.n_routed / g if experts_per_gpu is None else float(experts_per_gpu)
            # tokens arriving at this GPU's experts: all GPUs' tokens, each choosing top_k of n_routed
            touched = expected_experts_touched(moe.n_routed, moe.top_k, tokens * g, held=held)
            weight_bytes += touched * t.numel * per_element
        else:
            weight_bytes += t.elements * per_element
    kv = b * ctx * kv_cache_bytes_per_token(arch, _dtype(kv_dtype))
    network = 0.0
    if moe is not None and g > 1:
        remote = moe.top_k * (1.0 - 1.0 / g)
        network = tokens * arch.n_moe_layers * remote * arch.hidden_size * (dispatch_bytes + combine_bytes)
    return StepCost(
        tokens=tokens,
        weight_bytes=weight_bytes,
        kv_bytes=kv,
        linear_flops=linear * tokens,
        attention_flops=attention_flops_per_token(arch, ctx) * tokens,
        network_bytes=network,
    )


@dataclass(frozen=True)
class StepTimes:
    """The time each resource needs for one step, in seconds; the step takes the longest."""

    memory: float  #: HBM bytes / HBM bandwidth
    compute: float  #: linear FLOPs / linear peak + attention FLOPs / attention peak
    network: float  #: network bytes / network bandwidth (0 without expert parallelism)

    @property
    def bound(self) -> float:
        """The step time if the three overlapped perfectly: the largest of them."""
        return max(self.memory, self.compute, self.network)

    @property
    def binding(self) -> str:
        """Name of the resource that sets :attr:`bound` (``'memory'``, ``'compute'`` or ``'network'``)."""
        return max(RESOURCES, key=lambda r: getattr(self, r))


def step_times(
    cost: StepCost,
    *,
    hbm_bytes_per_s: float,
    linear_flops_per_s: float,
    attention_flops_per_s: float,
    network_bytes_per_s: float,
) -> StepTimes:
    """Seconds each resource needs for ``cost``; a zero or negative rate raises :class:`BandwidthError`.

    The network rate is not used (and may be NaN, e.g. a GPU without a published NIC figure) when
    the step sends nothing.
    """
    return StepTimes(
        memory=cost.hbm_bytes / _rate("hbm_bytes_per_s", hbm_bytes_per_s),
        compute=cost.linear_flops / _rate("linear_flops_per_s", linear_flops_per_s)
        + cost.attention_flops / _rate("attention_flops_per_s", attention_flops_per_s),
        network=0.0
        if cost.network_bytes == 0
        else cost.network_bytes / _rate("network_bytes_per_s", network_bytes_per_s),
    )


def tokens_per_s(batch: int, emitted_per_step: float, step_s: float) -> float:
    """Output tokens per second of ``batch`` sequences that each emit ``emitted_per_step`` tokens per step."""
    b = _positive_int("batch", batch, BatchError)
    if not emitted_per_step >= 1:
        raise RooflineInputError(f"emitted_per_step must be >= 1, got {emitted_per_step!r}")
    return b * emitted_per_step / _rate("step_s", step_s)


# --- ISCA '25, Section 2.3.2: the communication bound of decoding -------------------------------


def isca_comm_time(
    dispatch_bytes: float, combine_bytes: float, tokens: float, experts: float, hidden: float, bandwidth: float
) -> float:
    """ISCA '25 Section 2.3.2: "(1Byte + 2Bytes) x 32 x 9 x 7K / 50GB/s = 120.96 us".

    (dispatch bytes per element + combine bytes per element) x tokens per device x experts each
    token reaches x hidden size / link bandwidth, in seconds.
    """
    return (dispatch_bytes + combine_bytes) * tokens * experts * hidden / _rate("bandwidth", bandwidth)


def isca_time_per_token(comm_time_s: float, layers: int, microbatches: int = 2) -> float:
    """ISCA '25: "Total Time Per Layer = 2 x 120.96us", "Total Inference Time = 61 x 241.92us".

    Seconds per output token when every layer waits for ``microbatches`` communication phases.
    """
    return (
        comm_time_s
        * _positive_int("microbatches", microbatches, RooflineInputError)
        * _positive_int("layers", layers, RooflineInputError)
    )


# --- DeepSeek's deployment -------------------------------------------------------------------


def experts_per_gpu(n_routed: int, redundant: int, gpus: int) -> float:
    """Routed experts each GPU holds per MoE layer: (n_routed + redundant copies) / GPUs.

    The disclosure: (256 + 32) / 144 = 2 in decoding, (256 + 32) / 32 = 9 in prefilling.
    """
    n = _positive_int("n_routed", n_routed, RooflineInputError)
    if isinstance(redundant, bool) or not isinstance(redundant, int) or redundant < 0:
        raise RooflineInputError(f"redundant must be a non-negative integer, got {redundant!r}")
    return (n + redundant) / _positive_int("gpus", gpus, RooflineInputError)


def concurrent_sequences(tokens_per_s_per_gpu: float, tokens_per_s_per_sequence: float) -> float:
    """Little's law: sequences in flight on a GPU = its output rate / one sequence's output rate."""
    return _rate("tokens_per_s_per_gpu", tokens_per_s_per_gpu) / _rate(
        "tokens_per_s_per_sequence", tokens_per_s_per_sequence
    )


class GpuFigures(Protocol):
    """What :func:`decode_report` reads of a GPU: a :class:`dsv3.inputs.hardware.Hardware` has all four."""

    @property
    def hbm_bytes_per_s(self) -> float: ...
    @property
    def fp8_dense_flops(self) -> float: ...
    @property
    def bf16_dense_flops(self) -> float: ...
    @property
    def network_bytes_per_s(self) -> float: ...


def decode_report(
    arch: Architecture,
    gpu: GpuFigures,
    batch: int,
    context: int,
    kv_dtype: str = "bf16",
    *,
    gpus: int = 1,
    experts_per_gpu: float | None = None,
    mtp_acceptance: float | None = None,
    gpus_per_node: int = 8,
    network_bytes_per_s: float | None = None,
    hbm_bytes_per_s: float | None = None,
) -> dict[str, float | str]:
    """The decode roofline of ``arch`` on one GPU, as a flat dict for ``dsv3 plan --decode``.

    ``gpu`` is a :class:`dsv3.inputs.hardware.Hardware` (any object with ``hbm_bytes_per_s``,
    ``fp8_dense_flops``, ``bf16_dense_flops``, ``network_bytes_per_s``); ``network_bytes_per_s`` and
    ``hbm_bytes_per_s`` override its figures (e.g. ISCA's 40 GB/s effective IB). ``mtp_acceptance``
    p: each step verifies 2 tokens per sequence and emits 1 + p (depth-1 MTP); ``None``: no MTP.

    Keys: ``binding`` (``'memory'``, ``'compute'`` or ``'network'``), ``step_s`` (the bound),
    ``memory_s``, ``compute_s``, ``network_s``, ``hbm_bytes``, ``weight_bytes``, ``kv_bytes``,
    ``flops``, ``network_bytes``, ``tokens_per_s_per_gpu``, ``tokens_per_s_per_node``,
    ``tokens_per_s_per_sequence``. Linear layers run at the FP8 peak when the checkpoint is FP8
    (``arch.fp8_block``), else BF16; attention at BF16.
    """
    if mtp_acceptance is None:
        per_seq, emitted = 1, 1.0
    else:
        if isinstance(mtp_acceptance, bool) or not 0.0 <= mtp_acceptance <= 1.0:
            raise RooflineInputError(f"mtp_acceptance must be in [0, 1], got {mtp_acceptance!r}")
        per_seq, emitted = 2, 1.0 + float(mtp_acceptance)
    cost = decode_step(
        arch, batch, context, kv_dtype=kv_dtype, gpus=gpus, experts_per_gpu=experts_per_gpu, tokens_per_sequence=per_seq
    )
    linear_peak = gpu.fp8_dense_flops if arch.fp8_block is not None else gpu.bf16_dense_flops
    times = step_times(
        cost,
        hbm_bytes_per_s=gpu.hbm_bytes_per_s if hbm_bytes_per_s is None else hbm_bytes_per_s,
        linear_flops_per_s=linear_peak,
        attention_flops_per_s=gpu.bf16_dense_flops,
        network_bytes_per_s=gpu.network_bytes_per_s if network_bytes_per_s is None else network_bytes_per_s,
    )
    per_gpu = tokens_per_s(batch, emitted, times.bound)
    return {
        "binding": times.binding,
        "step_s": times.bound,
        "memory_s": times.memory,
        "compute_s": times.compute,
        "network_s": times.network,
        "hbm_bytes": cost.hbm_bytes,
        "weight_bytes": cost.weight_bytes,
        "kv_bytes": cost.kv_bytes,
        "flops": cost.linear_flops + cost.attention_flops,
        "network_bytes": cost.network_bytes,
        "tokens_per_s_per_gpu": per_gpu,
        "tokens_per_s_per_node": per_gpu * _positive_int("gpus_per_node", gpus_per_node, RooflineInputError),
        "tokens_per_s_per_sequence": emitted / times.bound,
    }
