"""The memory plan (issue 9): one function for the MLA chapter's node fit and ``dsv3 plan``.

Expected values are worked by hand here: memory = GPUs x 80 GiB (the H800's "80GB" of HBM3, NVIDIA's
H100 SXM datasheet), weights = parameters x bytes or the checkpoint's bytes as stored, cache per
sequence = elements per token (DeepSeek-V2 Table 1) x context x bytes, windowed layers capped.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from dsv3.arch.params import count_params
from dsv3.arch.storage import UnknownQuantization, weight_bytes_as_stored
from dsv3.inputs.hf_config import load_config
from dsv3.serving.memory import ContextTooLong, check_context, node_fit, plan

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "hf-configs"
V3 = load_config(ROOT / "data" / "models" / "deepseek-v3.json")
H800 = 80 * 2**30
NODE = 8 * H800  # 687,194,767,360 bytes


@pytest.mark.parametrize(("context", "sequences"), [(32_768, 7), (131_072, 1)])
def test_every_parameter_in_fp8(context: int, sequences: int) -> None:
    # Weights 671,026,419,200 parameters x 1 byte; cache (512 + 64) x 61 x 2 bytes per token.
    free = NODE - 671_026_419_200
    per_sequence = 576 * 61 * 2 * context
    assert math.floor(free / per_sequence) == sequences
    p = plan(V3, n_gpus=8, gpu_memory_bytes=H800, context_len=context, weights="fp8")
    assert (p.weight_bytes, p.free_bytes, p.sequence_bytes, p.sequences) == (
        671_026_419_200,
        free,
        per_sequence,
        sequences,
    )
    assert node_fit(V3, "fp8", "bf16", 1, 8, H800, context) == p  # one function serves both


@pytest.mark.parametrize(("context", "sequences"), [(32_768, 6), (131_072, 1)])
def test_weights_as_stored_give_the_serving_chapters_node_fit(context: int, sequences: int) -> None:
    # The released checkpoint is 688,574,839,360 bytes with its MTP module; the main model alone is less
    # than that and more than its 671,026,419,200 parameters at one FP8 byte each, since its embedding,
    # head, router and norms are BF16 and its block scales F32. The serving chapter's table and
    # `dsv3 plan` (default --weights stored) both read this one number.
    p = plan(V3, n_gpus=8, gpu_memory_bytes=H800, context_len=context)
    assert node_fit(V3, "stored", "bf16", 1, 8, H800, context) == p
    assert 671_026_419_200 < p.weight_bytes < 688_574_839_360
    assert math.floor((NODE - p.weight_bytes) / (576 * 61 * 2 * context)) == sequences == p.sequences


def test_weights_as_stored_are_the_default() -> None:
    # As stored, the embedding, head, norms and router are BF16 (two bytes), the routing bias F32 and
    # every 128 x 128 block of an FP8 weight carries an F32 scale: more than one byte per parameter.
    stored = weight_bytes_as_stored(V3).total_bytes
    embedding_and_head = 2 * 129_280 * 7168  # their second byte each
    assert stored > count_params(V3).total_params + embedding_and_head
    p = plan(V3, n_gpus=8, gpu_memory_bytes=H800, context_len=32_768)
    assert p.weights == "stored" and p.weight_bytes == stored
    assert p.sequences == math.floor((NODE - stored) / (576 * 61 * 2 * 32_768)) == 6


def test_windowed_layers_are_capped_in_the_plan() -> None:
    # gpt-oss-120b on one 80 GiB GPU at 128K: 18 full layers keep 131,072 tokens, 18 sliding layers 128;
    # each token of each layer keeps K and V of 8 heads x 64 in BF16.
    arch = load_config(FIXTURES / "gpt-oss-120b.config.json")
    per_sequence = (18 * 131_072 + 18 * 128) * 2 * 8 * 64 * 2
    p = plan(arch, n_gpus=1, gpu_memory_bytes=H800, context_len=131_072, batch=4)
    assert p.sequence_bytes == per_sequence
    assert p.sequences == math.floor((H800 - weight_bytes_as_stored(arch).total_bytes) / per_sequence)
    assert p.batch_fits == (4 <= p.sequences)


def test_deepseek_v32_adds_its_indexer_keys() -> None:
    arch = load_config(FIXTURES / "deepseek-v3.2.config.json")
    p = plan(arch, n_gpus=8, gpu_memory_bytes=H800, context_len=1000, cache_dtype="fp8")
    assert p.sequence_bytes == 1000 * 61 * (576 * 1 + 128 * 1 + 4)  # MLA in FP8, indexer key FP8 + F32 scale


def test_reserve_and_batch() -> None:
    p = plan(V3, n_gpus=8, gpu_memory_bytes=H800, context_len=32_768, weights="fp8", reserve=0.01, batch=8)
    assert p.reserve_bytes == pytest.approx(0.01 * NODE)
    assert p.free_bytes == pytest.approx(NODE * 0.99 - 671_026_419_200)
    assert p.sequences == 4 and not p.batch_fits  # (680.3e9 - 671.0e9) / 2.30e9 = 4.06


def test_weights_that_do_not_fit() -> None:
    llama = load_config(ROOT / "data" / "models" / "llama-3.1-405b.json")
    p = plan(llama, n_gpus=8, gpu_memory_bytes=H800, context_len=4096, weights="bf16")
    assert not p.weights_fit and p.sequences == 0 and p.free_bytes == NODE - 2 * 405_853_388_800


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"n_gpus": 0}, ValueError, "n_gpus"),
        ({"context_len": 0}, ValueError, "context_len"),
        ({"context_len": 2.5}, ValueError, "context_len"),
        ({"batch": 0}, ValueError, "batch"),
        ({"reserve": 1.5}, ValueError, "reserve"),
        ({"weights": "int3"}, ValueError, "weights"),
        ({"gpu_memory_bytes": -1}, ValueError, "gpu_memory_bytes"),
    ],
)
def test_bad_input_is_named(kwargs: dict, error: type, name: str) -> None:
    args = {"n_gpus": 8, "gpu_memory_bytes": H800, "context_len": 4096} | kwargs
    with pytest.raises(error, match=name):
        plan(V3, **args)


def test_a_context_beyond_the_config_is_named() -> None:
    assert check_context(V3, 163_840) == 163_840  # V3's max_position_embeddings
    with pytest.raises(ContextTooLong, match="max_position_embeddings"):
        check_context(V3, 163_841)
    gemma = load_config(FIXTURES / "gemma-2-2b-it.config.json")
    with pytest.raises(ContextTooLong, match="8,192"):
        check_context(gemma, 131_072)


def test_unknown_quantization_refuses_stored_bytes_but_not_a_dtype() -> None:
    lite = load_config(ROOT / "data" / "models" / "deepseek-v2-lite.json")  # a bitsandbytes copy's config
    with pytest.raises(UnknownQuantization, match="'bitsandbytes'"):
        plan(lite, n_gpus=1, gpu_memory_bytes=H800, context_len=4096)
    p = plan(lite, n_gpus=1, gpu_memory_bytes=H800, context_len=4096, weights="bf16")
    assert p.weight_bytes == 2 * count_params(lite).total_params


def test_plan_decode_prints_the_bound_and_refuses_a_bad_acceptance(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from dsv3.cli import main

    config = str(ROOT / "data" / "models" / "deepseek-v3.json")
    args = ["plan", config, "--gpu", "H800", "--gpus", "8", "--context", "4096", "--batch", "16", "--weights", "fp8"]
    assert main([*args, "--decode", "--json"]) == 0
    decode = json.loads(capsys.readouterr().out)["decode"]
    # The bound is the slowest of the three resources, and it names which.
    times = {k: decode[f"{k}_s"] for k in ("memory", "compute", "network")}
    assert decode["step_s"] == max(times.values())
    assert decode["binding"] == max(times, key=times.get)
    # 16 sequences on 8 GPUs: 2 per GPU, one token each per step without MTP.
    assert decode["tokens_per_s_per_gpu"] == pytest.approx(2 / decode["step_s"])
    assert main([*args, "--decode"]) == 0
    assert "per step, set by" in capsys.readouterr().out
    assert main([*args, "--decode", "--mtp-acceptance", "1.5"]) == 2
    assert "--mtp-acceptance" in capsys.readouterr().err
