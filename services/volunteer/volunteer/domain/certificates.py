"""Volunteer service record certificates (志愿服务记录证明).

The Ministry of Civil Affairs measures for recording volunteer service and issuing
certificates (2020, in force 2021-02-01): whoever records the service issues the
certificate on request. It gives the volunteer's identity, the hours and the content of
the service, the issuing organisation and its contact details, a certificate number, the
date of issue and the seal.

Rules kept here (framework-free):

- a certificate covers a period of China calendar days ``[period_start, period_end]``
  (both included): the start not after the end, the end not after today, both within the
  system's years (2000-2100);
- only APPROVED hours count (pending, rejected and flagged-but-undecided entries never
  do); an entry belongs to the day (China time) it started on;
- the total and one line per content of service (the task's kind; hours recorded by a
  coordinator without a task are "other volunteer service");
- a period without approved hours gets no certificate;
- once issued a certificate never changes: it keeps the volunteer's name, the hours and the
  issuer as they were that day (later approvals need a new certificate);
- verification shows only what proves it genuine: the name masked, the hours, the period,
  the date of issue and the issuer.

The number (``ZS-<division>-<year>-<sequence>``, :data:`PREFIX`) is allocated by the use
case (svckit.numbering) after the domain has accepted the certificate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID, uuid4

from svckit.domain.clock import china_date, china_midnight, in_system_years
from svckit.domain.errors import ValidationFailed
from svckit.domain.fields import FieldErrors
from svckit.domain.masking import mask_name
from svckit.domain.task_types import TASK_TYPE_LABELS

from .hours import HourStatus, ServiceHourEntry
from .slots import format_minutes, require_utc
from .volunteers import Team, Volunteer

#: document-number prefix of a certificate (证书), ADR 0015
PREFIX = "ZS"

#: the content of the service, by the task's kind (``manual_record``: no task)
CONTENT_ZH = {**{kind: zh for kind, (zh, _en) in TASK_TYPE_LABELS.items()},
              "manual_record": "其他志愿服务（协调员登记）"}
MANUAL_RECORD = "manual_record"

NO_HOURS = "该期间没有已认证的志愿服务时长，不能出具证明 (no approved hours in this period)"


def hours_text(minutes: int) -> str:
    """``750`` -> ``"12.5"``: hours to two decimals, trailing zeros dropped."""
    value = (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{value:f}".rstrip("0").rstrip(".")
    return text or "0"


def check_period(start: date, end: date, *, today: date) -> tuple[date, date]:
    """The period of a certificate, or 422 naming ``period_start``/``period_end``."""
    errors = FieldErrors()
    if not in_system_years(start):
        errors.add("period_start", "日期必须在2000年至2100年之间 (date out of range)")
    if not in_system_years(end):
        errors.add("period_end", "日期必须在2000年至2100年之间 (date out of range)")
    if not errors and start > end:
        errors.add("period_end", "结束日期不能早于开始日期 (the end is before the start)")
    if not errors and end > today:
        errors.add("period_end", "结束日期不能晚于今天 (the end is in the future)")
    errors.raise_if_any()
    return start, end


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """``[start 00:00, the day after end 00:00)`` China time, as aware datetimes."""
    return china_midnight(start), china_midnight(date.fromordinal(end.toordinal() + 1))


@dataclass(frozen=True)
class ContentLine:
    """One content of service on a certificate: its kind, label, minutes and entries."""

    kind: str
    label: str
    minutes: int
    entries: int

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "label": self.label, "minutes": self.minutes,
                "entries": self.entries}


def _counted(entry: ServiceHourEntry, start: date, end: date) -> bool:
    return (entry.status is HourStatus.APPROVED
            and start <= china_date(entry.started_at) <= end)


def summarise(rows: Iterable[tuple[ServiceHourEntry, str | None]], start: date,
              end: date) -> tuple[int, int, list[ContentLine]]:
    """``(total minutes, entries, lines)`` of the approved entries started within the
    period; ``rows`` pair each entry with its task's kind (None: no task). Lines follow
    :data:`CONTENT_ZH`'s order."""
    minutes: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    for entry, kind in rows:
        if not _counted(entry, start, end):
            continue
        key = kind if kind in CONTENT_ZH else MANUAL_RECORD
        minutes[key] += entry.minutes
        counts[key] += 1
    lines = [ContentLine(k, CONTENT_ZH[k], minutes[k], counts[k]) for k in CONTENT_ZH
             if counts[k]]
    return sum(minutes.values()), sum(counts.values()), lines


