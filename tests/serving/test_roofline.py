"""The decode roofline (dsv3.serving.roofline), each formula against a derivation written here.

Sources quoted per test: ISCA '25 (arXiv:2505.09343) Section 2.3.2; DeepSeek-V3/R1 Inference System
Overview (deepseek-ai/open-infra-index, 2025-03-01).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from dsv3.arch.spec import GQA, Architecture, DenseMLP
from dsv3.inputs.hardware import gpu
from dsv3.inputs.models import load_model
from dsv3.serving import economics
from dsv3.serving import roofline as rl

V3 = load_model("DeepSeek-V3")

# A model small enough to count by hand: vocabulary 10, hidden 4, one layer of GQA with 2 query
# heads and 1 KV head of width 2, a SwiGLU MLP of width 8, untied head, BF16 weights.
TINY = Architecture(
    name="tiny", family="llama", vocab_size=10, hidden_size=4, attention=GQA(2, 1, 2), ffn=(DenseMLP(8),)
)


def test_experts_touched_by_hand() -> None:
    # One token touches exactly its top_k experts.
    assert rl.expected_experts_touched(256, 8, 1) == pytest.approx(8)
    # E = 4, k = 2, two tokens: each misses an expert with probability 1/2, both with 1/4: 4 x 3/4 = 3.
    assert rl.expected_experts_touched(4, 2, 2) == pytest.approx(3)
    assert rl.expected_experts_touched(4, 2, 0) == 0
    # Of 2 experts held, with T = 2: 2 x 3/4.
    assert rl.expected_experts_touched(4, 2, 2, held=2) == pytest.approx(1.5)


def test_attention_flops_absorbed_mla() -> None:
    # Per cached token per layer: 2 x 128 heads x (2 x 512 + 64); 61 layers; 1,000 cached tokens.
    assert rl.attention_flops_per_token(V3, 1000) == 2 * 128 * (2 * 512 + 64) * 1000 * 61


def test_decode_step_of_the_tiny_model_by_hand() -> None:
    step = rl.decode_step(TINY, batch=3, context=5, kv_dtype="bf16")
    # Matmul weights: q 4x4, k 2x4, v 2x4, o 4x4 = 48; gate, up 8x4, down 4x8 = 96; head 10x4 = 40.
    # Norms: 4 + 4 + final 4 = 12. Embedding: only the 3 looked-up rows of 4. All BF16 (2 bytes).
    assert step.weight_bytes == (48 + 96 + 40 + 12 + 3 * 4) * 2
    # Cache: 2 (K and V) x 1 KV head x 2 wide x 1 layer = 4 elements = 8 bytes per token; 3 x 5 tokens.
    assert step.kv_bytes == 3 * 5 * 8
    assert step.linear_flops == 2 * (48 + 96 + 40) * 3
    # Attention: 2 x 2 heads x (2 + 2) per cached token x 5 tokens x 1 layer, for 3 tokens.
    assert step.attention_flops == 2 * 2 * 4 * 5 * 3
    assert step.network_bytes == 0


def test_network_bytes_of_deepseeks_decode_unit() -> None:
    # 88 sequences per GPU, EP over 144 GPUs: each token reaches 8 x (1 - 1/144) remote experts in
    # each of the 58 MoE layers, d = 7168, FP8 dispatch with a 4-byte scale per 128 values, BF16 combine.
    step = rl.decode_step(V3, batch=88, context=4989, gpus=144, experts_per_gpu=2)
    assert step.network_bytes == pytest.approx(88 * 58 * 8 * (143 / 144) * 7168 * (1 + 4 / 128 + 2))
    # With 88 x 144 tokens every one of a GPU's 2 experts per layer is touched.
    expert_bytes = 58 * 2 * 3 * 7168 * 2048  # FP8: 1 byte per element
    single = rl.decode_step(V3, batch=88, context=4989, gpus=144, experts_per_gpu=1e-9)
    assert step.weight_bytes - single.weight_bytes == pytest.approx(expert_bytes, rel=1e-6)
    # MTP verification doubles the tokens but not the cache read.
    two = rl.decode_step(V3, batch=88, context=4989, gpus=144, experts_per_gpu=2, tokens_per_sequence=2)
    assert two.kv_bytes == step.kv_bytes and two.network_bytes == pytest.approx(2 * step.network_bytes)
    assert step.kv_bytes == 88 * 4989 * 70_272  # ISCA Table 1: 70.272 KB per token at BF16


def test_step_times_and_binding() -> None:
    step = rl.decode_step(TINY, batch=3, context=5)
    t = rl.step_times(
        step, hbm_bytes_per_s=100.0, linear_flops_per_s=1e4, attention_flops_per_s=1e3, network_bytes_per_s=1.0
    )
    assert t.memory == pytest.approx((416 + 120) / 100)
    assert t.compute == pytest.approx(1104 / 1e4 + 240 / 1e3)
    assert t.network == 0
    assert t.binding == "memory" and t.bound == t.memory


def test_decode_report_by_hand() -> None:
    hw = SimpleNamespace(hbm_bytes_per_s=100.0, fp8_dense_flops=2e4, bf16_dense_flops=1e3, network_bytes_per_s=math.nan)
    r = rl.decode_report(TINY, hw, 3, 5, "bf16", gpus_per_node=8)
    # BF16 checkpoint: linear layers at the BF16 peak (1e3), so compute = (1104 + 240) / 1e3 = 1.344 s.
    assert r["compute_s"] == pytest.approx(1.344)
    assert r["binding"] == "memory" and r["step_s"] == pytest.approx(5.36)
    assert r["tokens_per_s_per_gpu"] == pytest.approx(3 / 5.36)
    assert r["tokens_per_s_per_node"] == pytest.approx(8 * 3 / 5.36)
    assert r["tokens_per_s_per_sequence"] == pytest.approx(1 / 5.36)


def test_isca_communication_bound() -> None:
    # "Comm. Time = (1Byte + 2Bytes) x 32 x 9 x 7K / 50GB/s = 120.96us"
    t = rl.isca_comm_time(1, 2, 32, 9, 7_000, 50e9)
    assert round(t * 1e6, 2) == 120.96
    # "Total Time Per Layer = 2 x 120.96us"; "Total Inference Time = 61 x 241.92us = 14.76ms";
    # "equivalent to 67 tokens per second" (1 / 14.757 ms = 67.8: the paper truncates).
    per_token = rl.isca_time_per_token(t, 61)
    assert round(per_token * 1e3, 2) == 14.76
    assert math.floor(1 / per_token) == 67
    # GB200 NVL72, 900 GB/s: 6.72 us, 0.82 ms, "approximately 1200 tokens per second".
    t72 = rl.isca_comm_time(1, 2, 32, 9, 7_000, 900e9)
    assert round(t72 * 1e6, 2) == 6.72
    assert round(rl.isca_time_per_token(t72, 61) * 1e3, 2) == 0.82
    assert round(1 / rl.isca_time_per_token(t72, 61), -2) == 1200


def test_deepseeks_experts_per_gpu() -> None:
    # "each GPU manages 2 routed experts" (EP144, 32 redundant) and "each GPU handles 9 routed experts" (EP32).
    assert rl.experts_per_gpu(256, 32, 144) == 2
    assert rl.experts_per_gpu(256, 32, 32) == 9


def test_disclosed_node_count_accounting() -> None:
    # 168B output tokens at ~14.8k tokens/s per node and 608B input at ~73.7k: the node-days of
    # each phase sum to the 226.75 average nodes, at the rounding of the two throughputs.
    low = economics.node_days(168e9, 14.85e3) + economics.node_days(608e9, 73.75e3)
    high = economics.node_days(168e9, 14.75e3) + economics.node_days(608e9, 73.65e3)
    assert low <= 226.75 <= high
    # Little's law: 14.8k / 8 GPUs / 21 tokens/s per user = 88 sequences per GPU.
    assert round(rl.concurrent_sequences(14.8e3 / 8, 21)) == 88


def test_deepseek_on_h800_reads_and_sends() -> None:
    # On DeepSeek's decode unit the roofline is a lower bound on the step: the disclosed rate must
    # not beat it. 20-22 tokens/s per user with MTP at p = 0.85 is a step of 1.85 / 21 s.
    r = rl.decode_report(V3, gpu("H800"), 88, 4989, "bf16", gpus=144, experts_per_gpu=2, mtp_acceptance=0.85)
    assert r["step_s"] < 1.85 / 21
    assert r["tokens_per_s_per_node"] > 14.8e3


def test_economics_per_million() -> None:
    # $2 per GPU-hour at 1,850 tokens/s, fully used: 2 / (1,850 x 3,600) x 1e6 = $0.3003.
    assert economics.usd_per_million_at_utilisation(2, 1850, 1.0) == pytest.approx(2 / (1850 * 3600) * 1e6)
    assert economics.usd_per_million_at_utilisation(2, 1850, 0.5) == pytest.approx(2 * 2 / (1850 * 3600) * 1e6)
    assert economics.prefill_tokens_per_s(1e9, 1e12, 0.4) == pytest.approx(400)
    with pytest.raises(ValueError, match="utilisation"):
        economics.usd_per_million_at_utilisation(2, 1850, 1.5)


@pytest.mark.parametrize("batch", [0, -1, 1.5, True, "8"])
def test_batch_must_be_a_positive_integer(batch: object) -> None:
    with pytest.raises(rl.BatchError, match="batch"):
        rl.decode_step(TINY, batch, 5)  # type: ignore[arg-type]


@pytest.mark.parametrize("context", [0, 2.5, None])
def test_context_must_be_a_positive_integer(context: object) -> None:
    with pytest.raises(rl.ContextError, match="context"):
        rl.decode_step(TINY, 1, context)  # type: ignore[arg-type]


@pytest.mark.parametrize("rate", [0, -1.0, math.nan, math.inf])
def test_zero_bandwidth(rate: float) -> None:
    step = rl.decode_step(TINY, 1, 5)
    with pytest.raises(rl.BandwidthError, match="hbm_bytes_per_s"):
        rl.step_times(
            step, hbm_bytes_per_s=rate, linear_flops_per_s=1.0, attention_flops_per_s=1.0, network_bytes_per_s=1.0
        )
    with pytest.raises(rl.BandwidthError, match="bandwidth"):
        rl.isca_comm_time(1, 2, 32, 9, 7000, rate)
    with pytest.raises(rl.BandwidthError):
        rl.decode_report(V3, gpu("H800"), 1, 5, gpus=144, network_bytes_per_s=rate)


def test_unknown_dtype() -> None:
    with pytest.raises(rl.UnknownDtype, match="fp7"):
        rl.decode_step(TINY, 1, 5, kv_dtype="fp7")


@pytest.mark.parametrize("p", [-0.1, 1.1, True])
def test_acceptance_outside_unit_interval(p: float) -> None:
    with pytest.raises(rl.RooflineInputError, match="mtp_acceptance"):
        rl.decode_report(TINY, gpu("H800"), 1, 5, mtp_acceptance=p)


def test_errors_are_value_errors() -> None:
    for error in (rl.BandwidthError, rl.BatchError, rl.ContextError, rl.UnknownDtype):
        assert issubclass(error, ValueError)
