"""Queries and row locks. Every ``lock_*`` is ``SELECT ... FOR UPDATE`` on PostgreSQL
(a no-op on SQLite, where ``BEGIN IMMEDIATE`` already serialises writers) and refreshes
the object from the row it locked."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import Session
from svckit.domain.division import city_of, province_of
from svckit.domain.errors import NotFound
from svckit.numbering import next_number

from volunteer.adapters import orm
from volunteer.domain.certificates import Certificate
from volunteer.domain.events import SourceRef
from volunteer.domain.hours import HourStatus, ServiceHourEntry, china_days, china_month
from volunteer.domain.matching import VolunteerLoad
from volunteer.domain.tasks import COMMITTED, LIVE, OfferOutcome, Task, TaskState
from volunteer.domain.volunteers import Team, Volunteer


def _page(stmt: Any, page: int, size: int) -> Any:
    return stmt.limit(size).offset((page - 1) * size)


class TeamRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, team_id: UUID) -> Team:
        team = self.session.get(Team, team_id)
        if team is None:
            raise NotFound("team", team_id)
        return team

    def by_division(self, division: str) -> Team | None:
        return self.session.scalars(
            sa.select(Team).where(orm.teams.c.division == division)
        ).one_or_none()

    def all(self) -> list[Team]:
        return list(self.session.scalars(sa.select(Team).order_by(orm.teams.c.division)))

    def add(self, team: Team) -> None:
        self.session.add(team)


def _serving(division: str) -> Any:
    """Volunteers whose ``divisions`` JSON names the division, its city or province (a
    text match on the JSON list; the exact rule is ``Volunteer.serves``)."""
    col = sa.cast(orm.volunteers.c.divisions, sa.Text)
    codes = {division, city_of(division), province_of(division)}
    return sa.or_(*(col.like(f'%"{c}"%') for c in sorted(codes)))


class VolunteerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, volunteer_id: UUID) -> Volunteer:
        v = self.session.get(Volunteer, volunteer_id)
        if v is None:
            raise NotFound("volunteer", volunteer_id)
        return v

    def active_by_team(self) -> dict[UUID, int]:
        v = orm.volunteers.c
        rows = self.session.execute(
            sa.select(v.team_id, sa.func.count()).where(v.active.is_(True),
                                                        v.team_id.is_not(None))
            .group_by(v.team_id))
        return {team: int(n) for team, n in rows}

    def many(self, ids: Iterable[UUID]) -> list[Volunteer]:
        wanted = list(ids)
        if not wanted:
            return []
        return list(self.session.scalars(
            sa.select(Volunteer).where(orm.volunteers.c.id.in_(wanted))))

    def lock(self, volunteer_id: UUID) -> Volunteer:
        """Row lock on the volunteer: accepts/assignments of one volunteer queue here, so
        two overlapping tasks can never both be booked."""
        v = self.session.scalars(
            sa.select(Volunteer).where(orm.volunteers.c.id == volunteer_id)
            .with_for_update().execution_options(populate_existing=True)
        ).one_or_none()
        if v is None:
            raise NotFound("volunteer", volunteer_id)
        return v

    def add(self, volunteer: Volunteer) -> None:
        self.session.add(volunteer)

    def pool_for(self, division: str, team_id: UUID | None) -> list[Volunteer]:
        """Everyone matching should consider: serving the division, or in its team."""
        cond = _serving(division)
        if team_id is not None:
            cond = sa.or_(cond, orm.volunteers.c.team_id == team_id)
        found = self.session.scalars(sa.select(Volunteer).where(cond))
        return [v for v in found if v.serves(division) or v.team_id == team_id]

    def search(
        self,
        *,
        scopes: Sequence[str] | None,
        team_id: UUID | None,
        skill: str | None,
        active: bool | None,
        page: int,
        size: int,
    ) -> tuple[list[Volunteer], int]:
        stmt = sa.select(Volunteer)
        if scopes is not None:
            conds = [_overlapping(c) for c in scopes]
            stmt = stmt.where(sa.or_(*conds) if conds else sa.false())
        if team_id is not None:
            stmt = stmt.where(orm.volunteers.c.team_id == team_id)
        if skill is not None:
            stmt = stmt.where(sa.cast(orm.volunteers.c.skills, sa.Text).like(f'%"{skill}"%'))
        if active is not None:
            stmt = stmt.where(orm.volunteers.c.active.is_(active))
        total = self.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
        rows = self.session.scalars(_page(stmt.order_by(orm.volunteers.c.real_name,
                                                        orm.volunteers.c.id), page, size))
        return list(rows), int(total or 0)


def _overlapping(scope: str) -> Any:
    """Volunteers serving a division inside ``scope`` or one containing it."""
    col = sa.cast(orm.volunteers.c.divisions, sa.Text)
    inner = _scope_like(scope).rstrip("%")
    return sa.or_(_serving(scope), col.like(f'%"{inner}%'))


def _scope_like(code: str) -> str:
    if code.endswith("0000"):
        return code[:2] + "%"
    if code.endswith("00"):
        return code[:4] + "%"
    return code


class TaskRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, task_id: UUID) -> Task:
        task = self.session.get(Task, task_id)
        if task is None:
            raise NotFound("task", task_id)
        return task

    def lock(self, task_id: UUID) -> Task:
        """Row lock on the task: offers, accepts, assignments of one task queue here."""
        task = self.session.scalars(
            sa.select(Task).where(orm.tasks.c.id == task_id)
            .with_for_update().execution_options(populate_existing=True)
        ).one_or_none()
        if task is None:
            raise NotFound("task", task_id)
        return task

    def add(self, task: Task) -> None:
        self.session.add(task)

    def source_seen(self, source: SourceRef, cause: str) -> bool:
        """Whether anything may already stand for this request, in one round trip: a task
        of the source, a cancellation of it, or a live task of its cause. False (the usual
        answer for a new request) means none of the three exists; True means look at
        each (:meth:`by_source`, :meth:`source_cancelled`, :meth:`live_by_cause`)."""
        t, c = orm.tasks.c, orm.cancelled_sources.c
        stmt = sa.select(sa.or_(
            sa.exists().where(t.source_service == source.service,
                              t.source_kind == source.kind, t.source_id == source.id),
            sa.exists().where(c.source_service == source.service,
                              c.source_kind == source.kind, c.source_id == source.id),
            sa.exists().where(t.cause_key == cause, t.state.in_([str(s) for s in LIVE])),
        ))
        return bool(self.session.execute(stmt).scalar())

    def by_source(self, source: SourceRef, *, lock: bool = False) -> Task | None:
        stmt = sa.select(Task).where(
            orm.tasks.c.source_service == source.service,
            orm.tasks.c.source_kind == source.kind,
            orm.tasks.c.source_id == source.id,
        )
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt).one_or_none()

    def live_by_cause(self, key: str, *, lock: bool = False) -> Task | None:
        """The task still to be done for this cause (at most one: ``uq_tasks_live_cause``)."""
        t = orm.tasks.c
        stmt = sa.select(Task).where(t.cause_key == key,
                                     t.state.in_([str(s) for s in LIVE]))
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt).one_or_none()

    def unfilled_past_window_ids(self, now: datetime, limit: int) -> list[UUID]:
        """Open or offered tasks whose window has ended (the expiry job)."""
        t = orm.tasks.c
        return list(self.session.scalars(
            sa.select(t.id).where(t.state.in_([str(TaskState.OPEN), str(TaskState.OFFERED)]),
                                  t.window_end <= now)
            .order_by(t.window_end).limit(limit)
        ))

    def busy(self, volunteer_ids: Iterable[UUID], start: datetime, end: datetime) -> list[Task]:
        """Accepted / in-progress tasks of these volunteers whose booked slot (their window,
        for a task booked before slots existed) overlaps ``[start, end)``: pass a task's
        window to get every booking its slot could clash with."""
        ids = list(volunteer_ids)
        if not ids:
            return []
        t = orm.tasks.c
        return list(self.session.scalars(
            sa.select(Task).where(
                t.assignee_id.in_(ids),
                t.state.in_([str(s) for s in COMMITTED]),
                sa.func.coalesce(t.slot_start, t.window_start) < end,
                sa.func.coalesce(t.slot_end, t.window_end) > start,
            ).execution_options(populate_existing=True)
        ))

    def search(
        self,
        *,
        scopes: Sequence[str] | None,
        volunteer_id: UUID | None,
        states: Sequence[str],
        type: str | None,
        division: str | None,
        page: int,
        size: int,
    ) -> tuple[list[Task], int]:
        t = orm.tasks
        stmt = sa.select(Task)
        if scopes is not None:
            conds = [t.c.division.like(_scope_like(c)) for c in scopes]
            stmt = stmt.where(sa.or_(*conds) if conds else sa.false())
        if volunteer_id is not None:
            offered = sa.select(orm.offers.c.task_id).where(
                orm.offers.c.volunteer_id == volunteer_id)
            stmt = stmt.where(sa.or_(t.c.assignee_id == volunteer_id, t.c.id.in_(offered)))
        if states:
            stmt = stmt.where(t.c.state.in_(list(states)))
        if type is not None:
            stmt = stmt.where(t.c.type == type)
        if division is not None:
            stmt = stmt.where(t.c.division == division)
        total = self.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
        stmt = stmt.order_by(t.c.priority.desc(), t.c.window_start, t.c.id)
        return list(self.session.scalars(_page(stmt, page, size))), int(total or 0)

    def expired_offer_task_ids(self, now: datetime, limit: int) -> list[UUID]:
        o = orm.offers
        return list(self.session.scalars(
            sa.select(o.c.task_id).where(o.c.outcome == str(OfferOutcome.PENDING),
                                         o.c.expires_at <= now)
            .order_by(o.c.expires_at).limit(limit)
        ))

    def overdue_check_in_ids(self, before: datetime, limit: int) -> list[UUID]:
        t = orm.tasks
        return list(self.session.scalars(
            sa.select(t.c.id).where(t.c.state == str(TaskState.IN_PROGRESS),
                                    t.c.checked_in_at < before)
            .order_by(t.c.checked_in_at).limit(limit)
        ))

    # -- cancelled sources ------------------------------------------------------------
    def source_cancelled(self, source: SourceRef) -> bool:
        c = orm.cancelled_sources.c
        return self.session.execute(sa.select(c.reason).where(
            c.source_service == source.service, c.source_kind == source.kind,
            c.source_id == source.id)).first() is not None

    def record_cancelled_source(self, source: SourceRef, reason: str, now: datetime) -> None:
        if self.source_cancelled(source):
            return
        self.session.execute(sa.insert(orm.cancelled_sources).values(
            source_service=source.service, source_kind=source.kind, source_id=source.id,
            reason=reason[:200], cancelled_at=now))


class HoursRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, entry_id: UUID) -> ServiceHourEntry:
        e = self.session.get(ServiceHourEntry, entry_id)
        if e is None:
            raise NotFound("service_hours", entry_id)
        return e

    def lock(self, entry_id: UUID) -> ServiceHourEntry:
        e = self.session.scalars(
            sa.select(ServiceHourEntry).where(orm.service_hours.c.id == entry_id)
            .with_for_update().execution_options(populate_existing=True)
        ).one_or_none()
        if e is None:
            raise NotFound("service_hours", entry_id)
        return e

    def add(self, entry: ServiceHourEntry) -> None:
        self.session.add(entry)

    def on_days_of(self, volunteer_id: UUID, start: datetime, end: datetime, *,
                   statuses: Sequence[HourStatus] = (HourStatus.PENDING, HourStatus.APPROVED),
                   ) -> list[ServiceHourEntry]:
        """The volunteer's entries (of ``statuses``) that touch the China calendar days
        ``[start, end)`` touches. The caller holds the volunteer's row lock."""
        days = china_days(start, end)
        h = orm.service_hours.c
        return list(self.session.scalars(sa.select(ServiceHourEntry).where(
            h.volunteer_id == volunteer_id, h.status.in_([str(s) for s in statuses]),
            h.started_at < days[-1][2], h.ended_at > days[0][1])))

    def loads(self, volunteer_ids: Iterable[UUID], now: datetime) -> dict[UUID, VolunteerLoad]:
        """Minutes started this local month and the end of the latest service (pending and
        approved count; rejected do not)."""
        ids = list(volunteer_ids)
        if not ids:
            return {}
        h = orm.service_hours.c
        start, end = china_month(now)
        month = sa.case((sa.and_(h.started_at >= start, h.started_at < end), h.minutes),
                        else_=0)
        rows = self.session.execute(
            sa.select(h.volunteer_id, sa.func.sum(month), sa.func.max(h.ended_at))
            .where(h.volunteer_id.in_(ids), h.status != str(HourStatus.REJECTED))
            .group_by(h.volunteer_id)
        )
        out: dict[UUID, VolunteerLoad] = {}
        for vid, minutes, last in rows:  # max() keeps the column's type: aware UTC
            out[vid] = VolunteerLoad(int(minutes or 0), last)
        return out

    def search(
        self,
        *,
        scopes: Sequence[str] | None,
        volunteer_id: UUID | None,
        status: str | None,
        flagged: bool | None,
        page: int,
        size: int,
    ) -> tuple[list[ServiceHourEntry], int]:
        h = orm.service_hours.c
        stmt = sa.select(ServiceHourEntry)
        if scopes is not None:
            conds = [h.division.like(_scope_like(c)) for c in scopes]
            stmt = stmt.where(sa.or_(*conds) if conds else sa.false())
        if volunteer_id is not None:
            stmt = stmt.where(h.volunteer_id == volunteer_id)
        if status is not None:
            stmt = stmt.where(h.status == status)
        if flagged is not None:
            stmt = stmt.where(h.flagged.is_(flagged))
        total = self.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
        stmt = stmt.order_by(h.started_at.desc(), h.id)
        return list(self.session.scalars(_page(stmt, page, size))), int(total or 0)

    def totals(
        self,
        *,
        group: str,
        scopes: Sequence[str] | None,
        volunteer_id: UUID | None,
        statuses: Sequence[str],
        start: datetime | None,
        end: datetime | None,
    ) -> list[tuple[UUID | None, int, int]]:
        """``(volunteer or team id, minutes, entries)`` per group, biggest first."""
        h = orm.service_hours.c
        key = h.volunteer_id if group == "volunteer" else h.team_id
        stmt = sa.select(key, sa.func.sum(h.minutes), sa.func.count()).where(
            h.status.in_(list(statuses)))
        if scopes is not None:
            conds = [h.division.like(_scope_like(c)) for c in scopes]
            stmt = stmt.where(sa.or_(*conds) if conds else sa.false())
        if volunteer_id is not None:
            stmt = stmt.where(h.volunteer_id == volunteer_id)
        if start is not None:
            stmt = stmt.where(h.started_at >= start)
        if end is not None:
            stmt = stmt.where(h.started_at < end)
        if group == "team":
            stmt = stmt.where(h.team_id.is_not(None))
        stmt = stmt.group_by(key).order_by(sa.func.sum(h.minutes).desc(), key)
        return [(k, int(m or 0), int(n)) for k, m, n in self.session.execute(stmt)]


class CertificateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, certificate: Certificate) -> None:
        self.session.add(certificate)

    def get(self, certificate_id: UUID) -> Certificate:
        c = self.session.get(Certificate, certificate_id)
        if c is None:
            raise NotFound("certificate", certificate_id)
        return c

    def by_number(self, number: str) -> Certificate | None:
        return self.session.scalars(sa.select(Certificate).where(
            orm.certificates.c.number == number)).one_or_none()

    def of_volunteer(self, volunteer_id: UUID) -> list[Certificate]:
        c = orm.certificates.c
        return list(self.session.scalars(sa.select(Certificate).where(
            c.volunteer_id == volunteer_id).order_by(c.issued_at.desc(), c.id)))

    def next_number(self, prefix: str, division: str, at: datetime) -> str:
        """The next document number of ``prefix`` for ``division`` in the China year of
        ``at`` (svckit.numbering: the counter row stays locked until this transaction
        ends, so two certificates never share a number)."""
        return next_number(self.session, orm.document_counters, prefix, division, at)

    def approved_with_kind(self, volunteer_id: UUID, start: datetime | None = None,
                           end: datetime | None = None,
                           ) -> list[tuple[ServiceHourEntry, str | None]]:
        """The volunteer's approved entries started in ``[start, end)`` (all when not
        given), each with its task's kind (None: recorded without a task)."""
        h, t = orm.service_hours.c, orm.tasks.c
        stmt = (sa.select(ServiceHourEntry, t.type)
                .outerjoin(orm.tasks, t.id == h.task_id)
                .where(h.volunteer_id == volunteer_id,
                       h.status == str(HourStatus.APPROVED)))
        if start is not None:
            stmt = stmt.where(h.started_at >= start)
        if end is not None:
            stmt = stmt.where(h.started_at < end)
        rows = self.session.execute(stmt.order_by(h.started_at, h.id)).all()
        return [(e, None if kind is None else str(kind)) for e, kind in rows]