@dataclass(frozen=True)
class YearTotal:
    year: int
    minutes: int
    entries: int


def annual_totals(entries: Iterable[ServiceHourEntry]) -> list[YearTotal]:
    """Approved minutes per China calendar year (of the day each entry started), oldest
    first."""
    minutes: dict[int, int] = defaultdict(int)
    counts: dict[int, int] = defaultdict(int)
    for e in entries:
        if e.status is not HourStatus.APPROVED:
            continue
        year = china_date(e.started_at).year
        minutes[year] += e.minutes
        counts[year] += 1
    return [YearTotal(y, minutes[y], counts[y]) for y in sorted(minutes)]


@dataclass(frozen=True)
class Issuer:
    """The organisation that records the service and issues the certificate."""

    name: str
    contact: str
    division: str


def issuer_for(volunteer: Volunteer, team: Team | None, *, federation: str,
               contact: str) -> Issuer:
    """The volunteer's team (its district numbers the certificate), else the federation
    with the first division the volunteer serves."""
    if team is not None:
        return Issuer(team.name, contact, team.division)
    return Issuer(federation, contact, sorted(volunteer.divisions)[0])


@dataclass
class Certificate:
    """One issued certificate. Aggregate root; never changes once issued."""

    volunteer_id: UUID
    #: the volunteer's name as it was on the day of issue (the certificate is theirs)
    real_name: str
    period_start: date
    period_end: date
    total_minutes: int
    entry_count: int
    #: ``ContentLine.as_dict()`` per content of service
    lines: list[dict[str, object]]
    issuer_name: str
    issuer_contact: str
    division: str
    issued_at: datetime
    issued_by: UUID
    #: ``coordinator`` (issued by) or ``volunteer`` (requested by the volunteer)
    issued_by_role: str
    #: the number people read (``ZS-371502-2026-000001``), given by the use case
    number: str = ""
    id: UUID = field(default_factory=uuid4)

    @classmethod
    def issue(cls, volunteer: Volunteer, rows: Iterable[tuple[ServiceHourEntry, str | None]],
              *, period_start: date, period_end: date, issuer: Issuer, by: UUID,
              by_role: str, now: datetime) -> Certificate:
        now = require_utc(now, "now")
        start, end = check_period(period_start, period_end, today=china_date(now))
        total, count, lines = summarise(rows, start, end)
        if count == 0 or total == 0:  # nothing to certify (entries of 0 minutes only)
            raise ValidationFailed.field("period_start", NO_HOURS)
        return cls(volunteer_id=volunteer.id, real_name=volunteer.real_name,
                   period_start=start, period_end=end, total_minutes=total,
                   entry_count=count, lines=[ln.as_dict() for ln in lines],
                   issuer_name=issuer.name, issuer_contact=issuer.contact,
                   division=issuer.division, issued_at=now, issued_by=by,
                   issued_by_role=by_role)

    @property
    def hours(self) -> str:
        return hours_text(self.total_minutes)

    @property
    def duration(self) -> str:
        return format_minutes(self.total_minutes)

    def public_view(self) -> dict[str, object]:
        """What the verification page shows: nothing personal beyond the masked name."""
        return {"genuine": True, "number": self.number, "name": mask_name(self.real_name),
                "period_start": self.period_start, "period_end": self.period_end,
                "total_minutes": self.total_minutes, "hours": self.hours,
                "issued_on": china_date(self.issued_at), "issuer_name": self.issuer_name}
