"""Hardening findings: dates and inputs that once gave 500 or were silently accepted.
Each case is answered 422 naming the field (never 500), and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from inventory.adapters import orm
from inventory_testkit import BO, ST, TY, count, due, outbox
from svckit.service import ServiceContext

H = Callable[..., dict[str, str]]


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _checkout(client: FlaskClient, h: dict[str, str], **body: object) -> tuple[int, dict]:
    payload = {"station_id": str(ST["DCF"]), "borrower_id": str(BO["B6"]),
               "due_on": due(14), "type_id": str(TY["WC"]), **body}
    resp = client.post("/rentals", json=payload, headers=h)
    return resp.status_code, resp.get_json()


YESTERDAY = _iso(datetime.now(UTC) - timedelta(days=1))
BEYOND_HORIZON = _iso(datetime.now(UTC) + timedelta(days=120))


class TestDeliveryBy:
    @pytest.mark.parametrize("delivery_by", [
        YESTERDAY, "0001-01-01T00:00+14:00", "9999-12-31T23:59:59-12:00", BEYOND_HORIZON,
    ])
    def test_outside_the_future_horizon_is_422_and_writes_nothing(
            self, client: FlaskClient, ctx: ServiceContext, headers: H,
            delivery_by: str) -> None:
        before = count(ctx, orm.rentals)
        status, body = _checkout(client, headers("clerk", "DCF"), home_delivery=True,
                                 delivery_by=delivery_by)
        assert status == 422, body
        assert "delivery_by" in body["errors"]
        assert count(ctx, orm.rentals) == before
        assert outbox(ctx, "rental.delivery_requested") == []

    def test_within_the_horizon_is_taken(self, client: FlaskClient, ctx: ServiceContext,
                                         headers: H) -> None:
        by = datetime.now(UTC) + timedelta(days=3)
        status, body = _checkout(client, headers("clerk", "DCF"), home_delivery=True,
                                 delivery_by=_iso(by))
        assert status == 201, body
        [event] = outbox(ctx, "rental.delivery_requested")
        assert datetime.fromisoformat(event["payload"]["window_end"]) == by.replace(
            microsecond=by.microsecond)


class TestVisitWindow:
    @pytest.mark.parametrize("visit", ["delivery", "pickup"])
    @pytest.mark.parametrize("window_end", [
        YESTERDAY, BEYOND_HORIZON, "0001-01-01T00:00+14:00", "9999-12-31T23:59:59-12:00",
    ])
    def test_outside_the_future_horizon_is_422(
            self, client: FlaskClient, ctx: ServiceContext, headers: H, visit: str,
            window_end: str) -> None:
        h = headers("clerk", "DCF")
        status, rental = _checkout(client, h)
        assert status == 201, rental
        resp = client.post(f"/rentals/{rental['id']}/{visit}", json={"window_end": window_end},
                           headers=h)
        assert resp.status_code == 422, resp.get_json()
        assert "window_end" in resp.get_json()["errors"]
        assert outbox(ctx, f"rental.{visit}_requested") == []


class TestUtilisationPeriod:
    @pytest.mark.parametrize("query", [
        "start=0001-01-01&end=0001-01-31",
        "start=9999-12-01&end=9999-12-31",
        "start=2026-03-01&end=2026-02-01",
        "start=2020-01-01&end=2026-01-01",
        "start=2100-12-01",
    ])
    def test_outside_the_system_years_reversed_or_too_long_is_422(
            self, client: FlaskClient, headers: H, query: str) -> None:
        resp = client.get(f"/reports/utilisation?{query}", headers=headers("staff"))
        assert resp.status_code == 422, resp.get_json()
        named = {key.removeprefix("query.") for key in resp.get_json()["errors"]}
        assert named & {"start", "end"}


class TestStrictBooleans:
    @pytest.mark.parametrize("value", ["yes", 1, "true", 0])
    def test_dibao_must_be_a_json_boolean(self, client: FlaskClient, ctx: ServiceContext,
                                          headers: H, value: object) -> None:
        h = headers("clerk", "DCF")
        before = count(ctx, orm.borrowers)
        resp = client.post("/borrowers", json={
            "certificate_number": "37150219800101001X11", "name": "王五", "phone": "13800001111",
            "address": "东昌府区柳园街道1号", "division_code": "371502", "dibao": value,
            "consent": True}, headers=h)
        assert resp.status_code == 422 and "dibao" in resp.get_json()["errors"]
        assert count(ctx, orm.borrowers) == before
        bid = str(BO["B6"])
        resp = client.patch(f"/borrowers/{bid}", json={"dibao": value}, headers=h)
        assert resp.status_code == 422 and "dibao" in resp.get_json()["errors"]


def test_the_report_itself_refuses_dates_outside_the_system_years(ctx: ServiceContext) -> None:
    """Not only the HTTP parser: a caller of the use case cannot make it overflow."""
    from datetime import date

    from inventory.service_layer import queries
    from inventory_testkit import uow_of
    from svckit.auth.principal import Principal, Role
    from svckit.domain.errors import ValidationFailed

    staff = Principal(sub="s", role=Role.STAFF)
    for start, end in ((date(1, 1, 1), date(1, 1, 31)), (date(9999, 12, 1), date(9999, 12, 31)),
                       (None, date(1, 1, 2))):
        with pytest.raises(ValidationFailed):
            queries.utilisation_report(uow_of(ctx), staff, start, end,
                                       now=datetime.now(UTC))
