"""Mutation testing of src/dsv3: run mutmut, print the score per module, write the survivors to _build/.

    python tools/mutation_report.py                        # every module of src/dsv3 (9,242 mutants: hours on 2 cores)
    python tools/mutation_report.py dsv3.arch.params       # one module (or several; a trailing * is a prefix)
    python tools/mutation_report.py --no-run               # report the results already in mutants/

mutmut (configured in pyproject.toml, ``[tool.mutmut]``) copies the project into ``mutants/``, plants one
small change at a time in ``src/`` and runs the unit tests that reach the changed function; a mutant is
killed when a test fails. The score of a module is killed / (mutants - message-only mutants).

Message-only mutants are left out of the score, because no test should pin an error message's wording
(tests match the part of a message that names the field, e.g. ``match="hidden_size"``). A mutant is
message-only when the abstract syntax trees of the original and the mutated function differ only inside
the message of a ``raise`` statement: a string constant, an f-string or one of its ``{fields}``, or the
message argument removed or replaced by ``None``. Anything else (a changed condition, exception class, number or default) counts.

Writes ``_build/mutation/report.md``: the table, then each surviving mutant (not message-only) with its diff.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import libcst as cst
from mutmut.mutation.diff_apply import get_diff_for_mutant, read_functions_from_index

#: The project root: mutmut and this report run from it (``make mutate`` does).
ROOT = Path.cwd()
MUTANTS = ROOT / "mutants"
REPORT = ROOT / "_build" / "mutation" / "report.md"

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


def collect(prefixes: list[str]) -> dict[str, ModuleScore]:
    scores: dict[str, ModuleScore] = {}
    for meta in sorted((MUTANTS / "src").rglob("*.py.meta")):
        rel = meta.relative_to(MUTANTS).with_suffix("")  # src/dsv3/arch/params.py
        module = ".".join(rel.with_suffix("").parts[1:]).removesuffix(".__init__")
        if prefixes and not any(module == p or module.startswith(p.rstrip("*")) for p in prefixes):
            continue
        results = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        ms = ModuleScore(module)
        for name, code in sorted(results.items()):
            if code is None:
                ms.counts["not run"] += 1
                continue
            funcs = _functions(name, str(rel))
            if funcs is not None and message_only(*funcs):
                ms.counts["message only"] += 1
                continue
            kind = (
                "killed"
                if code in KILLED
                else "survived"
                if code in SURVIVED
                else "no tests"
                if code in NO_TESTS
                else "other"
            )
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="dotted module names (default: all of src/dsv3)")
    parser.add_argument("--no-run", action="store_true", help="only report the results already in mutants/")
    parser.add_argument("--max-children", type=int, default=2, help="parallel mutmut workers (default 2)")
    args = parser.parse_args(argv)
    if not args.no_run:
        globs = [f"{m.rstrip('*').rstrip('.')}.*" for m in args.modules]
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
