"""`make fuzz`: schemathesis over every service's OpenAPI document, with authentication,
against the running distributed system (gunicorn APIs on PostgreSQL + RabbitMQ).

Starts its own :class:`svckit.cluster.Cluster` (own databases and bus prefix, dropped at the
end), mints tokens for several roles (staff, a clerk and a supervisor of a seeded station,
a contractor of a seeded company, an inspector, a coordinator of 371502, a seeded
volunteer, a service), and for every operation generates positive and negative cases,
each sent with one of the tokens. Modes: ``positive`` and ``negative`` (schemathesis'
generation), ``edge`` (one field of a valid case set to a boundary value: NUL, overflowing
numbers, dates at and beyond the system's years and time zones), ``linked`` (path
parameters filled with the ids of real objects listed by the collection endpoints, so the
use cases behind them run, not only the 404), ``deep`` (a JSON body nested 500 levels:
400 expected). Checks: not_a_server_error, response_schema_conformance,
status_code_conformance, content_type_conformance; against the cluster also ``parked``:
once the run is over, no event that an accepted request raised may have been parked by
a consumer (an input the API accepted and a consumer could not apply is a silent loss).

Prints per service: operations, cases, failures by check, PASS/FAIL against the target
(0 server errors, 0 schema violations); exits 1 on FAIL.

    .venv/bin/python bench/fuzz.py [--examples N] [--service inventory] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.errors
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from svckit.auth.principal import Principal, Role
from svckit.auth.tokens import mint
from svckit.cluster import Cluster
from svckit.service import discover

REPO = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672//"
DONGCHANGFU = "371502"
SERVICES = tuple(d.name for d in discover())

CHECKS = {
    "not_a_server_error": not_a_server_error,
    "response_schema_conformance": response_schema_conformance,
    "status_code_conformance": status_code_conformance,
    "content_type_conformance": content_type_conformance,
}
# The target: these must be zero.
TARGET_CHECKS = ("not_a_server_error", "response_schema_conformance", "transport", "generation",
                 "deep", "parked")


@dataclass
class Stats:
    operations: int = 0
    cases: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    # (check, operation, status) -> one reproducer
    examples: dict[tuple[str, str, int], str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(self.failures[c] == 0 for c in TARGET_CHECKS)


def free_port_base(n: int = 3) -> int:
    for _ in range(50):
        base = random.randint(20_000, 40_000)
        try:
            for port in range(base, base + n):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free ports")


def start_cluster(tmp: Path) -> Cluster:
    tag = uuid.uuid4().hex[:8]
    cluster = Cluster(
        var_dir=tmp, pg_admin_url=PG_ADMIN_URL, db_prefix=f"fuzz_{tag}_",
        bus_url=AMQP_URL, bus_prefix=f"fuzz.{tag}.", port_base=free_port_base(),
        gunicorn_config=REPO / "deploy" / "gunicorn.conf.py",
        extra_env={"GUNICORN_WORKERS": "2", "LOG_JSON": "true"},
    )
    try:
        cluster.prepare(seed=True)
        cluster.up()
    except BaseException:
        cluster.down()
        cluster.drop_databases()
        raise
    return cluster


def mint_tokens(key: str, get: Callable[[str, str, dict[str, str]], Any]) -> dict[str, str]:
    """Tokens of every role, scoped to seeded objects; ``get(service, path, headers)``
    returns the decoded JSON of a GET (over HTTP or a test client)."""

    def token(role: Role, **scope: Any) -> str:
        return mint(Principal(sub=f"fuzz-{role.value}", role=role, name="模糊测试", **scope), key)

    staff = token(Role.STAFF)
    hdr = {"Authorization": f"Bearer {staff}"}

    def items(service: str, path: str) -> list[dict[str, Any]]:
        return list(get(service, path, hdr)["items"])

    stations = items("inventory", "/stations?page_size=100")
    station = next((s for s in stations if s.get("division_code") == DONGCHANGFU), stations[0])
    company = items("renovation", "/contractors?page_size=100")[0]
    volunteer = items("volunteer", "/volunteers?page_size=100")[0]
    return {
        "staff": staff,
        "clerk": token(Role.CLERK, stations=(str(station["id"]),)),
        "supervisor": token(Role.SUPERVISOR, stations=(str(station["id"]),)),
        "contractor": token(Role.CONTRACTOR, company=str(company["id"])),
        "inspector": token(Role.INSPECTOR),
        "coordinator": token(Role.COORDINATOR, districts=(DONGCHANGFU,)),
        "volunteer": token(Role.VOLUNTEER, volunteer_id=str(volunteer["id"])),
        "service": token(Role.SERVICE),
    }


def reproducer(case: Any, token_role: str) -> str:
    try:
        curl = case.as_curl_command(headers={"Authorization": f"Bearer <{token_role} token>"})
    except Exception:  # noqa: BLE001 - best effort
        curl = repr(case)
    return str(curl)[:1500]


# Values schemathesis rarely draws that break the layers under the schema: PostgreSQL
# (NUL, bigint/int overflow, over-long text), UTF-8 encoding (a lone surrogate), date
# parsing. The "edge" mode puts one of them into one field of a valid case.
EDGE_VALUES: tuple[Any, ...] = (
    "\x00", "A\x00B", "\udc80", "x" * 5000, "长" * 1000, 10**30, -(10**30), 2**63, 2**31,
    -1, 0, 1.5, "9999-12-31", "0001-01-01", "2024-02-30", "9999-12-31T23:59:59+14:00",
    "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "1999-12-31T23:59:59+00:00",
    "2100-12-31T23:59:59-12:00", "2000-01-01", "2100-12-31", "2020-01-01T00:00:00+08:00",
    2**31 - 1, 2**53, "１３８１２３４５６７８", "yes", 1,
    "", " ", "null", [], {}, None, True,
)


def _with_edge_value(drawn: tuple[Any, Any]) -> Any:
    case, data = drawn
    slots: list[tuple[dict[str, Any], str]] = []
    for container in (case.query, case.path_parameters, case.body):
        if isinstance(container, dict):
            slots += [(container, key) for key in container]
    if isinstance(case.body, dict):
        for value in case.body.values():
            if isinstance(value, dict):
                slots += [(value, key) for key in value]
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                slots += [(value[0], key) for key in value[0]]
    if slots:
        container, key = data.draw(st.sampled_from(slots))
        value = data.draw(st.sampled_from(EDGE_VALUES))
        if container is case.path_parameters or container is case.query:
            # a lone surrogate cannot be put in a URL: only bodies carry one
            value = "" if value is None or value == "\udc80" else str(value)
        container[key] = value
    return case


def id_pools(schema: Any, get: Callable[[str], Any]) -> dict[str, list[str]]:
    """Real ids for path parameters: ``{unit_id}`` of ``/units/{unit_id}`` from the items
    of ``GET /units`` (as staff). Links between operations without declaring them."""
    pools: dict[str, list[str]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        parts = operation.path.split("/")
        for i, part in enumerate(parts):
            if part.startswith("{") and part.endswith("}") and i > 1:
                name = part[1:-1]
                if name in pools:
                    continue
                collection = "/".join(parts[:i])
                if "{" in collection:
                    continue
                try:
                    body = get(f"{collection}?page_size=100")
                except Exception:  # noqa: BLE001 - not a list endpoint
                    continue
                items = body.get("items") if isinstance(body, dict) else body
                ids = [str(x["id"]) for x in items or [] if isinstance(x, dict) and "id" in x]
                if ids:
                    pools[name] = ids
    return pools


def _linked(pools: dict[str, list[str]]) -> Callable[[tuple[Any, Any]], Any]:
    def fill(drawn: tuple[Any, Any]) -> Any:
        case, data = drawn
        for key in list(case.path_parameters or {}):
            if key in pools:
                case.path_parameters[key] = data.draw(st.sampled_from(pools[key]))
        return case

    return fill


def _deep_body(operation: Any, tokens: dict[str, str], base_url: str | None,
               session: requests.Session, stats: Stats, label: str) -> None:
    """One request per role whose JSON body nests 500 levels: 400 before any parsing (and
    never a 5xx), whoever sends it."""
    if operation.method.upper() not in ("POST", "PUT", "PATCH"):
        return
    body = "[" * 500 + "]" * 500
    path = operation.path.replace("{", "").replace("}", "")  # any value: refused first
    for role in ("staff", "clerk"):
        headers = {"Authorization": f"Bearer {tokens[role]}",
                   "Content-Type": "application/json"}
        stats.cases += 1
        if base_url:
            status = session.post(base_url + path, data=body, headers=headers,
                                  timeout=30).status_code
        else:
            app = operation.schema.app
            status = app.test_client().open(path, method=operation.method.upper(), data=body,
                                             headers=headers).status_code
        if status not in (400, 404, 405):
            stats.failures["deep"] += 1
            stats.examples.setdefault(("deep", label, status),
                                      f"{operation.method.upper()} {path} nested 500 deep")


def _runner(strategy: Any, roles: list[str], tokens: dict[str, str], base_url: str | None,
            session: requests.Session, stats: Stats, label: str, examples: int) -> Any:
    @given(case=strategy, role=st.sampled_from(roles))
    @settings(max_examples=examples, deadline=None, database=None,
              derandomize=False, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case: Any, role: str) -> None:
        headers = {"Authorization": f"Bearer {tokens[role]}"}
        stats.cases += 1
        try:
            kw: dict[str, Any] = {"base_url": base_url, "session": session, "timeout": 30}
            response = case.call(headers=headers, **(kw if base_url else {}))
        except Exception as exc:  # noqa: BLE001 - connection reset, timeout
            stats.failures["transport"] += 1
            stats.examples.setdefault(("transport", label, 0),
                                      f"{exc!r}\n{reproducer(case, role)}")
            return
        for name, check in CHECKS.items():
            try:
                case.validate_response(response, checks=[check])
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - Failure(Group)
                stats.failures[name] += 1
                key = (name, label, response.status_code)
                if key not in stats.examples:
                    body = response.text[:300].replace("\n", " ")
                    inner = getattr(exc, "exceptions", None) or [exc]
                    msg = "; ".join(f"{getattr(e, 'title', type(e).__name__)}: "
                                    f"{getattr(e, 'message', str(e))}" for e in inner)
                    stats.examples[key] = (
                        f"{msg.replace(chr(10), ' ')[:400]}\n"
                        f"      -> {response.status_code} {body}\n"
                        f"      {reproducer(case, role)}")

    return run


def fuzz_service(schema: Any, tokens: dict[str, str], examples: int, seed: int,
                 base_url: str | None = None, only: tuple[str, ...] = (),
                 pools: dict[str, list[str]] | None = None) -> Stats:
    """Fuzz every operation of ``schema`` (loaded from a URL: give ``base_url``; or from a
    WSGI app) whose label (``GET /units``) starts with one of ``only`` (all if empty);
    ``pools``: real ids for the ``linked`` mode (:func:`id_pools`)."""
    stats = Stats()
    roles = sorted(tokens)
    session = requests.Session()
    pools = pools or {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if only and not f"{operation.method.upper()} {operation.path}".startswith(only):
            continue
        stats.operations += 1
        label = f"{operation.method.upper()} {operation.path}"
        _deep_body(operation, tokens, base_url, session, stats, label)
        linked = any(p.strip("{}") in pools for p in operation.path.split("/")
                     if p.startswith("{"))
        for mode in ("positive", "negative", "edge", *(("linked",) if linked else ())):
            strategy = operation.as_strategy(generation_mode=GenerationMode(
                "negative" if mode == "negative" else "positive"))
            if mode == "edge":
                strategy = st.tuples(strategy, st.data()).map(_with_edge_value)
            elif mode == "linked":
                strategy = st.tuples(strategy, st.data()).map(_linked(pools))

            run = _runner(strategy, roles, tokens, base_url, session, stats, label, examples)
            run = hypothesis.seed(seed)(run)
            try:
                run()
            except hypothesis.errors.Unsatisfiable:
                pass  # no invalid input exists (an operation without parameters)
            except Exception as exc:  # noqa: BLE001 - generation failed: report, go on
                stats.failures["generation"] += 1
                stats.examples.setdefault(("generation", label, 0), repr(exc)[:500])
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=25,
                        help="examples per operation and generation mode (positive, negative)")
    parser.add_argument("--service", action="append", choices=SERVICES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="leave the cluster running")
    parser.add_argument("--in-process", action="store_true",
                        help="WSGI apps in this process on fresh PostgreSQL databases (quick)")
    args = parser.parse_args(argv)
    services = tuple(args.service or SERVICES)

    t0 = time.monotonic()
    server_errors: list[str] = []
    if args.in_process:
        all_stats = _in_process(services, args.examples, args.seed)
    else:
        all_stats, server_errors = _against_cluster(services, args.examples, args.seed,
                                                    args.keep, t0)
    print()
    short = {"not_a_server_error": "5xx", "response_schema_conformance": "schema",
             "status_code_conformance": "status", "content_type_conformance": "ctype",
             "transport": "transport", "generation": "generation", "deep": "deep",
             "parked": "parked"}
    print(f"{'service':<12}{'ops':>5}{'cases':>7}" + "".join(f"{v:>11}" for v in short.values())
          + "  result")
    ok = True
    by_check: dict[str, list[str]] = defaultdict(list)
    for service, stats in all_stats.items():
        ok = ok and stats.passed
        print(f"{service:<12}{stats.operations:>5}{stats.cases:>7}"
              + "".join(f"{stats.failures[k]:>11}" for k in short)
              + f"  {'PASS' if stats.passed else 'FAIL'}")
        for (check, label, status), text in sorted(stats.examples.items()):
            by_check[check].append(f"  [{service}] {label} -> {status}: {text}")
    print("\ntarget: 0 server errors (not_a_server_error), 0 schema violations "
          "(response_schema_conformance), 0 deep bodies not refused with 400, 0 parked "
          "events; status_code/content_type conformance reported")
    for check, lines in by_check.items():
        print(f"\n{check}: {len(lines)} distinct (operation, status)")
        for line in lines[:40]:
            print(line)
    if server_errors:
        print(f"\nserver logs: {len(server_errors)} unhandled errors, first:")
        for line in server_errors[:5]:
            print("  " + line[:400])
    print(f"\nTOTAL {'PASS' if ok else 'FAIL'} in {time.monotonic() - t0:.0f}s")
    return 0 if ok else 1


def _against_cluster(services: tuple[str, ...], examples: int, seed: int, keep: bool,
                     t0: float) -> tuple[dict[str, Stats], list[str]]:
    all_stats: dict[str, Stats] = {}
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        cluster = start_cluster(Path(tmp))
        print(f"cluster up in {time.monotonic() - t0:.1f}s (PostgreSQL + RabbitMQ, "
              f"gunicorn; ports {cluster.port_base}..)", flush=True)
        try:
            get = _http_get(cluster)
            tokens = mint_tokens(cluster.private_key.read_text(), get)
            staff = {"Authorization": f"Bearer {tokens['staff']}"}
            for service in services:
                ts = time.monotonic()
                base = cluster.base_url(service)
                schema = schemathesis.openapi.from_url(base + "/openapi.json")
                pools = id_pools(schema, _getter(get, service, staff))
                all_stats[service] = stats = fuzz_service(
                    schema, tokens, examples, seed, base_url=base, pools=pools)
                print(f"{service}: {stats.operations} operations, {stats.cases} cases "
                      f"in {time.monotonic() - ts:.0f}s", flush=True)
            _parked_after_run(cluster, all_stats)
            return all_stats, _server_log_errors(cluster)
        finally:
            if keep:
                print(f"cluster left running in {tmp}; stop with Ctrl-C")
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    pass
            cluster.down()
            cluster.drop_databases()
            _delete_queues(cluster.bus_prefix)


def _getter(get: Callable[[str, str, dict[str, str]], Any], service: str,
            headers: dict[str, str]) -> Callable[[str], Any]:
    return lambda path: get(service, path, headers)


def _parked_after_run(cluster: Cluster, all_stats: dict[str, Stats],
                      settle: float = 60.0) -> None:
    """Once the relays and consumers have caught up (the retries take up to 36 s), count
    the parked messages of every consuming service: each is an accepted input a consumer
    could not apply."""
    deadline = time.monotonic() + settle
    counts: dict[str, int] = {}
    while True:
        for service in all_stats:
            try:
                ready = requests.get(cluster.base_url(service) + "/readyz", timeout=10).json()
            except (requests.RequestException, ValueError):
                continue
            counts[service] = int((ready.get("detail") or {}).get("parked") or 0)
        if time.monotonic() > deadline:
            break
        time.sleep(5)
    for service, n in counts.items():
        if n:
            all_stats[service].failures["parked"] += n
            all_stats[service].examples.setdefault(
                ("parked", "consumer", 0),
                f"{n} parked: python -m {service} parked list (with the run's BUS_PREFIX)")


def _delete_queues(prefix: str) -> None:
    """Remove the run's exchanges and queues (names start with its unique prefix)."""
    import subprocess

    from kombu import Connection

    names: list[tuple[str, str]] = []
    for kind in ("queues", "exchanges"):
        try:
            out = subprocess.run(["rabbitmqctl", "-q", f"list_{kind}", "name"],
                                 capture_output=True, text=True, timeout=60).stdout
        except (OSError, subprocess.SubprocessError):
            return
        names += [(kind, n.strip()) for n in out.splitlines() if n.strip().startswith(prefix)]
    with Connection(AMQP_URL, connect_timeout=5) as conn:
        for kind, name in names:
            ch = conn.channel()
            try:
                ch.queue_delete(name) if kind == "queues" else ch.exchange_delete(name)
            except Exception:  # noqa: BLE001 - already gone
                pass
            finally:
                ch.close()


