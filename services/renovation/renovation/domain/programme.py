"""Programmes (年度改造项目): the year's scope, per-household cap and total budget."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from svckit.domain.division import is_within, validate_division
from svckit.domain.errors import Conflict, ValidationFailed
from svckit.domain.fields import FieldErrors, require_text
from svckit.domain.money import yuan

from . import rules


class BudgetExceeded(ValidationFailed):
    """A plan total over the per-household cap or the programme's remaining budget (422)."""

    code = "budget-exceeded"
    title = "超出预算"

    def __init__(self, limit: str, total_fen: int, limit_fen: int) -> None:
        label = {
            "household_cap": "超过每户补助上限 (over the per-household cap)",
            "programme_budget": "超过项目剩余预算 (over the programme's remaining budget)",
        }[limit]
        message = (
            f"方案总额{yuan(total_fen)}元{label}{yuan(limit_fen)}元，"
            f"超出{yuan(total_fen - limit_fen)}元 "
            f"(plan total {yuan(total_fen)} > limit {yuan(limit_fen)} yuan)"
        )
        super().__init__(
            {"total_fen": [message]},
            limit=limit,
            total_fen=total_fen,
            limit_fen=limit_fen,
            over_fen=total_fen - limit_fen,
        )
        self.limit = limit
        self.total_fen = total_fen
        self.limit_fen = limit_fen


@dataclass(eq=False)
class DeadlineSettings:
    """Work-order deadlines in whole days, configurable per programme."""

    accept_days: int = 3
    inspect_days: int = 7
    rework_days: int = 30

    def __post_init__(self) -> None:
        for name in ("accept_days", "inspect_days", "rework_days"):
            rules.count(name, getattr(self, name))

    @property
    def accept_within(self) -> timedelta:
        return timedelta(days=self.accept_days)

    @property
    def inspect_within(self) -> timedelta:
        return timedelta(days=self.inspect_days)

    @property
    def rework_within(self) -> timedelta:
        return timedelta(days=self.rework_days)


