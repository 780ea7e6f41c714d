"""Use cases driven by other services' events (called from ``entrypoints/handlers.py``
inside the consumer's unit of work, which already holds the inbox row: they add events
but never commit).

* ``renovation.device_requested``: hold a unit of the ISO type at the household's nearest
  station (same county first, then the rest of the city), ask volunteers to deliver it
  and answer ``device.reserved``; or answer ``device.unavailable``.
* ``volunteer.task_completed`` / ``volunteer.task_failed`` for the visits this service
  asked for: the rental shows delivered / picked up; a renovation device reaching the
  household is allocated (发放) to it by request reference and ``device.delivered``
  is raised; a failed renovation delivery releases the hold (``device.unavailable``).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from svckit.domain.division import city_of
from svckit.messaging.consumer import Reject

from inventory.domain.allocations import Allocation
from inventory.domain.catalogue import Station, normalise_iso_code, rank_stations
from inventory.domain.rentals import Logistics, Rental
from inventory.domain.reservations import Reservation, ReservationStatus
from inventory.domain.units import Unit
from inventory.service_layer import messages
from inventory.service_layer.stock import release_request_hold_effects
from inventory.service_layer.uow import InventoryUoW

log = logging.getLogger(__name__)

#: how long a unit stays held for a renovation household while volunteers deliver it
REQUEST_HOLD = timedelta(days=30)


def device_requested(uow: InventoryUoW, payload: dict[str, Any], *, now: datetime) -> str:
    """Returns what happened: ``reserved``, ``unavailable`` or ``already-answered``."""
    request_id: uuid.UUID = payload["request_id"]
    ref = str(request_id)
    # The same request sent again (a new event id) must not hold a second unit.
    if any(r.status in (ReservationStatus.HELD, ReservationStatus.FULFILLED)
           for r in uow.repo.reservations_for_request(ref)):
        return "already-answered"
    try:
        iso = normalise_iso_code(payload["iso_code"])
    except ValueError:
        iso = None
    device_type = uow.repo.type_by_iso(iso) if iso else None
    if device_type is None:
        messages.device_unavailable(
            uow, request_id, f"辅具目录中没有分类代码为{payload['iso_code']}的设备 "
            "(no such device type in the catalogue)")
        return "unavailable"
    division = payload["division_code"]
    # nearest first (same county, then the rest of the city); one locked pick per station,
    # skipping units that a concurrent check-out or request is taking
    ranked = rank_stations(division, uow.repo.stations_in_city(city_of(division)[:4]))
    found: tuple[Station, Unit] | None = None
    for station in ranked:
        unit = uow.repo.pick_free_unit(device_type.id, station.id)
        if unit is not None:
            found = (station, unit)
            break
    if found is None:
        messages.device_unavailable(
            uow, request_id, f"本市各租赁站暂无可用的{device_type.name_zh} "
            "(none in stock at the stations of the household's city)")
        return "unavailable"
    station, unit = found
    reservation = Reservation.place(unit=unit, station=station, now=now,
                                    expires_at=now + REQUEST_HOLD, request_ref=ref)
    uow.repo.add(reservation)
    uow.session.flush()
    messages.device_delivery_requested(
        uow, reservation, unit, payload["item_name"], division, payload["address"],
        payload.get("contact_name"), payload.get("contact_phone"), now)
    messages.device_reserved(uow, request_id, reservation, unit, station)
    return "reserved"


def _record(uow: InventoryUoW, event_id: str, payload: dict[str, Any], outcome: str,
            note: str, at: datetime) -> None:
    src = payload["source"]
    uow.repo.record_visit(
        event_id=event_id, task_id=payload["task_id"], source_kind=src["kind"],
        source_id=src["id"], outcome=outcome, note=(note or "")[:500], at=at,
        recorded_at=datetime.now(UTC),
    )


def _rental(uow: InventoryUoW, source_id: str) -> Rental:
    try:
        rental_id = uuid.UUID(source_id)
    except ValueError:
        raise Reject(f"source id {source_id!r} is not a rental id") from None
    rental = uow.repo.get(Rental, rental_id, lock=True)
    if rental is None:
        raise Reject(f"no rental {rental_id}")
    return rental


def _reservation(uow: InventoryUoW, source_id: str) -> tuple[Reservation, Unit]:
    try:
        reservation_id = uuid.UUID(source_id)
    except ValueError:
        raise Reject(f"source id {source_id!r} is not a reservation id") from None
    reservation = uow.repo.get(Reservation, reservation_id, lock=True)
    if reservation is None or not reservation.request_ref:
        raise Reject(f"no renovation reservation {reservation_id}")
    unit = uow.repo.get(Unit, reservation.unit_id, lock=True)
    assert unit is not None
    return reservation, unit


def task_completed(uow: InventoryUoW, event_id: str, payload: dict[str, Any]) -> str:
    src = payload["source"]
    kind, at = src["kind"], payload["completed_at"]
    result = payload.get("result") or {}
    _record(uow, event_id, payload, payload["outcome"], result.get("note") or "", at)
    if kind == "rental_delivery":
        rental = _rental(uow, src["id"])
        if rental.logistics == Logistics.DELIVERY_REQUESTED:
            rental.confirm_delivery(at)
            return "delivered"
        return f"ignored ({rental.logistics})"
    if kind == "rental_pickup":
        rental = _rental(uow, src["id"])
        if rental.logistics == Logistics.PICKUP_REQUESTED:
            rental.confirm_pickup(at)
            return "picked_up"
        return f"ignored ({rental.logistics})"
    if kind == "device_delivery":
        reservation, unit = _reservation(uow, src["id"])
        if reservation.status != ReservationStatus.HELD:
            log.warning("device delivery %s completed but the hold is %s",
                        reservation.id, reservation.status)
            return f"ignored ({reservation.status})"
        assert reservation.request_ref
        if reservation.is_expired(at):  # delivered late: it is at the home all the same
            reservation.expires_at = at + timedelta(seconds=1)
        allocation = Allocation.for_request(
            unit=unit, reservation=reservation, now=at,
            reason=f"无障碍改造方案配送 (renovation request {reservation.request_ref})")
        uow.repo.add(allocation)
        messages.device_delivered(uow, uuid.UUID(reservation.request_ref), unit, at)
        return "allocated"
    return "recorded"


def task_failed(uow: InventoryUoW, event_id: str, payload: dict[str, Any]) -> str:
    src = payload["source"]
    kind, at, reason = src["kind"], payload["failed_at"], payload["reason"]
    _record(uow, event_id, payload, "failed", reason, at)
    if kind == "rental_delivery":
        rental = _rental(uow, src["id"])
        if rental.logistics == Logistics.DELIVERY_REQUESTED:
            # back to "no delivery" so that the clerk can ask again or hand it over
            rental.cancel_delivery(at)
            rental.events.clear()
            return "delivery-reset"
        return "recorded"
    if kind == "device_delivery":
        reservation, unit = _reservation(uow, src["id"])
        if reservation.status != ReservationStatus.HELD:
            return f"ignored ({reservation.status})"
        reservation.cancel(unit, at)
        assert reservation.request_ref
        messages.device_unavailable(uow, uuid.UUID(reservation.request_ref),
                                    f"配送失败：{reason}")
        return "released"
    return "recorded"


def expire_hold(uow: InventoryUoW, reservation: Reservation, now: datetime) -> None:
    unit = uow.repo.get(Unit, reservation.unit_id, lock=True)
    assert unit is not None
    reservation.expire(unit, now)
    if reservation.request_ref:
        release_request_hold_effects(uow, reservation, "预约已超时，设备已释放 (hold expired)")

