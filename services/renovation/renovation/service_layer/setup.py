"""Use cases: programmes, the item catalogue and contractor companies (staff only)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from svckit.auth.principal import Principal
from svckit.domain.clock import utcnow
from svckit.domain.errors import Conflict, NotFound
from svckit.domain.identifiers import normalise

from renovation.domain import checklist
from renovation.domain.catalogue import CatalogueItem
from renovation.domain.programme import DeadlineSettings, Programme
from renovation.domain.workorder import Contractor
from renovation.service_layer.policy import POLICY
from renovation.service_layer.uow import RenovationUoW


def create_programme(uow: RenovationUoW, principal: Principal, data: dict[str, Any]) -> Programme:
    POLICY.require_role(principal, "programme.create")
    deadlines = DeadlineSettings(**data.pop("deadlines", {}) or {})
    programme = Programme(deadlines=deadlines, **data)
    with uow:
        if uow.repo.programme_by_name(programme.year, programme.name) is not None:
            raise Conflict("同年度已有同名项目 (a programme of that year and name exists)")
        uow.session.add(programme)
        uow.commit()
    return programme


def programme_view(programme: Programme, committed_fen: int, homes: int) -> dict[str, Any]:
    return {
        "programme": programme,
        "committed_fen": committed_fen,
        "remaining_fen": programme.remaining_budget_fen(committed_fen),
        "approved_homes": homes,
    }


def get_programme(uow: RenovationUoW, principal: Principal,
                  programme_id: uuid.UUID) -> dict[str, Any]:
    POLICY.require_role(principal, "programme.read")
    with uow:
        programme = uow.repo.programme(programme_id)
        if programme is None:
            raise NotFound("programme", programme_id)
        spend = [r for r in uow.repo.spend_by_division(None) if r["programme_id"] == programme.id]
        return programme_view(programme, uow.repo.committed_fen(programme.id),
                              sum(int(r["homes"]) for r in spend))


def _load_programme(uow: RenovationUoW, programme_id: uuid.UUID) -> Programme:
    programme = uow.repo.programme(programme_id, lock=True)
    if programme is None:
        raise NotFound("programme", programme_id)
    return programme


def edit_programme(uow: RenovationUoW, principal: Principal, programme_id: uuid.UUID,
                   changes: dict[str, Any]) -> Programme:
    """Change a programme; the budget never below what is committed. The programme row is
    locked first, as approvals lock it, so no approval slips in between."""
    POLICY.require_role(principal, "programme.change")
    with uow:
        programme = _load_programme(uow, programme_id)
        programme.edit(changes, uow.repo.committed_fen(programme.id))
        if "name" in changes:
            same = uow.repo.programme_by_name(programme.year, programme.name)
            if same is not None and same.id != programme.id:
                raise Conflict("同年度已有同名项目 (a programme of that year and name exists)")
        uow.commit()
    return programme


def _report(uow: RenovationUoW, programme: Programme) -> dict[str, Any]:
    figures = uow.repo.programme_figures(programme.id)
    withdrawn_spent = uow.repo.withdrawn_spent_fen(programme.id)
    spent = figures["done_fen"] + withdrawn_spent
    open_committed = figures["open_committed_fen"]
    return {
        "programme_id": str(programme.id), "year": programme.year, "name": programme.name,
        "total_budget_fen": programme.total_budget_fen,
        "target_homes": programme.target_homes,
        "homes_done": figures["homes_done"],
        "spent_fen": spent,
        "withdrawn_spent_fen": withdrawn_spent,
        "open_committed_fen": open_committed,
        "carry_over_fen": programme.total_budget_fen - spent - open_committed,
        "open_cases": figures["open_cases"],
        "withdrawn_cases": figures["withdrawn"],
    }


def programme_report(uow: RenovationUoW, principal: Principal,
                     programme_id: uuid.UUID) -> dict[str, Any]:
    """The year-end report: as kept at the close, or as of now while the year is open.
    ``spent_fen + open_committed_fen + carry_over_fen == total_budget_fen``."""
    POLICY.require_role(principal, "programme.read")
    with uow:
        programme = uow.repo.programme(programme_id)
        if programme is None:
            raise NotFound("programme", programme_id)
        if programme.closing_report is not None:
            return {**programme.closing_report, "status": programme.status}
        return {**_report(uow, programme), "status": programme.status}


def close_programme(uow: RenovationUoW, principal: Principal, programme_id: uuid.UUID, *,
                    now: datetime) -> dict[str, Any]:
    """The year-end close: the report is computed and kept; no new application or approval
    after it. Open cases go on (their works finish under this programme's budget)."""
    POLICY.require_role(principal, "programme.change")
    with uow:
        programme = _load_programme(uow, programme_id)
        report = {**_report(uow, programme), "closed_at": now.isoformat()}
        programme.close(report, now)
        uow.commit()
    return {**report, "status": "closed"}


def next_programme(uow: RenovationUoW, principal: Principal, programme_id: uuid.UUID,
                   data: dict[str, Any]) -> Programme:
    """Next year's programme made from this one; ``add_carry_over`` adds this year's
    carry-over (budget less spent less held by open cases) to the new budget."""
    POLICY.require_role(principal, "programme.create")
    with uow:
        last = uow.repo.programme(programme_id)
        if last is None:
            raise NotFound("programme", programme_id)
        budget = int(data["total_budget_fen"])
        if data.get("add_carry_over"):
            report = last.closing_report or _report(uow, last)
            budget += max(0, int(report["carry_over_fen"]))
        programme = last.next_year(total_budget_fen=budget, name=data.get("name"))
        if uow.repo.programme_by_name(programme.year, programme.name) is not None:
            raise Conflict("同年度已有同名项目 (a programme of that year and name exists)")
        uow.session.add(programme)
        uow.commit()
    return programme


def list_programmes(uow: RenovationUoW, principal: Principal) -> Sequence[Programme]:
    POLICY.require_role(principal, "programme.read")
    with uow:
        return uow.repo.programmes()


def add_catalogue_item(uow: RenovationUoW, principal: Principal,
                       data: dict[str, Any], *, now: datetime | None = None) -> CatalogueItem:
    POLICY.require_role(principal, "catalogue.change")
    item = CatalogueItem(**data)
    item.price_history = [{"unit_price_fen": item.unit_price_fen,
                           "valid_from": (now or utcnow()).isoformat(),
                           "changed_by": principal.sub}]
    with uow:
        if uow.repo.items_by_code([item.code]):
            raise Conflict(f"项目编码{item.code}已存在 (item code exists)")
        uow.session.add(item)
        uow.commit()
    return item


def change_catalogue_item(uow: RenovationUoW, principal: Principal, code: str,
                          changes: dict[str, Any], *, now: datetime) -> CatalogueItem:
    """Rename, retire or reinstate an item, or change its price: a new price version from
    now. Plans already drafted keep the price they copied."""
    POLICY.require_role(principal, "catalogue.change")
    with uow:
        item = uow.repo.items_by_code([code]).get(normalise(code))
        if item is None:
            raise NotFound("catalogue_item", code)
        item.change(principal.sub, now, name=changes.get("name"),
                    unit_price_fen=changes.get("unit_price_fen"), active=changes.get("active"))
        uow.commit()
    return item


def set_catalogue_item_active(uow: RenovationUoW, principal: Principal, code: str,
                              active: bool) -> CatalogueItem:
    return change_catalogue_item(uow, principal, code, {"active": active}, now=utcnow())


def list_catalogue(uow: RenovationUoW, principal: Principal) -> Sequence[CatalogueItem]:
    POLICY.require_role(principal, "catalogue.read")  # every role
    with uow:
        return uow.repo.catalogue()


def assessment_checklist(principal: Principal) -> dict[str, Any]:
    """The home assessment checklist (areas, findings, suggested items, answers)."""
    POLICY.require_role(principal, "catalogue.read")  # every role: reference data
    return {"areas": checklist.describe(), "answers": checklist.answers_described()}


def add_contractor(uow: RenovationUoW, principal: Principal, data: dict[str, Any]) -> Contractor:
    POLICY.require_role(principal, "contractor.create")
    contractor = Contractor(**data)
    with uow:
        uow.session.add(contractor)
        uow.commit()
    return contractor


def _contractor(uow: RenovationUoW, contractor_id: uuid.UUID) -> Contractor:
    contractor = uow.repo.contractor(contractor_id)
    if contractor is None:
        raise NotFound("contractor", contractor_id)
    return contractor


def edit_contractor(uow: RenovationUoW, principal: Principal, contractor_id: uuid.UUID,
                    changes: dict[str, Any]) -> Contractor:
    POLICY.require_role(principal, "contractor.change")
    with uow:
        contractor = _contractor(uow, contractor_id)
        phone = (changes.get("contact_phone") or "") if "contact_phone" in changes else None
        contractor.edit(name=changes.get("name"), division=changes.get("division"),
                        contact_phone=phone)
        uow.session.flush()  # the unique name answers here (409)
        uow.commit()
    return contractor


def set_contractor_status(uow: RenovationUoW, principal: Principal,
                          contractor_id: uuid.UUID, status: str, reason: str) -> Contractor:
    """Suspend (no new orders), blacklist (for good) or reinstate, with a reason; kept in
    the audit log with the change."""
    POLICY.require_role(principal, "contractor.change")
    with uow:
        contractor = _contractor(uow, contractor_id)
        contractor.set_status(status, reason)
        uow.commit()
    return contractor


def list_contractors(uow: RenovationUoW, principal: Principal) -> Sequence[Contractor]:
    POLICY.require_role(principal, "contractor.read")
    with uow:
        return uow.repo.contractors()
