"""The embedded mode: the whole system in one process on one port.

Every installed service (entry point group ``svckit.services``) runs under its own URL
prefix (``/<service>``) with its own SQLite file, the in-process bus (kombu's memory
transport), and its relay, consumer and scheduler as background threads; every installed
web app (``svckit.apps``: the console) under ``/<app>``, calling the services on the same
port. Migrations run and demo data is seeded at start.

    python -m svckit.embedded [--host 127.0.0.1] [--port 8000] [--no-seed]

``--port 0`` lets the system choose a free port (printed in the first line).
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import threading
from typing import Any

from flask import Flask, render_template_string, request
from pydantic import SecretStr
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from svckit import logs
from svckit.auth.tokens import ensure_dev_keypair
from svckit.config import Config, PlatformSettings
from svckit.service import (
    AppDefinition,
    ServiceContext,
    ServiceDefinition,
    discover,
    discover_apps,
)

log = logging.getLogger("svckit.embedded")

#: the root page for a browser: the apps (the console) and every service's API docs
INDEX_PAGE = """<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>助残服务平台</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:46rem;margin:2rem auto;
padding:0 1rem;line-height:1.6;color:#1a1a1a}a{color:#0b4f9c}li{margin:.3rem 0}
.lead a{font-size:1.25rem;font-weight:600}code{background:#f2f2f2;padding:0 .25rem}</style>
</head>
<body><main>
<h1>助残服务平台 <small lang="en">Assistive services platform</small></h1>
<h2>应用 <span lang="en">(apps)</span></h2>
<ul class="lead">{% for name, title, href in apps %}
<li><a href="{{ href }}">{{ title }}</a></li>{% endfor %}
</ul>
<h2>接口文档 <span lang="en">(API docs)</span></h2>
<ul>{% for name, title in services %}
<li><a href="/{{ name }}/docs">{{ title }}</a>
(<a href="/{{ name }}/openapi.json" aria-label="{{ name }} OpenAPI JSON">OpenAPI JSON</a>)</li>
{% endfor %}</ul>
<p>接口令牌 <span lang="en">(API token)</span>: <code>.venv/bin/svckit-token --role staff</code></p>
</main></body></html>
"""


class EmbeddedSystem:
    def __init__(self, platform: PlatformSettings | None = None,
                 definitions: list[ServiceDefinition] | None = None,
                 apps: list[AppDefinition] | None = None) -> None:
        platform = platform or PlatformSettings()
        if not platform.auth_public_key and not platform.auth_jwks_url:
            _, public = ensure_dev_keypair(platform.var_dir)
            platform = platform.model_copy(update={"auth_public_key": SecretStr(str(public))})
        if not platform.bus_is_memory:
            raise SystemExit("the embedded mode runs on the in-process bus (BUS_URL=memory://)")
        self.platform = platform
        self.contexts = [ServiceContext(d, Config(d.name, platform))
                         for d in (definitions if definitions is not None else discover())]
        self.apps = apps if apps is not None else discover_apps()
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def prepare(self, seed: bool = True) -> None:
        for ctx in self.contexts:
            ctx.migrate()
            if seed and ctx.definition.seed is not None:
                ctx.definition.seed(ctx)

    def start_workers(self) -> None:
        # Consumers first: on the in-process bus a queue must exist before events are routed.
        consumers = []
        for ctx in self.contexts:
            consumer = ctx.consumer()
            consumers.append(consumer)
            self._thread(f"{ctx.name}-consumer", consumer.run)
        for consumer in consumers:
            if not consumer.ready.wait(15):
                raise RuntimeError(f"consumer {consumer.topology.service} did not start")
        for ctx in self.contexts:
            self._thread(f"{ctx.name}-relay", ctx.relay().run)
            if ctx.definition.jobs:
                self._thread(f"{ctx.name}-scheduler", ctx.run_scheduler)

    def _thread(self, name: str, target: Any) -> None:
        t = threading.Thread(target=target, args=(self.stop,), name=name, daemon=True)
        t.start()
        self.threads.append(t)

    def wsgi(self, base_url: str) -> Any:
        """Every service's API and every app under its prefix; the apps call the services
        at ``base_url`` (this same port)."""
        mounts: dict[str, Any] = {ctx.definition.mount: ctx.create_app()
                                  for ctx in self.contexts}
        urls = {ctx.name: base_url.rstrip("/") + ctx.definition.mount for ctx in self.contexts}
        for app in self.apps:
            mounts[app.mount] = app.create_app(self.platform, urls)
        return DispatcherMiddleware(self._index(), mounts)

    def _index(self) -> Flask:
        app = Flask("embedded")
        services = [(ctx.name, ctx.definition.title) for ctx in self.contexts]
        apps = [(a.name, a.title or a.name, f"{a.mount}/") for a in self.apps]

        @app.get("/")
        def index() -> Any:
            index = {
                "system": "助残服务平台 (assistive devices, renovation, volunteers)",
                "apps": {name: href for name, _title, href in apps},
                "services": {n: {"api": f"/{n}/", "docs": f"/{n}/docs",
                                 "openapi": f"/{n}/openapi.json"} for n, _ in services},
                "token": ".venv/bin/svckit-token --role staff",
            }
            # browsers ask for text/html by name; API clients (*/*, JSON) keep the JSON index
            best = request.accept_mimetypes.best_match(["application/json", "text/html"])
            if best != "text/html":
                return index
            return render_template_string(INDEX_PAGE, apps=apps, services=services)

        @app.get("/healthz")
        def healthz() -> dict[str, str]:
            return {"status": "ok"}

        return app

    def shutdown(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=5)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m svckit.embedded", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-seed", action="store_true")
    args = p.parse_args(argv)
    platform = PlatformSettings()
    logs.configure("embedded", platform.log_level, platform.log_json)
    # bound before anything else: a taken port fails at once, and --port 0 gets a free one
    listener = socket.create_server((args.host, args.port))
    port = listener.getsockname()[1]
    system = EmbeddedSystem(platform)
    system.prepare(seed=not args.no_seed)
    system.start_workers()
    base = f"http://{args.host}:{port}"
    app = system.wsgi(base)
    lines = [f"助残服务平台 running at {base}/"]
    lines += [f"  {a.name:<11} {base}{a.mount}/" for a in system.apps]
    for ctx in system.contexts:
        lines.append(f"  {ctx.name:<11} {base}{ctx.definition.mount}/docs")
    lines += [
        "Tokens for each role (development key in var/):",
        "  .venv/bin/svckit-token --role staff",
        "  .venv/bin/svckit-token --role clerk --station <station-id>",
        "  .venv/bin/svckit-token --role contractor --company <company-id>",
        "  .venv/bin/svckit-token --role coordinator --district 371502",
        "  .venv/bin/svckit-token --role volunteer --volunteer <volunteer-id>",
    ]
    for hint in _seed_hints(system):
        hint = hint.strip()
        if hint.startswith("svckit-token"):
            hint = f".venv/bin/{hint}"
        lines.append(f"  {hint}")
    print("\n".join(lines), flush=True)
    from waitress import serve

    try:
        serve(app, sockets=[listener], threads=8, ident="zhucan")
    finally:
        system.shutdown()
    return 0


def _seed_hints(system: EmbeddedSystem) -> list[str]:
    hints: list[str] = []
    for ctx in system.contexts:
        fn = ctx.definition.extra.get("token_hints")
        if fn is not None:
            hints.extend(fn(ctx))
    return hints


if __name__ == "__main__":
    sys.exit(main())
