"""The distributed topology, natively: every service's API under gunicorn, its relay, its
consumer and its scheduler as separate processes, against RabbitMQ and PostgreSQL; every
web app (the console) under gunicorn too. Services and apps are the installed ones
(:func:`svckit.service.discover`, :func:`svckit.service.discover_apps`).

    python -m svckit.cluster up      # databases, migrations, seed, start; state in var/
    python -m svckit.cluster status
    python -m svckit.cluster down    # SIGTERM, then SIGKILL after a grace period

Each API's listening socket is bound here and handed to gunicorn (``--bind fd://N``): a
port is never chosen first and taken later, and ``port_base=0`` lets the system choose
free ones. The end-to-end tests drive the same :class:`Cluster` with their own databases
and bus prefix, and kill or restart single processes (a restarted API gets the same
socket back).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from svckit.auth.tokens import ensure_dev_keypair
from svckit.service import ROLES, AppDefinition, ServiceDefinition, discover, discover_apps


@dataclass
class Proc:
    service: str
    role: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    pid: int | None = None

    @property
    def name(self) -> str:
        return f"{self.service}-{self.role}"

    def alive(self) -> bool:
        if self.popen is not None:
            return self.popen.poll() is None
        if self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
        except OSError:
            return False
        return True


class Cluster:
    def __init__(
        self,
        *,
        var_dir: Path,
        pg_admin_url: str = "postgresql://postgres@127.0.0.1:5432/postgres",
        db_prefix: str = "",
        bus_url: str = "amqp://guest:guest@127.0.0.1:5672//",
        bus_prefix: str = "",
        port_base: int = 8100,
        services: tuple[str, ...] | None = None,
        apps: bool = False,
        gunicorn_config: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        """``services``: names of installed services to run (default: all of them);
        ``apps``: also run the installed web apps; ``port_base=0``: free ports."""
        self.var_dir = var_dir
        self.pg_admin_url = pg_admin_url
        self.db_prefix = db_prefix
        self.bus_url = bus_url
        self.bus_prefix = bus_prefix
        self.port_base = port_base
        installed = {d.name: d for d in discover()}
        unknown = set(services or ()) - set(installed)
        if unknown:
            raise ValueError(f"not installed: {sorted(unknown)}")
        self.definitions = [d for d in installed.values()
                            if services is None or d.name in services]
        self.services = tuple(d.name for d in self.definitions)
        self.apps: list[AppDefinition] = discover_apps() if apps else []
        self.gunicorn_config = gunicorn_config or Path("deploy/gunicorn.conf.py")
        self.extra_env = extra_env or {}
        self.logs = var_dir / "logs"
        self.procs: dict[str, Proc] = {}
        self.sockets: dict[str, socket.socket] = {}
        self.private_key, self.public_key = ensure_dev_keypair(var_dir)

    # -- configuration -----------------------------------------------------------
    def definition(self, service: str) -> ServiceDefinition:
        return next(d for d in self.definitions if d.name == service)

    def database_url(self, service: str) -> str:
        head, q, query = self.pg_admin_url.partition("?")  # multi-host: target_session_attrs
        return f"{head.rsplit('/', 1)[0]}/{self.db_prefix}{service}{q}{query}"

    def listener(self, name: str) -> socket.socket:
        """The listening socket of a service's or app's API, bound on first use
        (``port_base + slot``, or a free port when ``port_base`` is 0)."""
        if name not in self.sockets:
            slots = {d.name: d.slot for d in self.definitions} | {a.name: a.slot for a in self.apps}
            slot = slots[name]
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", self.port_base + slot if self.port_base else 0))
            except OSError:
                sock.close()
                raise
            self.sockets[name] = sock
        return self.sockets[name]

    def port(self, service: str) -> int:
        return int(self.listener(service).getsockname()[1])

    def base_url(self, name: str) -> str:
        """A service's or an app's base URL."""
        return f"http://127.0.0.1:{self.port(name)}"

    def env(self, service: str) -> dict[str, str]:
        return {
            **os.environ,
            "BUS_URL": self.bus_url,
            "BUS_PREFIX": self.bus_prefix,
            "AUTH_PUBLIC_KEY": str(self.public_key),
            "VAR_DIR": str(self.var_dir),
            f"{service.upper()}_DATABASE_URL": self.database_url(service),
            "LOG_JSON": "true",
            "RELAY_IDLE_POLL": "1.0",
            **self.definition(service).local_env,
            **self.extra_env,
        }

    # -- preparation ---------------------------------------------------------------
    def ensure_databases(self) -> None:
        with psycopg.connect(self.pg_admin_url, autocommit=True, connect_timeout=5) as conn:
            existing = {r[0] for r in conn.execute("SELECT datname FROM pg_database")}
            for svc in self.services:
                name = f"{self.db_prefix}{svc}"
                if name not in existing:
                    conn.execute(f'CREATE DATABASE "{name}"')

    def drop_databases(self) -> None:
        with psycopg.connect(self.pg_admin_url, autocommit=True, connect_timeout=5) as conn:
            for svc in self.services:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_prefix}{svc}" WITH (FORCE)')

    def run_command(self, service: str, *args: str) -> None:
        subprocess.run([sys.executable, "-m", service, *args], env=self.env(service),
                       check=True, capture_output=True, timeout=300)

    def prepare(self, seed: bool = True) -> None:
        self.ensure_databases()
        for svc in self.services:
            self.run_command(svc, "migrate")
            if seed:
                self.run_command(svc, "seed")

    # -- processes -----------------------------------------------------------------
    def _gunicorn(self, name: str, target: str) -> tuple[list[str], int]:
        fd = self.listener(name).fileno()
        return [sys.executable, "-m", "gunicorn", "-c", str(self.gunicorn_config),
                "--bind", f"fd://{fd}", target], fd

    def _proc(self, name: str, role: str) -> tuple[Proc, tuple[int, ...]]:
        app = next((a for a in self.apps if a.name == name), None)
        if app is not None:
            env = {**os.environ, "VAR_DIR": str(self.var_dir), "LOG_JSON": "true",
                   **{f"{name.upper()}_{svc.upper()}_URL": self.base_url(svc)
                      for svc in self.services},
                   **app.local_env, **self.extra_env}
            argv, fd = self._gunicorn(name, app.wsgi)
            return Proc(name, "api", argv, env, self.logs / f"{name}-api.log",
                        self.port(name)), (fd,)
        env = self.env(name)
        if role == "api":
            argv, fd = self._gunicorn(name, self.definition(name).wsgi)
            return Proc(name, role, argv, env, self.logs / f"{name}-{role}.log",
                        self.port(name)), (fd,)
        argv = [sys.executable, "-m", name, role]
        return Proc(name, role, argv, env, self.logs / f"{name}-{role}.log"), ()

    def start(self, service: str, role: str) -> Proc:
        """Start (or restart) one process of a service, or an app (``role="api"``)."""
        self.logs.mkdir(parents=True, exist_ok=True)
        proc, fds = self._proc(service, role)
        with open(proc.log, "ab") as log:
            proc.popen = subprocess.Popen(proc.argv, env=proc.env, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True,
                                          pass_fds=fds)
        proc.pid = proc.popen.pid
        self.procs[proc.name] = proc
        return proc

    def up(self, roles: tuple[str, ...] = ROLES, timeout: float = 60) -> None:
        for d in self.definitions:  # consumers first: their queues must exist and be bound
            if "consumer" in roles and "consumer" in d.processes:
                self.start(d.name, "consumer")
        self.wait_consumers(timeout)
        for d in self.definitions:
            for role in roles:
                if role != "consumer" and role in d.processes:
                    self.start(d.name, role)
        if "api" in roles:
            for app in self.apps:
                self.start(app.name, "api")
        self.wait_apis(timeout)

    def wait_consumers(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for proc in [p for p in self.procs.values() if p.role == "consumer"]:
            while "consuming" not in _read(proc.log):
                if not proc.alive():
                    raise RuntimeError(f"{proc.name} exited:\n{_read(proc.log)[-3000:]}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{proc.name} did not start")
                time.sleep(0.05)

    def wait_apis(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for proc in [p for p in self.procs.values() if p.role == "api"]:
            while not _ready(f"http://127.0.0.1:{proc.port}/readyz"):
                if not proc.alive():
                    raise RuntimeError(f"{proc.name} exited:\n{_read(proc.log)[-3000:]}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{proc.name} not ready")
                time.sleep(0.1)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs[name]
        if proc.alive() and proc.pid is not None:
            os.killpg(proc.pid, sig)
        if proc.popen is not None:
            proc.popen.wait(timeout=30)

    def down(self, grace: float = 15) -> None:
        live = [p for p in self.procs.values() if p.alive() and p.pid is not None]
        for p in live:
            try:
                os.killpg(p.pid, signal.SIGTERM)  # type: ignore[arg-type]
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        for p in live:
            while p.alive() and time.monotonic() < deadline:
                if p.popen is not None:
                    p.popen.poll()
                time.sleep(0.05)
            if p.alive():
                try:
                    os.killpg(p.pid, signal.SIGKILL)  # type: ignore[arg-type]
                except ProcessLookupError:
                    pass
                if p.popen is not None:
                    p.popen.wait(timeout=30)
        self.procs.clear()
        for sock in self.sockets.values():
            sock.close()
        self.sockets.clear()

    # -- state file (for the CLI's up/down in separate invocations) ----------------
    @property
    def state_file(self) -> Path:
        return self.var_dir / "cluster.json"

    def save(self) -> None:
        self.state_file.write_text(json.dumps(
            {n: {"service": p.service, "role": p.role, "pid": p.pid, "port": p.port,
                 "log": str(p.log)} for n, p in self.procs.items()}, indent=2))

    def load(self) -> None:
        if not self.state_file.exists():
            return
        for n, d in json.loads(self.state_file.read_text()).items():
            self.procs[n] = Proc(d["service"], d["role"], [], {}, Path(d["log"]), d["port"],
                                 None, d["pid"])


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m svckit.cluster", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=["up", "down", "status"])
    p.add_argument("--var-dir", type=Path, default=Path(os.environ.get("VAR_DIR", "var")))
    p.add_argument("--port-base", type=int, default=8100)
    p.add_argument("--no-seed", action="store_true")
    args = p.parse_args(argv)
    cluster = Cluster(
        var_dir=args.var_dir.resolve(),
        pg_admin_url=os.environ.get("PG_ADMIN_URL",
                                    "postgresql://postgres@127.0.0.1:5432/postgres"),
        bus_url=os.environ.get("BUS_URL", "amqp://guest:guest@127.0.0.1:5672//"),
        port_base=args.port_base,
        apps=True,
    )
    cluster.load()
    if args.action == "up":
        if any(p.alive() for p in cluster.procs.values()):
            print("already running; `python -m svckit.cluster down` first", file=sys.stderr)
            return 1
        cluster.procs.clear()
        cluster.prepare(seed=not args.no_seed)
        cluster.up()
        cluster.save()
        for svc in cluster.services:
            print(f"{svc:<11} {cluster.base_url(svc)}/docs")
        for app in cluster.apps:
            print(f"{app.name:<11} {cluster.base_url(app.name)}/")
        print(f"logs in {cluster.logs}; tokens: VAR_DIR={args.var_dir} .venv/bin/svckit-token")
    elif args.action == "down":
        cluster.down()
        cluster.state_file.unlink(missing_ok=True)
        print("stopped")
    else:
        for name, proc in cluster.procs.items():
            print(f"{name:<22} pid {proc.pid:<8} {'up' if proc.alive() else 'DOWN'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
