"""Service record certificates (志愿服务记录证明), domain rules: the period, what counts
(approved hours only, by the China day they started), the totals and the lines per
content of service, the annual totals, what the public verification shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from svckit.domain.errors import ValidationFailed
from volunteer.domain.certificates import (
    Certificate,
    Issuer,
    annual_totals,
    check_period,
    hours_text,
    issuer_for,
    period_bounds,
    summarise,
)
from volunteer.domain.hours import HourStatus, ServiceHourEntry
from volunteer.domain.volunteers import Team

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # 14:00 in China
ISSUER = Issuer("东昌府区绿挎包志愿服务队", "0635-8278001", "371502")


def entry(start: datetime, minutes: int, status: HourStatus = HourStatus.APPROVED,
          ) -> ServiceHourEntry:
    return ServiceHourEntry(volunteer_id=uuid4(), team_id=None, division="371502",
                            task_id=None, started_at=start,
                            ended_at=start + timedelta(minutes=minutes), minutes=minutes,
                            flagged=False, recorded_by=uuid4(), created_at=start,
                            status=status)


def at(y: int, m: int, d: int, hour: int = 2) -> datetime:
    return datetime(y, m, d, hour, tzinfo=UTC)


def test_a_period_runs_from_its_start_to_its_end_both_included_and_not_after_today(
) -> None:
    today = date(2026, 12, 7)
    assert check_period(date(2026, 1, 1), today, today=today) == (date(2026, 1, 1), today)
    assert check_period(today, today, today=today) == (today, today)
    cases = [((date(2026, 3, 2), date(2026, 3, 1)), "period_end"),  # end before start
             ((date(2026, 1, 1), date(2026, 12, 8)), "period_end"),  # tomorrow
             ((date(1999, 12, 31), date(2026, 1, 1)), "period_start")]
    for (start, end), field in cases:
        with pytest.raises(ValidationFailed) as refused:
            check_period(start, end, today=today)
        assert field in refused.value.errors, (start, end)
    # the bounds are China midnights: [2026-01-01 00:00+08, 2026-02-01 00:00+08)
    lo, hi = period_bounds(date(2026, 1, 1), date(2026, 1, 31))
    assert (lo, hi) == (datetime(2025, 12, 31, 16, tzinfo=UTC),
                        datetime(2026, 1, 31, 16, tzinfo=UTC))


def test_only_approved_hours_started_within_the_period_count_per_content() -> None:
    rows = [
        (entry(at(2026, 3, 1), 120), "deliver_device"),
        (entry(at(2026, 3, 5), 90), "deliver_device"),
        (entry(at(2026, 4, 1), 30), "overdue_call"),
        (entry(at(2026, 4, 2), 60), None),  # recorded by a coordinator, no task
        (entry(at(2026, 4, 3), 600, HourStatus.PENDING), "deliver_device"),
        (entry(at(2026, 4, 4), 600, HourStatus.REJECTED), "overdue_call"),
        # 2026-06-30 17:00 UTC is 07-01 01:00 in China: outside a period ending 06-30
        (entry(datetime(2026, 6, 30, 17, tzinfo=UTC), 45), "deliver_device"),
        # 2025-12-31 16:30 UTC is 2026-01-01 00:30 in China: inside
        (entry(datetime(2025, 12, 31, 16, 30, tzinfo=UTC), 15), "satisfaction_visit"),
    ]
    total, count, lines = summarise(rows, date(2026, 1, 1), date(2026, 6, 30))
    assert (total, count) == (120 + 90 + 30 + 60 + 15, 5)
    assert [(ln.kind, ln.label, ln.minutes, ln.entries) for ln in lines] == [
        ("deliver_device", "送辅具上门", 210, 2),
        ("satisfaction_visit", "满意度回访", 15, 1),
        ("overdue_call", "逾期电话回访", 30, 1),
        ("manual_record", "其他志愿服务（协调员登记）", 60, 1),
    ]


def test_a_certificate_snapshots_the_hours_and_refuses_a_period_without_any(
        make_volunteer) -> None:
    v = make_volunteer(real_name="欧阳娜娜")
    rows = [(entry(at(2026, 5, 1), 150), "pickup_device"),
            (entry(at(2026, 5, 2), 600, HourStatus.PENDING), "pickup_device")]
    by = uuid4()
    cert = Certificate.issue(v, rows, period_start=date(2026, 1, 1),
                             period_end=date(2026, 12, 7), issuer=ISSUER, by=by,
                             by_role="coordinator", now=NOW)
    assert (cert.real_name, cert.total_minutes, cert.entry_count, cert.hours,
            cert.duration) == ("欧阳娜娜", 150, 1, "2.5", "2小时30分钟")
    assert cert.lines == [{"kind": "pickup_device", "label": "上门回收辅具", "minutes": 150,
                           "entries": 1}]
    assert (cert.issuer_name, cert.issuer_contact, cert.division, cert.issued_at,
            cert.issued_by) == (ISSUER.name, ISSUER.contact, "371502", NOW, by)
    cert.number = "ZS-371502-2026-000001"
    view = cert.public_view()
    assert view == {"genuine": True, "number": "ZS-371502-2026-000001", "name": "欧***",
                    "period_start": date(2026, 1, 1), "period_end": date(2026, 12, 7),
                    "total_minutes": 150, "hours": "2.5", "issued_on": date(2026, 12, 7),
                    "issuer_name": "东昌府区绿挎包志愿服务队"}
    assert "欧阳娜娜" not in str(view) and str(v.id) not in str(view)
    with pytest.raises(ValidationFailed) as refused:  # only pending hours in this period
        Certificate.issue(v, rows, period_start=date(2026, 5, 2),
                          period_end=date(2026, 5, 31), issuer=ISSUER, by=by,
                          by_role="coordinator", now=NOW)
    assert "period_start" in refused.value.errors
    zero = [(entry(at(2026, 6, 1), 0), "pickup_device")]  # checked in and out at once
    with pytest.raises(ValidationFailed) as refused:  # approved, but nothing to certify
        Certificate.issue(v, zero, period_start=date(2026, 6, 1),
                          period_end=date(2026, 6, 30), issuer=ISSUER, by=by,
                          by_role="coordinator", now=NOW)
    assert "period_start" in refused.value.errors


def test_annual_totals_count_approved_minutes_per_china_year() -> None:
    rows = [entry(at(2025, 3, 1), 60), entry(at(2025, 7, 1), 30),
            entry(datetime(2025, 12, 31, 16, 30, tzinfo=UTC), 45),  # 2026 in China
            entry(at(2026, 2, 1), 120, HourStatus.PENDING),
            entry(at(2026, 2, 2), 20, HourStatus.REJECTED)]
    assert [(y.year, y.minutes, y.entries) for y in annual_totals(rows)] == [
        (2025, 90, 2), (2026, 45, 1)]
    assert annual_totals([]) == []


def test_hours_are_shown_to_two_decimals_at_most() -> None:
    assert [hours_text(m) for m in (0, 1, 30, 60, 750, 61)] == [
        "0", "0.02", "0.5", "1", "12.5", "1.02"]


def test_the_issuer_is_the_volunteers_team_else_the_federation(make_volunteer) -> None:
    team = Team.create("东昌府区绿挎包志愿服务队", "371502")
    v = make_volunteer(divisions=["371522", "371502"])
    assert issuer_for(v, team, federation="聊城市残疾人联合会", contact="0635-1") == Issuer(
        "东昌府区绿挎包志愿服务队", "0635-1", "371502")
    assert issuer_for(v, None, federation="聊城市残疾人联合会", contact="0635-1") == Issuer(
        "聊城市残疾人联合会", "0635-1", "371502")
