"""The coordinator's pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from console.auth import roles_required

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")
ROLES = ("coordinator",)


@bp.get("/")
@roles_required(*ROLES)
def home() -> Any:
    return render_template("coordinator/home.html")
