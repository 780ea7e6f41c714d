"""Use cases driven by other services' events (called from ``entrypoints/handlers.py``
inside the consumer's unit of work, which already holds the inbox row: the aggregates
record their events, the unit of work maps them when the runner commits).

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
from datetime import datetime, timedelta
from typing import Any

from svckit.domain.clock import utcnow
from svckit.domain.division import city_of
from svckit.messaging.consumer import Reject

from inventory.domain.allocations import Allocation
from inventory.domain.catalogue import normalise_iso_code, rank_stations
from inventory.domain.rentals import Logistics, Rental
from inventory.domain.reservations import DeviceRequest, Reservation, ReservationStatus
from inventory.domain.units import Unit
from inventory.service_layer.uow import InventoryUoW

log = logging.getLogger(__name__)

#: how long a unit stays held for a renovation household while volunteers deliver it
REQUEST_HOLD = timedelta(days=30)


def device_requested(uow: InventoryUoW, payload: dict[str, Any], *, now: datetime) -> str:
    """Returns what happened: ``reserved``, ``unavailable`` or ``already-answered``."""
    request = DeviceRequest(
        request_id=payload["request_id"], item_name=payload["item_name"],
        division_code=payload["division_code"], address=payload["address"],
        contact_name=payload.get("contact_name"), contact_phone=payload.get("contact_phone"))
    # The same request sent again (a new event id) must not hold a second unit.
    if any(r.status in (ReservationStatus.HELD, ReservationStatus.FULFILLED)
           for r in uow.repo.reservations_for_request(request.ref)):
        return "already-answered"
    uow.track(request)
    try:
        iso = normalise_iso_code(payload["iso_code"])
    except ValueError:
        iso = None
    device_type = uow.repo.type_by_iso(iso) if iso else None
    if device_type is None:
        request.unavailable(f"辅具目录中没有分类代码为{payload['iso_code']}的设备 "
                            "(no such device type in the catalogue)", now)
        return "unavailable"
    division = request.division_code
    # nearest first (same county, then the rest of the city); one locked pick per station,
    # skipping units that a concurrent check-out or request is taking
    ranked = rank_stations(division, uow.repo.stations_in_city(city_of(division)[:4]))
    for station in ranked:
        unit = uow.repo.pick_free_unit(device_type.id, station.id)
        if unit is not None:
            uow.repo.add(request.hold(unit=unit, station=station, now=now,
                                      expires_at=now + REQUEST_HOLD))
            uow.session.flush()
            return "reserved"
    request.unavailable(f"本市各租赁站暂无可用的{device_type.name_zh} "
                        "(none in stock at the stations of the household's city)", now)
    return "unavailable"


def _record(uow: InventoryUoW, event_id: str, payload: dict[str, Any], outcome: str,
            note: str, at: datetime) -> None:
    src = payload["source"]
    uow.repo.record_visit(
        event_id=event_id, task_id=payload["task_id"], source_kind=src["kind"],
        source_id=src["id"], outcome=outcome, note=(note or "")[:500], at=at,
        recorded_at=utcnow(),
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
        if rental.logistics in (Logistics.DELIVERY_REQUESTED, Logistics.DELIVERY_FAILED):
            rental.confirm_delivery()
            return "delivered"
        return f"ignored ({rental.logistics})"
    if kind == "rental_pickup":
        rental = _rental(uow, src["id"])
        if rental.logistics in (Logistics.PICKUP_REQUESTED, Logistics.PICKUP_FAILED):
            rental.confirm_pickup()
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
        return "allocated"
    return "recorded"


def task_failed(uow: InventoryUoW, event_id: str, payload: dict[str, Any]) -> str:
    src = payload["source"]
    kind, at, reason = src["kind"], payload["failed_at"], payload["reason"]
    # "expired": nobody took it before its window ended (the clerk may ask again)
    _record(uow, event_id, payload, payload.get("outcome", "failed"), reason, at)
    if kind == "rental_delivery":
        rental = _rental(uow, src["id"])
        if rental.logistics == Logistics.DELIVERY_REQUESTED:
            # back to "no delivery" so that the clerk can ask again or hand it over
            rental.delivery_failed()
            return "delivery-reset"
        return "recorded"
    if kind == "device_delivery":
        reservation, unit = _reservation(uow, src["id"])
        if reservation.status != ReservationStatus.HELD:
            return f"ignored ({reservation.status})"
        reservation.delivery_failed(unit, at, reason)
        return "released"
    return "recorded"


def event_parked(uow: InventoryUoW, subject_id: str, payload: dict[str, Any]) -> str:
    """A consumer parked one of this service's events (``platform.event_parked``; the
    caller ignores other producers'). A parked delivery or pickup request shows on its
    rental; anything else is only logged."""
    event_type = payload["event_type"]
    try:
        rental = uow.repo.get(Rental, uuid.UUID(subject_id), lock=True)
    except ValueError:
        rental = None
    waiting = {"rental.delivery_requested": Logistics.DELIVERY_REQUESTED,
               "rental.pickup_requested": Logistics.PICKUP_REQUESTED}.get(event_type)
    if rental is None or rental.logistics != waiting:
        log.warning("%s parked %s of %s (%s): nothing to show", payload["consumer"],
                    event_type, subject_id, payload["reason"])
        return "logged"
    rental.not_dispatched()
    log.warning("%s parked %s of rental %s (%s): shown as %s", payload["consumer"],
                event_type, rental.id, payload["reason"], rental.logistics)
    return str(rental.logistics)


def expire_hold(uow: InventoryUoW, reservation: Reservation, now: datetime) -> None:
    unit = uow.repo.get(Unit, reservation.unit_id, lock=True)
    assert unit is not None
    reservation.expire(unit, now)

