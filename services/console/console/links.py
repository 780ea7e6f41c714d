"""Addresses the browser can follow, wherever the console is mounted.

The console runs at ``/console`` under ``make run`` (``SCRIPT_NAME=/console``) and at ``/``
on its own port: every link and redirect is built with ``url_for`` or from the script
root, and a ``next`` address is followed only when it is a page of this console that a
browser can GET.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.exceptions import HTTPException


def here() -> str:
    """This page's address as the browser sees it: script root, path and query."""
    query = request.query_string.decode("latin-1")
    return request.script_root + request.path + (f"?{query}" if query else "")


def safe_next(target: str | None) -> str | None:
    """``target`` when it names a page of this console that answers a GET (under the
    script root, on no other host), else None."""
    if not target or "\\" in target or target.startswith("//"):
        return None
    parts = urlsplit(target)
    root = request.script_root
    if parts.scheme or parts.netloc or not parts.path.startswith(f"{root}/"):
        return None
    adapter = current_app.create_url_adapter(request)
    if adapter is None:
        return None
    try:
        adapter.match(parts.path[len(root):], method="GET")
    except HTTPException:  # no such page, one to POST only, or a redirect
        return None
    return target


def back(default: str) -> str:
    """Where a form goes back to: its ``next`` field, else the page it was sent from
    (the referrer, when it is a page of this console to GET), else ``default``."""
    chosen = safe_next(request.form.get("next"))
    if chosen is None and request.referrer:
        ref = urlsplit(request.referrer)
        if ref.netloc == request.host:
            chosen = safe_next(ref.path + (f"?{ref.query}" if ref.query else ""))
    return chosen or default
