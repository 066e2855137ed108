"""dsv3.arch.summary (``dsv3 inspect`` and the MoE chapter's tables) against DeepSeek-V3's config, worked by hand.

The mutation sample (issue 18) found ``parameter_summary`` and ``routed_share`` reached by no unit test, and
``summary``'s default ``seq_len`` and its expert fields untested. Config figures: DeepSeek-V3 ``config.json``
(hidden_size 7168, 61 layers of which the first 3 dense, 256 routed experts of width 2048, 8 per token,
1 shared, kv_lora_rank 512, qk_rope_head_dim 64, vocab 129,280); the totals: the V3 report's "671B total
parameters, 37B activated for each token".
"""

from __future__ import annotations

import pytest

from dsv3.arch.summary import parameter_summary, routed_share, summary
from dsv3.inputs.models import load_model

D, VOCAB, LAYERS, DENSE, EXPERTS, TOP_K, WIDTH = 7168, 129_280, 61, 3, 256, 8, 2048
EMBEDDING = VOCAB * D  # 926,679,040: the input embedding; the output head has the same shape
EXPERT = 3 * D * WIDTH  # gate, up and down projections of one routed expert: 44,040,192


@pytest.fixture
def v3():
    return load_model("DeepSeek-V3")


@pytest.fixture
def llama():
    return load_model("Llama-3.1-405B")


def test_summary_of_v3_by_hand(v3) -> None:
    s = summary(v3)
    assert (s["layers"], s["hidden_size"], s["attention"]) == (LAYERS, D, "MLA")
    assert (s["moe_layers"], s["routed_experts"], s["experts_per_token"], s["shared_experts"]) == (
        LAYERS - DENSE,
        EXPERTS,
        TOP_K,
        1,
    )
    # MLA caches the latent (512) and the decoupled RoPE key (64) per layer: 61 x 576 = 35,136 elements
    assert s["kv_cache_elements_per_token"] == LAYERS * (512 + 64) == 35_136
    # the default context is 128K = 131,072 tokens (V3's max_position_embeddings is 163,840), in BF16
    assert (s["context_len"], s["kv_dtype"]) == (131_072, "bf16")
    assert s["kv_cache_elements_at_context"] == 35_136 * 131_072
    assert s["kv_cache_bytes_at_context"] == 2 * 35_136 * 131_072
    assert s["indexer_cache_bytes_per_token"] == 0 and s["indexer_cache_bytes_at_context"] == 0  # no indexer
    assert s["total_params"] / 1e9 == pytest.approx(671, abs=0.5)
    # the three activated conventions differ by the embedding, then by the head: 129,280 x 7,168 each
    assert s["activated_params"] - s["activated_params_excl_embedding"] == EMBEDDING
    assert s["activated_params_excl_embedding"] - s["activated_params_excl_embedding_and_head"] == EMBEDDING
    assert (s["tied_embeddings"], s["windowed_layers"]) == (False, 0)


def test_summary_counts_flops_at_4096_tokens_unless_told(v3) -> None:
    default = summary(v3)
    assert default["seq_len"] == 4096
    assert default["training_flops_per_token"] == summary(v3, seq_len=4096)["training_flops_per_token"]
    assert default["training_flops_per_token"] != summary(v3, seq_len=4097)["training_flops_per_token"]


def test_summary_of_a_dense_model_reports_no_experts(llama) -> None:
    s = summary(llama)
    assert (s["moe_layers"], s["routed_experts"], s["experts_per_token"], s["shared_experts"]) == (0, 0, 0, 0)
    assert s["attention"] == "GQA"
    assert s["activated_params"] == s["total_params"]


def test_parameter_summary_columns_and_conventions(v3, llama) -> None:
    table = parameter_summary({"DeepSeek-V3": v3, "Llama 3.1 405B": llama}).set_index("model")
    assert list(table.columns) == [
        "kind",
        "total",
        "activated",
        "activated without embedding",
        "activated without embedding and head",
        "activated / total",
    ]
    row = table.loc["DeepSeek-V3"]
    assert row["kind"] == "MoE"
    assert row["total"] == pytest.approx(671, abs=0.5)  # billions
    assert row["activated"] == pytest.approx(37, abs=0.6)
    assert row["activated"] - row["activated without embedding"] == pytest.approx(EMBEDDING / 1e9, rel=1e-9)
    assert row["activated without embedding"] - row["activated without embedding and head"] == pytest.approx(
        EMBEDDING / 1e9, rel=1e-9
    )
    assert row["activated / total"] == pytest.approx(row["activated"] / row["total"], rel=1e-12)
    assert row["activated / total"] == pytest.approx(37 / 671, abs=0.002)
    dense = table.loc["Llama 3.1 405B"]
    assert dense["kind"] == "dense" and dense["activated / total"] == 1.0
    assert dense["total"] == pytest.approx(405, abs=1)  # "405B"


def test_routed_share_of_v3_by_hand(v3, llama) -> None:
    table = routed_share({"DeepSeek-V3": v3, "Llama 3.1 405B": llama})
    assert list(table["model"]) == ["DeepSeek-V3"]  # dense models have no row
    row = table.iloc[0]
    # routed experts: 58 MoE layers x 256 experts x 44,040,192 = 653.9B of the 671B total
    routed = (LAYERS - DENSE) * EXPERTS * EXPERT
    assert routed == 653_908_770_816
    assert row["routed experts, share of total"] == pytest.approx(routed / 671e9, abs=0.001)
    # activated: 8 of the 256 per layer, 58 x 8 x 44,040,192 = 20.43B of the 37.55B activated
    activated = summary(v3)["activated_params"]
    assert row["routed experts, share of activated"] * activated == pytest.approx(
        (LAYERS - DENSE) * TOP_K * EXPERT, rel=1e-9
    )
