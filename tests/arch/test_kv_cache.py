"""KV cache per token against the figures DeepSeek publishes.

Sources: V2 = DeepSeek-V2 Technical Report (arXiv:2405.04434); V3 = DeepSeek-V3 Technical Report
(arXiv:2412.19437); ISCA = "Insights into DeepSeek-V3" (ISCA '25, arXiv:2505.09343). KB = 1,000
bytes, as in those papers. Expected values are the papers' figures or hand arithmetic on the
papers' hyper-parameters, never the code's own output.
"""

from __future__ import annotations

import pytest

from dsv3 import units
from dsv3.arch import kv_cache as kv
from dsv3.arch.spec import GQA
from dsv3.inputs.facts import fact
from dsv3.inputs.hardware import gpu
from dsv3.inputs.hf_config import load_config
from dsv3.inputs.paths import data_file
from dsv3.serving import memory as mem


def arch(name: str):
    return load_config(data_file(f"models/{name}.json"))


V3 = arch("deepseek-v3")
V2 = arch("deepseek-v2")
QWEN = arch("qwen2.5-72b-instruct")
LLAMA = arch("llama-3.1-405b")
DSLLM = arch("deepseek-llm-67b-chat")


def test_v3_mla_cache_is_isca_table1() -> None:
    # V3 Section 4.2: 61 layers, d_c = 512, d_h^R = 64; V2 Table 1: (d_c + d_h^R) l elements.
    assert kv.kv_cache_elements_per_layer(V3.attention) == 512 + 64
    assert kv.kv_cache_elements_per_token(V3) == (512 + 64) * 61
    # ISCA Table 1: "DeepSeek-V3 (MLA) | 70.272 KB | 1x" (BF16, 2 bytes per element).
    assert kv.kv_cache_bytes_per_token(V3, "bf16") / units.KB == pytest.approx(70.272)


@pytest.mark.parametrize(
    ("model", "kb"),
    [(QWEN, 327.680), (LLAMA, 516.096)],  # ISCA Table 1: "327.680 KB", "516.096 KB"
)
def test_gqa_peers_are_isca_table1(model, kb: float) -> None:
    assert kv.attention_kind(model.attention) == "GQA"
    assert kv.kv_cache_bytes_per_token(model, "bf16") / units.KB == pytest.approx(kb)


def test_isca_ratios_from_the_configs() -> None:
    # ISCA Table 1 prints 4.66x for Qwen-2.5 72B and 7.28x for LLaMA-3.1 405B.
    qwen = kv.kv_cache_bytes_per_token(QWEN) / kv.kv_cache_bytes_per_token(V3)
    assert fact("kv.isca_table1.qwen25_72b_ratio").agrees(qwen)
    # Its sizes give 516.096 / 70.272 = 7.344...: the printed 7.28x does not follow from them.
    ratio = kv.kv_cache_bytes_per_token(LLAMA) / kv.kv_cache_bytes_per_token(V3)
    assert round(ratio, 2) == 7.34 and not fact("kv.isca_table1.llama31_405b_ratio").agrees(ratio)


def test_v2_table1_caption() -> None:
    # V2 Table 1: "(d_c + d_h^R) l ≈ 9/2 d_h l"; caption: "d_c is set to 4d_h and d_h^R is set to
    # d_h/2. So, its KV cache is equal to GQA with only 2.25 groups".
    a = V2.attention
    assert a.kv_lora_rank == 4 * a.qk_nope_head_dim and a.qk_rope_head_dim == a.qk_nope_head_dim // 2
    # By hand: (4 d_h + d_h / 2) / d_h = 9/2 elements per d_h; halved for a key and a value, 2.25 groups.
    assert kv.kv_cache_elements_per_layer(a) == 512 + 64 == 4.5 * 128
    assert kv.mla_gqa_equivalent_groups(a) == 2.25
    assert kv.mla_elements(512, 64, 60) == kv.gqa_elements(1, 128, 60) * 2.25


def test_v2_93_percent_needs_6_bit_cache() -> None:
    # V2 Abstract: "reduces the KV cache by 93.3%" against DeepSeek 67B; Section 3.2.3: each
    # element compressed "into 6 bits on average". 67B: 95 layers, 8 KV heads of 128 (GQA).
    v2_elements = kv.kv_cache_elements_per_token(V2)
    assert v2_elements == (512 + 64) * 60
    assert kv.kv_cache_elements_per_token(DSLLM) == 2 * 8 * 128 * 95
    with_quantization = 1 - kv.kv_cache_bytes_per_token(V2, "6bit") / kv.kv_cache_bytes_per_token(DSLLM, "bf16")
    elements_only = 1 - v2_elements / kv.kv_cache_elements_per_token(DSLLM)
    assert round(with_quantization, 3) == 0.933
    assert round(elements_only, 3) == 0.822  # elements alone do not give 93.3%


