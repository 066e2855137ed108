"""Tests of dsv3.training.fp8_memory against hand arithmetic and the published checkpoint split."""

from __future__ import annotations

import pytest

from dsv3.arch.tensors import Component, Tensor
from dsv3.training import fp8_memory as fm


def _t(name, shape, dtype, component, copies=1, active=1):
    return Tensor(
        name=name, shape=shape, dtype=dtype, component=component, part="", copies=copies, active_copies=active
    )


TOY = [
    _t("embed", (10, 4), "BF16", Component.EMBEDDING),
    _t("expert", (4, 4), "F8_E4M3", Component.ROUTED_EXPERTS, copies=8, active=2),
    _t("expert.scale", (1, 1), "F32", Component.FP8_SCALES, copies=8, active=0),
    _t("norm", (4,), "BF16", Component.LAYER_NORMS),
]


def test_bytes_by_dtype_by_hand():
    # BF16: (40 + 4) x 2 = 88; F8: 8 x 16 x 1 = 128; F32: 8 x 1 x 4 = 32
    assert fm.bytes_by_dtype(TOY) == {"BF16": 88.0, "F8_E4M3": 128.0, "F32": 32.0}
    # all BF16, no scales: (40 + 128 + 4) x 2
    assert fm.all_bf16_bytes(TOY) == 344.0


def test_precision_groups_by_hand():
    g = fm.precision_groups(TOY)
    assert g["FP8 linear layers"] == (128, 32)
    assert g["embedding"] == (40, 40)
    assert g["normalisation"] == (4, 4)
    assert "FP8 block scales" not in g


def test_model_state_bytes_by_hand():
    # 16 GPUs, PP 2, EP 4: dense DP = 8, expert DP = 2. Dense 1600 params -> 800 per stage; experts 800 ->
    # 800 / (2 x 4) = 100 per GPU. Held 900: weights 1800 B (BF16), gradients 3600 B (FP32).
    # Sharded: 800 / 8 + 100 / 2 = 150: master 600 B, moments 600 B.
    par = fm.Parallelism(gpus=16, pp=2, ep=4)
    got = fm.model_state_bytes_per_gpu(1600, 800, par)
    assert got == {
        "working weights": 1800.0,
        "gradients": 3600.0,
        "master weights (ZeRO-1 shard)": 600.0,
        "AdamW moments (ZeRO-1 shard)": 600.0,
    }
    doubled = fm.model_state_bytes_per_gpu(1600, 800, fm.Parallelism(16, 2, 4, param_copies=2))
    assert doubled["gradients"] == 7200.0


def test_v3_parallelism_degrees():
    # V3 report Section 3.2: 2048 GPUs, PP16, EP64 -> DP 128 for dense weights, 2 for experts
    par = fm.Parallelism(2048, 16, 64, 2)
    assert (par.dp_dense, par.dp_expert) == (128, 2)


def test_bad_parallelism_is_named():
    with pytest.raises(ValueError, match="multiple"):
        fm.Parallelism(gpus=100, pp=16, ep=4)
    with pytest.raises(ValueError, match="pp"):
        fm.Parallelism(gpus=16, pp=0, ep=4)


def test_amdahl_by_hand():
    assert fm.amdahl_speedup(1.0, 2.0) == 2.0
    assert fm.amdahl_speedup(0.5, 2.0) == pytest.approx(1 / 0.75)
    with pytest.raises(ValueError):
        fm.amdahl_speedup(1.5, 2.0)
