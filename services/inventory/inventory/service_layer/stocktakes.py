"""Use cases: stocktake (盘点). A clerk of the station starts a count, scans tags, closes it
with a discrepancy report and applies corrections with a reason. Clerks reach only the
counts of their stations (others: 404); writing a missing unit off needs a supervisor,
as every write-off does."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from svckit.auth.principal import Principal
from svckit.domain.errors import Conflict, NotFound, ValidationFailed

from inventory.adapters import orm
from inventory.domain.catalogue import Station
from inventory.domain.stocktakes import (
    CorrectionAction,
    Stocktake,
    StocktakeCorrection,
    StocktakeScan,
    discrepancies,
)
from inventory.domain.units import Unit
from inventory.service_layer.policy import (
    POLICY,
    load_visible,
    require_at,
    stations_in_scope,
)
from inventory.service_layer.uow import InventoryUoW


def _stocktake(uow: InventoryUoW, principal: Principal, action: str, stocktake_id: uuid.UUID,
               *, lock: bool = False) -> Stocktake:
    return load_visible(uow, principal, action, Stocktake, "stocktake", stocktake_id,
                        lock=lock)


def start(uow: InventoryUoW, principal: Principal, station_id: uuid.UUID, *,
          now: datetime) -> Stocktake:
    with uow:
        require_at(uow, principal, "stocktake.start", station_id)
        station = uow.repo.get(Station, station_id)
        if station is None:
            raise NotFound("station", station_id)
        stocktake = Stocktake.start(station_id=station_id, by=principal.sub, now=now,
                                    open_count=uow.repo.open_stocktake_at(station_id))
        uow.repo.add(stocktake)
        uow.session.flush()  # the partial unique index settles two clerks starting at once
        uow.commit()
    return stocktake


def scan(uow: InventoryUoW, principal: Principal, stocktake_id: uuid.UUID, tag: str, *,
         now: datetime) -> tuple[StocktakeScan, bool]:
    """Record a scanned or typed tag; scanning it again changes nothing (``False``)."""
    with uow:
        stocktake = _stocktake(uow, principal, "stocktake.scan", stocktake_id, lock=True)
        probe = stocktake.scan(tag, None, by=principal.sub, now=now)
        existing = uow.repo.scan_of(stocktake.id, probe.tag)
        if existing is not None:
            return existing, False
        unit = uow.repo.unit_by_tag(probe.tag)
        probe.unit_id = unit.id if unit is not None else None
        uow.repo.add(probe)
        uow.commit()
    return probe, True


def _report(uow: InventoryUoW, stocktake: Stocktake) -> Any:
    scans = uow.repo.scans_of(stocktake.id)
    ids = [s.unit_id for s in scans if s.unit_id is not None]
    shelf = uow.repo.shelf_units(station_id=stocktake.station_id, unit_ids=ids)
    by_id = {u.unit_id: u for u in shelf}
    scanned = {s.tag: by_id.get(s.unit_id) if s.unit_id is not None else None for s in scans}
    return discrepancies(stocktake.station_id, shelf, scanned)


def close(uow: InventoryUoW, principal: Principal, stocktake_id: uuid.UUID, *,
          now: datetime) -> Stocktake:
    with uow:
        stocktake = _stocktake(uow, principal, "stocktake.close", stocktake_id, lock=True)
        stocktake.ensure_can("close")
        stocktake.close(_report(uow, stocktake), by=principal.sub, now=now)
        uow.commit()
    return stocktake


def correct(uow: InventoryUoW, principal: Principal, stocktake_id: uuid.UUID,
            unit_id: uuid.UUID, action: str, reason: str, *,
            now: datetime) -> StocktakeCorrection:
    """Apply one correction of a closed count's report: write a missing unit off (as
    lost; supervisor), or move a unit found here from another station onto this one."""
    try:
        kind = CorrectionAction(action)
    except ValueError:
        raise ValidationFailed.field("action", "应为write_off或move (write_off or move)") \
            from None
    with uow:
        stocktake = _stocktake(uow, principal, "stocktake.correct", stocktake_id, lock=True)
        if kind == CorrectionAction.WRITE_OFF:
            require_at(uow, principal, "unit.write_off", stocktake.station_id)
        correction = stocktake.correction(unit_id, kind, reason, by=principal.sub, now=now,
                                          done=uow.repo.corrections_of(stocktake.id))
        unit = uow.repo.get(Unit, unit_id, lock=True)
        assert unit is not None  # listed in the report
        note = f"盘点差异处理 (stocktake): {correction.reason}"
        if kind == CorrectionAction.WRITE_OFF:
            if unit.current_station_id != stocktake.station_id:
                raise Conflict("该设备已不在本站账上 (the records no longer have the unit at "
                               "this station)", current_state=unit.status)
            ticket = uow.repo.open_ticket_of(unit.id)
            if ticket is not None:  # in repair when it went missing: the ticket closes too
                ticket.write_off(unit=unit, now=now, reason=note)
            else:
                unit.write_off(now, note, stocktake.id)
        else:
            unit.relocate(now, stocktake.station_id, note, stocktake.id)
        uow.repo.add(correction)
        uow.session.flush()
        uow.commit()
    return correction


def get(uow: InventoryUoW, principal: Principal, stocktake_id: uuid.UUID) -> dict[str, Any]:
    """The count, its scans, the report so far (while open) or as closed, and the
    corrections applied."""
    with uow:
        stocktake = _stocktake(uow, principal, "stocktake.read", stocktake_id)
        scans = uow.repo.scans_of(stocktake.id)
        report = (stocktake.report if stocktake.report is not None
                  else _report(uow, stocktake).as_dict())
        return {"stocktake": stocktake, "scans": scans, "report": report,
                "corrections": uow.repo.corrections_of(stocktake.id)}


def list_stocktakes(uow: InventoryUoW, principal: Principal, *, station_id: uuid.UUID | None,
                    status: str | None, page: int, page_size: int) -> dict[str, Any]:
    POLICY.require_role(principal, "stocktake.read")
    st = orm.stocktakes.c
    stmt = sa.select(Stocktake).order_by(st.started_at.desc(), st.id)
    if station_id is not None:
        stmt = stmt.where(st.station_id == station_id)
    if status is not None:
        stmt = stmt.where(st.status == status)
    with uow:
        scope = stations_in_scope(uow, principal)
        if scope is not None:
            stmt = stmt.where(st.station_id.in_(scope))
        items, total = uow.repo.page(stmt, page, page_size)
        return {"items": items, "total": total, "page": page, "page_size": page_size}
