"""PIPL: no unmasked certificate number, citizen ID number, mobile number, full name or home
address in any log line or any broker message of the end-to-end flows.

The flows run on the native cluster (gunicorn APIs, relays, consumers, schedulers) with
values the test chose, so it can look for exactly those values as well as for anything
shaped like them (:func:`svckit.pii.find_pii`). A tap queue bound to the events exchange
with ``#`` sees every event. The test also checks that the flows did produce log lines
and events and that the masked forms of its values are in them, so it cannot pass on
empty input.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from e2e_kit import (
    DONGCHANGFU,
    WHEELCHAIR,
    Client,
    Renovation,
    System,
    dispatch_and_complete,
    find,
    poll,
    task_for,
)
from kombu import Connection, Queue
from svckit.domain.certificate import make_certificate, mask, mask_phone
from svckit.domain.clock import china_date, utcnow
from svckit.messaging.topology import events_exchange
from svckit.pii import Finding, find_pii, redact
from svckit.testing import AMQP_URL

# -- the scanner on its own -------------------------------------------------------------
CERT = make_certificate("37150219800101001", 4, 2)  # 18-char ID + category 4 + grade 2
CITIZEN_ID = CERT[:18]


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.value) for f in find_pii(text)]


def test_scanner_finds_planted_values() -> None:
    line = json.dumps({"message": f"borrower {CERT} phone 13806351234 id {CITIZEN_ID}"},
                      ensure_ascii=False)
    assert kinds(line) == [("certificate", CERT), ("phone", "13806351234"),
                           ("citizen_id", CITIZEN_ID)]
    assert kinds(f"手机：13906350000，证号{CERT}。") == [("phone", "13906350000"),
                                                     ("certificate", CERT)]
    assert kinds(f"?phone=15806350000&q={CITIZEN_ID.lower()}") == [
        ("phone", "15806350000"), ("citizen_id", CITIZEN_ID.lower())]
    x_id = make_certificate("11010519491231002", 1, 1)[:18]
    if x_id.endswith("X"):  # an ID with the check character X is found too
        assert kinds(x_id) == [("citizen_id", x_id)]


def test_scanner_ignores_masked_and_lookalikes() -> None:
    masked = f"{mask(CERT)} {mask_phone('13806351234')} {mask(CITIZEN_ID)}"
    assert find_pii(masked) == []
    assert find_pii("12806351234 138063512345 0.13806351234 ts=1713806351234") == []
    # 20 digits with an impossible birth date or a wrong check character: not an ID
    assert find_pii("37150219801301001042") == []
    wrong_check = CITIZEN_ID[:17] + ("0" if CITIZEN_ID[17] != "0" else "1")
    assert find_pii(wrong_check) == []
    assert find_pii(uuid.uuid4().hex) == []
    assert find_pii(f"a{CERT}") == []  # part of a longer token
    assert find_pii("request_id=16257955612e407c9c08922ffe9e5f62") == []  # hex id


def test_redact_masks_in_place() -> None:
    text = f"GET /borrowers?phone=13806351234&cert={CERT} HTTP/1.1"
    assert redact(text) == (f"GET /borrowers?phone=138****1234&cert={mask(CERT)} HTTP/1.1")
    assert find_pii(redact(text)) == []
    clean = "nothing to see 2025-01-01"
    assert redact(clean) is clean


def test_finding_context_for_messages() -> None:
    text = "电" * 100 + "13806351234" + "话" * 100
    [f] = find_pii(text)
    assert f == Finding("phone", "13806351234", 100)
    assert f.context(text, 5) == "电电电电电13806351234话话话话话"


# -- the flows ------------------------------------------------------------------------
class Tap:
    """An exclusive, auto-deleted queue bound to the events exchange with ``#``."""

    def __init__(self, prefix: str) -> None:
        self.conn = Connection(AMQP_URL, connect_timeout=5)
        self.channel = self.conn.channel()
        self.queue = Queue(f"{prefix}pii-tap.{uuid.uuid4().hex[:6]}",
                           exchange=events_exchange(prefix), routing_key="#",
                           exclusive=True, auto_delete=True, durable=False)
        self.queue(self.channel).declare()
        self.messages: list[dict[str, Any]] = []

    def drain(self) -> list[dict[str, Any]]:
        bound = self.queue(self.channel)
        while (msg := bound.get(no_ack=True)) is not None:
            self.messages.append({
                "routing_key": msg.delivery_info.get("routing_key"),
                "headers": dict(msg.headers or {}),
                "properties": {k: v for k, v in msg.properties.items()
                               if k != "application_headers"},
                "body": msg.body.decode("utf-8") if isinstance(msg.body, bytes) else msg.body,
            })
        return self.messages

    def routing_keys(self) -> set[str]:
        return {m["routing_key"] for m in self.drain()}

    def close(self) -> None:
        self.conn.release()


