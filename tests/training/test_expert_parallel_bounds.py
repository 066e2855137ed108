"""dsv3.training.expert_parallel at its edges: defaults, the exact bounds each check allows, the argument each
refusal names, and the types it returns. Expected values are worked by hand in the comments."""

from __future__ import annotations

import numpy as np
import pytest

from dsv3.training import expert_parallel as ep


def test_counts_accept_numpy_integers_and_return_python_ints() -> None:
    # A hidden size read from a numpy array is still a count: 256 FP8 bytes + 2 tiles x 4-byte scales = 264.
    got = ep.dispatch_bytes(np.int64(256))
    assert got == 264 and type(got) is int
    got = ep.combine_bytes(np.int32(3))
    assert got == 6 and type(got) is int


@pytest.mark.parametrize("bad", [True, 7168.0, "7168", None])
def test_a_count_must_be_an_integer(bad) -> None:
    with pytest.raises(ValueError, match="hidden"):
        ep.dispatch_bytes(bad)
    with pytest.raises(ValueError, match="hidden"):
        ep.combine_bytes(bad)


def test_dispatch_bytes_defaults_and_smallest_sizes() -> None:
    # Defaults: 1x128 tiles with an FP32 (4-byte) scale. 129 elements -> 2 tiles: 129 + 8 = 137.
    assert ep.dispatch_bytes(129) == 129 + 2 * 4
    # 128 elements fill one tile exactly: 128 + 4.
    assert ep.dispatch_bytes(128) == 132
    # The smallest hidden size, 1 element: one (partial) tile, 1 + 4 = 5.
    assert ep.dispatch_bytes(1) == 5
    # Tile of 1: one scale per element, 10 + 10 x 4 = 50.
    assert ep.dispatch_bytes(10, tile=1) == 50
    # No scales stored at all (scale_bytes=0 is allowed, the bound is 0): just the FP8 bytes.
    assert ep.dispatch_bytes(10, scale_bytes=0) == 10
    # A tile of 64 with 2-byte scales: 256 + 4 x 2 = 264.
    assert ep.dispatch_bytes(256, tile=64, scale_bytes=2) == 264


def test_dispatch_and_combine_name_each_bad_argument() -> None:
    with pytest.raises(ValueError, match="^tile must"):
        ep.dispatch_bytes(128, tile=0)
    with pytest.raises(ValueError, match="^scale_bytes must"):
        ep.dispatch_bytes(128, scale_bytes=-1)
    with pytest.raises(ValueError, match="^hidden must"):
        ep.dispatch_bytes(0)
    with pytest.raises(ValueError, match="^hidden must"):
        ep.combine_bytes(0)
    # the smallest allowed combine: 1 element x 2 BF16 bytes
    assert ep.combine_bytes(1) == 2


def test_traffic_totals_and_scaling_by_hand() -> None:
    # hidden 128, default scales: dispatch 128 + 4 = 132, combine 256.
    # 2 IB copies, 3 NVLink copies: IB 264 + 512 = 776; NVLink 396 + 768 = 1164.
    t = ep.token_traffic(128, ib_copies=2, nvlink_copies=3)
    assert (t.ib_dispatch, t.ib_combine, t.nvlink_dispatch, t.nvlink_combine) == (264, 512, 396, 768)
    assert (t.ib, t.nvlink) == (776, 1164)
    # Scaled by 2 (forward + backward): every field doubles, each on its own.
    s = t.scaled(2)
    assert (s.ib_dispatch, s.ib_combine, s.nvlink_dispatch, s.nvlink_combine) == (528, 1024, 792, 1536)
    # Scaled by 0 is allowed (no MoE layers): nothing moves.
    z = t.scaled(0)
    assert (z.ib, z.nvlink) == (0, 0)
    with pytest.raises(ValueError, match="^factor must"):
        t.scaled(-1)


def test_traffic_with_one_byte_scales_and_no_remote_nodes() -> None:
    # scale_bytes is passed on: hidden 128, 1-byte scale -> dispatch 129; combine 256.
    t = ep.token_traffic(128, ib_copies=1, nvlink_copies=1, scale_bytes=1)
    assert (t.ib_dispatch, t.nvlink_dispatch, t.ib_combine) == (129, 129, 256)
    # Zero copies are allowed on either link (a token whose experts are all local).
    t = ep.token_traffic(128, ib_copies=0, nvlink_copies=0)
    assert (t.ib, t.nvlink) == (0, 0)
    with pytest.raises(ValueError, match="^nvlink_copies must"):
        ep.token_traffic(128, 1, -1)


