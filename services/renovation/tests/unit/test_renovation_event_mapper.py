"""Every domain event the renovation aggregates can record is mapped (timeline row, maybe a
catalogue event) or deliberately internal: an unmapped one would fail the commit."""

from __future__ import annotations

import inspect

from renovation.domain import events as ev
from renovation.service_layer.mapper import mapper

#: events recorded by an aggregate and published to nobody, not even the timeline
INTERNAL: set[type] = set()


def _concrete_events() -> set[type]:
    return {cls for _, cls in inspect.getmembers(ev, inspect.isclass)
            if issubclass(cls, ev.Event) and cls is not ev.Event
            and cls.__module__ == ev.__name__}


def test_every_domain_event_is_mapped_or_declared_internal() -> None:
    found = _concrete_events()
    assert len(found) >= 25  # the discovery itself works
    assert mapper.unmapped(found) == []
    assert mapper.internal_events == INTERNAL
    assert mapper.mapped == found - INTERNAL  # nothing mapped that the domain never records
