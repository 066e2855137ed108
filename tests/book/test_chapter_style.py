"""The house style a reader relies on, checked on every chapter source (README, "Adding a chapter")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))


def sections(text: str) -> list[str]:
    return re.split(r"\n## ", text)[1:]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_one_takeaway_per_section_and_a_closing_list(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for section in sections(text):
        title = section.splitlines()[0]
        assert section.count("{admonition} Takeaway") <= 1, f"{path.name}: section {title!r} has several takeaways"
    assert sections(text)[-1].startswith("What to remember"), f"{path.name}: last section must be 'What to remember'"
    assert re.search(r"\n- ", sections(text)[-1]), f"{path.name}: 'What to remember' is a list"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_a_lead_before_the_first_section(path: Path) -> None:
    body = path.read_text(encoding="utf-8").split("\n# ", 1)[1].split("\n## ", 1)[0]
    prose = [line for line in body.splitlines()[1:] if line and not line.startswith(("```", ":", "(", "#"))]
    assert len(" ".join(prose)) > 200, f"{path.name}: start with a short lead on what the chapter shows"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_colours_come_from_the_style_module(path: Path) -> None:
    assert not re.search(r"[\"']#[0-9a-fA-F]{6}[\"']", path.read_text(encoding="utf-8")), (
        f"{path.name}: a hex colour; use dsv3.book.style.color(model_id) or a style constant"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_process_text(path: Path) -> None:
    text = path.read_text(encoding="utf-8").lower()
    for phrase in ("was not available", "available to read here", "todo", "fixme"):
        assert phrase not in text, f"{path.name}: {phrase!r}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_figure_text_is_readable(path: Path) -> None:
    # Tick labels at least 9 pt (the style sets 9), legends and notes at least 8 pt.
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"labelsize=[1-8]\b", text), f"{path.name}: tick labels below 9 pt"
    assert not re.search(r"fontsize=[1-7]\b", text), f"{path.name}: text below 8 pt in a figure"


#: Config keys that a table about a config may name as they are spelled in config.json.
CONFIG_KEYS = {"mscale", "mscale_all_dim", "original_max_position_embeddings", "max_position_embeddings", "rope_theta"}

GOLDENS = sorted((ROOT / "chapters").glob("*.ipynb")) + [
    ROOT / "intro.ipynb",
    ROOT / "notation.ipynb",
    ROOT / "status.ipynb",
]


@pytest.mark.parametrize("path", GOLDENS, ids=lambda p: p.stem)
def test_table_headers_are_words_not_identifiers(path: Path) -> None:
    # A reader sees the HTML a cell displays: no snake_case column header, no bare True/False cell.
    import nbformat

    nb = nbformat.read(path, as_version=4)
    html = "".join(
        "".join(out.get("data", {}).get("text/html", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    headers = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", html, flags=re.S)]
    snake = [h for h in headers if re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", h) and h not in CONFIG_KEYS]
    assert snake == [], f"{path.name}: headers that are identifiers, not words: {snake}"
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.S)]
    assert not {"True", "False"} & set(cells), f"{path.name}: a bare True/False cell; show a tick or words"
