"""Serving memory (dsv3.serving.memory) on a model small enough to count by hand.

TINY: vocabulary 10, hidden 4, one GQA layer (2 query heads, 1 KV head of width 2), SwiGLU MLP of
width 8, untied head, BF16. Parameters: embedding 40 + attention 48 + MLP 96 + head 40 + norms 12
= 236, stored as 472 BF16 bytes. Cache: K and V of 1 head x 2 wide x 1 layer = 4 elements, 8
bytes per token in BF16.
"""

from __future__ import annotations

import pytest

from dsv3.arch.spec import GQA, Architecture, DenseMLP
from dsv3.serving import memory

TINY = Architecture(
    name="tiny", family="llama", vocab_size=10, hidden_size=4, attention=GQA(2, 1, 2), ffn=(DenseMLP(8),)
)


def test_cache_bytes_by_hand() -> None:
    # 2 bytes a token x 3 tokens, one sequence by default; 4 sequences; an empty context holds nothing.
    assert memory.kv_cache_bytes(2, 3) == 6
    assert memory.kv_cache_bytes(2, 3, 4) == 24
    assert memory.kv_cache_bytes(2, 0) == 0
    assert memory.cache_bytes_read_per_generated_token(2, 5) == 10


@pytest.mark.parametrize(
    ("args", "name"),
    [((0, 3), "bytes_per_token"), ((2, -1), "context_len"), ((2, 3, 0), "n_sequences")],
)
def test_cache_bytes_refuses(args: tuple, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        memory.kv_cache_bytes(*args)


def test_memory_left_and_sequences_by_hand() -> None:
    assert memory.memory_left_for_cache(10, 4) == 6
    assert memory.memory_left_for_cache(10, 0) == 10
    assert memory.memory_left_for_cache(10, 12) == -2  # the weights alone do not fit
    # 100 bytes, weights 20, 2 bytes a token x 10 tokens = 20 a sequence: floor(80 / 20) = 4.
    assert memory.max_concurrent_sequences(100, 20, 2, 10) == 4
    assert memory.max_concurrent_sequences(100, 20, 2, 40) == 1  # exactly one 80-byte sequence
    assert memory.max_concurrent_sequences(100, 20, 2, 41) == 0
    assert memory.max_concurrent_sequences(10, 20, 1, 1) == 0  # not -10
    with pytest.raises(ValueError, match=r"^memory_bytes\b"):
        memory.memory_left_for_cache(0, 4)
    with pytest.raises(ValueError, match=r"^weight_bytes\b"):
        memory.memory_left_for_cache(10, -1)
    with pytest.raises(ValueError, match=r"^context_len\b"):
        memory.max_concurrent_sequences(100, 20, 2, 0)


def test_weight_bytes_of_the_tiny_model() -> None:
    assert memory.weight_bytes(TINY, "fp8") == 236
    assert memory.weight_bytes(TINY, "bf16") == 472


def test_plan_of_the_tiny_model_by_hand() -> None:
    # 2 GPUs of 500 bytes = 1000; weights as stored 472; free 528; 10 tokens x 8 bytes = 80 a
    # sequence: floor(528 / 80) = 6. One sequence asked for by default.
    p = memory.plan(TINY, n_gpus=2, gpu_memory_bytes=500, context_len=10)
    assert (p.n_gpus, p.memory_bytes, p.weight_bytes, p.free_bytes) == (2, 1000, 472, 528)
    assert (p.sequence_bytes, p.sequences, p.context_len, p.reserve_bytes) == (80, 6, 10, 0)
    assert p.batch == 1 and p.batch_bytes == 80 and p.batch_fits and p.weights == "stored"
    # A 10% reserve holds back 100 bytes: floor(428 / 80) = 5; six sequences no longer fit.
    r = memory.plan(TINY, n_gpus=2, gpu_memory_bytes=500, context_len=10, reserve=0.1, batch=6)
    assert (r.reserve_bytes, r.free_bytes, r.sequences) == (100, 428, 5)
    assert r.batch == 6 and r.batch_bytes == 480 and not r.batch_fits
    # Every parameter at one FP8 byte: 236; an FP8 cache, 4 bytes a token: floor(764 / 40) = 19.
    f = memory.plan(TINY, n_gpus=2, gpu_memory_bytes=500, context_len=10, weights="fp8", cache_dtype="fp8")
    assert (f.weight_bytes, f.sequence_bytes, f.sequences, f.weights) == (236, 40, 19, "fp8")


def test_plan_at_the_edge_of_fitting() -> None:
    # 472 bytes of memory hold the weights exactly: they fit, with room for no sequence.
    p = memory.plan(TINY, n_gpus=1, gpu_memory_bytes=472, context_len=10)
    assert p.free_bytes == 0 and p.weights_fit and p.sequences == 0 and not p.batch_fits
    # One byte less and they do not.
    q = memory.plan(TINY, n_gpus=1, gpu_memory_bytes=471, context_len=10)
    assert q.free_bytes == -1 and not q.weights_fit and q.sequences == 0
    # 80 bytes spare: exactly one sequence, and a batch of one fits.
    s = memory.plan(TINY, n_gpus=1, gpu_memory_bytes=552, context_len=10)
    assert s.sequences == 1 and s.batch_fits


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"batch": 0}, "batch"), ({"reserve": -0.1}, "reserve"), ({"context_len": 0}, "context_len")],
)
def test_plan_refusals_name_the_field(kwargs: dict, name: str) -> None:
    args = {"n_gpus": 1, "gpu_memory_bytes": 500, "context_len": 10} | kwargs
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        memory.plan(TINY, **args)


def test_node_fit_of_the_tiny_model() -> None:
    # 2 nodes x 1 GPU x 500 bytes, every parameter in BF16 (472), an FP8 cache of 4 bytes a token:
    # floor(528 / 40) = 13 sequences of 10 tokens.
    f = memory.node_fit(TINY, "bf16", "fp8", 2, 1, 500, 10)
    assert (f.n_gpus, f.weight_bytes, f.sequence_bytes, f.sequences) == (2, 472, 40, 13)
    assert f == memory.plan(TINY, n_gpus=2, gpu_memory_bytes=500, context_len=10, weights="bf16", cache_dtype="fp8")


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("bf16", "bf16", 0, 1, 500, 10), "n_nodes"),
        (("bf16", "bf16", 1, 0, 500, 10), "gpus_per_node"),
        (("int3", "bf16", 1, 1, 500, 10), "dtype"),
    ],
)
def test_node_fit_refusals_name_the_field(args: tuple, name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        memory.node_fit(TINY, *args)
