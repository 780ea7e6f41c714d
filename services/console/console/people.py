"""People by name: the identity service's user directory as the signed-in user reads it.

Services record who acted by username (the token's ``sub``); pages show the person's
display name instead. Staff and inspectors read the directory (``GET /users``); for other
roles, or a username the directory does not hold, the username is shown as it is.
The directory is read at most once per request."""

from __future__ import annotations

from typing import Any

from flask import g

from console import api
from console.auth import user

#: the role whose users carry out home assessments (renovation: ``application.assess``)
ASSESSOR_ROLE = "staff"


def directory() -> dict[str, str]:
    """``username -> display name`` of every user the caller may read."""
    cached = g.get("people")
    if cached is None:
        cached = {}
        me = user() or {}
        if me.get("sub") and me.get("name"):
            cached[str(me["sub"])] = str(me["name"])
        if me.get("role") in ("staff", "inspector"):
            try:
                items = api.get_all("identity", "/users", limit=1000)
            except api.ApiError as exc:
                if exc.status != 403:
                    raise
                items = []
            cached.update({str(u["username"]): str(u["display_name"]) for u in items})
        g.people = cached
    return dict(cached)


def name_of(username: Any) -> str:
    """The person's display name (the username if the directory does not know it)."""
    if not username:
        return ""
    return directory().get(str(username), str(username))


def assessors(division: str) -> list[tuple[str, str]]:
    """``(username, display name)`` of the enabled users who may assess a home in
    ``division`` (their districts cover it, or they work city-wide), by name."""
    items = api.get_all("identity", "/users", role=ASSESSOR_ROLE, division=division,
                        active="true")
    return sorted(((str(u["username"]), str(u["display_name"])) for u in items),
                  key=lambda pair: pair[1])
