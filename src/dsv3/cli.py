"""Command line: ``dsv3 inspect CONFIG.json [--json] [--seq-len N]``.

Reads a Hugging Face ``config.json`` offline and prints its parameters (total and activated),
KV cache per token and training FLOPs per token. A config that cannot be read prints one line
naming the problem and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from dsv3.arch.summary import summary
from dsv3.checks import ConfigError
from dsv3.inputs.hf_config import load_config

LABELS = {
    "family": "family",
    "layers": "layers",
    "hidden_size": "hidden size",
    "attention": "attention",
    "moe_layers": "MoE layers",
    "routed_experts": "routed experts",
    "experts_per_token": "routed experts per token",
    "shared_experts": "shared experts",
    "total_params": "total parameters",
    "activated_params": "activated per token (with embedding and head)",
    "activated_params_excl_embedding": "activated per token (without embedding)",
    "activated_params_excl_embedding_and_head": "activated per token (without embedding and head)",
    "kv_cache_elements_per_token": "KV cache per token (elements, all layers)",
    "training_flops_per_token": "training FLOPs per token",
}


def _table(info: dict[str, object]) -> str:
    lines = [f"{info['name']}"]
    width = max(len(v) for v in LABELS.values())
    for key, label in LABELS.items():
        value = info[key]
        if key == "training_flops_per_token":
            text = f"{value / 1e9:,.1f} GFLOPs (sequence length {info['seq_len']:,}, causal)"  # type: ignore[operator]
        elif "params" in key:
            text = f"{value:,}  ({value / 1e9:,.2f}B)"  # type: ignore[operator]
        elif isinstance(value, int):
            text = f"{value:,}"
        else:
            text = str(value)
        lines.append(f"  {label:<{width}}  {text}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dsv3", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    inspect = sub.add_parser("inspect", help="parameters, KV cache and FLOPs of a config.json")
    inspect.add_argument("config", help="path to a Hugging Face config.json")
    inspect.add_argument("--json", action="store_true", help="print one JSON object")
    inspect.add_argument("--seq-len", type=int, default=4096, help="sequence length for FLOPs (default 4096)")
    args = parser.parse_args(argv)
    if args.seq_len <= 0:
        print(f"dsv3: error: --seq-len must be positive, got {args.seq_len}", file=sys.stderr)
        return 2
    try:
        info = summary(load_config(args.config), seq_len=args.seq_len)
    except ConfigError as e:
        print(f"dsv3: error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(info, indent=2) if args.json else _table(info))
    return 0