def test_table1_rows_on_v3_shapes() -> None:
    # V3 Section 4.2: n_h = 128, d_h = 128, 61 layers.
    assert kv.mha_elements(128, 128, 61) == 1_998_848
    # MQA is GQA with one group, MHA is GQA with a group per head (V2 Table 1).
    assert kv.mqa_elements(128, 61) == kv.gqa_elements(1, 128, 61)
    assert kv.mha_elements(128, 128, 61) == kv.gqa_elements(128, 128, 61)
    # GQA with Llama-3.1-405B's 8 groups of 128 over 126 layers, at 2 bytes: ISCA Table 1's 516.096 KB.
    llama_kb = kv.gqa_elements(8, 128, 126) * units.bytes_per_element("bf16") / units.KB
    assert fact("kv.isca_table1.llama31_405b_kb").agrees(llama_kb)


def test_miscounts_of_v3() -> None:
    true_bytes = 2 * (512 + 64) * 61  # 70,272 bytes at BF16 (ISCA Table 1)
    # 128 heads of 7168 / 128 = 56, K and V, 61 layers, 2 bytes: 1,748,992 bytes, 24.9x.
    wrong = 2 * kv.miscount_hidden_over_heads(V3)
    assert wrong == 2 * 128 * 56 * 61 * 2 == 1_748_992
    assert round(wrong / true_bytes, 1) == 24.9
    # Up-projected keys 128 x (128 + 64) and values 128 x 128 per layer: 71.1x.
    assert kv.miscount_upprojected_kv(V3) == (128 * 192 + 128 * 128) * 61
    assert round(kv.miscount_upprojected_kv(V3) / (true_bytes / 2), 1) == 71.1
    # Without the 64-wide RoPE key: 512/576 - 1 = -11%; the latent twice: 1024/576 - 1 = +78%.
    assert round(kv.miscount_no_rope_key(V3) / (true_bytes / 2) - 1, 2) == -0.11
    assert round(kv.miscount_doubled_latent(V3) / (true_bytes / 2) - 1, 2) == 0.78


def test_miscounts_need_mla() -> None:
    with pytest.raises(ValueError, match="arch must use MLA"):
        kv.miscount_no_rope_key(LLAMA)


def test_attention_kinds() -> None:
    assert kv.attention_kind(V3.attention) == "MLA"
    assert kv.attention_kind(GQA(32, 32, 128)) == "MHA"
    assert kv.attention_kind(GQA(32, 1, 128)) == "MQA"
    assert kv.attention_kind(GQA(32, 8, 128)) == "GQA"


@pytest.mark.parametrize(("model", "key"), [(V3, "v3"), (QWEN, "qwen25_72b"), (LLAMA, "llama31_405b")])
def test_cache_per_sequence_is_isca_table1_per_token(model, key: str) -> None:
    # A sequence's cache, and what one generated token reads of it, is ISCA Table 1's size per
    # token of context, at the 32K and 128K of V3 Section 4.3.
    published = fact(f"kv.isca_table1.{key}_kb")
    for phase in ("phase1", "phase2"):
        ctx = int(fact(f"v3.yarn.{phase}_seq_len").value)
        per_token = kv.kv_cache_bytes_per_token(model, "bf16")
        assert published.agrees(mem.kv_cache_bytes(per_token, ctx) / ctx / units.KB)
        assert published.agrees(mem.cache_bytes_read_per_generated_token(per_token, ctx) / ctx / units.KB)


def test_sequences_of_v2_are_gqa_with_2_25_groups() -> None:
    # V2 Table 1 caption: MLA's cache "is equal to GQA with only 2.25 groups" (of d_h = 128, 60
    # layers), so four V2 sequences cache what one sequence of GQA with 4 x 2.25 = 9 groups would.
    ctx = int(fact("v3.yarn.phase2_seq_len").value)
    groups = fact("kv.v2.table1_gqa_groups").value
    gqa_9 = kv.gqa_elements(int(4 * groups), 128, 60) * units.bytes_per_element("bf16")
    assert mem.kv_cache_bytes(kv.kv_cache_bytes_per_token(V2), ctx, n_sequences=4) == mem.kv_cache_bytes(gqa_9, ctx)


def test_serving_arithmetic() -> None:
    # 640e9 bytes, 145e9 of weights, 10e9 per sequence: 49 sequences.
    assert mem.max_concurrent_sequences(640e9, 145e9, 10_000, 1_000_000) == 49
    # Weights larger than memory: nothing fits.
    assert mem.max_concurrent_sequences(640e9, 671e9, 70_272, 32_768) == 0
    assert mem.memory_left_for_cache(640e9, 671e9) == -31e9


def test_h800_memory_is_80_gib() -> None:
    # NVIDIA H100 SXM5 datasheet: "80GB" of HBM3, physically 80 GiB; the H800 SXM has the same.
    assert gpu("H800").hbm_bytes == 80 * 2**30 == 80 * units.GiB


