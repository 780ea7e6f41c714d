"""The roster: volunteers, their skills, weekly availability, teams and reliability."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from fractions import Fraction
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from svckit.domain.clock import CHINA_TZ_NAME
from svckit.domain.division import is_within, name_of, validate_division
from svckit.domain.errors import ValidationFailed
from svckit.domain.fields import FieldErrors
from svckit.domain.phone import validate_phone

from .slots import require_utc

_DAY = 24 * 3600


class Skill(StrEnum):
    DELIVERY = "delivery"
    DRIVING = "driving"
    INSTALLATION = "installation"
    HOME_VISIT = "home_visit"
    ACCOMPANY_ASSESSOR = "accompany_assessor"
    SIGN_LANGUAGE = "sign_language"
    REPAIR = "repair"
    PHONE_FOLLOWUP = "phone_followup"

    @property
    def label_zh(self) -> str:
        return _SKILL_ZH[self]


_SKILL_ZH = {
    Skill.DELIVERY: "配送",
    Skill.DRIVING: "驾驶",
    Skill.INSTALLATION: "安装调试",
    Skill.HOME_VISIT: "入户走访",
    Skill.ACCOMPANY_ASSESSOR: "陪同评估",
    Skill.SIGN_LANGUAGE: "手语",
    Skill.REPAIR: "维修",
    Skill.PHONE_FOLLOWUP: "电话回访",
}


def skill_labels(skills: Iterable[Skill]) -> str:
    """``"配送、驾驶"``, in the enum's order."""
    chosen = set(skills)
    return "、".join(s.label_zh for s in Skill if s in chosen)


@dataclass(frozen=True)
class AvailabilityWindow:
    """A weekly window in the volunteer's local time: ``weekday`` 0 = Monday .. 6 = Sunday.

    ``end == time(0)`` means midnight at the end of the day. A window never crosses
    midnight: an overnight availability is two windows.
    """

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValidationFailed.field(
                "availability", "星期应为0-6 (weekday must be 0-6, 0 = Monday)"
            )
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValidationFailed.field(
                "availability", "可服务时间为当地时间，不带时区 (local wall-clock times, no tzinfo)"
            )
        if self.start_second >= self.end_second:
            raise ValidationFailed.field(
                "availability", "开始时间应早于结束时间 (start must be before end)"
            )

    @property
    def start_second(self) -> int:
        return _second_of_day(self.start)

    @property
    def end_second(self) -> int:
        return _second_of_day(self.end) or _DAY


