"""Matching and dispatch: ranking, offers, answers, hand assignment, drop-outs, no-shows,
lapsed offers.

Concurrency: every use case that changes a task locks its row first (``FOR UPDATE``);
accept and assign then lock the volunteer's row before loading their booked tasks (every
booking whose slot overlaps the task's window) and booking the slot, so two overlapping
slots of one volunteer queue behind each other and the second sees the first.
Lock order is always task, then volunteer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from svckit.auth.principal import Principal, Role
from svckit.domain.errors import Conflict, DomainError, NotFound

from volunteer.domain.matching import MatchResult, rank_candidates
from volunteer.domain.tasks import Task, TaskState
from volunteer.domain.volunteers import Volunteer
from volunteer.service_layer.common import coordinated_task, me, visible_task
from volunteer.service_layer.policy import POLICY
from volunteer.service_layer.uow import VolunteerUoW

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ranking:
    task: Task
    result: MatchResult
    volunteers: dict[UUID, Volunteer]


def _match(uow: VolunteerUoW, task: Task, now: datetime) -> Ranking:
    team = uow.teams.by_division(task.division)
    pool = uow.volunteers.pool_for(task.division, team.id if team else None)
    ids = [v.id for v in pool]
    busy = uow.tasks.busy(ids, task.window_start, task.window_end)
    loads = uow.hours.loads(ids, now)
    return Ranking(task, rank_candidates(task, pool, busy=busy, loads=loads, now=now),
                   {v.id: v for v in pool})


def candidates(uow: VolunteerUoW, principal: Principal, task_id: UUID, *,
               now: datetime) -> Ranking:
    """The coordinator's view: ranked candidates with reasons, the excluded with why."""
    with uow:
        task = visible_task(uow, principal, task_id)
        POLICY.require(principal, "task.dispatch", division=task.division)
        return _match(uow, task, now)


def _expiry(uow: VolunteerUoW, task: Task, now: datetime, ttl: timedelta | None) -> datetime:
    """``now + ttl``, but never past the end of the task's window."""
    if now >= task.window_end:
        raise Conflict("任务时段已结束，请先改期 (the window has ended; reschedule first)",
                       current_state=str(task.state))
    return min(now + (ttl or uow.settings.offer_ttl), task.window_end)


def _offer(uow: VolunteerUoW, task: Task, volunteer: Volunteer, by: UUID, now: datetime,
           ttl: timedelta | None = None) -> None:
    busy = uow.tasks.busy([volunteer.id], task.window_start, task.window_end)
    task.offer(volunteer, by=by, now=now, expires_at=_expiry(uow, task, now, ttl), busy=busy)


def _reoffer(uow: VolunteerUoW, task: Task, now: datetime) -> UUID | None:
    """After a decline, lapse, drop-out or no-show: offer to the next best candidate on
    behalf of the coordinator who dispatched it, up to ``reoffer_limit`` automatic offers
    per task; past the limit, or with nobody left, the task is escalated to the
    coordinator (``volunteer.task_escalated``) and stays open."""
    if task.state is not TaskState.OPEN or task.dispatched_by is None:
        return None
    if now >= task.window_end:
        return None
    limit = uow.settings.reoffer_limit
    if task.reoffer_count >= limit:
        task.escalate(now=now, reason=f"已自动改派{limit}次仍无人接单，请协调员处理 "
                                      f"(re-offered {limit} times; the coordinator takes over)")
        return None
    best = _match(uow, task, now).result.best
    if best is None:
        log.info("task %s: no candidate left to re-offer", task.id)
        task.escalate(now=now, reason="没有其他符合条件的志愿者可改派，请协调员处理 "
                                      "(nobody else eligible to re-offer it to)")
        return None
    try:
        _offer(uow, task, uow.volunteers.get(best.volunteer_id), task.dispatched_by, now)
    except DomainError as exc:  # a rule refused it after all: leave it open
        log.info("task %s: re-offer to %s refused: %s", task.id, best.volunteer_id, exc)
        return None
    task.reoffer_count += 1
    return best.volunteer_id


def offer(uow: VolunteerUoW, principal: Principal, task_id: UUID, volunteer_id: UUID | None,
          *, now: datetime, ttl: timedelta | None = None) -> Task:
    """Offer to the chosen volunteer, or to the best-ranked candidate."""
    with uow:
        task = coordinated_task(uow, principal, task_id)
        task.check("offer")  # 409 with the current state before any ranking work
        if volunteer_id is None:
            best = _match(uow, task, now).result.best
            if best is None:
                raise Conflict("没有符合条件的志愿者 (no eligible volunteer)",
                               current_state=str(task.state))
            volunteer_id = best.volunteer_id
        _offer(uow, task, uow.volunteers.get(volunteer_id), me(principal), now, ttl)
        uow.commit()
    return task


