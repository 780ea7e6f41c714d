"""Programmes (年度改造项目): the year's scope, per-household cap and total budget."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from svckit.domain.division import is_within, validate_division
from svckit.domain.errors import ValidationFailed
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

    def __post_init__(self) -> None:
        check = FieldErrors()
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
        check.raise_if_any()

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