def login(system: System, username: str) -> Client:
    base = system.cluster.base_url("identity")
    r = requests.post(f"{base}/login", timeout=30,
                      json={"username": username, "password": "liaocheng-2025"})
    assert r.status_code == 200, r.text
    return Client(system.cluster.base_url("inventory"), r.json()["access_token"])


def rental_flow(system: System, values: dict[str, str]) -> None:
    """A clerk (logged in through identity) registers a borrower, lends a wheelchair with
    home delivery, a volunteer delivers it, later picks it up, the clerk takes it back."""
    clerk = login(system, "clerk-dcf")
    staff = system.client("inventory", "staff")
    station = find(staff.get("/stations?page_size=100")["items"], division_code=DONGCHANGFU)
    borrower = clerk.post("/borrowers", {
        "certificate_number": values["borrower_certificate"], "name": values["borrower_name"],
        "phone": values["borrower_phone"], "address": values["borrower_address"],
        "division_code": DONGCHANGFU, "consent": True})
    # Registering the same person twice is refused (the database's unique constraint, whose
    # message carries the value, must not reach the log).
    clerk.call("POST", "/borrowers", expect=409, json={
        "certificate_number": values["borrower_certificate"], "name": values["borrower_name"],
        "phone": values["borrower_phone"], "address": values["borrower_address"],
        "division_code": DONGCHANGFU, "consent": True})
    found = clerk.post("/borrowers/lookup",
                       {"certificate_number": values["borrower_certificate"]}, expect=200)
    assert found["id"] == borrower["id"]
    # A full read, with its purpose (PIPL access log): the value is in the answer only.
    full = clerk.get(f"/borrowers/{borrower['id']}/personal", params={"purpose": "上门配送"})
    assert full["phone"] == values["borrower_phone"]
    # A mistyped filter: a phone where a division code belongs. The request line (with its
    # query string) is logged; the refusal must not echo it either.
    clerk.call("GET", "/borrowers", expect=422,
               params={"division_code": values["borrower_phone"]})
    clerk.call("GET", f"/units/by-tag/{values['borrower_phone']}", expect=404)

    wheelchair = find(staff.get("/device-types?page_size=100")["items"], iso_code=WHEELCHAIR)
    tag = f"PII-{uuid.uuid4().hex[:8].upper()}"
    unit = clerk.post("/units", {
        "asset_tag": tag, "serial": tag, "type_id": wheelchair["id"],
        "station_id": station["id"], "condition": "A", "acquisition": "donation",
        "acquired_on": date.today().isoformat(), "cost_fen": 0})
    rental = clerk.post("/rentals", {
        "station_id": station["id"], "borrower_id": borrower["id"], "unit_id": unit["id"],
        "home_delivery": True, "due_on": (date.today() + timedelta(days=14)).isoformat()})
    # the overdue list's reveal: name and phone in the answer only, the read logged
    called = clerk.get(f"/rentals/{rental['id']}/contact", params={"purpose": "return_reminder"})
    assert called["phone"] == values["borrower_phone"]
    coordinator = system.client("volunteer", "coordinator", districts=[DONGCHANGFU])
    task = poll(lambda: task_for(coordinator, rental["id"]), what="the delivery task")
    dispatch_and_complete(system, task)
    poll(lambda: clerk.get(f"/rentals/{rental['id']}")["logistics"] == "delivered",
         what="the rental delivered")
    clerk.post(f"/rentals/{rental['id']}/pickup", {})
    pickup = poll(lambda: next((t for t in coordinator.get("/tasks?page_size=100")["items"]
                                if t["source"]["id"] == rental["id"]
                                and t["id"] != task["id"]), None), what="the pickup task")
    dispatch_and_complete(system, pickup)
    poll(lambda: clerk.get(f"/rentals/{rental['id']}")["logistics"] == "picked_up",
         what="the rental picked up")
    returned = clerk.post(f"/rentals/{rental['id']}/return", {"condition": "A"}, expect=200)
    assert returned["status"] == "returned"