def withdraw(uow: VolunteerUoW, principal: Principal, task_id: UUID, *,
             now: datetime) -> Task:
    with uow:
        task = coordinated_task(uow, principal, task_id)
        task.withdraw_offer(now=now)
        uow.commit()
    return task


def assign(uow: VolunteerUoW, principal: Principal, task_id: UUID, volunteer_id: UUID, *,
           now: datetime, override: bool = False) -> Task:
    """Hand assignment. An open offer to someone else is withdrawn first."""
    with uow:
        task = coordinated_task(uow, principal, task_id)
        if task.state is TaskState.OFFERED:
            task.withdraw_offer(now=now)
        task.check("assign")
        volunteer = uow.volunteers.lock(volunteer_id)
        busy = uow.tasks.busy([volunteer.id], task.window_start, task.window_end)
        task.assign(volunteer, by=me(principal), now=now, busy=busy, override=override)
        uow.commit()
    return task


def _offered_to_me(uow: VolunteerUoW, principal: Principal, task_id: UUID) -> Task:
    POLICY.require_role(principal, "task.answer")
    return visible_task(uow, principal, task_id, lock=True)


def accept(uow: VolunteerUoW, principal: Principal, task_id: UUID, *, now: datetime) -> Task:
    with uow:
        task = _offered_to_me(uow, principal, task_id)
        task.check("accept")
        task.require_offeree(me(principal))
        volunteer = uow.volunteers.lock(me(principal))
        busy = uow.tasks.busy([volunteer.id], task.window_start, task.window_end)
        task.accept(volunteer, now=now, busy=busy)
        uow.commit()
    return task


def decline(uow: VolunteerUoW, principal: Principal, task_id: UUID, *, now: datetime) -> Task:
    with uow:
        task = _offered_to_me(uow, principal, task_id)
        task.decline(me(principal), now=now)
        _reoffer(uow, task, now)
        uow.commit()
    return task


def release(uow: VolunteerUoW, principal: Principal, task_id: UUID, reason: str, *,
            now: datetime) -> Task:
    """The assignee drops out (or their coordinator takes them off) before checking in."""
    POLICY.require_role(principal, "task.release")
    with uow:
        if principal.role is Role.VOLUNTEER:
            task = visible_task(uow, principal, task_id, lock=True)
            if task.assignee_id != me(principal):
                raise NotFound("task", task_id)
        else:
            task = coordinated_task(uow, principal, task_id)
        task.unassign(now=now, reason=reason)
        _reoffer(uow, task, now)
        uow.commit()
    return task


def no_show(uow: VolunteerUoW, principal: Principal, task_id: UUID, *, now: datetime) -> Task:
    with uow:
        task = coordinated_task(uow, principal, task_id)
        if task.assignee_id is None:
            task.check("no_show")
            raise Conflict("任务没有执行人 (no assignee)", current_state=str(task.state))
        volunteer = uow.volunteers.lock(task.assignee_id)
        task.mark_no_show(volunteer, now=now)
        _reoffer(uow, task, now)
        uow.commit()
    return task


def lapse_offers(uow: VolunteerUoW, *, now: datetime, limit: int = 200) -> int:
    """Job: offers not answered by their expiry lapse and go to the next candidate.
    One transaction per task, so one bad task never blocks the rest."""
    with uow:
        ids = uow.tasks.expired_offer_task_ids(now, limit)
    changed = 0
    for task_id in ids:
        with uow:
            task = uow.tasks.lock(task_id)
            if task.state is not TaskState.OFFERED or not task.is_offer_expired(now):
                continue  # answered meanwhile
            task.lapse(now=now)
            _reoffer(uow, task, now)
            uow.commit()
            changed += 1
    return changed


def expire_unfilled(uow: VolunteerUoW, *, now: datetime, limit: int = 200) -> int:
    """Job: open or offered tasks whose window has ended expire; the asking service is
    told (``volunteer.task_failed`` with outcome ``expired``) and may ask again. One
    transaction per task."""
    with uow:
        ids = uow.tasks.unfilled_past_window_ids(now, limit)
    changed = 0
    for task_id in ids:
        with uow:
            task = uow.tasks.lock(task_id)
            if task.state not in (TaskState.OPEN, TaskState.OFFERED) or now < task.window_end:
                continue  # taken or rescheduled meanwhile
            task.expire(now=now)
            uow.commit()
            changed += 1
    return changed
