"""The one mapper of the service: domain events -> catalogue events
(``svckit.events.catalogue.inventory``).

The unit of work collects the events the aggregates recorded and calls the function
registered here for each, in the transaction of the change. Events carry the minimum
personal data: the masked certificate, a masked phone, the contact's surname + 某, and
the address only where a volunteer must go to the home. Subjects (the bus keeps order per
subject): the rental id for rental events, the unit id for ``unit.written_off`` and
``unit.available``, the
renovation request id for the ``device.*`` answers and the reservation id for a
renovation device delivery.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from svckit.events.mapper import EventMapper
from svckit.uow import UnitOfWork

from inventory.adapters import orm
from inventory.domain import events as ev
from inventory.domain.allocations import Allocation
from inventory.domain.borrowers import Borrower
from inventory.domain.catalogue import DeviceType, Station
from inventory.domain.rentals import Rental
from inventory.domain.reservations import Reservation
from inventory.domain.units import Unit

SERVICE = "inventory"
#: how long volunteers have for a delivery or pickup unless the clerk says otherwise
DEFAULT_VISIT_WINDOW = timedelta(hours=48)
#: how long volunteers have to bring a renovation household its device
DEVICE_DELIVERY_WINDOW = timedelta(days=7)
#: how long volunteers have for the phone call about an overdue rental
OVERDUE_CALL_WINDOW = timedelta(days=3)

#: what the renovation side and the volunteers are told when a request's hold ends
RELEASE_REASONS = {
    "expired": "预约已超时，设备已释放 (hold expired)",
    "cancelled": "站点取消了预约 (hold cancelled by the station)",
}

mapper = EventMapper(SERVICE)
T = TypeVar("T")


def _get(uow: UnitOfWork, cls: type[T], obj_id: uuid.UUID) -> T:
    """An object the event names (from the session's identity map when it is loaded)."""
    obj = uow.session.get(cls, obj_id)
    assert obj is not None, f"{cls.__name__} {obj_id} is gone"
    return obj


def source(kind: str, source_id: str) -> dict[str, str]:
    return {"service": SERVICE, "kind": kind, "id": source_id}


def _visit(borrower: Borrower, start: datetime, end: datetime | None) -> dict[str, Any]:
    return {
        "division_code": borrower.division_code,
        "address": borrower.address,
        "contact_name": borrower.contact_name,
        "contact_phone": borrower.masked_phone,
        "window_start": start,
        "window_end": end or start + DEFAULT_VISIT_WINDOW,
    }


def _request_id(ref: str | None) -> uuid.UUID | None:
    """The renovation request behind a hold or an allocation (its reference is its id)."""
    try:
        return uuid.UUID(ref) if ref else None
    except ValueError:
        return None


def _numbered(rental: Rental) -> str:
    """The rental's number for a volunteer's summary (``，租赁单号ZL-…``)."""
    return f"，租赁单号{rental.number}" if rental.number else ""


@mapper.on(ev.RentalCheckedOut)
def _checked_out(uow: UnitOfWork, rental: Rental, e: ev.RentalCheckedOut) -> None:
    unit, device_type = _get(uow, Unit, e.unit_id), _get(uow, DeviceType, e.type_id)
    station, borrower = _get(uow, Station, e.station_id), _get(uow, Borrower, e.borrower_id)
    uow.add_event("rental.checked_out", {
        "rental_id": e.rental_id, "unit_id": e.unit_id, "asset_tag": unit.asset_tag,
        "device_type_id": e.type_id, "iso_code": device_type.iso_code,
        "station_id": e.station_id, "division_code": station.division_code,
        "borrower_certificate": borrower.masked_certificate, "due_on": e.due_on,
        "fee_fen": e.fee_fen, "deposit_fen": e.deposit_fen, "waiver": e.waiver,
        "home_delivery": e.home_delivery, "rental_number": rental.number or None,
        **_reminder_fields(borrower, device_type, station),
    }, subject_id=str(e.rental_id))


def _reminder_fields(borrower: Borrower, device_type: DeviceType,
                     station: Station) -> dict[str, Any]:
    """What the borrower's reminders need (notify): the phone (sealed on the broker) and
    the words of the message."""
    return {"borrower_id": borrower.id, "borrower_phone": borrower.phone,
            "device_name": device_type.name_zh, "station_name": station.name}


@mapper.on(ev.RentalExtended)
def _extended(uow: UnitOfWork, rental: Rental, e: ev.RentalExtended) -> None:
    unit, device_type = _get(uow, Unit, e.unit_id), _get(uow, DeviceType, rental.type_id)
    station, borrower = _get(uow, Station, e.station_id), _get(uow, Borrower, e.borrower_id)
    uow.add_event("rental.extended", {
        "rental_id": e.rental_id, "unit_id": e.unit_id, "asset_tag": unit.asset_tag,
        "station_id": e.station_id, "previous_due_on": e.previous_due_on,
        "due_on": e.due_on, "fee_fen": e.fee_fen,
        **_reminder_fields(borrower, device_type, station),
    }, subject_id=str(e.rental_id))


@mapper.on(ev.DeliveryRequested)
def _delivery_requested(uow: UnitOfWork, rental: Rental, e: ev.DeliveryRequested) -> None:
    unit, borrower = _get(uow, Unit, e.unit_id), _get(uow, Borrower, e.borrower_id)
    device_type = _get(uow, DeviceType, unit.type_id)
    uow.add_event("rental.delivery_requested", {
        "source": source("rental_delivery", str(e.rental_id)),
        **_visit(borrower, e.occurred_at, e.window_end),
        "summary": f"将租用的{device_type.name_zh}（{unit.asset_tag}）送到借用人家中"
                   f"{_numbered(rental)}",
        "rental_id": e.rental_id, "rental_number": rental.number or None,
        "reservation_id": None, "station_id": e.station_id,
        "asset_tag": unit.asset_tag,
    }, subject_id=str(e.rental_id))


@mapper.on(ev.PickupRequested)
def _pickup_requested(uow: UnitOfWork, rental: Rental, e: ev.PickupRequested) -> None:
    unit, borrower = _get(uow, Unit, e.unit_id), _get(uow, Borrower, e.borrower_id)
    device_type = _get(uow, DeviceType, unit.type_id)
    uow.add_event("rental.pickup_requested", {
        "source": source("rental_pickup", str(e.rental_id)),
        **_visit(borrower, e.occurred_at, e.window_end),
        "summary": f"上门取回租用的{device_type.name_zh}（{unit.asset_tag}）{_numbered(rental)}",
        "rental_id": e.rental_id, "rental_number": rental.number or None,
        "station_id": e.station_id, "asset_tag": unit.asset_tag,
    }, subject_id=str(e.rental_id))


@mapper.on(ev.DeliveryCancelled)
def _delivery_cancelled(uow: UnitOfWork, rental: Rental, e: ev.DeliveryCancelled) -> None:
    _visit_cancelled(uow, "rental_delivery", str(e.rental_id), e.reason)


def _visit_cancelled(uow: UnitOfWork, kind: str, source_id: str, reason: str) -> None:
    uow.add_event("rental.visit_cancelled", {
        "source": source(kind, source_id), "reason": reason[:200],
    }, subject_id=source_id)


def overdue_source_id(rental_id: uuid.UUID, due_on: Any) -> str:
    """One overdue call per overdue spell: a later due date is a new spell."""
    return f"{rental_id}:{due_on.isoformat()}"


@mapper.on(ev.RentalOverdue)
def _overdue(uow: UnitOfWork, rental: Rental, e: ev.RentalOverdue) -> None:
    borrower = _get(uow, Borrower, e.borrower_id)
    device_type = _get(uow, DeviceType, rental.type_id)
    uow.add_event("rental.overdue", {
        "source": source("overdue_call", overdue_source_id(e.rental_id, e.due_on)),
        **_visit(borrower, e.occurred_at, e.occurred_at + OVERDUE_CALL_WINDOW),
        "summary": f"电话回访：租用的{device_type.name_zh}已逾期{e.days_overdue}天未还，"
                   f"提醒归还或续借{_numbered(rental)}",
        "rental_id": e.rental_id, "rental_number": rental.number or None,
        "station_id": e.station_id, "due_on": e.due_on,
        "days_overdue": e.days_overdue, "borrower_certificate": borrower.masked_certificate,
    }, subject_id=str(e.rental_id))


@mapper.on(ev.RentalReturned)
def _returned(uow: UnitOfWork, rental: Rental, e: ev.RentalReturned) -> None:
    uow.add_event("rental.returned", {
        "rental_id": e.rental_id, "unit_id": e.unit_id, "station_id": e.station_id,
        "condition": str(e.condition), "returned_at": e.occurred_at,
        "refund_fen": e.deposit_refund_fen, "damage_charge_fen": e.damage_charge_fen,
        "rental_number": rental.number or None,
    }, subject_id=str(e.rental_id))


@mapper.on(ev.UnitWrittenOff)
def _written_off(uow: UnitOfWork, unit: Unit, e: ev.UnitWrittenOff) -> None:
    uow.add_event("unit.written_off", {
        "unit_id": e.unit_id, "asset_tag": unit.asset_tag, "station_id": e.station_id,
        "reason": e.reason[:200],
    }, subject_id=str(e.unit_id))


@mapper.on(ev.RecallPlaced)
def _recall_placed(uow: UnitOfWork, _recall: Any, e: ev.RecallPlaced) -> None:
    device_type = _get(uow, DeviceType, e.type_id)
    r, u = orm.rentals.c, orm.units.c
    units_out = uow.session.execute(
        sa.select(sa.func.count()).select_from(orm.rentals)
        .join(orm.units, u.id == r.unit_id)
        .where(r.status == "active", u.type_id == e.type_id,
               sa.true() if e.model is None else u.model == e.model,
               sa.true() if e.batch is None else u.batch == e.batch)).scalar_one()
    uow.add_event("recall.placed", {
        "recall_id": e.recall_id, "device_type_id": e.type_id,
        "iso_code": device_type.iso_code, "scope": e.scope, "model": e.model,
        "batch": e.batch, "reason": e.reason[:200], "units_out": int(units_out),
    }, subject_id=str(e.recall_id))


@mapper.on(ev.RecallLifted)
def _recall_lifted(uow: UnitOfWork, _recall: Any, e: ev.RecallLifted) -> None:
    uow.add_event("recall.lifted", {
        "recall_id": e.recall_id, "device_type_id": e.type_id, "reason": e.reason[:200],
    }, subject_id=str(e.recall_id))


@mapper.on(ev.StocktakeClosed)
def _stocktake_closed(uow: UnitOfWork, _stocktake: Any, e: ev.StocktakeClosed) -> None:
    uow.add_event("stocktake.closed", {
        "stocktake_id": e.stocktake_id, "station_id": e.station_id, "expected": e.expected,
        "found": e.found, "missing": e.missing, "unexpected": e.unexpected,
        "unknown_tags": e.unknown_tags, "closed_at": e.occurred_at,
    }, subject_id=str(e.stocktake_id))


@mapper.on(ev.UnitAvailable)
def _available(uow: UnitOfWork, unit: Unit, e: ev.UnitAvailable) -> None:
    """Stock of a type at a station (renovation asks again for the devices it was told
    were unavailable near there)."""
    device_type, station = _get(uow, DeviceType, e.type_id), _get(uow, Station, e.station_id)
    uow.add_event("unit.available", {
        "unit_id": e.unit_id, "asset_tag": unit.asset_tag, "device_type_id": e.type_id,
        "iso_code": device_type.iso_code, "station_id": e.station_id,
        "division_code": station.division_code, "how": e.how,
    }, subject_id=str(e.unit_id))


@mapper.on(ev.DeviceHeldForRequest)
def _device_held(uow: UnitOfWork, _request: Any, e: ev.DeviceHeldForRequest) -> None:
    unit, station = _get(uow, Unit, e.unit_id), _get(uow, Station, e.station_id)
    uow.add_event("rental.delivery_requested", {
        "source": source("device_delivery", str(e.reservation_id)),
        "division_code": e.division_code, "address": e.address,
        "contact_name": e.contact_name, "contact_phone": e.contact_phone,
        "window_start": e.occurred_at, "window_end": e.occurred_at + DEVICE_DELIVERY_WINDOW,
        "summary": f"将无障碍改造方案所需的{e.item_name}（{unit.asset_tag}）送到家中",
        "rental_id": None, "reservation_id": e.reservation_id,
        "station_id": e.station_id, "asset_tag": unit.asset_tag,
    }, subject_id=str(e.reservation_id))
    uow.add_event("device.reserved", {
        "request_id": e.request_id, "reservation_id": e.reservation_id, "unit_id": e.unit_id,
        "asset_tag": unit.asset_tag, "station_id": e.station_id, "station_name": station.name,
    }, subject_id=str(e.request_id))


def _device_unavailable(uow: UnitOfWork, request_id: uuid.UUID, reason: str) -> None:
    uow.add_event("device.unavailable", {"request_id": request_id, "reason": reason[:200]},
                  subject_id=str(request_id))


@mapper.on(ev.NoDeviceForRequest)
def _no_device(uow: UnitOfWork, _request: Any, e: ev.NoDeviceForRequest) -> None:
    _device_unavailable(uow, e.request_id, e.reason)


@mapper.on(ev.ReservationReleased)
def _released(uow: UnitOfWork, reservation: Reservation, e: ev.ReservationReleased) -> None:
    """A borrower's hold ends quietly. A renovation hold that ends without delivery: the
    volunteers' delivery is off (unless it is the delivery that failed) and the renovation
    side hears that the device is not coming."""
    if not e.request_ref:
        return
    if e.reason == "delivery_failed":
        reason = f"配送失败：{e.note}"
    else:
        reason = RELEASE_REASONS[e.reason]
        _visit_cancelled(uow, "device_delivery", str(e.reservation_id), reason)
    request_id = _request_id(e.request_ref)
    if request_id is not None:
        _device_unavailable(uow, request_id, reason)


@mapper.on(ev.UnitAllocated)
def _allocated(uow: UnitOfWork, allocation: Allocation, e: ev.UnitAllocated) -> None:
    """A unit given to a renovation household (by request reference) is its answer's
    last step; an allocation to a borrower tells no one."""
    request_id = _request_id(e.request_ref)
    if request_id is None:
        return
    unit = _get(uow, Unit, e.unit_id)
    uow.add_event("device.delivered", {
        "request_id": request_id, "unit_id": e.unit_id, "asset_tag": unit.asset_tag,
        "delivered_at": e.occurred_at,
    }, subject_id=str(request_id))


mapper.internal(ev.ReservationFulfilled)


@mapper.on(ev.WaitlistUnitHeld)
def _waitlist_held(uow: UnitOfWork, _holder: Any, e: ev.WaitlistUnitHeld) -> None:
    """A unit held for a borrower from the waiting list (or on a booking's first day):
    the borrower is told by SMS (notify); the phone is sealed on the broker (ADR 0013)."""
    unit, device_type = _get(uow, Unit, e.unit_id), _get(uow, DeviceType, e.type_id)
    station, borrower = _get(uow, Station, e.station_id), _get(uow, Borrower, e.borrower_id)
    uow.add_event("waitlist.unit_held", {
        "reservation_id": e.reservation_id, "entry_id": e.entry_id, "booking_id": e.booking_id,
        "unit_id": e.unit_id, "asset_tag": unit.asset_tag, "device_type_id": e.type_id,
        "station_id": e.station_id, "expires_at": e.expires_at,
        **_reminder_fields(borrower, device_type, station),
    }, subject_id=str(e.reservation_id))
