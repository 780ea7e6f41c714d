"""Backup and restore of every service's database (``make backup`` / ``make restore``).

    python -m svckit.backup dump    --out DIR     [--pg-admin-url URL] [--db-prefix P]
    python -m svckit.backup restore --from DIR    [--pg-admin-url URL] [--db-prefix P]

**One cut for all services.** Each database is dumped with ``pg_dump`` (custom format:
tables, the outbox, the inbox, parked state, the alembic version) from a snapshot taken
at one moment for all of them: the dump first locks every service's ``outbox`` and
``inbox`` in SHARE mode (waiting for the transactions writing them to end and holding
new ones back for that instant), then exports a snapshot of each database
(``pg_export_snapshot``), releases the locks and runs the ``pg_dump`` s on those
snapshots (``--snapshot``). Every event-producing or event-applying transaction writes
the outbox or the inbox, so no transaction's effect is in one service's dump while an
event it depends on is missing from another's: the cut is consistent across services.

**Recovery point**: the moment of that cut (``manifest.json``: ``taken_at``). What was
committed after it is not in the backup.

**Restore** creates each database (it must not exist: the restore goes into empty
databases), runs ``pg_restore`` and then marks the outbox events committed in the
``--replay`` window before the cut (24 h by default) as unpublished. The relays publish
them again; the consumers' inboxes, restored from the same cut, skip those they had
applied and apply those they had not (an event applied after the cut, its effect lost
with the restore, is applied again: nothing is lost, nothing applied twice). Broker
messages left from before the restore are deduplicated by the same inboxes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from svckit.service import discover

#: outbox events up to this long before the cut are published again after a restore
DEFAULT_REPLAY = timedelta(hours=24)


def database_url(admin_url: str, name: str) -> str:
    head, q, query = admin_url.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}{q}{query}"


def _tool(name: str) -> str:
    """``pg_dump``/``pg_restore`` of the server's major version when installed."""
    for version_dir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (version_dir / name).exists():
            return str(version_dir / name)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found")
    return found


def dump(admin_url: str, services: dict[str, str], out: Path,
         lock_timeout: str = "30s") -> dict[str, Any]:
    """Dump ``services`` (service -> database name) into ``out`` at one cut."""
    out.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        lockers: list[psycopg.Connection[Any]] = []
        holders: dict[str, tuple[psycopg.Connection[Any], str]] = {}
        for db in services.values():
            c = stack.enter_context(psycopg.connect(database_url(admin_url, db)))
            c.execute(f"SET lock_timeout = '{lock_timeout}'")
            c.execute("LOCK TABLE outbox, inbox IN SHARE MODE")
            lockers.append(c)
        taken_at = datetime.now(UTC)
        for svc, db in services.items():
            h = stack.enter_context(psycopg.connect(database_url(admin_url, db)))
            h.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snap = h.execute("SELECT pg_export_snapshot()").fetchone()
            assert snap is not None
            holders[svc] = (h, str(snap[0]))
        for c in lockers:  # the cut is taken: writers may go on
            c.commit()
        files = {}
        for svc, db in services.items():
            target = out / f"{svc}.dump"
            subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner",
                            f"--snapshot={holders[svc][1]}", f"--file={target}",
                            f"--dbname={database_url(admin_url, db)}"],
                           check=True, capture_output=True, timeout=1800)
            files[svc] = target.name
    manifest = {"taken_at": taken_at.isoformat(), "services": files,
                "databases": services}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def restore(admin_url: str, source: Path, databases: dict[str, str] | None = None,
            replay: timedelta = DEFAULT_REPLAY) -> dict[str, int]:
    """Restore every dump of ``source`` into new, empty databases (``databases``: service ->
    name; default the names recorded in the manifest); returns the outbox rows marked for
    publishing again, per service."""
    manifest = json.loads((source / "manifest.json").read_text())
    taken_at = datetime.fromisoformat(manifest["taken_at"])
    names = databases or manifest["databases"]
    replayed = {}
    for svc, file in manifest["services"].items():
        db = names[svc]
        with psycopg.connect(admin_url, autocommit=True) as c:
            if c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone():
                raise SystemExit(f"database {db} exists: restore goes into empty databases")
            c.execute(f'CREATE DATABASE "{db}"')
        subprocess.run([_tool("pg_restore"), "--no-owner", "--exit-on-error",
                        f"--dbname={database_url(admin_url, db)}", str(source / file)],
                       check=True, capture_output=True, timeout=1800)
        with psycopg.connect(database_url(admin_url, db), autocommit=True) as c:
            cur = c.execute("UPDATE outbox SET published_at = NULL WHERE created_at >= %s "
                            "AND published_at IS NOT NULL", (taken_at - replay,))
            replayed[svc] = cur.rowcount
    return replayed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m svckit.backup", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=["dump", "restore"])
    p.add_argument("--dir", type=Path, default=Path(os.environ.get("BACKUP_DIR", "var/backup")))
    p.add_argument("--pg-admin-url", default=os.environ.get(
        "PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    p.add_argument("--db-prefix", default=os.environ.get("DB_PREFIX", ""))
    p.add_argument("--replay-hours", type=float, default=24.0)
    args = p.parse_args(argv)
    services = {d.name: f"{args.db_prefix}{d.name}" for d in discover()}
    if args.action == "dump":
        m = dump(args.pg_admin_url, services, args.dir)
        print(f"backup of {', '.join(m['services'])} in {args.dir}; recovery point "
              f"{m['taken_at']}")
    else:
        done = restore(args.pg_admin_url, args.dir, services,
                       replay=timedelta(hours=args.replay_hours))
        print("restored; outbox events to publish again: "
              + ", ".join(f"{k} {v}" for k, v in done.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
