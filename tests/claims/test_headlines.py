"""The intro's headline figures, against the report's own printed figures (not the code's output)."""

from __future__ import annotations

from dsv3.claims.headlines import v3_headlines
from dsv3.inputs.facts import fact


def test_headlines_reproduce_the_report() -> None:
    h = v3_headlines()
    fact("v3.table1.total_usd").check(h.total_usd)  # $5.576M
    fact("v3.table1.total_gpu_hours").check(h.total_gpu_hours)  # 2.788M
    fact("v3.gpu_hours_per_t_tokens").check(h.gpu_hours_per_trillion)  # 180K
    fact("params.v3.paper_total").check(h.total_params)  # 671B
    fact("params.v3.paper_activated").check(h.activated_params)  # 37B: the count without the input embedding
    fact("flops.v3.train_per_token_4k").check(h.train_flops_per_token)  # 250 GFLOPs
    assert h.pretraining_days < fact("v3.pretraining_days_bound").value  # "less than two months"


def test_the_headline_activated_count_is_the_reports_convention() -> None:
    # 37.55B with both ends would print as 38B: the report's 37B leaves the input embedding out.
    h = v3_headlines()
    assert round(h.activated_params / 1e9) == 37
    assert round(h.activated_params_both_ends / 1e9) == 38
    # The difference is exactly the embedding, vocabulary x hidden = 129,280 x 7,168 (V3 config).
    assert h.activated_params_both_ends - h.activated_params == 129_280 * 7_168


def test_kv_headline_is_isca_table1() -> None:
    # ISCA '25 Table 1: 70.272 KB per token for DeepSeek-V3, 516.096 KB for LLaMA-3.1 405B (BF16).
    h = v3_headlines()
    assert h.kv_bytes_per_token == 70_272
    assert abs(h.llama_kv_ratio - 516_096 / 70_272) < 1e-12


def test_the_intros_inputs_and_ratios() -> None:
    # V3 report Table 1: "assuming the rental price of the H800 GPU is $2 per GPU hour"; 2,048 H800 GPUs
    # (Section 2); pre-training at 4K (Section 4.2). Llama 3.1 model card: 30.84M GPU-hours against
    # Table 1's 2.788M. List prices per 1M output tokens: GPT-4o (2024-08-06) $10.00, DeepSeek-V3 $1.10.
    h = v3_headlines()
    assert (h.usd_per_gpu_hour, h.cluster_gpus, h.seq_len) == (2, 2048, 4096)
    assert h.total_usd == 2_788_000 * 2
    assert h.pretraining_days == 2_664_000 / 2048 / 24
    assert abs(h.llama_gpu_hours_ratio - 30.84 / 2.788) < 1e-12
    assert abs(h.gpt4o_output_price_ratio - 10.00 / 1.10) < 1e-12
