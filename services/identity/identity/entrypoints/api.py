"""HTTP API: login, refresh, logout, JWKS (no bearer token); user administration (staff).

Failed credentials and invalid refresh tokens are one 401 answer; throttled logins 429 with
``Retry-After``."""

# mypy: disable-error-code="untyped-decorator"
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import redis
from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from svckit.auth.principal import Role
from svckit.http import ratelimit
from svckit.http.app import ProblemSchema, current_principal
from svckit.http.problems import problem
from svckit.http.records import records_blueprint
from svckit.service import ServiceContext

from identity import keys
from identity.adapters.throttle import LoginThrottle
from identity.config import IdentitySettings
from identity.domain.users import Scope
from identity.entrypoints import schemas as s
from identity.service_layer import admin, auth
from identity.service_layer.uow import IdentityUoW

auth_blp = Blueprint("auth", __name__, url_prefix="/",
                     description="登录、刷新令牌与公钥 Login, refresh tokens and the JWKS")
users_blp = Blueprint("users", __name__, url_prefix="/users",
                      description="用户管理（仅工作人员） User administration (staff only)")

PUBLIC_PATHS = ("/login", "/refresh", "/logout", "/.well-known/")


def _ctx() -> ServiceContext:
    ctx: ServiceContext = current_app.extensions["svckit.context"]
    return ctx


def _uow() -> IdentityUoW:
    uow = _ctx().uow()
    assert isinstance(uow, IdentityUoW)
    return uow


def _opts() -> auth.TokenOptions:
    ctx = _ctx()
    p = ctx.config.platform
    return auth.TokenOptions(keys.of(ctx), issuer=p.auth_issuer, audience=p.auth_audience)


def _now() -> datetime:
    return datetime.now(UTC)


def _client() -> str:
    return _uow_settings().client_of(request.remote_addr,
                                     request.headers.get("X-Forwarded-For"))


def _uow_settings() -> IdentitySettings:
    settings: IdentitySettings = _ctx().settings
    return settings


def _throttle() -> LoginThrottle:
    return LoginThrottle(ratelimit.store(), _uow_settings())


def _tokens(issued: auth.Issued) -> dict[str, Any]:
    return {"access_token": issued.access_token, "token_type": "Bearer",
            "expires_in": issued.expires_in, "refresh_token": issued.refresh_token,
            "refresh_expires_in": issued.refresh_expires_in}


@auth_blp.app_errorhandler(auth.LoginFailed)
def _login_failed(exc: auth.LoginFailed) -> Response:
    return problem(401, exc.code, exc.detail,
                   headers={"WWW-Authenticate": 'Bearer error="invalid_grant"'})


@auth_blp.app_errorhandler(redis.RedisError)
def _counters_unavailable(exc: redis.RedisError) -> Response:
    # no login without its failure counts (that would lift the throttling)
    current_app.logger.error("login counters unavailable: %s", exc)
    return problem(503, "service-unavailable",
                   "登录服务暂不可用，请稍后再试 (login temporarily unavailable)",
                   headers={"Retry-After": "5"})


@auth_blp.app_errorhandler(auth.TooManyAttempts)
def _too_many(exc: auth.TooManyAttempts) -> Response:
    return problem(429, exc.code, exc.detail, headers={"Retry-After": str(exc.retry_after)})


@auth_blp.route("/login")
class Login(MethodView):
    @auth_blp.arguments(s.LoginIn)
    @auth_blp.response(200, s.TokenOut)
    @auth_blp.alt_response(401, schema=ProblemSchema)
    @auth_blp.alt_response(429, schema=ProblemSchema)
    @auth_blp.alt_response(503, schema=ProblemSchema)
    @auth_blp.doc(security=[])
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """登录：用户名和密码换取访问令牌与刷新令牌 Log in"""
        return _tokens(auth.login(_uow(), _opts(), _throttle(), username=body["username"],
                                  password=body["password"], client=_client(), now=_now()))


@auth_blp.route("/refresh")
class Refresh(MethodView):
    @auth_blp.arguments(s.RefreshIn)
    @auth_blp.response(200, s.TokenOut)
    @auth_blp.alt_response(401, schema=ProblemSchema)
    @auth_blp.doc(security=[])
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """刷新：旧刷新令牌作废，换发新的一对 Rotate the refresh token"""
        return _tokens(auth.refresh(_uow(), _opts(), refresh_token=body["refresh_token"],
                                    now=_now()))


@auth_blp.route("/logout")
class Logout(MethodView):
    @auth_blp.arguments(s.RefreshIn)
    @auth_blp.response(204)
    @auth_blp.doc(security=[])
    def post(self, body: dict[str, Any]) -> None:
        """退出：注销该刷新令牌所属的整个令牌族 Log out"""
        auth.logout(_uow(), refresh_token=body["refresh_token"], now=_now())


