"""The booking-slot migration applies on a database that already holds tasks, on
PostgreSQL and on SQLite: durations by type, accepted tasks keep blocking their window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
import sqlalchemy as sa
from svckit.db import make_engine
from svckit.migrations import upgrade
from volunteer.adapters import orm
from volunteer.service import definition

BEFORE_SLOTS = "70bf65b6d60e"
W0 = datetime(2026, 11, 23, 1, tzinfo=UTC)


def _row(type_: str, state: str, assignee: object = None) -> dict[str, object]:
    return {
        "id": uuid4(), "type": type_, "division": "371502", "address": "东昌府区",
        "window_start": W0, "window_end": W0 + timedelta(hours=48),
        "required_skills": [], "priority": 2, "source_service": "inventory",
        "source_kind": "rental", "source_id": str(uuid4()), "created_at": W0, "note": "",
        "state": state, "assignee_id": assignee, "flagged_for_review": False,
    }


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request, pg_url: str, tmp_path: Path) -> str:
    return pg_url if request.param == "postgresql" else f"sqlite:///{tmp_path / 'v.db'}"


def test_the_slot_migration_fills_existing_tasks(db_url: str) -> None:
    upgrade(definition.migrations, db_url, BEFORE_SLOTS)
    engine = make_engine(db_url)
    vid = uuid4()
    tasks, volunteers = orm.tasks, orm.volunteers  # inserts name only the old columns
    rows = [_row("overdue_call", "open"), _row("accompany_assessment", "accepted", vid),
            _row("deliver_device", "completed", vid)]
    with engine.begin() as conn:
        conn.execute(volunteers.insert().values(
            id=vid, real_name="张", phone="13800000000", divisions=["371502"], skills=[],
            availability=[], timezone="Asia/Shanghai", active=True, completed_count=0,
            no_show_count=0))
        conn.execute(tasks.insert(), rows)
        # A row pointing at `tasks`: SQLite must rebuild that table with it in place.
        conn.execute(orm.offers.insert().values(
            id=uuid4(), task_id=rows[1]["id"], position=0, volunteer_id=vid, offered_by=vid,
            offered_at=W0, expires_at=None, outcome="accepted", answered_at=W0))
    upgrade(definition.migrations, db_url)
    t = orm.tasks.c
    with engine.connect() as conn:
        got = {r.id: r for r in conn.execute(
            sa.select(t.id, t.duration_minutes, t.slot_start, t.slot_end))}
        offers = conn.execute(sa.select(sa.func.count()).select_from(orm.offers)).scalar()
    engine.dispose()
    assert offers == 1
    call, visit, done = (got[r["id"]] for r in rows)
    assert (call.duration_minutes, call.slot_start) == (timedelta(minutes=30), None)
    assert visit.duration_minutes == timedelta(hours=3)
    assert (visit.slot_start, visit.slot_end) == (W0, W0 + timedelta(hours=48))
    assert (done.duration_minutes, done.slot_start) == (timedelta(hours=2), None)


BEFORE_CAUSES = "c3e8a51f7d20"


def test_the_cause_migration_keys_existing_tasks_and_keeps_one_live_per_cause(
        db_url: str) -> None:
    upgrade(definition.migrations, db_url, BEFORE_CAUSES)
    engine = make_engine(db_url)
    wo = str(uuid4())
    rows = [_row("acceptance_visit", "open"), _row("acceptance_visit", "open"),
            _row("acceptance_visit", "completed"), _row("overdue_call", "open")]
    for row, (kind, sid) in zip(rows, [("acceptance_visit", f"{wo}:1"),
                                       ("acceptance_visit", f"{wo}:2"),
                                       ("acceptance_visit", f"{wo}:0"),
                                       ("overdue_call", "r-1:2026-11-01")], strict=True):
        row.update(source_service="renovation", source_kind=kind, source_id=sid,
                   duration_minutes=timedelta(minutes=90))
    rows[1]["created_at"] = W0 + timedelta(minutes=1)
    with engine.begin() as conn:
        conn.execute(sa.insert(orm.tasks), rows)
    upgrade(definition.migrations, db_url)
    t = orm.tasks.c
    with engine.connect() as conn:
        got = {r.id: (r.cause_key, r.reoffer_count) for r in conn.execute(
            sa.select(t.id, t.cause_key, t.reoffer_count))}
    engine.dispose()
    key = f"renovation:acceptance_visit:{wo}"
    assert [got[r["id"]] for r in rows] == [
        (key, 0), (None, 0), (key, 0), ("renovation:overdue_call:r-1", 0)]
