"""Re-create each golden ``.ipynb`` from its MyST ``.md`` source and execute it.

The ``.md`` files are the source of truth; the ``.ipynb`` beside each is its executed copy, whose
outputs ``pytest --nbval`` compares against a fresh run. Execution runs in the page's own folder
(as the book build does), without timing metadata, so that an unchanged chapter gives an unchanged
golden.

    python tools/sync_notebooks.py intro.md chapters/*.md
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

TIMEOUT_S = 120


def is_notebook_source(md: Path) -> bool:
    """A page is a notebook when its front matter carries a jupytext header."""
    head = md.read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "jupytext:" in head


def sync(md: Path) -> Path:
    nb = jupytext.read(md)
    for i, cell in enumerate(nb.cells):  # jupytext draws random cell ids; fix them
        cell.id = f"cell-{i}"
    client = NotebookClient(
        nb,
        timeout=TIMEOUT_S,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(md.parent.resolve())}},
    )
    client.execute()
    out = md.with_suffix(".ipynb")
    nbformat.write(nb, out)
    return out


def main(paths: list[str]) -> int:
    for name in paths:
        md = Path(name)
        if not is_notebook_source(md):
            continue
        start = time.perf_counter()
        out = sync(md)
        print(f"{out}: executed in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
