"""Use cases: programmes, the item catalogue and contractor companies (staff only)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from svckit.auth.principal import Principal
from svckit.domain.errors import Conflict, NotFound
from svckit.domain.identifiers import normalise

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
        return programme_view(programme, sum(int(r["committed_fen"]) for r in spend),
                              sum(int(r["homes"]) for r in spend))


def list_programmes(uow: RenovationUoW, principal: Principal) -> Sequence[Programme]:
    POLICY.require_role(principal, "programme.read")
    with uow:
        return uow.repo.programmes()


def add_catalogue_item(uow: RenovationUoW, principal: Principal,
                       data: dict[str, Any]) -> CatalogueItem:
    POLICY.require_role(principal, "catalogue.change")
    item = CatalogueItem(**data)
    with uow:
        if uow.repo.items_by_code([item.code]):
            raise Conflict(f"项目编码{item.code}已存在 (item code exists)")
        uow.session.add(item)
        uow.commit()
    return item


def set_catalogue_item_active(uow: RenovationUoW, principal: Principal, code: str,
                              active: bool) -> CatalogueItem:
    POLICY.require_role(principal, "catalogue.change")
    with uow:
        item = uow.repo.items_by_code([code]).get(normalise(code))
        if item is None:
            raise NotFound("catalogue_item", code)
        item.active = active
        uow.commit()
    return item


def list_catalogue(uow: RenovationUoW, principal: Principal) -> Sequence[CatalogueItem]:
    POLICY.require_role(principal, "catalogue.read")  # every role
    with uow:
        return uow.repo.catalogue()


def add_contractor(uow: RenovationUoW, principal: Principal, data: dict[str, Any]) -> Contractor:
    POLICY.require_role(principal, "contractor.create")
    contractor = Contractor(**data)
    with uow:
        uow.session.add(contractor)
        uow.commit()
    return contractor


def list_contractors(uow: RenovationUoW, principal: Principal) -> Sequence[Contractor]:
    POLICY.require_role(principal, "contractor.read")
    with uow:
        return uow.repo.contractors()
