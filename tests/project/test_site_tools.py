"""The site check (tools/site_check/check.py): how it reads the sources, and what it catches in Chromium.

The browser tests build one tiny synthetic book (a _toc.yml, MyST sources with table calls, and the
HTML "built" from them by hand), with one defect per page, and run the checker once on it: the good
pages must pass and each bad page must fail for its own reason. They need Debian's chromium at
/usr/bin/chromium and the playwright package, and are skipped with that reason otherwise.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


check = _load("site_check_check", ROOT / "tools" / "site_check" / "check.py")

HAVE_BROWSER = check.CHROMIUM.is_file() and check.sync_playwright is not None
needs_browser = pytest.mark.skipif(
    not HAVE_BROWSER,
    reason=f"needs Debian's chromium at {check.CHROMIUM} (apt-get install chromium) and the playwright package",
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- reading the sources (no browser) ---------------------------------------------------------

CHAPTER = """---
jupytext: {text_representation: {format_name: myst}}
---
# A chapter

Prose may mention table_id="not-a-table" without creating a table.

```{code-cell} ipython3
tables.show(df, source="s", table_id="first")
x = 1
```

```{code-cell} ipython3
display(tables.show(
    df,
    source="s",
    table_id='second',
))
```
"""


def test_table_ids_come_from_code_cells_only(tmp_path: Path) -> None:
    source = write(tmp_path / "chapters" / "a.md", CHAPTER)
    assert check.table_ids(source) == ["first", "second"]


def test_table_ids_read_a_notebook_source(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "markdown", "source": ['table_id="prose"']},
        {"cell_type": "code", "source": ['tables.show(df, table_id="nb-table")']},
    ]
    source = write(tmp_path / "a.ipynb", __import__("json").dumps({"cells": cells}))
    assert check.table_ids(source) == ["nb-table"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("tables.show(df, table_id=name)", "not a string literal"),
        ('tables.show(df, table_id=f"t-{i}")', "not a string literal"),
        ('tables.show(df, table_id="")', "empty table_id"),
        ('tables.show(df, table_id="t")\ntables.show(df, table_id="t")', "used twice"),
    ],
)
def test_table_ids_refuse_what_the_check_cannot_find(tmp_path: Path, call: str, message: str) -> None:
    source = write(tmp_path / "a.md", f"```{{code-cell}} ipython3\n{call}\n```\n")
    with pytest.raises(check.SiteCheckError, match=message):
        check.table_ids(source)


def test_toc_pages_map_html_to_sources(tmp_path: Path) -> None:
    write(
        tmp_path / "_toc.yml",
        "format: jb-book\nroot: intro\nparts:\n  - caption: C\n    chapters:\n"
        "      - file: chapters/a\n      - file: chapters/b.ipynb\n",
    )
    write(tmp_path / "intro.md", "# Intro\n")
    write(tmp_path / "chapters" / "a.md", "# A\n")
    write(tmp_path / "chapters" / "b.ipynb", "{}")
    pages = check.toc_pages(tmp_path)
    assert pages == {
        "intro.html": tmp_path / "intro.md",
        "chapters/a.html": tmp_path / "chapters" / "a.md",
        "chapters/b.html": tmp_path / "chapters" / "b.ipynb",
    }
    (tmp_path / "chapters" / "a.md").unlink()
    with pytest.raises(check.SiteCheckError, match="chapters/a"):
        check.toc_pages(tmp_path)


def test_every_page_of_the_book_has_readable_table_ids() -> None:
    """The real sources: every page of _toc.yml exists and its table ids are literal and unique."""
    pages = check.toc_pages(ROOT)
    assert "intro.html" in pages and "chapters/training_cost.html" in pages
    ids = {page: check.table_ids(source) for page, source in pages.items()}
    assert sum(len(v) for v in ids.values()) > 0


def test_site_pages_skip_asset_folders(tmp_path: Path) -> None:
    for name in ("index.html", "chapters/a.html", "_static/x.html", "_sources/a.html"):
        write(tmp_path / name, "<html></html>")
    assert check.site_pages(tmp_path) == ["chapters/a.html", "index.html"]


def test_no_site_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(check.SiteCheckError, match="make book"):
        check.check_site(tmp_path / "nothing", tmp_path)


@needs_browser
def test_a_page_of_the_toc_missing_from_the_site_is_a_clear_error(tmp_path: Path) -> None:
    write(tmp_path / "_toc.yml", "format: jb-book\nroot: intro\nchapters:\n  - file: chapters/a\n")
    write(tmp_path / "intro.md", "# Intro\n")
    write(tmp_path / "chapters" / "a.md", "# A\n")
    write(tmp_path / "html" / "index.html", "<p>x</p>")
    write(tmp_path / "html" / "intro.html", "<p>x</p>")
    with pytest.raises(check.SiteCheckError, match=r"1 pages of _toc.yml are not in .*: chapters/a.html"):
        check.check_site(tmp_path / "html", tmp_path)


# --- the browser on a synthetic site -------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title><link rel="icon" href="{icon}">
<style>main {{ max-width: 600px; }} .scroll-table {{ overflow-x: auto; }}</style>{head}</head>
<body><main><h1 id="top">{title}</h1>{body}</main></body></html>
"""
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20"/></svg>'
WIDE = '<table id="T_{id}"><tr>' + "<td>a&nbsp;rather&nbsp;long&nbsp;cell&nbsp;of&nbsp;text</td>" * 8 + "</tr></table>"
NARROW = '<table id="T_{id}"><tr><td>1</td><td>2</td></tr></table>'


