"""Command line: ``dsv3 inspect CONFIG.json [CONFIG.json ...]`` and ``dsv3 plan CONFIG.json --gpu H800 ...``.

``inspect`` reads Hugging Face ``config.json`` files offline and prints their parameters (total and
activated under three conventions), KV cache per token and at a context, weights in bytes as
stored and training FLOPs per token: one block for one config, one comparison table for several,
``--json`` for one object (one config) or a list (several). ``plan`` says whether the weights fit
on a number of GPUs of the hardware table, how much HBM is left, and how many sequences of a
context fit beside them. Bad input prints one line naming what is wrong and exits with status 2.
The README documents every key with its unit and convention.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from dsv3.arch.storage import UnknownQuantization
from dsv3.arch.summary import summary
from dsv3.checks import ConfigError
from dsv3.inputs.hardware import gpu, gpu_names
from dsv3.inputs.hf_config import load_config
from dsv3.serving.memory import LEFT_OUT, WEIGHT_MODES, ContextTooLong, check_context, plan
from dsv3.serving.roofline import decode_report
from dsv3.units import BYTES_PER_ELEMENT, GB, GiB

LABELS = {
    "family": "family",
    "model_type": "model_type (the config's label)",
    "layers": "layers",
    "hidden_size": "hidden size",
    "attention": "attention",
    "moe_layers": "MoE layers",
    "routed_experts": "routed experts",
    "experts_per_token": "routed experts per token",
    "shared_experts": "shared experts",
    "tied_embeddings": "tied embedding and head",
    "total_params": "total parameters",
    "activated_params": "activated per token (with embedding and head)",
    "activated_params_excl_embedding": "activated per token (without embedding)",
    "activated_params_excl_embedding_and_head": "activated per token (without embedding and head)",
    "mtp_layers": "MTP layers (counted apart)",
    "mtp_params": "MTP parameters (not in the total; shared copies left out)",
    "kv_cache_elements_per_token": "KV cache per token (elements, all layers)",
    "windowed_layers": "windowed layers (sliding or chunked)",
    "kv_cache_elements_at_context": "KV cache at the context (elements, windows capped)",
    "kv_cache_bytes_at_context": "KV cache at the context (bytes)",
    "indexer_cache_bytes_per_token": "indexer key cache per token (bytes, FP8 + scales)",
    "weight_bytes_as_stored": "weights as stored (bytes)",
    "weight_storage": "weight storage",
    "training_flops_per_token": "training FLOPs per token",
}


#: What ``dsv3 --help`` says the program does (the README shows the help as printed).
DESCRIPTION = (
    "DeepSeek-V3 by the numbers, for any Hugging Face config.json, offline: `inspect` counts parameters, "
    "KV cache, bytes as stored and training FLOPs; `plan` says whether the weights fit on GPUs and how many "
    "sequences fit beside them. Bad input: one line naming what is wrong, exit status 2."
)


class UsageError(ValueError):
    """A command-line value that cannot be used; the message names the option."""


def _positive_int(option: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{option} must be a positive integer, got {text!r}") from None
    if value < 1 or str(value) != text.strip().lstrip("+"):
        raise UsageError(f"{option} must be a positive integer, got {text!r}")
    return value


def _fraction(option: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{option} must be a number between 0 and 1, got {text!r}") from None
    if not 0 <= value < 1:
        raise UsageError(f"{option} must be a number between 0 and 1, got {text!r}")
    return value


def _text(key: str, info: dict[str, Any]) -> str:
    value = info[key]
    if key == "training_flops_per_token":
        return f"{value / 1e9:,.1f} GFLOPs (sequence length {info['seq_len']:,}, causal)"
    if "params" in key:
        return f"{value:,}  ({value / 1e9:,.2f}B)"
    if key == "kv_cache_bytes_at_context":
        return f"{value / GB:,.2f} GB ({info['context_len']:,} tokens, {info['kv_dtype'].upper()})"
    if key == "kv_cache_elements_at_context":
        return f"{value:,} ({info['context_len']:,} tokens)"
    if key == "indexer_cache_bytes_per_token":
        return f"{value:,.0f}" if value else "none"
    if key == "weight_bytes_as_stored":
        return "not computed" if value is None else f"{value:,.0f}  ({value / GB:,.2f} GB, {value / GiB:,.2f} GiB)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _block(info: dict[str, Any]) -> str:
    width = max(len(v) for v in LABELS.values())
    return "\n".join([str(info["name"])] + [f"  {label:<{width}}  {_text(k, info)}" for k, label in LABELS.items()])


def _compare(infos: list[dict[str, Any]]) -> str:
    """One table: a row per quantity, a column per config."""
    short = {
        "total_params": lambda i: f"{i['total_params']:,}",
        "activated_params": lambda i: f"{i['activated_params']:,}",
        "activated_params_excl_embedding": lambda i: f"{i['activated_params_excl_embedding']:,}",
        "activated_params_excl_embedding_and_head": lambda i: f"{i['activated_params_excl_embedding_and_head']:,}",
        "mtp_params": lambda i: f"{i['mtp_params']:,}",
        "kv_cache_elements_at_context": lambda i: f"{i['kv_cache_elements_at_context']:,}",
        "kv_cache_bytes_at_context": lambda i: f"{i['kv_cache_bytes_at_context'] / GB:,.2f} GB @ {i['context_len']:,}",
        "weight_bytes_as_stored": lambda i: (
            "not computed" if i["weight_bytes_as_stored"] is None else f"{i['weight_bytes_as_stored'] / GB:,.2f} GB"
        ),
        "training_flops_per_token": lambda i: f"{i['training_flops_per_token'] / 1e9:,.1f} GFLOPs",
    }
    rows = [["", *[str(i["name"]) for i in infos]]]
    for key, label in LABELS.items():
        if key == "weight_storage":
            continue
        rows.append([label, *[short[key](i) if key in short else _text(key, i) for i in infos]])
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        cells = [r[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(r[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append(
        f"(training FLOPs at sequence length {infos[0]['seq_len']:,}; KV cache in {infos[0]['kv_dtype'].upper()},"
        " windowed layers capped; GB = 1e9 bytes)"
    )
    return "\n".join(lines)


def _inspect(args: argparse.Namespace) -> int:
    seq_len = _positive_int("--seq-len", args.seq_len)
    context = None if args.context is None else _positive_int("--context", args.context)
    infos = [
        summary(load_config(path), seq_len=seq_len, context_len=context, kv_dtype=args.kv_dtype) for path in args.config
    ]
    if args.json:
        print(json.dumps(infos[0] if len(infos) == 1 else infos, indent=2))
    else:
        print(_block(infos[0]) if len(infos) == 1 else _compare(infos))
    return 0


def _plan(args: argparse.Namespace) -> int:
    n_gpus = _positive_int("--gpus", args.gpus)
    context = _positive_int("--context", args.context)
    batch = _positive_int("--batch", args.batch)
    reserve = _fraction("--reserve", args.reserve)
    try:
        hw = gpu(args.gpu)
    except KeyError:
        raise UsageError(f"--gpu: unknown GPU {args.gpu!r} (known: {', '.join(gpu_names())})") from None
    arch = load_config(args.config)
    check_context(arch, context)
    try:
        p = plan(
            arch,
            n_gpus=n_gpus,
            gpu_memory_bytes=hw.hbm_bytes,
            context_len=context,
            cache_dtype=args.kv_dtype,
            weights=args.weights,
            batch=batch,
            reserve=reserve,
        )
    except UnknownQuantization as e:
        raise UsageError(
            f"{e}; pass --weights with a dtype (e.g. --weights bf16) to plan with every parameter at that dtype"
        ) from None
    info = {
        "name": arch.name,
        "gpu": hw.name,
        "gpus": p.n_gpus,
        "gpu_memory_bytes": hw.hbm_bytes,
        "memory_bytes": p.memory_bytes,
        "reserve": reserve,
        "reserve_bytes": p.reserve_bytes,
        "weights": p.weights,
        "weight_bytes": p.weight_bytes,
        "weights_fit": p.weights_fit,
        "free_bytes": p.free_bytes,
        "context_len": p.context_len,
        "kv_dtype": args.kv_dtype,
        "sequence_bytes": p.sequence_bytes,
        "sequences": p.sequences,
        "batch": p.batch,
        "batch_fits": p.batch_fits,
        "left_out": LEFT_OUT,
    }
    decode = None
    if args.decode:
        mtp = None if args.mtp_acceptance is None else _fraction("--mtp-acceptance", args.mtp_acceptance)
        per_gpu = math.ceil(batch / n_gpus)  # the roofline's batch is per GPU (attention runs data-parallel)
        decode = decode_report(arch, hw, per_gpu, context, args.kv_dtype, gpus=n_gpus, mtp_acceptance=mtp)
        info["decode"] = decode
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    how = (
        "as stored (main model, no MTP module)" if p.weights == "stored" else f"every parameter in {p.weights.upper()}"
    )
    lines = [
        f"{arch.name} on {p.n_gpus} x {hw.name} ({hw.hbm_bytes / GiB:,.0f} GiB each)",
        f"  memory              {p.memory_bytes / GiB:,.1f} GiB = {p.memory_bytes / GB:,.1f} GB",
        f"  reserve             {reserve:.0%} of memory = {p.reserve_bytes / GB:,.1f} GB",
        f"  weights             {p.weight_bytes / GB:,.1f} GB, {how}: "
        + ("they fit" if p.weights_fit else "they do NOT fit"),
        f"  left for the cache  {p.free_bytes / GB:,.1f} GB",
        f"  cache per sequence  {p.sequence_bytes / GB:,.3f} GB at {p.context_len:,} tokens "
        f"({args.kv_dtype.upper()}, windowed layers capped)",
        f"  sequences that fit  {p.sequences:,}",
        f"  {'batch of ' + format(p.batch, ','):<18}  "
        + ("fits" if p.batch_fits else "does NOT fit")
        + f" ({p.batch_bytes / GB:,.1f} GB of cache)",
        f"  leaves out: {LEFT_OUT}; so the sequence count is an upper bound.",
    ]
    if decode is not None:
        lines += [
            f"decode step, {per_gpu:,} sequences per GPU ({batch:,} on {n_gpus:,} GPUs) at {context:,} tokens of "
            "context (roofline, one GPU):",
            f"  memory   {float(decode['memory_s']) * 1e3:,.2f} ms  ({float(decode['hbm_bytes']) / GB:,.2f} GB read)",
            f"  compute  {float(decode['compute_s']) * 1e3:,.2f} ms  ({float(decode['flops']) / 1e12:,.2f} TFLOPs)",
            f"  network  {float(decode['network_s']) * 1e3:,.2f} ms  ({float(decode['network_bytes']) / GB:,.3f} GB sent)",
            f"  bound    {float(decode['step_s']) * 1e3:,.2f} ms per step, set by {decode['binding']}: "
            f"{float(decode['tokens_per_s_per_gpu']):,.0f} tokens/s per GPU, "
            f"{float(decode['tokens_per_s_per_sequence']):,.1f} per sequence",
            "  an upper bound: no kernel, scheduling or communication overhead (see the serving chapter)",
        ]
    print("\n".join(lines))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dsv3", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)
    inspect = sub.add_parser("inspect", help="parameters, KV cache, bytes and FLOPs of one or more config.json")
    inspect.add_argument("config", nargs="+", help="paths to Hugging Face config.json files")
    inspect.add_argument("--json", action="store_true", help="print a JSON object (a list for several configs)")
    inspect.add_argument("--seq-len", default="4096", help="sequence length for FLOPs (default 4096)")
    inspect.add_argument(
        "--context",
        default=None,
        help="context for the KV cache (default 131072, or the model's max_position_embeddings)",
    )
    inspect.add_argument(
        "--kv-dtype", default="bf16", choices=list(BYTES_PER_ELEMENT), help="KV-cache dtype (default bf16)"
    )
    plan_p = sub.add_parser("plan", help="do the weights fit, and how many sequences fit beside them")
    plan_p.add_argument("config", help="path to a Hugging Face config.json")
    plan_p.add_argument("--gpu", required=True, help="GPU name from data/hardware.csv (e.g. H800)")
    plan_p.add_argument("--gpus", required=True, help="number of GPUs")
    plan_p.add_argument("--context", required=True, help="tokens per sequence")
    plan_p.add_argument(
        "--kv-dtype", default="bf16", choices=list(BYTES_PER_ELEMENT), help="KV-cache dtype (default bf16)"
    )
    plan_p.add_argument("--batch", default="1", help="sequences to check (default 1)")
    plan_p.add_argument(
        "--weights",
        default="stored",
        choices=list(WEIGHT_MODES),
        help="weights as stored (default) or every parameter at one dtype",
    )
    plan_p.add_argument("--reserve", default="0", help="fraction of HBM held back (default 0)")
    plan_p.add_argument("--json", action="store_true", help="print one JSON object")
    plan_p.add_argument(
        "--decode", action="store_true", help="add the decode roofline: the bound per step and the binding resource"
    )
    plan_p.add_argument(
        "--mtp-acceptance", default=None, help="with --decode: MTP draft acceptance rate in [0, 1] (default: no MTP)"
    )
    args = parser.parse_args(argv)
    try:
        return _inspect(args) if args.command == "inspect" else _plan(args)
    except (ConfigError, UsageError, ContextTooLong) as e:  # UnknownQuantization is a ConfigError
        print(f"dsv3: error: {e}", file=sys.stderr)
        return 2
