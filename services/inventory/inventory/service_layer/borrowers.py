"""Use cases: borrowers (certificate holders). Any clerk may look a person up: borrowers
are city-wide, not a station's. Unmasked personal data is read only through
:func:`read_personal`, and every such read is logged (PIPL)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from svckit import pipl
from svckit.auth.principal import Principal
from svckit.domain.certificate import DisabilityCertificate
from svckit.domain.errors import Conflict, NotFound, ValidationFailed

from inventory.domain.borrowers import Borrower
from inventory.service_layer.policy import POLICY
from inventory.service_layer.uow import InventoryUoW

#: what ``GET /borrowers/<id>/personal`` shows in full
PERSONAL_FIELDS = ("certificate_number", "name", "phone", "address")


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


def register_borrower(uow: InventoryUoW, principal: Principal, cmd: NewBorrower,
                      *, now: datetime) -> Borrower:
    POLICY.require_role(principal, "borrower.register")
    # validated before anything touches the database: a bad number writes nothing
    borrower = Borrower(
        certificate_number=cmd.certificate_number, name=cmd.name, phone=cmd.phone,
        address=cmd.address, division_code=cmd.division_code, dibao=cmd.dibao,
        tekun=cmd.tekun, consent_at=now if cmd.consent else None,
    )
    with uow:
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


def parse_certificate(raw: str) -> str:
    try:
        return DisabilityCertificate.parse(raw).number
    except ValueError as exc:
        raise ValidationFailed.field("certificate_number", str(exc)) from None


def lookup(uow: InventoryUoW, principal: Principal, certificate_number: str) -> Borrower:
    """Find a person by the number on the card (the clerk's first step)."""
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
        pipl.record_read(uow, principal, record_type="borrower", record_id=borrower.id,
                         fields=PERSONAL_FIELDS, purpose=purpose, at=now)
        uow.commit()
        return borrower
