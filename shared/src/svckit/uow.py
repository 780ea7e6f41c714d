"""The unit of work: one transaction for the state change and the events it raises.

A use case does::

    with uow:
        unit = uow.units.get_for_update(unit_id)
        unit.check_out(...)          # the aggregate appends its domain events
        uow.commit()

At :meth:`UnitOfWork.commit` the unit of work collects the domain events of every object
the session loaded or was given (``aggregate.events``), in order, and hands each to the
service's one :class:`~svckit.events.mapper.EventMapper`, which stages catalogue events
with :meth:`UnitOfWork.add_event`; the outbox rows are written in the same transaction
as the state. No use case publishes or clears events by hand. Catalogue events are
validated when staged: an invalid one raises
:class:`~svckit.events.catalogue.InvalidEvent` and, since nothing was committed, nothing
is written. Leaving the block without ``commit()`` rolls everything back and drops the
recorded events with the objects.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, MetaData, Table, TextClause, bindparam, event, insert, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from svckit import audit, context
from svckit.events.catalogue import Catalogue
from svckit.events.envelope import Envelope
from svckit.events.mapper import EventMapper
from svckit.messaging.tables import MessagingTables


class OutboxSignal:
    """Wakes the relay after a commit that wrote outbox rows.

    In one process (the embedded mode) it is a ``threading.Event``; on PostgreSQL the unit
    of work also sends ``NOTIFY`` inside the transaction, so a relay in another process
    wakes at commit without polling.
    """

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.event = threading.Event()

    def set(self) -> None:
        self.event.set()


_OUTBOX_COLUMNS = ("event_id", "event_type", "subject_id", "body", "created_at", "attempts")


@functools.lru_cache(maxsize=64)
def _outbox_and_notify(outbox: Table, n: int, audit_table: Table | None = None,
                       n_audit: int = 0) -> TextClause:
    """``n`` outbox rows, ``n_audit`` audit rows (``svckit.audit``) and the relay's wake-up
    (``pg_notify``, delivered at commit) in one round trip: a data-modifying CTE runs
    whether or not the outer SELECT reads it. Text built once per pair of row counts with
    bound parameters ``<column>_<i>`` and ``a_<column>_<i>`` (SQLAlchemy does not cache the
    compiled form of a multi-row ``insert().values()``, which took a fresh compile on
    every commit)."""
    cols = ", ".join(_OUTBOX_COLUMNS)
    rows = ", ".join("(" + ", ".join(f":{c}_{i}" for c in _OUTBOX_COLUMNS) + ")"
                     for i in range(n))
    params = [bindparam(f"{c}_{i}", type_=outbox.c[c].type)
              for i in range(n) for c in _OUTBOX_COLUMNS]
    audit_cte = ""
    if audit_table is not None and n_audit:
        audit_sql, audit_params = audit.values_clause(audit_table, n_audit, prefix="a_")
        audit_cte = f"audit_rows AS ({audit_sql}), "
        params += audit_params
    sql = (f"WITH {audit_cte}outbox_rows AS (INSERT INTO {outbox.name} ({cols}) VALUES {rows}) "
           "SELECT pg_notify(:channel, '')")
    return text(sql).bindparams(*params)


@functools.lru_cache(maxsize=16)
def _claim_inbox(inbox: Table, dialect: str) -> Any:
    """``INSERT INTO inbox ... ON CONFLICT DO NOTHING RETURNING event_id`` with bound
    parameters, built once (a consumer claims every event it applies). RETURNING, not
    rowcount: drivers report -1 for INSERT .. ON CONFLICT DO NOTHING."""
    insert_: Any
    if dialect == "postgresql":
        insert_ = pg_insert
    elif dialect == "sqlite":
        insert_ = sqlite_insert
    else:  # pragma: no cover - only the two supported databases
        raise RuntimeError(f"unsupported dialect {dialect}")
    return (insert_(inbox)
            .values({c: bindparam(c, type_=inbox.c[c].type)
                     for c in ("event_id", "handler", "event_type", "received_at")})
            .on_conflict_do_nothing().returning(inbox.c.event_id))


class UnitOfWork:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        producer: str,
        catalogue: Catalogue,
        tables: MessagingTables,
        signal: OutboxSignal | None = None,
        mapper: EventMapper | None = None,
    ) -> None:
        self._session_factory = session_factory
        self.mapper = mapper
        self.producer = producer
        self.catalogue = catalogue
        self.tables = tables
        self.signal = signal
        self._pending: list[dict[str, Any]] = []
        self._after_commit: list[Callable[[], None]] = []
        self._session: Session | None = None
        self.committed = False
        #: the service's audit table, when it has one (``svckit.audit``)
        self._audit = self.metadata.tables.get(audit.AUDIT_LOG)

    # -- context management -------------------------------------------------
    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("unit of work is already open")
        self._session = self._session_factory()
        if self._audit is not None:
            audit.begin(self._session)
        self._pending = []
        self._after_commit = []
        self._seen: list[Any] = []
        if self.mapper is not None:
            # The identity map holds flushed objects weakly: an aggregate a use case let go
            # of after an autoflush could be collected with its events. Hold every object
            # that records events (added or loaded) until the unit of work ends.
            event.listen(self._session, "after_attach", self._hold)
            event.listen(self._session, "loaded_as_persistent", self._hold)
        self.committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self.committed:
                # Detach first: a read-only use case returns what it loaded, and a
                # rollback would expire it. Nothing of an aborted write is kept anyway.
                self.session.expunge_all()
                self.session.rollback()
        finally:
            self.session.close()
            self._session = None
            self._pending = []
            self._seen = []

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work is not open: use `with uow:`")
        return self._session

    @property
    def metadata(self) -> MetaData:
        """The service's tables (the outbox's ``MetaData``)."""
        return self.tables.outbox.metadata

    @property
    def engine(self) -> Engine:
        bind = self.session.get_bind()
        assert isinstance(bind, Engine)
        return bind

    # -- events ---------------------------------------------------------------
    def add_event(
        self,
        type: str,
        payload: dict[str, Any],
        *,
        subject_id: str,
        version: int | None = None,
    ) -> Envelope:
        """Validate and stage an integration event; it is written at :meth:`commit`."""
        spec, data = self.catalogue.serialise(type, version, payload)
        env = Envelope(
            type=spec.type,
            version=spec.version,
            producer=self.producer,
            subject_id=subject_id,
            payload=data,
            correlation_id=context.current_correlation_id(),
            causation_id=context.causation_id.get(),
        )
        self._pending.append(
            {
                "event_id": str(env.id),
                "event_type": env.type,
                "subject_id": env.subject_id,
                "body": env.to_json(),
                "created_at": env.occurred_at,
                "attempts": 0,
            }
        )
        return env

    @property
    def staged_events(self) -> list[str]:
        return [row["event_type"] for row in self._pending]

    def claim_inbox(self, event_id: str, handler: str, event_type: str) -> bool:
        """Record that ``handler`` applies ``event_id`` in this transaction.

        Returns False when the event was already applied (or is being applied by a
        concurrent transaction that then commits): the caller skips the effect. The
        unique key makes this race-free: the second insert waits for the first
        transaction and then does nothing.
        """
        stmt = _claim_inbox(self.tables.inbox, self.session.get_bind().dialect.name)
        return self.session.execute(stmt, {
            "event_id": event_id, "handler": handler, "event_type": event_type,
            "received_at": datetime.now(UTC)}).first() is not None

    def after_commit(self, fn: Callable[[], None]) -> None:
        self._after_commit.append(fn)

    def _hold(self, _session: Session, obj: Any) -> None:
        if hasattr(obj, "events"):
            self._seen.append(obj)

    def track(self, aggregate: Any) -> None:
        """Collect the events of an aggregate the session does not hold (one written
        with Core statements); objects loaded or added through the session need not be."""
        self._seen.append(aggregate)

    def collect_events(self) -> int:
        """Map the recorded domain events of every object of the transaction.

        Objects in the order the session met them (loaded, then added), each one's events
        in the order it recorded them. A mapping function may load or change further
        objects; their events are collected in the next round. Returns how many domain
        events were mapped.
        """
        if self.mapper is None:
            return 0
        mapped = 0
        for _ in range(16):
            batch: list[tuple[Any, list[Any]]] = []
            seen: set[int] = set()
            session = self.session
            for obj in (*session.identity_map.values(), *session.new, *self._seen):
                recorded = getattr(obj, "events", None)
                if recorded and id(obj) not in seen:
                    seen.add(id(obj))
                    batch.append((obj, list(recorded)))
                    recorded.clear()
            if not batch:
                return mapped
            for obj, recorded_events in batch:
                for recorded in recorded_events:
                    self.mapper(self, obj, recorded)
                    mapped += 1
        raise RuntimeError("domain events keep raising further events (a mapping loop)")

    # -- transaction ----------------------------------------------------------
    def commit(self, *, publish: bool = True) -> None:
        """Collect and map the domain events, write the audit rows and the outbox rows,
        and commit it all in one transaction.

        ``publish=False`` (demo data, imports of history) still maps the events, so the
        service's own rows that follow from them are written, but stages no catalogue
        event.
        """
        session = self.session
        self.collect_events()
        if not publish:
            self._pending = []
        # the changes of the transaction (one audit row per object; this flushes)
        audit_rows = audit.take_rows(session) if self._audit is not None else []
        if self._pending and self.signal is not None and (
                session.get_bind().dialect.name == "postgresql"):
            # audit rows, outbox rows and the relay's wake-up in one statement
            with_audit = self._audit is not None and 0 < len(audit_rows) <= audit.CACHED_UP_TO
            if audit_rows and not with_audit:
                assert self._audit is not None
                audit.insert_rows(session, self._audit, audit_rows)
            stmt = _outbox_and_notify(self.tables.outbox, len(self._pending),
                                      self._audit if with_audit else None,
                                      len(audit_rows) if with_audit else 0)
            params: dict[str, Any] = {"channel": self.signal.channel}
            for i, row in enumerate(self._pending):
                params.update({f"{k}_{i}": v for k, v in row.items()})
            if with_audit:
                params.update(audit.bound(audit_rows, prefix="a_"))
            session.execute(stmt, params)
        else:
            if audit_rows:
                assert self._audit is not None
                audit.insert_rows(session, self._audit, audit_rows)
            if self._pending:
                session.execute(insert(self.tables.outbox), self._pending)
        session.commit()
        self.committed = True
        wrote = bool(self._pending)
        self._pending = []
        if wrote and self.signal is not None:
            self.signal.set()
        for fn in self._after_commit:
            fn()

    def rollback(self) -> None:
        for obj in (*self.session.identity_map.values(), *self.session.new, *self._seen):
            recorded = getattr(obj, "events", None)
            if recorded:
                recorded.clear()
        self.session.rollback()
        audit.discard(self.session)
        self._pending = []