def page(title: str, body: str, head: str = "", icon: str = "/_static/icon.svg") -> str:
    return PAGE.format(title=title, body=body, head=head, icon=icon)


def cell(*table_ids: str) -> str:
    calls = "\n".join(f'tables.show(df, source="s", table_id="{t}")' for t in table_ids)
    return f"# Page\n\n```{{code-cell}} ipython3\n{calls}\n```\n"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory):
    """A book of one good chapter and one page per defect, checked once; returns (report, screenshots)."""
    base = tmp_path_factory.mktemp("site")
    root, site, shots = base / "src", base / "html", base / "shots"
    write(
        root / "_toc.yml",
        "format: jb-book\nroot: intro\nchapters:\n  - file: chapters/good\n  - file: chapters/hidden_table\n",
    )
    write(root / "intro.md", "# Intro\n")
    write(root / "chapters" / "good.md", cell("good-table", "wide-but-scrolls"))
    write(root / "chapters" / "hidden_table.md", cell("shown", "forgotten"))

    write(site / "_static" / "icon.svg", SVG)
    write(site / "_images" / "fig.svg", SVG)
    write(site / "index.html", page("Index", '<p><a href="intro.html">intro</a></p>'))
    math = '<p>Inline <span class="math"><mjx-container>x</mjx-container></span> and a price of $2 per GPU-h.</p>'
    write(site / "intro.html", page("Intro", math + '<p id="sec">See <a href="chapters/good.html#top">good</a>.</p>'))
    write(
        site / "chapters" / "good.html",
        page(
            "Good",
            "".join(
                [
                    NARROW.format(id="good-table"),
                    '<div class="scroll-table">' + WIDE.format(id="wide-but-scrolls") + "</div>",
                    '<img src="../_images/fig.svg" alt="a black rectangle">',
                    '<p><a href="../intro.html#sec">back</a> <a href="#top">top</a> <a href="https://example.org/">a citation</a></p>',
                ]
            ),
        ),
    )
    write(site / "chapters" / "hidden_table.html", page("Hidden", NARROW.format(id="shown")))
    write(
        site / "bad" / "external.html",
        page(
            "External",
            '<img src="https://cdn.example.org/logo.png" alt="logo">',
            head='<script src="https://cdn.example.org/lib.js"></script>',
        ),
    )
    write(
        site / "bad" / "js_error.html",
        page("JS", "<p>x</p>", head="<script>const THEBE_JS_URL = 1;</script><script>const THEBE_JS_URL = 2;</script>"),
    )
    write(site / "bad" / "favicon.html", page("Favicon", "<p>x</p>", icon="/favicon.ico"))
    write(
        site / "bad" / "links.html", page("Links", '<a href="../nowhere.html">a</a> <a href="../intro.html#nope">b</a>')
    )
    write(
        site / "bad" / "images.html",
        page("Images", '<img src="../_images/fig.svg"><img src="../_images/gone.png" alt="gone">'),
    )
    write(site / "bad" / "math.html", page("Math", r'<p>Raw \(x^2\) and $a_i$ and <span class="math">\(y\)</span></p>'))
    write(site / "bad" / "wide.html", page("Wide", WIDE.format(id="too-wide")))
    write(
        site / "bad" / "narrow.html",
        page("Narrow", "<p>" + "unbreakable" * 60 + "</p>"),
    )
    report = check.check_site(site, root, shots)
    return report, shots


