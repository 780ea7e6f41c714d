"""On site: check-in, check-out (done, with the result), failure on site, and the job
that closes forgotten check-ins. Every closed check-in writes a pending ledger entry
recorded by the coordinator who dispatched the task (谁记录谁认证)."""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from svckit.auth.principal import Principal
from svckit.domain.errors import Conflict, NotFound, ValidationFailed
from svckit.links import LinkError, link_keys

from volunteer.domain.hours import ServiceHourEntry
from volunteer.domain.tasks import Task, TaskResult, TaskState
from volunteer.domain.volunteers import Volunteer
from volunteer.service_layer.common import me, visible_task
from volunteer.service_layer.policy import POLICY
from volunteer.service_layer.uow import VolunteerUoW

log = logging.getLogger(__name__)


def _assigned(uow: VolunteerUoW, principal: Principal, task_id: UUID) -> Task:
    POLICY.require_role(principal, "task.on_site")
    task = visible_task(uow, principal, task_id, lock=True)
    if task.assignee_id != me(principal):
        raise NotFound("task", task_id)  # only offered to them once: no longer theirs
    return task


def _record_hours(uow: VolunteerUoW, task: Task, volunteer: Volunteer,
                  now: datetime) -> ServiceHourEntry:
    """The volunteer's row is locked: their entries of those days cannot change meanwhile."""
    assert task.checked_in_at is not None and task.checked_out_at is not None
    others = uow.hours.on_days_of(volunteer.id, task.checked_in_at, task.checked_out_at)
    entry = ServiceHourEntry.from_task(task, volunteer, now=now, others=others)
    uow.hours.add(entry)
    return entry


def site_of(scan: str | None, now: datetime) -> str | None:
    """The site a scanned sheet's QR code names, its signature checked (None: no scan)."""
    if scan is None:
        return None
    try:
        return link_keys().read_site_code(scan.strip(), now=now)
    except LinkError:
        raise ValidationFailed.field(
            "scan", "不是有效的签到二维码 (not a valid check-in QR code)") from None


def check_in(uow: VolunteerUoW, principal: Principal, task_id: UUID, *, now: datetime,
             code: str | None = None, scan: str | None = None) -> Task:
    """``code``: the task's check-in code typed on site; ``scan``: the code of the QR
    printed on the task's sheet (each checked when given)."""
    site = site_of(scan, now)
    with uow:
        task = _assigned(uow, principal, task_id)
        task.check_in(me(principal), now=now, code=code, site=site)
        uow.commit()
    return task


def check_out(uow: VolunteerUoW, principal: Principal, task_id: UUID,
              result: TaskResult | None, *, now: datetime, code: str | None = None,
              scan: str | None = None) -> Task:
    site = site_of(scan, now)
    with uow:
        task = _assigned(uow, principal, task_id)
        task.check("complete")
        volunteer = uow.volunteers.lock(me(principal))
        task.complete(volunteer, now=now, policy=uow.settings.policy, result=result, code=code,
                      site=site)
        _record_hours(uow, task, volunteer, now)
        uow.commit()
    return task


def fail_on_site(uow: VolunteerUoW, principal: Principal, task_id: UUID, reason: str, *,
                 now: datetime) -> Task:
    """Nobody home, device refused...: the check-in closes, the hours still count."""
    with uow:
        task = _assigned(uow, principal, task_id)
        if task.state is not TaskState.IN_PROGRESS:
            raise Conflict("未签到，不能在现场标记失败；不能前往请退出任务 "
                           "(not checked in; to drop out, release the task)",
                           current_state=str(task.state))
        volunteer = uow.volunteers.lock(me(principal))
        task.fail(now=now, reason=reason, policy=uow.settings.policy)
        _record_hours(uow, task, volunteer, now)
        uow.commit()
    return task


def close_forgotten(uow: VolunteerUoW, *, now: datetime, limit: int = 200) -> int:
    """Job: a check-in still open past the limit is closed at check-in + the capped
    duration, flagged for review; its hours wait for the dispatcher's approval."""
    policy = uow.settings.policy
    with uow:
        ids = uow.tasks.overdue_check_in_ids(now - policy.open_limit, limit)
    closed = 0
    for task_id in ids:
        with uow:
            task = uow.tasks.lock(task_id)
            if not task.is_check_in_overdue(now, policy) or task.assignee_id is None:
                continue
            volunteer = uow.volunteers.lock(task.assignee_id)
            task.auto_close(volunteer, now=now, policy=policy)
            _record_hours(uow, task, volunteer, now)
            uow.commit()
            closed += 1
            log.warning("task %s: forgotten check-in closed and flagged", task.id)
    return closed
