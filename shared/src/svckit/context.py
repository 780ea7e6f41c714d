"""Per-request / per-message context carried through logs and event envelopes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)
actor: ContextVar[str | None] = ContextVar("actor", default=None)
#: the acting principal's role (``staff``...), or ``system`` for consumers and jobs
actor_role: ContextVar[str | None] = ContextVar("actor_role", default=None)


def current_correlation_id() -> str:
    """The correlation id in force, or a new one (and remember it)."""
    cid = correlation_id.get()
    if cid is None:
        cid = uuid.uuid4().hex
        correlation_id.set(cid)
    return cid


@contextmanager
def bound(
    *, correlation: str | None, causation: str | None = None, who: str | None = None
) -> Iterator[None]:
    """Bind correlation/causation (and the acting user) for the duration of a block."""
    t1 = correlation_id.set(correlation or uuid.uuid4().hex)
    t2 = causation_id.set(causation)
    t3 = actor.set(who)
    try:
        yield
    finally:
        correlation_id.reset(t1)
        causation_id.reset(t2)
        actor.reset(t3)


@contextmanager
def acting(who: str, role: str = "system") -> Iterator[None]:
    """Bind the acting principal (``system:<handler>`` in consumers and jobs) for a block:
    the audit trail records it as the author of the state changes made inside."""
    t1 = actor.set(who)
    t2 = actor_role.set(role)
    try:
        yield
    finally:
        actor.reset(t1)
        actor_role.reset(t2)
