"""Weights as stored, by dtype: gpt-oss-20b's MXFP4 experts and DeepSeek-V3's FP8 blocks counted by hand.

gpt-oss model card (arXiv:2508.10925) Section 2.1 and the OCP Microscaling Formats v1.0: the MoE weights are
4-bit values in blocks of 32 sharing one 8-bit (E8M0) scale, everything else BF16. DeepSeek-V3's
README_WEIGHTS.md: FP8 E4M3 linear weights with one F32 scale per 128 x 128 block.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dsv3.arch.params import count_params
from dsv3.arch.storage import UnknownQuantization, storage_format, weight_bytes_as_stored
from dsv3.inputs.hf_config import load_config

ROOT = Path(__file__).resolve().parents[2]
GPT_OSS_20B = load_config(ROOT / "tests/fixtures/hf-configs/gpt-oss-20b.config.json")


def test_gpt_oss_20b_elements_and_bytes_by_dtype() -> None:
    # 24 layers x 32 experts x (gate_up 2,880 x 5,760 + down 2,880 x 2,880)
    mxfp4 = 24 * 32 * (2880 * 2 * 2880 + 2880 * 2880)
    assert mxfp4 == 19_110_297_600
    stored = weight_bytes_as_stored(GPT_OSS_20B)
    bf16 = count_params(GPT_OSS_20B).total_params - mxfp4  # every other parameter
    assert stored.elements == {"BF16": bf16, "MXFP4": mxfp4, "E8M0": mxfp4 // 32}
    assert stored.bytes_by_dtype == {"BF16": 2.0 * bf16, "MXFP4": 0.5 * mxfp4, "E8M0": 1.0 * (mxfp4 // 32)}
    assert stored.total_bytes == 2 * bf16 + mxfp4 / 2 + mxfp4 / 32
    assert stored.format.startswith("MXFP4 routed experts") and stored.format.endswith("the rest BF16")
    assert "one 8-bit scale per 32" in stored.format


def test_deepseek_v3_fp8_blocks_by_dtype() -> None:
    v3 = load_config(ROOT / "data/models/deepseek-v3.json")
    stored = weight_bytes_as_stored(v3)
    assert set(stored.elements) == {"F8_E4M3", "F32", "BF16"}
    assert stored.format == "FP8 E4M3 linear weights with F32 scales per 128x128 block, the rest BF16"
    # every stored value is a parameter, the scales are not: FP8 + BF16 + the F32 routing bias = the count
    bias = 58 * 256  # e_score_correction_bias, one F32 per routed expert per MoE layer
    assert stored.elements["F8_E4M3"] + stored.elements["BF16"] + bias == count_params(v3).total_params
    # each scale covers at most one 128 x 128 block, so there are at least FP8 / 128^2 of them
    assert stored.elements["F32"] - bias >= stored.elements["F8_E4M3"] / 128**2
    assert stored.bytes_by_dtype["F8_E4M3"] == stored.elements["F8_E4M3"]


def test_a_config_without_quantization_is_stored_at_its_dtype() -> None:
    llama = load_config(ROOT / "tests/fixtures/hf-configs/llama-3.1-8b.config.json")
    assert storage_format(llama) == "every tensor in bfloat16"
    stored = weight_bytes_as_stored(llama)
    assert stored.elements == {"BF16": count_params(llama).total_params}


def test_an_unknown_method_is_refused_by_name() -> None:
    with pytest.raises(UnknownQuantization, match="'awq'"):
        storage_format(replace(GPT_OSS_20B, quant_method="awq"))
    with pytest.raises(UnknownQuantization, match="weight_block_size"):
        storage_format(replace(GPT_OSS_20B, quant_method="fp8", fp8_block=None))
