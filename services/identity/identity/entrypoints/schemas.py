"""Request and response schemas of the identity API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from svckit.auth.principal import Role

USER_ROLES = [r.value for r in Role if r is not Role.SERVICE]


class LoginIn(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=256))


class RefreshIn(Schema):
    refresh_token = fields.String(required=True, load_only=True,
                                  validate=validate.Length(min=10, max=200))


class TokenOut(Schema):
    access_token = fields.String()
    token_type = fields.String(metadata={"example": "Bearer"})
    expires_in = fields.Integer()
    refresh_token = fields.String()
    refresh_expires_in = fields.Integer()


class JwkSchema(Schema):
    kty = fields.String()
    use = fields.String()
    alg = fields.String()
    kid = fields.String()
    n = fields.String()
    e = fields.String()


class JwksOut(Schema):
    keys = fields.List(fields.Nested(JwkSchema))


class ScopeFields(Schema):
    stations = fields.List(fields.UUID(), validate=validate.Length(max=50))
    company = fields.UUID(allow_none=True)
    districts = fields.List(fields.String(validate=validate.Length(equal=6)),
                            validate=validate.Length(max=50))
    volunteer_id = fields.UUID(allow_none=True)


class UserIn(ScopeFields):
    username = fields.String(required=True, validate=validate.Length(min=3, max=64))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(required=True, validate=validate.OneOf(USER_ROLES))
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=256))


class UserPatch(ScopeFields):
    display_name = fields.String(validate=validate.Length(min=1, max=100))
    role = fields.String(validate=validate.OneOf(USER_ROLES))


class PasswordIn(Schema):
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=256))
    current_password = fields.String(load_only=True, validate=validate.Length(max=256))


class UserOut(Schema):
    id = fields.UUID()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    stations = fields.List(fields.String())
    company = fields.String(allow_none=True)
    districts = fields.List(fields.String())
    volunteer_id = fields.String(allow_none=True)
    disabled = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    disabled_at = fields.DateTime(allow_none=True)


class UserListArgs(Schema):
    role = fields.String(validate=validate.OneOf(USER_ROLES))
    division = fields.String(
        validate=validate.Regexp(r"^\d{6}$"),
        metadata={"description": "only users whose districts cover this county (6 digits); "
                                 "users without districts cover the whole city"})
    active = fields.Boolean(metadata={"description": "true: enabled users only"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class UserPage(Schema):
    items = fields.List(fields.Nested(UserOut))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
