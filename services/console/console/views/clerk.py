"""The clerk's pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from console.auth import roles_required

bp = Blueprint("clerk", __name__, url_prefix="/clerk")
ROLES = ("clerk", "supervisor",)


@bp.get("/")
@roles_required(*ROLES)
def home() -> Any:
    return render_template("clerk/home.html")
