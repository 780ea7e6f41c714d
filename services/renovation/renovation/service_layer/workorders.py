"""Use cases of work orders (施工工单): assignment, the contractor's side, inspection.

The application and its work order move together in one unit of work (the domain README's
"keeping the two aggregates in step"). Locks: the work order, then its application.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from svckit import pipl
from svckit.auth.principal import Principal, Role
from svckit.domain.errors import Conflict, NotFound
from svckit.domain.identifiers import normalise
from svckit.domain.masking import contact_name, mask_address

from renovation.domain.application import Application
from renovation.domain.deadlines import Breach, clock_of, overdue
from renovation.domain.programme import Programme
from renovation.domain.states import APPLICATION_STATES, WORK_ORDER_STATES
from renovation.domain.workorder import NUMBER_PREFIX, WORK_ORDER, WorkOrder
from renovation.service_layer.applications import _photo_refs, load
from renovation.service_layer.policy import POLICY, company_of
from renovation.service_layer.uow import RenovationUoW

#: work-order states that no longer hold the case (a new order may be assigned)
DEAD_ORDER_STATES = ("declined", "cancelled", "terminated")
#: what ``GET /work-orders/{id}/contact`` shows the assigned contractor in full
SITE_CONTACT_FIELDS = ("address", "phone")


def load_order(uow: RenovationUoW, principal: Principal, action: str, order_id: uuid.UUID,
               *, lock: bool = True) -> WorkOrder:
    """The work order, if the caller's role may do ``action`` (else 403) and their scope
    covers it (a contractor: its company's; staff and inspectors: their districts);
    404 otherwise, so its existence does not leak."""
    POLICY.require_role(principal, action)
    company_of(principal)  # a contractor token must carry its company
    order = uow.repo.work_order(order_id, lock=lock)
    if order is None or not principal.covers(division=order.division,
                                             company=order.contractor_id):
        raise NotFound("work_order", order_id)
    return order


def _app_of(uow: RenovationUoW, order: WorkOrder) -> Application:
    app = uow.repo.application(order.application_id, lock=True)
    assert app is not None  # foreign key
    return app


def _programme(uow: RenovationUoW, programme_id: uuid.UUID) -> Programme:
    programme = uow.repo.programme(programme_id)
    assert programme is not None  # foreign key
    return programme


def assign(uow: RenovationUoW, principal: Principal, application_id: uuid.UUID,
           contractor_id: uuid.UUID, *, now: datetime) -> WorkOrder:
    with uow:
        app = load(uow, principal, "work_order.assign", application_id)
        contractor = uow.repo.contractor(contractor_id)
        if contractor is None:
            raise NotFound("contractor", contractor_id)
        previous = list(uow.repo.work_orders_of(app.id))
        live = [o for o in previous if o.status not in DEAD_ORDER_STATES]
        if live:
            label = WORK_ORDER_STATES.get(live[0].status, (live[0].status,))[0]
            raise Conflict(f"该户已有工单，当前状态为「{label}」 (a live work order exists)",
                           current_state=live[0].status)
        terminated = [o for o in previous if o.status == "terminated"]
        order = WorkOrder.assign(
            app, contractor, principal.sub, now,
            predecessor=terminated[-1] if terminated else None,
            done_before=[code for o in terminated for code in o.items_done])
        order.number = uow.repo.next_number(NUMBER_PREFIX, order.division, now)
        uow.session.add(order)
        uow.session.flush()
        uow.commit()
        return order


def accept(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID, *,
           now: datetime) -> WorkOrder:
    with uow:
        order = load_order(uow, principal, "work_order.respond", order_id)
        app = _app_of(uow, order)
        order.accept(company_of(principal), now)
        if order.kind == "works":  # a warranty repair leaves the case where it is
            app.start_works()
        uow.commit()
        return order


def decline(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID, reason: str, *,
            now: datetime) -> WorkOrder:
    with uow:
        order = load_order(uow, principal, "work_order.respond", order_id)
        order.decline(company_of(principal), reason, now)
        uow.commit()
        return order


def cancel(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID, reason: str, *,
           now: datetime) -> WorkOrder:
    with uow:
        order = load_order(uow, principal, "work_order.cancel", order_id)
        order.cancel(principal.sub, reason, now)
        uow.commit()
        return order


def report_defect(uow: RenovationUoW, principal: Principal, application_id: uuid.UUID,
                  description: str, *, now: datetime) -> WorkOrder:
    """The household reported a defect within the programme's defect period after the
    acceptance of its works: a warranty order to the same contractor, no budget charge."""
    with uow:
        app = load(uow, principal, "application.defect", application_id)
        accepted = [o for o in uow.repo.work_orders_of(app.id)
                    if o.kind == "works" and o.status == "closed"]
        if not accepted:
            label = APPLICATION_STATES.get(app.status, (app.status,))[0]
            raise Conflict(f"该户工程尚未验收合格，当前状态为「{label}」，不能报修 "
                           "(the works have not been accepted)", current_state=app.status)
        works = accepted[-1]
        open_ = [o for o in uow.repo.work_orders_of(app.id)
                 if o.kind == "warranty" and o.status not in (*DEAD_ORDER_STATES, "closed")]
        if open_:
            label = WORK_ORDER_STATES.get(open_[0].status, (open_[0].status,))[0]
            raise Conflict(f"该户已有保修工单，当前状态为「{label}」 (a warranty order is open)",
                           current_state=open_[0].status)
        contractor = uow.repo.contractor(works.contractor_id)
        assert contractor is not None  # foreign key
        programme = _programme(uow, app.programme_id)
        order = WorkOrder.open_warranty(app, works, contractor, description, principal.sub,
                                        now, defect_days=programme.defect_days)
        order.number = uow.repo.next_number(NUMBER_PREFIX, order.division, now)
        uow.session.add(order)
        uow.session.flush()
        uow.commit()
        return order


def order_value_fen(app: Application, order: WorkOrder, items: Sequence[str] | None = None
                    ) -> int:
    """The plan's value of the order's items (or of ``items``)."""
    wanted = set(order.items if items is None else items)
    plan = app.plan
    return sum(line.total_fen for line in (plan.construction_lines if plan else [])
               if line.item_code in wanted)


def end_order(order: WorkOrder, app: Application, by: str, *, kind: str, reason: str,
              cost_incurred_fen: int | None, now: datetime) -> None:
    """Terminate a taken order (or cancel one not yet answered). The cost incurred
    defaults to the plan's value of the items done. The case goes back to an approved
    plan awaiting a contractor for the rest."""
    if order.status == "assigned":
        order.cancel(by, reason, now)
        return
    cost = (order_value_fen(app, order, order.items_done) if cost_incurred_fen is None
            else cost_incurred_fen)
    order.terminate(by, kind, reason, cost, order_value_fen(app, order), now)
    if app.status in ("in_works", "inspection"):
        app.works_terminated()


def terminate(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID, *, kind: str,
              reason: str, cost_incurred_fen: int | None, now: datetime) -> WorkOrder:
    """Staff end an order in progress (the contractor went bankrupt, breached, or the
    household asked); the remaining items can then be assigned to another contractor."""
    with uow:
        order = load_order(uow, principal, "work_order.terminate", order_id)
        app = _app_of(uow, order)
        WORK_ORDER.next(order.status, "terminate")  # "assigned": 409, cancel it instead
        end_order(order, app, principal.sub, kind=kind, reason=reason,
                  cost_incurred_fen=cost_incurred_fen, now=now)
        uow.commit()
        return order


def record_satisfaction(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID, *,
                        score: int | None, comment: str | None, reason: str | None,
                        now: datetime) -> WorkOrder:
    """Staff record the satisfaction visit themselves: the score (taken by phone, or on
    their own visit), or why there is none (nobody at home, refused, moved away). The case
    closes."""
    with uow:
        order = load_order(uow, principal, "work_order.satisfaction", order_id)
        app = _app_of(uow, order)
        order.record_satisfaction(score, comment, now, missing_reason=reason)
        app.close(now)
        uow.commit()
        return order


def schedule(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID, start_on: date,
             end_on: date, *, now: datetime) -> WorkOrder:
    with uow:
        order = load_order(uow, principal, "work_order.respond", order_id)
        order.schedule(company_of(principal), start_on, end_on, now)
        uow.commit()
        return order


def report_progress(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID,
                    data: dict[str, Any], *, now: datetime) -> WorkOrder:
    with uow:
        order = load_order(uow, principal, "work_order.respond", order_id)
        refs = {
            name: _photo_refs(uow, data.get(name) or [], application_id=order.application_id,
                              work_order_id=order.id, field=name)
            for name in ("photos_before", "photos_after")
        }
        order.report_progress(
            principal.sub, company_of(principal), now, note=data["note"], percent=data["percent"],
            items_done=[normalise(c) for c in data.get("items_done") or []], **refs,
        )
        uow.commit()
        return order


def request_completion(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID, *,
                       now: datetime) -> WorkOrder:
    with uow:
        order = load_order(uow, principal, "work_order.respond", order_id)
        app = _app_of(uow, order)
        order.request_completion(company_of(principal), now)
        if order.kind == "works":
            app.request_inspection()
        uow.commit()
        return order


def inspect(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID, *, passed: bool,
            defects: Sequence[str], note: str | None, now: datetime) -> WorkOrder:
    """Acceptance inspection by an inspector who is not from the contractor company."""
    with uow:
        order = load_order(uow, principal, "work_order.inspect", order_id)
        app = _app_of(uow, order)
        company = company_of(principal)
        works = order.kind == "works"
        if passed:
            order.pass_inspection(principal.sub, company, now, note,
                                  principal.name or principal.sub)
            if works:
                app.pass_inspection(now)
        else:
            order.fail_inspection(principal.sub, company, defects, now)
            if works:
                app.fail_inspection()
        uow.commit()
        return order


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
        setattr(order, "site_address", mask_address(app.address) if app else None)  # noqa: B010
        setattr(order, "due_kind", clock.kind.value if clock else None)  # noqa: B010
        setattr(order, "due_at", clock.due_at if clock else None)  # noqa: B010
        if order.status == "terminated":
            successor = next((o.id for o in uow.repo.work_orders_of(order.application_id)
                              if o.predecessor_id == order.id), None)
            setattr(order, "successor_id", successor)  # noqa: B010


def site_contact(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID,
                 purpose: str, *, now: datetime) -> dict[str, Any]:
    """The site's full address and the household's phone for the assigned contractor,
    from accepting the order until its closure (``WorkOrder.require_contact``: 409 naming
    the state before and after). Each read is recorded in the access log (svckit.pipl)
    with its purpose, and in the household file, in the same transaction. The name stays
    a form of address (``张某``)."""
    purpose = pipl.check_purpose(purpose)
    with uow:
        order = load_order(uow, principal, "work_order.contact", order_id, lock=False)
        order.require_contact(company_of(principal))
        app = uow.repo.application(order.application_id)
        assert app is not None  # foreign key
        pipl.record_read(uow, principal, record_type="work_order", record_id=order.id,
                         fields=SITE_CONTACT_FIELDS, purpose=purpose, at=now)
        uow.repo.add_history(app.id, now, "SiteContactRead", {}, actor=principal.sub,
                             work_order_id=order.id)
        uow.commit()
        return {"work_order_id": order.id, "number": order.number, "status": order.status,
                "site_address": app.address, "phone": app.phone,
                "contact_name": contact_name(app.holder_name)}


def get(uow: RenovationUoW, principal: Principal, order_id: uuid.UUID) -> WorkOrder:
    with uow:
        order = load_order(uow, principal, "work_order.read", order_id, lock=False)
        _annotate(uow, [order])
        return order


def search(uow: RenovationUoW, principal: Principal, *, status: str | None, page: int,
           page_size: int) -> tuple[list[WorkOrder], int]:
    POLICY.require_role(principal, "work_order.read")
    company = company_of(principal) if principal.role is Role.CONTRACTOR else None
    districts = principal.division_filter()
    with uow:
        found, total = uow.repo.work_orders(contractor_id=company, status=status,
                                            districts=districts, page=page,
                                            page_size=page_size)
        _annotate(uow, found)
        return list(found), total


def overdue_list(uow: RenovationUoW, principal: Principal, *,
                 now: datetime) -> list[tuple[Breach, WorkOrder]]:
    """Every order past a deadline now (reported or not), oldest due first."""
    POLICY.require_role(principal, "work_order.overdue")
    with uow:
        orders = [o for o in uow.repo.clocked_work_orders()
                  if principal.covers(division=o.division)]
        settings = {p.id: p.deadlines for p in uow.repo.programmes()}
        by_id = {o.id: o for o in orders}
        return sorted(((b, by_id[b.work_order_id]) for b in overdue(orders, settings, now)),
                      key=lambda pair: pair[0].due_at)
