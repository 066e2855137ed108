"""FLOPs per token: the matmuls of the activated weights plus attention's scores and values.

Convention (the one DeepSeek's ISCA '25 paper uses for its Table 2, "training cost per token"):

- a multiply-add is 2 FLOPs, so a token costs 2 N forward FLOPs through N activated weights;
  the input embedding is a lookup and costs nothing, the output head is a matmul and counts;
- attention adds, per layer, the scores q.k and the weighted sum of values over the keys the
  token attends to: 2 n_h (d_qk + d_v) FLOPs per key. With a causal mask, the t-th token of a
  sequence of length T attends to t keys, (T + 1) / 2 on average;
- MLA is counted in its training form (keys and values up-projected per head, d_qk = d_h + d_h^R);
- training = forward + backward = 3 x forward.
"""

from __future__ import annotations

from dsv3.arch.params import ParamCount, count_params, mtp_params
from dsv3.arch.spec import MLA, Architecture
from dsv3.checks import positive

TRAINING_MULTIPLIER = 3.0  # backward ~ 2 x forward (gradients for activations and for weights)


def mean_context(seq_len: int, causal: bool = True) -> float:
    """Average number of keys a query attends to in a sequence of ``seq_len`` tokens."""
    t = positive("seq_len", seq_len)
    return (t + 1) / 2 if causal else t


def attention_flops_per_token_layer(arch: Architecture, seq_len: int, causal: bool = True) -> float:
    """Forward FLOPs of QK^T and AV for one token in one layer: 2 n_h (d_qk + d_v) x mean context."""
    att = arch.attention
    if isinstance(att, MLA):
        width = att.n_heads * (att.qk_head_dim + att.v_head_dim)
    else:
        width = att.n_heads * 2 * att.head_dim
    return 2.0 * width * mean_context(seq_len, causal)


def matmul_flops_per_token(count: ParamCount) -> float:
    """Forward FLOPs of the weight matmuls: 2 x activated parameters without the input embedding."""
    return 2.0 * count.activated("without_embedding")


def forward_breakdown(arch: Architecture, seq_len: int = 4096, causal: bool = True) -> dict[str, float]:
    """Forward FLOPs per token of the main model, split into ``weights`` and ``attention``."""
    return {
        "weights": matmul_flops_per_token(count_params(arch)),
        "attention": arch.n_layers * attention_flops_per_token_layer(arch, seq_len, causal),
    }


def forward_flops_per_token(
    arch: Architecture, seq_len: int = 4096, causal: bool = True, include_mtp: bool = False
) -> float:
    """Forward FLOPs for one token at sequence length ``seq_len``.

    With ``include_mtp`` (DeepSeek-V3), the multi-token-prediction module's own pass is added:
    its projection, its transformer layer, and the shared output head multiplied once more.
    """
    flops = sum(forward_breakdown(arch, seq_len, causal).values())
    if include_mtp:
        mtp = mtp_params(arch)
        flops += 2.0 * (mtp.activated() - mtp.active["shared embedding"])
        flops += arch.n_mtp_layers * attention_flops_per_token_layer(arch, seq_len, causal)
    return flops


def training_flops_per_token(
    arch: Architecture, seq_len: int = 4096, causal: bool = True, include_mtp: bool = False
) -> float:
    """Training FLOPs per token: 3 x :func:`forward_flops_per_token` (ISCA '25 Table 2 convention)."""
    return TRAINING_MULTIPLIER * forward_flops_per_token(arch, seq_len, causal, include_mtp)


def six_n(activated_params: float) -> float:
    """The 6N rule of thumb: training FLOPs per token from activated parameters alone, no attention."""
    return 6.0 * positive("activated_params", activated_params)


def run_flops(arch: Architecture, segments: list[tuple[float, int]], include_mtp: bool = False) -> float:
    """Training FLOPs of a run made of ``(tokens, sequence length)`` segments.

    E.g. DeepSeek-V3: 14.8T tokens at 4K, then the two context-extension phases of Section 4.3
    (1000 steps x 1920 x 32K and 1000 x 480 x 128K tokens).
    """
    return sum(
        positive("tokens", tokens) * training_flops_per_token(arch, seq_len, include_mtp=include_mtp)
        for tokens, seq_len in segments
    )


def crossover_seq_len(a: Architecture, b: Architecture, low: int = 1, high: int = 1 << 24) -> int | None:
    """Shortest sequence length at which ``a`` costs more training FLOPs per token than ``b``.

    Both costs are linear in the mean context, so they cross at most once; ``None`` if ``a`` stays
    cheaper up to ``high``. Found by bisection over integer lengths.
    """

    def a_dearer(t: int) -> bool:
        return training_flops_per_token(a, t) > training_flops_per_token(b, t)

    if a_dearer(low):
        return low
    if not a_dearer(high):
        return None
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if a_dearer(mid) else (mid, high)
    return high
