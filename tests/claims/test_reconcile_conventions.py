"""The V3 parameter reconciliation, each row asserted by the convention it claims, not only by agreement.

The counts are worked by hand below from DeepSeek-V3's config.json (deepseek-ai/DeepSeek-V3 on Hugging Face;
the modules as ``inference/model.py`` of deepseek-ai/DeepSeek-V3 builds them), independently of
:mod:`dsv3.arch.tensors`. A row that silently switched convention (e.g. "36.7B" counted with both ends, 37.55B)
would still be "near" some figure; here it fails because its number is not the count its note names.
"""

from __future__ import annotations

import re

import pytest

from dsv3.arch.params import count_params
from dsv3.claims.reconcile import v3_parameter_reconciliation
from dsv3.inputs.facts import fact
from dsv3.inputs.models import load_model

# DeepSeek-V3 config.json
V, D, LAYERS, DENSE = 129_280, 7_168, 61, 3
N_H, NOPE, ROPE, V_HEAD, Q_LORA, KV_LORA = 128, 128, 64, 128, 1_536, 512
FFN, EXPERT, ROUTED, SHARED, TOP_K = 18_432, 2_048, 256, 1, 8

ATTENTION = (
    D * Q_LORA  # wq_a
    + Q_LORA  # q_norm
    + Q_LORA * N_H * (NOPE + ROPE)  # wq_b
    + D * (KV_LORA + ROPE)  # wkv_a
    + KV_LORA  # kv_norm
    + KV_LORA * N_H * (NOPE + V_HEAD)  # wkv_b
    + N_H * V_HEAD * D  # wo
)
NORMS = 2 * D  # attn_norm, ffn_norm
MLP = 3 * D * FFN  # w1, w2, w3
ONE_EXPERT = 3 * D * EXPERT
ROUTER = ROUTED * D + ROUTED  # gate weight and its bias (noaux_tc)
MOE_TOTAL = (ROUTED + SHARED) * ONE_EXPERT + ROUTER
MOE_ACTIVE = (TOP_K + SHARED) * ONE_EXPERT + ROUTER
EMBEDDING = HEAD = V * D
FINAL_NORM = D

MAIN_TOTAL = EMBEDDING + HEAD + FINAL_NORM + LAYERS * (ATTENTION + NORMS) + DENSE * MLP + (LAYERS - DENSE) * MOE_TOTAL
ACTIVE_BODY = FINAL_NORM + LAYERS * (ATTENTION + NORMS) + DENSE * MLP + (LAYERS - DENSE) * MOE_ACTIVE
ACTIVE_WITHOUT_EMBEDDING = ACTIVE_BODY + HEAD
ACTIVE_BOTH_ENDS = ACTIVE_BODY + HEAD + EMBEDDING

# The MTP module (README_WEIGHTS.md; inference/model.py's MTP layer): enorm, hnorm, the projection M (2d -> d),
# one MoE transformer layer, and a norm before the shared head; embedding and head shared with the main model.
MTP_PROJECTION = 2 * D * D
MTP_OWN = 2 * D + ATTENTION + NORMS + MOE_TOTAL + D
MTP_ACTIVE_OWN = 2 * D + ATTENTION + NORMS + MOE_ACTIVE + D

SCALE = {"B": 1e9, "M": 1e6}


@pytest.fixture  # per test: mutation testing runs only the tests during which it runs
def table():
    return v3_parameter_reconciliation(load_model("DeepSeek-V3"))


def computed(table, fact_id: str) -> tuple[float, float]:
    """The row's computed figure as shown ("36.626B") and half a unit of its last digit."""
    m = re.fullmatch(r"([\d.]+)([BM])", table.loc[fact_id, "as computed"])
    assert m, table.loc[fact_id, "as computed"]
    decimals = len(m.group(1).split(".")[1]) if "." in m.group(1) else 0
    unit = SCALE[m.group(2)]
    return float(m.group(1)) * unit, 0.5 * 10.0**-decimals * unit


def assert_shows(table, fact_id: str, count: int) -> None:
    shown, half = computed(table, fact_id)
    assert abs(shown - count) <= half * (1 + 1e-9), f"{fact_id}: shows {shown:.6g}, the convention gives {count:,}"


