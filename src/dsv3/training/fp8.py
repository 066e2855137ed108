"""FP8 training arithmetic, emulated in numpy: the E4M3 grid, fine-grained scaling, limited-precision accumulation.

Used by the chapter "FP8 training, emulated bit by bit" (``chapters/fp8_training.md``).

Sources (cited in the chapter):

- DeepSeek-V3 Technical Report (arXiv:2412.19437), Section 3.3 (the FP8 recipe: E4M3 on all tensors, 1x128
  activation tiles, 128x128 weight blocks, online ``amax`` scaling, promotion to FP32 every ``N_C = 128``
  elements) and Section 3.5.2 (the tensor core aligns 32 products to the largest exponent, keeps the highest
  14 bits of each and truncates the rest; the register accumulation also keeps 14 bits).
- ISCA '25 "Insights into DeepSeek-V3" (arXiv:2505.09343), Section 3.1.1: the same mechanism restated as 13
  fraction bits and FP22 (e8m13) registers. 14 bits = the implicit leading bit + 13 fraction bits.
- ``deepseek-ai/DeepSeek-V3`` ``inference/kernel.py`` at ``9b4e978``: ``act_quant_kernel`` (``amax`` clamped at
  1e-4, ``s = amax / 448``, ``s = 2**ceil(log2 s)`` when ``scale_fmt == "ue8m0"``), ``weight_dequant_kernel``
  (``y = x * s`` per 128x128 block) and ``fp8_gemm_kernel`` (one dot per 128-wide K block, scaled and added in
  FP32); ``inference/model.py`` (scale tensor ``((out + 127)//128, (in + 127)//128)``); ``README_WEIGHTS.md``
  (a block not aligned to 128 is zero-padded before its scale is computed).

The FP8 formats are ``ml_dtypes.float8_e4m3fn`` and ``ml_dtypes.float8_e5m2``. ml_dtypes rounds to nearest even and
turns an E4M3 overflow (a magnitude of 464 or more) into NaN, so every quantiser here scales before it casts.

Pure functions: nothing here opens a file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ml_dtypes
import numpy as np

E4M3 = np.dtype(ml_dtypes.float8_e4m3fn)
E5M2 = np.dtype(ml_dtypes.float8_e5m2)
FORMATS = {"E4M3": E4M3, "E5M2": E5M2}

#: DeepSeek's tile/block edge (``inference/model.py:15`` ``block_size = 128``).
BLOCK = 128
#: Largest finite E4M3 value, the denominator of ``s = amax / 448`` (``kernel.py`` ``act_quant_kernel``).
E4M3_MAX = float(ml_dtypes.finfo(E4M3).max)
#: ``act_quant_kernel`` at HEAD clamps ``amax`` at 1e-4 so that an all-zero tile does not give 0/0.
AMAX_FLOOR = 1e-4
#: Products aligned together by one tensor-core addition (V3P Section 3.5.2: "aligning 32 mantissa products").
TENSOR_CORE_GROUP = 32
#: Significant bits the H800 tensor core keeps (V3P Section 3.3.2 and 3.5.2: "around 14 bits").
TENSOR_CORE_BITS = 14
#: Promotion interval of DeepSeek's recipe (V3P Section 3.3.2: "N_C = 128 elements, equivalent to 4 WGMMAs").
PROMOTION_INTERVAL = 128


class TileSizeError(ValueError):
    """A tile or block size that is not a positive integer, or that does not divide the dimension it tiles."""


class BitWidthError(ValueError):
    """A mantissa bit width (or group size, or promotion interval) that is not a positive integer."""


class NonFiniteInputError(ValueError):
    """A NaN or infinity handed to the quantiser (its ``amax`` would poison the whole tile)."""


class FormatError(ValueError):
    """An FP8 format name that is neither ``"E4M3"`` nor ``"E5M2"``."""


# --------------------------------------------------------------------------------------------------------------
# 1. The formats as ml_dtypes implements them
# --------------------------------------------------------------------------------------------------------------


def fp8_dtype(fmt: str) -> np.dtype:
    """The numpy dtype of an FP8 format name (``"E4M3"`` = ``float8_e4m3fn``, ``"E5M2"`` = ``float8_e5m2``)."""
    if fmt not in FORMATS:
        raise FormatError(f"fmt must be one of {sorted(FORMATS)}, got {fmt!r}")
    return FORMATS[fmt]


@dataclass(frozen=True)
class FormatFacts:
    """What ``ml_dtypes.finfo`` and the 256 codes say about one FP8 format."""

    name: str
    exponent_bits: int
    mantissa_bits: int
    max: float
    smallest_normal: float
    smallest_subnormal: float
    eps: float
    positive_finite_values: int
    nan_codes: int
    inf_codes: int


def all_codes(fmt: str) -> np.ndarray:
    """The 256 values of the format, code 0x00 to 0xFF, as float64 (NaN and inf where the format has them)."""
    return np.arange(256, dtype=np.uint8).view(fp8_dtype(fmt)).astype(np.float64)


def positive_values(fmt: str) -> np.ndarray:
    """The positive finite values of the format, ascending (the grid a quantised magnitude lands on)."""
    v = all_codes(fmt)
    return np.unique(v[np.isfinite(v) & (v > 0)])


def format_facts(fmt: str) -> FormatFacts:
    """The format's range and precision, read from ``ml_dtypes.finfo`` and from its 256 codes."""
    dt = fp8_dtype(fmt)
    fi = ml_dtypes.finfo(dt)
    codes = all_codes(fmt)
    return FormatFacts(
        name=fmt,
        exponent_bits=int(fi.nexp),
        mantissa_bits=int(fi.nmant),
        max=float(fi.max),
        smallest_normal=float(fi.smallest_normal),
        smallest_subnormal=float(fi.smallest_subnormal),
        eps=float(fi.eps),
        positive_finite_values=int(positive_values(fmt).size),
        nan_codes=int(np.isnan(codes).sum()),
        inf_codes=int(np.isinf(codes).sum()),
    )


