"""The distributed topology, natively: every service's API under gunicorn, its relay, its
consumer and its scheduler as separate processes, against RabbitMQ and PostgreSQL.

    python -m svckit.cluster up      # databases, migrations, seed, start; state in var/
    python -m svckit.cluster status
    python -m svckit.cluster down    # SIGTERM, then SIGKILL after a grace period

The end-to-end tests drive the same :class:`Cluster` with their own databases and bus
prefix, and kill or restart single processes.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from svckit.auth.tokens import ensure_dev_keypair

SERVICES = ("inventory", "renovation", "volunteer", "identity")
ROLES = ("api", "relay", "consumer", "scheduler")
#: services that run fewer processes (identity neither publishes nor consumes events)
ROLES_OF = {"identity": ("api", "scheduler")}


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
        services: tuple[str, ...] = SERVICES,
        gunicorn_config: Path | None = None,
        extra_env: dict[str, str] | None = None,
        console: bool = False,
    ) -> None:
        self.var_dir = var_dir
        self.pg_admin_url = pg_admin_url
        self.db_prefix = db_prefix
        self.bus_url = bus_url
        self.bus_prefix = bus_prefix
        self.port_base = port_base
        self.services = services
        self.gunicorn_config = gunicorn_config or Path("deploy/gunicorn.conf.py")
        self.extra_env = extra_env or {}
        #: also run the web console (services/console) on the port after the services'
        self.console = console
        self.logs = var_dir / "logs"
        self.procs: dict[str, Proc] = {}
        self.private_key, self.public_key = ensure_dev_keypair(var_dir)

    # -- configuration -----------------------------------------------------------
    def database_url(self, service: str) -> str:
        base = self.pg_admin_url.rsplit("/", 1)[0]
        return f"{base}/{self.db_prefix}{service}"

    def port(self, service: str) -> int:
        return self.port_base + self.services.index(service)

    def base_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port(service)}"

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.port_base + len(self.services)}"

    def env(self, service: str) -> dict[str, str]:
        return {
            **os.environ,
            "BUS_URL": self.bus_url,
            "BUS_PREFIX": self.bus_prefix,
            "AUTH_PUBLIC_KEY": str(self.public_key),
            "VAR_DIR": str(self.var_dir),
            f"{service.upper()}_DATABASE_URL": self.database_url(service),
            "IDENTITY_SIGNING_KEY": str(self.private_key),
            # the console runs on this host: its X-Forwarded-For names the browser
            "IDENTITY_TRUSTED_PROXIES": '["127.0.0.1/32"]',
            "LOG_JSON": "true",
            "RELAY_IDLE_POLL": "1.0",
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
    def _console_proc(self) -> Proc:
        port = self.port_base + len(self.services)
        env = {**os.environ, "VAR_DIR": str(self.var_dir), "LOG_JSON": "true",
               **{f"CONSOLE_{svc.upper()}_URL": self.base_url(svc) for svc in self.services},
               # identity trusts 127.0.0.1 (env()): the console names the browser
               "CONSOLE_FORWARD_CLIENT_ADDRESS": "true",
               **self.extra_env, "PORT": str(port), "HOST": "127.0.0.1"}
        argv = [sys.executable, "-m", "gunicorn", "-c", str(self.gunicorn_config),
                "console.wsgi:app"]
        return Proc("console", "api", argv, env, self.logs / "console-api.log", port)

    def _proc(self, service: str, role: str) -> Proc:
        if service == "console":
            return self._console_proc()
        env = self.env(service)
        port = None
        if role == "api":
            port = self.port(service)
            env = {**env, "PORT": str(port), "HOST": "127.0.0.1"}
            argv = [sys.executable, "-m", "gunicorn", "-c", str(self.gunicorn_config),
                    f"{service}.wsgi:app"]
        else:
            argv = [sys.executable, "-m", service, role]
        return Proc(service, role, argv, env, self.logs / f"{service}-{role}.log", port)

    def start(self, service: str, role: str) -> Proc:
        self.logs.mkdir(parents=True, exist_ok=True)
        proc = self._proc(service, role)
        with open(proc.log, "ab") as log:
            proc.popen = subprocess.Popen(proc.argv, env=proc.env, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True)
        proc.pid = proc.popen.pid
        self.procs[proc.name] = proc
        return proc

    def up(self, roles: tuple[str, ...] = ROLES, timeout: float = 60) -> None:
        for svc in self.services:  # consumers first: their queues must exist and be bound
            if "consumer" in roles and "consumer" in ROLES_OF.get(svc, ROLES):
                self.start(svc, "consumer")
        self.wait_consumers(timeout)
        for svc in self.services:
            for role in roles:
                if role != "consumer" and role in ROLES_OF.get(svc, ROLES):
                    self.start(svc, role)
        if self.console and "api" in roles:
            self.start("console", "api")
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
        self.procs.clear()

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
        console=True,
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
        print(f"{'console':<11} {cluster.console_url}/  (seed users, password liaocheng-2025)")
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