@dataclass(eq=False)
class Programme:
    """One year's renovation programme. Spending is tracked against two caps: each plan
    against ``household_cap_fen``, and committed (sum of approved plan totals, computed by
    the service layer) against ``total_budget_fen``."""

    year: int
    name: str
    division_scope: str
    household_cap_fen: int
    target_homes: int
    total_budget_fen: int
    deadlines: DeadlineSettings = field(default_factory=DeadlineSettings)
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    #: the application window (China calendar dates, inclusive); by default the year
    opens_on: date | None = None
    closes_on: date | None = None
    #: "open", or "closed" after the year-end close (no new application, no approval)
    status: str = "open"
    closed_at: datetime | None = None
    #: the year-end report, kept as it was at the close
    closing_report: dict[str, Any] | None = None
    #: the programme this one was created from (:meth:`next_year`)
    previous_id: uuid.UUID | None = None
    #: the defect period (缺陷责任期) after acceptance, in days: the household may report a
    #: defect, repaired by the same contractor at its own cost
    defect_days: int = 365

    def __post_init__(self) -> None:
        check = FieldErrors()
        if self.opens_on is None and isinstance(self.year, int):
            self.opens_on = date(self.year, 1, 1) if 1 <= self.year <= 9999 else None
        if self.closes_on is None and isinstance(self.year, int):
            self.closes_on = date(self.year, 12, 31) if 1 <= self.year <= 9999 else None
        with check.field("year"):
            rules.year("year", self.year)
        with check.field("name"):
            self.name = require_text("name", self.name, 200)
        with check.field("division_scope"):
            self.division_scope = validate_division(self.division_scope)
        check.fen("household_cap_fen", self.household_cap_fen, 1)
        with check.field("target_homes"):
            rules.count("target_homes", self.target_homes)
        check.fen("total_budget_fen", self.total_budget_fen, 1)
        if not check and self.household_cap_fen > self.total_budget_fen:
            check.add(
                "household_cap_fen", "每户上限不能高于项目总预算 (cap above the total budget)"
            )
        with check.field("defect_days"):
            rules.count("defect_days", self.defect_days)
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            check.add("closes_on", "申请截止日期不能早于开始日期 (closes before it opens)")
        check.raise_if_any()

    @property
    def window(self) -> tuple[date, date]:
        """The application window; a programme stored without one: its calendar year."""
        return (self.opens_on or date(self.year, 1, 1), self.closes_on or date(self.year, 12, 31))

    def require_open(self) -> None:
        if self.status == "closed":
            raise Conflict(
                f"{self.year}年度项目已年终结算关闭，不再受理 "
                f"(the {self.year} programme is closed at year end)",
                current_state="closed", current_state_label="已年终结算",
            )

    def require_accepting(self, today: date) -> None:
        """A new application: the programme is open and ``today`` (China) in its window."""
        self.require_open()
        opens, closes = self.window
        if not opens <= today <= closes:
            raise Conflict(
                f"本项目申请期为{opens.isoformat()}至{closes.isoformat()}，"
                f"今天（{today.isoformat()}）不在申请期内，不能受理新申请 "
                f"(applications are taken from {opens} to {closes}; today is {today})",
                current_state="not_accepting", current_state_label="不在申请期内",
            )

    def edit(self, changes: Mapping[str, Any], committed_fen: int) -> None:
        """Change the name, caps, target, window or deadlines. The budget never goes below
        ``committed_fen`` (what approved plans and spent work hold); all checks at once."""
        self.require_open()
        check = FieldErrors()
        name = self.name
        if "name" in changes:
            with check.field("name"):
                name = require_text("name", changes["name"], 200)
        cap = check.fen("household_cap_fen", changes.get("household_cap_fen",
                                                          self.household_cap_fen), 1)
        budget = check.fen("total_budget_fen", changes.get("total_budget_fen",
                                                           self.total_budget_fen), 1)
        target = self.target_homes
        if "target_homes" in changes:
            with check.field("target_homes"):
                target = rules.count("target_homes", changes["target_homes"])
        if not check and budget < committed_fen:
            check.add("total_budget_fen",
                      f"总预算不能低于已承诺金额{yuan(committed_fen)}元 "
                      f"(the budget cannot go below the committed {committed_fen} fen)")
        if not check and cap > budget:
            check.add("household_cap_fen",
                      "每户上限不能高于项目总预算 (cap above the total budget)")
        opens = changes.get("opens_on") or self.window[0]
        closes = changes.get("closes_on") or self.window[1]
        if closes < opens:
            check.add("closes_on", "申请截止日期不能早于开始日期 (closes before it opens)")
        for name_, day in (("opens_on", opens), ("closes_on", closes)):
            if abs(day.year - self.year) > 1:
                check.add(name_, f"申请期须在{self.year}年前后一年内 "
                                 f"(within a year of {self.year})")
        defect_days = self.defect_days
        if "defect_days" in changes:
            with check.field("defect_days"):
                defect_days = rules.count("defect_days", changes["defect_days"])
        deadlines = self.deadlines
        if changes.get("deadlines"):
            with check.field("deadlines"):
                deadlines = DeadlineSettings(**{
                    "accept_days": self.deadlines.accept_days,
                    "inspect_days": self.deadlines.inspect_days,
                    "rework_days": self.deadlines.rework_days, **changes["deadlines"]})
        check.raise_if_any()
        self.name, self.household_cap_fen, self.total_budget_fen = name, cap, budget
        self.target_homes, self.opens_on, self.closes_on = target, opens, closes
        self.deadlines, self.defect_days = deadlines, defect_days

    def close(self, report: dict[str, Any], now: datetime) -> None:
        """The year-end close: no new application or approval; the report is kept."""
        self.require_open()
        self.status, self.closed_at, self.closing_report = "closed", now, report

    def next_year(self, *, total_budget_fen: int, name: str | None = None,
                  id: uuid.UUID | None = None) -> Programme:
        """Next year's programme, made from this one: scope, cap, target and deadlines."""
        year = self.year + 1
        if name is None:
            name = (self.name.replace(str(self.year), str(year)) if str(self.year) in self.name
                    else f"{self.name}（{year}年度）")
        return Programme(
            year=year, name=name, division_scope=self.division_scope,
            household_cap_fen=self.household_cap_fen,
            target_homes=self.target_homes, total_budget_fen=total_budget_fen,
            deadlines=DeadlineSettings(self.deadlines.accept_days, self.deadlines.inspect_days,
                                       self.deadlines.rework_days),
            previous_id=self.id, id=id or uuid.uuid4(), defect_days=self.defect_days,
        )

    def covers(self, division: str) -> bool:
        return is_within(division, self.division_scope)

    def remaining_budget_fen(self, committed_fen: int) -> int:
        return self.total_budget_fen - committed_fen

    def check_household_cap(self, total_fen: int) -> None:
        """Exactly at the cap is allowed; one fen over is refused."""
        if total_fen > self.household_cap_fen:
            raise BudgetExceeded("household_cap", total_fen, self.household_cap_fen)

    def check_affordable(self, total_fen: int, committed_fen: int) -> None:
        """Check a plan against both caps. ``committed_fen`` excludes this plan."""
        self.check_household_cap(total_fen)
        remaining = self.remaining_budget_fen(committed_fen)
        if total_fen > remaining:
            raise BudgetExceeded("programme_budget", total_fen, remaining)
