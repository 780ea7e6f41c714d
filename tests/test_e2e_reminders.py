"""Borrower reminders end to end over real processes (issue 15): the whole system in the
native topology, notify sending to the local SMS gateway (signature checked), every
process reading one injected clock (``SVCKIT_CLOCK_FILE``) that the test moves day by day,
so nobody sleeps days. A rental's reminders arrive at -3 days, on the due date, +1 and +7
days; an extension re-arms them; the return stops them. The volunteers' phone call about
the overdue loan (an ``overdue_call`` task, read as a coordinator) is asked for only after
the 7-day reminder (which announces it), never at +1; the return closes it.

The inventory scheduler scans for overdue loans every 5 minutes; after each move of the
clock the test runs that scan once as a deployment's cron would (``python -m inventory job
overdue-scan``, a process of its own on the cluster's database, bus and clock), so that it
knows the scan has run at that moment."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e_kit import (
    DONGCHANGFU,
    WHEELCHAIR,
    Client,
    System,
    find,
    new_certificate,
    poll,
    running_cluster,
)
from notify.adapters.dev_sms_gateway import DevSmsGateway
from notify.domain.notifications import at_china
from svckit.domain.clock import set_file_clock
from svckit.testing import wait_until


def china_today() -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture(scope="module")
def gateway() -> Iterator[DevSmsGateway]:
    with DevSmsGateway() as g:
        yield g


@pytest.fixture(scope="module")
def clock_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clock") / "clock"
    path.write_text("0\n")
    return path


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory, gateway: DevSmsGateway,
           clock_file: Path) -> Iterator[System]:
    env = {"NOTIFY_SMS_ENDPOINT": gateway.url, "SVCKIT_CLOCK_FILE": str(clock_file)}
    with running_cluster(tmp_path_factory.mktemp("cluster"), extra_env=env) as cluster:
        yield System(cluster)


def sms_to(gateway: DevSmsGateway, phone: str) -> list[dict[str, Any]]:
    return [m for m in gateway.messages if phone in m["phones"]]


def overdue_scan(system: System) -> int:
    """The inventory's overdue scan, once, as cron runs it: how many rentals it raised
    ``rental.overdue`` for (the seed's own overdue loans count too)."""
    done = subprocess.run([sys.executable, "-m", "inventory", "job", "overdue-scan"],
                          env=system.cluster.env("inventory"), capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["job"] == "overdue-scan", result
    return int(result["changed"])


def call_tasks(coordinator: Client, rental_id: str) -> list[dict[str, Any]]:
    """The volunteers' overdue calls about one rental, whatever their state."""
    page = coordinator.get(f"/tasks?type=overdue_call&division={DONGCHANGFU}&page_size=100")
    assert page["total"] <= 100, page["total"]
    return [t for t in page["items"] if t["source"]["service"] == "inventory"
            and t["source"]["id"].split(":")[0] == rental_id]


def test_reminders_arrive_on_time_rearmed_by_extension_stopped_by_return(
        system: System, gateway: DevSmsGateway, clock_file: Path) -> None:
    staff = system.client("inventory", "staff")
    station = find(staff.get("/stations?page_size=100")["items"], division_code=DONGCHANGFU)
    wheelchair = find(staff.get("/device-types?page_size=100")["items"], iso_code=WHEELCHAIR)
    clerk = system.client("inventory", "clerk", stations=[station["id"]], name="王芳")
    phone = f"1390635{uuid.uuid4().int % 10_000:04d}"
    borrower = clerk.post("/borrowers", {
        "certificate_number": new_certificate(731), "name": "赵提醒", "phone": phone,
        "address": "聊城市东昌府区古楼街道提醒路1号", "division_code": DONGCHANGFU,
        "consent": True})
    tag = f"E2E-{uuid.uuid4().hex[:8].upper()}"
    unit = clerk.post("/units", {
        "asset_tag": tag, "serial": tag, "type_id": wheelchair["id"],
        "station_id": station["id"], "condition": "A", "acquisition": "donation",
        "acquired_on": date.today().isoformat(), "cost_fen": 0})
    today = china_today()
    due = today + timedelta(days=5)
    rental = clerk.post("/rentals", {"station_id": station["id"], "borrower_id": borrower["id"],
                                     "unit_id": unit["id"], "due_on": due.isoformat()})
    coordinator = system.client("volunteer", "coordinator", districts=[DONGCHANGFU],
                                sub=f"coordinator-{DONGCHANGFU}")

    def no_call_yet(when: str) -> None:
        """The scan has just run: the rental raised no call, and none reached volunteer
        (a few seconds for anything already on its way over the bus)."""
        assert clerk.get(f"/rentals/{rental['id']}")["overdue_noticed_at"] is None, when
        time.sleep(5)
        assert call_tasks(coordinator, rental["id"]) == [], when

    def at(day: date) -> None:
        """Every process's clock: 09:05 China time on ``day``."""
        set_file_clock(clock_file, at_china(day, 9, 5))

    def expect(count: int, what: str) -> list[dict[str, Any]]:
        assert wait_until(lambda: len(sms_to(gateway, phone)) >= count, timeout=120), \
            (what, sms_to(gateway, phone))
        got = sms_to(gateway, phone)
        assert len(got) == count, (what, got)
        return got

    # 3 days before the due date: the first reminder
    at(due - timedelta(days=3))
    first = expect(1, "due in 3 days")[0]
    assert first["template_code"] == "SMS_471501" and tag in first["text"], first
    assert "请按时归还" in first["text"] and "东昌府区" in first["text"]
    assert first["text"].startswith("【残联服务】")

    # extended by a week: the old due date passes in silence, the new one is reminded of
    new_due = due + timedelta(days=7)
    clerk.post(f"/rentals/{rental['id']}/extend", {"due_on": new_due.isoformat()},
               expect=200)
    time.sleep(3)  # the extension's event reaches notify before the clock moves on
    at(due)
    time.sleep(15)  # several sender passes (every 2 s) at the old due date
    assert len(sms_to(gateway, phone)) == 1, sms_to(gateway, phone)
    at(new_due - timedelta(days=3))
    again = expect(2, "due in 3 days, after the extension")[1]
    assert again["template_code"] == "SMS_471501" and again["params"] != first["params"]
    at(new_due)
    assert expect(3, "due today")[2]["template_code"] == "SMS_471502"
    at(new_due + timedelta(days=1))
    assert expect(4, "one day overdue")[3]["template_code"] == "SMS_471503"
    # overdue, reminded, and not yet a volunteer's call: the scan passes it by
    overdue_scan(system)
    no_call_yet("one day overdue")
    set_file_clock(clock_file, at_china(new_due + timedelta(days=7), 8, 30))
    overdue_scan(system)  # the morning of the 7th day, before the reminder's hour
    no_call_yet("seven days overdue, before the reminder")
    assert len(sms_to(gateway, phone)) == 4, sms_to(gateway, phone)

    at(new_due + timedelta(days=7))
    seventh = expect(5, "seven days overdue")[4]
    assert seventh["template_code"] == "SMS_471504" and "志愿者将致电" in seventh["text"]
    # the call the reminder announced: an open task on the coordinators' board
    overdue_scan(system)
    noticed = clerk.get(f"/rentals/{rental['id']}")["overdue_noticed_at"]
    assert noticed is not None
    assert datetime.fromisoformat(noticed) >= at_china(new_due + timedelta(days=7), 9, 0)
    [call] = poll(lambda: call_tasks(coordinator, rental["id"]), timeout=120,
                  what="the overdue call task")
    assert call["type"] == "overdue_call" and call["state"] == "open", call
    assert call["source"] == {"service": "inventory", "kind": "overdue_call",
                              "id": f"{rental['id']}:{new_due.isoformat()}"}, call
    assert call["division"] == DONGCHANGFU and "逾期7天" in call["note"], call
    asked_from = at_china(new_due + timedelta(days=7), 9, 0)  # the reminder's hour
    assert datetime.fromisoformat(call["window_start"]) >= asked_from, call
    assert datetime.fromisoformat(call["created_at"]) >= asked_from, call  # volunteer's clock
    assert phone not in json.dumps(call, ensure_ascii=False), call  # masked, not in clear
    assert call["closing_reason"] is None and "offer" in call["allowed_actions"], call

    # the return stops everything still armed and closes the call
    clerk.post(f"/rentals/{rental['id']}/return", {"condition": "A"}, expect=200)
    closed = poll(lambda: (t := coordinator.get(f"/tasks/{call['id']}"))["state"] == "closed"
                  and t, timeout=120, what="the call closed by the return")
    assert closed["closing_reason"] == "已自动关闭：设备已归还 (the device was returned)", closed
    assert closed["assignee_id"] is None and closed["allowed_actions"] == [], closed
    time.sleep(3)
    at(new_due + timedelta(days=30))
    overdue_scan(system)  # a returned rental raises nothing any more
    time.sleep(15)
    assert len(sms_to(gateway, phone)) == 5, sms_to(gateway, phone)
    assert [t["state"] for t in call_tasks(coordinator, rental["id"])] == ["closed"]
    # nothing personal beyond the phone it is sent to: the borrower's name is not in it
    assert all("赵提醒" not in m["text"] for m in sms_to(gateway, phone))
