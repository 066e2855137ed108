"""Loader edges the full mutation run found untested: the data folder's override, a quantity a GPU's rows do
not give, digits grouped with underscores, an unknown column, and V3.2's indexer cache in elements."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from dsv3.arch.kv_context import indexer_cache_elements_per_token, tokens_kept
from dsv3.inputs.hardware import gpu
from dsv3.inputs.hf_config import load_config
from dsv3.inputs.paths import data_dir
from dsv3.inputs.schema import SOURCE, Column, DataError, read_table

ROOT = Path(__file__).resolve().parents[2]


def test_the_data_folder_can_be_named_by_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DSV3_DATA_DIR", raising=False)
    assert data_dir() == ROOT / "data"
    monkeypatch.setenv("DSV3_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path


def test_a_quantity_a_gpu_does_not_give_is_nan() -> None:
    h100 = gpu("H100 SXM")  # data/hardware.csv gives no achieved NVLink or network bandwidth for it
    assert math.isnan(h100.nvlink_achieved_bytes_per_s) and math.isnan(h100.network_bytes_per_s)
    assert h100.hbm_bytes == 80 * 2**30


def test_numbers_may_group_digits_with_underscores_and_columns_must_be_known(write_csv) -> None:
    columns = (Column("model"), Column("tokens", "number", positive=True), SOURCE)
    table = read_table(write_csv("t.csv", "model,tokens,source\nV3,14_800_000_000_000,report\n"), columns)
    assert table.loc[0, "tokens"] == 14.8e12
    with pytest.raises(DataError, match="extra"):
        read_table(write_csv("t.csv", "model,tokens,source,extra\nV3,1,report,x\n"), columns)


def test_deepseek_v32_indexer_keys_per_token_and_the_context_named() -> None:
    v32 = load_config(ROOT / "tests/fixtures/hf-configs/deepseek-v3.2.config.json")
    assert indexer_cache_elements_per_token(v32) == 128 * 61  # index_head_dim per layer, 61 layers
    v3 = load_config(ROOT / "data/models/deepseek-v3.json")
    assert indexer_cache_elements_per_token(v3) == 0
    with pytest.raises(ValueError, match="^context_len "):
        tokens_kept(v3, 0)