def cast(x: np.ndarray | float, fmt: str = "E4M3") -> np.ndarray:
    """Round ``x`` to the FP8 format (ml_dtypes: round to nearest even) and return the result as float64.

    No scaling and no saturation: an E4M3 magnitude of 464 or more becomes NaN, as in ml_dtypes.
    """
    return np.asarray(x, dtype=np.float64).astype(fp8_dtype(fmt)).astype(np.float64)


def relative_rounding_error(x: np.ndarray, fmt: str = "E4M3") -> np.ndarray:
    """``|cast(x) - x| / |x|`` for nonzero ``x`` inside the format's finite range (the curve of Section 1)."""
    x = np.asarray(x, dtype=np.float64)
    if np.any(x == 0) or not np.all(np.isfinite(x)):
        raise NonFiniteInputError("relative_rounding_error needs finite, nonzero x")
    return np.abs(cast(x, fmt) - x) / np.abs(x)


def rounding_error_envelope(fmt: str = "E4M3") -> tuple[np.ndarray, np.ndarray]:
    """The largest relative error of rounding a value of each magnitude to the format, as a saw-tooth.

    Between consecutive positive values ``v_i < v_j`` a value ``x`` rounds with error at most half the gap,
    so the relative bound is ``(v_j - v_i) / (2 x)``: from ``gap / (2 v_i)`` at ``v_i`` down to
    ``gap / (2 v_j)`` at ``v_j``. Returns the (x, bound) points of that saw-tooth, from the smallest subnormal
    to the largest finite value. In the normal range the peak is half the spacing above 1 (``eps / 2``).
    """
    v = positive_values(fmt)
    gap = np.diff(v)
    x = np.column_stack([v[:-1], v[1:]]).ravel()
    y = np.column_stack([gap / (2 * v[:-1]), gap / (2 * v[1:])]).ravel()
    return x, y


# --------------------------------------------------------------------------------------------------------------
# 2. Fine-grained quantisation (DeepSeek's act_quant / weight blocks), per-tensor and per-row for comparison
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantised:
    """FP8 values and their dequantisation multipliers: ``x ~ values * scales`` block by block.

    ``values`` has ``x``'s shape (dtype float8); ``scales`` has one float32 per block, shape
    ``(ceil(rows / block_rows), ceil(cols / block_cols))``; ``block`` is ``(block_rows, block_cols)``.
    ``scales`` is DeepSeek's ``s = amax / 448``, the multiplier the checkpoint calls ``weight_scale_inv``.
    """

    values: np.ndarray
    scales: np.ndarray
    block: tuple[int, int]

    def dequantise(self) -> np.ndarray:
        """``values * scales`` block by block, as float64 (``weight_dequant_kernel``: ``y = x * s``)."""
        return dequantise(self)


