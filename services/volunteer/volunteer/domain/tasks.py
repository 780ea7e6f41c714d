"""Tasks, their state machine, offers, check-in/out and who is eligible to take one."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from types import MappingProxyType
from uuid import UUID, uuid4

from svckit.domain.division import name_of, validate_division
from svckit.domain.errors import Conflict, Forbidden, ValidationFailed
from svckit.domain.fields import FieldErrors, require_text
from svckit.domain.statemachine import StateMachine

from .events import (
    Event,
    SourceRef,
    TaskAssigned,
    TaskCompleted,
    TaskEscalated,
    TaskExpired,
    TaskFailed,
    TaskOffered,
)
from .slots import Slot, earliest_slot, format_minutes, require_utc
from .volunteers import Skill, Volunteer, skill_labels


class TaskType(StrEnum):
    DELIVER_DEVICE = "deliver_device"
    PICKUP_DEVICE = "pickup_device"
    ACCOMPANY_ASSESSMENT = "accompany_assessment"
    ACCEPTANCE_VISIT = "acceptance_visit"
    SATISFACTION_VISIT = "satisfaction_visit"
    OVERDUE_CALL = "overdue_call"
    MANUAL = "manual"


#: Skills every task of a type requires. A task may add more (``extra_skills``), e.g.
#: installation for an adjustable bed; a manual task requires only what it adds.
REQUIRED_SKILLS: Mapping[TaskType, frozenset[Skill]] = MappingProxyType({
    TaskType.DELIVER_DEVICE: frozenset({Skill.DELIVERY, Skill.DRIVING}),
    TaskType.PICKUP_DEVICE: frozenset({Skill.DELIVERY, Skill.DRIVING}),
    TaskType.ACCOMPANY_ASSESSMENT: frozenset({Skill.ACCOMPANY_ASSESSOR}),
    TaskType.ACCEPTANCE_VISIT: frozenset({Skill.HOME_VISIT}),
    TaskType.SATISFACTION_VISIT: frozenset({Skill.HOME_VISIT}),
    TaskType.OVERDUE_CALL: frozenset({Skill.PHONE_FOLLOWUP}),
    TaskType.MANUAL: frozenset(),
})


#: How long the visit (or call) itself takes: the slot booked inside the task's window.
#: A manual task's duration is given by the coordinator (default 1 h); any task may be
#: given its own. A window shorter than the duration books the whole window.
TASK_DURATIONS: Mapping[TaskType, timedelta] = MappingProxyType({
    TaskType.DELIVER_DEVICE: timedelta(hours=2),
    TaskType.PICKUP_DEVICE: timedelta(hours=2),
    TaskType.ACCOMPANY_ASSESSMENT: timedelta(hours=3),
    TaskType.ACCEPTANCE_VISIT: timedelta(minutes=90),
    TaskType.SATISFACTION_VISIT: timedelta(minutes=90),
    TaskType.OVERDUE_CALL: timedelta(minutes=30),
    TaskType.MANUAL: timedelta(hours=1),
})

#: Why an expired task was closed (the asking service reads it).
EXPIRED_REASON = "时段结束仍无人接单，已过期 (nobody took it before its window ended)"

#: Bounds of a duration given by hand.
MIN_DURATION = timedelta(minutes=5)
MAX_DURATION = timedelta(hours=12)


class Priority(IntEnum):
    LOW = 1
    NORMAL = 2
    HIGH = 3
    URGENT = 4


class TaskState(StrEnum):
    OPEN = "open"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"  # checked in
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    CLOSED = "closed"  # what raised it was resolved (returned, assessed, inspection passed)
    EXPIRED = "expired"  # its window ended with nobody on it


S = TaskState
TASK_MACHINE = StateMachine("task", {
    (S.OPEN, "offer"): S.OFFERED,
    (S.OPEN, "assign"): S.ACCEPTED,  # by hand, by a coordinator
    (S.OPEN, "reschedule"): S.OPEN,
    (S.OPEN, "fail"): S.FAILED,  # nobody can do it
    (S.OPEN, "cancel"): S.CANCELLED,
    (S.OPEN, "close"): S.CLOSED,  # its cause was resolved
    (S.OPEN, "expire"): S.EXPIRED,  # window over, nobody took it
    (S.OFFERED, "accept"): S.ACCEPTED,
    (S.OFFERED, "decline"): S.OPEN,  # decliner excluded, re-offered
    (S.OFFERED, "lapse"): S.OPEN,  # not answered in time, re-offered
    (S.OFFERED, "withdraw"): S.OPEN,  # the coordinator overrides
    (S.OFFERED, "cancel"): S.CANCELLED,
    (S.OFFERED, "close"): S.CLOSED,
    (S.OFFERED, "expire"): S.EXPIRED,
    (S.ACCEPTED, "check_in"): S.IN_PROGRESS,
    (S.ACCEPTED, "unassign"): S.OPEN,  # the volunteer drops out
    (S.ACCEPTED, "no_show"): S.OPEN,
    (S.ACCEPTED, "cancel"): S.CANCELLED,
    (S.ACCEPTED, "close"): S.CLOSED,
    (S.IN_PROGRESS, "complete"): S.COMPLETED,
    (S.IN_PROGRESS, "auto_close"): S.COMPLETED,  # forgotten check-out, flagged
    (S.IN_PROGRESS, "fail"): S.FAILED,
})
del S

#: Moves only the system makes (events, jobs): never offered to a person.
SYSTEM_ACTIONS = frozenset({"close", "expire"})

#: States in which a volunteer is booked for the task's slot.
COMMITTED = frozenset({TaskState.ACCEPTED, TaskState.IN_PROGRESS})
#: States of a task still to be done: at most one per cause (``cause_key``).
LIVE = frozenset({TaskState.OPEN, TaskState.OFFERED, TaskState.ACCEPTED,
                  TaskState.IN_PROGRESS})


def cause_key(source: SourceRef) -> str:
    """What a task is for, whatever the round or spell of its request: the source's
    service, kind and id up to the first ``:``. An overdue call per rental
    (``<rental>:<due date>``), an acceptance visit per work order (``<order>:<round>``),
    an assessment visit per assessment (``<assessment>:<round>``). At most one live task
    per cause: a second request for it while one is live makes no second task."""
    return f"{source.service}:{source.kind}:{source.id.partition(':')[0]}"[:160]


class Lateness(StrEnum):
    """Why a task needs a hand now. Never on creation: only once a deadline has passed."""

    WINDOW_OVER = "window_over"  # open/offered at the end of its window
    OFFER_LAPSED = "offer_lapsed"  # the offer's answer deadline passed unanswered
    NO_CHECK_IN = "no_check_in"  # accepted, the booked slot is over, nobody checked in


LATENESS_ZH: Mapping[Lateness, str] = MappingProxyType({
    Lateness.WINDOW_OVER: "时段已过仍未派出 (the window is over and nobody took it)",
    Lateness.OFFER_LAPSED: "邀请已过答复期限 (the offer was not answered in time)",
    Lateness.NO_CHECK_IN: "预约时段已过仍未签到 (the booked slot is over with no check-in)",
})


class OfferOutcome(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"  # by the coordinator, or the task was cancelled
    RELEASED = "released"  # accepted, then dropped out
    NO_SHOW = "no_show"


#: Outcomes that keep a volunteer out of this task's matching from then on.
_PASSED_OVER_ZH = {
    OfferOutcome.DECLINED: "已拒绝此任务 (declined this task)",
    OfferOutcome.LAPSED: "未在时限内答复此任务 (let the offer lapse)",
    OfferOutcome.RELEASED: "已退出此任务 (dropped out of this task)",
    OfferOutcome.NO_SHOW: "此任务曾爽约 (did not show up for this task)",
}


@dataclass(frozen=True)
class CheckInPolicy:
    """A check-in still open after ``open_limit`` is closed at check-in + ``capped_duration``."""

    open_limit: timedelta = timedelta(hours=8)
    capped_duration: timedelta = timedelta(hours=2)

    def __post_init__(self) -> None:
        if not timedelta(0) < self.capped_duration <= self.open_limit:
            raise ValueError("capped_duration must be positive and at most open_limit")


_SERVICE_ZH = {"inventory": "辅具租赁", "renovation": "无障碍改造", "identity": "统一身份",
               "console": "管理台", "volunteer": "志愿服务"}
_EVENT_ZH = {"volunteer.task_offered": "任务已派单", "volunteer.task_assigned": "任务已指派",
             "volunteer.task_completed": "任务完成", "volunteer.task_failed": "任务失败"}
_REASON_ZH = {"unknown-event": "对方不认识该通知", "invalid-payload": "通知内容不符合约定",
              "rejected": "对方拒绝处理", "retries-exhausted": "多次重试仍失败"}


@dataclass(frozen=True)
class IntegrationProblem:
    """One of the task's events that another service parked instead of applying."""

    event_type: str
    consumer: str
    reason: str  # unknown-event | invalid-payload | rejected | retries-exhausted
    at: datetime

    @property
    def text(self) -> str:
        """For the coordinator: who could not take in what, and what to do."""
        return (
            f"{_SERVICE_ZH.get(self.consumer, self.consumer)}服务未能处理本任务的"
            f"「{_EVENT_ZH.get(self.event_type, self.event_type)}」通知"
            f"（{_REASON_ZH.get(self.reason, self.reason)}），对方的记录可能未更新，"
            f"请联系对方核实 (the {self.consumer} service could not apply {self.event_type}: "
            f"{self.reason}; its record may be out of date)"
        )


