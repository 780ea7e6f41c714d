"""Domain events -> integration events of the catalogue (``svckit.events.catalogue.inventory``).

Events carry the minimum personal data: the masked certificate, a masked phone, the
contact's surname + 某, and the address only where a volunteer must go to the home.
Subjects (the bus keeps order per subject): the rental id for rental events, the unit id
for ``unit.written_off``, the renovation request id for the ``device.*`` answers and the
reservation id for a renovation device delivery.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from svckit.uow import UnitOfWork

from inventory.domain.borrowers import Borrower
from inventory.domain.catalogue import DeviceType, Station
from inventory.domain.rentals import Rental
from inventory.domain.reservations import Reservation
from inventory.domain.units import Unit

SERVICE = "inventory"
#: how long volunteers have for a delivery or pickup unless the clerk says otherwise
DEFAULT_VISIT_WINDOW = timedelta(hours=48)


def source(kind: str, source_id: str) -> dict[str, str]:
    return {"service": SERVICE, "kind": kind, "id": source_id}


def contact_name(name: str) -> str:
    """Only the surname travels: 王芳 -> 王某."""
    return f"{name.strip()[:1]}某" if name.strip() else "某"


def _visit(borrower: Borrower, start: datetime, end: datetime | None) -> dict[str, object]:
    return {
        "division_code": borrower.division_code,
        "address": borrower.address,
        "contact_name": contact_name(borrower.name),
        "contact_phone": borrower.masked_phone,
        "window_start": start,
        "window_end": end or start + DEFAULT_VISIT_WINDOW,
    }


def checked_out(uow: UnitOfWork, rental: Rental, unit: Unit, device_type: DeviceType,
                station: Station, borrower: Borrower, *, home_delivery: bool) -> None:
    uow.add_event("rental.checked_out", {
        "rental_id": rental.id, "unit_id": unit.id, "asset_tag": unit.asset_tag,
        "device_type_id": device_type.id, "iso_code": device_type.iso_code,
        "station_id": station.id, "division_code": station.division_code,
        "borrower_certificate": borrower.masked_certificate, "due_on": rental.due_on,
        "fee_fen": rental.fee_fen, "deposit_fen": rental.deposit_fen,
        "waiver": rental.waiver.value if rental.waiver else None,
        "home_delivery": home_delivery,
    }, subject_id=str(rental.id))


def delivery_requested(uow: UnitOfWork, rental: Rental, unit: Unit, device_type: DeviceType,
                       borrower: Borrower, now: datetime,
                       window_end: datetime | None = None) -> None:
    uow.add_event("rental.delivery_requested", {
        "source": source("rental_delivery", str(rental.id)),
        **_visit(borrower, now, window_end),
        "summary": f"将租用的{device_type.name_zh}（{unit.asset_tag}）送到借用人家中",
        "rental_id": rental.id, "reservation_id": None, "station_id": rental.station_id,
        "asset_tag": unit.asset_tag,
    }, subject_id=str(rental.id))


def pickup_requested(uow: UnitOfWork, rental: Rental, unit: Unit, device_type: DeviceType,
                     borrower: Borrower, now: datetime,
                     window_end: datetime | None = None) -> None:
    uow.add_event("rental.pickup_requested", {
        "source": source("rental_pickup", str(rental.id)),
        **_visit(borrower, now, window_end),
        "summary": f"上门取回租用的{device_type.name_zh}（{unit.asset_tag}）",
        "rental_id": rental.id, "station_id": rental.station_id, "asset_tag": unit.asset_tag,
    }, subject_id=str(rental.id))


def visit_cancelled(uow: UnitOfWork, kind: str, source_id: str, reason: str,
                    subject_id: str) -> None:
    uow.add_event("rental.visit_cancelled", {
        "source": source(kind, source_id), "reason": reason[:200],
    }, subject_id=subject_id)


def overdue_source_id(rental: Rental) -> str:
    return f"{rental.id}:{rental.due_on.isoformat()}"


def overdue(uow: UnitOfWork, rental: Rental, borrower: Borrower, device_type: DeviceType,
            now: datetime) -> None:
    days = rental.days_overdue(now)
    uow.add_event("rental.overdue", {
        "source": source("overdue_call", overdue_source_id(rental)),
        **_visit(borrower, now, now + timedelta(days=3)),
        "summary": f"电话回访：租用的{device_type.name_zh}已逾期{days}天未还，提醒归还或续借",
        "rental_id": rental.id, "station_id": rental.station_id, "due_on": rental.due_on,
        "days_overdue": days, "borrower_certificate": borrower.masked_certificate,
    }, subject_id=str(rental.id))


def returned(uow: UnitOfWork, rental: Rental) -> None:
    assert rental.returned_at is not None and rental.return_condition is not None
    uow.add_event("rental.returned", {
        "rental_id": rental.id, "unit_id": rental.unit_id, "station_id": rental.station_id,
        "condition": str(rental.return_condition), "returned_at": rental.returned_at,
        "refund_fen": rental.deposit_refund_fen, "damage_charge_fen": rental.damage_charge_fen,
    }, subject_id=str(rental.id))


def written_off(uow: UnitOfWork, unit: Unit, station_id: uuid.UUID, reason: str) -> None:
    uow.add_event("unit.written_off", {
        "unit_id": unit.id, "asset_tag": unit.asset_tag, "station_id": station_id,
        "reason": reason[:200],
    }, subject_id=str(unit.id))


def device_reserved(uow: UnitOfWork, request_id: uuid.UUID, reservation: Reservation,
                    unit: Unit, station: Station) -> None:
    uow.add_event("device.reserved", {
        "request_id": request_id, "reservation_id": reservation.id, "unit_id": unit.id,
        "asset_tag": unit.asset_tag, "station_id": station.id, "station_name": station.name,
    }, subject_id=str(request_id))


def device_delivery_requested(uow: UnitOfWork, reservation: Reservation, unit: Unit,
                              item_name: str, division_code: str, address: str,
                              contact: str | None, phone: str | None, now: datetime) -> None:
    uow.add_event("rental.delivery_requested", {
        "source": source("device_delivery", str(reservation.id)),
        "division_code": division_code, "address": address, "contact_name": contact,
        "contact_phone": phone, "window_start": now,
        "window_end": now + timedelta(days=7),
        "summary": f"将无障碍改造方案所需的{item_name}（{unit.asset_tag}）送到家中",
        "rental_id": None, "reservation_id": reservation.id,
        "station_id": reservation.station_id, "asset_tag": unit.asset_tag,
    }, subject_id=str(reservation.id))


def device_unavailable(uow: UnitOfWork, request_id: uuid.UUID, reason: str) -> None:
    uow.add_event("device.unavailable", {"request_id": request_id, "reason": reason[:200]},
                  subject_id=str(request_id))


def device_delivered(uow: UnitOfWork, request_id: uuid.UUID, unit: Unit,
                     delivered_at: datetime) -> None:
    uow.add_event("device.delivered", {
        "request_id": request_id, "unit_id": unit.id, "asset_tag": unit.asset_tag,
        "delivered_at": delivered_at,
    }, subject_id=str(request_id))
