"""The book's headline figures for DeepSeek-V3, each computed once by the function its chapter uses.

The intro shows them; every chapter computes the same figure with the same function, so the intro
and the chapter cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsv3.arch.flops import training_flops_per_token
from dsv3.arch.kv_cache import kv_cache_bytes_per_token
from dsv3.arch.params import count_params
from dsv3.inputs.facts import fact
from dsv3.inputs.models import load_model
from dsv3.inputs.prices import price
from dsv3.inputs.runs import training_run, training_runs
from dsv3.training.cost import gpu_hours_per_trillion_tokens, ratio, stage_costs, wall_clock_days


@dataclass(frozen=True)
class Headlines:
    """DeepSeek-V3's headline figures (units in the field names' comments)."""

    usd_per_gpu_hour: float  #: the report's assumed rental price, USD per H800 GPU-hour
    cluster_gpus: float  #: H800 GPUs in the training cluster
    total_usd: float  #: the final run's rental cost, all stages (report Table 1)
    total_gpu_hours: float  #: H800 GPU-hours, all stages
    gpu_hours_per_trillion: float  #: GPU-hours per 10^12 pre-training tokens
    pretraining_days: float  #: wall-clock days of pre-training on the cluster
    llama_gpu_hours_ratio: float  #: Llama 3.1 405B's GPU-hours over DeepSeek-V3's (all stages)
    total_params: float  #: main model, embedding and head included
    activated_params: float  #: per token, without the input embedding (the report's "37B" convention)
    activated_params_both_ends: float  #: per token, with the embedding and the head
    seq_len: int  #: pre-training sequence length
    train_flops_per_token: float  #: training FLOPs per token at ``seq_len`` (causal attention, 3 x forward)
    kv_bytes_per_token: float  #: KV cache per token at BF16, all layers
    llama_kv_ratio: float  #: Llama 3.1 405B's KV cache per token over DeepSeek-V3's
    gpt4o_output_price_ratio: float  #: GPT-4o (2024-08-06) output price over DeepSeek-V3's standard price


def v3_headlines() -> Headlines:
    """The headline figures, from ``data/`` and the configs (intro page)."""
    usd = fact("v3.rental_usd_per_gpu_hour").value
    gpus = fact("v3.cluster_gpus").value
    costs = stage_costs(training_runs(), "DeepSeek-V3", usd).set_index("stage")
    pre = training_run("DeepSeek-V3", "pre-training")
    llama = training_run("Llama 3.1 405B", "all training")
    arch = load_model("DeepSeek-V3")
    params = count_params(arch)
    seq_len = int(fact("v3.pretraining_seq_len").value)
    kv = kv_cache_bytes_per_token(arch, "bf16")
    return Headlines(
        usd_per_gpu_hour=usd,
        cluster_gpus=gpus,
        total_usd=float(costs.loc["total", "usd"]),
        total_gpu_hours=float(costs.loc["total", "gpu_hours"]),
        gpu_hours_per_trillion=gpu_hours_per_trillion_tokens(pre.gpu_hours, pre.tokens),
        pretraining_days=wall_clock_days(pre.gpu_hours, gpus),
        llama_gpu_hours_ratio=ratio(llama.gpu_hours, float(costs.loc["total", "gpu_hours"])),
        total_params=float(params.total_params),
        activated_params=float(params.activated("without_embedding")),
        activated_params_both_ends=float(params.activated()),
        seq_len=seq_len,
        train_flops_per_token=training_flops_per_token(arch, seq_len),
        kv_bytes_per_token=kv,
        llama_kv_ratio=ratio(kv_cache_bytes_per_token(load_model("Llama-3.1-405B"), "bf16"), kv),
        gpt4o_output_price_ratio=ratio(price("GPT-4o (2024-08-06)").output, price("DeepSeek-V3 (standard)").output),
    )
