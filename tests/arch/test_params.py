"""Parameter counts against the published figures, and properties that hold for any config."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from dsv3.arch.params import count_params, mtp_params, mtp_unique
from dsv3.arch.tensors import elements_by_dtype, fp8_scale_elements, inventory, stored_bytes, stored_elements
from dsv3.checks import ConfigError
from dsv3.claims.published_params import check_published, published_params
from dsv3.inputs.facts import fact
from dsv3.inputs.hf_config import parse_config, text_model
from dsv3.inputs.models import load_model, read_published

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "hf-configs"
ALL_CONFIGS = sorted((ROOT / "data" / "models").glob("*.json")) + sorted(FIXTURES.glob("*.json"))


def test_published_figures_of_the_book_models_are_reproduced() -> None:
    # data/models/published_params.csv: each row quotes its source (V3/V2 reports, Mixtral
    # announcement, Llama 3 paper, Qwen2.5 card, DeepSeek LLM paper) with its rounding.
    table = published_params()
    assert len(table) >= 12
    failed = table[~table["reproduced"]]
    assert failed.empty, failed[["file", "figure", "published", "computed"]].to_string()


def test_published_figures_of_unseen_fixture_models_are_reproduced() -> None:
    table = check_published(read_published(FIXTURES / "published.csv"), FIXTURES)
    failed = table[~table["reproduced"]]
    assert failed.empty, failed[["file", "figure", "published", "computed"]].to_string()


def test_deepseek_v3_checkpoint_to_the_element() -> None:
    # Hugging Face safetensors metadata of deepseek-ai/DeepSeek-V3 (data/facts/params.csv):
    # total 684,531,386,000 = BF16 3,918,786,560 + F8_E4M3 680,571,043,840 + F32 41,555,600.
    arch = load_model("DeepSeek-V3")
    split = elements_by_dtype(inventory(arch, include_mtp=True, include_scales=True))
    assert split == {
        "BF16": fact("params.v3.safetensors_bf16").value,
        "F8_E4M3": fact("params.v3.safetensors_f8").value,
        "F32": fact("params.v3.safetensors_f32").value,
    }
    assert stored_elements(arch) == fact("params.v3.safetensors_total").value
    # F32 by hand: one routing bias of 256 per MoE layer (58 main + 1 MTP) and the block scales.
    assert split["F32"] - fp8_scale_elements(arch) == (58 + 1) * 256
    # Bytes as stored: 1 per FP8 element, 2 per BF16, 4 per F32 (issue: 688,574,839,360 bytes).
    assert stored_bytes(arch) == 680_571_043_840 + 2 * 3_918_786_560 + 4 * 41_555_600 == 688_574_839_360


def test_deepseek_v3_readme_figures() -> None:
    # README_WEIGHTS.md: "11.5B unique parameters" (MTP) and MTP "Activation parameters: 2.4B";
    # README: 685B on Hugging Face = 671B main + 14B MTP.
    arch = load_model("DeepSeek-V3")
    main, mtp = count_params(arch), mtp_params(arch)
    projection = mtp.total["MTP projection"]
    assert fact("params.v3.mtp_unique").agrees(mtp_unique(mtp) - projection)
    assert fact("params.v3.mtp_activated").agrees(mtp.activated() - projection)
    assert fact("params.v3.hf_total").agrees(main.total_params + mtp.total_params + fp8_scale_elements(arch))
    assert fact("params.v3.readme_embedding").agrees(main.total["embedding"])


@pytest.mark.parametrize("path", ALL_CONFIGS, ids=[p.name for p in ALL_CONFIGS])
def test_components_add_up(path: Path) -> None:
    arch = parse_config(json.loads(path.read_text()))
    count = count_params(arch)
    assert count.activated() <= count.total_params
    assert count.activated("without_embedding_and_head") < count.activated("without_embedding")
    if arch.tie_word_embeddings:  # one matrix: left out as the embedding, it is still the head's matmul
        assert count.activated("without_embedding") == count.activated()
    else:
        assert count.activated("without_embedding") < count.activated()


@pytest.mark.parametrize(
    "path", [p for p in ALL_CONFIGS if not parse_config(json.loads(p.read_text())).is_moe], ids=lambda p: p.name
)
def test_dense_models_activate_everything(path: Path) -> None:
    count = count_params(parse_config(json.loads(path.read_text())))
    assert count.activated() == count.total_params


MOE_CONFIGS = [p for p in ALL_CONFIGS if parse_config(json.loads(p.read_text())).is_moe]


def _experts_key(cfg: dict) -> str:
    return next(k for k in ("n_routed_experts", "num_local_experts", "num_experts") if k in cfg)


@pytest.mark.parametrize("path", MOE_CONFIGS, ids=lambda p: p.name)
def test_routing_to_every_expert_activates_everything(path: Path) -> None:
    cfg = text_model(json.loads(path.read_text()))  # Llama 4: the text model inside the wrapper
    cfg["num_experts_per_tok"] = cfg[_experts_key(cfg)]
    cfg["topk_group"] = cfg.get("n_group", 1)
    count = count_params(parse_config(cfg))
    assert count.activated() == count.total_params


@pytest.mark.parametrize("path", MOE_CONFIGS, ids=lambda p: p.name)
def test_adding_experts_changes_total_not_activated(path: Path) -> None:
    cfg = text_model(json.loads(path.read_text()))
    more = copy.deepcopy(cfg)
    added = cfg[_experts_key(cfg)]
    more[_experts_key(cfg)] = 2 * added
    arch = parse_config(cfg)
    before, after = count_params(arch), count_params(parse_config(more))
    assert after.total_params > before.total_params
    # Only the router grows for the active path: one row of d (and one bias) per new expert per MoE layer.
    # (DeepSeek-V3's routing bias with topk_method noaux_tc; gpt-oss's router bias and GLM-4.5's
    # e_score_correction_bias always.)
    has_bias = cfg.get("topk_method") == "noaux_tc" or cfg.get("model_type") in ("gpt_oss", "glm4_moe")
    router_growth = added * arch.n_moe_layers * (arch.hidden_size + (1 if has_bias else 0))
    assert after.activated() - before.activated() == router_growth
    assert after.active["routed experts"] == before.active["routed experts"]


def test_tied_embeddings_are_stored_once_and_multiplied_twice() -> None:
    cfg = json.loads((FIXTURES / "qwen3-8b.config.json").read_text())
    untied = count_params(parse_config(cfg))
    cfg["tie_word_embeddings"] = True
    tied = count_params(parse_config(cfg))
    head = cfg["vocab_size"] * cfg["hidden_size"]
    assert tied.total_params == untied.total_params - head
    assert tied.activated() == tied.total_params
    assert tied.activated("without_embedding") == untied.activated("without_embedding")


def test_unknown_convention() -> None:
    with pytest.raises(ValueError, match="convention must be one of"):
        count_params(load_model("DeepSeek-V3")).activated("half")  # type: ignore[arg-type]


def test_mtp_and_fp8_refuse_models_without_them() -> None:
    with pytest.raises(ValueError, match="no multi-token prediction"):
        mtp_params(load_model("DeepSeek-V2"))
    with pytest.raises(ValueError, match="not an FP8 checkpoint"):
        fp8_scale_elements(load_model("Mixtral-8x7B"))
    with pytest.raises(KeyError, match="GPT-5"):
        load_model("GPT-5")


def test_v3_reconciliation_rows() -> None:
    # DeepSeek's figures for V3 (report Abstract: 671B, 37B; README_WEIGHTS.md: 671B, 0.9B, 36.7B,
    # 11.5B, 2.4B; README: 685B, 14B) all follow from the config except "36.7B" (no whole-matrix
    # convention gives it) and the "14B" MTP size (685B - 671B; the stored module is 13.46B).
    from dsv3.claims.reconcile import v3_parameter_reconciliation

    table = v3_parameter_reconciliation(load_model("DeepSeek-V3"))
    follows = table["follows?"] == "✓"
    assert not follows["params.v3.readme_activated"]
    assert not follows["params.v3.hf_mtp"]
    assert follows.drop(index=["params.v3.readme_activated", "params.v3.hf_mtp"]).all()
    assert len(table) == 9


def test_a_published_figure_with_mtp_needs_an_mtp_layer(tmp_path: Path) -> None:
    """A "total with MTP" row for a model without MTP layers is refused, naming the missing layers."""
    table = pd.DataFrame(
        [
            {
                "file": "qwen3-8b.config.json",
                "figure": "total with MTP",
                "published": 8.2e9,
                "convention": "with_embedding_and_head",
                "rounding": "nearest",
                "unit": 1e8,
                "note": "",
                "source": "test",
            }
        ]
    )
    with pytest.raises(ConfigError, match="num_nextn_predict_layers"):
        check_published(table, FIXTURES)
