"""The one-config block of ``dsv3 inspect``: the rows whose text depends on the model, worked by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsv3.checks import non_negative
from dsv3.cli import LABELS, main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "hf-configs"


def block(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, str]:
    """The block's rows by label: the text after the label's column."""
    assert main(["inspect", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    width = max(len(v) for v in LABELS.values())
    return {line[2 : 2 + width].rstrip(): line[2 + width :].strip() for line in lines[1:]}


def test_deepseek_v32_has_an_indexer_cache_and_untied_ends(capsys: pytest.CaptureFixture[str]) -> None:
    rows = block(capsys, FIXTURES / "deepseek-v3.2.config.json")
    # V3.2-Exp inference/model.py: one FP8 key of index_head_dim 128 per token per layer plus one F32 scale
    # per 128 elements: (128 + 4) bytes x 61 layers
    assert rows["indexer key cache per token (bytes, FP8 + scales)"] == f"{(128 + 4) * 61:,}" == "8,052"
    assert rows["tied embedding and head"] == "no"


def test_gemma_2_ties_its_head_and_has_no_indexer(capsys: pytest.CaptureFixture[str]) -> None:
    rows = block(capsys, FIXTURES / "gemma-2-2b-it.config.json")
    assert rows["tied embedding and head"] == "yes"  # Gemma2Config: tie_word_embeddings defaults to True
    assert rows["indexer key cache per token (bytes, FP8 + scales)"] == "none"
    assert rows["family"] == "gemma2"


def test_unknown_storage_is_not_computed_in_the_block(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = (FIXTURES / "llama-3.1-8b.config.json").read_text(encoding="utf-8")
    awq = tmp_path / "awq.json"
    awq.write_text(text.rstrip().rstrip("}") + ', "quantization_config": {"quant_method": "awq"}}', encoding="utf-8")
    rows = block(capsys, awq)
    assert rows["weights as stored (bytes)"] == "not computed"
    assert "'awq'" in rows["weight storage"]


@pytest.mark.parametrize(("text", "ok"), [("8", True), ("+8", True), (" 8 ", True), ("8+", False), ("08", False)])
def test_a_count_may_carry_a_plus_sign_but_nothing_else(
    text: str, ok: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["plan", str(ROOT / "data/models/deepseek-v3.json"), "--gpu", "H800", "--context", "4096"]
    assert main([*args, "--gpus", text]) == (0 if ok else 2)
    if not ok:
        assert "--gpus" in capsys.readouterr().err


def test_a_command_is_required() -> None:
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2  # argparse's usage error


def test_non_negative_refuses_a_bool_and_accepts_zero() -> None:
    assert non_negative("price", 0) == 0.0
    for bad in (True, False):
        with pytest.raises(ValueError, match="price"):
            non_negative("price", bad)
