"""What each process of each service holds after startup, before its first request or
event: ``VmRSS`` and the packages it imported, exact and repeatable (no load, no network).

    python -m bench.rss_imports                      # every installed service and app
    python -m bench.rss_imports inventory volunteer  # some of them
    python -m bench.rss_imports --repeat 3 --packages inventory

Each process starts in a fresh interpreter and goes through its real startup with the
network pointed at closed ports: the API as a gunicorn worker does it (gunicorn's worker
module, then ``<svc>.wsgi``, its engine and mappers), the relay and the consumer through
``svckit.cli.main`` up to the point their loop would start (connection, mappers,
``gc.freeze``). ``--packages`` lists the heavy top-level packages each role imported;
``python -X importtime`` on the same code shows where the modules come from
(docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from statistics import median

from svckit.service import discover, discover_apps

#: packages worth naming in a role's list (the big ones; the rest is counted)
WATCH = ("flask", "werkzeug", "flask_smorest", "marshmallow", "webargs", "apispec", "redis",
         "cryptography", "pydantic_settings", "pydantic", "sqlalchemy", "psycopg", "kombu",
         "amqp", "alembic", "asyncio", "ssl", "jwt", "gunicorn", "prometheus_client", "jinja2",
         "httpx", "requests", "urllib3", "email", "http", "xml", "decimal", "zoneinfo",
         "concurrent")

CHILD = r"""
import json, sys

def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

def report():
    tops = sorted({m.split(".")[0] for m in sys.modules})
    print("RSS_REPORT " + json.dumps({"rss_mb": round(rss(), 1), "modules": len(sys.modules),
                                       "packages": tops}), flush=True)

name, role, kind = sys.argv[1], sys.argv[2], sys.argv[3]
if role == "api":
    import gunicorn.app.wsgiapp  # the master's imports, inherited by the forked worker
    import svckit.http.gunicorn_worker  # noqa: F401
    import importlib
    import gc
    wsgi = importlib.import_module(f"{name}.wsgi")
    if hasattr(wsgi, "context"):  # what its first request adds: the engine, the mappers
        from sqlalchemy.orm import configure_mappers
        wsgi.context.engine
        configure_mappers()
    gc.freeze()
    report()
else:
    import importlib
    from svckit import cli

    def stop_here(self, stop):
        report()

    if role == "relay":  # each role imports only its own loop's module
        from svckit.messaging.relay import Relay
        Relay.run = stop_here
    else:
        from svckit.messaging.consumer import ConsumerRunner
        ConsumerRunner.run = stop_here
    definition = importlib.import_module(f"{name}.service").definition
    cli.main(definition, [role])
"""


def closed_env(names: list[str], var_dir: str) -> dict[str, str]:
    """Configuration pointing at closed ports: nothing is reached, everything is set."""
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV")}
    env.update({
        "VAR_DIR": var_dir,
        "BUS_URL": "amqp://guest:guest@127.0.0.1:1//",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "LOG_LEVEL": "CRITICAL",
        "PROMETHEUS_MULTIPROC_DIR": var_dir,
    })
    for name in names:
        env[f"{name.upper()}_DATABASE_URL"] = (
            f"postgresql+psycopg://nobody@127.0.0.1:1/{name}?connect_timeout=1")
    return env


def measure(name: str, role: str, env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", CHILD, name, role, "x"], env=env,
                         capture_output=True, text=True, timeout=120)
    for line in out.stdout.splitlines():
        if line.startswith("RSS_REPORT "):
            result: dict[str, object] = json.loads(line.removeprefix("RSS_REPORT "))
            return result
    raise RuntimeError(f"{name} {role}: no report\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("names", nargs="*", help="services or apps (default: all installed)")
    p.add_argument("--repeat", type=int, default=1, help="runs per role (the median is shown)")
    p.add_argument("--packages", action="store_true", help="list the heavy packages imported")
    p.add_argument("--json", action="store_true", help="one JSON line per role")
    args = p.parse_args()

    services = {d.name: d.processes for d in discover()}
    apps = {a.name: ("api",) for a in discover_apps()}
    everything = services | apps
    names = args.names or list(everything)
    with tempfile.TemporaryDirectory(prefix="rss-imports-") as var_dir:
        env = closed_env(list(services), var_dir)
        for name in names:
            for role in everything[name]:
                if role == "scheduler":
                    continue
                runs = [measure(name, role, env) for _ in range(args.repeat)]
                rss = median(float(r["rss_mb"]) for r in runs)  # type: ignore[arg-type]
                packages = [pk for pk in WATCH if pk in runs[0]["packages"]]  # type: ignore[operator]
                if args.json:
                    print(json.dumps({"name": name, "role": role, "rss_mb": rss,
                                      "runs": [r["rss_mb"] for r in runs],
                                      "modules": runs[0]["modules"], "packages": packages}))
                    continue
                spread = (f" (runs {', '.join(str(r['rss_mb']) for r in runs)})"
                          if args.repeat > 1 else "")
                print(f"{name + '-' + role:<22} {rss:6.1f} MB  {runs[0]['modules']:5} modules"
                      f"{spread}")
                if args.packages:
                    print(f"{'':<22} {' '.join(packages)}")


if __name__ == "__main__":
    main()
