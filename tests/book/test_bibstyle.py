"""dsv3.book.bibstyle: citation labels a reader can read (``[V3 report]``), else pybtex's alpha label.

pybtex's alpha label is the first three letters of the author's last name and the year's last two digits:
Leslie Lamport, 1994 -> "Lam94".
"""

from __future__ import annotations

from pybtex.database import parse_string

from dsv3.book.bibstyle import BookStyle, ShorthandLabelStyle

BIB = """
@article{knuth, author = {Donald Knuth}, title = {Literate Programming}, journal = {J}, year = {1984},
         shorthand = {Knuth's essay}}
@article{lamport, author = {Leslie Lamport}, title = {LaTeX}, journal = {J}, year = {1994}}
"""


def _entries():
    return list(parse_string(BIB, "bibtex").entries.values())


def test_the_shorthand_is_the_label_else_the_alpha_label() -> None:
    assert list(ShorthandLabelStyle().format_labels(_entries())) == ["Knuth's essay", "Lam94"]


def test_the_book_style_labels_entries_by_their_shorthand() -> None:
    assert BookStyle.default_label_style is ShorthandLabelStyle
    labels = [e.label for e in BookStyle().format_entries(_entries())]
    assert labels == ["Knuth's essay", "Lam94"]