@dataclass(frozen=True)
class WindowRules:
    """What a task's window may be: it ends in the future, starts at most ``horizon`` from
    now and lasts at most ``max_length``."""

    horizon: timedelta = timedelta(days=90)
    max_length: timedelta = timedelta(days=90)

    def check(self, start: datetime, end: datetime, *, now: datetime) -> tuple[datetime, datetime]:
        """The window in UTC, or 422 naming the field at fault."""
        errors = FieldErrors()
        with errors.field("window_start"):
            start = require_utc(start, "window_start")
        with errors.field("window_end"):
            end = require_utc(end, "window_end")
        errors.raise_if_any()
        now = require_utc(now, "now")
        days = self.horizon.days, self.max_length.days
        if end <= start:
            errors.add("window_end", "结束时间应晚于开始时间 (end must be after start)")
        elif end - start > self.max_length:
            errors.add("window_end", f"任务时段最长{days[1]}天 "
                                     f"(a window lasts at most {days[1]} days)")
        if end <= now:
            errors.add("window_end", "任务时段已经结束，须在将来结束 "
                                     "(the window must end in the future)")
        if start > now + self.horizon:
            errors.add("window_start", f"任务时段须在{days[0]}天内开始 "
                                       f"(the window must start within {days[0]} days)")
        errors.raise_if_any()
        return start, end


