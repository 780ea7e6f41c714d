"""The ledger's SQL (real PostgreSQL): matching loads and the totals, in China months."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from volunteer.domain.hours import HourStatus, ServiceHourEntry, china_month
from volunteer.domain.matching import VolunteerLoad
from volunteer_testkit import A, uow_of


def _entry(v, started: datetime, minutes: int, status=HourStatus.APPROVED, *,
           team=True) -> ServiceHourEntry:
    return ServiceHourEntry(
        volunteer_id=v.id, team_id=v.team_id if team else None, division=A, task_id=None,
        started_at=started, ended_at=started + timedelta(minutes=minutes), minutes=minutes,
        flagged=False, recorded_by=uuid4(), created_at=started, status=status,
    )


def _add(ctx, *entries: ServiceHourEntry) -> None:
    uow = uow_of(ctx)
    with uow:
        for e in entries:
            uow.hours.add(e)
        uow.commit()


def test_loads_count_the_china_month_and_skip_rejected(ctx, add_volunteer) -> None:
    a, b = add_volunteer(), add_volunteer()
    _add(ctx,
         _entry(a, datetime(2025, 5, 31, 16, 30, tzinfo=UTC), 60),  # June 1 00:30 in China
         _entry(a, datetime(2025, 5, 31, 15, 30, tzinfo=UTC), 45),  # May 31 23:30
         _entry(a, datetime(2025, 6, 10, tzinfo=UTC), 30, HourStatus.PENDING),
         _entry(a, datetime(2025, 6, 11, tzinfo=UTC), 500, HourStatus.REJECTED),
         _entry(b, datetime(2025, 4, 1, tzinfo=UTC), 90))
    uow = uow_of(ctx)
    with uow:
        loads = uow.hours.loads([a.id, b.id, uuid4()], datetime(2025, 6, 15, tzinfo=UTC))
    assert loads == {
        a.id: VolunteerLoad(90, datetime(2025, 6, 10, 0, 30, tzinfo=UTC)),
        b.id: VolunteerLoad(0, datetime(2025, 4, 1, 1, 30, tzinfo=UTC)),
    }


def test_totals_per_volunteer_and_team_by_status_and_china_month(ctx, add_volunteer) -> None:
    a, b = add_volunteer(), add_volunteer()
    june = datetime(2025, 6, 2, tzinfo=UTC)
    _add(ctx,
         _entry(a, june, 60), _entry(a, june, 30),
         _entry(b, june, 120), _entry(b, june, 540, HourStatus.PENDING),
         _entry(b, june, 45, team=False),  # recorded before they joined a team
         _entry(a, datetime(2025, 5, 31, 15, tzinfo=UTC), 60),  # May 31 23:00 in China
         _entry(a, datetime(2025, 5, 31, 16, tzinfo=UTC), 15))  # June 1 00:00 in China

    def totals(group: str, *statuses: HourStatus, month: bool = False):
        start, end = china_month(june) if month else (None, None)
        uow = uow_of(ctx)
        with uow:
            return uow.hours.totals(group=group, scopes=[A], volunteer_id=None,
                                    statuses=[str(s) for s in statuses], start=start, end=end)

    assert sorted(totals("volunteer", HourStatus.APPROVED)) == sorted(
        [(a.id, 165, 4), (b.id, 165, 2)])
    assert totals("team", HourStatus.APPROVED) == [(a.team_id, 285, 5)]  # one team (A)
    assert totals("volunteer", HourStatus.PENDING) == [(b.id, 540, 1)]
    assert totals("team", HourStatus.APPROVED, HourStatus.PENDING) == [(a.team_id, 825, 6)]
    assert sorted(totals("volunteer", HourStatus.APPROVED, month=True)) == sorted(
        [(a.id, 105, 3), (b.id, 165, 2)])