@auth_blp.route("/.well-known/jwks.json")
class Jwks(MethodView):
    @auth_blp.response(200, s.JwksOut)
    @auth_blp.doc(security=[])
    def get(self) -> dict[str, Any]:
        """签名公钥 (JWKS) The public key that verifies access tokens"""
        return {"keys": [keys.of(_ctx()).jwk()]}


def _scope(body: dict[str, Any]) -> Scope:
    return Scope(stations=tuple(str(x) for x in body.get("stations") or ()),
                 company=str(body["company"]) if body.get("company") else None,
                 districts=tuple(body.get("districts") or ()),
                 volunteer_id=str(body["volunteer_id"]) if body.get("volunteer_id") else None)


@users_blp.route("")
class Users(MethodView):
    @users_blp.arguments(s.UserListArgs, location="query")
    @users_blp.response(200, s.UserPage)
    @users_blp.alt_response(403, schema=ProblemSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """用户列表 List users (staff; inspectors read it for names)"""
        items, total = admin.list_users(_uow(), current_principal(), role=args.get("role"),
                                        page=args["page"], page_size=args["page_size"],
                                        division=args.get("division"),
                                        active=args.get("active"))
        return {"items": items, "total": total, "page": args["page"],
                "page_size": args["page_size"]}

    @users_blp.arguments(s.UserIn)
    @users_blp.response(201, s.UserOut)
    @users_blp.alt_response(403, schema=ProblemSchema)
    @users_blp.alt_response(422, schema=ProblemSchema)
    def post(self, body: dict[str, Any]) -> Any:
        """新建用户 Create a user with a role and its scope (staff)"""
        return admin.create_user(_uow(), current_principal(), admin.NewUser(
            username=body["username"], display_name=body["display_name"],
            role=Role(body["role"]), scope=_scope(body), password=body["password"]), now=_now())


@users_blp.route("/<uuid:user_id>")
class UserItem(MethodView):
    @users_blp.response(200, s.UserOut)
    @users_blp.alt_response(404, schema=ProblemSchema)
    def get(self, user_id: UUID) -> Any:
        """用户详情 A user (staff, or the user themself)"""
        return admin.get_user(_uow(), current_principal(), user_id)

    @users_blp.arguments(s.UserPatch)
    @users_blp.response(200, s.UserOut)
    @users_blp.alt_response(403, schema=ProblemSchema)
    @users_blp.alt_response(404, schema=ProblemSchema)
    def patch(self, body: dict[str, Any], user_id: UUID) -> Any:
        """修改姓名、角色或权限范围 Change the name, role or scope (staff)"""
        scope_given = any(k in body for k in ("stations", "company", "districts",
                                              "volunteer_id"))
        return admin.update_user(
            _uow(), current_principal(), user_id, display_name=body.get("display_name"),
            role=Role(body["role"]) if body.get("role") else None,
            scope=_scope(body) if scope_given or body.get("role") else None, now=_now())


@users_blp.route("/<uuid:user_id>/disable")
class Disable(MethodView):
    @users_blp.response(200, s.UserOut)
    @users_blp.alt_response(403, schema=ProblemSchema)
    def post(self, user_id: UUID) -> Any:
        """停用：刷新令牌立即失效 Disable (its refresh tokens stop at once) (staff)"""
        return admin.set_disabled(_uow(), current_principal(), user_id, True, now=_now())


@users_blp.route("/<uuid:user_id>/enable")
class Enable(MethodView):
    @users_blp.response(200, s.UserOut)
    @users_blp.alt_response(403, schema=ProblemSchema)
    def post(self, user_id: UUID) -> Any:
        """启用 Enable (staff)"""
        return admin.set_disabled(_uow(), current_principal(), user_id, False, now=_now())


@users_blp.route("/<uuid:user_id>/password")
class Password(MethodView):
    @users_blp.arguments(s.PasswordIn)
    @users_blp.response(204)
    @users_blp.alt_response(404, schema=ProblemSchema)
    @users_blp.alt_response(422, schema=ProblemSchema)
    def post(self, body: dict[str, Any], user_id: UUID) -> None:
        """设置密码（本人需提供当前密码；工作人员可重置；清除登录失败记录） Set a password"""
        admin.set_password(_uow(), _throttle(), current_principal(), user_id,
                           password=body["password"],
                           current_password=body.get("current_password"), now=_now())


@users_blp.route("/<uuid:user_id>/unlock")
class Unlock(MethodView):
    @users_blp.response(200, s.UserOut)
    @users_blp.alt_response(403, schema=ProblemSchema)
    @users_blp.alt_response(404, schema=ProblemSchema)
    def post(self, user_id: UUID) -> Any:
        """解锁：清除该账号的登录失败记录 Unlock: forget the account's failed logins (staff)"""
        return admin.unlock(_uow(), _throttle(), current_principal(), user_id, now=_now())


def blueprints(_ctx: ServiceContext) -> list[Blueprint]:
    # GET /audit: who created, changed, disabled or enabled a user, set a password, revoked
    # tokens (city-wide staff and inspectors; secrets appear only as "[redacted]")
    return [auth_blp, users_blp, records_blueprint()]
