"""Shared helpers of ``bench/run_bench.py`` and ``bench/run_chaos.py``.

A native cluster (``svckit.cluster.Cluster``) with its own databases (``bench_<tag>_``) and
bus prefix (``bench<tag>.``), bulk data loaded with COPY, an open-loop HTTP load
generator (threads + ``requests``, loopback only, bounded in count and time), and small
statistics helpers. Every figure is printed next to a baseline measured in the same run.
"""

from __future__ import annotations

import io
import os
import queue
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import requests
from svckit.auth.principal import Principal, Role
from svckit.auth.tokens import mint
from svckit.cluster import Cluster
from svckit.domain.certificate import make_certificate

REPO = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
WHEELCHAIR = "12 22 03"


def log(msg: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {msg}", flush=True)


def interruptible() -> None:
    """SIGINT and SIGTERM raise KeyboardInterrupt (even when started in the background
    with SIGINT ignored), so the ``finally`` blocks stop the cluster and drop its data."""
    import signal

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def free_port_base(n: int = 4) -> int:
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


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def start_cluster(var_dir: Path, services: tuple[str, ...], extra_env: dict[str, str] | None = None,
                  roles: tuple[str, ...] = ("api", "relay", "consumer")) -> Cluster:
    tag = uuid.uuid4().hex[:8]
    cluster = Cluster(
        var_dir=var_dir, pg_admin_url=PG_ADMIN_URL, db_prefix=f"bench_{tag}_",
        bus_url=AMQP_URL, bus_prefix=f"bench{tag}.", port_base=free_port_base(),
        services=services, gunicorn_config=REPO / "deploy" / "gunicorn.conf.py",
        extra_env={"LOG_JSON": "true", **(extra_env or {})},
    )
    try:
        cluster.prepare(seed=True)
        cluster.up(roles=roles, timeout=240)  # a loaded shared machine starts slowly
    except BaseException:
        cluster.down()
        cluster.drop_databases()
        raise
    return cluster


def token(cluster: Cluster, role: str, **scope: Any) -> str:
    principal = Principal(sub=f"bench-{role}", role=Role(role), name="压测",
                          stations=tuple(scope.get("stations", ())),
                          districts=tuple(scope.get("districts", ())))
    return mint(principal, cluster.private_key.read_text())


def connect(cluster: Cluster, service: str) -> Any:
    """An autocommit connection (typed ``Any``: these scripts index rows freely)."""
    return psycopg.connect(cluster.database_url(service), autocommit=True)


@dataclass
class Fixture:
    station_id: str
    division: str
    type_id: str
    free_units: list[str] = field(default_factory=list)
    borrowers: list[str] = field(default_factory=list)


def _copy(conn: psycopg.Connection[Any], table: str, cols: list[str],
          rows: Iterator[str], batch: int = 50_000) -> int:
    """COPY text rows (already tab-separated, newline-terminated) into ``table``."""
    n = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
        buf = io.StringIO()
        for line in rows:
            buf.write(line)
            n += 1
            if n % batch == 0:
                cp.write(buf.getvalue())
                buf = io.StringIO()
        cp.write(buf.getvalue())
    return n


UNIT_COLS = ["id", "asset_tag", "serial", "type_id", "home_station_id", "current_station_id",
             "condition", "acquisition", "acquired_on", "cost_fen", "status"]
BORROWER_COLS = ["id", "certificate_number", "name", "phone", "address", "division_code",
                 "dibao", "tekun", "consent_at"]
RENTAL_COLS = ["id", "unit_id", "type_id", "station_id", "borrower_id", "checked_out_at",
               "due_on", "max_rental_days", "daily_fee_fen", "fee_fen", "deposit_fen", "status",
               "logistics", "returned_at", "return_condition", "return_notes",
               "damage_charge_fen", "deposit_refund_fen", "number"]


def _cert(i: int) -> str:
    born = date(1950, 1, 1) + timedelta(days=i // 1000)
    return make_certificate(f"371502{born:%Y%m%d}{i % 1000:03d}", 4, 3)  # grade 3: no waiver


def vacuum(conn: psycopg.Connection[Any], *tables: str) -> None:
    """``VACUUM (ANALYZE)`` after a bulk load, as a real load procedure does (and
    autovacuum would soon after): statistics for the planner, and the visibility map, so
    counts can be index-only scans instead of visiting every heap page."""
    for table in tables:
        conn.execute(f"VACUUM (ANALYZE) {table}")


def load_fixture(cluster: Cluster, units: int, borrowers: int, label: str = "B") -> Fixture:
    """A station with ``units`` free wheelchairs and ``borrowers`` borrowers, by COPY."""
    with connect(cluster, "inventory") as conn:
        station_id, division = conn.execute(
            "SELECT id, division_code FROM stations WHERE active ORDER BY name LIMIT 1").fetchone()
        type_id = conn.execute("SELECT id FROM device_types WHERE iso_code = %s",
                               (WHEELCHAIR,)).fetchone()[0]
        fx = Fixture(str(station_id), division, str(type_id))
        fx.free_units = [str(uuid.uuid4()) for _ in range(units)]
        fx.borrowers = [str(uuid.uuid4()) for _ in range(borrowers)]
        today = date.today().isoformat()
        _copy(conn, "units", UNIT_COLS, (
            f"{u}\t{label}{i:09d}\t{label}S{i:09d}\t{type_id}\t{station_id}\t{station_id}\tA\t"
            f"donation\t{today}\t0\tavailable\n" for i, u in enumerate(fx.free_units)))
        _copy(conn, "borrowers", BORROWER_COLS, (
            f"{b}\t{_cert(i)}\t压测{i}\t13800000000\t聊城市测试路{i}号\t{division}\tf\tf\t2024-01-01T00:00:00+00:00\n"
            for i, b in enumerate(fx.borrowers)))
        vacuum(conn, "units", "borrowers")
    return fx


def bulk_history(cluster: Cluster, fx: Fixture, units: int, rentals: int) -> tuple[float, float]:
    """``units`` returned-to-stock units spread over the stations and ``rentals`` returned
    rentals of them, by COPY (foreign-key triggers off for the load: the rows are made
    consistent here). Returns seconds for the units and for the rentals."""
    with connect(cluster, "inventory") as conn:
        rows = conn.execute("SELECT id, division_code FROM stations").fetchall()
        stations = [str(r[0]) for r in rows]
        divisions = [r[1] for r in rows]
        types = [str(r[0]) for r in conn.execute("SELECT id FROM device_types")]
        conn.execute("SET session_replication_role = replica")
        t0 = time.perf_counter()
        unit_ids = [uuid.uuid4() for _ in range(units)]
        today = date.today().isoformat()
        ns, nt = len(stations), len(types)
        # mostly rented-out/maintenance stock elsewhere: availability scans must not grow
        statuses = ("rented", "maintenance", "written_off", "available")
        _copy(conn, "units", UNIT_COLS, (
            f"{u}\tH{i:09d}\tHS{i:09d}\t{types[i % nt]}\t{stations[i % ns]}\t{stations[i % ns]}\t"
            f"B\tpurchase\t{today}\t10000\t{statuses[i % 4]}\n" for i, u in enumerate(unit_ids)))
        vacuum(conn, "units")
        t1 = time.perf_counter()
        day = datetime(2024, 1, 1, tzinfo=UTC)
        bs = fx.borrowers
        nb = len(bs)

        def gen() -> Iterator[str]:
            for i in range(rentals):
                out = day + timedelta(minutes=i % 500_000)
                back = (out + timedelta(days=7)).isoformat()
                yield (f"{uuid.uuid4()}\t{unit_ids[i % units]}\t{types[i % nt]}\t"
                       f"{stations[i % ns]}\t"
                       f"{bs[i % nb]}\t{out.isoformat()}\t{(out.date() + timedelta(days=14))}\t30\t"
                       f"100\t700\t20000\treturned\tnone\t{back}\tB\t\t0\t20000\t"
                       # a document number of 2024 (ADR 0015), unique by the running count
                       f"ZL-{divisions[i % ns]}-2024-{i + 1:06d}\n")
        _copy(conn, "rentals", RENTAL_COLS, gen(), batch=100_000)
        conn.execute("SET session_replication_role = origin")
        vacuum(conn, "rentals")
        t2 = time.perf_counter()
    return t1 - t0, t2 - t1


# -- open-loop load ------------------------------------------------------------------
@dataclass
class LoadResult:
    offered: float
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]
    errors: int

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if 200 <= s < 300)

    @property
    def throughput(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def line(self, name: str) -> str:
        lat = self.latencies_ms
        return (f"{name:<34} offered {self.offered:>6.0f}/s  done {self.throughput:>6.1f}/s  "
                f"p50 {pct(lat, 50):6.1f}  p95 {pct(lat, 95):6.1f}  p99 {pct(lat, 99):6.1f} ms  "
                f"status {dict(sorted(self.statuses.items()))} err {self.errors}")


def run_load(make_request: Callable[[requests.Session, int], requests.Response], *,
             rate: float | None, duration: float, concurrency: int,
             max_requests: int) -> LoadResult:
    """Open loop at ``rate`` req/s (latency from the *scheduled* start, so a stalled
    server is not hidden by coordinated omission), or closed loop (saturation) with
    ``concurrency`` clients when ``rate`` is None. Bounded by ``duration`` and
    ``max_requests``."""
    lat: list[float] = []
    statuses: dict[int, int] = {}
    errors = [0]
    lock = threading.Lock()
    counter = iter(range(max_requests))
    t0 = time.perf_counter()
    end = t0 + duration
    jobs: queue.Queue[tuple[int, float] | None] = queue.Queue()

    def record(start: float, status: int | None) -> None:
        with lock:
            lat.append((time.perf_counter() - start) * 1000)
            if status is None:
                errors[0] += 1
            else:
                statuses[status] = statuses.get(status, 0) + 1

    def call(session: requests.Session, i: int, start: float) -> None:
        try:
            r = make_request(session, i)
            record(start, r.status_code)
        except requests.RequestException:
            record(start, None)

    def closed_worker() -> None:
        s = requests.Session()
        while time.perf_counter() < end:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            call(s, i, time.perf_counter())

    def open_worker() -> None:
        s = requests.Session()
        while True:
            job = jobs.get()
            if job is None:
                return
            i, due = job
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            call(s, i, due)

    threads = [threading.Thread(target=closed_worker if rate is None else open_worker, daemon=True)
               for _ in range(concurrency)]
    for t in threads:
        t.start()
    if rate is not None:
        n = min(max_requests, int(rate * duration))
        for i in range(n):
            jobs.put((i, t0 + i / rate))
        for _ in threads:
            jobs.put(None)
    for t in threads:
        t.join(timeout=duration + 60)
    seconds = time.perf_counter() - t0
    return LoadResult(rate or 0.0, seconds, lat, statuses, errors[0])


def checkout_request(base: str, tok: str, fx: Fixture, units: list[str],
                     delivery: bool = False
                     ) -> Callable[[requests.Session, int], requests.Response]:
    headers = {"Authorization": f"Bearer {tok}"}
    due = (date.today() + timedelta(days=14)).isoformat()
    nb = len(fx.borrowers)

    def req(s: requests.Session, i: int) -> requests.Response:
        body: dict[str, Any] = {"station_id": fx.station_id, "borrower_id": fx.borrowers[i % nb],
                                "unit_id": units[i], "due_on": due}
        if delivery:
            body["home_delivery"] = True
        return s.post(f"{base}/rentals", json=body, headers=headers, timeout=30)
    return req


def cpu_seconds(pid: int) -> float:
    """user+system CPU seconds of ``pid`` and its children (gunicorn workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        pids += [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` and its children (gunicorn workers), in MB (max)."""
    best = 0.0
    pids = [pid]
    try:
        pids += [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    best = max(best, int(line.split()[1]) / 1024)
        except OSError:
            pass
    return best