def problems(synthetic, name: str) -> str:
    report, _ = synthetic
    return "\n".join(report.problems[name])


@needs_browser
@pytest.mark.parametrize("name", ["index.html", "intro.html", "chapters/good.html"])
def test_good_pages_pass(synthetic, name: str) -> None:
    assert problems(synthetic, name) == ""


@needs_browser
def test_good_page_counts_what_it_checked(synthetic) -> None:
    report, _ = synthetic
    good = report.pages["chapters/good.html"]
    assert (good.tables, good.images) == (2, 1)


@needs_browser
def test_a_table_the_source_creates_but_the_page_lacks_fails(synthetic) -> None:
    text = problems(synthetic, "chapters/hidden_table.html")
    assert "'forgotten'" in text and "T_forgotten" in text
    assert "'shown'" not in text
    assert not synthetic[0].ok


@needs_browser
def test_an_external_request_is_blocked_and_fails(synthetic) -> None:
    text = problems(synthetic, "bad/external.html")
    assert "external request blocked: https://cdn.example.org/lib.js" in text
    assert "external request blocked: https://cdn.example.org/logo.png" in text


@needs_browser
def test_a_javascript_error_fails(synthetic) -> None:
    assert "Identifier 'THEBE_JS_URL' has already been declared" in problems(synthetic, "bad/js_error.html")


@needs_browser
def test_a_missing_favicon_fails(synthetic) -> None:
    assert "no favicon: /favicon.ico gives a 404" in problems(synthetic, "bad/favicon.html")


@needs_browser
def test_broken_links_and_anchors_fail(synthetic) -> None:
    text = problems(synthetic, "bad/links.html")
    assert "broken link '../nowhere.html'" in text
    assert "broken anchor '../intro.html#nope'" in text


@needs_browser
def test_images_need_alt_text_and_must_decode(synthetic) -> None:
    text = problems(synthetic, "bad/images.html")
    assert "image without alt text: /_images/fig.svg" in text
    assert "image not decoded: /_images/gone.png" in text
    assert "404 for /_images/gone.png" in text


@needs_browser
def test_unrendered_math_fails(synthetic) -> None:
    text = problems(synthetic, "bad/math.html")
    assert {r"math not rendered: \(x^2\)", "math not rendered: $a_i$", r"math not rendered: \(y\)"} <= set(
        text.splitlines()
    )


@needs_browser
def test_a_table_wider_than_the_column_fails_unless_it_scrolls(synthetic) -> None:
    text = problems(synthetic, "bad/wide.html")
    assert "#T_too-wide" in text and "600 px text column" in text
    assert "wide-but-scrolls" not in problems(synthetic, "chapters/good.html")


@needs_browser
def test_a_page_that_scrolls_sideways_on_a_phone_fails(synthetic) -> None:
    assert "px wide in a 400 px window" in problems(synthetic, "bad/narrow.html")
    assert "400 px window" not in problems(synthetic, "chapters/good.html")  # its wide table scrolls in its box


@needs_browser
def test_screenshots_at_both_widths(synthetic) -> None:
    _, shots = synthetic
    for name in ("chapters__good", "index", "bad__wide"):
        for width in (1280, 400):
            shot = shots / f"{name}-{width}.png"
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", shot
