"""Citation labels a reader can read: ``[V3 report]`` rather than ``[DeepSeekAI24d]``.

A pybtex formatting style, registered as ``dsv3`` (``pyproject.toml`` entry points) and selected by
``bibtex_default_style`` in ``_config.yml``. Each entry of ``references.bib`` gives its label in a
``shorthand`` field; an entry without one falls back to pybtex's alpha label.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.labels.alpha import LabelStyle as AlphaLabelStyle


class ShorthandLabelStyle(BaseLabelStyle):
    """The entry's ``shorthand`` field as its label, else pybtex's alpha label."""

    def format_labels(self, sorted_entries: Iterable[Any]) -> Iterator[str]:
        entries = list(sorted_entries)
        for entry, fallback in zip(entries, AlphaLabelStyle().format_labels(entries)):
            yield str(entry.fields.get("shorthand", fallback))


class BookStyle(PlainStyle):
    """pybtex's plain style with :class:`ShorthandLabelStyle` labels."""

    default_label_style = ShorthandLabelStyle
