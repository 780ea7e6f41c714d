"""Queries and row locks. ``FOR UPDATE`` is a no-op on SQLite, where ``BEGIN IMMEDIATE``
already serialises writers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from svckit.domain.identifiers import normalise
from svckit.numbering import next_number

from renovation.adapters import orm
from renovation.domain.application import Application
from renovation.domain.catalogue import CatalogueItem
from renovation.domain.programme import Programme
from renovation.domain.workorder import Contractor, WorkOrder

#: application states from which the plan's total is committed against the budget
COMMITTED_STATES = ("plan_approved", "in_works", "inspection", "completed", "closed")
#: work-order states a deadline clock can run in
CLOCKED_ORDER_STATES = ("assigned", "completion_requested", "rework")


class Repository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ---- programmes and catalogue -------------------------------------------------
    def next_number(self, prefix: str, division: str, at: datetime) -> str:
        """The next document number of ``prefix`` for ``division`` in the China year of
        ``at`` (svckit.numbering: race-free inside this transaction)."""
        return next_number(self.session, orm.document_counters, prefix, division, at)

    def programme(self, programme_id: uuid.UUID, *, lock: bool = False) -> Programme | None:
        return self.session.get(Programme, programme_id, with_for_update=lock or None)

    def programmes(self) -> Sequence[Programme]:
        return self.session.scalars(
            sa.select(Programme).order_by(orm.programmes.c.year.desc(), orm.programmes.c.name)
        ).all()

    def programme_by_name(self, year: int, name: str) -> Programme | None:
        return self.session.scalars(
            sa.select(Programme).where(orm.programmes.c.year == year,
                                       orm.programmes.c.name == name)
        ).first()

    def committed_fen(self, programme_id: uuid.UUID, *, excluding: uuid.UUID | None = None) -> int:
        """The sum of the programme's approved plan totals (call it under the programme lock)."""
        a, p = orm.applications, orm.plans
        q = (
            sa.select(sa.func.coalesce(sa.func.sum(p.c.total_fen), 0))
            .select_from(p.join(a, a.c.id == p.c.application_id))
            .where(a.c.programme_id == programme_id, a.c.status.in_(COMMITTED_STATES))
        )
        if excluding is not None:
            q = q.where(a.c.id != excluding)
        return int(self.session.execute(q).scalar_one()) + self.withdrawn_spent_fen(programme_id)

    def withdrawn_spent_fen(self, programme_id: uuid.UUID) -> int:
        """What terminated work orders of withdrawn applications cost: spent, never released."""
        a, w = orm.applications, orm.work_orders
        q = (
            sa.select(sa.func.coalesce(sa.func.sum(w.c.cost_incurred_fen), 0))
            .select_from(w.join(a, a.c.id == w.c.application_id))
            .where(a.c.programme_id == programme_id, a.c.status == "withdrawn",
                   w.c.status == "terminated")
        )
        return int(self.session.execute(q).scalar_one())

    def programme_figures(self, programme_id: uuid.UUID) -> dict[str, int]:
        """The year-end figures: homes done and their plan totals, what open cases hold,
        and the number of cases by whether they are still open."""
        a, p = orm.applications, orm.plans
        done = a.c.status.in_(("completed", "closed"))
        holding = a.c.status.in_(("plan_approved", "in_works", "inspection"))
        row = self.session.execute(
            sa.select(
                sa.func.count().filter(done).label("homes_done"),
                sa.func.coalesce(sa.func.sum(p.c.total_fen).filter(done), 0).label("done_fen"),
                sa.func.coalesce(sa.func.sum(p.c.total_fen).filter(holding), 0)
                .label("open_committed_fen"),
                sa.func.count().filter(
                    a.c.status.not_in(("closed", "refused", "withdrawn"))).label("open_cases"),
                sa.func.count().filter(a.c.status == "withdrawn").label("withdrawn"),
            ).select_from(a.outerjoin(p, p.c.application_id == a.c.id))
            .where(a.c.programme_id == programme_id)
        ).one()
        return {k: int(v) for k, v in row._mapping.items()}

    def catalogue(self) -> Sequence[CatalogueItem]:
        return self.session.scalars(
            sa.select(CatalogueItem).order_by(orm.catalogue_items.c.area,
                                              orm.catalogue_items.c.code)
        ).all()

    def items_by_code(self, codes: Iterable[str]) -> dict[str, CatalogueItem]:
        wanted = {normalise(c) for c in codes}
        rows = self.session.scalars(
            sa.select(CatalogueItem).where(orm.catalogue_items.c.code.in_(wanted))
        ).all()
        return {item.code: item for item in rows}

    # ---- contractors ----------------------------------------------------------------
    def contractor(self, contractor_id: uuid.UUID) -> Contractor | None:
        return self.session.get(Contractor, contractor_id)

    def contractors(self) -> Sequence[Contractor]:
        return self.session.scalars(
            sa.select(Contractor).order_by(orm.contractors.c.name)
        ).all()

    # ---- applications ------------------------------------------------------------------
    def application(self, application_id: uuid.UUID, *, lock: bool = False) -> Application | None:
        return self.session.get(Application, application_id, with_for_update=lock or None)

    def applications(
        self,
        *,
        status: str | None,
        programme_id: uuid.UUID | None,
        division: str | None,
        districts: Sequence[str] | None,
        page: int,
        page_size: int,
    ) -> tuple[list[Application], int]:
        a = orm.applications
        conds: list[Any] = []
        if status:
            conds.append(a.c.status == status)
        if programme_id:
            conds.append(a.c.programme_id == programme_id)
        if division:
            conds.append(_within(a.c.division, normalise(division)))
        if districts is not None:
            conds.append(sa.or_(*[_within(a.c.division, d) for d in districts]) if districts
                         else sa.false())
        total = self.session.execute(
            sa.select(sa.func.count()).select_from(a).where(*conds)
        ).scalar_one()
        rows = self.session.scalars(
            sa.select(Application).where(*conds)
            .order_by(a.c.submitted_at.desc(), a.c.id)
            .limit(page_size).offset((page - 1) * page_size)
        ).all()
        return list(rows), int(total)

    def application_of_device_request(
        self, request_id: uuid.UUID, *, lock: bool = False
    ) -> Application | None:
        plan_id = self.session.execute(
            sa.select(orm.device_requests.c.plan_id).where(orm.device_requests.c.id == request_id)
        ).scalar()
        if plan_id is None:
            return None
        app_id = self.session.execute(
            sa.select(orm.plans.c.application_id).where(orm.plans.c.id == plan_id)
        ).scalar_one()
        return self.application(app_id, lock=lock)

    def waiting_device_requests(self, device_type_code: str, division: str,
                                case_states: Sequence[str]) -> list[uuid.UUID]:
        """Device items marked unavailable, of this ISO type, of households in
        ``division`` whose case is in ``case_states``: the longest waiting first."""
        dr, pl, ap = orm.device_requests.c, orm.plans.c, orm.applications.c
        return list(self.session.execute(
            sa.select(dr.id)
            .join(orm.plans, pl.id == dr.plan_id)
            .join(orm.applications, ap.id == pl.application_id)
            .where(dr.status == "unavailable", dr.device_type_code == device_type_code,
                   ap.division == division, ap.status.in_(list(case_states)))
            .order_by(dr.updated_at.asc().nulls_first(), pl.approved_at, dr.position)
        ).scalars())

    def application_of_assessment(self, assessment_id: uuid.UUID) -> uuid.UUID | None:
        return self.session.execute(
            sa.select(orm.assessments.c.application_id)
            .where(orm.assessments.c.id == assessment_id)
        ).scalar()

    # ---- work orders ---------------------------------------------------------------------
    def work_order(self, order_id: uuid.UUID, *, lock: bool = False) -> WorkOrder | None:
        return self.session.get(WorkOrder, order_id, with_for_update=lock or None)

    def work_orders_of(self, application_id: uuid.UUID) -> Sequence[WorkOrder]:
        w = orm.work_orders
        return self.session.scalars(
            sa.select(WorkOrder).where(w.c.application_id == application_id)
            .order_by(w.c.assigned_at)
        ).all()

    def work_orders(
        self,
        *,
        contractor_id: uuid.UUID | None,
        status: str | None,
        districts: Sequence[str] | None,
        page: int,
        page_size: int,
    ) -> tuple[list[WorkOrder], int]:
        w = orm.work_orders
        conds: list[Any] = []
        if contractor_id is not None:
            conds.append(w.c.contractor_id == contractor_id)
        if status:
            conds.append(w.c.status == status)
        if districts is not None:
            conds.append(sa.or_(*[_within(w.c.division, d) for d in districts]) if districts
                         else sa.false())
        total = self.session.execute(
            sa.select(sa.func.count()).select_from(w).where(*conds)
        ).scalar_one()
        rows = self.session.scalars(
            sa.select(WorkOrder).where(*conds)
            .order_by(w.c.assigned_at.desc(), w.c.id)
            .limit(page_size).offset((page - 1) * page_size)
        ).all()
        return list(rows), int(total)

    def clocked_work_orders(self, *, lock: bool = False) -> Sequence[WorkOrder]:
        """Orders whose deadline clock runs (assigned, awaiting inspection, in rework)."""
        q = sa.select(WorkOrder).where(orm.work_orders.c.status.in_(CLOCKED_ORDER_STATES))
        if lock:
            q = q.with_for_update(of=orm.work_orders)
        return self.session.scalars(q.order_by(orm.work_orders.c.assigned_at)).all()

    # ---- photos, history, visits -------------------------------------------------------
    def photos(self, ids: Iterable[uuid.UUID]) -> list[dict[str, Any]]:
        id_list = list(ids)
        if not id_list:
            return []
        rows = self.session.execute(sa.select(orm.photos).where(orm.photos.c.id.in_(id_list)))
        return [dict(r._mapping) for r in rows]

    def photo(self, photo_id: uuid.UUID) -> dict[str, Any] | None:
        row = self.session.execute(
            sa.select(orm.photos).where(orm.photos.c.id == photo_id)
        ).first()
        return dict(row._mapping) if row else None

    def add_photo(self, **values: Any) -> None:
        self.session.execute(sa.insert(orm.photos).values(**values))

    def photos_of(self, application_id: uuid.UUID) -> list[dict[str, Any]]:
        rows = self.session.execute(
            sa.select(orm.photos).where(orm.photos.c.application_id == application_id)
            .order_by(orm.photos.c.uploaded_at)
        )
        return [dict(r._mapping) for r in rows]

    def add_history(
        self,
        application_id: uuid.UUID,
        at: datetime,
        event: str,
        data: dict[str, Any],
        *,
        actor: str | None = None,
        work_order_id: uuid.UUID | None = None,
    ) -> None:
        self.session.execute(sa.insert(orm.history).values(
            application_id=application_id, work_order_id=work_order_id, at=at, event=event,
            actor=actor, data=data,
        ))

    def history_of(self, application_id: uuid.UUID) -> list[dict[str, Any]]:
        h = orm.history
        rows = self.session.execute(
            sa.select(h).where(h.c.application_id == application_id).order_by(h.c.at, h.c.id)
        )
        return [dict(r._mapping) for r in rows]

    def add_visit(self, **values: Any) -> None:
        self.session.execute(sa.insert(orm.visits).values(**values))

    def visits_of(self, application_id: uuid.UUID) -> list[dict[str, Any]]:
        v = orm.visits
        rows = self.session.execute(
            sa.select(v).where(v.c.application_id == application_id).order_by(v.c.at)
        )
        return [dict(r._mapping) for r in rows]

    # ---- reports ---------------------------------------------------------------------------
    def households_by_status(self, districts: Sequence[str] | None) -> list[dict[str, Any]]:
        a = orm.applications
        q = sa.select(a.c.programme_id, a.c.division, a.c.status, sa.func.count().label("n"))
        if districts is not None:
            q = q.where(sa.or_(*[_within(a.c.division, d) for d in districts]) if districts
                        else sa.false())
        q = q.group_by(a.c.programme_id, a.c.division, a.c.status).order_by(
            a.c.programme_id, a.c.division, a.c.status
        )
        return [dict(r._mapping) for r in self.session.execute(q)]

    def spend_by_division(self, districts: Sequence[str] | None) -> list[dict[str, Any]]:
        a, p = orm.applications, orm.plans
        q = (
            sa.select(
                a.c.programme_id,
                a.c.division,
                sa.func.count().label("homes"),
                sa.func.coalesce(sa.func.sum(p.c.total_fen), 0).label("committed_fen"),
                sa.func.coalesce(
                    sa.func.sum(sa.case((a.c.status.in_(("completed", "closed")), p.c.total_fen),
                                        else_=0)), 0
                ).label("completed_fen"),
            )
            .select_from(p.join(a, a.c.id == p.c.application_id))
            .where(a.c.status.in_(COMMITTED_STATES))
        )
        if districts is not None:
            q = q.where(sa.or_(*[_within(a.c.division, d) for d in districts]) if districts
                        else sa.false())
        q = q.group_by(a.c.programme_id, a.c.division).order_by(a.c.programme_id, a.c.division)
        return [dict(r._mapping) for r in self.session.execute(q)]


def _within(column: Any, scope: str) -> Any:
    """SQL for ``is_within(column, scope)``: a city (``3715xx00`` style) covers its counties."""
    if scope.endswith("0000"):
        return column.like(scope[:2] + "%")
    if scope.endswith("00"):
        return column.like(scope[:4] + "%")
    return column == scope