def test_link_and_node_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="^nvlink_bytes_per_s must"):
        ep.experts_per_node(0, 50e9)
    with pytest.raises(ValueError, match="^max_nodes must"):
        ep.max_experts_per_token(0, 3.2)
    with pytest.raises(ValueError, match="^per_node must"):
        ep.max_experts_per_token(4, 0)
    with pytest.raises(ValueError, match="^bytes_per_token must"):
        ep.link_seconds(-1, 50e9)
    with pytest.raises(ValueError, match="^bytes_per_s must"):
        ep.link_seconds(1, 0)
    # one node is the smallest count allowed: 1 x 3.2
    assert ep.max_experts_per_token(1, 3.2) == pytest.approx(3.2)
    # nothing to send takes no time
    assert ep.link_seconds(0, 50e9) == 0


def test_compute_seconds_bounds() -> None:
    # The default sm_share is 1 (all SMs compute): 3e12 / 1e12 = 3 s.
    assert ep.compute_seconds(3e12, 1e12) == pytest.approx(3.0)
    # sm_share = 1 exactly is allowed and equals the default.
    assert ep.compute_seconds(3e12, 1e12, sm_share=1.0) == pytest.approx(3.0)
    # 112 of 132 SMs: 3 s x 132 / 112.
    assert ep.compute_seconds(3e12, 1e12, sm_share=112 / 132) == pytest.approx(3.0 * 132 / 112)
    with pytest.raises(ValueError, match="^sm_share must"):
        ep.compute_seconds(1.0, 1.0, sm_share=0.0)
    with pytest.raises(ValueError, match="^sm_share must"):
        ep.compute_seconds(1.0, 1.0, sm_share=1.0 + 1e-12)
    with pytest.raises(ValueError, match="^flops_per_token must"):
        ep.compute_seconds(0.0, 1.0)
    with pytest.raises(ValueError, match="^flops_per_s must"):
        ep.compute_seconds(1.0, 0.0)


def test_compute_sm_share_bounds() -> None:
    # No communication SMs (comm_sms = 0 is allowed): all compute.
    assert ep.compute_sm_share(0, 132) == 1.0
    # All but one communicate: 1 / 132 left.
    assert ep.compute_sm_share(131, 132) == pytest.approx(1 / 132)
    # One SM in total, none communicating.
    assert ep.compute_sm_share(0, 1) == 1.0
    with pytest.raises(ValueError, match="comm_sms"):
        ep.compute_sm_share(133, 132)
    with pytest.raises(ValueError, match="^comm_sms must"):
        ep.compute_sm_share(-1, 132)
    with pytest.raises(ValueError, match="^total_sms must"):
        ep.compute_sm_share(0, 0)


def test_distinct_units_of_unsorted_indices() -> None:
    # The gate returns experts in score order, not sorted. Units of 4 experts:
    # [5, 0, 4, 1] -> units [1, 0, 1, 0] -> two distinct units (0 and 1), not four changes in a row.
    # [9, 2, 8, 3] -> units [2, 0, 2, 0] -> two.  [7, 6, 5, 4] -> all unit 1 -> one.
    idx = np.array([[5, 0, 4, 1], [9, 2, 8, 3], [7, 6, 5, 4]])
    got = ep.distinct_per_token(idx, 4)
    np.testing.assert_array_equal(got, [2, 2, 1])
    assert got.shape == (3,)
    # one expert per unit: every distinct expert is its own unit; [3, 1, 3] repeats expert 3 -> 2.
    np.testing.assert_array_equal(ep.distinct_per_token(np.array([[3, 1, 3], [0, 1, 2]]), 1), [2, 3])


def test_distinct_units_of_one_token() -> None:
    # One token's experts as a flat (K,) array: [33, 0, 1, 40] with 32 experts per node -> nodes
    # [1, 0, 0, 1] -> 2 distinct nodes.
    assert ep.distinct_per_token(np.array([33, 0, 1, 40]), 32) == 2


def test_more_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="^experts_per_unit must"):
        ep.distinct_per_token(np.zeros((1, 2), dtype=int), 0)
    with pytest.raises(ValueError, match="^ib_bytes_per_s must"):
        ep.experts_per_node(160e9, 0)
    with pytest.raises(ValueError, match="^ib_copies must"):
        ep.token_traffic(128, -1, 8)
