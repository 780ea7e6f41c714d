"""Helpers of the spine's tests: the probe service against real servers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import probe
from svckit.config import Config, PlatformSettings, ServiceSettings
from svckit.service import ServiceContext

PROBE = Path(__file__).parent / "probe.py"
RETRY_MS = (300, 600, 1200)


def make_ctx(db_url: str, bus_url: str, prefix: str, **platform: object) -> ServiceContext:
    settings = PlatformSettings(bus_url=bus_url, bus_prefix=prefix,  # type: ignore[arg-type]
                                retry_delays_ms=RETRY_MS, log_json=False, **platform)
    ctx = ServiceContext(probe.definition,
                         Config("probe", settings, ServiceSettings(database_url=db_url)))
    probe.metadata.create_all(ctx.engine)
    return ctx


class Procs:
    """Starts probe processes (relay, consumer, CLI) and kills what is left at the end."""

    def __init__(self, ctx: ServiceContext, tmp: Path) -> None:
        self.ctx = ctx
        self.tmp = tmp
        self.procs: list[subprocess.Popen[bytes]] = []

    def env(self, **extra: str) -> dict[str, str]:
        p = self.ctx.config.platform
        env = {
            **os.environ,
            "PROBE_DATABASE_URL": self.ctx.config.database_url,
            "BUS_URL": p.bus_url.get_secret_value(),
            "BUS_PREFIX": p.bus_prefix,
            "RETRY_DELAYS_MS": "[" + ",".join(str(d) for d in p.retry_delays_ms) + "]",
            "LOG_JSON": "false",
            "RELAY_IDLE_POLL": "0.2",
        }
        env.update(extra)
        return env

    def start(self, command: str, name: str | None = None, **env: str) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"{name or command}-{len(self.procs)}.log", "wb")
        proc = subprocess.Popen([sys.executable, str(PROBE), command], env=self.env(**env),
                                stdout=log, stderr=subprocess.STDOUT)
        proc.log_path = log.name  # type: ignore[attr-defined]
        self.procs.append(proc)
        return proc

    def start_consumer(self, **env: str) -> subprocess.Popen[bytes]:
        """Start a consumer and wait until it consumes (queue declared AND bound)."""
        from svckit.testing import wait_until

        proc = self.start("consumer", **env)
        path = Path(proc.log_path)  # type: ignore[attr-defined]
        ok = wait_until(lambda: "consuming" in path.read_text(errors="replace")
                        or proc.poll() is not None, timeout=90, interval=0.05)
        assert ok and proc.poll() is None, path.read_text(errors="replace")
        return proc

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(PROBE), *args], env=self.env(),
                              capture_output=True, text=True, timeout=60)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