@dataclass(eq=False)
class Offer:
    """One offer of a task to one volunteer (a hand assignment is an offer accepted at once)."""

    volunteer_id: UUID
    offered_by: UUID
    offered_at: datetime
    expires_at: datetime | None  # None for a hand assignment
    outcome: OfferOutcome = OfferOutcome.PENDING
    answered_at: datetime | None = None
    id: UUID = field(default_factory=uuid4)


class ExclusionCode(StrEnum):
    INACTIVE = "inactive"
    OUT_OF_DIVISION = "out_of_division"
    MISSING_SKILLS = "missing_skills"
    UNAVAILABLE = "unavailable"
    PASSED_OVER = "passed_over"  # declined, lapsed, dropped out or no-show on this task
    DOUBLE_BOOKED = "double_booked"
    NO_CONSENT = "no_consent"  # no consent to processing their personal data (PIPL)


#: What a coordinator assigning by hand may override (they agreed it on the phone).
OVERRIDABLE = frozenset({ExclusionCode.UNAVAILABLE, ExclusionCode.PASSED_OVER})


@dataclass(frozen=True)
class TaskResult:
    """What the volunteer brought back: a satisfaction visit's score (1-5) and comment, a
    note for any task. A satisfaction visit is not done without a score."""

    score: int | None = None
    comment: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        errors = FieldErrors()
        if self.score is not None and not 1 <= self.score <= 5:
            errors.add("score", "满意度评分应为1-5 (score must be 1-5)")
        if self.comment is not None and len(self.comment) > 500:
            errors.add("comment", "评价最多500字 (at most 500 characters)")
        if self.note is not None and len(self.note) > 500:
            errors.add("note", "备注最多500字 (at most 500 characters)")
        errors.raise_if_any()

    def as_dict(self) -> dict[str, int | str | None]:
        return {"score": self.score, "comment": self.comment, "note": self.note}


@dataclass(frozen=True)
class Exclusion:
    code: ExclusionCode
    message: str


def new_check_in_code() -> str:
    """Six random digits: what the household's sheet or the coordinator gives on site."""
    return f"{secrets.randbelow(1_000_000):06d}"