def renovation_flow(system: System, values: dict[str, str]) -> None:
    """A household's case from application to a passed inspection and the survey."""
    r = Renovation(system)
    coordinator = system.client("volunteer", "coordinator", districts=[DONGCHANGFU])
    app = r.approver.post("/applications", {
        "programme_id": r.programme["id"], "certificate": values["household_certificate"],
        "holder_name": values["household_name"], "address": values["household_address"],
        "division": DONGCHANGFU, "phone": values["household_phone"], "hardship": "dibao",
        "consent": True})
    app_id = app["id"]
    r.approver.post(f"/applications/{app_id}/accept", {})
    contact = r.approver.get(f"/applications/{app_id}/contact?purpose=入户评估")
    assert contact["phone"] == values["household_phone"]
    assessment = r.schedule_assessment(app_id)
    visit = poll(lambda: task_for(coordinator, assessment["assessment"]["id"]),
                 what="the assessment visit task")
    dispatch_and_complete(system, visit)
    r.assess_and_plan(app_id, [{"item_code": "GRAB-BAR", "quantity": "2"}])
    # the contractor's dispatch mobile: shown masked, sealed in renovation.workorder_assigned
    company = r.approver.call("PATCH", f"/contractors/{r.contractor['id']}",
                              json={"contact_phone": values["contractor_phone"]})
    assert company["contact_phone"] == mask_phone(values["contractor_phone"])
    order = r.approver.post(f"/applications/{app_id}/work-orders",
                            {"contractor_id": r.contractor["id"]})
    c = r.contractor_client
    c.post(f"/work-orders/{order['id']}/accept")
    # the assigned contractor's reveal: the site's address and phone in the answer only
    site = c.get(f"/work-orders/{order['id']}/contact?purpose=works_contact")
    assert site["site_address"] == values["household_address"]
    c.post(f"/work-orders/{order['id']}/schedule",
           {"start_on": china_date(utcnow()).isoformat(),  # a China calendar date
            "end_on": (china_date(utcnow()) + timedelta(days=3)).isoformat()})
    c.post(f"/work-orders/{order['id']}/progress",
           {"note": "扶手完工", "percent": 100, "items_done": order["items"]})
    c.post(f"/work-orders/{order['id']}/complete")
    first = poll(lambda: task_for(coordinator, f"{order['id']}:1"), what="acceptance visit")
    dispatch_and_complete(system, first)
    passed = r.inspector.post(f"/work-orders/{order['id']}/inspection", {"passed": True})
    assert passed["status"] == "closed"
    c.call("GET", f"/work-orders/{order['id']}/contact?purpose=works_contact", expect=409)
    survey = poll(lambda: task_for(coordinator, order["id"]), what="satisfaction visit")
    dispatch_and_complete(system, survey, result={"score": 5, "comment": "很满意"})
    poll(lambda: r.application(app_id)["status"] == "closed", what="the case to close")


def leaks(text: str, known: dict[str, str], where: str) -> list[str]:
    out = [f"{where}: {f.kind} {f.value!r} in …{f.context(text)}…" for f in find_pii(text)]
    out += [f"{where}: the flow's {name} {value!r}" for name, value in known.items()
            if value in text]
    return out