def test_hand_counts_meet_the_published_figures():
    """The hand counts themselves against DeepSeek's figures (so the conventions below are the right ones)."""
    fact("params.v3.paper_total").check(MAIN_TOTAL)
    fact("params.v3.paper_activated").check(ACTIVE_WITHOUT_EMBEDDING)
    fact("params.v3.readme_embedding").check(EMBEDDING)
    fact("params.v3.mtp_unique").check(MTP_OWN)
    fact("params.v3.mtp_activated").check(MTP_ACTIVE_OWN + EMBEDDING + HEAD)
    # The safetensors metadata: main + MTP module (own weights, M, and its copies of embedding and head)
    # + FP8 scales; the weights alone are within the scales of the total.
    assert MAIN_TOTAL + MTP_OWN + MTP_PROJECTION + EMBEDDING + HEAD < fact("params.v3.safetensors_total").value


def test_totals_count_embedding_and_head(table):
    assert_shows(table, "params.v3.paper_total", MAIN_TOTAL)
    assert_shows(table, "params.v3.readme_total", MAIN_TOTAL)
    assert_shows(table, "params.v3.readme_embedding", EMBEDDING)


@pytest.mark.parametrize("fact_id", ["params.v3.paper_activated", "params.v3.readme_activated"])
def test_activated_rows_count_without_the_input_embedding_not_both_ends(table, fact_id):
    """36.7B and 37B are shown as the count without the input embedding (36.63B), not both ends (37.55B)."""
    assert_shows(table, fact_id, ACTIVE_WITHOUT_EMBEDDING)
    shown, half = computed(table, fact_id)
    assert abs(shown - ACTIVE_BOTH_ENDS) > 100 * half
    # The note names the both-ends count it did not use.
    assert f"{ACTIVE_BOTH_ENDS / 1e9:.2f}B" in table.loc[fact_id, "what the computation counts"]


def test_readme_activated_does_not_follow_and_says_how_far_off(table):
    assert table.loc["params.v3.readme_activated", "follows?"] == "✗"
    short = (fact("params.v3.readme_activated").value - ACTIVE_WITHOUT_EMBEDDING) / 1e9
    assert f"{short:.2f}B short" in table.loc["params.v3.readme_activated", "what the computation counts"]


def test_mtp_rows_leave_out_the_projection(table):
    assert_shows(table, "params.v3.mtp_unique", MTP_OWN)
    assert_shows(table, "params.v3.mtp_activated", MTP_ACTIVE_OWN + EMBEDDING + HEAD)
    assert f"{MTP_PROJECTION / 1e9:.3f}B" in table.loc["params.v3.mtp_unique", "what the computation counts"]


def test_hf_rows_count_what_is_stored(table):
    """685B: every stored element (the checkpoint's safetensors total); 14B: the MTP module with its own copies."""
    assert_shows(table, "params.v3.hf_total", int(fact("params.v3.safetensors_total").value))
    assert_shows(table, "params.v3.hf_mtp", MTP_OWN + MTP_PROJECTION + EMBEDDING + HEAD)
    assert table.loc["params.v3.hf_mtp", "follows?"] == "✗"
    assert table.loc["params.v3.hf_total", "follows?"] == "✓"


# --- conventions of the other published-number functions -------------------------------------------


def test_total_under_each_convention_by_hand():
    """The minimal llama of test_config_defaults, untied and tied: V=1000, d=128, L=4, FFN 96."""
    from dsv3.inputs.hf_config import parse_config

    v, d, n_layers, f = 1000, 128, 4, 96
    body = n_layers * (4 * d * d + 3 * d * f + 2 * d) + d
    cfg = {"model_type": "llama", "vocab_size": v, "hidden_size": d, "num_hidden_layers": n_layers}
    cfg |= {"num_attention_heads": 64, "intermediate_size": f}
    untied = count_params(parse_config(cfg))
    assert untied.total_under() == untied.total_params == body + 2 * v * d
    assert untied.total_under("without_embedding") == body + v * d
    assert untied.total_under("without_embedding_and_head") == body
    tied = count_params(parse_config(cfg | {"tie_word_embeddings": True}))
    # Tied: the one matrix is stored once, as the embedding; every token still multiplies by it as the head.
    assert tied.total_under() == body + v * d
    assert tied.total_under("without_embedding") == body
    assert tied.activated("without_embedding") == body + v * d
    assert tied.activated("without_embedding_and_head") == body
    with pytest.raises(ValueError, match="convention must be one of"):
        tied.total_under("both")


