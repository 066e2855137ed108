"""The decode roofline (dsv3.serving.roofline) on models small enough to count by hand.

Every expected figure is worked here from the module docstring's definitions: weights read once at
their stored dtype, routed experts touched with probability 1 - (1 - k/E)^T, 2 FLOPs per weight per
token, time = bytes / bandwidth or FLOPs / peak, the step takes the largest of the three times.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from dsv3.arch.spec import GQA, Architecture, DenseMLP, MoE
from dsv3.serving import roofline as rl

# Vocabulary 10, hidden 4, one layer of GQA (2 query heads, 1 KV head of width 2), SwiGLU MLP of
# width 8, untied head, BF16. Matmul weights: q 16 + k 8 + v 8 + o 16 = 48; gate 32 + up 32 +
# down 32 = 96; head 40: 184. Norms 4 + 4 + final 4 = 12. Embedding 40 (only looked-up rows read).
TINY = Architecture(
    name="tiny", family="llama", vocab_size=10, hidden_size=4, attention=GQA(2, 1, 2), ffn=(DenseMLP(8),)
)
# The same with an FP8 checkpoint: the layers' matmul weights 1 byte each; norms, embedding and the
# output head stay BF16, as in DeepSeek-V3's checkpoint (lm_head.weight is BF16 there).
TINY_FP8 = Architecture(
    name="tiny-fp8",
    family="llama",
    vocab_size=10,
    hidden_size=4,
    attention=GQA(2, 1, 2),
    ffn=(DenseMLP(8),),
    fp8_block=(128, 128),
)
# One MoE layer: 4 routed experts of width 2, top-2. Per expert: gate 2x4 + up 2x4 + down 4x2 = 24
# elements; router 4x4 = 16. Attention 48, norms 4 + 4 + final 4, head 40, embedding 40. BF16.
TINY_MOE = Architecture(
    name="tiny-moe",
    family="llama",
    vocab_size=10,
    hidden_size=4,
    attention=GQA(2, 1, 2),
    ffn=(MoE(n_routed=4, top_k=2, expert_intermediate_size=2),),
)

# A GPU with round figures: 100 B/s HBM, FP8 peak 2e4 FLOP/s, BF16 peak 1e3 FLOP/s, 10 B/s network.
HW = SimpleNamespace(hbm_bytes_per_s=100.0, fp8_dense_flops=2e4, bf16_dense_flops=1e3, network_bytes_per_s=10.0)


# --- expected_experts_touched ---------------------------------------------------------------


def test_every_expert_touched_when_top_k_is_all_of_them() -> None:
    # k = E is allowed: each token picks every expert, so one token touches all 4.
    assert rl.expected_experts_touched(4, 4, 1) == pytest.approx(4)
    # E = 4, k = 1, 3 tokens: missed by all with (3/4)^3 = 27/64: 4 x 37/64.
    assert rl.expected_experts_touched(4, 1, 3) == pytest.approx(4 * 37 / 64)
    # A fractional token count is a valid expectation: T = 0.5, k/E = 1/2: 4 x (1 - sqrt(1/2)).
    assert rl.expected_experts_touched(4, 2, 0.5) == pytest.approx(4 * (1 - math.sqrt(0.5)))


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((0, 1, 1), "n_routed"),
        ((True, 1, 1), "n_routed"),
        ((4, 0, 1), "top_k"),
        ((4, 1.5, 1), "top_k"),
        ((4, 5, 1), "top_k"),
        ((4, 2, -1), "tokens"),
        ((4, 2, math.nan), "tokens"),
    ],
)
def test_experts_touched_refuses(args: tuple, name: str) -> None:
    with pytest.raises(rl.RooflineInputError, match=rf"^{name}\b"):
        rl.expected_experts_touched(*args)


# --- attention FLOPs -------------------------------------------------------------------------


def test_attention_flops_of_gqa_by_hand() -> None:
    # 2 x 2 heads x (2 + 2) per cached token x 7 cached tokens x 1 layer.
    assert rl.attention_flops_per_token(TINY, 7) == 2 * 2 * 4 * 7
    assert rl.attention_flops_per_token(TINY, 1) == 16


@pytest.mark.parametrize("context", [0, -3, 1.5, True])
def test_attention_flops_refuse_a_bad_context(context: object) -> None:
    with pytest.raises(rl.ContextError, match=r"^context\b"):
        rl.attention_flops_per_token(TINY, context)  # type: ignore[arg-type]


# --- decode_step ------------------------------------------------------------------------------


def test_embedding_read_is_capped_at_the_vocabulary() -> None:
    # 12 tokens but only 10 rows: the whole 10 x 4 table is read once, 80 bytes; the rest 196 x 2.
    step = rl.decode_step(TINY, batch=12, context=1)
    assert step.weight_bytes == (184 + 12) * 2 + 10 * 4 * 2
    assert step.tokens == 12
    # 10 tokens: exactly the 10 rows as well.
    assert rl.decode_step(TINY, batch=10, context=1).weight_bytes == (184 + 12) * 2 + 10 * 4 * 2


def test_default_kv_dtype_is_bf16() -> None:
    # 2 (K, V) x 1 head x 2 wide = 4 elements per token: 8 bytes in BF16, 4 in FP8, 16 in FP32.
    assert rl.decode_step(TINY, 2, 3).kv_bytes == 2 * 3 * 8
    assert rl.decode_step(TINY, 2, 3, kv_dtype="fp8").kv_bytes == 2 * 3 * 4
    assert rl.decode_step(TINY, 2, 3, kv_dtype="fp32").kv_bytes == 2 * 3 * 16


def test_fp8_checkpoint_reads_one_byte_per_matmul_weight() -> None:
    # 144 layer matmul weights at 1 byte; head 40, 12 norm elements and one embedding row of 4 at 2.
    step = rl.decode_step(TINY_FP8, batch=1, context=2)
    assert step.weight_bytes == 144 + (40 + 12 + 4) * 2
    assert step.linear_flops == 2 * 184


def test_moe_step_on_one_gpu_by_hand() -> None:
    step = rl.decode_step(TINY_MOE, batch=1, context=5)
    # One token touches exactly its 2 experts: 2 x 24 elements. Router 16 is a matmul too.
    # Bytes (BF16): embedding row 4, attention 48, norms 12, experts 48, router 16, head 40.
    assert step.weight_bytes == (4 + 48 + 12 + 48 + 16 + 40) * 2
    # FLOPs: 2 x (attention 48 + 2 active experts x 24 + router 16 + head 40) per token.
    assert step.linear_flops == 2 * (48 + 48 + 16 + 40)
    assert step.network_bytes == 0
    # Two tokens: an expert is missed by both with (1/2)^2, so 4 x 3/4 = 3 experts are read;
    # two embedding rows; the FLOPs double.
    two = rl.decode_step(TINY_MOE, batch=2, context=5)
    assert two.weight_bytes == (8 + 48 + 12 + 3 * 24 + 16 + 40) * 2
    assert two.linear_flops == 2 * 2 * (48 + 48 + 16 + 40)


def test_moe_step_with_expert_parallelism_by_hand() -> None:
    # 2 GPUs, default 4 / 2 = 2 experts each. The GPU's experts see both GPUs' tokens: T = 1 x 2,
    # each missed with (1/2)^2: 2 x 3/4 = 1.5 experts read, 1.5 x 24 elements x 2 bytes = 72.
    step = rl.decode_step(TINY_MOE, batch=1, context=5, gpus=2)
    assert step.weight_bytes == (4 + 48 + 12 + 16 + 40) * 2 + 72
    # Each token reaches top_k (1 - 1/2) = 1 remote expert in the 1 MoE layer: 4 elements x
    # (1 + 4/128 FP8 dispatch with its scale + 2 BF16 combine) bytes.
    assert step.network_bytes == pytest.approx(4 * (1 + 4 / 128 + 2))
    # Custom per-element byte counts: 1-byte dispatch, 2-byte combine, as in ISCA's formula.
    assert rl.decode_step(TINY_MOE, 1, 5, gpus=2, dispatch_bytes=1.0, combine_bytes=2.0).network_bytes == 12
    assert rl.decode_step(TINY_MOE, 1, 5, gpus=2, dispatch_bytes=0.5, combine_bytes=0.0).network_bytes == 2
    # 4 GPUs: 1 expert each, T = 4: missed with (1/2)^4, 15/16 of an expert read; remote 2 x 3/4.
    four = rl.decode_step(TINY_MOE, batch=1, context=5, gpus=4)
    assert four.weight_bytes == pytest.approx((4 + 48 + 12 + 16 + 40) * 2 + 15 / 16 * 48)
    assert four.network_bytes == pytest.approx(1.5 * 4 * (1 + 4 / 128 + 2))


def test_experts_per_gpu_overrides_the_even_split() -> None:
    # 1 expert held on each of 2 GPUs (T = 2): 1 x 3/4 of an expert read, 0.75 x 48 bytes = 36.
    step = rl.decode_step(TINY_MOE, batch=1, context=5, gpus=2, experts_per_gpu=1)
    assert step.weight_bytes == (4 + 48 + 12 + 16 + 40) * 2 + 36
    # 3 experts on one GPU with 1 token: 3 x 1/2 expected touched.
    one = rl.decode_step(TINY_MOE, batch=1, context=5, experts_per_gpu=3)
    assert one.weight_bytes == (4 + 48 + 12 + 16 + 40) * 2 + 1.5 * 48


def test_tokens_per_sequence_scales_tokens_not_the_cache() -> None:
    step = rl.decode_step(TINY, batch=3, context=5, tokens_per_sequence=2)
    assert step.tokens == 6
    assert step.kv_bytes == 3 * 5 * 8
    assert step.linear_flops == 2 * 184 * 6
    assert step.attention_flops == 2 * 2 * 4 * 5 * 6
    assert step.weight_bytes == (184 + 12) * 2 + 6 * 4 * 2


def test_a_dense_model_sends_nothing_over_expert_parallel_gpus() -> None:
    # No routed experts: nothing to dispatch, however many GPUs; the weights are all read.
    step = rl.decode_step(TINY, batch=3, context=5, gpus=4)
    assert step.network_bytes == 0
    assert step.weight_bytes == (184 + 12 + 3 * 4) * 2


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"gpus": 0}, "gpus"),
        ({"tokens_per_sequence": 1.5}, "tokens_per_sequence"),
        ({"batch": 0}, "batch"),
        ({"context": 0}, "context"),
    ],
)
def test_decode_step_refuses(kwargs: dict, name: str) -> None:
    with pytest.raises(rl.RooflineInputError, match=rf"^{name}\b"):
        rl.decode_step(TINY, **({"batch": 1, "context": 5} | kwargs))


# --- step_times, tokens_per_s -----------------------------------------------------------------


def _cost(hbm: float, linear: float, attention: float, network: float) -> rl.StepCost:
    return rl.StepCost(
        tokens=1, weight_bytes=hbm, kv_bytes=0.0, linear_flops=linear, attention_flops=attention, network_bytes=network
    )


def test_step_times_each_resource_can_bind() -> None:
    rates = {
        "hbm_bytes_per_s": 10.0,
        "linear_flops_per_s": 100.0,
        "attention_flops_per_s": 50.0,
        "network_bytes_per_s": 4.0,
    }
    # Each resource binds in turn: memory 30 / 10 = 3 s > compute 100 / 100 + 50 / 50 = 2 s > network 4 / 4.
    t = rl.step_times(_cost(30.0, 100.0, 50.0, 4.0), **rates)
    assert (t.memory, t.compute, t.network) == pytest.approx((3.0, 2.0, 1.0))
    assert t.binding == "memory" and t.bound == 3.0
    t = rl.step_times(_cost(10.0, 200.0, 100.0, 4.0), **rates)
    assert (t.memory, t.compute, t.network) == pytest.approx((1.0, 4.0, 1.0))
    assert t.binding == "compute" and t.bound == 4.0
    t = rl.step_times(_cost(10.0, 100.0, 0.0, 20.0), **rates)
    assert (t.memory, t.compute, t.network) == pytest.approx((1.0, 1.0, 5.0))
    assert t.binding == "network" and t.bound == 5.0


def test_network_rate_is_checked_only_when_something_is_sent() -> None:
    rates = {"hbm_bytes_per_s": 1.0, "linear_flops_per_s": 1.0, "attention_flops_per_s": 1.0}
    assert rl.step_times(_cost(1.0, 1.0, 1.0, 0.0), network_bytes_per_s=math.nan, **rates).network == 0
    with pytest.raises(rl.BandwidthError, match=r"^network_bytes_per_s\b"):
        rl.step_times(_cost(1.0, 1.0, 1.0, 3.0), network_bytes_per_s=0.0, **rates)
    with pytest.raises(rl.BandwidthError, match=r"^linear_flops_per_s\b"):
        rl.step_times(
            _cost(1.0, 1.0, 1.0, 0.0),
            hbm_bytes_per_s=1.0,
            linear_flops_per_s=-1.0,
            attention_flops_per_s=1.0,
            network_bytes_per_s=1.0,
        )
    with pytest.raises(rl.BandwidthError, match=r"^attention_flops_per_s\b"):
        rl.step_times(
            _cost(1.0, 1.0, 1.0, 0.0),
            hbm_bytes_per_s=1.0,
            linear_flops_per_s=1.0,
            attention_flops_per_s=math.inf,
            network_bytes_per_s=1.0,
        )


def test_a_bandwidth_must_be_a_real_number() -> None:
    for rate in (True, "100"):
        with pytest.raises(rl.BandwidthError, match=r"^hbm_bytes_per_s\b"):
            rl.step_times(
                _cost(1.0, 1.0, 1.0, 0.0),
                hbm_bytes_per_s=rate,
                linear_flops_per_s=1.0,  # type: ignore[arg-type]
                attention_flops_per_s=1.0,
                network_bytes_per_s=1.0,
            )
    # The smallest positive rate is accepted.
    t = rl.step_times(
        _cost(1.0, 0.0, 0.0, 0.0),
        hbm_bytes_per_s=0.5,
        linear_flops_per_s=1.0,
        attention_flops_per_s=1.0,
        network_bytes_per_s=1.0,
    )
    assert t.memory == 2.0


def test_tokens_per_s_by_hand() -> None:
    # 4 sequences x 1.5 tokens per step / 2 s per step = 3 tokens/s; one token per step is allowed.
    assert rl.tokens_per_s(4, 1.5, 2.0) == 3.0
    assert rl.tokens_per_s(4, 1, 2.0) == 2.0
    with pytest.raises(rl.RooflineInputError, match=r"^emitted_per_step\b"):
        rl.tokens_per_s(4, 0.99, 2.0)
    with pytest.raises(rl.RooflineInputError, match=r"^emitted_per_step\b"):
        rl.tokens_per_s(4, math.nan, 2.0)
    with pytest.raises(rl.BatchError, match=r"^batch\b"):
        rl.tokens_per_s(0, 1.5, 2.0)
    with pytest.raises(rl.BandwidthError, match=r"^step_s\b"):
        rl.tokens_per_s(4, 1.5, 0.0)


# --- ISCA helpers, Little's law ---------------------------------------------------------------


def test_isca_time_per_token_default_and_validation() -> None:
    # Default: 2 micro-batches per layer. 1 us x 2 x 3 layers = 6 us; with one micro-batch 3 us.
    assert rl.isca_time_per_token(1e-6, 3) == pytest.approx(6e-6)
    assert rl.isca_time_per_token(1e-6, 3, microbatches=1) == pytest.approx(3e-6)
    with pytest.raises(rl.RooflineInputError, match=r"^microbatches\b"):
        rl.isca_time_per_token(1e-6, 3, microbatches=0)
    with pytest.raises(rl.RooflineInputError, match=r"^layers\b"):
        rl.isca_time_per_token(1e-6, 0)
    # (1 + 2) bytes x 2 tokens x 3 experts x 4 wide / 8 B/s = 9 s.
    assert rl.isca_comm_time(1, 2, 2, 3, 4, 8) == 9
    with pytest.raises(rl.BandwidthError, match=r"^bandwidth\b"):
        rl.isca_comm_time(1, 2, 2, 3, 4, 0)


def test_concurrent_sequences_by_hand() -> None:
    assert rl.concurrent_sequences(100.0, 20.0) == 5.0
    with pytest.raises(rl.BandwidthError, match=r"^tokens_per_s_per_gpu\b"):
        rl.concurrent_sequences(0.0, 20.0)
    with pytest.raises(rl.BandwidthError, match=r"^tokens_per_s_per_sequence\b"):
        rl.concurrent_sequences(100.0, 0.0)


def test_experts_per_gpu_refuses_a_bad_gpu_count() -> None:
    assert rl.experts_per_gpu(4, 0, 1) == 4
    assert rl.experts_per_gpu(4, 2, 4) == 1.5
    with pytest.raises(rl.RooflineInputError, match=r"^gpus\b"):
        rl.experts_per_gpu(4, 0, True)


# --- decode_report ----------------------------------------------------------------------------


def test_decode_report_every_key_of_the_tiny_model() -> None:
    # TINY, 3 sequences of 5 cached tokens: weights (184 + 12 + 3 x 4) x 2 = 416 bytes, cache
    # 3 x 5 x 8 = 120; FLOPs 2 x 184 x 3 = 1104 linear + 80 x 3 = 240 attention.
    r = rl.decode_report(TINY, HW, 3, 5)
    assert r["weight_bytes"] == 416 and r["kv_bytes"] == 120 and r["hbm_bytes"] == 536
    assert r["flops"] == 1104 + 240
    assert r["network_bytes"] == 0 and r["network_s"] == 0
    assert r["memory_s"] == pytest.approx(5.36)
    # BF16 checkpoint: the linear layers run at the BF16 peak too.
    assert r["compute_s"] == pytest.approx(1.344)
    assert r["binding"] == "memory" and r["step_s"] == pytest.approx(5.36)
    # Default 8 GPUs per node.
    assert r["tokens_per_s_per_node"] == pytest.approx(8 * 3 / 5.36)
    assert r["tokens_per_s_per_gpu"] == pytest.approx(3 / 5.36)
    assert r["tokens_per_s_per_sequence"] == pytest.approx(1 / 5.36)
    assert rl.decode_report(TINY, HW, 3, 5, gpus_per_node=4)["tokens_per_s_per_node"] == pytest.approx(4 * 3 / 5.36)
    with pytest.raises(rl.RooflineInputError, match=r"^gpus_per_node\b"):
        rl.decode_report(TINY, HW, 3, 5, gpus_per_node=0)


def test_decode_report_fp8_linear_layers_at_the_fp8_peak() -> None:
    # TINY_FP8, 1 sequence of 2 cached tokens: linear 368 FLOPs at 2e4, attention 2 x 2 x 4 x 2 = 32
    # at the BF16 peak 1e3. A slower BF16 peak must not change the linear part.
    r = rl.decode_report(TINY_FP8, HW, 1, 2)
    assert r["compute_s"] == pytest.approx(368 / 2e4 + 32 / 1e3)
    # bytes: weights 144 + 112 = 256, cache 1 x 2 x 8 = 16: 272 / 100.
    assert r["memory_s"] == pytest.approx(2.72)


def test_decode_report_kv_dtype_and_overrides() -> None:
    # FP8 cache: 3 x 5 x 4 = 60 bytes; HBM overridden to 200 B/s: (416 + 60) / 200.
    r = rl.decode_report(TINY, HW, 3, 5, "fp8", hbm_bytes_per_s=200.0)
    assert r["kv_bytes"] == 60
    assert r["memory_s"] == pytest.approx(476 / 200)


def test_decode_report_with_mtp_by_hand() -> None:
    # p = 0.5: every sequence verifies 2 tokens per step and emits 1.5. 6 tokens: 6 embedding rows,
    # weights (184 + 12 + 24) x 2 = 440, cache still 120: memory 560 / 100 = 5.6 s;
    # FLOPs (2 x 184 + 80) x 6 = 2688 at 1e3 = 2.688 s.
    r = rl.decode_report(TINY, HW, 3, 5, mtp_acceptance=0.5)
    assert r["weight_bytes"] == 440 and r["memory_s"] == pytest.approx(5.6)
    assert r["compute_s"] == pytest.approx(2.688)
    assert r["tokens_per_s_per_gpu"] == pytest.approx(3 * 1.5 / 5.6)
    assert r["tokens_per_s_per_sequence"] == pytest.approx(1.5 / 5.6)
    # The bounds of the interval are allowed: p = 0 emits 1 token, p = 1 emits 2, both verify 2.
    zero = rl.decode_report(TINY, HW, 3, 5, mtp_acceptance=0.0)
    assert zero["weight_bytes"] == 440
    assert zero["tokens_per_s_per_sequence"] == pytest.approx(1 / 5.6)
    one = rl.decode_report(TINY, HW, 3, 5, mtp_acceptance=1.0)
    assert one["tokens_per_s_per_sequence"] == pytest.approx(2 / 5.6)


def test_decode_report_with_expert_parallelism_by_hand() -> None:
    # TINY_MOE on 2 GPUs, 1 sequence of 5 cached tokens: weights (4 + 48 + 12 + 16 + 40) x 2 + 72 =
    # 312 bytes, cache 5 x 8 = 40: memory 352 / 100 = 3.52 s. Network 4 x (1 + 4/128 + 2) bytes at
    # 10 B/s, or at an overriding 0.5 B/s.
    # Default: one GPU holds every expert and sends nothing; 1 token touches 2 of 4 experts.
    alone = rl.decode_report(TINY_MOE, HW, 1, 5)
    assert alone["network_bytes"] == 0 and alone["network_s"] == 0
    assert alone["weight_bytes"] == (4 + 48 + 12 + 48 + 16 + 40) * 2
    r = rl.decode_report(TINY_MOE, HW, 1, 5, gpus=2)
    sent = 4 * (1 + 4 / 128 + 2)
    assert r["network_bytes"] == pytest.approx(sent)
    assert r["network_s"] == pytest.approx(sent / 10)
    assert r["memory_s"] == pytest.approx(3.52)
    slow = rl.decode_report(TINY_MOE, HW, 1, 5, gpus=2, network_bytes_per_s=0.5)
    assert slow["network_s"] == pytest.approx(sent / 0.5)
    assert slow["binding"] == "network" and slow["step_s"] == pytest.approx(sent / 0.5)
    # experts_per_gpu passes through: 1 expert held, 0.75 touched: 36 bytes instead of 72.
    held = rl.decode_report(TINY_MOE, HW, 1, 5, gpus=2, experts_per_gpu=1)
    assert held["weight_bytes"] == (4 + 48 + 12 + 16 + 40) * 2 + 36
