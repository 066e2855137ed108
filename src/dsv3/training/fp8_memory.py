"""Memory and speed arithmetic of FP8 training: checkpoint bytes by dtype, model-state bytes per GPU, speed-up.

Used by the chapter "FP8 training, emulated bit by bit" (``chapters/fp8_training.md``), Sections "Memory and
speed" and "What stays in higher precision".

Sources (cited in the chapter): DeepSeek-V3 Technical Report (arXiv:2412.19437), Section 3.2 (PP16, EP64 over
8 nodes, ZeRO-1 DP; Table 2: DualPipe keeps 2x the parameters), Section 3.3.1 (what stays in BF16/FP32),
Section 3.3.3 (FP32 master weights and gradients, BF16 AdamW moments); ``README_WEIGHTS.md`` of
``deepseek-ai/DeepSeek-V3`` (FP8 weights with F32 128x128 block scales).

Pure functions over the tensor inventory (:mod:`dsv3.arch.tensors`); nothing here opens a file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dsv3.arch.tensors import DTYPE_BYTES, Component, Tensor
from dsv3.checks import positive, positive_int

#: Components whose weights the report keeps out of FP8 (Section 3.3.1: "the embedding module, the output head,
#: MoE gating modules, normalization operators"; attention operators have no weights of their own).
HIGH_PRECISION = {
    Component.EMBEDDING: "embedding",
    Component.OUTPUT_HEAD: "output head",
    Component.ROUTER: "MoE gating",
    Component.ROUTER_BIAS: "MoE gating",
    Component.ATTENTION_NORMS: "normalisation",
    Component.LAYER_NORMS: "normalisation",
    Component.FINAL_NORM: "normalisation",
    Component.MTP_INPUT_NORMS: "normalisation",
    Component.MTP_HEAD_NORM: "normalisation",
}


def bytes_by_dtype(tensors: Iterable[Tensor]) -> dict[str, float]:
    """Stored bytes by dtype: elements x bytes per element (F8_E4M3 1, BF16 2, F32 4)."""
    out: dict[str, float] = {}
    for t in tensors:
        out[t.dtype] = out.get(t.dtype, 0.0) + t.bytes
    return out


def all_bf16_bytes(tensors: Iterable[Tensor]) -> float:
    """Bytes of the same checkpoint with every weight in BF16 and no FP8 block scales (2 bytes per element)."""
    return sum(t.elements * DTYPE_BYTES["BF16"] for t in tensors if t.component is not Component.FP8_SCALES)


@dataclass(frozen=True)
class Parallelism:
    """How the training run splits the model: pipeline stages, expert-parallel ranks, GPUs in all.

    The data-parallel degree of the non-expert weights is ``gpus / pp``; of the expert weights,
    ``gpus / (pp * ep)``. ``param_copies`` is 2 for DualPipe (V3 report Table 2, "Parameter 2x").
    """

    gpus: int
    pp: int
    ep: int
    param_copies: int = 1

    def __post_init__(self) -> None:
        for name in ("gpus", "pp", "ep", "param_copies"):
            positive_int(name, getattr(self, name))
        if self.gpus % (self.pp * self.ep):
            raise ValueError(f"gpus={self.gpus} is not a multiple of pp x ep = {self.pp * self.ep}")

    @property
    def dp_dense(self) -> int:
        return self.gpus // self.pp

    @property
    def dp_expert(self) -> int:
        return self.gpus // (self.pp * self.ep)


@dataclass(frozen=True)
class StateBytes:
    """Bytes per element of each model state (Section 3.3.3, plus the stated assumption for the working copy)."""

    working_weights: float = 2.0  # assumption: a BF16 copy of the weights for the forward and backward passes
    gradients: float = 4.0  # "gradients (used for batch size accumulation) are still retained in FP32"
    master_weights: float = 4.0  # "the master weights (stored by the optimizer) ... are still retained in FP32"
    moments: float = 2.0 + 2.0  # AdamW first and second moments, each BF16

    def __post_init__(self) -> None:
        for name in ("working_weights", "gradients", "master_weights", "moments"):
            positive(name, getattr(self, name))


def model_state_bytes_per_gpu(
    dense_params: float, expert_params: float, par: Parallelism, state: StateBytes = StateBytes()
) -> dict[str, float]:
    """Bytes per GPU of weights, gradients and optimizer states for an average pipeline stage.

    A stage holds ``1 / pp`` of the parameters: all of its non-expert (dense) parameters and ``1 / ep`` of its
    experts, times ``param_copies`` (DualPipe). Working weights and gradients are held whole; ZeRO-1 shards
    the master weights and moments over the data-parallel group of each parameter. Activations are not
    included.
    """
    positive("dense_params", dense_params)
    positive("expert_params", expert_params)
    dense = dense_params / par.pp * par.param_copies
    expert = expert_params / (par.pp * par.ep) * par.param_copies
    held = dense + expert
    sharded = dense / par.dp_dense + expert / par.dp_expert
    return {
        "working weights": held * state.working_weights,
        "gradients": held * state.gradients,
        "master weights (ZeRO-1 shard)": sharded * state.master_weights,
        "AdamW moments (ZeRO-1 shard)": sharded * state.moments,
    }


def amdahl_speedup(fraction_accelerated: float, factor: float) -> float:
    """Overall speed-up when ``fraction_accelerated`` of the time runs ``factor`` times faster: 1/((1-f) + f/s)."""
    if not 0 <= fraction_accelerated <= 1:
        raise ValueError(f"fraction_accelerated must be between 0 and 1, got {fraction_accelerated!r}")
    positive("factor", factor)
    return 1.0 / ((1.0 - fraction_accelerated) + fraction_accelerated / factor)


def precision_groups(tensors: Iterable[Tensor]) -> dict[str, tuple[int, int]]:
    """(stored parameters, parameters a token multiplies) by precision group, for the main model's weights.

    Groups: "FP8 linear layers" for every F8_E4M3 weight, the labels of :data:`HIGH_PRECISION` for the rest;
    FP8 block scales are left out (they are not parameters). Anything else is "other BF16/FP32".
    """
    out: dict[str, tuple[int, int]] = {}
    for t in tensors:
        if t.component is Component.FP8_SCALES or t.shared:
            continue
        if t.dtype == "F8_E4M3":
            group = "FP8 linear layers"
        else:
            group = HIGH_PRECISION.get(t.component, "other BF16/FP32")
        total, active = out.get(group, (0, 0))
        out[group] = (total + t.elements, active + t.active_elements)
    return out
