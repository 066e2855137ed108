"""Render pandas tables for the book: deterministic HTML, the source underneath, best values in bold.

Every table a chapter makes goes through :func:`show`, which displays it; ``table_id`` gives the
element its id (``T_<table_id>``), which the site check finds on the page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Required, TypedDict, Unpack

import pandas as pd
from IPython.display import HTML, display


class TableOptions(TypedDict, total=False):
    """What :func:`to_html` and :func:`show` take besides the frame (``source`` and ``table_id`` are required)."""

    source: Required[str]
    table_id: Required[str]
    formats: Mapping[str, str | Callable[[object], str]] | None
    bold: pd.DataFrame | None
    index: bool


def to_html(
    df: pd.DataFrame,
    *,
    source: str,
    table_id: str,
    formats: Mapping[str, str | Callable[[object], str]] | None = None,
    bold: pd.DataFrame | None = None,
    index: bool = False,
) -> str:
    """HTML of ``df`` with ``source`` written under it.

    ``table_id`` fixes the element ids (pandas otherwise draws a random one, which would make the
    executed notebook differ from run to run). ``bold`` is a boolean mask of cells to set in bold.
    """
    styler = df.style.set_uuid(table_id)
    if formats:
        styler = styler.format({k: v for k, v in formats.items() if k in df.columns}, na_rep="–")
    else:
        styler = styler.format(na_rep="–")
    if bold is not None:
        styler = styler.apply(lambda _: bold.replace({True: "font-weight: bold", False: ""}), axis=None)
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right"})
    if not index:
        styler = styler.hide(axis="index")
    styler = styler.set_caption(f"Source: {source}").set_table_styles(
        [
            {"selector": "caption", "props": "caption-side: bottom; text-align: left; font-size: 0.85em;"},
            {"selector": "td, th", "props": "padding: 0.2em 0.6em;"},
        ]
    )
    return styler.to_html()


def show(df: pd.DataFrame, *, scroll: bool = False, **options: Unpack[TableOptions]) -> None:
    """Display :func:`to_html` of ``df`` in the notebook, wherever the call stands in its cell.

    It returns nothing on purpose: a table must never depend on being the last expression of a
    cell to reach the page. ``scroll`` wraps a table that is wider than the text column by nature
    (many model columns) in a ``div.scroll-table`` that scrolls sideways.
    """
    html = to_html(df, **options)
    display(HTML(f'<div class="scroll-table">{html}</div>' if scroll else html))
