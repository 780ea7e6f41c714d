"""The outbox relay: publishes committed outbox rows, in order, exactly once per row.

One cycle, in one database transaction:
1. claim up to ``batch_size`` pending rows in ``seq`` order (``FOR UPDATE SKIP LOCKED`` on
   PostgreSQL, so several relays share the work without ever taking the same row);
2. leave out rows of a subject whose earlier row is held by another relay, so that the
   events of one subject are published in the order they were committed;
3. publish the batch with confirms; mark the confirmed rows sent (per subject only up to
   the first unconfirmed one) and count the attempt on the others; commit.

With RabbitMQ two batches are in flight (ADR 0008): batch n+1 is claimed and its frames
sent while the confirms of batch n arrive; batch n is then marked and committed. Its rows
stay locked and unmarked until then, so SKIP LOCKED and step 2 keep batch n+1 off them
and off later rows of their subjects, as they do between two relays.

On PostgreSQL that loop runs on two connections of its own (autocommit, transactions by
hand, ADR 0014): steps 1 and 2 are one statement sent with its ``BEGIN`` as one simple
query, so waking up to publishing is one round trip; while a backlog lasts, marking batch
n and its ``COMMIT`` go in the same simple query as the ``BEGIN`` and claim of batch n+2,
on batch n's connection, so that claim sees batch n as sent.

While the broker is down the relay backs off (exponentially, with jitter, capped) and
tries again; the API never waits for it: it only writes rows.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Connection,
    Engine,
    and_,
    any_,
    bindparam,
    func,
    select,
    text,
    update,
)

from svckit import metrics
from svckit.db import libpq_url
from svckit.messaging.publishers import OutgoingMessage, PipelinedPublisher, Publisher
from svckit.messaging.tables import MessagingTables
from svckit.uow import OutboxSignal

log = logging.getLogger(__name__)


class Relay:
    def __init__(
        self,
        engine: Engine,
        tables: MessagingTables,
        publisher_factory: Callable[[], Publisher],
        *,
        batch_size: int = 500,
        idle_poll: float = 1.0,
        signal: OutboxSignal | None = None,
        name: str = "relay",
        max_backoff: float = 5.0,
        pipeline_depth: int = 2,
        service: str = "",
    ) -> None:
        self.engine = engine
        self.outbox = tables.outbox
        self.publisher_factory = publisher_factory
        self.batch_size = batch_size
        self.idle_poll = idle_poll
        self.signal = signal
        self.name = name
        #: the ``service`` label of the relay's metrics
        self.service = service or name
        self.max_backoff = max_backoff
        #: batches in flight at once in the pipelined loop (each on its own connection)
        self.pipeline_depth = max(2, pipeline_depth)
        self._publisher: Publisher | None = None
        self._claim_pg = text(_claim_sql(self.outbox.name, ":limit"))
        self._listener: Any = None
        self._free_pg: list[Any] = []
        #: the last claim came back empty while batches were in flight (held back)
        self._held_back = False
        self.published = 0

    # -- one cycle ----------------------------------------------------------------
    def _claim(self, conn: Connection) -> list[OutgoingMessage]:
        if conn.dialect.name == "postgresql":
            for setting in _CLAIM_PLAN:
                conn.exec_driver_sql(setting)
            rows = conn.execute(self._claim_pg, {"limit": self.batch_size}).all()
            return [_outgoing(*r) for r in rows]
        o = self.outbox
        q = (
            select(o.c.seq, o.c.event_id, o.c.event_type, o.c.subject_id, o.c.body)
            .where(o.c.published_at.is_(None))
            .order_by(o.c.seq)
            .limit(self.batch_size)
        )
        rows = conn.execute(q).all()
        if not rows:
            return []
        claimed = [r.seq for r in rows]
        subjects = sorted({r.subject_id for r in rows})
        # Earliest pending row per subject that is NOT in our batch (it lies beyond our
        # batch, which cannot be earlier than our rows; SQLite has one writer anyway).
        blocked = dict(
            conn.execute(
                select(o.c.subject_id, func.min(o.c.seq))
                .where(
                    and_(
                        o.c.published_at.is_(None),
                        o.c.subject_id.in_(subjects),
                        o.c.seq.not_in(claimed),
                        o.c.seq < max(claimed),
                    )
                )
                .group_by(o.c.subject_id)
            ).all()
        )
        out = []
        for r in rows:
            first_foreign = blocked.get(r.subject_id)
            if first_foreign is not None and first_foreign < r.seq:
                continue
            out.append(_outgoing(r.seq, r.event_id, r.event_type, r.subject_id, r.body))
        return out

    def run_once(self) -> int:
        """Publish one batch. Returns how many rows were marked sent."""
        with self.engine.begin() as conn:
            batch = self._claim(conn)
            if not batch:
                return 0
            publisher = self._ensure_publisher()
            t0 = time.monotonic()
            try:
                confirmed = publisher.publish(batch)
            except Exception:
                self._drop_publisher()
                raise
            metrics.RELAY_CONFIRM_SECONDS.labels(self.service).observe(time.monotonic() - t0)
            sent, failed = self._mark(conn, batch, confirmed)
        return self._count(sent, failed)

    def _ensure_publisher(self) -> Publisher:
        if self._publisher is None:
            self._publisher = self.publisher_factory()
        return self._publisher

    def _mark(self, conn: Connection, batch: list[OutgoingMessage],
              confirmed: list[bool]) -> tuple[list[int], list[int]]:
        """Mark the confirmed rows sent (per subject only up to its first unconfirmed
        row) and count an attempt on the others."""
        sent, failed = _split(batch, confirmed)
        now = datetime.now(UTC)
        o = self.outbox
        if sent:
            conn.execute(
                update(o)
                .where(_seq_in(conn, o.c.seq, sent))
                .values(published_at=now, attempts=o.c.attempts + 1)
            )
        if failed:
            conn.execute(
                update(o)
                .where(_seq_in(conn, o.c.seq, failed))
                .values(attempts=o.c.attempts + 1, last_error="not confirmed by broker")
            )
        return sent, failed

    def _count(self, sent: list[int], failed: list[int]) -> int:
        self.published += len(sent)
        if sent:
            metrics.RELAY_PUBLISHED.labels(self.service).inc(len(sent))
        if failed:
            metrics.RELAY_UNCONFIRMED.labels(self.service).inc(len(failed))
        if failed and not sent:
            raise RuntimeError(f"{len(failed)} messages not confirmed")
        return len(sent)

    # -- the loop ------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        backoff = 0.1
        log.info("relay started", extra={"relay": self.name})
        inflight: list[_InFlight] = []
        while not stop.is_set():
            try:
                if self._pipelined():
                    self._cycle_pipelined(stop, inflight)
                else:
                    if self.signal is not None:
                        self.signal.event.clear()
                    n = self.run_once()
                    log.debug("relay cycle published %d", n)
                    if n == 0:
                        self._wait(stop)
                backoff = 0.1
            except Exception as exc:  # noqa: BLE001 - keep the relay alive
                for batch in inflight:
                    batch.abort()
                inflight.clear()
                self._held_back = False
                log.warning(
                    "relay cycle failed; retrying in %.1fs: %s", backoff, exc,
                    extra={"relay": self.name},
                )
                stop.wait(backoff * (0.5 + random.random()))
                backoff = min(backoff * 2, self.max_backoff)
        for batch in inflight:
            batch.abort()
        self.close()
        log.info("relay stopped", extra={"relay": self.name, "published": self.published})

    def _pipelined(self) -> bool:
        """Two batches in flight when the publisher can start one without waiting for it
        (RabbitMQ) and the database is PostgreSQL: confirms of batch n arrive while batch
        n+1 is claimed and sent."""
        return (self.engine.dialect.name == "postgresql"
                and isinstance(self._ensure_publisher(), PipelinedPublisher))

    def _cycle_pipelined(self, stop: threading.Event, inflight: list[_InFlight]) -> None:
        """Claim batch n+1 and start publishing it, then wait for the confirms of batch n,
        mark it and commit. Batch n's rows stay locked (and unpublished, as far as the
        database knows) until then: SKIP LOCKED keeps them out of batch n+1, and the
        blocked-subject check holds back any later row of their subjects, so per-subject
        order and exactly-once marking are those of the sequential loop.

        When the pipeline is full (or the last claim was held back behind a batch in
        flight), the oldest batch's confirms are collected first and its mark, ``COMMIT``,
        ``BEGIN`` and the next claim go to the database as one simple query on its
        connection: one round trip, and the claim already sees that batch as sent, so the
        later rows of its subjects are not held back behind it."""
        if self.signal is not None:
            self.signal.event.clear()
        sql = self._claim_simple
        marked: tuple[list[int], list[int]] | None = None
        if inflight and (len(inflight) >= self.pipeline_depth or self._held_back):
            oldest = inflight.pop(0)
            mark, sent, failed = self._settle(oldest)
            if failed:
                # Not everything confirmed: mark alone (it raises when nothing was), and
                # claim on another connection.
                self._mark_pg(oldest.conn, mark, sent, failed)
                pg = self._take_pg()
            else:
                pg, sql, marked = oldest.conn, f"{mark}; {sql}", (sent, failed)
        else:
            pg = self._take_pg()
        try:
            cur = pg.execute(sql)
            while cur.nextset():  # [the mark, COMMIT,] BEGIN, the SET LOCALs, the claim
                pass
            batch = [_outgoing(*r) for r in cur.fetchall()]
            if not batch:
                pg.execute("ROLLBACK")
        except Exception:
            pg.close()
            raise
        if marked is not None:
            log.debug("relay cycle published %d", self._count(*marked))
        self._held_back = not batch and bool(inflight)
        if not batch:
            self._free_pg.append(pg)
            if not inflight:
                self._wait(stop)
            # else: claim again once the oldest batch is marked (rows held back behind it)
            return
        publisher = self._ensure_publisher()
        assert isinstance(publisher, PipelinedPublisher)
        try:
            handle = publisher.start(batch)
        except Exception:
            pg.close()
            raise
        inflight.append(_InFlight(pg, batch, handle))
        if len(batch) < self.batch_size:
            # The backlog is drained: nothing to claim while these confirms come back, so
            # complete them now (an empty claim and its rollback would only delay the
            # marking: the latency path is claim, publish, confirm, mark).
            while inflight:
                self._complete(inflight.pop(0))

    def _settle(self, batch: _InFlight) -> tuple[str, list[int], list[int]]:
        """Wait for a batch's confirms; the statements that mark it and commit (one
        simple query: the sequence numbers are integers), the rows sent and the others.
        On failure the batch's transaction is rolled back (its connection closed)."""
        publisher = self._publisher
        try:
            if not isinstance(publisher, PipelinedPublisher):
                raise RuntimeError("publisher was reset")
            try:
                confirmed = publisher.finish(batch.handle)
            except Exception:
                self._drop_publisher()
                raise
            seconds = getattr(batch.handle, "confirm_seconds", None)
            if seconds is not None:
                metrics.RELAY_CONFIRM_SECONDS.labels(self.service).observe(seconds)
            sent, failed = _split(batch.batch, confirmed)
        except Exception:
            batch.abort()
            raise
        # The commit need not wait for its WAL flush: a mark lost in a database crash only
        # republishes the rows, which the consumers' inboxes absorb (ADR 0014).
        statements = ["SET LOCAL synchronous_commit TO off"]
        if sent:
            statements.append(
                f"UPDATE {self.outbox.name} SET published_at = clock_timestamp(), "
                f"attempts = attempts + 1 WHERE seq = ANY('{_int_array(sent)}'::bigint[])")
        if failed:
            statements.append(
                f"UPDATE {self.outbox.name} SET attempts = attempts + 1, "
                "last_error = 'not confirmed by broker' "
                f"WHERE seq = ANY('{_int_array(failed)}'::bigint[])")
        statements.append("COMMIT")
        return "; ".join(statements), sent, failed

    def _complete(self, batch: _InFlight) -> int:
        """Wait for a batch's confirms, mark it and commit (no claim after it)."""
        mark, sent, failed = self._settle(batch)
        return self._mark_pg(batch.conn, mark, sent, failed)

    def _mark_pg(self, pg: Any, sql: str, sent: list[int], failed: list[int]) -> int:
        try:
            pg.execute(sql)
        except Exception:
            pg.close()  # rolls the batch's transaction back: its rows stay pending
            raise
        self._free_pg.append(pg)
        n = self._count(sent, failed)
        log.debug("relay cycle published %d", n)
        return n

    @property
    def _claim_simple(self) -> str:
        return "; ".join(["BEGIN", *_CLAIM_PLAN,
                          _claim_sql(self.outbox.name, str(int(self.batch_size)))])

    def _take_pg(self) -> Any:
        """A connection of the pipelined loop's own (one per batch in flight)."""
        while self._free_pg:
            pg = self._free_pg.pop()
            if not pg.closed:
                return pg
        import psycopg

        return psycopg.connect(libpq_url(self.engine.url), autocommit=True, connect_timeout=10)

    def _close_pg(self) -> None:
        for pg in self._free_pg:
            try:
                pg.close()
            except Exception:  # noqa: BLE001
                pass
        self._free_pg.clear()

    def close(self) -> None:
        self._drop_publisher()
        self._close_listener()
        self._close_pg()

    def _wait(self, stop: threading.Event) -> None:
        """Sleep until new rows are committed (NOTIFY or in-process signal) or idle_poll."""
        if self.engine.dialect.name == "postgresql" and self.signal is not None:
            try:
                listener = self._ensure_listener()
                for _ in listener.notifies(timeout=self.idle_poll, stop_after=1):
                    pass
                return
            except Exception as exc:  # noqa: BLE001 - fall back to polling
                log.warning("LISTEN failed, polling instead: %s", exc)
                self._close_listener()
        if self.signal is not None:
            self.signal.event.wait(self.idle_poll)
        else:
            stop.wait(self.idle_poll)

    def _ensure_listener(self) -> Any:
        if self._listener is None or self._listener.closed:
            import psycopg

            self._listener = psycopg.connect(libpq_url(self.engine.url), autocommit=True,
                                             connect_timeout=10)
            assert self.signal is not None
            self._listener.execute(f'LISTEN "{self.signal.channel}"')
        return self._listener

    def _close_listener(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            except Exception:  # noqa: BLE001
                pass
            self._listener = None

    def _drop_publisher(self) -> None:
        if self._publisher is not None:
            try:
                self._publisher.close()
            except Exception:  # noqa: BLE001
                pass
            self._publisher = None


class _InFlight:
    """A claimed batch whose publishing has started: its transaction holds the rows."""

    def __init__(self, conn: Any, batch: list[OutgoingMessage], handle: Any) -> None:
        self.conn, self.batch, self.handle = conn, batch, handle

    def abort(self) -> None:
        """Closing the connection rolls the transaction back (whatever state it is in)."""
        try:
            self.conn.close()
        except Exception:  # noqa: BLE001 - the connection may be gone already
            pass


#: The claim's plan, whatever the statistics say: walk ``ix_outbox_pending`` in ``seq``
#: order and stop after ``limit`` rows locked. With the planner's own choice, an outbox
#: whose statistics predate a backlog (a freshly written one, or a long history with
#: nothing pending when it was last analysed) was read with a bitmap scan of EVERY pending
#: row, bodies included, sorted (on disk beyond ``work_mem``) before the first lock: ~20 of
#: the ~25 ms a claim of 500 took with 10,000 pending, and growing with the backlog.
_CLAIM_PLAN = ("SET LOCAL enable_bitmapscan = off", "SET LOCAL enable_seqscan = off")


def _claim_sql(table: str, limit: str) -> str:
    """Steps 1 and 2 of a cycle in one statement: claim pending rows in ``seq`` order
    (``FOR UPDATE SKIP LOCKED``) and drop those of a subject with an earlier pending row
    outside the claim (held by another relay)."""
    return (
        f"WITH claimed AS MATERIALIZED ("
        f"SELECT seq, event_id, event_type, subject_id, body FROM {table} "
        f"WHERE published_at IS NULL ORDER BY seq LIMIT {limit} FOR UPDATE SKIP LOCKED), "
        f"blocked AS (SELECT o.subject_id, min(o.seq) AS first_seq FROM {table} o "
        "WHERE o.published_at IS NULL "
        "AND o.subject_id IN (SELECT subject_id FROM claimed) "
        "AND o.seq < (SELECT max(seq) FROM claimed) "
        "AND o.seq NOT IN (SELECT seq FROM claimed) GROUP BY o.subject_id) "
        "SELECT c.seq, c.event_id, c.event_type, c.subject_id, c.body "
        "FROM claimed c LEFT JOIN blocked b ON b.subject_id = c.subject_id "
        "WHERE b.first_seq IS NULL OR b.first_seq > c.seq ORDER BY c.seq"
    )


def _outgoing(seq: int, event_id: str, event_type: str, subject_id: str,
              body: str) -> OutgoingMessage:
    # The correlation id is parsed here, not by the claim (``body::json`` would make one
    # unreadable row stop the relay).
    return OutgoingMessage(seq=seq, event_id=event_id, event_type=event_type,
                           subject_id=subject_id, body=body, correlation_id=_correlation(body))


def _split(batch: list[OutgoingMessage], confirmed: list[bool]) -> tuple[list[int], list[int]]:
    """The rows to mark sent (per subject only up to its first unconfirmed row) and the
    others."""
    sent: list[int] = []
    failed: list[int] = []
    broken: set[str] = set()
    for msg, ok in zip(batch, confirmed, strict=True):
        if ok and msg.subject_id not in broken:
            sent.append(msg.seq)
        else:
            broken.add(msg.subject_id)
            failed.append(msg.seq)
    return sent, failed


def _int_array(values: list[int]) -> str:
    return "{" + ",".join(str(int(v)) for v in values) + "}"


def _seq_in(conn: Connection, column: Any, seqs: list[int]) -> Any:
    """``column IN seqs``; on PostgreSQL ``= ANY(array)``: one statement text whatever the
    count (an expanding IN is re-rendered for every new length)."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam("seqs", seqs, type_=ARRAY(BigInteger)))
    return column.in_(seqs)


def _correlation(body: str) -> str | None:
    try:
        value = json.loads(body).get("correlation_id")
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def pending_count(engine: Engine, tables: MessagingTables) -> int:
    o = tables.outbox
    with engine.connect() as conn:
        pending = select(func.count()).where(o.c.published_at.is_(None))
        return int(conn.execute(pending).scalar_one())
