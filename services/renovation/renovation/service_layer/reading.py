"""Read models: the household file (一户一档) and the JSON reports."""

from __future__ import annotations

import uuid
from typing import Any

from svckit.auth.principal import Principal
from svckit.domain.division import name_of

from renovation.service_layer.applications import load
from renovation.service_layer.policy import POLICY
from renovation.service_layer.uow import RenovationUoW


def household_file(uow: RenovationUoW, principal: Principal,
                   application_id: uuid.UUID) -> dict[str, Any]:
    """Everything about one household in one view: the case, assessment, plan with the
    device items' states, work orders (progress, inspections, satisfaction), photos,
    volunteer visits and the timeline."""
    with uow:
        app = load(uow, principal, "application.read", application_id, lock=False)
        programme = uow.repo.programme(app.programme_id)
        return {
            "application": app,
            "programme": programme,
            "work_orders": list(uow.repo.work_orders_of(app.id)),
            "photos": uow.repo.photos_of(app.id),
            "visits": uow.repo.visits_of(app.id),
            "timeline": uow.repo.history_of(app.id),
        }


def households_by_status(uow: RenovationUoW, principal: Principal) -> dict[str, Any]:
    POLICY.require_role(principal, "report.read")
    with uow:
        rows = uow.repo.households_by_status(principal.division_filter())
        names = {p.id: p.name for p in uow.repo.programmes()}
    groups: dict[tuple[uuid.UUID, str], dict[str, Any]] = {}
    totals: dict[str, int] = {}
    for r in rows:
        key = (r["programme_id"], r["division"])
        g = groups.setdefault(key, {
            "programme_id": r["programme_id"], "programme_name": names.get(r["programme_id"], ""),
            "division_code": r["division"], "division_name": name_of(r["division"]),
            "by_status": {}, "total": 0,
        })
        g["by_status"][r["status"]] = int(r["n"])
        g["total"] += int(r["n"])
        totals[r["status"]] = totals.get(r["status"], 0) + int(r["n"])
    return {"groups": list(groups.values()), "by_status": totals,
            "total": sum(totals.values())}


def spend(uow: RenovationUoW, principal: Principal) -> dict[str, Any]:
    """Committed (approved plans) and completed spend against each programme's budget, and
    by division. All money in fen (int)."""
    POLICY.require_role(principal, "report.read")
    with uow:
        programmes = list(uow.repo.programmes())
        rows = uow.repo.spend_by_division(principal.division_filter())
    out = []
    for p in programmes:
        mine = [r for r in rows if r["programme_id"] == p.id]
        committed = sum(int(r["committed_fen"]) for r in mine)
        homes = sum(int(r["homes"]) for r in mine)
        out.append({
            "programme_id": p.id, "year": p.year, "name": p.name,
            "total_budget_fen": p.total_budget_fen, "household_cap_fen": p.household_cap_fen,
            "target_homes": p.target_homes, "approved_homes": homes,
            "committed_fen": committed,
            "completed_fen": sum(int(r["completed_fen"]) for r in mine),
            "remaining_fen": p.total_budget_fen - committed,
            "divisions": [{
                "division_code": r["division"], "division_name": name_of(r["division"]),
                "homes": int(r["homes"]), "committed_fen": int(r["committed_fen"]),
                "completed_fen": int(r["completed_fen"]),
            } for r in mine],
        })
    return {"programmes": out}
