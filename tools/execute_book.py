"""Execute the book's notebooks into the execution cache, in parallel, before the HTML build.

``jupyter-book build`` executes the pages one after another. This runs the same MyST sources
through the same execution cache (``_build/.jupyter_cache``, read with myst-nb's own reader, so the
build finds every page there and executes nothing), with one kernel per core. Pages whose code is
unchanged and already cached are skipped. Exit status 1 if any page raised.

    python tools/execute_book.py intro.md notation.md chapters/*.md
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from jupyter_cache import get_cache
from jupyter_cache.executors import load_executor

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"
TIMEOUT_S = 120  # as _config.yml's execute.timeout
READER = {"name": "myst_nb_md", "type": "plugin"}


def execute(sources: list[Path]) -> int:
    """Execute every source that the cache does not already hold; the number that failed."""
    cache = get_cache(str(CACHE))
    keep = {str(p.resolve()) for p in sources}
    for record in cache.list_project_records():
        if record.uri not in keep:
            cache.remove_nb_from_project(record.pk)
    for path in sources:
        cache.add_nb_to_project(str(path.resolve()), read_data=READER)
    logger = logging.getLogger("execute_book")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    executor = load_executor("local-parallel", cache=cache, logger=logger)
    result = executor.run_and_cache(timeout=TIMEOUT_S, allow_errors=False)
    for uri in result.errored + result.excepted:
        print(
            f"execute_book: {Path(uri).relative_to(ROOT)} raised; see `jcache project info` or build the page alone",
            file=sys.stderr,
        )
    return len(result.errored) + len(result.excepted)


if __name__ == "__main__":
    sys.exit(1 if execute([Path(a) for a in sys.argv[1:]]) else 0)
