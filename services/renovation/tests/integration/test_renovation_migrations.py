"""The contractor dispatch-phone migration applies on a database that already holds
contractors, on PostgreSQL and on SQLite: they keep their rows, with no phone."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest
import sqlalchemy as sa
from renovation.adapters import orm
from renovation.service import definition
from svckit.db import make_engine
from svckit.migrations import upgrade

BEFORE_PHONE = "d9a4e6b2c8f1"


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request: pytest.FixtureRequest, pg_url: str, tmp_path: Path) -> str:
    return pg_url if request.param == "postgresql" else f"sqlite:///{tmp_path / 'r.db'}"


def test_existing_contractors_get_no_phone(db_url: str) -> None:
    upgrade(definition.migrations, db_url, BEFORE_PHONE)
    engine = make_engine(db_url)
    cid = uuid4()
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO contractors (id, name, division, active, status) "
            "VALUES (:id, '聊城安居无障碍工程有限公司', '371502', :active, 'active')"),
            {"id": cid.hex if db_url.startswith("sqlite") else str(cid), "active": True})
    upgrade(definition.migrations, db_url)
    c = orm.contractors.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(c.id, c.name, c.contact_phone)).all()
        conn.execute(orm.contractors.update().values(contact_phone="13806351288"))
        phone = conn.execute(sa.select(c.contact_phone)).scalar()
    engine.dispose()
    assert [(r.id, r.name, r.contact_phone) for r in rows] == [
        (cid, "聊城安居无障碍工程有限公司", None)]
    assert phone == "13806351288"
