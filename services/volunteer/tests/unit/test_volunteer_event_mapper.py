"""Every domain event the volunteer domain can record is mapped to a catalogue event or
deliberately internal: nothing recorded is dropped (the commit would fail)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import volunteer.domain
from volunteer.domain.events import (
    Event,
    TaskAssigned,
    TaskCompleted,
    TaskEscalated,
    TaskExpired,
    TaskFailed,
    TaskOffered,
)
from volunteer.service_layer.mapper import mapper

#: recorded by an aggregate, published to nobody (none: what stays inside the service is
#: state, kept by the audit trail)
INTERNAL: set[type] = set()


def _domain_event_classes() -> set[type]:
    found: set[type] = set()
    for info in pkgutil.iter_modules(volunteer.domain.__path__, "volunteer.domain."):
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Event) and obj is not Event:
                found.add(obj)
    return found


def test_every_domain_event_is_mapped_or_declared_internal() -> None:
    classes = _domain_event_classes()
    assert classes == {TaskOffered, TaskAssigned, TaskCompleted, TaskFailed, TaskExpired,
                       TaskEscalated} | INTERNAL
    assert mapper.unmapped(classes) == []
    assert mapper.internal_events == INTERNAL
    assert mapper.mapped == classes - INTERNAL
