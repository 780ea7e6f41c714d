"""A year of a district over the public APIs of the native topology (``make simulate-year``).

Starts every service as separate processes (``bench.topology.running_cluster``: gunicorn
APIs, relays, consumers, schedulers on PostgreSQL + RabbitMQ, own databases and bus
prefix, removed afterwards), with one injected clock (``SVCKIT_CLOCK_FILE``) that the
script moves day by day from 1 January of next year (China time). Seeds a district
(Dongchangfu, 371502: two rental stations, units, households, volunteers, a renovation
programme and contractors), then walks the days doing what the roles do, by HTTP only:

- clerks lend (some with home delivery; a household turned away for want of a free unit
  joins the type's waiting list and is lent the unit held for it later), take fees and
  deposits (cash, WeChat Pay, Alipay), extend, take units back with the deposit refunded
  (damage deducted), report losses (deposit kept), chase late payers, correct a wrong
  entry by a reversal;
- staff recall a batch (the units out are brought back) and lift the recall; clerks count
  their stock twice (a missing unit written off by a supervisor);
- staff take renovation applications, assess, plan, approve and assign; contractors
  accept, schedule, report and complete; inspectors pass or fail; two orders are
  terminated and the rest of their works reassigned; one household withdraws;
- the coordinator offers every open volunteer task (deliveries, assessment escorts,
  acceptance and satisfaction visits, overdue calls); volunteers accept, check in and
  out; the coordinator approves the hours.

The plan of the year comes from a seeded RNG (``--seed``), so a run is reproducible (which
unit a check-out by type picks may differ). At the end it checks, and exits non-zero if
any check fails: every station's settlement of every month balances to the fen and equals
the ledger the script kept itself; the programme's spend plus its remaining budget is the
budget (and the spend is what the script expects); no renovation case is left in a
non-final state without a running deadline. It prints a summary with the wall time.

``--months 2 --households 30 ...`` (or :data:`SHORT`) is the short version the test suite
runs (``tests/test_simulate_year.py``).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from functools import partial
from pathlib import Path
from typing import Any

import requests
from svckit.domain.certificate import make_certificate
from svckit.domain.clock import CHINA_TZ, set_file_clock

from bench.topology import System, running_cluster

DISTRICT = "371502"
FINAL_CASE_STATES = {"closed", "withdrawn", "refused"}
#: (key, ISO code, share of the rentals)
TYPES = [("WC", "12 22 03", 30), ("WF", "12 06 03", 25), ("CC", "09 12 03", 15),
         ("SC", "09 33 03", 10), ("BD", "18 12 07", 10), ("CU", "04 33 03", 10)]
METHODS = ["cash", "cash", "wechat_pay", "alipay"]
#: renovation plan lines a household may get (seed catalogue codes), with quantities
PLAN_CHOICES = [("GRAB-BAR", "2"), ("THRESHOLD", "1"), ("RAMP", "1.5"), ("ANTISLIP", "4"),
                ("TOILET", "1"), ("BED-RAIL", "1")]
RECALL_BATCH = "2026-B07"


@dataclass(frozen=True)
class Config:
    months: int = 12
    households: int = 300
    rentals: int = 1500
    cases: int = 60
    terminations: int = 2
    withdrawals: int = 1
    volunteers: int = 10
    seed: int = 2027
    threads: int = 6
    workers: int = 2  # gunicorn workers per API
    #: units of the scarce type (:data:`SCARCE`) per station; 0: as many as the others get
    scarce_units: int = 0


FULL = Config()
SHORT = Config(months=2, households=30, rentals=60, cases=5, terminations=1, withdrawals=1,
               volunteers=4, threads=4, workers=1, scarce_units=2)
#: the type the short version keeps scarce, so households wait for it on the waiting list
SCARCE = "SC"


def log(msg: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {msg}", flush=True)


class Refused(Exception):
    """An answer the simulation expects sometimes (a 409 or 422), with its body."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"{status}: {body[:300]}")
        self.status = status
        self.body = body


@dataclass
class Rental:
    idx: int
    day: int
    type_key: str
    station: int
    borrower: int
    days: int
    method: str
    delivery: bool
    late_payer: bool
    pay_day: int | None = None
    extend_day: int | None = None
    extend_by: int = 0
    end_day: int | None = None
    end: str = "return"  # return | lost
    damage: bool = False
    reversal: bool = False
    # filled while running
    id: str | None = None
    status: str = "planned"  # planned | active | waiting | returned | lost | refused
    fee_due: int = 0
    fee_paid: int = 0
    deposit: int = 0
    due_on: date | None = None


@dataclass
class Case:
    idx: int
    start: int
    household: int
    lines: list[dict[str, str]]
    fate: str = "normal"  # normal | terminate | withdraw
    fail_first: bool = False
    contractor: int = 0
    stage: str = "apply"
    next_day: int = 0
    app_id: str | None = None
    order: dict[str, Any] | None = None
    plan_total: int = 0
    terminated_cost: int = 0
    withdrawn_cost: int = 0
    failed_once: bool = False
    fallback_day: int = 0
    closed_by: str = ""


@dataclass
class Ledger:
    """What the script recorded, per (station index, YYYY-MM): sums by kind."""

    sums: dict[tuple[int, str], Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, station: int, month: str, kind: str, amount: int) -> None:
        with self.lock:
            self.sums[(station, month)][kind] += amount


