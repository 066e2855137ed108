"""dsv3.training.utilisation on tiny hand-worked numbers: MFU = FLOPs / (GPU-hours x 3,600 s x peak), the
grid of conventions as the flops_utilisation chapter shows it, and the argument each refusal names."""

from __future__ import annotations

import pytest

from dsv3.arch.flops import run_flops
from dsv3.arch.params import count_params
from dsv3.inputs.models import load_model
from dsv3.training import utilisation as u


def test_achieved_rate_and_mfu_by_hand() -> None:
    # 7.2e18 FLOPs in 2 GPU-hours = 7,200 GPU-seconds: 1e15 FLOP/s per GPU.
    assert u.achieved_flops_per_gpu(7.2e18, 2.0) == pytest.approx(1e15)
    # ... a quarter of a 4e15 peak.
    assert u.mfu_of_total(7.2e18, 2.0, 4e15) == pytest.approx(0.25)
    # The same work as 3.6e6 FLOPs per token x 2e12 tokens.
    assert u.mfu(3.6e6, 2e12, 2.0, 4e15) == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: u.achieved_flops_per_gpu(0.0, 1.0), "total_flops"),
        (lambda: u.achieved_flops_per_gpu(1.0, 0.0), "gpu_hours"),
        (lambda: u.mfu_of_total(1.0, 1.0, 0.0), "peak_flops_per_gpu"),
        (lambda: u.mfu_of_total(0.0, 1.0, 1.0), "total_flops"),
        (lambda: u.mfu(0.0, 1.0, 1.0, 1.0), "flops_per_token"),
        (lambda: u.mfu(1.0, 0.0, 1.0, 1.0), "tokens"),
        (lambda: u.mfu(1.0, 1.0, 0.0, 1.0), "gpu_hours"),
        (lambda: u.mfu(1.0, 1.0, 1.0, 0.0), "peak_flops_per_gpu"),
        (lambda: u.convention_grid({("f", "h"): 0.0}, {"h": 1.0}, {"p": 1.0}), "total_flops"),
        (lambda: u.convention_grid({("f", "h"): 1.0}, {"h": 0.0}, {"p": 1.0}), "gpu_hours"),
        (lambda: u.convention_grid({("f", "h"): 1.0}, {"h": 1.0}, {"p": -1.0}), "peak"),
        (lambda: u.gpu_hours_ratio_factors(0.0, 1.0, 1.0, 1.0, 1.0, 1.0), "work_a"),
        (lambda: u.gpu_hours_ratio_factors(1.0, 0.0, 1.0, 1.0, 1.0, 1.0), "tokens_a"),
        (lambda: u.gpu_hours_ratio_factors(1.0, 1.0, 0.0, 1.0, 1.0, 1.0), "hours_a"),
        (lambda: u.gpu_hours_ratio_factors(1.0, 1.0, 1.0, 0.0, 1.0, 1.0), "work_b"),
        (lambda: u.gpu_hours_ratio_factors(1.0, 1.0, 1.0, 1.0, 0.0, 1.0), "tokens_b"),
        (lambda: u.gpu_hours_ratio_factors(1.0, 1.0, 1.0, 1.0, 1.0, 0.0), "hours_b"),
    ],
)
def test_each_argument_is_named_when_refused(call, name: str) -> None:
    with pytest.raises(ValueError, match=f"^{name} must"):
        call()


def test_convention_grid_by_hand() -> None:
    # Two conventions over the same 1 GPU-hour (3,600 s), two peaks:
    # "6N": 3.6e18 FLOPs -> 1e15 FLOP/s = 1,000 TFLOP/s; "attn": 7.2e18 -> 2,000 TFLOP/s.
    # Peaks 4e15 and 2e15: MFU 0.25, 0.5 (6N) and 0.5, 1.0 (attn). Lowest first; the two 0.5s keep
    # the order they were made in (6N at the 2e15 peak before attn at the 4e15 peak: a stable sort).
    work = {("6N", "pre"): 3.6e18, ("attn", "pre"): 7.2e18}
    grid = u.convention_grid(work, {"pre": 1.0, "unused": 5.0}, {"fp8": 4e15, "bf16": 2e15})
    assert list(grid.columns) == ["FLOPs", "hours", "peak", "total FLOPs", "TFLOP/s per GPU", "MFU"]
    assert list(grid.index) == [0, 1, 2, 3]
    assert list(grid["FLOPs"]) == ["6N", "6N", "attn", "attn"]
    assert list(grid["peak"]) == ["fp8", "bf16", "fp8", "bf16"]
    assert list(grid["hours"]) == ["pre"] * 4
    assert list(grid["total FLOPs"]) == [3.6e18, 3.6e18, 7.2e18, 7.2e18]
    # exact: 3.6e18 / 3,600 = 1e15 and 1e15 / 1e12 = 1,000 are both exact in binary floating point
    assert list(grid["TFLOP/s per GPU"]) == [1000.0, 1000.0, 2000.0, 2000.0]
    assert list(grid["MFU"]) == pytest.approx([0.25, 0.5, 0.5, 1.0])


