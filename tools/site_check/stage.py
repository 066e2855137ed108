"""Stage the built book for publishing: a copy of the site whose footer names the commit it was built from.

    python tools/site_check/stage.py _build/html _build/publish <commit>

The book's footer (``html.extra_footer`` in ``_config.yml``) carries :data:`MARKER`, which says
"a local working copy" in every local build, so the build itself stays deterministic and offline.
Publishing (``make publish``, or the Pages workflow) copies the site and replaces the marker in every
page with the full commit hash. It refuses a commit that is not a 40-digit hash, and a site with a
page that lacks the marker (the footer would silently stop naming the commit); pages that only
redirect (``index.html``) and files in asset folders (``_static/``...) have no footer and are skipped.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

MARKER = '<span class="site-commit">a local working copy</span>'
COMMIT = re.compile(r"[0-9a-f]{40}")


REDIRECT = re.compile(r"""<meta\s+http-equiv=["']?refresh""", re.I)  # a page that only redirects has no footer


def _is_asset(rel: Path) -> bool:
    return any(part.startswith(("_", ".")) for part in rel.parts[:-1])


class StageError(ValueError):
    """The site or the commit cannot be published as given."""


def stamp(commit: str) -> str:
    """The footer text that replaces :data:`MARKER`."""
    return f'<span class="site-commit">commit <code>{commit}</code></span>'


def stage(site: Path, dest: Path, commit: str) -> int:
    """Copy ``site`` to ``dest`` (replacing it) and name ``commit`` in every page; return the pages stamped."""
    if not COMMIT.fullmatch(commit):
        raise StageError(f"commit must be a full 40-digit lowercase hash, got {commit!r}")
    index = site / "index.html"
    if not index.is_file():
        raise StageError(f"no built site at {site} (no index.html): run `make book` first")
    unmarked = [
        page.relative_to(site).as_posix()
        for page in sorted(site.rglob("*.html"))
        if not _is_asset(page.relative_to(site))
        and MARKER not in (text := page.read_text(encoding="utf-8"))
        and not REDIRECT.search(text)
    ]
    if unmarked:
        raise StageError(
            f"{len(unmarked)} pages lack the footer marker {MARKER!r} (first: {unmarked[0]}): "
            "keep html.extra_footer in _config.yml"
        )
    if dest.resolve() == site.resolve():
        raise StageError("the staging folder must differ from the site")
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(site, dest)
    stamped = 0
    for page in sorted(dest.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if MARKER in text:
            page.write_text(text.replace(MARKER, stamp(commit)), encoding="utf-8")
            stamped += 1
    return stamped


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        stamped = stage(Path(argv[1]), Path(argv[2]), argv[3])
    except StageError as error:
        print(f"stage: {error}", file=sys.stderr)
        return 1
    print(f"stage: {argv[2]} holds the site; {stamped} pages name commit {argv[3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
