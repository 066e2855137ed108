"""ISCA '25 Table 1 (KV cache per token at BF16) and its printed ratios, checked twice (MLA chapter).

Each printed ratio is checked against the ratio of the sizes computed from the configs and against
the ratio of the sizes the table itself prints, at the ratio's printed precision (two decimals).
"""

from __future__ import annotations

import pandas as pd

from dsv3.arch.kv_cache import kv_cache_bytes_per_token
from dsv3.claims.reproduce import DOES_NOT_FOLLOW, FOLLOWS
from dsv3.inputs.facts import fact
from dsv3.inputs.models import load_model
from dsv3.units import KB

#: The dense rows of ISCA '25 Table 1: the config this book counts, and the key of its facts.
ISCA_TABLE1_ROWS = (("Qwen2.5-72B", "qwen25_72b"), ("Llama-3.1-405B", "llama31_405b"))


def isca_table1_ratios() -> pd.DataFrame:
    """One row per dense model of ISCA '25 Table 1: printed and computed KB, printed and recomputed ratios.

    ``ratio follows?`` is ✓ when the printed ratio agrees, at its printed precision, with both the
    ratio of the printed sizes and the ratio of the computed sizes.
    """
    v3 = kv_cache_bytes_per_token(load_model("DeepSeek-V3"), "bf16")
    v3_printed = fact("kv.isca_table1.v3_kb").value
    rows = []
    for model, key in ISCA_TABLE1_ROWS:
        ours = kv_cache_bytes_per_token(load_model(model), "bf16")
        printed_kb, printed_ratio = fact(f"kv.isca_table1.{key}_kb"), fact(f"kv.isca_table1.{key}_ratio")
        from_printed, from_configs = printed_kb.value / v3_printed, ours / v3
        follows = printed_ratio.agrees(from_printed) and printed_ratio.agrees(from_configs)
        rows.append(
            {
                "model": model,
                "printed KB": printed_kb.value,
                "computed KB": ours / KB,
                "printed ratio": printed_ratio.value,
                "ratio of printed sizes": from_printed,
                "ratio of computed sizes": from_configs,
                "ratio follows?": FOLLOWS if follows else DOES_NOT_FOLLOW,
            }
        )
    return pd.DataFrame(rows)