def _check_tile(name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise TileSizeError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def _check_bits(name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise BitWidthError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def _check_matrix(name: str, x: object) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D matrix, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        bad = int((~np.isfinite(a)).sum())
        raise NonFiniteInputError(
            f"{name} has {bad} non-finite value(s) (NaN or inf); the quantiser needs finite input"
        )
    return a


def power_of_two_scale(s: np.ndarray) -> np.ndarray:
    """Round a scale up to a power of two, ``2**ceil(log2 s)`` (``act_quant_kernel`` with ``scale_fmt == "ue8m0"``).

    Rounding up keeps ``|x / s| <= 448``; the price is up to one binade of headroom left unused.
    """
    s = np.asarray(s, dtype=np.float64)
    return np.exp2(np.ceil(np.log2(s)))


def quantise(
    x: np.ndarray,
    block: tuple[int, int],
    *,
    fmt: str = "E4M3",
    pow2: bool = False,
    pad: bool = False,
    amax_floor: float = AMAX_FLOOR,
) -> Quantised:
    """Quantise a matrix block by block with ``s = max(amax, amax_floor) / fmt_max`` and ``values = cast(x / s)``.

    ``block = (1, 128)`` is DeepSeek's activation tile (per token per 128 channels), ``(128, 128)`` its weight
    block, ``(rows, cols)`` per-tensor scaling and ``(1, cols)`` per-row scaling. ``pad=False`` requires the
    block to divide the matrix (``act_quant`` asserts it, ``kernel.py:52``); ``pad=True`` zero-pads to whole
    blocks before the scales are computed and drops the padding afterwards (``README_WEIGHTS.md``).
    ``pow2=True`` rounds each scale up to a power of two. ``amax_floor`` is 1e-4 as at HEAD; 0 reproduces the
    release kernel, whose all-zero tile gave 0/0 = NaN.
    """
    a = _check_matrix("x", x)
    br, bc = (_check_tile("block rows", block[0]), _check_tile("block cols", block[1]))
    dt = fp8_dtype(fmt)
    rows, cols = a.shape
    if not pad and (rows % br or cols % bc):
        raise TileSizeError(
            f"block {br}x{bc} does not divide the {rows}x{cols} matrix (pass pad=True to zero-pad, as for weights)"
        )
    nr, nc = math.ceil(rows / br), math.ceil(cols / bc)
    padded = np.zeros((nr * br, nc * bc))
    padded[:rows, :cols] = a
    tiles = padded.reshape(nr, br, nc, bc)
    amax = np.abs(tiles).max(axis=(1, 3))
    fmax = float(ml_dtypes.finfo(dt).max)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.maximum(amax, amax_floor) / fmax
        if pow2:
            s = power_of_two_scale(s)
        s = s.astype(np.float32)
        scaled = tiles / s.astype(np.float64)[:, None, :, None]
    values = scaled.astype(dt).reshape(nr * br, nc * bc)[:rows, :cols]
    return Quantised(values=values, scales=s, block=(br, bc))


def dequantise(q: Quantised) -> np.ndarray:
    """``values * scales`` block by block, as float64."""
    br, bc = q.block
    s = np.repeat(np.repeat(q.scales.astype(np.float64), br, axis=0), bc, axis=1)
    rows, cols = q.values.shape
    return q.values.astype(np.float64) * s[:rows, :cols]


def scale_shape(out_features: int, in_features: int, block: int = BLOCK) -> tuple[int, int]:
    """Shape of a weight's FP32 scale tensor: ``((out + block - 1)//block, (in + block - 1)//block)`` (model.py)."""
    out_features = _check_tile("out_features", out_features)
    in_features = _check_tile("in_features", in_features)
    block = _check_tile("block", block)
    return (-(-out_features // block), -(-in_features // block))


def int8_quantise_dequantise(x: np.ndarray, block: tuple[int, int]) -> np.ndarray:
    """Symmetric INT8 with ``s = amax / 127`` per block, round to nearest, dequantised (the contrast to FP8)."""
    a = _check_matrix("x", x)
    br, bc = (_check_tile("block rows", block[0]), _check_tile("block cols", block[1]))
    rows, cols = a.shape
    if rows % br or cols % bc:
        raise TileSizeError(f"block {br}x{bc} does not divide the {rows}x{cols} matrix")
    tiles = a.reshape(rows // br, br, cols // bc, bc)
    s = np.maximum(np.abs(tiles).max(axis=(1, 3)), AMAX_FLOOR)[:, None, :, None] / 127.0
    # |x| <= amax, so |x / s| <= 127 (up to one rounding of the division) and rint keeps it in [-127, 127]
    return (np.rint(tiles / s) * s).reshape(rows, cols)


def relative_error(approx: np.ndarray, exact: np.ndarray) -> float:
    """Normwise relative error ``||approx - exact||_F / ||exact||_F``."""
    exact = np.asarray(exact, dtype=np.float64)
    return float(np.linalg.norm(np.asarray(approx, dtype=np.float64) - exact) / np.linalg.norm(exact))


def outlier_activations(
    rng: np.random.Generator,
    tokens: int,
    channels: int,
    *,
    outlier_channels: int = 4,
    outlier_scale: float = 100.0,
    channel_spread: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic activations: N(0, 1) per element times a log-normal per-channel scale, a few channels much larger.

    Channel ``j`` has standard deviation ``exp(channel_spread * z_j)`` with ``z_j ~ N(0, 1)``; ``outlier_channels``
    channels drawn at random are multiplied by ``outlier_scale`` (the "massive activation" channels of LLMs).
    Returns the (tokens, channels) activations and the sorted indices of the outlier channels.
    A generator, not DeepSeek's activations: the chapter states it.
    """
    tokens = _check_tile("tokens", tokens)
    channels = _check_tile("channels", channels)
    if not 0 <= outlier_channels <= channels:
        raise ValueError(f"outlier_channels must be between 0 and channels={channels}, got {outlier_channels!r}")
    if not (math.isfinite(outlier_scale) and outlier_scale > 0):
        raise ValueError(f"outlier_scale must be positive and finite, got {outlier_scale!r}")
    std = np.exp(channel_spread * rng.standard_normal(channels))
    idx = rng.choice(channels, size=outlier_channels, replace=False)
    std[idx] *= outlier_scale
    return rng.standard_normal((tokens, channels)) * std, np.sort(idx)


# --------------------------------------------------------------------------------------------------------------
# 3. The limited-precision tensor-core accumulator, with and without promotion to FP32
# --------------------------------------------------------------------------------------------------------------


def round_to_bits(x: np.ndarray, bits: int, mode: str = "truncate") -> np.ndarray:
    """Keep ``bits`` significant bits of each value (the leading bit included); ``mode`` truncate or nearest.

    ``x = m * 2**e`` with ``0.5 <= |m| < 1`` (``frexp``); the result is ``R(m * 2**bits) * 2**(e - bits)`` with
    ``R`` truncation toward zero or round-half-even. Exponent range is unlimited (FP22 has 8 exponent bits,
    like FP32, so no GEMM here reaches its limits).
    """
    bits = _check_bits("bits", bits)
    m, e = np.frexp(np.asarray(x, dtype=np.float64))
    r = np.trunc if mode == "truncate" else np.rint if mode == "nearest" else None
    if r is None:
        raise ValueError(f"mode must be 'truncate' or 'nearest', got {mode!r}")
    return np.ldexp(r(np.ldexp(m, bits)), e - bits)


def _narrow_ok(a: np.ndarray, b: np.ndarray, bits: int, group: int) -> bool:
    """Whether float32 holds every product and cut term exactly (FP8-like inputs, bits <= ~19).

    Products of values with at most 12 significant bits are exact in float32 (24 bits), and finite while
    ``|a|, |b| < 2**60``. The cut scales a group's products by ``2**(bits - e)``, ``e`` the frexp exponent of
    the largest; with every nonzero operand at least ``2**-52`` the products are at least ``2**-104``, so
    ``e >= -103`` and the scale is at most ``2**127``, finite in float32, while ``bits <= 24``. The sums are
    taken in float64. ``bits + log2(group) <= 24`` asks a little more than ``bits <= 24`` for larger groups.
    """
    return bool(
        bits + math.ceil(math.log2(group)) <= 24
        and np.array_equal(round_to_bits(a, 12), a)
        and np.array_equal(round_to_bits(b, 12), b)
        and np.all(np.abs(a) < 2.0**60)
        and np.all(np.abs(b) < 2.0**60)
        and np.all((a == 0) | (np.abs(a) >= 2.0**-52))
        and np.all((b == 0) | (np.abs(b) >= 2.0**-52))
    )


def _cut_group_sums(p: np.ndarray, bits: int, mode: str) -> np.ndarray:
    """Sum of each group's products after alignment to the group's largest one and the cut to ``bits``.

    ``p`` has shape (groups, G, M, N) and is overwritten; the result (groups, M, N) is exact in float64.
    """
    big = np.maximum(p.max(axis=1), -p.min(axis=1))
    _, e = np.frexp(big)  # big = m * 2**e, 0.5 <= m < 1: the leading bit has weight 2**(e - 1)
    inv_ulp = np.ldexp(1.0, bits - e)  # the last kept bit weighs 2**(e - bits); a power of two
    scaled = np.multiply(p, inv_ulp.astype(p.dtype)[:, None], out=p)  # exact: a power-of-two scaling
    cut = np.trunc if mode == "truncate" else np.rint
    return cut(scaled, out=scaled).sum(axis=1, dtype=np.float64) / inv_ulp


def _group_sum(p: np.ndarray, acc: np.ndarray, bits: int, mode: str) -> np.ndarray:
    """One tensor-core addition with the register aligned too: align a group (axis 0) and the register, cut, add.

    ``p`` has shape (G, M, N); ``acc`` (M, N). The group's exponent is that of the largest magnitude among its
    products and the register; each term keeps the bits from that exponent down to ``bits - 1`` places below
    it; the exact sum of the kept terms is rounded to ``bits``. (With the register not aligned, the products'
    cut does not depend on it: :func:`_cut_group_sums` and :func:`accumulate` do that reading.)
    """
    big = np.maximum(np.maximum(p.max(axis=0), -p.min(axis=0)), np.abs(acc))
    _, e = np.frexp(big)  # big = m * 2**e, 0.5 <= m < 1: the leading bit has weight 2**(e - 1)
    inv_ulp = np.ldexp(1.0, bits - e).astype(p.dtype)  # last kept bit weighs 2**(e - bits); a power of two
    cut = np.trunc if mode == "truncate" else np.rint
    scaled = np.multiply(p, inv_ulp, out=p)  # exact: a power-of-two scaling
    units = cut(scaled, out=scaled).sum(axis=0, dtype=np.float64)  # integers below 2**(bits + 5): exact
    inv_ulp = inv_ulp.astype(np.float64)
    units += cut(acc * inv_ulp)
    return round_to_bits(units / inv_ulp, bits, mode)


def _check_gemm(a: object, b: object, bits: int, group: int, mode: str) -> tuple[np.ndarray, np.ndarray, int, int]:
    """The operands of an emulated GEMM as float64 matrices, with the accumulator settings checked."""
    bits = _check_bits("bits", bits)
    group = _check_bits("group", group)
    if mode not in ("truncate", "nearest"):
        raise ValueError(f"mode must be 'truncate' or 'nearest', got {mode!r}")
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"a and b must be matrices with a.shape[1] == b.shape[0], got {a.shape} and {b.shape}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise NonFiniteInputError("a and b must be finite")
    return a, b, bits, group


def limited_matmul(
    a: np.ndarray,
    b: np.ndarray,
    *,
    bits: int = TENSOR_CORE_BITS,
    group: int = TENSOR_CORE_GROUP,
    promote_every: int | None = PROMOTION_INTERVAL,
    mode: str = "truncate",
    align_accumulator: bool = False,
) -> np.ndarray:
    """Emulate ``a @ b`` on a tensor core whose additions keep ``bits`` significant bits (V3P Section 3.5.2).

    Reading of the report, stated: the K products of an output element are taken ``group`` (32) at a time;
    within a group they are aligned to the largest exponent and each keeps only the ``bits`` highest bits from
    there (the rest truncated, ``mode="truncate"``); the kept terms are added exactly and the result is added
    to a register that also keeps ``bits`` significant bits (truncated). ``align_accumulator=True`` instead
    aligns the register together with the products (one multi-term addition, as an independent hardware probe
    describes it). With ``promote_every = N_C`` the register is restarted from zero every ``N_C`` elements of K
    and its value added to an FP32 accumulator on the CUDA cores (V3P Section 3.3.2, DeepGEMM's "promote");
    ``None`` accumulates the whole K in the limited register (no promotion).

    ``a`` (M, K) and ``b`` (K, N) should hold FP8 values (scales factored out), so that every product is exact in
    float64. Vectorised over M and N; the loop runs over the K / ``group`` groups, as the hardware does.
    Leaves out: subnormal and overflow behaviour of the register, and any rounding of the FP32 path other than
    float32 addition.
    """
    a, b, bits, group = _check_gemm(a, b, bits, group, mode)
    k = a.shape[1]
    chunk = k if promote_every is None else _check_bits("promote_every", promote_every)
    if k % group:
        raise TileSizeError(f"group {group} does not divide K = {k}")
    if chunk % group:
        raise TileSizeError(f"promote_every {chunk} must be a multiple of the group {group}")
    if k % chunk:
        raise TileSizeError(f"promote_every {chunk} does not divide K = {k}")
    m, n = a.shape[0], b.shape[1]
    work = np.float32 if _narrow_ok(a, b, bits, group) else np.float64
    at = np.ascontiguousarray(a.T, dtype=work)
    b = np.ascontiguousarray(b, dtype=work)
    total = np.zeros((m, n), dtype=np.float32)
    acc = np.zeros((m, n))
    if align_accumulator:  # the register joins each group's alignment: strictly one group after another
        for start in range(0, k, group):
            if start % chunk == 0 and start:
                total = total + acc.astype(np.float32)
                acc = np.zeros((m, n))
            p = at[start : start + group, :, None] * b[start : start + group, None, :]
            acc = _group_sum(p, acc, bits, mode)
        return (total + acc.astype(np.float32)).astype(np.float64)
    # Otherwise the cut of the products does not depend on the register: cut all groups at once, then run
    # the (cheap) register additions in order.
    return accumulate(_cut_all_groups(at, b, bits, group, mode), group, promote_every, bits=bits, mode=mode)


def _cut_all_groups(at: np.ndarray, b: np.ndarray, bits: int, group: int, mode: str) -> np.ndarray:
    """Each group's cut-and-added products, shape (K / group, M, N), from ``a.T`` (K, M) and ``b`` (K, N)."""
    k, m = at.shape
    n = b.shape[1]
    ngroups = k // group
    per_batch = max(1, 2**22 // (group * m * n))
    sums = np.empty((ngroups, m, n))
    for g0 in range(0, ngroups, per_batch):
        g1 = min(ngroups, g0 + per_batch)
        rows = slice(g0 * group, g1 * group)
        p = (at[rows, :, None] * b[rows, None, :]).reshape(g1 - g0, group, m, n)
        sums[g0:g1] = _cut_group_sums(p, bits, mode)
    return sums


def group_sums(
    a: np.ndarray,
    b: np.ndarray,
    *,
    bits: int = TENSOR_CORE_BITS,
    group: int = TENSOR_CORE_GROUP,
    mode: str = "truncate",
) -> np.ndarray:
    """The first stage of :func:`limited_matmul` (products aligned, register not): one sum per group of K.

    Returns shape (K / group, M, N). Pass it to :func:`accumulate` once per promotion interval, which is
    how the chapter sweeps ``N_C`` without recomputing the products.
    """
    a, b, bits, group = _check_gemm(a, b, bits, group, mode)
    if a.shape[1] % group:
        raise TileSizeError(f"group {group} does not divide K = {a.shape[1]}")
    work = np.float32 if _narrow_ok(a, b, bits, group) else np.float64
    return _cut_all_groups(
        np.ascontiguousarray(a.T, dtype=work), np.ascontiguousarray(b, dtype=work), bits, group, mode
    )


def accumulate(
    sums: np.ndarray,
    group: int = TENSOR_CORE_GROUP,
    promote_every: int | None = PROMOTION_INTERVAL,
    *,
    bits: int = TENSOR_CORE_BITS,
    mode: str = "truncate",
) -> np.ndarray:
    """Add group sums into a ``bits``-bit register in order, promoting to FP32 every ``promote_every`` of K.

    ``sums`` (K / group, M, N) comes from :func:`group_sums`; ``None`` never promotes.
    """
    bits = _check_bits("bits", bits)
    group = _check_bits("group", group)
    ngroups = sums.shape[0]
    k = ngroups * group
    chunk = k if promote_every is None else _check_bits("promote_every", promote_every)
    if chunk % group:
        raise TileSizeError(f"promote_every {chunk} must be a multiple of the group {group}")
    if k % chunk:
        raise TileSizeError(f"promote_every {chunk} does not divide K = {k}")
    per_chunk = chunk // group
    total = np.zeros(sums.shape[1:], dtype=np.float32)
    acc = np.zeros(sums.shape[1:])
    for g in range(ngroups):
        if g % per_chunk == 0 and g:
            total = total + acc.astype(np.float32)
            acc = np.zeros(sums.shape[1:])
        acc = round_to_bits(acc + sums[g], bits, mode)
    return (total + acc.astype(np.float32)).astype(np.float64)


def accumulation_errors(a: np.ndarray, b: np.ndarray, emulated: np.ndarray) -> dict[str, float]:
    """Error of ``emulated`` against the exact (float64) product of the same inputs, three ways.

    ``normwise``: ``||C~ - C||_F / ||C||_F``; ``max_over_max``: ``max|C~ - C| / max|C|``; ``max_elementwise``:
    ``max |C~ - C| / |C|`` over the elements with ``|C|`` at least 1% of the RMS of ``C`` (the elementwise ratio
    is unbounded as ``C`` nears zero, so some floor is needed to state a "maximum relative error").
    """
    exact = np.asarray(a, dtype=np.float64) @ np.asarray(b, dtype=np.float64)
    err = np.abs(np.asarray(emulated, dtype=np.float64) - exact)
    rms = float(np.sqrt(np.mean(exact**2)))
    big = np.abs(exact) >= 0.01 * rms
    return {
        "normwise": float(np.linalg.norm(err) / np.linalg.norm(exact)),
        "max_over_max": float(err.max() / np.abs(exact).max()),
        "max_elementwise": float((err[big] / np.abs(exact[big])).max()),
    }


def blockwise_fp8_matmul(
    x: np.ndarray,
    w: np.ndarray,
    *,
    bits: int | None = TENSOR_CORE_BITS,
    pow2: bool = False,
) -> np.ndarray:
    """DeepSeek's FP8 linear ``y = x @ w.T`` end to end (``kernel.py`` ``fp8_gemm_kernel``, DeepGEMM ``1d2d``).

    ``x`` (M, K) is quantised in 1x128 tiles, ``w`` (N, K) in 128x128 blocks. For each 128-wide K block the
    FP8 values are multiplied on the emulated tensor core (``bits`` significant bits, ``None`` = exact), the
    result is multiplied by the tile scale of ``x`` and the block scale of ``w`` and added in FP32: promotion
    every 128 elements, with the per-group scales applied at promotion.
    """
    xa = _check_matrix("x", x)
    wa = _check_matrix("w", w)
    if xa.shape[1] != wa.shape[1]:
        raise ValueError(f"x and w must share K, got {xa.shape} and {wa.shape}")
    qx = quantise(xa, (1, BLOCK), pow2=pow2)
    qw = quantise(wa, (BLOCK, BLOCK), pow2=pow2, pad=True)
    xv = qx.values.astype(np.float64)
    wv = qw.values.astype(np.float64)
    k = xa.shape[1]
    total = np.zeros((xa.shape[0], wa.shape[0]), dtype=np.float32)
    sw_rows = np.repeat(qw.scales.astype(np.float64), BLOCK, axis=0)[: wa.shape[0]]
    for j in range(k // BLOCK):
        sl = slice(j * BLOCK, (j + 1) * BLOCK)
        if bits is None:
            part = xv[:, sl] @ wv[:, sl].T
        else:
            part = limited_matmul(xv[:, sl], wv[:, sl].T, bits=bits, promote_every=None)
        scaled = part * qx.scales[:, j].astype(np.float64)[:, None] * sw_rows[:, j][None, :]
        total = total + scaled.astype(np.float32)
    return total.astype(np.float64)
