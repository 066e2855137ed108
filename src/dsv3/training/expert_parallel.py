"""What DeepSeek-V3's expert parallelism sends over the wire, per token.

DeepSeek-V3 Technical Report (arXiv:2412.19437), Section 3.2.2: each token is sent over
InfiniBand (IB) once to each of at most M = 4 target nodes ("to the GPUs with the same in-node
index on each target node") and forwarded over NVLink to the GPUs that host its experts; the
combine runs the other way, with accumulation on the forwarding GPU. Section 3.3.3: the dispatch is
FP8 (E4M3) with one scale per 1x128 activation tile, the combine BF16 ("For both the forward and
backward combine components, we retain them in BF16").

Pure arithmetic: every figure (hidden size, bandwidths, FLOP rates) is an argument. No file is
opened. Used by the chapter ``chapters/moe_routing.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dsv3.checks import non_negative, positive

FP8_BYTES = 1  # E4M3
BF16_BYTES = 2
FP32_BYTES = 4
ACTIVATION_TILE = 128  # 1x128 activation tiles, one scale each (report Section 3.3.2)


def _count(name: str, n: int, minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n!r}")
    return int(n)


def dispatch_bytes(hidden: int, tile: int = ACTIVATION_TILE, scale_bytes: int = FP32_BYTES) -> int:
    """Bytes of one FP8 copy of a token's hidden state: ``hidden`` x 1 byte + one scale per tile.

    DeepSeek-V3: 7168 + ceil(7168 / 128) x 4 = 7168 + 56 x 4 = 7,392 bytes with FP32 scales
    (``scale_bytes=1`` for power-of-two scales stored as an 8-bit exponent).
    """
    hidden = _count("hidden", hidden)
    tile = _count("tile", tile)
    scale_bytes = _count("scale_bytes", scale_bytes, minimum=0)
    return hidden * FP8_BYTES + math.ceil(hidden / tile) * scale_bytes


def combine_bytes(hidden: int) -> int:
    """Bytes of one BF16 copy of an expert's output for one token: ``hidden`` x 2."""
    return _count("hidden", hidden) * BF16_BYTES


@dataclass(frozen=True)
class TokenTraffic:
    """Bytes one token moves in one MoE layer's forward pass, by link and direction."""

    ib_dispatch: float
    ib_combine: float
    nvlink_dispatch: float
    nvlink_combine: float

    @property
    def ib(self) -> float:
        return self.ib_dispatch + self.ib_combine

    @property
    def nvlink(self) -> float:
        return self.nvlink_dispatch + self.nvlink_combine

    def scaled(self, factor: float) -> TokenTraffic:
        """The same traffic times ``factor`` (e.g. the number of MoE layers, or 2 for forward+backward)."""
        f = non_negative("factor", factor)
        return TokenTraffic(
            self.ib_dispatch * f, self.ib_combine * f, self.nvlink_dispatch * f, self.nvlink_combine * f
        )


def token_traffic(hidden: int, ib_copies: float, nvlink_copies: float, scale_bytes: int = FP32_BYTES) -> TokenTraffic:
    """Bytes per token per MoE layer (forward) under DeepSeek-V3's two-hop dispatch and combine.

    ``ib_copies``: remote nodes the token goes to (at most M = 4); ``nvlink_copies``: GPUs the
    receiving GPUs forward it to (at most K_r = 8, one per routed expert). Dispatch sends an FP8
    copy (:func:`dispatch_bytes`) over each hop; combine sends a BF16 copy back over each NVLink
    hop, accumulates per node, and sends one BF16 copy per node over IB.
    """
    ib = non_negative("ib_copies", ib_copies)
    nv = non_negative("nvlink_copies", nvlink_copies)
    d, c = dispatch_bytes(hidden, scale_bytes=scale_bytes), combine_bytes(hidden)
    return TokenTraffic(ib * d, ib * c, nv * d, nv * c)


def experts_per_node(nvlink_bytes_per_s: float, ib_bytes_per_s: float) -> float:
    """Experts a node can feed over NVLink in the time IB delivers one copy: NVLink / IB bandwidth.

    Report Section 3.2.2: "NVLink offers a bandwidth of 160 GB/s, roughly 3.2 times that of IB
    (50 GB/s)", so "each token can efficiently select an average of 3.2 experts per node".
    """
    return positive("nvlink_bytes_per_s", nvlink_bytes_per_s) / positive("ib_bytes_per_s", ib_bytes_per_s)


def max_experts_per_token(max_nodes: int, per_node: float) -> float:
    """The report's "maximum of 13 experts (4 nodes x 3.2 experts/node)": ``max_nodes`` x ``per_node``."""
    return _count("max_nodes", max_nodes) * positive("per_node", per_node)


def link_seconds(bytes_per_token: float, bytes_per_s: float) -> float:
    """Seconds a link of ``bytes_per_s`` (one direction, per GPU) needs for ``bytes_per_token``."""
    return non_negative("bytes_per_token", bytes_per_token) / positive("bytes_per_s", bytes_per_s)


def compute_seconds(flops_per_token: float, flops_per_s: float, sm_share: float = 1.0) -> float:
    """Seconds of GPU time for ``flops_per_token`` at ``flops_per_s`` x ``sm_share`` of the SMs."""
    share = positive("sm_share", sm_share)
    if share > 1:
        raise ValueError(f"sm_share must be at most 1, got {sm_share!r}")
    return positive("flops_per_token", flops_per_token) / (positive("flops_per_s", flops_per_s) * share)


def compute_sm_share(comm_sms: int, total_sms: int) -> float:
    """Share of the SMs left to compute when ``comm_sms`` of ``total_sms`` run communication.

    Report Section 3.5.1: "we allocate 20 out of the 132 SMs available in the H800 GPU for this
    purpose", so 112 / 132 compute.
    """
    total = _count("total_sms", total_sms)
    comm = _count("comm_sms", comm_sms, minimum=0)
    if comm >= total:
        raise ValueError(f"comm_sms={comm} leaves no SM of total_sms={total} to compute")
    return (total - comm) / total


def distinct_per_token(indices: np.ndarray, experts_per_unit: int) -> np.ndarray:
    """Distinct nodes (or GPUs) each token's experts sit on, when units hold consecutive experts.

    ``indices`` (T, K) from the gate; expert i lives on unit i // ``experts_per_unit`` (the report
    deploys the 256 routed experts uniformly on 64 GPUs of 8 nodes: 32 per node, 4 per GPU).
    """
    units = np.sort(np.asarray(indices) // _count("experts_per_unit", experts_per_unit), axis=-1)
    return 1 + (np.diff(units, axis=-1) != 0).sum(axis=-1)