def test_v3_fits_one_node_of_h800s_barely() -> None:
    # 8 H800s per node (V2 Section 3.2.3) x 80 GiB = 687,194,767,360 bytes; V3's weights in FP8,
    # 1 byte per parameter, are its 671B parameters (V3 Abstract).
    gpus, memory = int(fact("kv.v2.node_gpus").value), gpu("H800").hbm_bytes
    at_32k = mem.node_fit(V3, "fp8", "bf16", 1, gpus, memory, 32_768)
    assert at_32k.n_gpus == 8 and at_32k.memory_bytes == 687_194_767_360
    assert fact("params.v3.paper_total").agrees(at_32k.weight_bytes)
    # 687.19e9 - 671.03e9 = 16.17e9 bytes left: 16.17e9 / (70,272 x 32,768 = 2.30e9) = 7.02 sequences of
    # 32K, 16.17e9 / (70,272 x 131,072 = 9.21e9) = 1.76 of 128K.
    assert 16.1e9 < at_32k.free_bytes < 16.2e9
    assert at_32k.sequence_bytes == 2_302_672_896 and at_32k.sequences == 7
    assert mem.node_fit(V3, "fp8", "bf16", 1, gpus, memory, 131_072).sequences == 1
    # Two nodes: 1,374.39e9 - 671.03e9 = 703.36e9 bytes, / 9.21e9 = 76.4 sequences of 128K.
    assert mem.node_fit(V3, "fp8", "bf16", 2, gpus, memory, 131_072).sequences == 76


def test_llama_405b_needs_two_nodes_of_h800s() -> None:
    # About 405B parameters x 2 bytes (BF16) = 812e9 bytes > 687.2e9 bytes of one node: nothing fits.
    gpus, memory = int(fact("kv.v2.node_gpus").value), gpu("H800").hbm_bytes
    one = mem.node_fit(LLAMA, "bf16", "bf16", 1, gpus, memory, 131_072)
    assert one.free_bytes < 0 and one.sequences == 0
    assert 405e9 * 2 < one.weight_bytes < 406e9 * 2
    # Two nodes: 1,374.39e9 - 811.7e9 = 562.7e9 bytes, / (516,096 x 131,072 = 67.6e9) = 8.3 of 128K.
    assert mem.node_fit(LLAMA, "bf16", "bf16", 2, gpus, memory, 131_072).sequences == 8


def test_hidden_over_heads_miscount_of_v3() -> None:
    # V3 Section 4.2: hidden dimension 7168, 128 heads: a calculator infers heads of 56, and K and
    # V of 2 x 7168 = 14,336 elements per layer.
    assert kv.head_dim_from_hidden(V3) == 56
    assert kv.miscount_hidden_over_heads_per_layer(V3) == 14_336


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: mem.kv_cache_bytes(70_272, -1), "context_len"),
        (lambda: mem.kv_cache_bytes(70_272, 1.5), "context_len"),
        (lambda: mem.cache_bytes_read_per_generated_token(70_272, -5), "context_len"),
        (lambda: mem.max_concurrent_sequences(640e9, 0, 70_272, 0), "context_len"),
        (lambda: mem.kv_cache_bytes(-2, 10), "bytes_per_token"),
        (lambda: mem.kv_cache_bytes(2, 10, n_sequences=0), "n_sequences"),
        (lambda: kv.kv_cache_bytes_per_token(V3, "int3"), "dtype"),
        (lambda: units.bytes_per_element("BF16 "), "dtype"),
        (lambda: kv.mla_elements(0, 64, 61), "d_c"),
        (lambda: kv.mla_elements(-512, 64, 61), "d_c"),
        (lambda: kv.mla_elements(512, 64, 0), "n_layers"),
        (lambda: kv.gqa_elements(8, 0, 61), "head_dim"),
        (lambda: mem.memory_left_for_cache(0, 1), "memory_bytes"),
        (lambda: mem.memory_left_for_cache(640e9, -1), "weight_bytes"),
        (lambda: mem.node_fit(V3, "fp8", "bf16", 0, 8, 80 * 2**30, 32_768), "n_nodes"),
        (lambda: mem.node_fit(V3, "fp8", "bf16", 1, 8, 0, 32_768), "gpu_memory_bytes"),
        (lambda: mem.node_fit(V3, "fp8", "bf16", 1, 8, 80 * 2**30, 0), "context_len"),
        (lambda: mem.node_fit(V3, "int3", "bf16", 1, 8, 80 * 2**30, 32_768), "dtype"),
    ],
)
def test_bad_input_names_the_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        call()


def test_dtypes() -> None:
    # V2 Section 3.2.3: "6 bits on average" per element = 0.75 bytes.
    assert units.bytes_per_element("6bit") == 6 / 8
    assert units.bytes_per_element("fp8") == 1 and units.bytes_per_element("bf16") == 2


def test_formula_text() -> None:
    # V2 Table 1 rows with the configs' numbers: V3 (d_c + d_h^R) l, Llama-3.1-405B 2 n_g d_h l.
    assert kv.kv_cache_formula(V3) == "(512 + 64) x 61"
    assert kv.kv_cache_formula(LLAMA) == "2 x 8 x 128 x 126"


def test_mla_gqa_equivalent_groups_is_the_table_1_caption() -> None:
    # DeepSeek-V2 Table 1 caption: "its KV cache is equal to GQA with only 2.25 groups".
    from dsv3.inputs.models import load_model

    assert kv.mla_gqa_equivalent_groups(load_model("DeepSeek-V2").attention) == 2.25
