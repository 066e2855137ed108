"""Tests of dsv3.training.expert_parallel against hand arithmetic and the papers' own figures."""

from __future__ import annotations

import numpy as np
import pytest

from dsv3.training import expert_parallel as ep

HIDDEN = 7168  # DeepSeek-V3 hidden size (report Section 4.2; config_671B.json "dim")


def test_fp8_dispatch_copy_with_scales() -> None:
    # 7168 FP8 bytes + 7168/128 = 56 tiles x 4-byte FP32 scale = 7168 + 224 = 7,392 bytes.
    assert ep.dispatch_bytes(HIDDEN) == 7392
    # Power-of-two scales stored in one byte: 7168 + 56 = 7,224.
    assert ep.dispatch_bytes(HIDDEN, scale_bytes=1) == 7224
    # A partial last tile still carries a scale: 200 elements -> 2 tiles.
    assert ep.dispatch_bytes(200) == 200 + 2 * 4


def test_bf16_combine_copy() -> None:
    assert ep.combine_bytes(HIDDEN) == 14336  # 7168 x 2


def test_traffic_per_token_per_layer_by_hand() -> None:
    # 4 nodes over IB, 8 GPUs over NVLink (one per routed expert):
    # IB: 4 x 7,392 = 29,568 dispatch + 4 x 14,336 = 57,344 combine = 86,912 bytes.
    # NVLink: 8 x 7,392 = 59,136 + 8 x 14,336 = 114,688 = 173,824 bytes.
    t = ep.token_traffic(HIDDEN, ib_copies=4, nvlink_copies=8)
    assert (t.ib_dispatch, t.ib_combine, t.ib) == (29568, 57344, 86912)
    assert (t.nvlink_dispatch, t.nvlink_combine, t.nvlink) == (59136, 114688, 173824)
    # Through 58 MoE layers: 86,912 x 58 = 5,040,896 bytes over IB per token, forward.
    assert t.scaled(58).ib == 5040896


def test_isca_decode_communication_time() -> None:
    # ISCA '25 (arXiv:2505.09343) Section 2.3.2: "(1Byte + 2Bytes) x 32 x 9 x 7K / 50GB/s = 120.96us"
    # (7K = 7,000 there, no scales, 9 = 8 routed + 1 shared expert, 32 tokens).
    t = ep.token_traffic(7000, ib_copies=9, nvlink_copies=0, scale_bytes=0)
    assert ep.link_seconds(32 * t.ib, 50e9) == pytest.approx(120.96e-6)


def test_report_experts_per_node_and_thirteen() -> None:
    # Report Section 3.2.2: 160 GB/s NVLink "roughly 3.2 times" 50 GB/s IB; "a maximum of 13 experts
    # (4 nodes x 3.2 experts/node)" = 12.8, which the report rounds to 13.
    per_node = ep.experts_per_node(160e9, 50e9)
    assert per_node == pytest.approx(3.2)
    assert ep.max_experts_per_token(4, per_node) == pytest.approx(12.8)
    assert round(ep.max_experts_per_token(4, per_node)) == 13


def test_sm_share() -> None:
    # Report Section 3.5.1: 20 of the H800's 132 SMs communicate, 112 compute.
    assert ep.compute_sm_share(20, 132) == pytest.approx(112 / 132)


def test_times() -> None:
    assert ep.link_seconds(100e9, 50e9) == pytest.approx(2.0)
    assert ep.compute_seconds(2e12, 1e12) == pytest.approx(2.0)
    assert ep.compute_seconds(2e12, 1e12, sm_share=0.5) == pytest.approx(4.0)


def test_distinct_nodes_and_gpus() -> None:
    # Experts 0,1 on node 0; 32,33 node 1; 64 node 2; 96,97 node 3; 200 node 6 -> 5 nodes.
    # GPUs of 4 experts: 0,0,8,8,16,24,24,50 -> 5 GPUs; [0,1,2,3] all on GPU 0 -> 1.
    idx = np.array([[0, 1, 32, 33, 64, 96, 97, 200], [0, 1, 2, 3, 4, 5, 6, 7]])
    np.testing.assert_array_equal(ep.distinct_per_token(idx, 32), [5, 1])
    np.testing.assert_array_equal(ep.distinct_per_token(idx, 4), [5, 2])


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="hidden"):
        ep.dispatch_bytes(0)
    with pytest.raises(ValueError, match="ib_copies"):
        ep.token_traffic(HIDDEN, -1, 8)
    with pytest.raises(ValueError, match="comm_sms"):
        ep.compute_sm_share(132, 132)
    with pytest.raises(ValueError, match="ib_bytes_per_s"):
        ep.experts_per_node(160e9, 0)
    with pytest.raises(ValueError, match="sm_share"):
        ep.compute_seconds(1.0, 1.0, sm_share=1.5)
    with pytest.raises(ValueError, match="experts_per_unit"):
        ep.distinct_per_token(np.zeros((1, 2), dtype=int), 0)
