"""deploy/rabbitmq/definitions.json (and its k8s ConfigMap) is what the code declares.

The committed files must equal what ``deploy/rabbitmq/generate.py`` produces from the
services' handlers and ``svckit.messaging.topology.Topology``; a stale file fails here
with the command that rewrites it. No broker is needed.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from pydantic import SecretStr
from svckit.config import Config, PlatformSettings
from svckit.service import ServiceContext, discover

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "deploy" / "rabbitmq" / "generate.py"
DEFINITIONS = ROOT / "deploy" / "rabbitmq" / "definitions.json"
CONFIGMAP = ROOT / "deploy" / "k8s" / "rabbitmq-definitions.yaml"
#: the installed services that run a relay or a consumer
SERVICES = tuple(d.name for d in discover() if {"relay", "consumer"} & set(d.processes))


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploy_rabbitmq_generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _generator()


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads(DEFINITIONS.read_text(encoding="utf-8"))


def test_committed_files_are_not_stale(gen: ModuleType) -> None:
    for path, expected in gen.outputs().items():
        assert path.exists(), f"{path} is missing: run `python deploy/rabbitmq/generate.py`"
        assert path.read_text(encoding="utf-8") == expected, (
            f"{path.relative_to(ROOT)} differs from what the code declares: "
            "run `.venv/bin/python deploy/rabbitmq/generate.py` and commit the result"
        )


def test_check_mode_reports_fresh_files(gen: ModuleType) -> None:
    assert gen.main(["--check"]) == 0


def _definition(name: str):
    return importlib.import_module(f"{name}.service").definition


def test_each_service_queue_is_bound_to_exactly_the_events_it_handles(committed: dict) -> None:
    for name in SERVICES:
        handled = set(_definition(name).handlers.event_types)
        assert handled, f"{name} handles no event"
        bound = {b["routing_key"] for b in committed["bindings"]
                 if b["source"] == "events" and b["destination"] == name}
        assert bound == handled, name


def test_matches_what_each_consumer_declares_at_run_time(committed: dict) -> None:
    """The topology a consumer declares on a real broker (ServiceContext.topology with an
    amqp:// bus and the default settings) is contained, entry for entry, in the file."""
    platform = PlatformSettings.model_construct(bus_url=SecretStr("amqp://u:p@rabbitmq:5672//"))
    for name in SERVICES:
        definition = _definition(name)
        ctx = ServiceContext(definition, Config(name, platform=platform))
        declared = ctx.topology.definitions("dpf")
        for section, items in declared.items():
            for item in items:
                assert item in committed[section], f"{name}: {section} {item} missing"


def test_shared_entries_appear_once_and_names_are_unique(committed: dict) -> None:
    for section in ("exchanges", "queues"):
        names = [(e["vhost"], e["name"]) for e in committed[section]]
        assert len(names) == len(set(names)), section
    exchanges = [e["name"] for e in committed["exchanges"]]
    assert exchanges.count("events") == 1
    assert exchanges.count("events.unrouted") == 1
    keys = [json.dumps(b, sort_keys=True) for b in committed["bindings"]]
    assert len(keys) == len(set(keys))


def test_vhost_and_no_credentials(committed: dict) -> None:
    assert committed["vhosts"] == [{"name": "dpf"}]  # the platform's own, not the default
    assert "users" not in committed
    assert "permissions" not in committed
    text = DEFINITIONS.read_text(encoding="utf-8")
    assert "password" not in text


def test_references_resolve_and_queues_are_quorum(committed: dict) -> None:
    exchanges = {e["name"]: e for e in committed["exchanges"]}
    queues = {q["name"]: q for q in committed["queues"]}
    defaults = PlatformSettings.model_construct()
    for b in committed["bindings"]:
        assert b["source"] in exchanges, b
        assert b["destination_type"] == "queue" and b["destination"] in queues, b
        assert b["vhost"] == "dpf"
    for ex in exchanges.values():
        alt = ex["arguments"].get("alternate-exchange")
        assert alt is None or alt in exchanges, ex
        assert ex["durable"] is True
    for q in queues.values():
        args = q["arguments"]
        assert args["x-queue-type"] == "quorum", q
        assert q["durable"] is True and q["auto_delete"] is False
        dlx = args.get("x-dead-letter-exchange")
        assert dlx is None or dlx == "" or dlx in exchanges, q
        if dlx == "":
            assert args["x-dead-letter-routing-key"] in queues, q
    for name in SERVICES:
        main = queues[name]["arguments"]
        assert main["x-delivery-limit"] == defaults.delivery_limit
        assert main["x-dead-letter-exchange"] == f"{name}.dlx"
        assert f"{name}.parked" in queues
        ttls = [queues[f"{name}.retry.{i}"]["arguments"]["x-message-ttl"]
                for i in range(len(defaults.retry_delays_ms))]
        assert tuple(ttls) == tuple(defaults.retry_delays_ms)


def test_configmap_carries_the_same_json(committed: dict) -> None:
    cm = yaml.safe_load(CONFIGMAP.read_text(encoding="utf-8"))
    assert cm["kind"] == "ConfigMap"
    assert json.loads(cm["data"]["definitions.json"]) == committed


def test_conflicting_entries_are_refused(gen: ModuleType) -> None:
    from svckit.messaging.topology import Topology

    a = Topology(service="a", bindings=("x.y",))
    b = Topology(service="a", bindings=("x.y",), delivery_limit=3)
    with pytest.raises(ValueError, match="conflicting"):
        gen.definitions([a, b])


def test_services_left_out_neither_consume_nor_publish(gen: ModuleType) -> None:
    """The definitions cover every service that consumes or publishes events; the ones
    left out (identity) have no queue to declare and no event in the catalogue."""
    from svckit.events.catalogue import load_all

    producers = {spec.producer for spec in load_all()}
    assert set(gen.SERVICES) == set(SERVICES)
    for definition in discover():
        uses_bus = bool(definition.handlers.event_types) or definition.name in producers
        assert uses_bus == (definition.name in SERVICES), definition.name
    assert "identity" in {d.name for d in discover()}  # deployed, but without broker entries


def test_unrouted_events_are_bounded(committed: dict) -> None:
    from svckit.messaging.topology import UNROUTED_MAX_LENGTH, UNROUTED_TTL_MS

    (unrouted,) = [q for q in committed["queues"] if q["name"] == "events.unrouted"]
    args = unrouted["arguments"]
    assert args["x-max-length"] == UNROUTED_MAX_LENGTH
    assert args["x-message-ttl"] == UNROUTED_TTL_MS
    assert args["x-overflow"] == "drop-head"


def _touched(name: str) -> dict[str, set[str]]:
    """What the service's processes do on the broker, by RabbitMQ's permission table: the
    consumer declares its topology (exchanges with an alternate exchange, queues with a
    dead-letter exchange, bindings), consumes its queues, publishes failed messages to its
    retry queues and replays parked ones through the default exchange; the relay publishes
    to ``events``."""
    from svckit.messaging.topology import Topology

    top = Topology(service=name, bindings=tuple(_definition(name).handlers.event_types))
    queues = {q.name for q in top.all_queues()}
    exchanges = {top.exchange_name, top.unrouted_name, top.dlx_name}
    return {
        "configure": queues | exchanges,
        "write": queues | {top.unrouted_name, top.dlx_name, top.exchange_name, "amq.default"},
        "read": queues | exchanges,
    }


def test_one_user_per_service_with_only_its_own_permissions(gen: ModuleType) -> None:
    import re

    perms = {p["user"]: p for p in json.loads(
        (ROOT / "deploy/rabbitmq/permissions.json").read_text(encoding="utf-8"))}
    assert set(perms) == set(SERVICES)
    for name in SERVICES:
        p = perms[name]
        assert p["vhost"] == "dpf"
        for kind, names in _touched(name).items():
            for resource in names:
                assert re.match(p[kind], resource), (name, kind, resource)
        for other in set(SERVICES) - {name}:  # nothing of another service's
            for resource in _touched(other)["configure"] - _touched(name)["configure"]:
                for kind in ("configure", "write", "read"):
                    assert not re.match(p[kind], resource), (name, kind, resource)
        assert not re.match(p["configure"], "amq.default")
