"""Mutation testing of src/dsv3: run mutmut, print the score per module, write the survivors to _build/.

    python tools/mutation_report.py                        # every mutant of src/dsv3 without a result in mutants/
    python tools/mutation_report.py dsv3.arch.params       # one module (or several; a trailing * is a prefix)
    python tools/mutation_report.py --no-run               # report the results already in mutants/
    python tools/mutation_report.py --sample 1000 --seed 5 # a uniform random sample of every module's mutants

mutmut (configured in pyproject.toml, ``[tool.mutmut]``) copies the project into ``mutants/``, plants one
small change at a time in ``src/`` and runs the unit tests that reach the changed function; a mutant is
killed when a test fails. The score of a module is killed / (mutants - message-only mutants).

Message-only mutants are left out of the score, because no test should pin an error message's wording
(tests match the part of a message that names the field, e.g. ``match="hidden_size"``). A mutant is
message-only when the abstract syntax trees of the original and the mutated function differ only inside
the message of a ``raise`` statement: a string constant, an f-string or one of its ``{fields}``, or the
message argument removed or replaced by ``None``. Anything else (a changed condition, exception class, number or default) counts.

Writes ``_build/mutation/report.md``: the table, then each surviving mutant (not message-only) with its diff.

``--sample N --seed S`` measures the score over all of src/dsv3 (or over the modules named) without running
every mutant: it generates all the mutants (mutmut's own generation, no test run), shuffles their names with
``random.Random(S)``, walks the shuffled list skipping message-only mutants until it holds N others (so the
sample is uniform over the mutants the score counts, and message-only ones are left out exactly as above),
and runs only those (``mutmut run NAME...``). It prints the score with its 95% Wilson interval, overall and
per room, and writes the sample's names to ``_build/mutation/sample.txt`` and its survivors with their
diffs to ``_build/mutation/sample.md``.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import random
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import libcst as cst
from mutmut.__main__ import create_mutants
from mutmut.mutation.diff_apply import get_diff_for_mutant, read_functions_from_index
from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir

#: The project root: mutmut and this report run from it (``make mutate`` does).
ROOT = Path.cwd()
MUTANTS = ROOT / "mutants"
REPORT = ROOT / "_build" / "mutation" / "report.md"
SAMPLE_NAMES = ROOT / "_build" / "mutation" / "sample.txt"
SAMPLE_REPORT = ROOT / "_build" / "mutation" / "sample.md"
#: The rooms of src/dsv3 (ROOMS.md); the top-level modules (cli, units, checks, __init__, __main__) form one.
ROOMS = ("dsv3.arch", "dsv3.inputs", "dsv3.training", "dsv3.serving", "dsv3.evals", "dsv3.claims", "dsv3.book")
BASE_ROOM = "cli/units/checks"
#: The normal quantile of a two-sided 95% interval.
Z95 = 1.959963984540054

#: mutmut 3's exit codes (mutmut/stats.py): what each means for the score.
KILLED = {1, 3, 36, 37, -24, 24, 152, 255, -11, -9}  # a failing test, a timeout, a crash
SURVIVED = {0}
NO_TESTS = {5, 33}
#: The modules that compute published numbers: their target is 95%, the rest 90% (issue 18).
PUBLISHED = (
    "dsv3.arch.params",
    "dsv3.arch.tensors",
    "dsv3.arch.kv_cache",
    "dsv3.arch.flops",
    "dsv3.training.cost",
    "dsv3.inputs.hf_config",
)


@dataclass
class ModuleScore:
    module: str
    counts: Counter = field(default_factory=Counter)
    survivors: list[tuple[str, str]] = field(default_factory=list)  # (mutant, diff)

    @property
    def counted(self) -> int:
        return self.counts["killed"] + self.counts["survived"] + self.counts["no tests"]

    @property
    def score(self) -> float:
        return self.counts["killed"] / self.counted if self.counted else float("nan")


def _differences(a: ast.AST, b: ast.AST, ancestors: tuple[ast.AST, ...]) -> list[tuple[ast.AST, ast.AST | None, tuple]]:
    """Pairs of (original node, mutated node) where the trees differ, with the original's ancestors."""
    if type(a) is not type(b):
        return [(a, b, ancestors)]
    if isinstance(a, ast.Constant):
        return [] if (type(a.value), a.value) == (type(b.value), b.value) else [(a, b, ancestors)]
    out: list = []
    for name, va in ast.iter_fields(a):
        vb = getattr(b, name, None)
        if isinstance(va, list):
            if not isinstance(vb, list) or len(va) != len(vb):
                out += [(x, None, (*ancestors, a)) for x in va if not any(ast.dump(x) == ast.dump(y) for y in vb or [])]
                continue
            for xa, xb in zip(va, vb):
                if isinstance(xa, ast.AST):
                    out += _differences(xa, xb, (*ancestors, a))
                elif xa != xb:
                    out.append((a, b, ancestors))
        elif isinstance(va, ast.AST):
            out += _differences(va, vb, (*ancestors, a)) if isinstance(vb, ast.AST) else [(va, vb, ancestors)]
        elif va != vb and name not in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
            out.append((a, b, ancestors))
    return out


