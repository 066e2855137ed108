"""Render pandas tables for the book: deterministic HTML, the source underneath, best values in bold."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd


def bold_mask(df: pd.DataFrame, columns: list[str], best: Callable[[pd.Series], object] = max,
              tie: float = 0.0) -> pd.DataFrame:
    """Boolean mask marking, in each row, the cells of ``columns`` within ``tie`` of the row's best.

    ``best`` is ``max`` (higher is better) or ``min``. Missing values are never bold.
    """
    mask = pd.DataFrame(False, index=df.index, columns=df.columns)
    values = df[columns].apply(pd.to_numeric, errors="coerce")
    for idx, row in values.iterrows():
        present = row.dropna()
        if present.empty:
            continue
        top = best(present)
        mask.loc[idx, present.index] = (present - top).abs() <= tie + 1e-9
    return mask


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


def show(df: pd.DataFrame, **kwargs: object):
    """Display :func:`to_html` in a notebook (an ``IPython.display.HTML``; its text form has no address)."""
    from IPython.display import HTML

    return HTML(to_html(df, **kwargs))  # type: ignore[arg-type]
