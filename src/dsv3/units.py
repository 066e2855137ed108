"""The book's units, defined once: every module and chapter takes its constants from here.

- Counts (parameters, tokens, FLOPs, dollars): K/M/B/T = 1e3/1e6/1e9/1e12.
- Bytes: KB = 1e3 (as the DeepSeek papers use it: ISCA '25 Table 1's 70.272 KB is 70,272 bytes),
  GB = 1e9 for parameters x bytes and cache sizes, GiB = 2**30 for memory capacity (an "80GB" GPU
  has 80 GiB of HBM).
- Time: GPU-hours (GPU-h), hours of 3,600 s, days of 24 h.
- Prices: US dollars per million (1e6) tokens.
"""

from __future__ import annotations

K = 1e3
M = 1e6
B = 1e9
T = 1e12
MILLION = M
TRILLION = T

#: Bytes in a KB as the DeepSeek papers use it (ISCA '25 Table 1: 70.272 KB = 70,272 bytes).
KB = 1_000
#: Bytes in a GB (10^9), the book's unit for parameters x bytes and cache sizes.
GB = 1_000_000_000
#: Bytes in a GiB (2^30), the book's unit for memory capacity.
GiB = 2**30

SECONDS_PER_HOUR = 3600.0
HOURS_PER_DAY = 24.0

#: Bytes per stored element. "6bit" is DeepSeek-V2's KV-cache quantization, "6 bits on average"
#: per element (V2 report Section 3.2.3).
BYTES_PER_ELEMENT: dict[str, float] = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "6bit": 0.75}


def bytes_per_element(dtype: str) -> float:
    """Bytes per stored element of ``dtype`` (a key of :data:`BYTES_PER_ELEMENT`)."""
    if dtype not in BYTES_PER_ELEMENT:
        raise ValueError(f"dtype must be one of {list(BYTES_PER_ELEMENT)}, got {dtype!r}")
    return BYTES_PER_ELEMENT[dtype]