@dataclass(eq=False)
class Task:
    """A piece of volunteer work. Aggregate root; ``offers`` are its child entities."""

    type: TaskType
    division: str
    address: str = field(repr=False)
    window_start: datetime
    window_end: datetime
    required_skills: frozenset[Skill]
    priority: Priority
    source: SourceRef | None
    created_at: datetime
    note: str = ""
    #: expected length of the visit (``TASK_DURATIONS`` unless given)
    duration: timedelta = timedelta(hours=1)
    #: the booked stretch inside the window: proposed with the offer, booked on
    #: accept/assign, cleared when the task is open again
    slot_start: datetime | None = None
    slot_end: datetime | None = None
    state: TaskState = TaskState.OPEN
    dispatched_by: UUID | None = None  # coordinator who last offered/assigned it
    assignee_id: UUID | None = None
    offers: list[Offer] = field(default_factory=list)
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None
    flagged_for_review: bool = False
    closing_reason: str | None = None  # why it failed or was cancelled
    #: masked contact from the asking service (``王某``, ``138****5678``)
    contact_name: str | None = None
    contact_phone: str | None = None
    #: what the volunteer brought back (score/comment/note), set on completion
    result: TaskResult | None = None
    #: the source was cancelled when the task could no longer be (volunteer on site or
    #: already finished): recorded for the coordinator to follow up
    source_cancelled_at: datetime | None = None
    source_cancel_reason: str | None = None
    #: another service parked one of this task's events (``platform.event_parked``)
    problem_event_type: str | None = None
    problem_consumer: str | None = None
    problem_reason: str | None = None
    problem_at: datetime | None = None
    #: what the task is for (``cause_key(source)``): one live task per cause
    cause_key: str | None = None
    #: offers made automatically after a decline, lapse, drop-out or no-show
    reoffer_count: int = 0
    #: handed to the coordinator: re-offer limit reached or nobody left to offer it to
    escalated_at: datetime | None = None
    escalation_reason: str | None = None
    #: six digits the volunteer types (or scans) on site to check in and out; given to
    #: those who dispatch, never in a volunteer's view (None: a task older than the code)
    check_in_code: str | None = None
    #: where the visit happens, as a printed sheet names it (``inventory:rental:<id>``,
    #: ``renovation:application:<id>``): the sheet's QR code checks in and out a task at
    #: its site (None: no sheet, e.g. a phone call or a coordinator's own task)
    site_key: str | None = None
    id: UUID = field(default_factory=uuid4)
    events: list[Event] = field(default_factory=list, repr=False)

    # ---- creation -------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        type: TaskType,
        division: str,
        address: str,
        window_start: datetime,
        window_end: datetime,
        now: datetime,
        priority: Priority = Priority.NORMAL,
        source: SourceRef | None = None,
        extra_skills: Iterable[Skill] = (),
        note: str = "",
        duration: timedelta | None = None,
        id: UUID | None = None,
        rules: WindowRules = WindowRules(),
        site_key: str | None = None,
    ) -> Task:
        """``duration``: how long the visit takes; ``None``: ``TASK_DURATIONS[type]``;
        ``rules``: what the window may be (the service's settings); ``site_key``: the
        sheet whose QR code proves presence (:attr:`site_key`)."""
        errors = FieldErrors()
        code = errors.parse("division", validate_division, division)
        if not address.strip() or len(address) > 200:
            errors.add("address", "地址应为1-200个字符 (address must be 1-200 characters)")
        if type is TaskType.MANUAL and not note.strip():
            errors.add("note", "手工任务须说明要做什么 (a manual task needs a note)")
        if duration is not None and not MIN_DURATION <= duration <= MAX_DURATION:
            errors.add("duration", (
                f"时长应为{format_minutes(int(MIN_DURATION.total_seconds()) // 60)}至"
                f"{format_minutes(int(MAX_DURATION.total_seconds()) // 60)} "
                "(duration must be 5 min to 12 h)"
            ))
        errors.raise_if_any()
        assert code is not None
        start, end = rules.check(window_start, window_end, now=now)
        task = cls(
            type=type,
            division=code,
            address=address.strip(),
            window_start=start,
            window_end=end,
            required_skills=REQUIRED_SKILLS[type] | frozenset(extra_skills),
            priority=priority,
            source=source,
            created_at=require_utc(now, "now"),
            note=note.strip(),
            duration=TASK_DURATIONS[type] if duration is None else duration,
            cause_key=None if source is None else cause_key(source),
            id=id or uuid4(),
            check_in_code=new_check_in_code(),
            site_key=site_key,
        )
        return task

    # ---- queries --------------------------------------------------------------------

    @property
    def current_offer(self) -> Offer | None:
        return next((o for o in self.offers if o.outcome is OfferOutcome.PENDING), None)

    @property
    def passed_over(self) -> dict[UUID, OfferOutcome]:
        """Volunteers kept out of this task, with the last outcome that excluded them."""
        return {o.volunteer_id: o.outcome for o in self.offers if o.outcome in _PASSED_OVER_ZH}

    def check(self, action: str) -> None:
        """Raise ``IllegalTransition`` (409 with the current state) unless ``action`` is
        legal now: lets the service layer refuse before it takes further locks."""
        self._next(action)

    def require_offeree(self, volunteer_id: UUID) -> None:
        """Raise unless the open offer is to ``volunteer_id``."""
        self._own_offer(volunteer_id)

    def allowed_actions(self) -> list[str]:
        """What a person may do now (the system's own moves, close and expire, are not
        offered)."""
        return [a for a in TASK_MACHINE.allowed(str(self.state)) if a not in SYSTEM_ACTIONS]

    @property
    def slot(self) -> Slot | None:
        """The proposed (offered) or booked slot; ``None`` while open."""
        if self.slot_start is None or self.slot_end is None:
            return None
        return Slot(self.slot_start, self.slot_end)

    @property
    def booked_slot(self) -> Slot:
        """What this task blocks in its assignee's calendar: the slot (a task booked
        before slots existed blocks its whole window)."""
        return self.slot or Slot(self.window_start, self.window_end)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """True when the booked slot overlaps ``[start, end)``."""
        booked = self.booked_slot
        return booked.start < end and start < booked.end

    def bookings_of(self, volunteer: Volunteer, busy: Iterable[Task]) -> list[Slot]:
        """The slots ``volunteer`` is booked for on other accepted/in-progress tasks."""
        return [
            t.booked_slot
            for t in busy
            if t.id != self.id and t.assignee_id == volunteer.id and t.state in COMMITTED
        ]

    def proposed_slot(
        self,
        volunteer: Volunteer,
        busy: Iterable[Task],
        *,
        now: datetime | None = None,
        ignore_availability: bool = False,
    ) -> Slot | None:
        """The earliest slot of this task's duration inside its window that lies in the
        volunteer's weekly availability (unless ignored) and clashes with none of their
        bookings, starting no earlier than ``now`` (rounded up to a quarter hour)."""
        return earliest_slot(
            self.window_start,
            self.window_end,
            self.duration,
            availability=None if ignore_availability else volunteer.availability,
            tz_name=volunteer.timezone,
            booked=self.bookings_of(volunteer, busy),
            not_before=None if now is None else require_utc(now, "now"),
        )

    def is_offer_expired(self, now: datetime) -> bool:
        offer = self.current_offer
        return offer is not None and offer.expires_at is not None and now >= offer.expires_at

    def lateness(self, now: datetime) -> Lateness | None:
        """Why the task is late, or None. Late only once a deadline has passed: the end
        of its window (open or offered), the answer deadline of its offer, or the end of
        the booked slot without a check-in; never on creation."""
        now = require_utc(now, "now")
        if self.state in (TaskState.OPEN, TaskState.OFFERED) and now >= self.window_end:
            return Lateness.WINDOW_OVER
        if self.state is TaskState.OFFERED and self.is_offer_expired(now):
            return Lateness.OFFER_LAPSED
        if (self.state is TaskState.ACCEPTED and self.checked_in_at is None
                and now >= self.booked_slot.end):
            return Lateness.NO_CHECK_IN
        return None

    def is_check_in_overdue(self, now: datetime, policy: CheckInPolicy) -> bool:
        return (
            self.state is TaskState.IN_PROGRESS
            and self.checked_in_at is not None
            and now > self.checked_in_at + policy.open_limit
        )

    def exclusions_for(
        self, volunteer: Volunteer, busy: Iterable[Task], *, now: datetime | None = None
    ) -> list[Exclusion]:
        """Why ``volunteer`` cannot take this task (empty: eligible).

        ``busy`` holds tasks already booked (any volunteer's; only this volunteer's
        accepted or in-progress ones other than this task count). Unavailable: no
        stretch of the task's duration inside the window (from ``now`` on) lies in their
        weekly availability. Double-booked: there is such a stretch, but their booked
        slots cover every one (or, when unavailable anyway, every free stretch at all).
        """
        booked = list(busy)
        out: list[Exclusion] = []
        if not volunteer.active:
            out.append(Exclusion(ExclusionCode.INACTIVE, "志愿者已停用 (volunteer is inactive)"))
        if volunteer.consent_at is None:
            out.append(Exclusion(ExclusionCode.NO_CONSENT,
                                 "志愿者未同意处理其个人信息 (no consent to processing)"))
        if not volunteer.serves(self.division):
            out.append(Exclusion(
                ExclusionCode.OUT_OF_DIVISION,
                f"不服务{name_of(self.division)} (does not serve division {self.division})",
            ))
        missing = self.required_skills - volunteer.skills
        if missing:
            out.append(Exclusion(
                ExclusionCode.MISSING_SKILLS,
                f"缺少技能：{skill_labels(missing)} "
                f"(missing skills: {', '.join(sorted(missing))})",
            ))
        minutes = int(self.duration.total_seconds()) // 60
        fits = self.proposed_slot(volunteer, [], now=now)
        if fits is None:
            out.append(Exclusion(
                ExclusionCode.UNAVAILABLE,
                f"时段内没有连续{format_minutes(minutes)}在其每周可服务时间内 "
                f"(no {minutes} min stretch of the window within their weekly availability)",
            ))
        outcome = self.passed_over.get(volunteer.id)
        if outcome is not None:
            out.append(Exclusion(ExclusionCode.PASSED_OVER, _PASSED_OVER_ZH[outcome]))
        if self.bookings_of(volunteer, booked):
            if fits is not None:
                clash = self.proposed_slot(volunteer, booked, now=now) is None
            else:  # unavailable anyway: could an override find any free stretch?
                clash = (
                    self.proposed_slot(volunteer, [], now=now, ignore_availability=True)
                    is not None
                    and self.proposed_slot(volunteer, booked, now=now, ignore_availability=True)
                    is None
                )
            if clash:
                out.append(Exclusion(
                    ExclusionCode.DOUBLE_BOOKED,
                    "与其已接的任务时段重叠，时段内没有其他空档 "
                    "(overlaps a task already accepted; no other free stretch in the window)",
                ))
        return out

    # ---- dispatch -------------------------------------------------------------------

    def offer(
        self,
        volunteer: Volunteer,
        *,
        by: UUID,
        now: datetime,
        expires_at: datetime,
        busy: Iterable[Task],
    ) -> None:
        """Offer the task to one volunteer; only one offer is ever open at a time."""
        nxt = self._next("offer")
        now = require_utc(now, "now")
        expires_at = require_utc(expires_at, "expires_at")
        if expires_at <= now:
            raise ValidationFailed.field(
                "expires_at", "答复期限应晚于现在 (expiry must be in the future)"
            )
        self._require_window_open(now)
        self._book(self._require_eligible(volunteer, busy, now=now, override=False))
        self.offers.append(Offer(volunteer.id, by, now, expires_at))
        self.dispatched_by = by
        self.state = nxt
        self.events.append(TaskOffered(self.id, volunteer.id, expires_at, now))

    def accept(self, volunteer: Volunteer, *, now: datetime, busy: Iterable[Task]) -> None:
        """Books the offered slot, or (taken meanwhile, or already begun) the earliest
        one still free."""
        nxt = self._next("accept")
        now = require_utc(now, "now")
        offer = self._own_offer(volunteer.id)
        if self.is_offer_expired(now):
            raise Conflict("邀请已过期 (the offer has expired)", current_state=str(self.state))
        booked = list(busy)
        earliest = self._require_eligible(volunteer, booked, now=now, override=False)
        offered = self.slot
        keep = (
            offered is not None
            and offered.start >= now
            and self.window_start <= offered.start
            and offered.end <= self.window_end
            and volunteer.is_available(offered.start, offered.end)
            and not any(offered.overlaps(b) for b in self.bookings_of(volunteer, booked))
        )
        self._book(offered if keep and offered is not None else earliest)
        offer.outcome, offer.answered_at = OfferOutcome.ACCEPTED, now
        self.assignee_id = volunteer.id
        self.escalated_at = self.escalation_reason = None
        self.state = nxt
        self.events.append(TaskAssigned(self.id, volunteer.id, False, now))

    def decline(self, volunteer_id: UUID, *, now: datetime) -> None:
        nxt = self._next("decline")
        now = require_utc(now, "now")
        offer = self._own_offer(volunteer_id)
        offer.outcome, offer.answered_at = OfferOutcome.DECLINED, now
        self._unbook()
        self.state = nxt

    def lapse(self, *, now: datetime) -> None:
        """The open offer was not answered by its expiry."""
        nxt = self._next("lapse")
        now = require_utc(now, "now")
        if not self.is_offer_expired(now):
            raise Conflict(
                "邀请尚未过期 (the offer has not expired yet)", current_state=str(self.state)
            )
        offer = self._pending()
        offer.outcome, offer.answered_at = OfferOutcome.LAPSED, now
        self._unbook()
        self.state = nxt

    def withdraw_offer(self, *, now: datetime) -> None:
        nxt = self._next("withdraw")
        now = require_utc(now, "now")
        offer = self._pending()
        offer.outcome, offer.answered_at = OfferOutcome.WITHDRAWN, now
        self._unbook()
        self.state = nxt

    def assign(
        self,
        volunteer: Volunteer,
        *,
        by: UUID,
        now: datetime,
        busy: Iterable[Task],
        override: bool = False,
    ) -> None:
        """A coordinator assigns by hand. ``override`` ignores availability and an
        earlier decline on this task (agreed by phone); never skills, division, an
        inactive volunteer or a double booking."""
        nxt = self._next("assign")
        now = require_utc(now, "now")
        self._require_window_open(now)
        self._book(self._require_eligible(volunteer, busy, now=now, override=override))
        self.offers.append(Offer(volunteer.id, by, now, None, OfferOutcome.ACCEPTED, now))
        self.dispatched_by = by
        self.assignee_id = volunteer.id
        self.escalated_at = self.escalation_reason = None
        self.state = nxt
        self.events.append(TaskAssigned(self.id, volunteer.id, True, now))

    def unassign(self, *, now: datetime, reason: str) -> None:
        """The assignee drops out before checking in; they are not offered it again."""
        nxt = self._next("unassign")
        now = require_utc(now, "now")
        require_text("reason", reason)
        self._release(OfferOutcome.RELEASED, now)
        self._unbook()
        self.state = nxt

    def mark_no_show(self, volunteer: Volunteer, *, now: datetime) -> None:
        """The assignee did not come (only once their booked slot has started): counted
        against them; the task is open again."""
        nxt = self._next("no_show")
        now = require_utc(now, "now")
        self._require_assignee(volunteer.id)
        if now < self.booked_slot.start:
            raise Conflict(
                "预约时段尚未开始，不能记为爽约 (the booked slot has not started yet)",
                current_state=str(self.state),
            )
        self._release(OfferOutcome.NO_SHOW, now)
        self._unbook()
        volunteer.record_no_show()
        self.state = nxt

    def reschedule(self, window_start: datetime, window_end: datetime, *, now: datetime,
                   rules: WindowRules = WindowRules()) -> None:
        nxt = self._next("reschedule")
        self.window_start, self.window_end = rules.check(window_start, window_end, now=now)
        self.state = nxt

    # ---- on site --------------------------------------------------------------------

    def check_code(self, code: str | None) -> None:
        """A code typed or scanned on site must be the task's (None: not asked for)."""
        if code is None:
            return
        if self.check_in_code is None or not secrets.compare_digest(
                code.strip().encode(), self.check_in_code.encode()):
            raise ValidationFailed.field("code", "签到码不正确 (wrong check-in code)")

    def check_site(self, site: str | None) -> None:
        """The site a scanned sheet's QR code names (its signature already checked) must
        be this task's (None: no scan)."""
        if site is None:
            return
        if self.site_key is None or site != self.site_key:
            raise ValidationFailed.field(
                "scan", "二维码不是本任务的交接单或方案确认单 "
                        "(the QR code is not this task's sheet)")

    def check_in(self, volunteer_id: UUID, *, now: datetime, code: str | None = None,
                 site: str | None = None) -> None:
        """``code``: the check-in code typed; ``site``: the site named by the sheet's QR
        code scanned (checked when given)."""
        nxt = self._next("check_in")
        now = require_utc(now, "now")
        self._require_assignee(volunteer_id)
        self.check_code(code)
        self.check_site(site)
        self.checked_in_at = now
        self.state = nxt

    def complete(
        self,
        volunteer: Volunteer,
        *,
        now: datetime,
        policy: CheckInPolicy,
        result: TaskResult | None = None,
        code: str | None = None,
        site: str | None = None,
    ) -> None:
        """Check out, done. A check-out later than the limit is capped and flagged.
        A satisfaction visit needs the household's score. ``code``: the check-in code,
        when the volunteer checks out by it; ``site``: the site of the sheet's QR code,
        when by a scan."""
        nxt = self._next("complete")
        now = require_utc(now, "now")
        self._require_assignee(volunteer.id)
        self.check_code(code)
        self.check_site(site)
        if self.type is TaskType.SATISFACTION_VISIT and (result is None or result.score is None):
            raise ValidationFailed.field(
                "result.score", "满意度回访须填写评分1-5 (a satisfaction visit needs a score)"
            )
        self.result = result
        self._close_check_in(now, policy)
        self._finish(volunteer, nxt, "completed", now)

    def auto_close(self, volunteer: Volunteer, *, now: datetime, policy: CheckInPolicy) -> None:
        """Close a check-in left open longer than the limit: checked out at check-in + the
        capped duration, flagged for review."""
        nxt = self._next("auto_close")
        now = require_utc(now, "now")
        self._require_assignee(volunteer.id)
        if not self.is_check_in_overdue(now, policy):
            raise Conflict(
                "签到尚未超过时限 (the check-in has not exceeded the limit)",
                current_state=str(self.state),
            )
        assert self.checked_in_at is not None
        self.checked_out_at = self.checked_in_at + policy.capped_duration
        self.flagged_for_review = True
        self._finish(volunteer, nxt, "auto_closed", now)

    def fail(self, *, now: datetime, reason: str, policy: CheckInPolicy) -> None:
        """Could not be done: on site (closes the check-in) or nobody could take it."""
        nxt = self._next("fail")
        now = require_utc(now, "now")
        reason = require_text("reason", reason)
        if self.state is TaskState.IN_PROGRESS:
            self._close_check_in(now, policy)
        self.closing_reason = reason
        self.state = nxt
        self.events.append(TaskFailed(self.id, reason, now))

    def cancel(self, *, now: datetime, reason: str) -> None:
        """The source was cancelled (or the coordinator cancels) before anyone checked in."""
        nxt = self._next("cancel")
        now = require_utc(now, "now")
        reason = require_text("reason", reason)
        offer = self.current_offer
        if offer is not None:
            offer.outcome, offer.answered_at = OfferOutcome.WITHDRAWN, now
        self.closing_reason = reason
        self.state = nxt

    def source_cancelled(self, *, now: datetime, reason: str) -> bool:
        """The asking service no longer needs it. Cancelled while still possible (before
        check-in); otherwise recorded for the coordinator. True when cancelled."""
        now = require_utc(now, "now")
        reason = require_text("reason", reason)
        if self.state is TaskState.CANCELLED:
            return False
        if "cancel" in self.allowed_actions():
            self.cancel(now=now, reason=f"来源已取消：{reason} (source cancelled)")
            return True
        self.source_cancelled_at, self.source_cancel_reason = now, reason
        return False

    def close_resolved(self, *, now: datetime, reason: str) -> bool:
        """What raised the task was resolved (the device returned, the assessment done, the
        inspection passed): nothing is left to do. Closed before check-in (an open offer
        is withdrawn); a volunteer already on site finishes and checks out, the
        resolution is recorded for the coordinator. True when closed."""
        now = require_utc(now, "now")
        reason = require_text("reason", reason)
        if "close" not in TASK_MACHINE.allowed(str(self.state)):
            if self.state is TaskState.IN_PROGRESS:
                self.source_cancelled_at, self.source_cancel_reason = now, reason[:200]
            return False
        self.close(now=now, reason=reason)
        return True

    def close(self, *, now: datetime, reason: str) -> None:
        """Close it: its cause was resolved (``reason`` in words). Only before check-in."""
        nxt = self._next("close")
        now = require_utc(now, "now")
        reason = require_text("reason", reason)
        offer = self.current_offer
        if offer is not None:
            offer.outcome, offer.answered_at = OfferOutcome.WITHDRAWN, now
        if self.state is TaskState.OFFERED:
            self._unbook()
        self.closing_reason = f"已自动关闭：{reason}"
        self.state = nxt

    def expire(self, *, now: datetime) -> None:
        """Its window ended and nobody took it: the asking service is told (it may ask
        again). An open offer is withdrawn."""
        nxt = self._next("expire")
        now = require_utc(now, "now")
        if now < self.window_end:
            raise Conflict("任务时段尚未结束 (the window has not ended yet)",
                           current_state=str(self.state))
        offer = self.current_offer
        if offer is not None:
            offer.outcome, offer.answered_at = OfferOutcome.WITHDRAWN, now
        self._unbook()
        self.closing_reason = EXPIRED_REASON
        self.state = nxt
        self.events.append(TaskExpired(self.id, EXPIRED_REASON, self.window_end, now))

    def escalate(self, *, now: datetime, reason: str) -> bool:
        """Hand the task to its coordinator (no more automatic offers): the re-offer limit
        was reached or nobody is left to offer it to. Once per task until it is taken;
        True when escalated now."""
        now = require_utc(now, "now")
        if self.escalated_at is not None:
            return False
        self.escalated_at, self.escalation_reason = now, require_text("reason", reason)
        self.events.append(TaskEscalated(self.id, self.escalation_reason, self.reoffer_count,
                                         now))
        return True

    # ---- integration ----------------------------------------------------------------

    @property
    def integration_problem(self) -> IntegrationProblem | None:
        """The latest of this task's events another service could not apply."""
        if self.problem_event_type is None or self.problem_at is None:
            return None
        return IntegrationProblem(self.problem_event_type, self.problem_consumer or "",
                                  self.problem_reason or "", self.problem_at)

    def record_integration_problem(self, event_type: str, consumer: str, reason: str, *,
                                   at: datetime) -> None:
        """Another service parked ``event_type`` about this task: shown until a later one
        replaces it (a replay that succeeds sends no notice)."""
        self.problem_event_type, self.problem_consumer = event_type, consumer
        self.problem_reason, self.problem_at = reason, require_utc(at, "at")

    # ---- internals ------------------------------------------------------------------

    def _next(self, action: str) -> TaskState:
        return TaskState(TASK_MACHINE.next(str(self.state), action))

    def _pending(self) -> Offer:
        offer = self.current_offer
        if offer is None:  # the state machine makes this unreachable for OFFERED
            raise Conflict("没有待答复的邀请 (no open offer)", current_state=str(self.state))
        return offer

    def _own_offer(self, volunteer_id: UUID) -> Offer:
        offer = self._pending()
        if offer.volunteer_id != volunteer_id:
            raise Forbidden("该邀请不是发给你的 (this offer is not yours)")
        return offer

    def _require_assignee(self, volunteer_id: UUID) -> None:
        if self.assignee_id != volunteer_id:
            raise Forbidden("只有任务执行人可以这样做 (only the assigned volunteer can do this)")

    def _require_window_open(self, now: datetime) -> None:
        if now >= self.window_end:
            raise Conflict(
                "任务时段已结束，请先改期 (the window has ended; reschedule first)",
                current_state=str(self.state),
            )

    def _require_eligible(
        self, volunteer: Volunteer, busy: Iterable[Task], *, now: datetime, override: bool
    ) -> Slot:
        """Raise unless the volunteer may take the task; the earliest slot to book (an
        override that ignores availability books the earliest free stretch)."""
        booked = list(busy)
        exclusions = self.exclusions_for(volunteer, booked, now=now)
        blocking = [e for e in exclusions if not (override and e.code in OVERRIDABLE)]
        slot = None
        if not blocking:
            unavailable = any(e.code is ExclusionCode.UNAVAILABLE for e in exclusions)
            slot = self.proposed_slot(volunteer, booked, now=now, ignore_availability=unavailable)
            if slot is None:  # overriding availability, but too little window is left
                blocking = [Exclusion(
                    ExclusionCode.UNAVAILABLE,
                    "任务时段剩余时间不足 (too little of the window is left)",
                )]
        if blocking or slot is None:
            raise Conflict(
                "；".join(e.message for e in blocking),
                current_state=str(self.state),
                reasons=[str(e.code) for e in blocking],
            )
        return slot

    def _book(self, slot: Slot) -> None:
        self.slot_start, self.slot_end = slot.start, slot.end

    def _unbook(self) -> None:
        self.slot_start = self.slot_end = None

    def _release(self, outcome: OfferOutcome, now: datetime) -> None:
        accepted = next(
            o for o in reversed(self.offers)
            if o.outcome is OfferOutcome.ACCEPTED and o.volunteer_id == self.assignee_id
        )
        accepted.outcome, accepted.answered_at = outcome, now
        self.assignee_id = None

    def _close_check_in(self, now: datetime, policy: CheckInPolicy) -> None:
        assert self.checked_in_at is not None  # IN_PROGRESS always has a check-in
        if now < self.checked_in_at:
            raise ValidationFailed.field("now", "签退时间早于签到时间 (check-out before check-in)")
        if now - self.checked_in_at > policy.open_limit:
            self.checked_out_at = self.checked_in_at + policy.capped_duration
            self.flagged_for_review = True
        else:
            self.checked_out_at = now

    def _finish(self, volunteer: Volunteer, nxt: TaskState, outcome: str, now: datetime) -> None:
        assert self.checked_in_at is not None
        assert self.checked_out_at is not None
        volunteer.record_completion()
        self.state = nxt
        self.events.append(TaskCompleted(
            self.id, volunteer.id, outcome, self.checked_out_at, self.result, now
        ))