def _in_process(services: tuple[str, ...], examples: int, seed: int) -> dict[str, Stats]:
    """The WSGI apps in this process, each on a fresh migrated and seeded database."""
    import importlib

    from svckit.auth.tokens import generate_keypair
    from svckit.testing import create_database, drop_database, service_context

    private, public = generate_keypair()
    tag = uuid.uuid4().hex[:8]
    apps: dict[str, Any] = {}
    contexts = []
    try:
        for service in SERVICES:
            definition = importlib.import_module(f"{service}.service").definition
            ctx = service_context(definition, create_database(f"fuzz_{tag}_{service}"),
                                  public_key=public)
            contexts.append(ctx)
            definition.seed(ctx)
            apps[service] = ctx.create_app()
        clients = {svc: app.test_client() for svc, app in apps.items()}

        def get(service: str, path: str, headers: dict[str, str]) -> Any:
            return clients[service].get(path, headers=headers).get_json()

        tokens = mint_tokens(private, get)
        all_stats: dict[str, Stats] = {}
        for service in services:
            ts = time.monotonic()
            schema = schemathesis.openapi.from_wsgi("/openapi.json", apps[service])
            staff = {"Authorization": f"Bearer {tokens['staff']}"}
            pools = id_pools(schema, _getter(get, service, staff))
            all_stats[service] = stats = fuzz_service(schema, tokens, examples, seed,
                                                      pools=pools)
            print(f"{service}: {stats.operations} operations, {stats.cases} cases "
                  f"in {time.monotonic() - ts:.0f}s", flush=True)
        return all_stats
    finally:
        for ctx in contexts:
            ctx.engine.dispose()
        for service in SERVICES:
            drop_database(f"fuzz_{tag}_{service}")


def _http_get(cluster: Cluster) -> Callable[[str, str, dict[str, str]], Any]:
    def get(service: str, path: str, headers: dict[str, str]) -> Any:
        r = requests.get(cluster.base_url(service) + path, headers=headers, timeout=30)
        r.raise_for_status()
        return r.json()

    return get


def _server_log_errors(cluster: Cluster) -> list[str]:
    lines: list[str] = []
    for log in sorted(cluster.logs.glob("*-api.log")):
        for line in log.read_text(errors="replace").splitlines():
            if "unhandled error" in line or "Traceback" in line:
                lines.append(f"{log.name}: {line}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