def test_mtp_unique_of_a_count_without_shared_parts():
    """A count with no embedding or head labels: nothing to leave out."""
    from dsv3.arch.params import ParamCount, mtp_unique

    assert mtp_unique(ParamCount(total={"attention": 10, "moe": 5})) == 15
    assert mtp_unique(ParamCount(total={"attention": 10, "embedding": 3}, embedding_label="embedding")) == 10
    assert mtp_unique(ParamCount(total={"attention": 10, "head": 4}, head_label="head")) == 10


def test_kv_cache_formula_of_mqa_gqa_and_mla():
    """V2 Table 1's formulas with the config's numbers: MQA 2 d_h l, GQA 2 n_g d_h l, MLA (d_c + d_h^R) l."""
    from dsv3.arch.kv_cache import kv_cache_formula
    from dsv3.inputs.hf_config import parse_config

    base = {"model_type": "llama", "vocab_size": 100, "hidden_size": 64, "num_hidden_layers": 3}
    base |= {"num_attention_heads": 4, "intermediate_size": 32}
    assert kv_cache_formula(parse_config(base | {"num_key_value_heads": 1})) == "2 x 16 x 3"
    assert kv_cache_formula(parse_config(base | {"num_key_value_heads": 2})) == "2 x 2 x 16 x 3"
    assert kv_cache_formula(load_model("DeepSeek-V3")) == "(512 + 64) x 61"


def test_run_flops_is_the_sum_of_its_segments_at_their_own_lengths():
    from dsv3.arch.flops import run_flops, training_flops_per_token

    v3 = load_model("DeepSeek-V3")
    at = {s: training_flops_per_token(v3, s) for s in (4096, 32768, 131072)}
    assert at[4096] < at[32768] < at[131072]
    segs = [(14.8e12, 4096), (1000 * 1920 * 32768, 32768), (1000 * 480 * 131072, 131072)]
    want = sum(t * at[s] for t, s in segs)
    assert run_flops(v3, segs) == pytest.approx(want, rel=1e-12)


def test_crossover_is_the_first_length_where_a_costs_more():
    """The defining property, checked on both sides of the returned length."""
    from dsv3.arch.flops import crossover_seq_len, training_flops_per_token

    a, b = load_model("DeepSeek-V3"), load_model("Qwen2.5-72B")
    t = crossover_seq_len(a, b)
    assert isinstance(t, int)
    assert training_flops_per_token(a, t) > training_flops_per_token(b, t)
    assert training_flops_per_token(a, t - 1) <= training_flops_per_token(b, t - 1)
    assert crossover_seq_len(a, b, low=t) == t
    assert crossover_seq_len(a, b, high=t - 1) is None


# --- FLOPs per token by hand (ISCA '25 Table 2 convention) ------------------------------------------

ATTN_PER_KEY = 2 * N_H * ((NOPE + ROPE) + V_HEAD)  # q.k over d_h + d_h^R and a.v over d_v, per head


def test_training_flops_per_token_by_hand():
    """3 x (2 x activated without the input embedding + 61 layers x attention over (T + 1) / 2 keys)."""
    from dsv3.arch.flops import forward_breakdown, training_flops_per_token

    v3 = load_model("DeepSeek-V3")
    for t in (4096, 32768):
        mean = (t + 1) / 2
        want = 3 * (2 * ACTIVE_WITHOUT_EMBEDDING + LAYERS * ATTN_PER_KEY * mean)
        assert training_flops_per_token(v3, t) == pytest.approx(want, rel=1e-12)
        # Non-causal: every query sees all t keys.
        want_full = 3 * (2 * ACTIVE_WITHOUT_EMBEDDING + LAYERS * ATTN_PER_KEY * t)
        assert training_flops_per_token(v3, t, causal=False) == pytest.approx(want_full, rel=1e-12)
    parts = forward_breakdown(v3)
    assert parts["weights"] == 2 * ACTIVE_WITHOUT_EMBEDDING
    assert parts["attention"] == pytest.approx(LAYERS * ATTN_PER_KEY * 4097 / 2, rel=1e-12)
    fact("flops.v3.train_per_token_4k").check(training_flops_per_token(v3, 4096))


