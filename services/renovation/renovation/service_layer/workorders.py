"""Use cases of work orders (施工工单): assignment, the contractor's side, inspection.

The application and its work order move together in one unit of work (the domain README's
"keeping the two aggregates in step"). Locks: the work order, then its application.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from svckit.auth.principal import Principal, Role
from svckit.domain.errors import Conflict, NotFound

from renovation.domain.application import Application
from renovation.domain.deadlines import Breach, clock_of, overdue
from renovation.domain.programme import Programme
from renovation.domain.workorder import WorkOrder
from renovation.service_layer import access
from renovation.service_layer.access import READERS, STAFF, require
from renovation.service_layer.applications import _photo_refs
from renovation.service_layer.integration import publish
from renovation.service_layer.uow import RenovationUoW


def _order(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID,
           *, lock: bool = True) -> WorkOrder:
    return access.see_order(principal, uow.repo.work_order(order_id, lock=lock), order_id)


def _app_of(uow: RenovationUoW, order: WorkOrder) -> Application:
    app = uow.repo.application(order.application_id, lock=True)
    assert app is not None  # foreign key
    return app


def _programme(uow: RenovationUoW, programme_id: uuid.UUID) -> Programme:
    programme = uow.repo.programme(programme_id)
    assert programme is not None  # foreign key
    return programme


def _done(uow: RenovationUoW, principal: Principal, app: Application, order: WorkOrder,
          programme: Programme | None = None) -> WorkOrder:
    kw: dict[str, Any] = {"actor": principal.sub, "actor_name": principal.name,
                          "order": order, "programme": programme}
    publish(uow, app, [*order.events, *app.events], **kw)
    order.events.clear()
    app.events.clear()
    uow.commit()
    return order


def assign(uow: RenovationUoW, principal: Principal, application_id: uuid.UUID,
           contractor_id: uuid.UUID, *, now: datetime) -> WorkOrder:
    require(principal, *STAFF)
    with uow:
        app = access.see_application(principal, uow.repo.application(application_id, lock=True),
                                     application_id)
        contractor = uow.repo.contractor(contractor_id)
        if contractor is None:
            raise NotFound("contractor", contractor_id)
        live = [o for o in uow.repo.work_orders_of(app.id)
                if o.status not in ("declined", "cancelled")]
        if live:
            raise Conflict("该户已有进行中的工单 (a live work order exists)",
                           current_state=live[0].status)
        order = WorkOrder.assign(app, contractor, principal.sub, now)
        uow.session.add(order)
        uow.session.flush()
        return _done(uow, principal, app, order, _programme(uow, app.programme_id))


def accept(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID, *,
           now: datetime) -> WorkOrder:
    require(principal, Role.CONTRACTOR)
    with uow:
        order = _order(uow, principal, order_id)
        app = _app_of(uow, order)
        order.accept(access.actor(principal), now)
        app.start_works()
        return _done(uow, principal, app, order)


def decline(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID, reason: str, *,
            now: datetime) -> WorkOrder:
    require(principal, Role.CONTRACTOR)
    with uow:
        order = _order(uow, principal, order_id)
        order.decline(access.actor(principal), reason, now)
        return _done(uow, principal, _app_of(uow, order), order)


def cancel(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID, reason: str, *,
           now: datetime) -> WorkOrder:
    require(principal, *STAFF)
    with uow:
        order = _order(uow, principal, order_id)
        order.cancel(principal.sub, reason, now)
        return _done(uow, principal, _app_of(uow, order), order)


def schedule(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID, start_on: date,
             end_on: date, *, now: datetime) -> WorkOrder:
    require(principal, Role.CONTRACTOR)
    with uow:
        order = _order(uow, principal, order_id)
        order.schedule(access.actor(principal), start_on, end_on, now)
        return _done(uow, principal, _app_of(uow, order), order)


def report_progress(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID,
                    data: dict[str, Any], *, now: datetime) -> WorkOrder:
    require(principal, Role.CONTRACTOR)
    with uow:
        order = _order(uow, principal, order_id)
        refs = {
            name: _photo_refs(uow, data.get(name) or [], application_id=order.application_id,
                              work_order_id=order.id, field=name)
            for name in ("photos_before", "photos_after")
        }
        order.report_progress(
            access.actor(principal), now, note=data["note"], percent=data["percent"],
            items_done=[c.strip().upper() for c in data.get("items_done") or []], **refs,
        )
        return _done(uow, principal, _app_of(uow, order), order)


def request_completion(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID, *,
                       now: datetime) -> WorkOrder:
    require(principal, Role.CONTRACTOR)
    with uow:
        order = _order(uow, principal, order_id)
        app = _app_of(uow, order)
        order.request_completion(access.actor(principal), now)
        app.request_inspection()
        return _done(uow, principal, app, order, _programme(uow, order.programme_id))


def inspect(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID, *, passed: bool,
            defects: Sequence[str], note: str | None, now: datetime) -> WorkOrder:
    """Acceptance inspection by an inspector who is not from the contractor company."""
    require(principal, Role.INSPECTOR)
    with uow:
        order = _order(uow, principal, order_id)
        app = _app_of(uow, order)
        inspector = access.actor(principal)
        if passed:
            order.pass_inspection(inspector, now, note)
            app.pass_inspection(now)
        else:
            order.fail_inspection(inspector, defects, now)
            app.fail_inspection()
        return _done(uow, principal, app, order, _programme(uow, order.programme_id))


_TOWNSHIP = re.compile(r"^.*?(街道|镇|乡)")


def mask_site(address: str) -> str:
    """The site's address down to its township (街道/镇/乡), the rest starred: enough to
    plan a visit, not to find the door (the full address is the logged contact read)."""
    found = _TOWNSHIP.match(address)
    keep = found.group(0) if found else address[:6]
    return keep + "*" * min(max(len(address) - len(keep), 0), 8)


def _annotate(uow: RenovationUoW, orders: Sequence[WorkOrder]) -> None:
    """What an order's list row and page show beside the order: the masked site address
    and the deadline running now (``site_address``, ``due_kind``, ``due_at``; read by the
    schemas, never stored)."""
    programmes: dict[uuid.UUID, Programme] = {}
    for order in orders:
        app = uow.repo.application(order.application_id)
        if order.programme_id not in programmes:
            programmes[order.programme_id] = _programme(uow, order.programme_id)
        clock = clock_of(order, programmes[order.programme_id].deadlines)
        setattr(order, "site_address", mask_site(app.address) if app else None)  # noqa: B010
        setattr(order, "due_kind", clock.kind.value if clock else None)  # noqa: B010
        setattr(order, "due_at", clock.due_at if clock else None)  # noqa: B010


def get(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID) -> WorkOrder:
    with uow:
        order = _order(uow, principal, order_id, lock=False)
        _annotate(uow, [order])
        return order


def search(uow: RenovationUoW, principal: Principal, *, status: str | None, page: int,
           page_size: int) -> tuple[list[WorkOrder], int]:
    if principal.role is Role.CONTRACTOR:
        company: uuid.UUID | None = access.actor(principal).company_id
        districts = None
    else:
        require(principal, *READERS)
        company, districts = None, access.district_filter(principal)
    with uow:
        found, total = uow.repo.work_orders(contractor_id=company, status=status,
                                            districts=districts, page=page,
                                            page_size=page_size)
        _annotate(uow, found)
        return list(found), total


def overdue_list(uow: RenovationUoW, principal: Principal, *,
                 now: datetime) -> list[tuple[Breach, WorkOrder]]:
    """Every order past a deadline now (reported or not), oldest due first."""
    require(principal, *READERS)
    with uow:
        orders = [o for o in uow.repo.clocked_work_orders()
                  if access.in_districts(principal, o.division)]
        settings = {p.id: p.deadlines for p in uow.repo.programmes()}
        by_id = {o.id: o for o in orders}
        return sorted(((b, by_id[b.work_order_id]) for b in overdue(orders, settings, now)),
                      key=lambda pair: pair[0].due_at)
