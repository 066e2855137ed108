"""Read the built book as a reader does: every page in headless Chromium, offline, from 127.0.0.1.

    python tools/site_check/check.py                      # _build/html, screenshots in _build/screenshots
    python tools/site_check/check.py --site DIR --no-screenshots

For every HTML page of the site (folders starting with ``_`` hold assets, not pages) it checks:

- no console error and no uncaught JavaScript exception;
- no failed request (a network error, or an HTTP status of 400 or more, seen by the server) and no
  external request: anything not served by the local server is blocked and reported;
- every image decoded, with non-empty alt text;
- every internal link and anchor resolving (the target file exists; the ``#fragment`` is an id or
  a named anchor of the target page, counted after its scripts ran);
- no mathematics left unrendered: every ``.math`` element typeset by MathJax, and no raw ``\\(``,
  ``\\[``, ``$$`` or ``$x^2$``-like text outside code;
- every table a page's source creates is on the page: each table call in a code cell of the source
  carries ``table_id="..."`` (a string literal), the table helper renders it as ``<table id="T_<id>">``;
- at a 1280 px wide window, no table is wider than the text column, unless the table sits inside an
  element of class ``scroll-table`` (a table that scrolls sideways on purpose);
- at a 400 px wide window (a phone), the page itself does not scroll sideways.

It saves a full-page screenshot of every page at 1280 and 400 px under ``--screenshots`` and writes
a JSON report; it exits 1 when any page has a problem, naming the page and the problem.

The browser is the system's Chromium (Debian's ``chromium`` package, ``/usr/bin/chromium``) driven by
Playwright; no browser is ever downloaded. Used by ``make check-site`` and ``make publish``.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import yaml

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # reading the sources works without it; check_site() says what is missing
    sync_playwright = None

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("DSV3_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = (1280, 400)
TEXT_COLUMN_WIDTH = 1280  # the window width at which tables must fit the text column
SCROLL_CLASS = "scroll-table"
# The text column of the theme (sphinx-book-theme), with fallbacks for plain pages.
COLUMN_SELECTOR = "article.bd-article, main, body"
SOURCE_SUFFIXES = (".md", ".ipynb", ".rst")
TABLE_ID = re.compile(r"""\btable_id\s*=\s*(?:(?P<q>["'])(?P<id>[^"'\n]*)(?P=q)|(?P<other>[^\s,)]+))""")
# Mathematics left as text: \( \) \[ \] $$ \begin{, or $...$ holding a backslash, ^, _ or braces (so that
# "$2 per GPU-h and $5.6M" is prose, not mathematics). A JavaScript regular expression.
RAW_MATH = "|".join(
    [
        r"\\\([^\n]{0,80}?\\\)",
        r"\\\[[^\n]{0,80}?\\\]",
        r"\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{",
        r"\$[^\s$][^$\n]{0,80}?[\\^_{}][^$\n]{0,80}?[^\s$]\$",
    ]
)
CODE_FENCE = re.compile(r"^(`{3,}|~{3,})\s*\{code-cell\}")


class SiteCheckError(RuntimeError):
    """The check could not run (no site, no browser, a malformed table of contents or source)."""


# ---------------------------------------------------------------------------------------------
# What the sources promise: pages from _toc.yml, table ids from the code cells of each source.


def toc_pages(root: Path) -> dict[str, Path]:
    """Map each page of ``_toc.yml`` (as its HTML path, e.g. ``chapters/x.html``) to its source file."""
    toc_file = root / "_toc.yml"
    if not toc_file.is_file():
        raise SiteCheckError(f"no table of contents at {toc_file}")
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8")) or {}
    files: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    if isinstance(toc.get("root"), str):
        files.append(toc["root"])
    walk({k: v for k, v in toc.items() if k != "root"})
    pages: dict[str, Path] = {}
    for name in files:
        stem = re.sub(r"\.(md|ipynb|rst)$", "", name)
        sources = [root / (stem + s) for s in SOURCE_SUFFIXES if (root / (stem + s)).is_file()]
        if not sources:
            raise SiteCheckError(f"_toc.yml lists {name!r} but no {stem}.md, .ipynb or .rst exists")
        pages[stem + ".html"] = sources[0]
    return pages


def code_cells(text: str) -> Iterator[tuple[int, str]]:
    """The code cells of a MyST notebook: (line number of the first code line, cell text)."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = CODE_FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence = match.group(1)
        start = i + 1
        j = start
        while j < len(lines) and not lines[j].startswith(fence[0] * len(fence)):
            j += 1
        yield start + 1, "\n".join(lines[start:j])
        i = j + 1


def table_ids(source: Path) -> list[str]:
    """The ``table_id="..."`` of every table call in the code cells of ``source``, in order.

    Raises :class:`SiteCheckError` for an id that is not a string literal (the check could not know
    which table to look for), an empty id, and an id used twice in one page (HTML ids are unique).
    """
    text = source.read_text(encoding="utf-8")
    if source.suffix == ".ipynb":
        cells = json.loads(text).get("cells", [])
        chunks = [(0, "".join(c.get("source", ""))) for c in cells if c.get("cell_type") == "code"]
    else:
        chunks = list(code_cells(text))
    ids: list[str] = []
    for first_line, cell in chunks:
        for match in TABLE_ID.finditer(cell):
            line = first_line + cell.count("\n", 0, match.start())
            where = f"{source}:{line}" if first_line else str(source)
            if match.group("other") is not None:
                raise SiteCheckError(
                    f"{where}: table_id={match.group('other')} is not a string literal; write the id as "
                    'table_id="..." so the site check can find the table on the page'
                )
            value = match.group("id")
            if not value.strip():
                raise SiteCheckError(f"{where}: empty table_id")
            if value in ids:
                raise SiteCheckError(f"{where}: table_id {value!r} is used twice in {source.name}")
            ids.append(value)
    return ids


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the built site, relative and with '/' (asset folders start with '_')."""
    pages = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site)
        if any(part.startswith(("_", ".")) for part in rel.parts[:-1]):
            continue
        pages.append(rel.as_posix())
    return pages


# ---------------------------------------------------------------------------------------------
# The local server: serves the site on 127.0.0.1 and remembers every request it answered.


@dataclass
class Served:
    path: str
    status: int
    page: str | None


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site: Path) -> None:
        self.site = site
        self.log: list[Served] = []
        self.current_page: str | None = None
        self.lock = threading.Lock()
        handler = _handler_for(self)
        super().__init__(("127.0.0.1", 0), handler)


def _handler_for(server: _Server) -> type[http.server.SimpleHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(server.site), **kwargs)

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            with server.lock:
                status = code.value if hasattr(code, "value") else int(code) if str(code).isdigit() else 0
                server.log.append(Served(self.path, status, server.current_page))

        def log_message(self, format: str, *args: object) -> None:
            pass

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

    return Handler


@contextmanager
def serve(site: Path) -> Iterator[_Server]:
    server = _Server(site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------------------------------------
# What the browser sees.

_SETTLE_JS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  else if (window.MathJax && MathJax.Hub && MathJax.Hub.Queue) {
    await new Promise(resolve => MathJax.Hub.Queue(resolve));
  }
  const imgs = [...document.images];
  for (const img of imgs) { img.loading = 'eager'; }
  return await Promise.all(imgs.map(async img => {
    let decoded = true;
    try { await img.decode(); } catch (e) { decoded = false; }
    return {src: img.currentSrc || img.getAttribute('src') || '', alt: (img.getAttribute('alt') || '').trim(),
            decoded: decoded && img.naturalWidth > 0};
  }));
}"""

_PAGE_JS = r"""([tableIds, columnSelector, scrollClass, rawMath]) => {
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id)
      .concat([...document.querySelectorAll('a[name]')].map(e => e.getAttribute('name')));
  const links = [...document.querySelectorAll('a[href]')].map(a => ({href: a.href, raw: a.getAttribute('href')}));
  const unrendered = [];
  for (const el of document.querySelectorAll('.math')) {
    if (!el.querySelector('mjx-container, .MathJax, .MathJax_Display, svg, math')) {
      unrendered.push(el.textContent.trim().slice(0, 80));
    }
  }
  const skip = 'pre, code, script, style, textarea, kbd, samp, mjx-container, .MathJax, .math, .highlight';
  const raw = new RegExp(rawMath, 'g');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode(n) { return n.parentElement && n.parentElement.closest(skip) ? NodeFilter.FILTER_REJECT
                                                                           : NodeFilter.FILTER_ACCEPT; }});
  while (walker.nextNode()) {
    for (const m of walker.currentNode.nodeValue.matchAll(raw)) { unrendered.push(m[0].slice(0, 80)); }
  }
  const tables = {};
  for (const id of tableIds) {
    const el = document.getElementById('T_' + id);
    tables[id] = el !== null && el.tagName === 'TABLE';
  }
  const icons = [...document.querySelectorAll('link[rel~="icon"]')].map(l => ({href: l.href, raw: l.getAttribute('href')}));
  return {ids, links, unrendered, tables, icons};
}"""

_WIDTH_JS = """([columnSelector, scrollClass]) => {
  const closed = [...document.querySelectorAll('details')].filter(d => !d.open);
  for (const d of closed) { d.open = true; }
  const column = document.querySelector(columnSelector.split(',')[0].trim())
      || document.querySelector(columnSelector.split(',')[1].trim()) || document.body;
  const style = getComputedStyle(column);
  const width = column.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const wide = [];
  for (const t of column.querySelectorAll('table')) {
    if (t.closest('.' + scrollClass)) { continue; }
    const w = Math.max(t.getBoundingClientRect().width, t.scrollWidth);
    if (w > width + 1) {
      const cap = t.querySelector('caption');
      wide.push({id: t.id || '', width: Math.round(w),
                 caption: cap ? cap.textContent.trim().slice(0, 60) : ''});
    }
  }
  for (const d of closed) { d.open = false; }
  return {column: Math.round(width), wide};
}"""


@dataclass
class PageResult:
    page: str
    problems: list[str] = field(default_factory=list)
    images: int = 0
    links: int = 0
    tables: int = 0
    ids: set[str] = field(default_factory=set)
    outgoing: list[tuple[str, str]] = field(default_factory=list)  # (absolute href, raw href)


@dataclass
class Report:
    pages: dict[str, PageResult]
    problems: dict[str, list[str]]

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())


class _IdParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value and (key == "id" or (tag == "a" and key == "name")):
                self.ids.add(value)


REFRESH = re.compile(r"""<meta\s+http-equiv=["']?refresh["']?\s+content=["']\s*\d+\s*;\s*url=([^"'>]+)""", re.I)


def _redirect(path: Path) -> str | None:
    """The target of a page that only redirects (``<meta http-equiv="refresh">``), else None."""
    match = REFRESH.search(path.read_text(encoding="utf-8", errors="replace"))
    return match.group(1).strip() if match else None


def _static_ids(path: Path) -> set[str]:
    parser = _IdParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser.ids


def _screenshot_name(page: str, width: int) -> str:
    return page.removesuffix(".html").replace("/", "__") + f"-{width}.png"


def check_site(site: Path, root: Path = ROOT, screenshots: Path | None = None, chromium: Path = CHROMIUM) -> Report:
    """Check every page of ``site`` in headless Chromium; table ids come from the sources under ``root``."""
    if sync_playwright is None:
        raise SiteCheckError(
            "the Python package playwright is not installed (it is in requirements.lock: "
            "make .venv/.installed); it drives the system Chromium, no browser is downloaded"
        )
    site = site.resolve()
    if not (site / "index.html").is_file():
        raise SiteCheckError(f"no built site at {site} (no index.html): run `make book` first")
    if not chromium.is_file():
        raise SiteCheckError(
            f"no Chromium at {chromium}: install Debian's package (apt-get install chromium) or set DSV3_CHROMIUM"
        )
    expected = {page: table_ids(source) for page, source in toc_pages(root).items()}
    pages = site_pages(site)
    missing = [page for page in expected if page not in pages]
    if missing:  # a build that lost pages is not worth opening in a browser
        raise SiteCheckError(f"{len(missing)} pages of _toc.yml are not in {site}: {', '.join(missing)}")
    results = {page: PageResult(page) for page in pages}
    if screenshots is not None:  # only this run's screenshots: a page that is gone leaves none behind
        screenshots.mkdir(parents=True, exist_ok=True)
        for old in screenshots.glob("*.png"):
            old.unlink()

    with serve(site) as server, tempfile.TemporaryDirectory(prefix="dsv3-chromium-") as profile:
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=str(chromium),
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": WIDTHS[0], "height": 900},
                service_workers="block",
            )
            try:
                for page_name in pages:
                    target = _redirect(site / page_name)
                    if target is not None:  # e.g. index.html -> intro.html: the target must exist
                        results[page_name].outgoing = [(urljoin(f"{origin}/{page_name}", target), target)]
                        continue
                    _visit(
                        context, origin, server, page_name, expected.get(page_name, []), results[page_name], screenshots
                    )
            finally:
                context.close()

    # Links: the target file exists, the fragment is an id of the target page.
    for result in results.values():
        for href, raw in result.outgoing:
            if not href.startswith(origin + "/"):
                continue
            url, fragment = urldefrag(href)
            rel = unquote(urlsplit(url).path).lstrip("/")
            if rel == "" or rel.endswith("/"):
                rel += "index.html"
            target = site / rel
            if not target.is_file():
                if raw.startswith("favicon "):
                    result.problems.append(
                        f"no favicon: {raw.removeprefix('favicon ')} gives a 404 (set html.favicon in _config.yml)"
                    )
                else:
                    result.problems.append(f"broken link {raw!r}: {rel} does not exist")
                continue
            if not fragment:
                continue
            if rel in results and results[rel].ids:
                ids = results[rel].ids
            elif target.suffix == ".html":
                ids = _static_ids(target)
            else:
                continue
            if unquote(fragment) not in ids:
                result.problems.append(f"broken anchor {raw!r}: {rel} has no id {unquote(fragment)!r}")
    problems = {page: r.problems for page, r in sorted(results.items())}
    return Report(results, problems)


