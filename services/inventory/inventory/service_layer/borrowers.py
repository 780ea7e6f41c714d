"""Use cases: borrowers (certificate holders). Any clerk may find a person by the exact
certificate number (masked); every other read or edit reaches only the caller's borrowers
(``policy.require_borrower``). Unmasked personal data is read only through
:func:`read_personal`, and every such read is logged (PIPL)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from svckit import pipl
from svckit.auth.principal import Principal
from svckit.domain.certificate import DisabilityCertificate
from svckit.domain.errors import Conflict, IllegalTransition, NotFound, ValidationFailed

from inventory.domain.borrowers import Borrower, BorrowerStatus
from inventory.domain.rentals import RENTAL_MACHINE, Rental, RentalStatus
from inventory.service_layer.policy import POLICY, require_at, require_borrower, require_visible
from inventory.service_layer.uow import InventoryUoW

#: what ``GET /borrowers/<id>/personal`` shows in full
PERSONAL_FIELDS = ("certificate_number", "name", "phone", "address")
#: what ``GET /rentals/<id>/contact`` shows in full (the overdue list's call)
RENTAL_CONTACT_FIELDS = ("name", "phone")


@dataclass(frozen=True)
class NewBorrower:
    certificate_number: str
    name: str
    phone: str
    address: str
    division_code: str
    dibao: bool = False
    tekun: bool = False
    consent: bool = False
    station_id: uuid.UUID | None = None


def _registering_station(principal: Principal, station_id: uuid.UUID | None) -> uuid.UUID | None:
    """Where a borrower is registered: the station named, else the caller's only one
    (staff: none). A clerk of several stations must name one (422)."""
    if station_id is not None or not principal.stations:
        return station_id
    if len(principal.stations) > 1:
        raise ValidationFailed.field("station_id", "请指定登记的服务站 "
                                     "(name the station registering the borrower)")
    try:
        return uuid.UUID(principal.stations[0])
    except ValueError:
        return None


def register_borrower(uow: InventoryUoW, principal: Principal, cmd: NewBorrower,
                      *, now: datetime) -> Borrower:
    POLICY.require_role(principal, "borrower.register")
    station_id = _registering_station(principal, cmd.station_id)
    # validated before anything touches the database: a bad number writes nothing
    borrower = Borrower(
        certificate_number=cmd.certificate_number, name=cmd.name, phone=cmd.phone,
        address=cmd.address, division_code=cmd.division_code, dibao=cmd.dibao,
        tekun=cmd.tekun, consent_at=now if cmd.consent else None,
        registered_station_id=station_id,
    )
    with uow:
        if station_id is not None:
            require_at(uow, principal, "borrower.register", station_id)
        if uow.repo.borrower_by_certificate(borrower.certificate_number) is not None:
            raise Conflict("该残疾人证号已登记 (certificate number already registered)",
                           current_state="exists")
        uow.repo.add(borrower)
        uow.commit()
    return borrower


def update_borrower(uow: InventoryUoW, principal: Principal, borrower_id: uuid.UUID,
                    changes: dict[str, Any], *, now: datetime) -> Borrower:
    POLICY.require_role(principal, "borrower.update")
    with uow:
        borrower = uow.repo.get(Borrower, borrower_id, lock=True)
        if borrower is None:
            raise NotFound("borrower", borrower_id)
        require_borrower(uow, principal, "borrower.update", borrower)
        consent = changes.pop("consent", None)
        merged = {k: getattr(borrower, k) for k in
                  ("certificate_number", "name", "phone", "address", "division_code",
                   "dibao", "tekun", "consent_at")}
        merged.update(changes)
        checked = Borrower(**merged)
        for key in changes:
            setattr(borrower, key, getattr(checked, key))
        if consent is True and borrower.consent_at is None:
            borrower.record_consent(now)
        elif consent is False:
            borrower.withdraw_consent()
        uow.commit()
    return borrower


def change_status(uow: InventoryUoW, principal: Principal, borrower_id: uuid.UUID,
                  status: str, reason: str, *, now: datetime) -> Borrower:
    """Deceased, moved away, certificate cancelled (or active again), with a reason. A
    change away from active flags the borrower's open rentals and standing allocations for
    recovery (``GET /reports/recovery``); the domain then refuses new loans, holds and
    allocations."""
    try:
        new_status = BorrowerStatus(status)
    except ValueError:
        raise ValidationFailed.field("status", "状态应为在册、已故、已迁出或残疾人证已注销 "
                                     "(active, deceased, moved_away or "
                                     "certificate_cancelled)") from None
    POLICY.require_role(principal, "borrower.status")
    with uow:
        borrower = uow.repo.get(Borrower, borrower_id, lock=True)
        if borrower is None:
            raise NotFound("borrower", borrower_id)
        require_borrower(uow, principal, "borrower.status", borrower)
        borrower.change_status(new_status, reason, now)
        if new_status != BorrowerStatus.ACTIVE:
            why = f"借用人{borrower.status_label}：{borrower.status_reason}"
            for rental in uow.repo.open_rentals_of(borrower.id):
                rental.flag_for_recovery(why)
            for allocation in uow.repo.standing_allocations_of(borrower.id):
                allocation.flag_for_recovery(why)
        uow.commit()
    return borrower


def parse_certificate(raw: str) -> str:
    try:
        return DisabilityCertificate.parse(raw).number
    except ValueError as exc:
        raise ValidationFailed.field("certificate_number", str(exc)) from None


def lookup(uow: InventoryUoW, principal: Principal, certificate_number: str) -> Borrower:
    """Find a person by the exact number on the card (the clerk's first step, the walk-in
    of any station): the masked record, whoever's borrower it is."""
    POLICY.require_role(principal, "borrower.read")
    number = parse_certificate(certificate_number)
    with uow:
        borrower = uow.repo.borrower_by_certificate(number)
        if borrower is None:
            raise NotFound("borrower", "certificate")
        return borrower