def test_convention_grid_sorts_rows_made_out_of_order() -> None:
    # Made in the order high, low: 7.2e18 / 3,600 / 1e15 = 2.0 first, then 3.6e18 / 3,600 / 1e15 = 1.0.
    grid = u.convention_grid({("a", "h"): 7.2e18, ("b", "h"): 3.6e18}, {"h": 1.0}, {"p": 1e15})
    assert list(grid["FLOPs"]) == ["b", "a"]
    assert list(grid.index) == [0, 1]
    with pytest.raises(ValueError, match="gpu_hours"):
        u.convention_grid({("a", "missing"): 1.0}, {"h": 1.0}, {"p": 1e15})


def test_work_by_convention_sums_tokens_over_segments() -> None:
    # 6N counts tokens only: two segments of 1e9 and 3e9 tokens do the work of 4e9 tokens at 6 x N,
    # N the activated parameters without the embedding; the other two conventions are run_flops'.
    arch = load_model("DeepSeek-V3")
    segs = {"two": [(1e9, 4096), (3e9, 32768)]}
    work = u.work_by_convention(arch, segs)
    n = count_params(arch).activated("without_embedding")
    assert work[("6N", "two")] == pytest.approx(6 * n * 4e9)
    assert work[("with attention", "two")] == pytest.approx(run_flops(arch, segs["two"]))
    assert work[("with attention and MTP", "two")] == pytest.approx(run_flops(arch, segs["two"], include_mtp=True))
    assert len(work) == 3


def test_gpu_hours_ratio_factors_by_hand() -> None:
    # A: 8 FLOPs on 2 tokens in 4 h (2 FLOPs/h); B: 6 FLOPs on 3 tokens in 2 h (3 FLOPs/h).
    # Per token 4 / 2 = 2; tokens 2 / 3; B's rate over A's 3 / 2; hours 4 / 2 = 2 = 2 x 2/3 x 3/2.
    f = u.gpu_hours_ratio_factors(8.0, 2.0, 4.0, 6.0, 3.0, 2.0)
    assert f["FLOPs per token"] == pytest.approx(2.0)
    assert f["tokens"] == pytest.approx(2 / 3)
    assert f["achieved FLOP/s per GPU (inverse)"] == pytest.approx(1.5)
    assert f["GPU-hours"] == pytest.approx(2.0)
    assert list(f) == ["FLOPs per token", "tokens", "achieved FLOP/s per GPU (inverse)", "GPU-hours"]


def test_convention_grid_keeps_the_order_of_equal_mfus() -> None:
    # 40 conventions over the same hours and one peak, alternating 7.2e18 and 3.6e18 FLOPs in 1 h at a
    # 1e15 peak: MFU 2 and 1. Lowest first, and among equals the order they were given in (a stable sort,
    # so the chapter's table does not reshuffle rows of equal MFU).
    work = {(f"c{i:02d}", "h"): (7.2e18 if i % 2 == 0 else 3.6e18) for i in range(40)}
    grid = u.convention_grid(work, {"h": 1.0}, {"p": 1e15})
    odd, even = [f"c{i:02d}" for i in range(1, 40, 2)], [f"c{i:02d}" for i in range(0, 40, 2)]
    assert grid["FLOPs"].tolist() == odd + even
    assert grid["MFU"].tolist() == pytest.approx([1.0] * 20 + [2.0] * 20)
