"""dsv3.serving (and the expert-parallel byte count): the arguments and defaults the mutation sample
(issue 18) found untested. Every refused argument must be named in the error (README, "Mutation
testing"); the figures are worked by hand from the docstrings' cited disclosures.
"""

from __future__ import annotations

import pytest

from dsv3.inputs.models import load_model
from dsv3.serving import economics, memory, roofline, speculative
from dsv3.training import expert_parallel


@pytest.fixture
def v3():
    return load_model("DeepSeek-V3")


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda v3: economics.markup(-1.0, 1.0), "revenue"),
        (lambda v3: economics.markup(1.0, 0.0), "cost"),
        (lambda v3: economics.prefill_tokens_per_s(1e9, 0.0, 0.5), "flops_per_s"),
        (lambda v3: economics.prefill_tokens_per_s(1e9, 1e15, 0.0), "utilisation"),
        (lambda v3: economics.prefill_tokens_per_s(0.0, 1e15, 0.5), "flops_per_token"),
        (lambda v3: memory.check_context(v3, 0), "context_len"),
        (lambda v3: memory.plan(v3, n_gpus=0, gpu_memory_bytes=80e9, context_len=4096), "n_gpus"),
        (lambda v3: memory.plan(v3, n_gpus=8, gpu_memory_bytes=0.0, context_len=4096), "gpu_memory_bytes"),
        (lambda v3: roofline.decode_step(v3, 1, 0), "context"),
        (lambda v3: roofline.decode_step(v3, 1, 4096, tokens_per_sequence=0), "tokens_per_sequence"),
        (lambda v3: roofline.experts_per_gpu(0, 32, 144), "n_routed"),
        (lambda v3: roofline.experts_per_gpu(256, 32, 0), "gpus"),
        (lambda v3: roofline.experts_per_gpu(256, True, 144), "redundant"),
        (lambda v3: roofline.experts_per_gpu(256, 1.5, 144), "redundant"),
        (lambda v3: roofline.experts_per_gpu(256, -1, 144), "redundant"),
        (lambda v3: speculative.walltime_speedup(0.8, 1, draft_cost=True), "draft_cost"),
        (lambda v3: speculative.walltime_speedup(0.8, 1, draft_cost=-0.1), "draft_cost"),
        (lambda v3: expert_parallel.dispatch_bytes(7168, tile=0), "tile"),
        (lambda v3: expert_parallel.dispatch_bytes(0), "hidden"),
    ],
)
def test_each_argument_is_named_when_refused(v3, call, name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name} must"):
        call(v3)


def test_experts_per_gpu_matches_the_disclosure() -> None:
    # DeepSeek's inference-system disclosure: (256 + 32) / 144 = 2 in decoding, (256 + 32) / 32 = 9 in prefilling
    assert roofline.experts_per_gpu(256, 32, 144) == 2.0
    assert roofline.experts_per_gpu(256, 32, 32) == 9.0
    assert roofline.experts_per_gpu(256, 0, 32) == 8.0  # no redundant experts


def test_speculative_defaults_are_one_draft_token_at_no_cost() -> None:
    # gamma = 1: 1 + alpha tokens per step; no draft cost: the speed-up is the tokens per step
    assert speculative.walltime_speedup(0.85) == pytest.approx(1.85)
    # V3 report Section 5.4.3: 85-90% acceptance, 1.8x TPS. At 0.85: (1.85 / 1.8 - 1) / 1 = 0.0278
    assert speculative.implied_draft_cost(1.8, 0.85) == pytest.approx(1.85 / 1.8 - 1)
    # gamma = 2: 1 + 0.5 + 0.25 = 1.75 tokens; a 1.5x speed-up leaves (1.75 / 1.5 - 1) / 2 = 0.0833
    assert speculative.implied_draft_cost(1.5, 0.5, 2) == pytest.approx((1.75 / 1.5 - 1) / 2)


def test_dispatch_bytes_of_v3_by_hand() -> None:
    # 7168 FP8 bytes + ceil(7168 / 128) = 56 FP32 scales x 4 bytes = 7,392 (the docstring's worked figure)
    assert expert_parallel.dispatch_bytes(7168) == 7168 + 56 * 4 == 7392
    assert expert_parallel.dispatch_bytes(7168, tile=64) == 7168 + 112 * 4
    assert expert_parallel.dispatch_bytes(7168, scale_bytes=1) == 7168 + 56  # power-of-two scales as one byte


def test_plan_passes_the_weights_mode_on(v3) -> None:
    # FP8 weights: one byte per parameter, 671,026,419,200 bytes (tests/serving/test_plan.py); BF16: two per parameter
    fp8 = memory.plan(v3, n_gpus=8, gpu_memory_bytes=80 * 2**30, context_len=4096, weights="fp8")
    bf16 = memory.plan(v3, n_gpus=8, gpu_memory_bytes=80 * 2**30, context_len=4096, weights="bf16")
    assert fp8.weight_bytes == 671_026_419_200
    assert bf16.weight_bytes == 2 * 671_026_419_200
