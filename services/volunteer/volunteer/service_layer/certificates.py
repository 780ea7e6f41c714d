"""Service record certificates (志愿服务记录证明) and the annual totals they rest on.

Whoever records the service issues the certificate on request (the 2020 measures): a
coordinator issues one for a volunteer they see; a volunteer requests their own, and only
their own (another volunteer is 404, as everywhere in the access model). Issuing locks the
volunteer's row, the lock every writer of their hours takes, so the hours it counts are
the approved hours at that moment. The verification by number is public and shows only
``Certificate.public_view``.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from svckit.auth.principal import Principal
from svckit.domain.clock import china_date
from svckit.domain.docnumbers import normalise_number
from svckit.domain.errors import NotFound

from volunteer.domain.certificates import (
    PREFIX,
    Certificate,
    YearTotal,
    annual_totals,
    check_period,
    issuer_for,
    period_bounds,
)
from volunteer.domain.volunteers import Volunteer
from volunteer.service_layer.common import me
from volunteer.service_layer.policy import POLICY, volunteer_scope
from volunteer.service_layer.uow import VolunteerUoW


def _seen(uow: VolunteerUoW, principal: Principal, volunteer_id: UUID, action: str, *,
          lock: bool = False) -> Volunteer:
    """The volunteer, or 404 when the caller may not know them; 403 when the role may not
    take ``action``."""
    POLICY.require_role(principal, action)
    v = uow.volunteers.lock(volunteer_id) if lock else uow.volunteers.get(volunteer_id)
    if not principal.covers(**volunteer_scope(v, principal)):
        raise NotFound("volunteer", volunteer_id)
    return v


def issue(uow: VolunteerUoW, principal: Principal, volunteer_id: UUID, *,
          period_start: date, period_end: date, now: datetime) -> Certificate:
    with uow:
        v = _seen(uow, principal, volunteer_id, "certificate.issue", lock=True)
        team = uow.teams.get(v.team_id) if v.team_id is not None else None
        settings = uow.settings
        issuer = issuer_for(v, team, federation=settings.certificate_issuer,
                            contact=settings.certificate_contact)
        check_period(period_start, period_end, today=china_date(now))  # 422 before reading
        rows = uow.certificates.approved_with_kind(
            v.id, *period_bounds(period_start, period_end))
        cert = Certificate.issue(
            v, rows, period_start=period_start, period_end=period_end, issuer=issuer,
            by=me(principal), by_role=principal.role.value, now=now)
        # the number last: the counter row stays locked only for the final flush
        cert.number = uow.certificates.next_number(PREFIX, cert.division, now)
        uow.certificates.add(cert)
        uow.commit()
    return cert


def list_for(uow: VolunteerUoW, principal: Principal,
             volunteer_id: UUID) -> list[Certificate]:
    with uow:
        v = _seen(uow, principal, volunteer_id, "certificate.read")
        return uow.certificates.of_volunteer(v.id)


def get(uow: VolunteerUoW, principal: Principal, certificate_id: UUID) -> Certificate:
    """One certificate, seen by those who see its volunteer (404 otherwise)."""
    POLICY.require_role(principal, "certificate.read")
    with uow:
        cert = uow.certificates.get(certificate_id)
        try:
            _seen(uow, principal, cert.volunteer_id, "certificate.read")
        except NotFound:
            raise NotFound("certificate", certificate_id) from None
        return cert


def verify(uow: VolunteerUoW, raw_number: str) -> Certificate | None:
    """The certificate of a number as people type it, or None (public: no principal)."""
    number = normalise_number(raw_number)
    if number is None or not number.startswith(f"{PREFIX}-"):
        return None
    with uow:
        return uow.certificates.by_number(number)


def annual(uow: VolunteerUoW, principal: Principal, volunteer_id: UUID) -> list[YearTotal]:
    """Approved hours per China calendar year of one volunteer (a volunteer: their own)."""
    with uow:
        v = _seen(uow, principal, volunteer_id, "hours.annual")
        return annual_totals(e for e, _kind in uow.certificates.approved_with_kind(v.id))
