"""A PostgreSQL primary with a streaming standby on this machine, for tests only.

Two new clusters made with the installed PostgreSQL binaries (``initdb``, ``pg_ctl``,
``pg_basebackup``), data directories under the lab's folder, their own ports and socket
directory, run as the ``postgres`` user (``runuser``) when the lab runs as root. The
machine's PostgreSQL (5432, ``/var/lib/postgresql``, ``/etc/postgresql``) is never
touched: no Debian cluster is registered, nothing is written outside the lab's folder.

Failover is what an operator does: stop the primary, ``pg_ctl promote`` the standby.
``rebuild()`` then makes the old primary the new standby (a fresh ``pg_basebackup`` from
the new primary into its directory, on its old port). The services connect with one
multi-host URL and ``target_session_attrs=read-write``, so they follow the primary.
Replication is asynchronous; a *graceful* stop of the primary (``pg_ctl stop -m fast``)
sends all its WAL to the standby before it exits, so that failover loses no committed
transaction (a crash of the primary could lose the last ones: see docs/reliability.md).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from lab.rabbit import LabError, pick_block

PG_BIN = Path(os.environ.get("LAB_PG_BIN", "/usr/lib/postgresql/15/bin"))
DEFAULT_PG_PORT = 5432


@dataclass
class PgNode:
    name: str  # "a" or "b"
    port: int
    dir: Path
    role: str = "down"  # primary | standby | down


@dataclass
class PostgresLab:
    root: Path
    run_id: str
    base_port: int = 0
    nodes: list[PgNode] = field(default_factory=list)

    @property
    def sockets(self) -> Path:
        return self.root / "sockets"

    def plan(self) -> None:
        self.base_port = self.base_port or pick_block(size=4)
        self.nodes = [PgNode("a", self.base_port, self.root / "pg-a"),
                      PgNode("b", self.base_port + 1, self.root / "pg-b")]

    # -- urls ------------------------------------------------------------------------
    def admin_url(self, database: str = "postgres") -> str:
        """Every node, the writable one wins: the URL the services are given."""
        hosts = ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)
        return f"postgresql://postgres@{hosts}/{database}?target_session_attrs=read-write"

    def node_url(self, node: PgNode, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{node.port}/{database}"

    @property
    def primary(self) -> PgNode:
        return next(n for n in self.nodes if n.role == "primary")

    @property
    def standby(self) -> PgNode:
        return next(n for n in self.nodes if n.role == "standby")

    # -- running commands as postgres ----------------------------------------------------
    def _run(self, *cmd: str, timeout: float = 180) -> str:
        argv = [str(PG_BIN / cmd[0]), *cmd[1:]]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                             cwd=self.root, env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
        if out.returncode != 0:
            raise LabError(f"{' '.join(cmd)}: {out.stdout}{out.stderr}")
        return out.stdout

    def preflight(self) -> None:
        for n in self.nodes:
            if n.port == DEFAULT_PG_PORT:
                raise LabError("the default PostgreSQL port")
            from lab.rabbit import port_free
            if not port_free(n.port):
                raise LabError(f"port {n.port} in use")

    # -- life cycle ----------------------------------------------------------------------
    def up(self) -> None:
        if not self.nodes:
            self.plan()
        self.preflight()
        self.root.mkdir(parents=True, exist_ok=True)
        self.sockets.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            for path in (self.root, self.sockets):
                os.chown(path, pw.pw_uid, pw.pw_gid)
        a = self.nodes[0]
        self._run("initdb", "-D", str(a.dir), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        with (a.dir / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# lab: a primary with a streaming standby\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.sockets}'\n"
                "wal_level = replica\nmax_wal_senders = 8\nmax_replication_slots = 8\n"
                "hot_standby = on\nwal_keep_size = '256MB'\n"
                "max_connections = 200\nshared_buffers = '32MB'\n"
                "fsync = on\nsynchronous_commit = on\n"
                "logging_collector = off\n"
            )
        with (a.dir / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        self._start(a)
        a.role = "primary"
        self._make_standby(self.nodes[1], a)
        self.save()

    def _start(self, node: PgNode) -> None:
        self._run("pg_ctl", "-D", str(node.dir), "-o", f"-p {node.port}", "-l",
                  str(self.root / f"{node.name}.log"), "-w", "-t", "120", "start")

    def _make_standby(self, node: PgNode, primary: PgNode) -> None:
        if node.dir.exists():
            shutil.rmtree(node.dir)
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U",
                  "postgres", "-D", str(node.dir), "-R", "-X", "stream", "-c", "fast")
        self._start(node)
        node.role = "standby"
        self.wait_streaming(primary)

    def wait_streaming(self, primary: PgNode, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with psycopg.connect(self.node_url(primary), autocommit=True) as c:
                row = c.execute("SELECT count(*) FROM pg_stat_replication "
                                "WHERE state = 'streaming'").fetchone()
            if row and row[0] >= 1:
                return
            if time.monotonic() > deadline:
                raise LabError("the standby is not streaming")
            time.sleep(0.3)

    def stop(self, node: PgNode, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(node.dir), "-m", mode, "-w", "-t", "120", "stop")
        node.role = "down"
        self.save()

    def failover(self) -> tuple[PgNode, PgNode]:
        """Stop the primary, promote the standby; returns (old primary, new primary)."""
        old, new = self.primary, self.standby
        self.stop(old)
        self._run("pg_ctl", "-D", str(new.dir), "-w", "-t", "120", "promote")
        new.role = "primary"
        self.save()
        return old, new

    def rebuild(self, node: PgNode) -> None:
        """Make a stopped former primary the standby of the current primary."""
        self._make_standby(node, self.primary)
        self.save()

    def down(self) -> None:
        for n in self.nodes:
            if (n.dir / "postmaster.pid").exists():
                try:
                    self._run("pg_ctl", "-D", str(n.dir), "-m", "immediate", "-w", "stop",
                              timeout=60)
                except (LabError, subprocess.TimeoutExpired):
                    _kill_postmaster(n.dir)
            n.role = "down"
        shutil.rmtree(self.root, ignore_errors=True)

    # -- state ---------------------------------------------------------------------------
    def save(self) -> None:
        if self.root.exists():
            (self.root / "pg.json").write_text(json.dumps({
                "run_id": self.run_id, "base_port": self.base_port,
                "nodes": [{"name": n.name, "port": n.port, "dir": str(n.dir), "role": n.role}
                          for n in self.nodes]}, indent=2))

    @classmethod
    def load(cls, root: Path) -> PostgresLab:
        data = json.loads((root / "pg.json").read_text())
        lab = cls(root=root, run_id=data["run_id"], base_port=data["base_port"])
        lab.nodes = [PgNode(d["name"], d["port"], Path(d["dir"]), d["role"])
                     for d in data["nodes"]]
        return lab


def _kill_postmaster(data_dir: Path) -> None:
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
        os.kill(pid, 9)
    except (OSError, ValueError, IndexError):
        pass


def default_postgres_snapshot(admin_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
                              ) -> dict[str, object]:
    """The machine's PostgreSQL: its postmaster start time and its roles (read-only)."""
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as c:
        started = c.execute("SELECT pg_postmaster_start_time()").fetchone()
        roles = sorted(r[0] for r in c.execute("SELECT rolname FROM pg_roles"))
        dbs = sorted(r[0] for r in c.execute("SELECT datname FROM pg_database"))
    return {"started": str(started[0] if started else None), "roles": roles, "databases": dbs}
