"""The staff's pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from console.auth import roles_required

bp = Blueprint("staff", __name__, url_prefix="/staff")
ROLES = ("staff", "inspector",)


@bp.get("/")
@roles_required(*ROLES)
def home() -> Any:
    return render_template("staff/home.html")
