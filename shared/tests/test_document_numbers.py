"""The one rule for document numbers (svckit.domain.docnumbers) and their allocation
(svckit.numbering): format, reading back what people type, and no two documents with one
number however many transactions race on a real PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from svckit.domain.docnumbers import (
    DocumentNumber,
    format_number,
    normalise_number,
    parse_number,
)
from svckit.numbering import document_counters_table, next_number, next_sequence


def test_the_format() -> None:
    assert format_number("ZL", "371502", 2026, 123) == "ZL-371502-2026-000123"
    assert format_number("SJ", "371500", 2027, 1234567) == "SJ-371500-2027-1234567"
    for bad in (("zl", "371502", 2026, 1), ("ZLXYZ", "371502", 2026, 1),
                ("ZL", "37150", 2026, 1), ("ZL", "371502", 26, 1), ("ZL", "371502", 2026, 0)):
        with pytest.raises(ValueError):
            format_number(*bad)


def test_numbers_read_back_as_people_type_them() -> None:
    assert parse_number("ZL-371502-2026-000123") == DocumentNumber("ZL", "371502", 2026, 123)
    assert normalise_number(" ｚｌ－３７１５０２—2026-000123 ") == "ZL-371502-2026-000123"
    for bad in ("", None, "ZL-371502-2026-123", "ZL371502-2026-000123", "d8423755"):
        assert parse_number(bad) is None


@pytest.fixture
def counters(pg_url: str) -> tuple[sa.Engine, sa.Table]:
    engine = sa.create_engine(pg_url)
    table = document_counters_table(sa.MetaData())
    table.create(engine)
    return engine, table


def test_counters_are_per_prefix_division_and_china_year(
        counters: tuple[sa.Engine, sa.Table]) -> None:
    engine, table = counters
    try:
        with Session(engine) as session:
            # 2026-12-31 16:30 UTC is already 2027 in China
            late = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
            early = datetime(2026, 12, 31, 15, 30, tzinfo=UTC)
            assert next_number(session, table, "ZL", "371502", early) == "ZL-371502-2026-000001"
            assert next_number(session, table, "ZL", "371502", early) == "ZL-371502-2026-000002"
            assert next_number(session, table, "ZL", "371502", late) == "ZL-371502-2027-000001"
            assert next_number(session, table, "ZL", "371503", early) == "ZL-371503-2026-000001"
            assert next_number(session, table, "SJ", "371502", early) == "SJ-371502-2026-000001"
            session.commit()
        with Session(engine) as session:  # a rolled-back number is given again
            assert next_sequence(session, table, "ZL", "371502", 2026) == 3
            session.rollback()
        with Session(engine) as session:
            assert next_sequence(session, table, "ZL", "371502", 2026) == 3
            session.commit()
    finally:
        engine.dispose()


def test_racing_transactions_never_share_a_number(
        counters: tuple[sa.Engine, sa.Table]) -> None:
    engine, table = counters
    got: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)
    lock = threading.Lock()

    def worker() -> None:
        try:
            start.wait(timeout=30)
            for _ in range(25):
                with Session(engine) as session:
                    value = next_sequence(session, table, "RW", "371502", 2026)
                    session.commit()
                with lock:
                    got.append(value)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        assert sorted(got) == list(range(1, 201))  # 200 numbers, no duplicate, no gap
    finally:
        engine.dispose()