def _visit(
    context: Any,
    origin: str,
    server: _Server,
    page_name: str,
    table_ids_: list[str],
    result: PageResult,
    screenshots: Path | None,
) -> None:
    problems = result.problems
    external: list[str] = []

    def route(route_: Any) -> None:
        url = route_.request.url
        if url.startswith(origin + "/") or url.startswith(("data:", "blob:", "about:")):
            route_.continue_()
        else:
            external.append(url)
            route_.abort("blockedbyclient")

    page = context.new_page()
    pending: set[object] = set()

    def quiet(timeout_s: float = 10.0) -> None:
        """Wait until no request of the page is in flight (what Playwright's networkidle does, minus its 500 ms)."""
        deadline = time.monotonic() + timeout_s
        while pending:
            if time.monotonic() > deadline:
                problems.append(
                    f"the page never stopped requesting ({len(pending)} requests in flight after {timeout_s:.0f} s)"
                )
                return
            page.wait_for_timeout(20)

    page.on("request", lambda r: pending.add(r))
    page.on("requestfinished", lambda r: pending.discard(r))
    page.on("requestfailed", lambda r: pending.discard(r))
    page.route("**/*", route)
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text[:300]}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"JavaScript exception: {str(e)[:300]}"))
    page.on(
        "requestfailed",
        lambda r: (
            None
            if r.url in external
            else problems.append(f"request failed: {r.url.removeprefix(origin)} ({r.failure})")
        ),
    )
    page.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status} for {r.url.removeprefix(origin)}") if r.status >= 400 else None,
    )
    try:
        server.current_page = page_name
        page.set_viewport_size({"width": TEXT_COLUMN_WIDTH, "height": 900})
        page.goto(f"{origin}/{page_name}", wait_until="load", timeout=30_000)
        quiet()
        images = page.evaluate(_SETTLE_JS)  # MathJax typeset, images decoded
        quiet()
        for img in images:
            src = img["src"].removeprefix(origin)
            if not img["decoded"]:
                problems.append(f"image not decoded: {src}")
            if not img["alt"]:
                problems.append(f"image without alt text: {src}")
        found = page.evaluate(_PAGE_JS, [table_ids_, COLUMN_SELECTOR, SCROLL_CLASS, RAW_MATH])
        result.images, result.links = len(images), len(found["links"])
        result.ids = set(found["ids"])
        result.outgoing = [(link["href"], link["raw"]) for link in found["links"]]
        # Headless Chromium fetches no favicon, so the check follows the icon links itself (a
        # page without one makes browsers ask for /favicon.ico).
        icons = found["icons"] or [{"href": f"{origin}/favicon.ico", "raw": "/favicon.ico (implicit)"}]
        result.outgoing += [(icon["href"], "favicon " + icon["raw"]) for icon in icons]
        for text in found["unrendered"]:
            problems.append(f"math not rendered: {text}")
        for table_id, present in found["tables"].items():
            if present:
                result.tables += 1
            else:
                problems.append(
                    f"table {table_id!r} (table_id in the source) is not on the page "
                    f'(no <table id="T_{table_id}">): is it displayed?'
                )
        # At 1280 px: the screenshot as a reader first sees the page, then the table widths (with every
        # dropdown opened for the measure, then closed again); then the same page resized to 400 px.
        if screenshots is not None:
            page.screenshot(path=str(screenshots / _screenshot_name(page_name, TEXT_COLUMN_WIDTH)), full_page=True)
        widths = page.evaluate(_WIDTH_JS, [COLUMN_SELECTOR, SCROLL_CLASS])
        for table in widths["wide"]:
            label = f"#{table['id']}" if table["id"] else repr(table["caption"] or "(no id)")
            problems.append(
                f"table {label} is {table['width']} px wide, wider than the "
                f"{widths['column']} px text column at {TEXT_COLUMN_WIDTH} px (wrap it in "
                f'<div class="{SCROLL_CLASS}"> if it must scroll)'
            )
        for width in WIDTHS:
            if width == TEXT_COLUMN_WIDTH:
                continue
            page.set_viewport_size({"width": width, "height": 900})
            quiet()
            # On a narrow screen the page itself must not scroll sideways (wide tables scroll in their box).
            page_width = page.evaluate("() => document.documentElement.scrollWidth")
            if page_width > width + 1:
                problems.append(
                    f"the page is {page_width} px wide in a {width} px window: it scrolls sideways "
                    "(an unbreakable line or a box that does not wrap)"
                )
            if screenshots is not None:
                page.screenshot(path=str(screenshots / _screenshot_name(page_name, width)), full_page=True)
        quiet()
        time.sleep(0.05)  # let late server log lines land before attributing them
    finally:
        page.close()
        server.current_page = None
    for url in dict.fromkeys(external):
        problems.append(f"external request blocked: {url}")
    with server.lock:
        for served in server.log:
            if served.page == page_name and served.status >= 400:
                message = f"HTTP {served.status} for {served.path}"
                if message not in problems:
                    problems.append(message)
    # one line per distinct problem, in order of appearance
    result.problems[:] = list(dict.fromkeys(problems))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html", help="the built site")
    parser.add_argument("--root", type=Path, default=ROOT, help="the book's sources (_toc.yml and pages)")
    parser.add_argument("--screenshots", type=Path, default=ROOT / "_build" / "screenshots")
    parser.add_argument("--no-screenshots", action="store_true")
    parser.add_argument(
        "--report", type=Path, default=ROOT / "_build" / "site-check.json", help="where to write the JSON report"
    )
    args = parser.parse_args(argv)
    try:
        report = check_site(args.site, args.root, None if args.no_screenshots else args.screenshots)
    except SiteCheckError as error:
        print(f"check-site: {error}", file=sys.stderr)
        return 2
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(
        json.dumps(
            {
                page: {"problems": r.problems, "images": r.images, "links": r.links, "tables": r.tables}
                for page, r in sorted(report.pages.items())
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    bad = 0
    for page, result in sorted(report.pages.items()):
        if result.problems:
            bad += 1
            print(f"FAIL {page}")
            for problem in result.problems:
                print(f"     - {problem}")
        else:
            print(f"ok   {page}: {result.tables} tables, {result.images} images, {result.links} links")
    total = len(report.pages)
    if bad:
        print(f"check-site: {bad} of {total} pages have problems (report: {args.report})", file=sys.stderr)
        return 1
    where = "" if args.no_screenshots else f"; screenshots in {args.screenshots}"
    print(f"check-site: {total} pages checked in Chromium, no problem{where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
