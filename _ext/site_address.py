"""One setting for the site's address: the canonical URL follows the repository link.

``repository.url`` in ``_config.yml`` (``https://github.com/<owner>/<repository>``) is the link to
the sources; the book published on GitHub Pages lives at ``https://<owner>.github.io/<repository>/``.
When ``html.baseurl`` is left empty, this sets it (the canonical URL of every page) from the
repository link, so the address is written once. An explicit ``html.baseurl`` (a custom domain)
wins. Loaded by ``sphinx.local_extensions`` in ``_config.yml``; see the README, "Publishing".
"""

from __future__ import annotations

import re
from typing import Any

GITHUB = re.compile(r"https://github\.com/(?P<owner>[A-Za-z0-9-]+)/(?P<repo>[A-Za-z0-9._-]+?)(?:\.git)?/?")


def pages_url(repository_url: str) -> str | None:
    """The GitHub Pages address of a github.com repository URL, or None for any other URL."""
    match = GITHUB.fullmatch(repository_url.strip())
    if match is None:
        return None
    owner, repo = match["owner"].lower(), match["repo"]
    if repo.lower() == f"{owner}.github.io":
        return f"https://{owner}.github.io/"
    return f"https://{owner}.github.io/{repo}/"


def _set_baseurl(app: Any, config: Any) -> None:
    if config.html_baseurl:
        return
    url = pages_url(str((config.html_theme_options or {}).get("repository_url", "")))
    if url is not None:
        config.html_baseurl = url


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", _set_baseurl)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
