"""Signing in and out, the landing page of each role, the language switch, health."""

from __future__ import annotations

from typing import Any

import requests
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from console import api
from console.auth import HOME, user
from console.config import ConsoleSettings
from console.i18n import LANGS, register
from console.i18n import gettext as _
from console.links import safe_next
from console.problems import localize

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        try:
            api.login(username, password)
        except api.ApiError as exc:
            error = (localize(exc.detail) or _("请稍后再试。")) if exc.status == 429 \
                else _("用户名或密码错误。")
        else:
            return redirect(safe_next(request.args.get("next")) or url_for("auth.home"))
        return render_template("login.html", error=error, username=username), 401
    return render_template("login.html", error=None, username="")


@bp.post("/logout")
def logout() -> BaseResponse:
    api.logout()
    flash(_("已退出。"), "info")
    return redirect(url_for("auth.login"))


@bp.get("/")
def home() -> BaseResponse:
    endpoint = HOME.get(str((user() or {}).get("role")))
    return redirect(url_for(endpoint) if endpoint else url_for("auth.login"))


@bp.get("/lang/<code>")
def set_lang(code: str) -> BaseResponse:
    resp = redirect(safe_next(request.args.get("next")) or url_for("auth.home"))
    if code in LANGS:
        resp.set_cookie("lang", code, max_age=365 * 86400, samesite="Lax", httponly=True)
    return resp


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> Any:
    settings: ConsoleSettings = current_app.config["CONSOLE"]
    try:
        ok = requests.get(f"{settings.url('identity')}/readyz", timeout=3).status_code == 200
    except requests.RequestException:
        ok = False
    return ({"status": "ok"}, 200) if ok else ({"status": "identity unavailable"}, 503)


register("login", {
    "用户名": "Username",
    "密码": "Password",
    "已退出。": "Signed out.",
    "用户名或密码错误。": "Wrong username or password.",
    "请稍后再试。": "Try again later.",
})