def _is_text(node: ast.AST | None) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def message_only(original: str, mutant: str) -> bool:
    """Whether ``mutant`` differs from ``original`` (two function sources) only in the text of raised messages."""
    diffs = _differences(ast.parse(original), ast.parse(mutant), ())
    if not diffs:
        return False
    for a, b, ancestors in diffs:
        in_raise = any(isinstance(x, ast.Raise) for x in ancestors) or isinstance(a, ast.Raise)
        inside_fstring = any(isinstance(x, ast.JoinedStr) for x in ancestors)  # a literal or a {field} of it
        text_changed = _is_text(a) and (b is None or _is_text(b) or (isinstance(b, ast.Constant) and b.value is None))
        if not (in_raise and (text_changed or inside_fstring)):
            return False
    return True


def _functions(name: str, path: str) -> tuple[str, str] | None:
    pair = read_functions_from_index(name, path)
    if pair is None:
        return None
    return tuple(cst.Module([f]).code for f in pair)  # type: ignore[return-value]


def _selected(module: str, prefixes: list[str]) -> bool:
    """``dsv3.training.fp8`` selects that module and its submodules (not ``fp8_memory``); ``dsv3.training.fp8*`` both."""
    return not prefixes or any(
        module == p or module.startswith(p.rstrip("*") if p.endswith("*") else p + ".") for p in prefixes
    )


def _metas(prefixes: list[str]) -> list[tuple[str, Path, dict[str, int | None]]]:
    """(module, source path relative to the root, exit code by mutant name) for each mutated file of mutants/."""
    out = []
    for meta in sorted((MUTANTS / "src").rglob("*.py.meta")):
        rel = meta.relative_to(MUTANTS).with_suffix("")  # src/dsv3/arch/params.py
        module = ".".join(rel.with_suffix("").parts[1:]).removesuffix(".__init__")
        if _selected(module, prefixes):
            out.append((module, rel, json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]))
    return out


def _kind(code: int) -> str:
    if code in KILLED:
        return "killed"
    if code in SURVIVED:
        return "survived"
    if code in NO_TESTS:
        return "no tests"
    return "other"


def collect(prefixes: list[str]) -> dict[str, ModuleScore]:
    scores: dict[str, ModuleScore] = {}
    for module, rel, results in _metas(prefixes):
        ms = ModuleScore(module)
        for name, code in sorted(results.items()):
            if code is None:
                ms.counts["not run"] += 1
                continue
            funcs = _functions(name, str(rel))
            if funcs is not None and message_only(*funcs):
                ms.counts["message only"] += 1
                continue
            kind = _kind(code)
            ms.counts[kind] += 1
            if kind in ("survived", "no tests"):
                ms.survivors.append((name, get_diff_for_mutant(name, path=str(rel))))
        if sum(ms.counts.values()):
            scores[module] = ms
    return scores


def table(scores: dict[str, ModuleScore]) -> list[str]:
    head = f"| {'module':<28} | mutants | message-only | killed | survived | no tests | score  | target |"
    lines = [head, "|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|"]
    total = Counter()
    for m in scores.values():
        total.update(m.counts)
        target = "95%" if m.module in PUBLISHED else "90%"
        lines.append(
            f"| {m.module:<28} | {sum(m.counts.values()) - m.counts['not run']:>7} | {m.counts['message only']:>12} "
            f"| {m.counts['killed']:>6} | {m.counts['survived']:>8} | {m.counts['no tests']:>8} | {m.score:6.1%} | {target:>6} |"
        )
    counted = total["killed"] + total["survived"] + total["no tests"]
    if counted:
        lines.append(
            f"| {'all':<28} | {sum(total.values()) - total['not run']:>7} | {total['message only']:>12} "
            f"| {total['killed']:>6} | {total['survived']:>8} | {total['no tests']:>8} | {total['killed'] / counted:6.1%} | {'90%':>6} |"
        )
    return lines


