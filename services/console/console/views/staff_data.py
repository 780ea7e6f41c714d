"""Staff: reports with charts, XLSX/CSV export, XLSX import of units and volunteers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from console.auth import roles_required

bp = Blueprint("staff_data", __name__, url_prefix="/staff/data")
ROLES = ("staff", "inspector")


@bp.get("/")
@roles_required(*ROLES)
def home() -> Any:
    return render_template("staff/data_home.html")
