"""Use cases: recalls (召回). Staff place a hold on a type, a model or a batch, and lift it;
every role of the service reads the holds and the units out on loan that they cover (a
clerk: those of their stations), with the borrower masked and the rental's number."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from svckit.auth.principal import Principal
from svckit.domain import masking
from svckit.domain.errors import NotFound

from inventory.adapters import orm
from inventory.domain.catalogue import DeviceType
from inventory.domain.recalls import Recall, RecallStatus
from inventory.domain.rentals import RentalStatus
from inventory.service_layer.policy import POLICY, stations_in_scope
from inventory.service_layer.uow import InventoryUoW


def refuse_if_recalled(uow: InventoryUoW, type_id: uuid.UUID, station_id: uuid.UUID) -> None:
    """When no free unit was found, say so in words if a recall holds free ones back."""
    held_back = uow.repo.recalled_free_units(type_id, station_id)
    if not held_back:
        return
    for recall in uow.repo.active_recalls(type_id):
        if any(recall.matches(unit) for unit in held_back):
            raise recall.refusal()


@dataclass(frozen=True)
class PlaceRecall:
    type_id: uuid.UUID
    reason: str
    model: str | None = None
    batch: str | None = None


def place(uow: InventoryUoW, principal: Principal, cmd: PlaceRecall, *,
          now: datetime) -> Recall:
    POLICY.require_role(principal, "recall.place")
    with uow:
        device_type = uow.repo.get(DeviceType, cmd.type_id)
        if device_type is None:
            raise NotFound("device_type", cmd.type_id)
        recall = Recall.place(device_type=device_type, model=cmd.model, batch=cmd.batch,
                              reason=cmd.reason, by=principal.sub, now=now)
        uow.repo.add(recall)
        uow.commit()
    return recall


def lift(uow: InventoryUoW, principal: Principal, recall_id: uuid.UUID, reason: str, *,
         now: datetime) -> Recall:
    POLICY.require_role(principal, "recall.lift")
    with uow:
        recall = uow.repo.get(Recall, recall_id, lock=True)
        if recall is None:
            raise NotFound("recall", recall_id)
        recall.lift(by=principal.sub, reason=reason, now=now)
        uow.commit()
    return recall


def get(uow: InventoryUoW, principal: Principal, recall_id: uuid.UUID) -> Recall:
    POLICY.require_role(principal, "recall.read")
    with uow:
        recall = uow.repo.get(Recall, recall_id)
        if recall is None:
            raise NotFound("recall", recall_id)
        return recall


def list_recalls(uow: InventoryUoW, principal: Principal, *, status: str | None,
                 page: int, page_size: int) -> dict[str, Any]:
    POLICY.require_role(principal, "recall.read")
    rc = orm.recalls.c
    stmt = sa.select(Recall).order_by(rc.placed_at.desc(), rc.id)
    if status is not None:
        stmt = stmt.where(rc.status == RecallStatus(status).value)
    with uow:
        items, total = uow.repo.page(stmt, page, page_size)
        return {"items": items, "total": total, "page": page, "page_size": page_size}


def units_out(uow: InventoryUoW, principal: Principal, recall_id: uuid.UUID, *,
              page: int, page_size: int) -> dict[str, Any]:
    """The units the recall covers that are out on loan, to be recovered: the rental's
    number and due date, the borrower masked (certificate, name, phone: the clerk calls
    through the rental's record, ``GET /borrowers/{id}/personal`` with a purpose)."""
    POLICY.require_role(principal, "recall.read")
    r, u, b, rc = orm.rentals.c, orm.units.c, orm.borrowers.c, orm.recalls.c
    with uow:
        recall = uow.repo.get(Recall, recall_id)
        if recall is None:
            raise NotFound("recall", recall_id)
        stmt = (sa.select(r.id, r.number, r.station_id, r.due_on, u.id.label("unit_id"),
                          u.asset_tag, u.model, u.batch, b.id.label("borrower_id"),
                          b.certificate_number, b.name, b.phone,
                          orm.stations.c.name.label("station"))
                .select_from(orm.rentals)
                .join(orm.units, u.id == r.unit_id)
                .join(orm.borrowers, b.id == r.borrower_id)
                .join(orm.stations, orm.stations.c.id == r.station_id)
                .join(orm.recalls, rc.id == recall.id)
                .where(r.status == RentalStatus.ACTIVE.value, u.type_id == rc.type_id,
                       sa.or_(rc.model.is_(None), rc.model == u.model),
                       sa.or_(rc.batch.is_(None), rc.batch == u.batch))
                .order_by(r.due_on, r.number))
        scope = stations_in_scope(uow, principal)
        if scope is not None:
            stmt = stmt.where(r.station_id.in_(scope))
        page_size = max(1, min(page_size, 100))
        total = uow.session.execute(
            sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
        rows = uow.session.execute(
            stmt.limit(page_size).offset((max(page, 1) - 1) * page_size)).mappings().all()
    items = [{
        "rental_id": row["id"], "rental_number": row["number"],
        "station_id": row["station_id"], "station_name": row["station"],
        "due_on": row["due_on"], "unit_id": row["unit_id"], "asset_tag": row["asset_tag"],
        "model": row["model"], "batch": row["batch"], "borrower_id": row["borrower_id"],
        "borrower_certificate": masking.mask_certificate(row["certificate_number"]),
        "borrower_name": masking.mask_name(row["name"]),
        "borrower_phone": masking.mask_phone(row["phone"]),
    } for row in rows]
    return {"items": items, "total": int(total), "page": page, "page_size": page_size}

