"""Domain events -> catalogue events: the one mapper each service declares.

The pipeline (ADR 0010)::

    aggregate.events.append(SomethingHappened(...))      # the domain records
    with uow: ...; uow.commit()                          # the unit of work collects,
        -> mapper(uow, aggregate, event)                 # maps through this table,
        -> uow.add_event("catalogue.type", payload, ...) # and writes the outbox rows
                                                         # in the same transaction

A service builds one :class:`EventMapper`, registers a function per domain event class
with :meth:`EventMapper.on` and names the deliberately internal ones (recorded by the
aggregate, published to nobody) with :meth:`EventMapper.internal`. A domain event of a
class the mapper does not know is a programming error: the commit fails, so an event is
never dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from svckit.uow import UnitOfWork

#: ``fn(uow, aggregate, event)``: stage zero or more catalogue events with
#: ``uow.add_event`` (and any rows of the service's own that follow from the event)
MapFn = Callable[["UnitOfWork", Any, Any], None]
F = TypeVar("F", bound=MapFn)


class UnmappedEvent(LookupError):
    """A domain event that is neither mapped nor declared internal."""


class EventMapper:
    def __init__(self, service: str) -> None:
        self.service = service
        self._fns: dict[type, MapFn] = {}
        self._internal: set[type] = set()

    def on(self, *event_classes: type) -> Callable[[F], F]:
        """Register ``fn`` for ``event_classes`` (decorator)."""

        def register(fn: F) -> F:
            for cls in event_classes:
                if cls in self._fns or cls in self._internal:
                    raise ValueError(f"{cls.__name__} is mapped twice")
                self._fns[cls] = fn
            return fn

        return register

    def internal(self, *event_classes: type) -> None:
        """Declare events that stay inside the service (no catalogue event)."""
        for cls in event_classes:
            if cls in self._fns:
                raise ValueError(f"{cls.__name__} is both mapped and internal")
            self._internal.add(cls)

    @property
    def mapped(self) -> frozenset[type]:
        return frozenset(self._fns)

    @property
    def internal_events(self) -> frozenset[type]:
        return frozenset(self._internal)

    def unmapped(self, event_classes: Iterable[type]) -> list[type]:
        """Those of ``event_classes`` that are neither mapped nor internal (a test
        asserts this is empty for every concrete domain event class)."""
        return [c for c in event_classes if self._lookup(c) is None and not self._is_internal(c)]

    def _lookup(self, cls: type) -> MapFn | None:
        for base in cls.__mro__:
            if base in self._fns:
                return self._fns[base]
        return None

    def _is_internal(self, cls: type) -> bool:
        return any(base in self._internal for base in cls.__mro__)

    def __call__(self, uow: UnitOfWork, aggregate: Any, event: Any) -> None:
        cls = type(event)
        fn = self._lookup(cls)
        if fn is not None:
            fn(uow, aggregate, event)
        elif not self._is_internal(cls):
            raise UnmappedEvent(
                f"{self.service}: domain event {cls.__name__} is neither mapped nor internal"
            )