def _second_of_day(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _covered(intervals: list[tuple[int, int]], lo: int, hi: int) -> bool:
    """True when the union of ``intervals`` covers ``[lo, hi)``."""
    cursor = lo
    for start, end in sorted(intervals):
        if start > cursor:
            break
        cursor = max(cursor, end)
        if cursor >= hi:
            return True
    return cursor >= hi


@dataclass(eq=False)
class Team:
    """A Green Satchel team (绿挎包志愿服务队): one per county-level district."""

    name: str
    division: str
    id: UUID = field(default_factory=uuid4)

    @classmethod
    def create(cls, name: str, division: str, id: UUID | None = None) -> Team:
        errors = FieldErrors()
        name = errors.text("name", name, 100)
        code = errors.parse("division", validate_division, division) or ""
        if code.endswith("00"):
            errors.add("division", "服务队按县区设立，应为县级代码 (a team belongs to a district)")
        errors.raise_if_any()
        return cls(name=name, division=code, id=id or uuid4())


@dataclass(eq=False)
class Volunteer:
    """A volunteer on the roster. Aggregate root.

    ``divisions`` are the division codes served (a city code covers its districts).
    Reliability counts completed tasks against no-shows.
    """

    real_name: str
    phone: str = field(repr=False)
    divisions: frozenset[str]
    skills: frozenset[Skill]
    availability: tuple[AvailabilityWindow, ...]
    team_id: UUID | None = None
    timezone: str = CHINA_TZ_NAME
    active: bool = True
    completed_count: int = 0
    no_show_count: int = 0
    #: when the volunteer consented to the processing of their phone and address (PIPL);
    #: ``None``: never offered or assigned a task (``ExclusionCode.NO_CONSENT``)
    consent_at: datetime | None = None
    id: UUID = field(default_factory=uuid4)

    @classmethod
    def register(
        cls,
        *,
        real_name: str,
        phone: str,
        divisions: Iterable[str],
        skills: Iterable[str],
        availability: Iterable[AvailabilityWindow],
        now: datetime,
        team: Team | None = None,
        timezone: str = CHINA_TZ_NAME,
        consent: bool = False,
        id: UUID | None = None,
    ) -> Volunteer:
        """A new roster entry. The volunteer's consent to the processing of their personal
        data is required (PIPL): without it nothing is stored (422 on ``consent``)."""
        now = require_utc(now, "now")
        if consent is not True:
            raise ValidationFailed.field(
                "consent", "须有志愿者本人同意处理其个人信息 "
                           "(the volunteer's consent to processing is required)")
        values = _validated(
            real_name=real_name, phone=phone, divisions=divisions, skills=skills, timezone=timezone
        )
        volunteer = cls(
            real_name=values.real_name,
            phone=values.phone,
            divisions=values.divisions,
            skills=values.skills,
            availability=tuple(availability),
            timezone=values.timezone,
            consent_at=now,
            id=id or uuid4(),
        )
        if team is not None:
            volunteer.join_team(team)
        return volunteer

    def update(
        self,
        *,
        real_name: str | None = None,
        phone: str | None = None,
        divisions: Iterable[str] | None = None,
        skills: Iterable[str] | None = None,
        availability: Iterable[AvailabilityWindow] | None = None,
    ) -> None:
        """Edit the roster entry; only the given fields change, all or nothing."""
        values = _validated(
            real_name=self.real_name if real_name is None else real_name,
            phone=self.phone if phone is None else phone,
            divisions=self.divisions if divisions is None else divisions,
            skills=self.skills if skills is None else skills,
            timezone=self.timezone,
        )
        self.real_name, self.phone = values.real_name, values.phone
        self.divisions, self.skills = values.divisions, values.skills
        if availability is not None:
            self.availability = tuple(availability)

    def record_consent(self, now: datetime) -> None:
        self.consent_at = require_utc(now, "now")

    def withdraw_consent(self) -> None:
        """No more offers or assignments until consent is recorded again."""
        self.consent_at = None

    def join_team(self, team: Team) -> None:
        if not self.serves(team.division):
            raise ValidationFailed.field(
                "team",
                f"志愿者不服务{name_of(team.division)}，不能加入该区服务队 "
                f"(the volunteer does not serve the team's district {team.division})",
            )
        self.team_id = team.id

    def deactivate(self) -> None:
        self.active = False

    def activate(self) -> None:
        self.active = True

    def record_completion(self) -> None:
        self.completed_count += 1

    def record_no_show(self) -> None:
        self.no_show_count += 1

    @property
    def reliability(self) -> Fraction | None:
        """Completed / (completed + no-shows); ``None`` while there is no record."""
        total = self.completed_count + self.no_show_count
        return Fraction(self.completed_count, total) if total else None

    def serves(self, division: str) -> bool:
        return any(is_within(division, scope) for scope in self.divisions)

    def is_available(self, start: datetime, end: datetime) -> bool:
        """True when the weekly windows cover the whole UTC interval ``[start, end)``.

        The interval is converted to the volunteer's timezone and checked day by day in
        local wall-clock time, so a window crossing local midnight needs both days.
        """
        tz = ZoneInfo(self.timezone)
        lo = require_utc(start, "window_start").astimezone(tz).replace(tzinfo=None)
        hi = require_utc(end, "window_end").astimezone(tz).replace(tzinfo=None)
        if hi <= lo:
            return False
        day = lo.date()
        while datetime.combine(day, time(0)) < hi:
            midnight = datetime.combine(day, time(0))
            seg_lo = max(lo, midnight) - midnight
            seg_hi = min(hi, midnight + timedelta(days=1)) - midnight
            windows = [
                (w.start_second, w.end_second)
                for w in self.availability
                if w.weekday == day.weekday()
            ]
            if not _covered(windows, int(seg_lo.total_seconds()), int(seg_hi.total_seconds())):
                return False
            day += timedelta(days=1)
        return True


@dataclass(frozen=True)
class _Values:
    real_name: str
    phone: str
    divisions: frozenset[str]
    skills: frozenset[Skill]
    timezone: str


def _validated(
    *, real_name: str, phone: str, divisions: Iterable[str], skills: Iterable[str], timezone: str
) -> _Values:
    errors = FieldErrors()
    name = real_name.strip()
    if not name or len(name) > 50:
        errors.add("real_name", "姓名应为1-50个字符 (name must be 1-50 characters)")
    # a mobile: volunteers receive their offers by SMS
    number = errors.parse("phone", lambda raw: validate_phone(raw, mobile_only=True), phone)
    given = sorted(set(divisions))
    if not given:
        errors.add("divisions", "至少服务一个区域 (at least one division is required)")
    codes: set[str] = set()
    for raw in given:
        try:
            codes.add(validate_division(raw))
        except ValueError as exc:
            errors.add("divisions", f"{raw}: {exc}")
    chosen: set[Skill] = set()
    for raw in skills:
        try:
            chosen.add(Skill(raw))
        except ValueError:
            errors.add("skills", f"未知技能 {raw!r} (unknown skill)")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.add("timezone", f"未知时区 {timezone!r} (unknown timezone)")
    errors.raise_if_any()
    return _Values(name, number or "", frozenset(codes), frozenset(chosen), timezone)
