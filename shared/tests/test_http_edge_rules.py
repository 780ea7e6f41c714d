"""The edge rules every operation of every service gets from svckit's argument parser:
415 for a body that is not JSON, bounded JSON depth, strict JSON types, and dates within
the system's years in the body, the query and the event catalogue alike."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from flask.testing import FlaskClient
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from svckit.auth.tokens import TokenVerifier
from svckit.events.catalogue import Catalogue, InvalidEvent
from svckit.http.app import MAX_JSON_DEPTH, create_app, json_too_deep


class Line(Schema):
    qty = fields.Integer(required=True)


class OrderIn(Schema):
    dibao = fields.Boolean(load_default=False)
    qty = fields.Integer(load_default=1)
    price = fields.Float(load_default=0.0)
    note = fields.String(load_default="")
    due = fields.DateTime(load_default=None, allow_none=True)
    lines = fields.List(fields.Nested(Line), load_default=list)
    tags = fields.List(fields.String(), load_default=list)


class PeriodArgs(Schema):
    start = fields.Date(required=True)


def _app(keypair: tuple[str, str]) -> FlaskClient:
    blp = Blueprint("orders", __name__, url_prefix="/orders")

    @blp.route("")
    class Orders(MethodView):
        @blp.arguments(OrderIn)
        @blp.response(201)
        def post(self, body: dict[str, Any]) -> dict[str, Any]:
            return {"dibao": body["dibao"], "qty": body["qty"]}

        @blp.arguments(PeriodArgs, location="query")
        @blp.response(200)
        def get(self, args: dict[str, Any]) -> dict[str, Any]:
            return {"start": args["start"].isoformat()}

    app = create_app(name="edge", title="edge", version="1", blueprints=[blp],
                     verifier=TokenVerifier(public_key=keypair[1]))
    return app.test_client()


@pytest.fixture
def client(keypair: tuple[str, str]) -> FlaskClient:
    return _app(keypair)


@pytest.fixture
def auth(token_for: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for('staff')}"}


def test_a_json_body_sent_as_text_plain_is_415_not_missing_fields(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    r = client.post("/orders", data=json.dumps({"qty": 2}),
                    headers={**auth, "Content-Type": "text/plain"})
    assert r.status_code == 415 and r.mimetype == "application/problem+json"
    assert "application/json" in r.get_json()["detail"]
    ok = client.post("/orders", json={"qty": 2}, headers=auth)
    assert ok.status_code == 201 and ok.get_json()["qty"] == 2


@pytest.mark.parametrize("value", ["yes", 1, "true", 0, "1"])
def test_booleans_take_json_true_or_false_only(
    client: FlaskClient, auth: dict[str, str], value: object
) -> None:
    r = client.post("/orders", json={"dibao": value}, headers=auth)
    assert r.status_code == 422, r.get_json()
    assert list(r.get_json()["errors"]) == ["dibao"]
    assert client.post("/orders", json={"dibao": True}, headers=auth).get_json()["dibao"] is True


@pytest.mark.parametrize(("field", "value"), [
    ("qty", "12"), ("qty", True), ("qty", 1.5), ("price", "3.2"), ("note", 5),
    ("lines", {"qty": 1}), ("tags", [1]), ("due", 20260101),
])
def test_json_types_are_strict(
    client: FlaskClient, auth: dict[str, str], field: str, value: object
) -> None:
    r = client.post("/orders", json={field: value}, headers=auth)
    assert r.status_code == 422, r.get_json()
    assert [k.split(".")[0] for k in r.get_json()["errors"]] == [field]


def test_nested_values_are_checked_field_by_field(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    r = client.post("/orders", json={"lines": [{"qty": 1}, {"qty": "2"}]}, headers=auth)
    assert r.status_code == 422
    assert r.get_json()["errors"] == {"lines.1.qty": ["必须是整数"]}
    assert r.get_json()["error_codes"] == {"lines.1.qty": ["not-integer"]}


@pytest.mark.parametrize("due", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00",
                                 "1999-12-31T23:00:00+00:00", "2100-12-31T23:30:00-12:00"])
def test_datetimes_outside_the_system_s_years_are_422(
    client: FlaskClient, auth: dict[str, str], due: str
) -> None:
    r = client.post("/orders", json={"due": due}, headers=auth)
    assert r.status_code == 422 and list(r.get_json()["errors"]) == ["due"], r.get_json()
    fine = client.post("/orders", json={"due": "2026-12-31T23:59:59-12:00"}, headers=auth)
    assert fine.status_code == 201


def test_query_dates_outside_the_system_s_years_are_422(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    r = client.get("/orders?start=0001-01-01", headers=auth)
    assert r.status_code == 422 and list(r.get_json()["errors"]) == ["query.start"]
    assert client.get("/orders?start=2026-01-01", headers=auth).status_code == 200


def test_deeply_nested_json_is_400_before_parsing_even_without_a_token(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    body = "[" * 500 + "]" * 500
    for headers in (auth, {}):
        r = client.post("/orders", data=body,
                        headers={**headers, "Content-Type": "application/json"})
        assert r.status_code == 400 and r.mimetype == "application/problem+json"
    assert not json_too_deep(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')
    assert json_too_deep(b"[" * (MAX_JSON_DEPTH + 1))
    assert not json_too_deep(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)


def test_the_catalogue_applies_the_same_years() -> None:
    cat = Catalogue()

    @cat.register("edge.due", 1, "edge", "A due date.")
    class Due(Schema):
        due = fields.DateTime(required=True)

    far = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-12)))
    with pytest.raises(InvalidEvent):
        cat.serialise("edge.due", None, {"due": far})
    with pytest.raises(InvalidEvent):
        cat.load("edge.due", 1, {"due": "1999-01-01T00:00:00+00:00"})
    _spec, data = cat.serialise("edge.due", None, {"due": datetime(2026, 1, 1, tzinfo=UTC)})
    assert data["due"].startswith("2026-01-01")


def test_answers_are_not_cached_nor_sniffed(client: FlaskClient, auth: dict[str, str]) -> None:
    for r in (client.post("/orders", json={}, headers=auth), client.get("/orders"),
              client.get("/healthz")):
        assert r.headers["Cache-Control"] == "no-store"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
