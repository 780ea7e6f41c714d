"""The one event pipeline: aggregate -> unit of work -> the service's mapper -> outbox.

A tiny domain (a ``Thing`` aggregate mapped onto the probe's ``things`` table) with its
mapper, on both databases: use cases never publish or clear events by hand.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import probe
import pytest
from spine_kit import make_ctx
from sqlalchemy import func, select
from sqlalchemy.orm import registry
from svckit.db import records_events
from svckit.events.mapper import EventMapper, UnmappedEvent
from svckit.service import ServiceContext
from svckit.uow import UnitOfWork


@dataclass(frozen=True)
class Renamed:
    thing_id: str
    name: str


@dataclass(frozen=True)
class Touched:  # deliberately internal
    thing_id: str


@dataclass(frozen=True)
class Forgotten:  # neither mapped nor internal: a programming error
    thing_id: str


@dataclass(eq=False)
class Thing:
    id: str
    name: str
    state: str = "open"
    events: list[Any] = field(default_factory=list)

    def rename(self, name: str) -> None:
        self.name = name
        self.events.append(Touched(self.id))
        self.events.append(Renamed(self.id, name))


mapper = EventMapper("probe")
mapper.internal(Touched)


@mapper.on(Renamed)
def _renamed(uow: UnitOfWork, thing: Thing, event: Renamed) -> None:
    uow.add_event("probe.pinged", {"n": len(event.name)}, subject_id=event.thing_id)


_registry = registry()
_registry.map_imperatively(Thing, probe.things)
records_events(Thing)


@pytest.fixture(params=["sqlite", "postgresql"])
def ctx(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServiceContext]:
    url = (f"sqlite:///{tmp_path}/probe.db" if request.param == "sqlite"
           else str(request.getfixturevalue("pg_url")))
    ctx = make_ctx(url, "memory://", "")
    object.__setattr__(ctx.definition, "event_mapper", mapper)
    try:
        yield ctx
    finally:
        object.__setattr__(ctx.definition, "event_mapper", None)
        ctx.engine.dispose()


def _outbox(ctx: ServiceContext) -> list[dict[str, Any]]:
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(ctx.tables.outbox.c.body)
                            .order_by(ctx.tables.outbox.c.seq)).scalars()
        return [json.loads(body) for body in rows]


def _things(ctx: ServiceContext, *names: str) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in names]
    with ctx.uow() as uow:
        for tid, name in zip(ids, names, strict=True):
            uow.session.add(Thing(tid, name))
        uow.commit()
    return ids


def test_a_use_case_changing_two_aggregates_publishes_both(ctx: ServiceContext) -> None:
    a, b = _things(ctx, "a", "b")
    with ctx.uow() as uow:
        first = uow.session.get(Thing, a)
        second = uow.session.get(Thing, b)
        assert first is not None and second is not None
        first.rename("four")
        second.rename("seven!")
        uow.commit()
    published = _outbox(ctx)
    assert [(e["subject_id"], e["payload"]["n"]) for e in published] == [(a, 4), (b, 6)]
    # the events were consumed by the commit: nothing is published twice
    with ctx.uow() as uow:
        uow.commit()
    assert len(_outbox(ctx)) == 2


def test_a_new_aggregate_s_events_are_collected_too(ctx: ServiceContext) -> None:
    tid = str(uuid.uuid4())
    with ctx.uow() as uow:
        thing = Thing(tid, "x")
        thing.rename("abc")
        uow.session.add(thing)
        uow.commit()
    assert [e["payload"]["n"] for e in _outbox(ctx)] == [3]


def test_a_rolled_back_use_case_publishes_none(ctx: ServiceContext) -> None:
    (a,) = _things(ctx, "a")
    with pytest.raises(RuntimeError), ctx.uow() as uow:
        thing = uow.session.get(Thing, a)
        assert thing is not None
        thing.rename("never")
        raise RuntimeError("the use case fails after the change")
    with ctx.uow() as uow:  # left without commit()
        thing = uow.session.get(Thing, a)
        assert thing is not None
        thing.rename("never either")
    assert _outbox(ctx) == []
    with ctx.engine.connect() as conn:
        names = conn.execute(select(probe.things.c.name)).scalars().all()
    assert names == ["a"]


def test_an_invalid_catalogue_event_fails_the_commit_and_writes_nothing(
    ctx: ServiceContext,
) -> None:
    (a,) = _things(ctx, "a")
    with pytest.raises(UnmappedEvent), ctx.uow() as uow:
        thing = uow.session.get(Thing, a)
        assert thing is not None
        thing.name = "changed"
        thing.events.append(Forgotten(a))
        uow.commit()
    assert _outbox(ctx) == []
    with ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(probe.things)).scalar() == 1
        assert conn.execute(select(probe.things.c.name)).scalar() == "a"


def test_publish_false_maps_but_stages_no_catalogue_event(ctx: ServiceContext) -> None:
    (a,) = _things(ctx, "a")
    with ctx.uow() as uow:
        thing = uow.session.get(Thing, a)
        assert thing is not None
        thing.rename("demo")
        uow.commit(publish=False)
        assert thing.events == []
    assert _outbox(ctx) == []


def test_mapper_coverage_lists_what_is_neither_mapped_nor_internal() -> None:
    assert mapper.unmapped([Renamed, Touched, Forgotten]) == [Forgotten]
    assert mapper.mapped == {Renamed}
    assert mapper.internal_events == {Touched}
    with pytest.raises(ValueError):
        mapper.internal(Renamed)


def test_events_of_an_aggregate_let_go_after_an_autoflush_are_not_lost(
    ctx: ServiceContext,
) -> None:
    import gc

    (a,) = _things(ctx, "a")
    with ctx.uow() as uow:
        thing = uow.session.get(Thing, a)
        assert thing is not None
        thing.rename("lost?")
        uow.session.flush()  # flushed: the identity map now holds it weakly
        del thing
        gc.collect()
        uow.commit()
    assert [e["payload"]["n"] for e in _outbox(ctx)] == [5]
