"""dsv3.book.tables: what a reader sees of a table: numbers right-aligned, a dash for a missing value, no index
unless asked, the source under the table, bold where the mask says."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from dsv3.book.tables import to_html

DF = pd.DataFrame({"model": ["a", None], "score": [1.0, np.nan], "ok": [True, False], "n": [1, 2]})


def _rules(html: str) -> dict[str, set[str]]:
    """CSS rules of the table's <style>: declaration -> the selectors it applies to."""
    css = html.split("<style", 1)[1].split("</style>", 1)[0].split(">", 1)[1]
    out: dict[str, set[str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        for decl in filter(None, (d.strip() for d in body.split(";"))):
            out.setdefault(decl, set()).update(" ".join(s.split()) for s in selectors.split(","))
    return out


@pytest.mark.parametrize("formats", [None, {"score": "{:.1f}", "not a column": "{:.2f}"}])
def test_numbers_right_aligned_and_missing_values_a_dash(formats) -> None:
    html = to_html(DF, source="s", table_id="t", formats=formats)
    # columns 1 (float) and 3 (int) are numeric; 0 is text and 2 is boolean: left as they are
    assert _rules(html)["text-align: right"] == {f"#T_t_row{r}_col{c}" for r in (0, 1) for c in (1, 3)}
    cells = dict(re.findall(r'<td id="T_t_(row\d_col\d)"[^>]*>([^<]*)</td>', html))
    assert cells["row1_col0"] == "–" and cells["row1_col1"] == "–"  # None and NaN
    assert cells["row0_col1"] == ("1.0" if formats else "1.000000")


def test_the_index_is_hidden_unless_asked() -> None:
    assert "row_heading" not in to_html(DF, source="s", table_id="t")
    assert "row_heading" in to_html(DF, source="s", table_id="t", index=True)


def test_the_source_is_a_caption_under_the_table_and_cells_are_padded() -> None:
    html = to_html(DF, source="the report, Table 1", table_id="t")
    assert "<caption>Source: the report, Table 1</caption>" in html
    rules = _rules(html)
    assert rules["caption-side: bottom"] == {"#T_t caption"}
    assert rules["text-align: left"] == {"#T_t caption"}
    assert rules["font-size: 0.85em"] == {"#T_t caption"}
    assert rules["padding: 0.2em 0.6em"] == {"#T_t td", "#T_t th"}


def test_bold_cells_are_exactly_the_mask() -> None:
    bold = pd.DataFrame({"model": [True, False], "score": [False, False], "ok": [False, True], "n": [False, False]})
    html = to_html(DF, source="s", table_id="t", bold=bold)
    assert _rules(html)["font-weight: bold"] == {"#T_t_row0_col0", "#T_t_row1_col2"}
