"""Who is signed in, and which pages each role may open."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, session, url_for

from console.links import here

F = TypeVar("F", bound=Callable[..., Any])

#: the landing page of each role
HOME = {
    "clerk": "clerk.home",
    "supervisor": "clerk.home",
    "contractor": "contractor.home",
    "coordinator": "coordinator.home",
    "staff": "staff.home",
    "inspector": "staff.home",
    "volunteer": "volunteer.home",
}


def user() -> dict[str, Any] | None:
    u = session.get("user")
    return dict(u) if isinstance(u, dict) else None


def role() -> str | None:
    u = user()
    return str(u["role"]) if u else None


def roles_required(*roles: str) -> Callable[[F], F]:
    """Sign-in required; 403 page for other roles. The services check every object
    again: this only keeps people out of pages that are not theirs."""

    def deco(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            u = user()
            if u is None:
                return redirect(url_for("auth.login", next=here()))
            if roles and u.get("role") not in roles:
                abort(403)
            return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return deco
