"""Drop the scripts Sphinx 7.4 writes twice into every page.

An extension that adds an inline script (``app.add_js_file(None, body=...)``) after the HTML builder
started gets it twice: once when added, once more when the builder re-adds the registered assets
before writing (the first copy has the file name ``None``, the second ``''``, so they do not compare
equal). sphinx-thebe adds ``const THEBE_JS_URL = ...`` that way even with thebe off, and the second
``const`` is a JavaScript error on every page ("Identifier 'THEBE_JS_URL' has already been
declared"), which ``make check-site`` reports. This keeps the first of scripts with the same file and
attributes on each page. Loaded by ``sphinx.local_extensions`` in ``_config.yml``.
"""

from __future__ import annotations

from typing import Any


def _dedupe(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        key = (
            str(getattr(script, "filename", script) or ""),
            tuple(sorted((k, str(v)) for k, v in attributes.items())),
        )
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app: Any) -> dict[str, Any]:
    app.connect("html-page-context", _dedupe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
