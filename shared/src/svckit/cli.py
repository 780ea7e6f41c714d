"""The command line every service shares: ``python -m <service> <command>``.

    migrate                 apply the Alembic migrations
    seed                    load demo data (when the service has some)
    api [--port N]          development server (production: gunicorn, see deploy/)
    relay                   the outbox relay
    consumer                the event consumer
    scheduler               the periodic jobs
    job NAME                run one periodic job once (cron, or by hand)
    outbox status|prune     pending rows; delete rows sent more than --days ago
    parked list|show|replay|purge [EVENT_ID ...]
    makemigration MESSAGE   autogenerate a migration (developers)

and the service's own commands (``ServiceDefinition.commands``), e.g. identity's
``create-admin``.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import signal
import sys
import threading
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import configure_mappers

from svckit import context, db, logs, metrics
from svckit.messaging.parked import ParkedQueue
from svckit.messaging.topology import queue_depth
from svckit.service import ServiceContext, ServiceDefinition


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handler(_sig: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


def _warm_up(ctx: ServiceContext) -> None:
    """Before the loop of a relay or consumer: connect to the database and configure the
    ORM now, not on the first event (that took ~450 ms: importing the driver, connecting,
    configuring the mappers, and every event queued behind it waited; docs/performance.md).
    Then move the startup objects (~150k) to the permanent generation, so a full garbage
    collection walks only what the loop allocates (~90 ms otherwise)."""
    try:
        db.ping(ctx.engine)
    except Exception as exc:  # noqa: BLE001 - the loop retries and reports on its own
        logging.getLogger(__name__).warning("database not reachable at start: %s", exc)
    configure_mappers()
    gc.freeze()


def main(definition: ServiceDefinition, argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog=f"python -m {definition.name}", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("migrate")
    sub.add_parser("seed")
    api = sub.add_parser("api")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=int, default=8000)
    sub.add_parser("relay")
    sub.add_parser("consumer")
    sub.add_parser("scheduler")
    job = sub.add_parser("job")
    job.add_argument("name", choices=[j.name for j in definition.jobs] or ["-"])
    ob = sub.add_parser("outbox")
    ob.add_argument("action", choices=["status", "prune"])
    ob.add_argument("--days", type=int, default=7)
    pk = sub.add_parser("parked")
    pk.add_argument("action", choices=["list", "show", "replay", "purge"])
    pk.add_argument("ids", nargs="*")
    pk.add_argument("--all", action="store_true", help="replay/purge every parked message")
    mk = sub.add_parser("makemigration")
    mk.add_argument("message")
    for name, command in definition.commands.items():
        command.arguments(sub.add_parser(name, help=command.help, description=command.help))
    args = p.parse_args(argv)

    ctx = ServiceContext(definition)
    plat = ctx.config.platform
    logs.configure(definition.name, plat.log_level, plat.log_json)

    if args.cmd in definition.commands:
        with context.acting(f"system:{args.cmd}"):
            return definition.commands[args.cmd].run(ctx, args)
    if args.cmd == "migrate":
        ctx.migrate()
    elif args.cmd == "seed":
        if definition.seed is None:
            print(f"{definition.name} has no seed data")
        else:
            definition.seed(ctx)
    elif args.cmd == "api":
        ctx.create_app().run(host=args.host, port=args.port, threaded=True)
    elif args.cmd == "relay":
        relay = ctx.relay()
        metrics.serve_worker(plat.metrics_port, plat.metrics_host, [metrics.ScrapeCollector(
            ctx.name, metrics.OUTBOX_GAUGES,
            metrics.outbox_reader(ctx.engine, ctx.tables.outbox.name))])
        _warm_up(ctx)
        relay.run(_stop_on_signals())
    elif args.cmd == "consumer":
        consumer = ctx.consumer()
        collectors = [] if plat.bus_is_memory else [metrics.ScrapeCollector(
            ctx.name, metrics.QUEUE_GAUGES,
            metrics.queue_reader(ctx.bus_url, ctx.topology.queue_name,
                                 ctx.topology.parked_name))]
        metrics.serve_worker(plat.metrics_port, plat.metrics_host, collectors)
        _warm_up(ctx)
        consumer.run(_stop_on_signals())
    elif args.cmd == "scheduler":
        ctx.run_scheduler(_stop_on_signals())
    elif args.cmd == "job":
        fn = next(j for j in definition.jobs if j.name == args.name).fn
        with context.acting(f"system:{args.name}"):
            changed = fn(ctx)
        print(json.dumps({"job": args.name, "changed": changed}))
    elif args.cmd == "outbox":
        if args.action == "status":
            from svckit.messaging.relay import pending_count  # pika: the relay's

            status = {"pending": pending_count(ctx.engine, ctx.tables)}
            if not ctx.config.platform.bus_is_memory:  # events nobody is bound to
                status["unrouted"] = queue_depth(ctx.bus_url, ctx.topology.unrouted_name)
            print(json.dumps(status))
        else:
            o = ctx.tables.outbox
            cutoff = datetime.now(UTC) - timedelta(days=args.days)
            with ctx.engine.begin() as conn:
                n = conn.execute(delete(o).where(o.c.published_at < cutoff)).rowcount
            print(json.dumps({"pruned": n}))
    elif args.cmd == "parked":
        return _parked(ctx, args)
    elif args.cmd == "makemigration":
        from svckit import migrations  # alembic only where a process migrates (~7 MB)

        migrations.revision(definition.migrations, ctx.config.database_url, args.message)
    return 0


def _parked(ctx: ServiceContext, args: argparse.Namespace) -> int:
    q = ParkedQueue(ctx.bus_url, ctx.topology)
    if args.action == "list":
        for item in q.list():
            print(json.dumps({k: v for k, v in asdict(item).items() if k != "body"},
                             ensure_ascii=False))
        return 0
    if args.action == "show":
        for event_id in args.ids:
            found = q.show(event_id)
            if found is None:
                print(f"not parked: {event_id}", file=sys.stderr)
                return 1
            print(json.dumps(asdict(found), ensure_ascii=False, indent=2))
        return 0
    if not args.ids and not args.all:
        print("name event ids, or --all", file=sys.stderr)
        return 2
    ids = None if args.all else args.ids
    n = q.replay(ids) if args.action == "replay" else q.purge(ids)
    print(json.dumps({args.action: n}))
    return 0