def get_borrower(uow: InventoryUoW, principal: Principal, borrower_id: uuid.UUID) -> Borrower:
    POLICY.require_role(principal, "borrower.read")
    with uow:
        borrower = uow.repo.get(Borrower, borrower_id)
        if borrower is None:
            raise NotFound("borrower", borrower_id)
        require_borrower(uow, principal, "borrower.read", borrower)
        return borrower


def read_personal(uow: InventoryUoW, principal: Principal, borrower_id: uuid.UUID,
                  purpose: str, *, now: datetime) -> Borrower:
    """The unmasked record; who read it, when and why is logged in the same transaction
    (the shared access log, :mod:`svckit.pipl`)."""
    POLICY.require_role(principal, "borrower.read_personal")
    purpose = pipl.check_purpose(purpose)
    with uow:
        borrower = uow.repo.get(Borrower, borrower_id)
        if borrower is None:
            raise NotFound("borrower", borrower_id)
        require_borrower(uow, principal, "borrower.read_personal", borrower)
        pipl.record_read(uow, principal, record_type="borrower", record_id=borrower.id,
                         fields=PERSONAL_FIELDS, purpose=purpose, at=now)
        uow.commit()
        return borrower


def rental_contact(uow: InventoryUoW, principal: Principal, rental_id: uuid.UUID,
                   purpose: str, *, now: datetime) -> dict[str, Any]:
    """The borrower's full name and phone of an active rental (the overdue list's call):
    only those two fields, for the staff of the rental's station; a rental returned or
    lost is a 409 naming its state. Each read is logged with its purpose (svckit.pipl)
    against the borrower, in the same transaction."""
    POLICY.require_role(principal, "rental.contact")
    purpose = pipl.check_purpose(purpose)
    with uow:
        rental = uow.repo.get(Rental, rental_id)
        if rental is None:
            raise NotFound("rental", rental_id)
        require_visible(uow, principal, "rental.contact", "rental", rental_id,
                        rental.station_id)
        if rental.status != RentalStatus.ACTIVE:
            raise IllegalTransition(
                "rental", rental.status, "read_contact", label=RENTAL_MACHINE.label,
                state_label=RENTAL_MACHINE.state_label(rental.status),
                action_label=("查看借用人姓名和电话", "see the borrower's name and phone"))
        borrower = uow.repo.get(Borrower, rental.borrower_id)
        assert borrower is not None  # foreign key
        pipl.record_read(uow, principal, record_type="borrower", record_id=borrower.id,
                         fields=RENTAL_CONTACT_FIELDS, purpose=purpose, at=now)
        uow.commit()
        return {"rental_id": rental.id, "rental_number": rental.number,
                "borrower_id": borrower.id, "name": borrower.name, "phone": borrower.phone,
                "due_on": rental.due_on, "days_overdue": rental.days_overdue(now)}
