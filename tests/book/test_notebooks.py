"""The book's notebooks: each MyST source has an executed golden with the same cells.

nbval only compares cells that have stored outputs, so an unexecuted or stale golden would pass
it silently. These tests close that gap: same cells as the source, every code cell executed, no
error output, and every page in the table of contents.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def notebook_sources() -> list[Path]:
    candidates = [
        ROOT / "intro.md",
        ROOT / "notation.md",
        ROOT / "status.md",
        *sorted((ROOT / "chapters").glob("*.md")),
    ]
    return [
        p for p in candidates if p.read_text(encoding="utf-8").startswith("---") and "jupytext:" in p.read_text()[:2000]
    ]


SOURCES = notebook_sources()
IDS = [p.relative_to(ROOT).as_posix() for p in SOURCES]


def test_there_are_chapters() -> None:
    assert len(SOURCES) >= 2


@pytest.mark.parametrize("md", SOURCES, ids=IDS)
def test_golden_has_the_same_cells(md: Path) -> None:
    golden = md.with_suffix(".ipynb")
    assert golden.is_file(), f"{golden.name} is missing: run `make notebooks`"
    source = jupytext.read(md)
    executed = nbformat.read(golden, as_version=4)
    want = [(c.cell_type, c.source) for c in source.cells]
    have = [(c.cell_type, c.source) for c in executed.cells]
    assert have == want, f"{golden.name} is stale against {md.name}: run `make notebooks`"


@pytest.mark.parametrize("md", SOURCES, ids=IDS)
def test_golden_is_executed_without_errors(md: Path) -> None:
    executed = nbformat.read(md.with_suffix(".ipynb"), as_version=4)
    code = [c for c in executed.cells if c.cell_type == "code" and c.source.strip()]
    assert code, f"{md.name} has no code cells"
    counts = [c.execution_count for c in code]
    assert None not in counts, f"{md.name}: cells not executed: {[i for i, n in enumerate(counts) if n is None]}"
    assert counts == list(range(1, len(code) + 1)), f"{md.name}: not executed top to bottom in one run"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{md.name}: error outputs {[e.ename for e in errors]}"


def _toc_files(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["file"]] if "file" in node else []
        if "root" in node:
            found.append(node["root"])
        return found + [f for v in node.values() for f in _toc_files(v)]
    if isinstance(node, list):
        return [f for v in node for f in _toc_files(v)]
    return []


def test_every_page_is_in_the_toc_and_exists() -> None:
    toc = set(_toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text())))
    for md in SOURCES:
        assert md.relative_to(ROOT).with_suffix("").as_posix() in toc, f"{md.name} is not in _toc.yml"
    for entry in toc:
        assert (ROOT / f"{entry}.md").is_file(), f"_toc.yml names {entry}, which has no .md"
