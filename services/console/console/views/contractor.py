"""The contractor's pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from console.auth import roles_required

bp = Blueprint("contractor", __name__, url_prefix="/contractor")
ROLES = ("contractor",)


@bp.get("/")
@roles_required(*ROLES)
def home() -> Any:
    return render_template("contractor/home.html")