class Simulation:
    def __init__(self, system: System, clock_file: Path, cfg: Config) -> None:
        self.system = system
        self.clock_file = clock_file
        self.cfg = cfg
        self.rng = random.Random(cfg.seed)
        today = datetime.now(CHINA_TZ).date()
        self.start = date(today.year + 1, 1, 1)
        self.days = (_add_months(self.start, cfg.months) - self.start).days
        self.counts: Counter[str] = Counter()
        self.count_lock = threading.Lock()
        self.ledger = Ledger()
        self.failures: list[str] = []
        self.notes: list[str] = []
        self._tokens: dict[str, tuple[str, str]] = {}
        self._local = threading.local()
        self.pool = ThreadPoolExecutor(max_workers=cfg.threads)
        self.today = self.start
        self.extra_days = 0
        self.unoffered: set[str] = set()

    # -- plumbing -----------------------------------------------------------------------
    def count(self, what: str, n: int = 1) -> None:
        with self.count_lock:
            self.counts[what] += n

    def role(self, key: str, service: str, role: str, **scope: Any) -> None:
        """Register an actor: ``key`` names a token of ``role`` at ``service``."""
        self._tokens[key] = (self.system.cluster.base_url(service),
                             self.system.token(role, **scope))

    def call(self, key: str, method: str, path: str, body: Any = None,
             ok: Iterable[int] = (200, 201), tolerate: Iterable[int] = ()) -> Any:
        """One HTTP call as actor ``key`` (a session per thread); an answer in
        ``tolerate`` raises :class:`Refused`, any other unexpected one AssertionError."""
        sessions = getattr(self._local, "sessions", None)
        if sessions is None:
            sessions = self._local.sessions = {}
        session = sessions.get(key)
        base, token = self._tokens[key]
        if session is None:
            session = sessions[key] = requests.Session()
            session.headers["Authorization"] = f"Bearer {token}"
            # a new connection per call: a kept-alive one the server closes while idle
            # (gunicorn's keepalive) resets a call sent on it at that moment
            session.headers["Connection"] = "close"
        r = session.request(method, base + path, json=body, timeout=60)
        self.count("http calls")
        if r.status_code in tuple(ok):
            return r.json() if r.content else None
        if r.status_code in tuple(tolerate):
            raise Refused(r.status_code, r.text)
        raise AssertionError(f"{self.today} {key} {method} {path} -> {r.status_code}: "
                             f"{r.text[:1500]}")

    def pages(self, key: str, path: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        page = 1
        sep = "&" if "?" in path else "?"
        while True:
            got = self.call(key, "GET", f"{path}{sep}page={page}&page_size=100")
            out.extend(got["items"])
            if len(got["items"]) < 100:
                return out
            page += 1

    def parallel(self, jobs: list[Callable[[], Any]]) -> None:
        for future in [self.pool.submit(job) for job in jobs]:
            future.result()

    def set_day(self, day: int, hour: int = 9, minute: int = 0) -> None:
        """Every process's clock: ``hour:minute`` China time on the ``day``-th day."""
        self.today = self.start + timedelta(days=day)
        moment = datetime.combine(self.today, dtime(hour, minute), CHINA_TZ).astimezone(UTC)
        set_file_clock(self.clock_file, moment)

    def month_of(self, day: date | None = None) -> str:
        return (day or self.today).strftime("%Y-%m")

    # -- the district -------------------------------------------------------------------
    def seed_district(self) -> None:
        cfg = self.cfg
        self.set_day(0, 8)
        self.role("inv-staff", "inventory", "staff", sub="sim-inv-staff", name="市残联管理员")
        stations = [s for s in self.call("inv-staff", "GET", "/stations?page_size=100")["items"]
                    if s["division_code"] == DISTRICT]
        second = self.call("inv-staff", "POST", "/stations", {
            "name": "东昌府区古楼街道辅具服务点", "division_code": DISTRICT,
            "address": "聊城市东昌府区古楼街道楼南大街8号", "phone": "0635-8432188",
            "opening_days": [1, 2, 3, 4, 5, 6, 7]})
        self.stations = [stations[0]["id"], second["id"]]
        for i, sid in enumerate(self.stations):
            self.role(f"clerk{i}", "inventory", "clerk", stations=[sid], sub=f"sim-clerk-{i}",
                      name="王芳" if i == 0 else "李娜")
            self.role(f"super{i}", "inventory", "supervisor", stations=[sid],
                      sub=f"sim-super-{i}", name="赵站长")
        types = self.call("inv-staff", "GET", "/device-types?page_size=100")["items"]
        self.types: dict[str, dict[str, Any]] = {}
        for key, iso, _share in TYPES:
            self.types[key] = next(t for t in types if t["iso_code"] == iso
                                   and t["mode"] == "rentable")
        # units: enough for the load, a third of the walkers from the batch recalled later
        # units: the loans out at once (about a month each) with a margin for cleaning
        units: list[tuple[int, str, int]] = []
        out_at_once = cfg.rentals / max(1, self.days - 7) * 35
        total_share = sum(share for _k, _iso, share in TYPES)
        for i in range(len(self.stations)):
            for key, _iso, share in TYPES:
                n = 2 + math.ceil(out_at_once * share / total_share / len(self.stations) * 1.5)
                if key == SCARCE and cfg.scarce_units:
                    n = cfg.scarce_units
                units += [(i, key, k) for k in range(n)]
        self.unit_tags: dict[int, list[str]] = defaultdict(list)

        def register(station: int, key: str, k: int) -> None:
            tag = f"SIM-{station}{key}-{k:04d}"
            batch = RECALL_BATCH if key == "WF" and k % 3 == 0 else "2026-A01"
            self.call(f"clerk{station}", "POST", "/units", {
                "asset_tag": tag, "serial": tag, "type_id": self.types[key]["id"],
                "station_id": self.stations[station], "condition": "A",
                "acquisition": "purchase", "acquired_on": (self.start - timedelta(days=30))
                .isoformat(), "cost_fen": 80_000, "model": f"{key}-2026", "batch": batch})
            self.count("units registered")

        self.parallel([partial(register, *a) for a in units])
        # households: the first `cases` are severe (renovation candidates, rentals waived)
        self.borrowers: list[str] = [""] * cfg.households
        self.certificates: list[str] = [""] * cfg.households

        def household(i: int) -> None:
            born = date(1938, 1, 1) + timedelta(days=i * 97 % 20000)
            first17 = f"{DISTRICT}{born:%Y%m%d}{i % 1000:03d}"
            grade = 1 if i < cfg.cases else 3 + i % 2
            cert = make_certificate(first17, 1 + i % 7, grade)
            self.certificates[i] = cert
            station = i % len(self.stations)
            b = self.call(f"clerk{station}", "POST", "/borrowers", {
                "certificate_number": cert, "name": _name(i), "phone": f"1386350{i:04d}",
                "address": f"聊城市东昌府区古楼街道光岳路{i + 1}号", "division_code": DISTRICT,
                "dibao": i % 10 == 7, "consent": True, "station_id": self.stations[station]})
            self.borrowers[i] = b["id"]
            self.count("households registered")

        self.parallel([partial(household, i) for i in range(cfg.households)])
        # volunteers: a team that works any day
        self.role("coordinator", "volunteer", "coordinator", districts=[DISTRICT],
                  sub=f"coordinator-{DISTRICT}", name="东昌府区协调员")
        self.role("vol-staff", "volunteer", "staff", sub="sim-vol-staff")
        self.volunteers: list[str] = []
        for i in range(cfg.volunteers):
            v = self.call("coordinator", "POST", "/volunteers", {
                "real_name": _name(1000 + i), "phone": f"1586351{i:04d}",
                "divisions": [DISTRICT], "consent": True,
                "skills": ["delivery", "driving", "home_visit", "accompany_assessor",
                           "phone_followup", "installation"],
                "availability": [{"weekday": d, "start": "07:00", "end": "21:00"}
                                 for d in range(7)]})
            self.volunteers.append(v["id"])
        self.count("volunteers registered", len(self.volunteers))
        # renovation: a programme of this year for the district, three contractors
        self.role("assessor", "renovation", "staff", sub="staff-li", name="李评估员",
                  districts=[DISTRICT])
        self.role("approver", "renovation", "staff", sub="staff-zhao", name="赵主任",
                  districts=[DISTRICT])
        self.role("inspector", "renovation", "inspector", sub="inspector-sun",
                  districts=[DISTRICT])
        self.budget = 300_000 * cfg.cases
        self.programme = self.call("approver", "POST", "/programmes", {
            "year": self.start.year, "name": f"{self.start.year}年东昌府区无障碍改造",
            "division_scope": DISTRICT, "household_cap_fen": 300_000,
            "target_homes": cfg.cases, "total_budget_fen": self.budget})
        self.contractors: list[str] = []
        for i, name in enumerate(["聊城安居装饰工程有限公司", "东昌府区便民建筑队",
                                  "聊城无障碍设施安装有限公司"]):
            c = self.call("approver", "POST", "/contractors", {"name": name, "division": DISTRICT})
            self.contractors.append(c["id"])
            self.role(f"contractor{i}", "renovation", "contractor", company=c["id"],
                      sub=f"sim-contractor-{i}")
        catalogue = self.call("approver", "GET", "/catalogue")["items"]
        self.prices = {item["code"]: item["unit_price_fen"] for item in catalogue}
        self.checklist = self.call("assessor", "GET", "/catalogue/checklist")["areas"]
        log(f"district seeded: {len(units)} units at {len(self.stations)} stations, "
            f"{cfg.households} households, {len(self.volunteers)} volunteers, programme "
            f"{self.budget / 100:,.0f} yuan, {len(self.contractors)} contractors")

    # -- the plan of the year -----------------------------------------------------------
    def plan(self) -> None:
        cfg, rng, days = self.cfg, self.rng, self.days
        shares = [(key, share) for key, _iso, share in TYPES]
        self.rentals: list[Rental] = []
        last_start = max(1, days - 7)
        for i, day in enumerate(sorted(rng.randrange(0, last_start) for _ in range(cfg.rentals))):
            key = rng.choices([k for k, _ in shares], [s for _, s in shares])[0]
            length = rng.randint(7, 45)
            r = Rental(idx=i, day=day, type_key=key, station=rng.randrange(len(self.stations)),
                       borrower=rng.randrange(cfg.households), days=length,
                       method=rng.choice(METHODS), delivery=rng.random() < 0.12,
                       late_payer=rng.random() < 0.10, damage=rng.random() < 0.05,
                       reversal=rng.random() < 0.01)
            end = day + length
            if rng.random() < 0.2:  # extended three days before the due date
                r.extend_day = max(day + 1, end - 3)
                r.extend_by = rng.randint(7, 30)
                end += r.extend_by
            if rng.random() < 0.12:  # brought back late
                end += rng.randint(1, 15)
            if rng.random() < 0.02:
                r.end = "lost"
            r.end_day = end
            if r.late_payer:
                r.pay_day = day + rng.randint(10, 40)
            self.rentals.append(r)
        #: day -> (action, rental, the rental's start day it was planned for)
        self.by_day: dict[int, list[tuple[str, Rental, int]]] = defaultdict(list)
        self.plan_lock = threading.Lock()
        #: waiting-list entry id -> the rental waiting for a unit
        self.waiting: dict[str, Rental] = {}
        for r in self.rentals:
            self.by_day[r.day].append(("checkout", r, r.day))
            self.schedule(r)
        # renovation: cases start over the first three quarters of the period
        self.cases: list[Case] = []
        span = max(2, int(days * 0.7))
        fates = (["terminate"] * cfg.terminations + ["withdraw"] * cfg.withdrawals
                 + ["normal"] * (cfg.cases - cfg.terminations - cfg.withdrawals))
        for i, start in enumerate(sorted(rng.randrange(1, span) for _ in range(cfg.cases))):
            lines = [{"item_code": c, "quantity": q}
                     for c, q in rng.sample(PLAN_CHOICES, rng.randint(2, 4))]
            case = Case(idx=i, start=start, household=i, lines=lines, next_day=start,
                        contractor=rng.randrange(len(self.contractors)),
                        fail_first=rng.random() < 0.15)
            self.cases.append(case)
        for case, fate in zip(rng.sample(self.cases, len(self.cases)), fates, strict=True):
            case.fate = fate
        self.recall_day = int(days * 0.4)
        self.lift_day = int(days * 0.6)
        self.stocktake_days = {int(days * 0.3): 0, int(days * 0.8): 1}

    def schedule(self, r: Rental) -> None:
        """The actions after a rental's check-out on day ``r.day``: extension, return or
        loss, a late payment (those after the last day are not done, as for any loan)."""
        days = self.days
        with self.plan_lock:
            if r.extend_day is not None and r.extend_day < days:
                self.by_day[r.extend_day].append(("extend", r, r.day))
            if r.end_day is not None and r.end_day < days:
                self.by_day[r.end_day].append((r.end, r, r.day))
            if r.pay_day is not None:
                self.by_day[min(r.pay_day, days - 1)].append(("pay_late", r, r.day))

    # -- rentals --------------------------------------------------------------------------
    def pay(self, r: Rental, kind: str, amount: int, method: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"kind": kind, "amount_fen": amount}
        if kind != "damage_deduction":
            body["method"] = method or r.method
            if body["method"] != "cash":
                body["reference"] = f"{body['method'][:2].upper()}{uuid.uuid4().hex[:16]}"
        entry = self.call(f"clerk{r.station}", "POST", f"/rentals/{r.id}/payments", body)
        assert entry["number"].startswith(f"SJ-{DISTRICT}-"), entry["number"]
        self.ledger.add(r.station, self.month_of(), kind, amount)
        self.count(f"payments: {kind}")
        return dict(entry)

    def pay_fee_due(self, r: Rental) -> None:
        owed = r.fee_due - r.fee_paid
        if owed > 0:
            self.pay(r, "fee", owed)
            r.fee_paid += owed

    def rental_day(self, actions: list[tuple[str, Rental, int]]) -> None:
        for action, r, planned_for in actions:
            if action == "checkout":
                self.checkout(r)
            elif r.status != "active" or planned_for != r.day:  # moved by waiting
                continue
            elif action == "extend":
                self.extend(r)
            elif action == "return":
                self.give_back(r)
            elif action == "lost":
                self.lose(r)
            elif action == "pay_late":
                self.pay_fee_due(r)
                self.count("late payers paid")

    def checkout(self, r: Rental) -> None:
        clerk = f"clerk{r.station}"
        due = self.today + timedelta(days=r.days)
        for attempt in range(8):
            borrower = self.borrowers[(r.borrower + attempt * 37) % len(self.borrowers)]
            body = {"station_id": self.stations[r.station], "borrower_id": borrower,
                    "type_id": self.types[r.type_key]["id"], "due_on": due.isoformat(),
                    "home_delivery": r.delivery}
            try:
                got = self.call(clerk, "POST", "/rentals", body, tolerate=(409,))
                break
            except Refused as refusal:
                # no unit of the type free: the household joins the waiting list; only
                # recalled ones: it goes away; a borrower refused (an overdue loan): the
                # next household comes in
                state = _state(refusal.body)
                self.count(f"check-outs refused: {state} ({_detail(refusal.body)})")
                if state == "none_available":
                    self.join_waitlist(r, borrower)
                    return
                if state == "recalled":
                    r.status = "refused"
                    return
        else:
            r.status = "refused"
            return
        self.lent(r, got, due)

    def join_waitlist(self, r: Rental, borrower: str) -> None:
        try:
            entry = self.call(f"clerk{r.station}", "POST", "/waitlist", {
                "station_id": self.stations[r.station], "type_id": self.types[r.type_key]["id"],
                "borrower_id": borrower}, tolerate=(409, 422))
        except Refused as refusal:  # already in this line (another planned loan), blocked
            self.count(f"waiting list refused: {_state(refusal.body)} "
                       f"({_detail(refusal.body)})")
            r.status = "refused"
            return
        r.status = "waiting"
        with self.plan_lock:
            self.waiting[str(entry["id"])] = r
        self.count("households joined the waiting list")

    def serve_waitlist(self, day: int) -> None:
        """Each morning the clerks read the lines of the types with households waiting and
        lend each unit held for one of them (the loan as planned, from today on)."""
        lines = sorted({(r.station, r.type_key) for r in self.waiting.values()})
        jobs: list[Callable[[], Any]] = []
        for station, key in lines:
            line = self.call(f"clerk{station}", "GET", f"/waitlist?station_id="
                             f"{self.stations[station]}&type_id={self.types[key]['id']}")
            for entry in line:
                r = self.waiting.get(str(entry["id"]))
                if r is not None and entry["status"] == "held":
                    jobs.append(partial(self.checkout_held, r, entry, day))
        self.parallel(jobs)

    def checkout_held(self, r: Rental, entry: dict[str, Any], day: int) -> None:
        clerk = f"clerk{r.station}"
        with self.plan_lock:
            del self.waiting[str(entry["id"])]
        due = self.today + timedelta(days=r.days)
        body = {"station_id": self.stations[r.station], "borrower_id": entry["borrower_id"],
                "reservation_id": entry["reservation_id"], "due_on": due.isoformat(),
                "home_delivery": r.delivery}
        try:
            got = self.call(clerk, "POST", "/rentals", body, tolerate=(409,))
        except Refused as refusal:  # e.g. the household now has an overdue loan
            self.count(f"waiting-list check-outs refused: {_state(refusal.body)} "
                       f"({_detail(refusal.body)})")
            self.call(clerk, "POST", f"/waitlist/{entry['id']}/cancel")
            r.status = "refused"
            return
        # the plan moves by the days waited: extension, return, late payment
        waited = day - r.day
        r.day = day
        r.end_day = None if r.end_day is None else r.end_day + waited
        r.extend_day = None if r.extend_day is None else r.extend_day + waited
        r.pay_day = None if r.pay_day is None else r.pay_day + waited
        self.schedule(r)
        self.lent(r, got, due)
        self.count("rentals from the waiting list")
        self.count("days waited on the waiting list", waited)

    def lent(self, r: Rental, got: dict[str, Any], due: date) -> None:
        clerk = f"clerk{r.station}"
        assert got["number"].startswith(f"ZL-{DISTRICT}-"), got["number"]
        r.id, r.status, r.due_on = got["id"], "active", due
        r.fee_due, r.deposit = got["fee_fen"], got["deposit_fen"]
        self.count("rentals checked out")
        if r.delivery:
            self.count("rentals with home delivery")
        if r.deposit:
            self.pay(r, "deposit", r.deposit)
        if r.fee_due and r.reversal:  # a wrong amount keyed in, reversed, keyed again
            wrong = self.pay(r, "fee", max(1, r.fee_due // 2))
            self.call(clerk, "POST", f"/payments/{wrong['id']}/reverse",
                      {"reason": "金额录入错误，冲正后重新收取"})
            self.ledger.add(r.station, self.month_of(), "fee", -max(1, r.fee_due // 2))
            self.count("payments reversed")
        if r.fee_due and not r.late_payer:
            self.pay_fee_due(r)

    def extend(self, r: Rental) -> None:
        assert r.due_on is not None
        new_due = r.due_on + timedelta(days=r.extend_by)
        max_days = self.types[r.type_key].get("max_rental_days") or 90
        start = self.start + timedelta(days=r.day)
        if (new_due - start).days > max_days:
            new_due = start + timedelta(days=max_days)
        if new_due <= r.due_on:
            return
        got = self.call(f"clerk{r.station}", "POST", f"/rentals/{r.id}/extend",
                        {"due_on": new_due.isoformat()})
        r.due_on, r.fee_due = new_due, got["fee_fen"]
        self.count("rentals extended")
        if not r.late_payer:
            self.pay_fee_due(r)

    def give_back(self, r: Rental, condition: str | None = None) -> None:
        charge = 2_000 if r.damage and r.deposit >= 2_000 else 0
        body: dict[str, Any] = {"condition": condition or ("C" if r.damage else "B")}
        if r.deposit:
            body |= {"refund_method": r.method, "damage_charge_fen": charge}
            if r.method != "cash":
                body["refund_reference"] = f"RF{uuid.uuid4().hex[:16]}"
        self.call(f"clerk{r.station}", "POST", f"/rentals/{r.id}/return", body)
        r.status = "returned"
        month = self.month_of()
        if r.deposit:
            self.ledger.add(r.station, month, "deposit_refund", r.deposit - charge)
            if charge:
                self.ledger.add(r.station, month, "damage_deduction", charge)
                self.count("damage charges")
        assert r.due_on is not None
        self.count("rentals returned")
        if self.today > r.due_on:
            self.count("rentals returned late")
        if r.late_payer and r.pay_day is not None and r.pay_day <= (self.today - self.start).days:
            self.pay_fee_due(r)

    def lose(self, r: Rental) -> None:
        self.call(f"clerk{r.station}", "POST", f"/rentals/{r.id}/lost",
                  {"reason": "借用人报失：搬家途中遗失"})
        r.status = "lost"
        self.count("rentals lost")
        if r.deposit:
            self.pay(r, "damage_deduction", r.deposit)
        self.pay_fee_due(r)

    def release_cleaned(self) -> None:
        """Each morning the clerks put the units whose cleaning buffer is over back on the
        shelf (the scheduler's cleaning-release runs on the wall clock, every 5 min)."""
        jobs: list[Callable[[], Any]] = []
        for i, sid in enumerate(self.stations):
            for unit in self.pages(f"clerk{i}", f"/units?station_id={sid}&status=cleaning"):
                jobs.append(partial(self._cleaned, i, unit["id"]))
        self.parallel(jobs)

    def _cleaned(self, station: int, unit_id: str) -> None:
        try:
            self.call(f"clerk{station}", "POST", f"/units/{unit_id}/cleaned", tolerate=(409,))
            self.count("units cleaned and back on the shelf")
        except Refused:
            pass  # its buffer is not over yet: tomorrow

    # -- recall and stocktakes ------------------------------------------------------------
    def place_recall(self) -> None:
        recall = self.call("inv-staff", "POST", "/recalls", {
            "type_id": self.types["WF"]["id"], "batch": RECALL_BATCH,
            "reason": "厂家召回：折叠锁扣可能失效"})
        self.recall_id = recall["id"]
        out = self.pages("inv-staff", f"/recalls/{self.recall_id}/units-out")
        by_id = {r.id: r for r in self.rentals if r.id}
        recovered = 0
        for row in out:
            r = by_id.get(str(row.get("rental_id")))
            if r is not None and r.status == "active":
                self.give_back(r, condition="B")
                recovered += 1
        self.count("recalls placed")
        self.count("recalled units brought back", recovered)
        log(f"recall of batch {RECALL_BATCH}: {len(out)} units out, {recovered} brought back")

    def lift_recall(self) -> None:
        self.call("inv-staff", "POST", f"/recalls/{self.recall_id}/lift",
                  {"reason": "厂家更换锁扣后检验合格"})
        self.count("recalls lifted")

    def stocktake(self, n: int) -> None:
        station = n % len(self.stations)
        sid = self.stations[station]
        clerk = f"clerk{station}"
        units = self.pages(clerk, f"/units?station_id={sid}")
        on_shelf = [u for u in units if u["status"] in
                    ("available", "reserved", "cleaning", "maintenance")]
        missing = on_shelf[0] if n == 0 and on_shelf else None  # first count: one is gone
        take = self.call(clerk, "POST", "/stocktakes", {"station_id": sid})
        scans = [u["asset_tag"] for u in on_shelf if u is not missing]
        self.parallel([partial(self.call, clerk, "POST", f"/stocktakes/{take['id']}/scans",
                               {"tag": t}) for t in scans])
        closed = self.call(clerk, "POST", f"/stocktakes/{take['id']}/close")
        report = closed.get("report") or closed
        got_missing = [m["unit_id"] for m in report["missing"]]
        want = [missing["id"]] if missing else []
        if got_missing != want:
            self.failures.append(f"stocktake {n + 1}: missing {got_missing}, expected {want}")
        for unit_id in got_missing:
            self.call(f"super{station}", "POST", f"/stocktakes/{take['id']}/corrections",
                      {"unit_id": unit_id, "action": "write_off",
                       "reason": "盘点未找到，报失核销"})
            self.count("units written off at a stocktake")
        self.count("stocktakes closed")
        self.count("units scanned", len(scans))
        log(f"stocktake {n + 1} at station {station + 1}: {len(scans)} scanned, "
            f"missing {len(got_missing)}")

    # -- renovation -------------------------------------------------------------------------
    def case_step(self, c: Case) -> None:
        day = (self.today - self.start).days
        if c.stage == "apply":
            app = self.call("approver", "POST", "/applications", {
                "programme_id": self.programme["id"], "certificate": self.certificates[c.household],
                "holder_name": _name(c.household), "address":
                f"聊城市东昌府区古楼街道光岳路{c.household + 1}号", "division": DISTRICT,
                "phone": f"1386350{c.household:04d}", "hardship": "dibao", "consent": True})
            c.app_id = app["id"]
            assert app["number"].startswith(f"GZ-{DISTRICT}-"), app["number"]
            self.call("approver", "POST", f"/applications/{c.app_id}/accept")
            at = datetime.combine(self.today + timedelta(days=2), dtime(8), CHINA_TZ)
            self.call("assessor", "PUT", f"/applications/{c.app_id}/assessment",
                      {"assessor": "staff-li", "scheduled_at": at.isoformat()})
            self.count("renovation applications")
            c.stage, c.next_day = "assess", day + 2
        elif c.stage == "assess":
            self.call("assessor", "POST", f"/applications/{c.app_id}/assessment/complete", {
                "findings": {"bathroom": "蹲便，无扶手", "entrance": "门口有台阶"},
                "checklist": {a["code"]: {f["code"]: "no" for f in a["findings"]}
                              for a in self.checklist},
                "needs": ["如厕安全", "轮椅出入"]})
            self.call("assessor", "PUT", f"/applications/{c.app_id}/plan", {"lines": c.lines})
            self.call("assessor", "POST", f"/applications/{c.app_id}/plan/confirm",
                      {"signatory": _name(c.household)})
            approved = self.call("approver", "POST", f"/applications/{c.app_id}/plan/approve")
            c.plan_total = approved["plan"]["total_fen"]
            expected = sum(round(self.prices[line["item_code"]] * float(line["quantity"]))
                           for line in c.lines)
            if c.plan_total != expected:
                self.failures.append(f"case {c.idx}: plan total {c.plan_total} != {expected}")
            self.count("plans approved")
            self.assign(c)
            c.stage, c.next_day = "accept", day + 2
        elif c.stage == "accept":
            assert c.order is not None
            who, oid = f"contractor{c.contractor}", c.order["id"]
            self.call(who, "POST", f"/work-orders/{oid}/accept")
            self.call(who, "POST", f"/work-orders/{oid}/schedule", {
                "start_on": self.today.isoformat(),
                "end_on": (self.today + timedelta(days=10)).isoformat()})
            if c.fate in ("terminate", "withdraw") and not c.order.get("predecessor_id"):
                items = c.order["items"]
                self.call(who, "POST", f"/work-orders/{oid}/progress",
                          {"note": "部分完工", "percent": 40, "items_done": items[:1]})
                c.stage, c.next_day = c.fate, day + 3
            else:
                c.stage, c.next_day = "complete", day + 5
        elif c.stage == "terminate":
            assert c.order is not None
            done = self.call("approver", "POST", f"/work-orders/{c.order['id']}/terminate", {
                "kind": "bankruptcy", "reason": "施工单位停业，无法继续施工"})
            c.terminated_cost += done.get("cost_incurred_fen") or 0
            self.count("work orders terminated")
            c.contractor = (c.contractor + 1) % len(self.contractors)
            self.assign(c)
            if not c.order.get("predecessor_id"):
                self.failures.append(f"case {c.idx}: the new order has no predecessor")
            if sorted(c.order["items"]) == sorted(line["item_code"] for line in c.lines):
                self.failures.append(f"case {c.idx}: reassigned order repeats done items")
            self.count("work orders reassigned")
            c.stage, c.next_day = "accept", day + 2
        elif c.stage == "withdraw":
            got = self.call("approver", "POST", f"/applications/{c.app_id}/withdraw", {
                "reason": "户主随子女迁居外地", "kind": "moved"})
            c.withdrawn_cost = c.plan_total - (got.get("released_fen") or 0)
            self.count("cases withdrawn")
            c.stage = "done"
        elif c.stage == "complete":
            assert c.order is not None
            who, oid = f"contractor{c.contractor}", c.order["id"]
            self.call(who, "POST", f"/work-orders/{oid}/progress",
                      {"note": "全部完工", "percent": 100, "items_done": c.order["items"]})
            self.call(who, "POST", f"/work-orders/{oid}/complete")
            self.count("works completed")
            c.stage, c.next_day = "inspect", day + 3
        elif c.stage == "inspect":
            assert c.order is not None
            oid = c.order["id"]
            if c.fail_first and not c.failed_once:
                got = self.call("inspector", "POST", f"/work-orders/{oid}/inspection",
                                {"passed": False, "defects": ["扶手松动"]})
                assert got["status"] == "rework", got["status"]
                c.failed_once = True
                self.count("inspections failed (rework)")
                c.stage, c.next_day = "complete", day + 4
            else:
                got = self.call("inspector", "POST", f"/work-orders/{oid}/inspection",
                                {"passed": True})
                assert got["status"] == "closed", got["status"]
                self.count("inspections passed")
                c.stage, c.next_day, c.fallback_day = "await_close", day + 1, day + 14
        elif c.stage == "await_close":
            status = self.call("approver", "GET", f"/applications/{c.app_id}")["status"]
            if status == "closed":
                c.stage, c.closed_by = "done", "volunteer"
                self.count("cases closed")
            elif day >= c.fallback_day:
                assert c.order is not None
                self.call("approver", "POST", f"/work-orders/{c.order['id']}/satisfaction",
                          {"score": 4, "comment": "电话回访：满意"})
                c.stage, c.closed_by = "done", "staff"
                self.count("cases closed")
                self.count("satisfaction taken by staff (no visit)")
            else:
                c.next_day = day + 1

    def assign(self, c: Case) -> None:
        c.order = self.call("approver", "POST", f"/applications/{c.app_id}/work-orders",
                            {"contractor_id": self.contractors[c.contractor]})
        assert c.order is not None
        self.count("work orders assigned")

    # -- volunteers ---------------------------------------------------------------------------
    def dispatch_open_tasks(self, day: int) -> None:
        """The coordinator offers every open task; the volunteers accept and check in now
        and check out an hour and a half later (the clock moves on)."""
        tasks = self.pages("coordinator", f"/tasks?state=open&division={DISTRICT}")
        on_site: list[tuple[str, str, dict[str, Any]]] = []
        for task in tasks:
            try:
                offered = self.call("coordinator", "POST", f"/tasks/{task['id']}/offer", {},
                                    tolerate=(409, 422))
            except Refused as refusal:
                if task["id"] not in self.unoffered:
                    self.unoffered.add(task["id"])
                    self.count(f"tasks without a candidate on first offer: {task['type']} "
                               f"({_detail(refusal.body)})")
                continue
            vid = offered["offers"][-1]["volunteer_id"]
            key = f"vol-{vid}"
            if key not in self._tokens:
                self.role(key, "volunteer", "volunteer", volunteer_id=vid, sub=f"sim-vol-{vid}")
            tid = task["id"]
            try:
                self.call(key, "POST", f"/tasks/{tid}/accept", tolerate=(409,))
            except Refused:
                self.call("coordinator", "POST", f"/tasks/{tid}/withdraw", {},
                          ok=(200, 201), tolerate=(409,))
                self.count("offers declined (busy)")
                continue
            self.call(key, "POST", f"/tasks/{tid}/check-in")
            on_site.append((key, tid, task))
        if not on_site:
            return
        self.set_day(day, 10, 30)
        for key, tid, task in on_site:
            result = ({"result": {"score": 5, "comment": "很满意"}}
                      if task["type"] == "satisfaction_visit" else {})
            self.call(key, "POST", f"/tasks/{tid}/check-out", result)
            self.count(f"volunteer tasks done: {task['type']}")

    def approve_hours(self) -> None:
        pending = self.pages("coordinator", "/hours?status=pending")
        for entry in pending:
            # a flagged entry (overlapping visits of one day) needs a second person: staff
            who = "coordinator" if entry.get("may_approve") else "vol-staff"
            try:
                self.call(who, "POST", f"/hours/{entry['id']}/approve", tolerate=(409,))
                self.count("volunteer hours entries approved"
                           + (" (flagged, by staff)" if who == "vol-staff" else ""))
            except Refused as refusal:
                self.count(f"volunteer hours not approved: {_detail(refusal.body)}")

    # -- the year ---------------------------------------------------------------------------
    def run(self) -> None:
        self.plan()
        log(f"walking {self.days} days from {self.start}: {len(self.rentals)} rentals, "
            f"{len(self.cases)} renovation cases planned")
        for day in range(self.days):
            self.set_day(day)
            self.release_cleaned()
            if day == self.recall_day:
                self.place_recall()
            if day == self.lift_day:
                self.lift_recall()
            if day in self.stocktake_days:
                self.stocktake(self.stocktake_days[day])
            self.serve_waitlist(day)
            per_rental: dict[int, list[tuple[str, Rental, int]]] = defaultdict(list)
            for action, r, planned_for in self.by_day.get(day, []):
                per_rental[r.idx].append((action, r, planned_for))
            jobs: list[Callable[[], Any]] = [
                partial(self.rental_day, a) for a in per_rental.values()]
            jobs += [partial(self.case_step, c) for c in self.cases
                     if c.stage != "done" and c.next_day <= day]
            self.parallel(jobs)
            self.dispatch_open_tasks(day)
            tomorrow = self.start + timedelta(days=day + 1)
            if tomorrow.day == 1:
                self.approve_hours()
                log(f"{self.today:%Y-%m} done: {dict(sorted(self._brief().items()))}")
        if self.waiting:
            self.count("households still on the waiting list at the end", len(self.waiting))
        self.finish_cases()

    def finish_cases(self) -> None:
        """After the last day: the cases still in works are carried on (the clock keeps
        moving on) until each is closed or withdrawn, at most 60 more days."""
        day = self.days
        while any(c.stage != "done" for c in self.cases) and day < self.days + 60:
            self.set_day(day)
            self.parallel([partial(self.case_step, c) for c in self.cases
                           if c.stage != "done" and c.next_day <= day])
            self.dispatch_open_tasks(day)
            day += 1
        self.extra_days = day - self.days

    def _brief(self) -> Counter[str]:
        keys = ("rentals checked out", "rentals returned", "renovation applications",
                "cases closed", "http calls")
        return Counter({k: self.counts[k] for k in keys})

    # -- the checks -----------------------------------------------------------------------
    def check(self) -> list[str]:
        lines: list[str] = []
        months = [self.month_of(_add_months(self.start, m)) for m in range(self.cfg.months)]
        totals: Counter[str] = Counter()
        for i, sid in enumerate(self.stations):
            for month in months:
                s = self.call("inv-staff", "GET",
                              f"/reports/settlement?station_id={sid}&month={month}")
                mine = self.ledger.sums.get((i, month), Counter())
                fees, deps = s["fees_fen"], s["deposits_fen"]
                refunds, deds = s["refunds_fen"], s["deductions_fen"]
                ok = (s["balanced"] and s["receipts_fen"] == fees + deps - refunds
                      and sum(s["by_method"].values()) == s["receipts_fen"]
                      and s["deposit_held_opening_fen"] + deps - refunds - deds
                      == s["deposit_held_closing_fen"])
                same = (fees, deps, refunds, deds) == (
                    mine["fee"], mine["deposit"], mine["deposit_refund"], mine["damage_deduction"])
                if not ok:
                    self.failures.append(f"settlement {month} station {i + 1} not balanced: {s}")
                if not same:
                    self.failures.append(
                        f"settlement {month} station {i + 1} differs from the script's ledger: "
                        f"api fees/deposits/refunds/deductions {fees}/{deps}/{refunds}/{deds}, "
                        f"ledger {mine['fee']}/{mine['deposit']}/{mine['deposit_refund']}/"
                        f"{mine['damage_deduction']}")
                totals.update({"fees": fees, "deposits": deps, "refunds": refunds,
                               "deductions": deds, "receipts": s["receipts_fen"],
                               "entries": s["entry_count"], "balanced": int(ok and same)})
        n_settlements = len(months) * len(self.stations)
        c = self.counts
        lines.append(f"rentals lent: {c['rentals checked out']} of {len(self.rentals)} planned, "
                     f"{c['rentals from the waiting list']} of them from the waiting list "
                     f"({c['households joined the waiting list']} households joined it, "
                     f"{c['households still on the waiting list at the end']} still on it "
                     f"at the end)")
        lines.append(f"settlements balanced to the fen and equal to the script's ledger: "
                     f"{totals['balanced']}/{n_settlements} (entries {totals['entries']}, "
                     f"receipts {_yuan(totals['receipts'])} = fees {_yuan(totals['fees'])} + "
                     f"deposits {_yuan(totals['deposits'])} - refunds {_yuan(totals['refunds'])};"
                     f" deductions {_yuan(totals['deductions'])})")
        # the programme: spend + remaining = budget
        pid = self.programme["id"]
        report = self.call("approver", "GET", f"/programmes/{pid}/report")
        detail = self.call("approver", "GET", f"/programmes/{pid}")
        spent, open_c, carry = (report["spent_fen"], report["open_committed_fen"],
                                report["carry_over_fen"])
        want_spent = (sum(c.plan_total for c in self.cases if c.closed_by)
                      + sum(c.withdrawn_cost for c in self.cases if c.fate == "withdraw"))
        if spent + open_c + carry != self.budget or report["total_budget_fen"] != self.budget:
            self.failures.append(f"programme: spent {spent} + open {open_c} + remaining {carry}"
                                 f" != budget {self.budget}")
        if detail["committed_fen"] + detail["remaining_fen"] != self.budget:
            self.failures.append(f"programme: committed {detail['committed_fen']} + remaining "
                                 f"{detail['remaining_fen']} != budget {self.budget}")
        if spent != want_spent:
            self.failures.append(f"programme: spent {spent}, the script expects {want_spent}")
        lines.append(f"programme: spent {_yuan(spent)} + open {_yuan(open_c)} + remaining "
                     f"{_yuan(carry)} = budget {_yuan(self.budget)}; homes done "
                     f"{report['homes_done']}, withdrawn {report['withdrawn_cases']}")
        # no case stuck: every non-final case has a running deadline
        apps = self.pages("approver", f"/applications?programme_id={pid}")
        orders = self.pages("approver", "/work-orders")
        stuck = []
        for app in apps:
            if app["status"] in FINAL_CASE_STATES:
                continue
            live = [o for o in orders if o.get("application_id") == app["id"] and o.get("due_at")]
            if not live:
                stuck.append(f"{app['number']} ({app['status']})")
        if stuck:
            self.failures.append(f"cases stuck without a deadline: {stuck}")
        states = Counter(a["status"] for a in apps)
        lines.append(f"cases: {dict(states)}; stuck without a deadline: {len(stuck)}")
        # volunteer hours: the month's totals are the approved entries listed
        approved = self.pages("coordinator", "/hours?status=approved")
        listed: Counter[str] = Counter()
        for entry in approved:
            started = datetime.fromisoformat(entry["started_at"]).astimezone(CHINA_TZ)
            listed[started.strftime("%Y-%m")] += entry["minutes"]
        minutes = 0
        for month in sorted(set(months) | set(listed)):
            got = self.call("coordinator", "GET",
                            f"/hours/totals?group=volunteer&month={month}&status=approved")
            minutes += got["total_minutes"]
            if got["total_minutes"] != listed[month]:
                self.failures.append(
                    f"volunteer hours {month}: totals {got['total_minutes']} min, approved "
                    f"entries {listed[month]} min (e.g. {approved[:1]})")
        lines.append(f"volunteer service hours approved: {minutes / 60:.1f} h in "
                     f"{len(approved)} entries")
        return lines


def _detail(body: str) -> str:
    """A refusal's reason in short (its English part), to count refusals by kind."""
    try:
        detail = str(json.loads(body).get("detail", ""))
    except ValueError:
        return body[:60]
    english = detail[detail.find("(") + 1:detail.rfind(")")] if "(" in detail else detail
    return re.sub(r"[0-9A-Z-]{6,}|\d{4}-\d{2}-\d{2}", "…", english)[:60]


def _state(body: str) -> str:
    try:
        return str(json.loads(body).get("current_state", ""))
    except ValueError:
        return ""


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    return date(day.year + y, m + 1, 1)


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.2f} yuan"


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "秀英建国桂兰志强丽娟海燕玉兰春梅德明振华"


def _name(i: int) -> str:
    return (SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]
            + GIVEN[(i * 3 + 1) % len(GIVEN)])


def simulate(cfg: Config, work_dir: Path | None = None) -> tuple[bool, list[str], Counter[str]]:
    """Run the simulation on a cluster of its own; (all checks passed, summary lines,
    counts)."""
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="simyear-") as tmp:
        base = work_dir or Path(tmp)
        clock = base / "clock"
        clock.write_text("0\n")
        env = {"SVCKIT_CLOCK_FILE": str(clock), "GUNICORN_WORKERS": str(cfg.workers)}
        log(f"starting the native topology ({cfg})")
        with running_cluster(base / "cluster", extra_env=env) as cluster:
            started = time.monotonic()
            sim = Simulation(System(cluster), clock, cfg)
            try:
                sim.seed_district()
                sim.run()
                lines = sim.check()
            finally:
                sim.pool.shutdown(wait=True, cancel_futures=True)
            walked = time.monotonic() - started
    wall = time.monotonic() - began
    summary = [f"{cfg.months} months from {sim.start} (+{sim.extra_days} days to finish the "
               f"cases), seed {cfg.seed}", *lines]
    summary += [f"{k}: {v}" for k, v in sorted(sim.counts.items())]
    summary.append(f"wall time {wall:.0f} s (simulation {walked:.0f} s, cluster start and "
                   f"stop {wall - walked:.0f} s)")
    if sim.failures:
        summary += ["FAILED:", *sim.failures]
    return not sim.failures, summary, sim.counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true", help="the short version (2 months)")
    for name, default in FULL.__dict__.items():
        parser.add_argument(f"--{name}", type=int, default=None, help=f"default {default}")
    args = parser.parse_args(argv)
    cfg = SHORT if args.short else FULL
    cfg = replace(cfg, **{k: v for k, v in vars(args).items() if k != "short" and v is not None})
    from bench.kit import interruptible

    interruptible()
    ok, summary, _ = simulate(cfg)
    print("\n".join(["", "== year simulation ==", *summary]), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
