"""Every field the architecture dataclasses check: refused at the edge by name, accepted just inside it.

The rules are the modeling files' own (a KV head serves a whole number of query heads; top-k cannot exceed the
experts it chooses from; group-limited routing keeps ``topk_group`` of ``n_group`` groups, V3 report Section
2.1.2), so the edges are worked here from the rule, not read from the code.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from dsv3.arch.spec import GQA, MLA, Architecture, DenseMLP, Indexer, MoE
from dsv3.checks import ConfigError

MLP = DenseMLP(8)
HEADS = GQA(n_heads=4, n_kv_heads=2, head_dim=8)
LATENT = MLA(n_heads=2, q_lora_rank=4, kv_lora_rank=4, qk_nope_head_dim=4, qk_rope_head_dim=2, v_head_dim=4)
ARCH = Architecture(name="tiny", family="llama", vocab_size=10, hidden_size=8, attention=HEADS, ffn=(MLP, MLP))


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda v: GQA(n_heads=v, n_kv_heads=1, head_dim=8), "n_heads"),
        (lambda v: GQA(n_heads=4, n_kv_heads=v, head_dim=8), "n_kv_heads"),
        (lambda v: GQA(n_heads=4, n_kv_heads=2, head_dim=v), "head_dim"),
        (lambda v: replace(LATENT, n_heads=v), "n_heads"),
        (lambda v: replace(LATENT, q_lora_rank=v), "q_lora_rank"),
        (lambda v: replace(LATENT, kv_lora_rank=v), "kv_lora_rank"),
        (lambda v: replace(LATENT, qk_nope_head_dim=v), "qk_nope_head_dim"),
        (lambda v: replace(LATENT, qk_rope_head_dim=v), "qk_rope_head_dim"),
        (lambda v: replace(LATENT, v_head_dim=v), "v_head_dim"),
        (lambda v: DenseMLP(v), "intermediate_size"),
        (lambda v: MoE(n_routed=v, top_k=1, expert_intermediate_size=8), "n_routed"),
        (lambda v: MoE(n_routed=4, top_k=v, expert_intermediate_size=8), "top_k"),
        (lambda v: MoE(n_routed=4, top_k=1, expert_intermediate_size=v), "expert_intermediate_size"),
        (lambda v: MoE(n_routed=4, top_k=1, expert_intermediate_size=8, n_group=v, topk_group=1), "n_group"),
        (lambda v: MoE(n_routed=4, top_k=1, expert_intermediate_size=8, n_group=1, topk_group=v), "topk_group"),
        (lambda v: Indexer(n_heads=v, head_dim=8, topk=4), "index_n_heads"),
        (lambda v: Indexer(n_heads=2, head_dim=v, topk=4), "index_head_dim"),
        (lambda v: Indexer(n_heads=2, head_dim=8, topk=v), "index_topk"),
        (lambda v: replace(ARCH, vocab_size=v), "vocab_size"),
        (lambda v: replace(ARCH, hidden_size=v), "hidden_size"),
        (lambda v: replace(ARCH, max_position_embeddings=v), "max_position_embeddings"),
        (lambda v: replace(ARCH, kv_windows=(v, None)), "kv_windows"),
    ],
)
def test_a_positive_field_refuses_zero_by_name_and_accepts_one(make, field: str) -> None:
    make(1)  # the smallest positive integer is accepted
    with pytest.raises(ConfigError, match=rf"^{field} "):
        make(0)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (
            lambda v: MoE(n_routed=4, top_k=1, expert_intermediate_size=8, n_shared=v, shared_intermediate_size=8),
            "n_shared",
        ),
        (
            lambda v: MoE(n_routed=4, top_k=1, expert_intermediate_size=8, n_shared=1, shared_intermediate_size=v),
            "shared_intermediate_size",
        ),
        (lambda v: replace(ARCH, n_mtp_layers=v), "n_mtp_layers"),
    ],
)
def test_a_count_refuses_minus_one_by_name_and_accepts_a_positive_one(make, field: str) -> None:
    make(1)
    with pytest.raises(ConfigError, match=rf"^{field} "):
        make(-1)


def test_kv_heads_must_divide_the_query_heads() -> None:
    GQA(n_heads=6, n_kv_heads=3, head_dim=8)  # 2 query heads per KV head
    GQA(n_heads=6, n_kv_heads=6, head_dim=8)  # MHA
    GQA(n_heads=6, n_kv_heads=1, head_dim=8)  # MQA
    for kv in (4, 5, 12):  # 6 % 4 = 2, 6 % 5 = 1; 12 KV heads for 6 query heads
        with pytest.raises(ConfigError, match="n_kv_heads"):
            GQA(n_heads=6, n_kv_heads=kv, head_dim=8)


def test_moe_routing_edges() -> None:
    MoE(n_routed=4, top_k=4, expert_intermediate_size=8)  # every expert chosen: allowed
    with pytest.raises(ConfigError, match="top_k"):
        MoE(n_routed=4, top_k=5, expert_intermediate_size=8)
    with pytest.raises(ConfigError, match="n_shared"):  # one without the other
        MoE(n_routed=4, top_k=1, expert_intermediate_size=8, n_shared=1)
    with pytest.raises(ConfigError, match="n_shared"):
        MoE(n_routed=4, top_k=1, expert_intermediate_size=8, shared_intermediate_size=8)
    with pytest.raises(ConfigError, match="n_group"):  # 6 experts do not split into 4 groups
        MoE(n_routed=6, top_k=1, expert_intermediate_size=8, n_group=4, topk_group=1)
    MoE(n_routed=8, top_k=2, expert_intermediate_size=8, n_group=4, topk_group=4)  # keep every group
    with pytest.raises(ConfigError, match="topk_group"):
        MoE(n_routed=8, top_k=2, expert_intermediate_size=8, n_group=4, topk_group=5)
    # 8 experts in 4 groups of 2, 2 groups kept: 4 experts to choose from, so top-k 4 fits and 5 does not
    MoE(n_routed=8, top_k=4, expert_intermediate_size=8, n_group=4, topk_group=2)
    with pytest.raises(ConfigError, match="top_k"):
        MoE(n_routed=8, top_k=5, expert_intermediate_size=8, n_group=4, topk_group=2)


def test_architecture_edges() -> None:
    with pytest.raises(ConfigError, match="ffn"):
        replace(ARCH, ffn=())
    replace(ARCH, fp8_block=(1, 1))
    for block in ((128,), (128, 128, 1), (128, 0), (0, 128)):
        with pytest.raises(ConfigError, match="fp8_block"):
            replace(ARCH, fp8_block=block)
    replace(ARCH, rope_theta=1e-9)
    for theta in (0.0, -1.0, float("nan")):
        with pytest.raises(ConfigError, match="rope_theta"):
            replace(ARCH, rope_theta=theta)
    replace(ARCH, kv_windows=(None, None))
    with pytest.raises(ConfigError, match="kv_windows"):  # one entry per layer: two layers here
        replace(ARCH, kv_windows=(4,))
    replace(ARCH, norms_per_layer=4)
    for norms in (1, 3):
        with pytest.raises(ConfigError, match="norms_per_layer"):
            replace(ARCH, norms_per_layer=norms)
    for dtype in ("bfloat16", "float16", "float32"):
        replace(ARCH, torch_dtype=dtype)
    with pytest.raises(ConfigError, match="torch_dtype"):
        replace(ARCH, torch_dtype="float8_e4m3fn")


def test_an_indexer_needs_mla_with_a_compressed_query() -> None:
    index = Indexer(n_heads=2, head_dim=8, topk=4)
    replace(ARCH, attention=LATENT, indexer=index)
    for attention in (HEADS, replace(LATENT, q_lora_rank=None)):
        with pytest.raises(ConfigError, match="indexer"):
            replace(ARCH, attention=attention, indexer=index)