def test_mtp_flops_are_the_modules_own_pass_by_hand():
    """The MTP module adds its projection M, its layer's activated weights and the shared head (a matmul again),
    and one layer of attention; the shared embedding is a lookup and adds nothing."""
    from dsv3.arch.flops import training_flops_per_token

    v3 = load_model("DeepSeek-V3")
    t = 4096
    extra = 3 * (2 * (MTP_PROJECTION + MTP_ACTIVE_OWN + HEAD) + ATTN_PER_KEY * (t + 1) / 2)
    got = training_flops_per_token(v3, t, include_mtp=True) - training_flops_per_token(v3, t)
    assert got == pytest.approx(extra, rel=1e-9)


# --- the tensor inventory against the checkpoint's own tensor names ----------------------------------
# Names as DeepSeek-V3's model.safetensors.index.json lists them (deepseek-ai/DeepSeek-V3 on Hugging Face);
# shapes (out, in) from config.json; FP8 weights carry an F32 weight_scale_inv of ceil(out/128) x ceil(in/128).

E4M3, BF16, F32 = "F8_E4M3", "BF16", "F32"


def _blocks(out: int, inp: int) -> tuple[int, int]:
    return (-(-out // 128), -(-inp // 128))


def _layer(i: int, moe: bool) -> dict[str, tuple[tuple[int, ...], str]]:
    p = f"model.layers.{i}"
    linear = {
        f"{p}.self_attn.q_a_proj": (Q_LORA, D),
        f"{p}.self_attn.q_b_proj": (N_H * (NOPE + ROPE), Q_LORA),
        f"{p}.self_attn.kv_a_proj_with_mqa": (KV_LORA + ROPE, D),
        f"{p}.self_attn.kv_b_proj": (N_H * (NOPE + V_HEAD), KV_LORA),
        f"{p}.self_attn.o_proj": (D, N_H * V_HEAD),
    }
    mlps = [(f"{p}.mlp.experts.17", EXPERT), (f"{p}.mlp.shared_experts", EXPERT)] if moe else [(f"{p}.mlp", FFN)]
    for q, width in mlps:
        linear |= {f"{q}.gate_proj": (width, D), f"{q}.up_proj": (width, D), f"{q}.down_proj": (D, width)}
    out = {f"{k}.weight": (s, E4M3) for k, s in linear.items()}
    out |= {f"{k}.weight_scale_inv": (_blocks(*s), F32) for k, s in linear.items()}
    out |= {
        f"{p}.self_attn.q_a_layernorm.weight": ((Q_LORA,), BF16),
        f"{p}.self_attn.kv_a_layernorm.weight": ((KV_LORA,), BF16),
        f"{p}.input_layernorm.weight": ((D,), BF16),
        f"{p}.post_attention_layernorm.weight": ((D,), BF16),
    }
    if moe:
        out |= {f"{p}.mlp.gate.weight": ((ROUTED, D), BF16), f"{p}.mlp.gate.e_score_correction_bias": ((ROUTED,), F32)}
    return out


CHECKPOINT = {
    "model.embed_tokens.weight": ((V, D), BF16),
    "model.norm.weight": ((D,), BF16),
    "lm_head.weight": ((V, D), BF16),
    **_layer(0, moe=False),
    **_layer(2, moe=False),
    **_layer(3, moe=True),
    **_layer(60, moe=True),
    **_layer(61, moe=True),  # the MTP module's transformer layer
    "model.layers.61.enorm.weight": ((D,), BF16),
    "model.layers.61.hnorm.weight": ((D,), BF16),
    "model.layers.61.eh_proj.weight": ((D, 2 * D), BF16),  # not quantized: no scale
    "model.layers.61.embed_tokens.weight": ((V, D), BF16),
    "model.layers.61.shared_head.norm.weight": ((D,), BF16),
    "model.layers.61.shared_head.head.weight": ((V, D), BF16),
}


def test_inventory_names_shapes_and_dtypes_are_the_checkpoints():
    import fnmatch

    from dsv3.arch.tensors import inventory

    tensors = inventory(load_model("DeepSeek-V3"), include_mtp=True, include_scales=True)
    for name, (shape, dtype) in CHECKPOINT.items():
        hits = [t for t in tensors if fnmatch.fnmatchcase(name, t.name)]
        assert len(hits) == 1, f"{name}: {len(hits)} inventory tensors match"
        t = hits[0]
        assert (t.shape, t.dtype) == (shape, dtype), name
        assert t.mtp == name.startswith("model.layers.61."), name
        if name.endswith((".weight", ".weight_scale_inv")) and "_proj" in name:
            assert t.part == name.split(".")[-2], name
        if ".experts." in name:
            assert (t.copies, t.active_copies) == ((ROUTED, 0) if dtype == F32 else (ROUTED, TOP_K)), name
        elif dtype == F32 and name.endswith("weight_scale_inv"):
            assert t.active_copies == 0, name  # scales are not multiplied by tokens
    assert not any(t.name == "model.layers.61.eh_proj.weight_scale_inv" for t in tensors)
    # Without the MTP module or the scales, none of theirs.
    main = inventory(load_model("DeepSeek-V3"))
    assert not any(t.mtp or t.name.endswith("weight_scale_inv") for t in main)
    assert {t.name for t in main} >= {"model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"}


def test_qwen3_qk_norm_and_tied_head_names():
    """Qwen3: self_attn.q_norm / k_norm of head_dim (modeling_qwen3.py); a tied head stores no lm_head."""
    from dsv3.arch.tensors import inventory
    from dsv3.inputs.hf_config import parse_config

    cfg = {"model_type": "qwen3", "vocab_size": 100, "hidden_size": 64, "num_hidden_layers": 2}
    cfg |= {"num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8, "intermediate_size": 32}
    names = {t.name: t.shape for t in inventory(parse_config(cfg | {"tie_word_embeddings": True}))}
    assert names["model.layers.1.self_attn.q_norm.weight"] == (8,)
    assert names["model.layers.1.self_attn.k_norm.weight"] == (8,)
    assert names["model.layers.0.self_attn.k_proj.weight"] == (16, 64)
    assert "lm_head.weight" not in names
    assert "lm_head.weight" in {t.name for t in inventory(parse_config(cfg))}


def test_component_table_by_hand():
    """Largest first (ties kept in order), with each component's share of the total and of the activated."""
    from dsv3.arch.params import ParamCount, component_table

    count = ParamCount(total={"a": 10, "b": 30, "c": 10, "d": 50}, active={"a": 10, "b": 3, "c": 2, "d": 5})
    table = component_table(count)
    assert list(table.columns) == ["component", "total", "activated", "share of total", "share of activated"]
    assert list(table["component"]) == ["d", "b", "a", "c"]
    assert list(table["total"]) == [50, 30, 10, 10]
    assert list(table["activated"]) == [5, 3, 10, 2]
    assert list(table["share of total"]) == pytest.approx([0.5, 0.3, 0.1, 0.1])
    assert list(table["share of activated"]) == pytest.approx([0.25, 0.15, 0.5, 0.1])
    assert list(table.index) == [0, 1, 2, 3]


def test_flops_defaults_gqa_width_and_counts_without_labels():
    """Defaults: 4K, causal, no MTP. GQA: 2 n_h d_h per key for q.k and a.v (Llama 3.1 405B: 128 heads of 128)."""
    from dsv3.arch.flops import attention_flops_per_token_layer, forward_flops_per_token, training_flops_per_token
    from dsv3.arch.params import ParamCount, count_tensors
    from dsv3.arch.tensors import inventory

    v3 = load_model("DeepSeek-V3")
    assert training_flops_per_token(v3) == training_flops_per_token(v3, 4096, causal=True, include_mtp=False)
    assert forward_flops_per_token(v3) == forward_flops_per_token(v3, 4096, causal=True, include_mtp=False)
    llama = load_model("Llama-3.1-405B")
    assert attention_flops_per_token_layer(llama, 4096) == 2 * (128 * 2 * 128) * 4097 / 2
    assert attention_flops_per_token_layer(llama, 4096, causal=False) == 2 * (128 * 2 * 128) * 4096
    # The MTP layer's attention is causal like the main model's.
    causal_gap = forward_flops_per_token(v3, include_mtp=True) - forward_flops_per_token(v3)
    full_gap = forward_flops_per_token(v3, causal=False, include_mtp=True) - forward_flops_per_token(v3, causal=False)
    assert full_gap - causal_gap == pytest.approx(ATTN_PER_KEY * (4096 - 4097 / 2), rel=1e-9)
    # A count with no embedding or head label leaves nothing out.
    plain = ParamCount(total={"x": 5}, active={"x": 5})
    assert plain.total_under("without_embedding") == plain.total_under("without_embedding_and_head") == 5
    # FP8 scales are skipped, not the end of the count.
    with_scales = count_tensors(inventory(v3, include_scales=True))
    assert with_scales.total_params == MAIN_TOTAL


def test_gqa_and_qwen_moe_tensor_names_with_biases():
    """Llama with attention_bias and mlp_bias, as modeling_llama.py names them; Qwen2-MoE's shared_expert_gate."""
    from dsv3.arch.tensors import Tensor, inventory
    from dsv3.checks import ConfigError
    from dsv3.inputs.hf_config import parse_config

    cfg = {"model_type": "llama", "vocab_size": 100, "hidden_size": 64, "num_hidden_layers": 2}
    cfg |= {"num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 32}
    tensors = {t.name: t for t in inventory(parse_config(cfg | {"attention_bias": True, "mlp_bias": True}))}
    for part, out in (("q_proj", 64), ("k_proj", 32), ("v_proj", 32), ("o_proj", 64)):
        w, b = tensors[f"model.layers.1.self_attn.{part}.weight"], tensors[f"model.layers.1.self_attn.{part}.bias"]
        assert (w.part, b.part, b.shape, b.copies, b.active_copies, b.mtp) == (part, part, (out,), 1, 1, False)
    assert tensors["model.layers.1.mlp.down_proj.bias"].shape == (64,)
    assert tensors["model.layers.0.input_layernorm.weight"].part == "input_layernorm"
    assert tensors["model.layers.0.post_attention_layernorm.weight"].part == "post_attention_layernorm"
    assert tensors["model.norm.weight"].part == ""
    assert not any(t.mtp for t in tensors.values())
    qwen = {"model_type": "qwen2_moe", "vocab_size": 100, "hidden_size": 64, "num_hidden_layers": 2}
    qwen |= {"num_attention_heads": 4, "num_key_value_heads": 4, "intermediate_size": 32, "num_experts": 4}
    qwen |= {"num_experts_per_tok": 2}
    qwen |= {"moe_intermediate_size": 16, "shared_expert_intermediate_size": 48}
    names = {t.name: t for t in inventory(parse_config(qwen))}
    gate = names["model.layers.1.mlp.shared_expert_gate.weight"]
    assert (gate.shape, gate.mtp) == ((1, 64), False)
    # V2-Lite-style MLA without query compression: q_proj never has a bias.
    v2lite = inventory(load_model("DeepSeek-V2-Lite"))
    assert not any(t.name.endswith("q_proj.bias") for t in v2lite)
    assert any(t.name == "model.layers.0.self_attn.q_proj.weight" for t in v2lite)
    for shape in ((), (0, 4), (4, 0)):
        with pytest.raises(ConfigError, match="shape must be positive"):
            Tensor("t", shape, "BF16", inventory(load_model("DeepSeek-V2-Lite"))[0].component)


# --- ISCA '25 Table 2, the DeepSeek-V3 row by hand ----------------------------------------------------


def test_isca_table2_v3_row_by_hand():
    """The row a reader compares: printed 250 GFLOPs, this method, the gap, 6N both ways and without the mask."""
    from dsv3.claims.flops_table import isca_table2

    table = isca_table2()  # the default sequence length is 4,096, Table 2's
    assert list(table.columns) == [
        "ISCA '25 row",
        "config used",
        "as printed (GFLOPs)",
        "this method (GFLOPs)",
        "gap",
        "follows?",
        "6N, N activated without embedding",
        "6N, N activated with embedding and head",
        "no causal mask",
    ]
    assert list(table["ISCA '25 row"]) == ["DeepSeek-V3", "DeepSeek-V2", "Qwen-72B (dense)", "LLaMA-405B (dense)"]
    row = table.set_index("config used").loc["DeepSeek-V3"]
    ours = 3 * (2 * ACTIVE_WITHOUT_EMBEDDING + LAYERS * ATTN_PER_KEY * (4096 + 1) / 2)
    assert row["as printed (GFLOPs)"] == 250
    assert row["this method (GFLOPs)"] == pytest.approx(ours / 1e9, rel=1e-12)
    assert row["gap"] == pytest.approx(ours / 250e9 - 1, rel=1e-9)
    assert row["6N, N activated without embedding"] == pytest.approx(6 * ACTIVE_WITHOUT_EMBEDDING / 1e9, rel=1e-12)
    assert row["6N, N activated with embedding and head"] == pytest.approx(6 * ACTIVE_BOTH_ENDS / 1e9, rel=1e-12)
    no_mask = 3 * (2 * ACTIVE_WITHOUT_EMBEDDING + LAYERS * ATTN_PER_KEY * 4096)
    assert row["no causal mask"] == pytest.approx(no_mask / 1e9, rel=1e-12)


def test_isca_table2_at_another_length():
    """At 32K the attention term grows with (T + 1) / 2; the 6N columns do not move."""
    from dsv3.claims.flops_table import isca_table2

    row = isca_table2(32768).set_index("config used").loc["DeepSeek-V3"]
    ours = 3 * (2 * ACTIVE_WITHOUT_EMBEDDING + LAYERS * ATTN_PER_KEY * (32768 + 1) / 2)
    assert row["this method (GFLOPs)"] == pytest.approx(ours / 1e9, rel=1e-12)
    assert row["no causal mask"] == pytest.approx(
        3 * (2 * ACTIVE_WITHOUT_EMBEDDING + LAYERS * ATTN_PER_KEY * 32768) / 1e9
    )
    assert row["follows?"] == "✗"  # far above the printed 250 at 4K


def test_each_note_names_what_its_count_includes(table):
    """The notes a reader reads beside each figure name the convention, and their numbers are the counts."""
    note = table["what the computation counts"]
    assert "embedding and head included" in note["params.v3.paper_total"]
    assert "without the input embedding" in note["params.v3.paper_activated"]
    assert "would round to 38B" in note["params.v3.paper_activated"]  # 37.55B
    assert "61-layer main model" in note["params.v3.readme_total"]
    assert "embedding and head included" in note["params.v3.readme_total"]
    assert f"vocabulary {V:,} x {D:,}" in note["params.v3.readme_embedding"]
    assert "the nearest convention" in note["params.v3.readme_activated"]
    assert "No count of whole weight matrices gives 36.7B" in note["params.v3.readme_activated"]
    assert "without its shared embedding and head" in note["params.v3.mtp_unique"]
    assert f"with it: {(MTP_OWN + MTP_PROJECTION) / 1e9:.2f}B" in note["params.v3.mtp_unique"]
    assert "the count that reproduces its figure" in note["params.v3.mtp_unique"]
    assert "with the shared embedding and head, again without M" in note["params.v3.mtp_activated"]
    assert "the 14B is 685B - 671B" in note["params.v3.hf_mtp"]
    assert "a difference of two rounded figures" in note["params.v3.hf_mtp"]
    # safetensors metadata: F32 41,555,600 elements = the block scales + one routing bias of 256 per MoE layer
    # (58 in the main model, 1 in the MTP module): 41,540,496 scales
    scales = fact("params.v3.safetensors_f32").value - (58 + 1) * ROUTED
    assert f"{scales / 1e6:.1f}M FP8 block scales" in note["params.v3.hf_total"]
    assert "(the checkpoint's safetensors total to the element)" in note["params.v3.hf_total"]


# --- published figures "with MTP": the MTP module counted on top of the main model ---------------------


def test_published_figures_with_mtp_add_the_mtp_module_under_the_same_convention():
    """DeepSeek-V3 with its MTP module (the projection M included, as dsv3.claims.published_params counts it):
    both ends counted, the module's own copies of the embedding and head count too; neither end, they do not."""
    import pandas as pd

    from dsv3.claims.published_params import check_published
    from dsv3.inputs.models import models_dir

    mtp_total = MTP_OWN + MTP_PROJECTION
    mtp_active = MTP_ACTIVE_OWN + MTP_PROJECTION
    neither_total = MAIN_TOTAL - EMBEDDING - HEAD
    neither_active = ACTIVE_BODY
    want = {
        ("total with MTP", "with_embedding_and_head"): MAIN_TOTAL + mtp_total + EMBEDDING + HEAD,
        ("total with MTP", "without_embedding_and_head"): neither_total + mtp_total,
        ("activated with MTP", "with_embedding_and_head"): ACTIVE_BOTH_ENDS + mtp_active + EMBEDDING + HEAD,
        ("activated with MTP", "without_embedding_and_head"): neither_active + mtp_active,
    }
    table = pd.DataFrame(
        [("deepseek-v3.json", figure, count, conv, "exact", 1.0, "", "s") for (figure, conv), count in want.items()],
        columns=["file", "figure", "published", "convention", "rounding", "unit", "note", "source"],
    )
    checked = check_published(table, models_dir())
    assert list(checked["computed"]) == list(want.values())
    assert checked["reproduced"].all()
