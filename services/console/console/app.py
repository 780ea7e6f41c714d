"""The console's Flask application: settings, security headers, error pages, blueprints."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import requests
from flask import Flask, Response, flash, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers.response import Response as BaseResponse

from console import api, formatting, people, problems, sessions, signed_links
from console.auth import user
from console.config import ConsoleSettings
from console.i18n import LANGS
from console.i18n import gettext as _
from console.links import back, here

log = logging.getLogger("console")


def create_app(settings: ConsoleSettings | None = None) -> Flask:
    settings = settings or ConsoleSettings()
    app = Flask("console")
    app.config.update(
        CONSOLE=settings,
        SECRET_KEY=settings.secret(),
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
    app.session_interface = sessions.ServerSessionInterface(
        sessions.store_for(redis_url, settings.redis_prefix, settings.var_dir),
        idle=settings.session_idle_minutes * 60, absolute=settings.session_max_hours * 3600,
        secure=settings.cookie_secure)
    CSRFProtect(app)
    app.extensions["link_keys"] = signed_links.keys_for(settings)
    app.extensions["used_links"] = signed_links.used_links_for(settings)
    app.jinja_env.globals.update(
        _=_, user=user, langs=LANGS, here=here, field_errors=problems.field_errors,
        kept=problems.kept, unplaced_errors=problems.unplaced_errors,
        idempotency_key=api.new_idempotency_key)
    app.jinja_env.filters.update(yuan=formatting.yuan, amount=formatting.amount,
                                 local_time=formatting.local_time, person=people.name_of)
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.before_request
    def _context() -> None:
        code = request.args.get("lang") or request.cookies.get("lang") or "zh"
        g.lang = code if code in LANGS else "zh"
        g.request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex

    @app.after_request
    def _headers(resp: Response) -> Response:
        if request.endpoint != "static":
            # pages show personal data and carry CSRF tokens: never kept by a browser or proxy
            resp.headers["Cache-Control"] = "no-store"
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
        return redirect(url_for("auth.login", next=here()))

    @app.errorhandler(api.ApiError)
    def _api_error(exc: api.ApiError) -> Any:
        if request.method == "POST" and exc.status in problems.REFUSALS:
            problems.flash_problem(exc)
            return redirect(back(url_for("auth.home")))
        status = exc.status if exc.status in (403, 404, 409, 422, 429) else 502
        detail = problems.explain(exc).top
        return render_template("error.html", status=status, title=_("出错了"),
                               detail="；".join(detail)), status

    @app.errorhandler(requests.RequestException)
    def _unreachable(exc: requests.RequestException) -> Any:
        log.warning("service unreachable: %s", type(exc).__name__)
        return render_template("error.html", status=503, title=_("出错了"),
                               detail=_("服务暂不可用，请稍后重试。")), 503

    @app.errorhandler(CSRFError)
    def _csrf(_exc: CSRFError) -> Any:
        return render_template("error.html", status=400, title=_("出错了"),
                               detail=_("表单已过期，请返回后重新提交。")), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        titles = {403: _("无权访问"), 404: _("页面不存在"), 405: _("页面不存在")}
        code = exc.code or 500
        return render_template("error.html", status=code,
                               title=titles.get(code, _("出错了")), detail=""), code

    from console.views import blueprints

    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    return app
