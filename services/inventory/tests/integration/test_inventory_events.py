"""Events consumed and raised, through the real processor on PostgreSQL: delivery and
pickup confirmations, renovation device requests (nearest station, none available,
delivered -> allocated, failed -> released), redelivery with no second effect, the
periodic jobs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from inventory.adapters import orm
from inventory.domain.reservations import Reservation
from inventory.service_layer import jobs
from inventory.service_layer import rentals as rental_uc
from inventory.service_layer.rentals import CheckOut
from inventory_testkit import (
    BO,
    OVERDUE_RENTAL,
    ST,
    TY,
    add_units,
    count,
    outbox,
    principal,
    today,
    unit_status,
    uow_of,
)
from svckit.service import ServiceContext
from svckit.testing import event_json

NOW = datetime.now(UTC)


def _rental(ctx: ServiceContext, delivery: bool = True) -> Any:
    return rental_uc.check_out(uow_of(ctx), principal("clerk", "DCF"), CheckOut(
        station_id=ST["DCF"], borrower_id=BO["B6"], due_on=today() + timedelta(days=10),
        type_id=TY["WC"], home_delivery=delivery), now=NOW)


def _task(kind: str, source_id: str, *, failed: bool = False, service: str = "inventory",
          event_id: uuid.UUID | None = None) -> str:
    base = {"task_id": uuid.uuid4(), "source": {"service": service, "kind": kind,
                                                "id": source_id},
            "division_code": "371502"}
    if failed:
        return event_json("volunteer.task_failed", {
            **base, "task_type": "deliver_device", "reason": "家中无人",
            "failed_at": NOW}, producer="volunteer", event_id=event_id)
    return event_json("volunteer.task_completed", {
        **base, "task_type": "deliver_device" if "delivery" in kind else "pickup_device",
        "volunteer_id": uuid.uuid4(), "completed_at": NOW, "outcome": "completed",
        "result": {"note": "已送达"}}, producer="volunteer", event_id=event_id)


def _logistics(ctx: ServiceContext, rental_id: uuid.UUID) -> str:
    with ctx.engine.connect() as conn:
        return str(conn.execute(sa.select(orm.rentals.c.logistics).where(
            orm.rentals.c.id == rental_id)).scalar_one())


class TestDeliveryAndPickup:
    def test_delivery_completed_shows_delivered_and_a_redelivery_changes_nothing(
            self, ctx: ServiceContext) -> None:
        rental = _rental(ctx)
        body = _task("rental_delivery", str(rental.id))
        first = ctx.processor().process(body, {})
        assert (first.action, first.applied) == ("ack", 1)
        assert _logistics(ctx, rental.id) == "delivered"
        second = ctx.processor().process(body, {})
        assert (second.action, second.applied, second.duplicates) == ("ack", 0, 1)
        assert count(ctx, orm.visit_reports) == 1
        assert _logistics(ctx, rental.id) == "delivered"

    def test_pickup_completed_shows_picked_up(self, ctx: ServiceContext) -> None:
        rental = _rental(ctx, delivery=False)
        rental_uc.request_pickup(uow_of(ctx), principal("clerk", "DCF"), rental.id, now=NOW)
        [event] = outbox(ctx, "rental.pickup_requested")
        assert event["payload"]["source"]["kind"] == "rental_pickup"
        ctx.processor().process(_task("rental_pickup", str(rental.id)), {})
        assert _logistics(ctx, rental.id) == "picked_up"

    def test_failed_delivery_is_recorded_and_can_be_asked_again(self, ctx: ServiceContext) -> None:
        rental = _rental(ctx)
        out = ctx.processor().process(_task("rental_delivery", str(rental.id), failed=True), {})
        assert out.applied == 1
        assert _logistics(ctx, rental.id) == "none"
        with ctx.engine.connect() as conn:
            [report] = conn.execute(sa.select(orm.visit_reports)).mappings().all()
        assert (report["outcome"], report["note"]) == ("failed", "家中无人")
        rental_uc.request_delivery(uow_of(ctx), principal("clerk", "DCF"), rental.id, now=NOW)
        assert len(outbox(ctx, "rental.delivery_requested")) == 2

    def test_other_services_tasks_are_ignored(self, ctx: ServiceContext) -> None:
        rental = _rental(ctx)
        out = ctx.processor().process(
            _task("assessment", str(rental.id), service="renovation"), {})
        assert out.action == "ack"
        assert _logistics(ctx, rental.id) == "delivery_requested"
        assert count(ctx, orm.visit_reports) == 0

    def test_unknown_rental_is_parked(self, ctx: ServiceContext) -> None:
        out = ctx.processor().process(_task("rental_delivery", str(uuid.uuid4())), {})
        assert (out.action, out.reason) == ("park", "rejected")


def _device_request(division: str = "371525", iso: str = "09 33 03",
                    request_id: uuid.UUID | None = None) -> tuple[uuid.UUID, str]:
    rid = request_id or uuid.uuid4()
    return rid, event_json("renovation.device_requested", {
        "request_id": rid, "application_id": uuid.uuid4(), "iso_code": iso,
        "item_name": "洗浴椅", "division_code": division,
        "address": "聊城市冠县清泉街道冠宜春路77号", "contact_name": "杨某",
        "contact_phone": "138****1206"}, producer="renovation")


class TestRenovationDeviceRequests:
    def test_reserves_at_the_same_county_and_asks_for_delivery(self, ctx: ServiceContext) -> None:
        request_id, body = _device_request("371525")
        assert ctx.processor().process(body, {}).applied == 1
        [reserved] = outbox(ctx, "device.reserved")
        p = reserved["payload"]
        assert p["request_id"] == str(request_id) and p["station_name"] == "冠县辅具租赁服务站"
        assert p["asset_tag"] == "LC-GX-SC-01"
        assert unit_status(ctx, uuid.UUID(p["unit_id"])) == "reserved"
        [delivery] = outbox(ctx, "rental.delivery_requested")
        d = delivery["payload"]
        assert d["source"] == {"service": "inventory", "kind": "device_delivery",
                               "id": p["reservation_id"]}
        assert (d["reservation_id"], d["rental_id"]) == (p["reservation_id"], None)
        # the same event again: no second hold; the same request in a new event: neither
        assert ctx.processor().process(body, {}).duplicates == 1
        ctx.processor().process(_device_request("371525", request_id=request_id)[1], {})
        assert count(ctx, orm.reservations) == 1

    def test_falls_back_to_another_station_of_the_city(self, ctx: ServiceContext) -> None:
        ctx.processor().process(_device_request("371525")[1], {})  # 冠县's only shower chair
        _, body = _device_request("371525")
        ctx.processor().process(body, {})
        second = outbox(ctx, "device.reserved")[1]["payload"]
        assert second["station_name"] != "冠县辅具租赁服务站"

    def test_none_in_the_city_says_so(self, ctx: ServiceContext) -> None:
        request_id, body = _device_request("370705")  # 潍坊 奎文区: no station of ours there
        ctx.processor().process(body, {})
        [event] = outbox(ctx, "device.unavailable")
        assert event["payload"]["request_id"] == str(request_id)
        assert count(ctx, orm.reservations) == 0
        _, unknown = _device_request("371525", iso="24 18 06")
        ctx.processor().process(unknown, {})
        assert len(outbox(ctx, "device.unavailable")) == 2

    def test_delivered_device_is_allocated_to_the_household(self, ctx: ServiceContext) -> None:
        request_id, body = _device_request("371525")
        ctx.processor().process(body, {})
        reserved = outbox(ctx, "device.reserved")[0]["payload"]
        done = _task("device_delivery", reserved["reservation_id"])
        assert ctx.processor().process(done, {}).applied == 1
        assert unit_status(ctx, uuid.UUID(reserved["unit_id"])) == "allocated"
        with ctx.engine.connect() as conn:
            [alloc] = conn.execute(sa.select(orm.allocations)).mappings().all()
        assert (alloc["request_ref"], alloc["borrower_id"]) == (str(request_id), None)
        [delivered] = outbox(ctx, "device.delivered")
        assert delivered["payload"]["request_id"] == str(request_id)
        assert ctx.processor().process(done, {}).duplicates == 1
        assert len(outbox(ctx, "device.delivered")) == 1

    def test_failed_delivery_releases_the_hold(self, ctx: ServiceContext) -> None:
        request_id, body = _device_request("371525")
        ctx.processor().process(body, {})
        reserved = outbox(ctx, "device.reserved")[0]["payload"]
        ctx.processor().process(_task("device_delivery", reserved["reservation_id"],
                                      failed=True), {})
        assert unit_status(ctx, uuid.UUID(reserved["unit_id"])) == "available"
        [event] = outbox(ctx, "device.unavailable")
        assert event["payload"]["request_id"] == str(request_id)
        assert "家中无人" in event["payload"]["reason"]


class TestJobs:
    def test_overdue_scan_raises_once_per_spell(self, ctx: ServiceContext) -> None:
        assert jobs.overdue_scan(ctx) == 1
        assert jobs.overdue_scan(ctx) == 0
        [event] = outbox(ctx, "rental.overdue")
        p = event["payload"]
        assert event["subject_id"] == str(OVERDUE_RENTAL)
        assert p["source"]["kind"] == "overdue_call"
        assert p["source"]["id"] == f"{OVERDUE_RENTAL}:{p['due_on']}"
        assert p["days_overdue"] == 10 and "*" in p["borrower_certificate"]

    def test_a_new_spell_after_an_extension_is_raised_again(self, ctx: ServiceContext) -> None:
        jobs.overdue_scan(ctx)
        rental_uc.extend(uow_of(ctx), principal("staff"), OVERDUE_RENTAL,
                         today() + timedelta(days=1), now=NOW)
        assert jobs.overdue_scan(ctx, NOW + timedelta(days=3)) == 0  # reminded, not called
        assert jobs.overdue_scan(ctx, NOW + timedelta(days=9)) == 1
        first, second = outbox(ctx, "rental.overdue")
        assert first["payload"]["source"]["id"] != second["payload"]["source"]["id"]

    def test_expired_holds_free_their_unit(self, ctx: ServiceContext) -> None:
        request_id, body = _device_request("371525")
        ctx.processor().process(body, {})
        reserved = outbox(ctx, "device.reserved")[0]["payload"]
        assert jobs.expire_reservations(ctx, NOW + timedelta(days=31)) == 1
        assert unit_status(ctx, uuid.UUID(reserved["unit_id"])) == "available"
        uow = uow_of(ctx)
        with uow:
            res = uow.repo.get(Reservation, uuid.UUID(reserved["reservation_id"]))
            assert res is not None and res.status == "expired"
        [cancelled] = outbox(ctx, "rental.visit_cancelled")
        assert cancelled["payload"]["source"]["kind"] == "device_delivery"
        assert outbox(ctx, "device.unavailable")[0]["payload"]["request_id"] == str(request_id)

    def test_cleaned_units_become_available(self, ctx: ServiceContext) -> None:
        [unit] = add_units(ctx, "DCF", "SC", 1)
        rental = rental_uc.check_out(uow_of(ctx), principal("clerk", "DCF"), CheckOut(
            station_id=ST["DCF"], borrower_id=BO["B6"], due_on=today() + timedelta(days=5),
            unit_id=unit), now=NOW)
        rental_uc.return_rental(uow_of(ctx), principal("clerk", "DCF"), rental.id,
                                rental_uc.Return(condition="A"), now=NOW)
        assert jobs.release_cleaned(ctx, NOW + timedelta(hours=1)) == 0
        assert jobs.release_cleaned(ctx, NOW + timedelta(hours=49)) == 1
        assert unit_status(ctx, unit) == "available"


def test_every_staged_event_validates_against_the_catalogue(ctx: ServiceContext) -> None:
    from svckit.events.catalogue import load_all

    _rental(ctx)
    ctx.processor().process(_device_request("371525")[1], {})
    jobs.overdue_scan(ctx)
    catalogue = load_all()
    events = outbox(ctx)
    assert {e["type"] for e in events} >= {"rental.checked_out", "rental.delivery_requested",
                                          "device.reserved", "rental.overdue"}
    for e in events:
        catalogue.load(e["type"], e["version"], e["payload"])
        assert e["producer"] == "inventory"
