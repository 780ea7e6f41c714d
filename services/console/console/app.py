"""The console's Flask application."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import (
    Blueprint,
    Flask,
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers.response import Response as BaseResponse

from console import api, formatting
from console.auth import HOME, user
from console.config import ConsoleSettings
from console.i18n import gettext as _

log = logging.getLogger("console")

bp = Blueprint("auth", __name__)

LANGS = ("zh", "en")


def flash_problem(exc: api.ApiError) -> None:
    """A service's refusal as messages the user can act on (field by field)."""
    flash(exc.detail or exc.title, "error")
    for field, messages in exc.field_errors.items():
        for message in messages:
            flash(f"{field}: {message}", "error")
    if exc.current_state is not None:
        flash(f"{_('当前状态')}: {exc.current_state}", "error")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        try:
            api.login(username, password)
        except api.ApiError as exc:
            error = exc.detail if exc.status == 429 else _("用户名或密码错误。")
        else:
            nxt = _safe_next(request.args.get("next"))
            return redirect(nxt or url_for("auth.home"))
        return render_template("login.html", error=error, username=username), 401
    return render_template("login.html", error=error, username="")


@bp.post("/logout")
def logout() -> BaseResponse:
    api.logout()
    flash(_("已退出。"), "info")
    return redirect(url_for("auth.login"))


@bp.get("/")
def home() -> BaseResponse:
    u = user()
    if u is None:
        return redirect(url_for("auth.login"))
    endpoint = HOME.get(str(u.get("role")))
    if endpoint is None:
        return redirect(url_for("auth.login"))
    return redirect(url_for(endpoint))


@bp.get("/lang/<code>")
def set_lang(code: str) -> BaseResponse:
    resp = redirect(_safe_next(request.args.get("next")) or url_for("auth.home"))
    if code in LANGS:
        resp.set_cookie("lang", code, max_age=365 * 86400, samesite="Lax", httponly=True)
    return resp


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> Any:
    s: ConsoleSettings = bp_settings()
    try:
        r = requests.get(f"{s.url('identity')}/readyz", timeout=3)
        ok = r.status_code == 200
    except requests.RequestException:
        ok = False
    return ({"status": "ok"}, 200) if ok else ({"status": "identity unavailable"}, 503)


def bp_settings() -> ConsoleSettings:
    from flask import current_app

    settings: ConsoleSettings = current_app.config["CONSOLE"]
    return settings


def create_app(settings: ConsoleSettings | None = None) -> Flask:
    settings = settings or ConsoleSettings()
    app = Flask("console")
    app.config.update(
        CONSOLE=settings,
        SECRET_KEY=settings.secret(),
        SESSION_COOKIE_NAME="console_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    CSRFProtect(app)
    app.jinja_env.globals.update(_=_, user=user, langs=LANGS, local_time=formatting.local_time)
    app.jinja_env.filters.update(yuan=formatting.yuan, amount=formatting.amount,
                               local_time=formatting.local_time)
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.before_request
    def _context() -> None:
        code = request.args.get("lang") or request.cookies.get("lang") or "zh"
        g.lang = code if code in LANGS else "zh"
        g.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
            "script-src 'self'; form-action 'self'; frame-ancestors 'none'")
        return resp

    @app.errorhandler(api.NotSignedIn)
    def _not_signed_in(_exc: api.NotSignedIn) -> BaseResponse:
        flash(_("请先登录。"), "info")
        return redirect(url_for("auth.login", next=request.full_path))

    @app.errorhandler(api.ApiError)
    def _api_error(exc: api.ApiError) -> Any:
        if request.method == "POST" and exc.status in (400, 409, 412, 422, 429):
            flash_problem(exc)
            return redirect(_safe_next(request.referrer and urlsplit(request.referrer).path)
                            or request.path)
        status = exc.status if exc.status in (403, 404, 409, 422, 429) else 502
        return render_template("error.html", status=status, title=exc.title,
                               detail=exc.detail), status

    @app.errorhandler(requests.RequestException)
    def _unreachable(exc: requests.RequestException) -> Any:
        log.warning("service unreachable: %s", type(exc).__name__)
        return render_template("error.html", status=503, title=_("出错了"),
                               detail=_("服务暂不可用，请稍后重试。")), 503

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        return render_template("error.html", status=400, title=_("出错了"),
                               detail=exc.description), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        titles = {403: _("无权访问"), 404: _("页面不存在")}
        code = exc.code or 500
        return render_template("error.html", status=code,
                               title=titles.get(code, exc.name), detail=""), code

    from console.views import blueprints

    app.register_blueprint(bp)
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    return app