@pytest.mark.slow
def test_no_unmasked_personal_data_in_logs_or_events(system: System) -> None:
    rnd = random.Random()
    values = {
        "borrower_certificate": make_certificate(f"371502197003{rnd.randint(10, 28)}"
                                                 f"{rnd.randint(100, 999)}", 4, 2),
        "borrower_phone": f"1390635{rnd.randint(1000, 9999)}",
        "household_certificate": make_certificate(f"371502194505{rnd.randint(10, 28)}"
                                                  f"{rnd.randint(100, 999)}", 4, 1),
        "household_phone": f"1580635{rnd.randint(1000, 9999)}",
        "contractor_phone": f"1370635{rnd.randint(1000, 9999)}",
        # names and doors no seed uses, so finding one anywhere is this flow's leak
        "borrower_name": "欧阳" + rnd.choice("霁霈霖") + rnd.choice("翊翎翃"),
        "borrower_address": f"聊城市东昌府区柳园街道花园路{rnd.randint(100, 999)}号"
                            f"{rnd.randint(1, 9)}单元",
        "household_name": "司马" + rnd.choice("璟瑾瑜") + rnd.choice("湛澄澈"),
        "household_address": f"聊城市东昌府区古楼街道光岳路{rnd.randint(100, 999)}号"
                             f"{rnd.randint(1, 9)}单元",
    }
    known = {**values, "borrower_citizen_id": values["borrower_certificate"][:18],
             "household_citizen_id": values["household_certificate"][:18],
             # the door alone (what a masked address hides) is a leak too
             "borrower_door": values["borrower_address"][len("聊城市东昌府区柳园街道"):],
             "household_door": values["household_address"][len("聊城市东昌府区古楼街道"):],
             "borrower_given_name": values["borrower_name"][2:],
             "household_given_name": values["household_name"][2:]}
    tap = Tap(system.cluster.bus_prefix)
    try:
        rental_flow(system, values)
        renovation_flow(system, values)
        # Every event of the flows reached the tap (the last ones are relayed by now or soon).
        expected = {"rental.delivery_requested", "rental.pickup_requested", "rental.returned",
                    "renovation.application_accepted", "renovation.workorder_assigned",
                    "renovation.inspection_passed",
                    "volunteer.task_completed"}
        poll(lambda: expected <= tap.routing_keys(), what=f"the events {expected}")
        messages = tap.drain()
    finally:
        tap.close()

    # Bodies are JSON (which may escape Chinese as \\uXXXX): look at them decoded.
    for m in messages:
        try:
            m["body"] = json.loads(m["body"])
        except ValueError:
            pass
    # Not vacuous: events and log lines were produced, and carry the masked forms.
    assert len(messages) >= 20, [m["routing_key"] for m in messages]
    events_text = "\n".join(json.dumps(m, ensure_ascii=False, default=str) for m in messages)
    # the visit addresses did travel, sealed (ADR 0013), and the surnames as 欧某 / 司某
    assert '"address": "dev.' in events_text or '"address": "k' in events_text
    assert "欧某" in events_text and "司某" in events_text
    for masked in (mask(values["borrower_certificate"]), mask_phone(values["borrower_phone"]),
                   mask(values["household_certificate"]), mask_phone(values["household_phone"])):
        assert masked in events_text, f"the masked form {masked} is in no event"
    logs = sorted(Path(system.cluster.logs).glob("*.log"))
    assert {p.name for p in logs} >= {"inventory-api.log", "renovation-api.log",
                                      "volunteer-api.log", "identity-api.log",
                                      "inventory-consumer.log", "volunteer-consumer.log"}
    log_text = {p.name: p.read_text(errors="replace") for p in logs}
    assert "/borrowers/lookup" in log_text["inventory-api.log"]  # access log lines
    assert "personal data read" in log_text["renovation-api.log"]
    assert '"login"' in log_text["identity-api.log"]
    # the mistyped filter and path were logged, masked
    assert f"division_code={mask_phone(values['borrower_phone'])}" in log_text["inventory-api.log"]
    assert f"/units/by-tag/{mask_phone(values['borrower_phone'])}" in log_text["inventory-api.log"]
    assert sum(t.count("\n") for t in log_text.values()) > 100

    problems = [p for i, m in enumerate(messages)
                for p in leaks(json.dumps(m, ensure_ascii=False, default=str), known,
                               f"event #{i} {m['routing_key']}")]
    for name, text in log_text.items():
        for n, line in enumerate(text.splitlines(), 1):
            problems += leaks(line, known, f"{name}:{n}")
    assert not problems, "\n".join(problems[:50])
