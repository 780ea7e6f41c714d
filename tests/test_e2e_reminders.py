"""Borrower reminders end to end over real processes (issue 15): the whole system in the
native topology, notify sending to the local SMS gateway (signature checked), every
process reading one injected clock (``SVCKIT_CLOCK_FILE``) that the test moves day by day,
so nobody sleeps days. A rental's reminders arrive at -3 days, on the due date, +1 and +7
days; an extension re-arms them; the return stops them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e_kit import DONGCHANGFU, WHEELCHAIR, System, find, new_certificate, running_cluster
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
    at(new_due + timedelta(days=7))
    seventh = expect(5, "seven days overdue")[4]
    assert seventh["template_code"] == "SMS_471504" and "志愿者将致电" in seventh["text"]

    # the return stops everything still armed
    clerk.post(f"/rentals/{rental['id']}/return", {"condition": "A"}, expect=200)
    time.sleep(3)
    at(new_due + timedelta(days=30))
    time.sleep(15)
    assert len(sms_to(gateway, phone)) == 5, sms_to(gateway, phone)
    # nothing personal beyond the phone it is sent to: the borrower's name is not in it
    assert all("赵提醒" not in m["text"] for m in sms_to(gateway, phone))