def wilson(killed: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``killed / n`` (95% for the default ``z``).

    Wilson, "Probable inference, the law of succession, and statistical inference", JASA 22 (1927):
    ``(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``; unlike the normal approximation it stays
    inside [0, 1] and keeps its coverage near p = 1, where mutation scores sit.
    """
    if n <= 0:
        raise ValueError(f"n must be a positive number of mutants, got {n}")
    if not 0 <= killed <= n:
        raise ValueError(f"killed must lie in [0, n] = [0, {n}], got {killed}")
    p = killed / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def room(module: str) -> str:
    """The room of a dotted module name: ``dsv3.arch.params`` -> ``dsv3.arch``; top-level modules -> one room."""
    return next((r for r in ROOMS if module == r or module.startswith(r + ".")), BASE_ROOM)


def generate() -> None:
    """Generate every mutant into mutants/ with mutmut's own code, running no test.

    The same steps ``mutmut run`` takes before its test runs (mutmut/__main__.py, ``_run``): copy the
    sources and ``also_copy``, then write the mutated files and their ``.meta`` (mutant names, no results).
    Files whose source is older than their mutated copy are left as they are, as mutmut does.
    """
    MUTANTS.mkdir(exist_ok=True)
    copy_src_dir()
    copy_also_copy_files()
    create_mutants(2)


def draw_sample(prefixes: list[str], n: int, seed: int) -> tuple[list[tuple[str, Path, str]], int, int]:
    """A uniform random sample of ``n`` mutants that are not message-only, and the sizes it was drawn from.

    Every mutant name of the selected modules is shuffled with ``random.Random(seed)`` (names sorted first,
    so the draw depends on the seed and the code only); the shuffled list is walked, message-only mutants
    skipped, until ``n`` are held. Returns ((module, path, name) sorted, mutants in the population,
    message-only mutants skipped on the way).
    """
    if n <= 0:
        raise ValueError(f"--sample must be a positive number of mutants, got {n}")
    population = sorted((name, module, rel) for module, rel, results in _metas(prefixes) for name in results)
    random.Random(seed).shuffle(population)
    chosen: list[tuple[str, Path, str]] = []
    skipped = 0
    for name, module, rel in population:
        if len(chosen) == n:
            break
        funcs = _functions(name, str(rel))
        if funcs is not None and message_only(*funcs):
            skipped += 1
            continue
        chosen.append((module, rel, name))
    if len(chosen) < n:
        raise ValueError(f"--sample {n} exceeds the {len(chosen)} mutants (not message-only) of {prefixes or 'src'}")
    return sorted(chosen), len(population), skipped


def sample_table(rows: list[tuple[str, str, str]]) -> list[str]:
    """Score and 95% Wilson interval per room and overall, from (module, mutant, kind) rows."""
    counts: dict[str, Counter] = {}
    for module, _, kind in rows:
        counts.setdefault(room(module), Counter())[kind] += 1
    head = "| room | sampled | killed | survived | no tests | other | score | 95% interval |"
    lines = [head, "|---|---|---|---|---|---|---|---|"]
    total = Counter()
    for name in [*ROOMS, BASE_ROOM, "all"]:
        if name == "all":
            c = total
        elif name in counts:
            c = counts[name]
            total.update(c)
        else:
            continue
        n = c["killed"] + c["survived"] + c["no tests"]
        if n:
            lo, hi = wilson(c["killed"], n)
            score, interval = f"{c['killed'] / n:.1%}", f"{lo:.1%} - {hi:.1%}"
        else:
            score = interval = "-"
        label = f"**{name}**" if name == "all" else name
        lines.append(
            f"| {label} | {sum(c.values())} | {c['killed']} | {c['survived']} | {c['no tests']} | {c['other']} "
            f"| {score} | {interval} |"
        )
    return lines


def run_sample(args: argparse.Namespace) -> int:
    if not args.no_run:
        print("generating every mutant into mutants/ (no tests run)", flush=True)
        generate()
    chosen, population, skipped = draw_sample(args.modules, args.sample, args.seed)
    SAMPLE_NAMES.parent.mkdir(parents=True, exist_ok=True)
    SAMPLE_NAMES.write_text("".join(f"{name}\n" for _, _, name in chosen), encoding="utf-8")
    print(
        f"sample: {len(chosen)} of {population} mutants (seed {args.seed}; {skipped} message-only skipped on the way); "
        f"names in {SAMPLE_NAMES.relative_to(ROOT)}",
        flush=True,
    )
    if not args.no_run:
        cmd = [str(Path(sys.executable).with_name("mutmut")), "run", "--max-children", str(args.max_children)]
        print("$", " ".join(cmd), f"<{len(chosen)} names>", flush=True)
        done = subprocess.run([*cmd, *(name for _, _, name in chosen)], cwd=ROOT, stdout=subprocess.DEVNULL)
        if done.returncode not in (0, 1):
            print(f"mutmut exited with {done.returncode}", file=sys.stderr)
            return done.returncode
    results = {name: code for _, _, codes in _metas(args.modules) for name, code in codes.items()}
    rows, survivors = [], []
    for module, rel, name in chosen:
        code = results.get(name)
        kind = "not run" if code is None else _kind(code)
        rows.append((module, name, kind))
        if kind in ("survived", "no tests"):
            survivors.append((module, name, kind, get_diff_for_mutant(name, path=str(rel))))
    not_run = sum(kind == "not run" for *_, kind in rows)
    if not_run:
        print(f"{not_run} sampled mutants have no result in mutants/ (run without --no-run)", file=sys.stderr)
        return 1
    lines = sample_table(rows)
    print("\n".join(lines))
    per_module = Counter(module for module, *_ in survivors)
    print("survivors per module:", ", ".join(f"{m} {k}" for m, k in per_module.most_common()) or "none")
    body = [
        "# Mutation score of a random sample",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d}: {len(chosen)} of {population} mutants of "
        f"{' '.join(args.modules) or 'src/dsv3'}, seed {args.seed}, message-only mutants left out.",
        "",
        *lines,
        "",
    ]
    for _, name, kind, diff in survivors:
        body += [f"## {name} ({kind})", "", "```diff", diff, "```", ""]
    SAMPLE_REPORT.write_text("\n".join(body), encoding="utf-8")
    print(f"{len(survivors)} surviving sampled mutants with their diffs: {SAMPLE_REPORT.relative_to(ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="dotted module names (default: all of src/dsv3)")
    parser.add_argument("--no-run", action="store_true", help="only report the results already in mutants/")
    parser.add_argument("--max-children", type=int, default=2, help="parallel mutmut workers (default 2)")
    parser.add_argument("--sample", type=int, metavar="N", help="run a uniform random sample of N mutants only")
    parser.add_argument("--seed", type=int, default=1, help="seed of the sample (default 1)")
    args = parser.parse_args(argv)
    if args.sample is not None:
        return run_sample(args)
    if not args.no_run:
        globs = [m if m.endswith("*") else f"{m}.*" for m in args.modules]  # mutmut matches names with fnmatch
        cmd = [str(Path(sys.executable).with_name("mutmut")), "run", "--max-children", str(args.max_children), *globs]
        print("$", " ".join(cmd), flush=True)
        done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
        if done.returncode not in (0, 1):
            print(f"mutmut exited with {done.returncode}", file=sys.stderr)
            return done.returncode
    scores = collect(args.modules)
    if not scores:
        print("no mutation results in mutants/ (run without --no-run first)", file=sys.stderr)
        return 1
    lines = table(scores)
    print("\n".join(lines))
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    body = [
        "# Mutation report",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} with mutmut over the unit tests (message-only mutants left out).",
        "",
        *lines,
        "",
    ]
    for m in scores.values():
        for name, diff in m.survivors:
            body += [f"## {name}", "", "```diff", diff, "```", ""]
    REPORT.write_text("\n".join(body), encoding="utf-8")
    n = sum(len(m.survivors) for m in scores.values())
    print(f"{n} surviving mutants (message-only ones left out) with their diffs: {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
