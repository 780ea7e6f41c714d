"""deploy/prometheus (scrape configuration, alert rules) and deploy/grafana (the
dashboard): they parse, the alerts an operator needs are there, and every metric they name
is one svckit.metrics exports (a renamed metric must not leave a silent alert)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from svckit.metrics import exported_names

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
METRIC = re.compile(r"\bsvckit_[a-z0-9_]+\b")


def _rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    return [rule for group in doc["groups"] for rule in group["rules"]]


def _dashboard_exprs() -> list[str]:
    dash = json.loads((DEPLOY / "grafana" / "platform-dashboard.json").read_text())
    exprs = [t["expr"] for p in dash["panels"] for t in p["targets"]]
    exprs += [v["query"] for v in dash["templating"]["list"]]
    return exprs


def test_alert_rules_cover_what_an_operator_needs() -> None:
    rules = {r["alert"]: r for r in _rules()}
    assert {"OutboxOldestRowOverOneMinute", "ParkedMessages", "ConsumerLagGrowing",
            "ApiServerErrors"} <= set(rules)
    assert re.search(r"svckit_outbox_oldest_pending_age_seconds\)?\s*>\s*60\b",
                     rules["OutboxOldestRowOverOneMinute"]["expr"])
    assert re.search(r"svckit_consumer_parked_messages\)?\s*>\s*0\b",
                     rules["ParkedMessages"]["expr"])
    assert "svckit_consumer_queue_ready_messages" in rules["ConsumerLagGrowing"]["expr"]
    assert 'status=~"5.."' in rules["ApiServerErrors"]["expr"]
    for rule in rules.values():
        assert rule["labels"]["severity"] in {"page", "ticket"}
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]


def test_scrape_configuration_loads_the_rules_and_scrapes_apis_and_workers() -> None:
    conf = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    assert conf["rule_files"] == ["alerts.yml"]
    jobs = {j["job_name"]: [t for sc in j["static_configs"] for t in sc["targets"]]
            for j in conf["scrape_configs"]}
    assert set(jobs) == {"api", "relay", "consumer"}
    compose = yaml.safe_load((DEPLOY.parent / "docker-compose.yml").read_text())["services"]
    for job, targets in jobs.items():
        for target in targets:
            host, port = target.rsplit(":", 1)
            assert host in compose, f"{target}: no such compose service"
            assert host.endswith(f"-{job}")
            env = compose[host]["environment"]
            assert port == (env["PORT"] if job == "api" else env["METRICS_PORT"])


def test_every_metric_named_by_rules_and_dashboard_is_exported() -> None:
    exported = exported_names()
    named = {m for r in _rules() for m in METRIC.findall(r["expr"])}
    named |= {m for e in _dashboard_exprs() for m in METRIC.findall(e)}
    assert named, "the files name no metric at all"
    assert named <= exported, f"not exported by svckit.metrics: {sorted(named - exported)}"
    # and the check itself catches a renamed metric
    assert "svckit_outbox_pending" not in exported
    # every exported family is shown on the dashboard
    shown = {re.sub(r"_(bucket|count|sum|total)$", "", m) for e in _dashboard_exprs()
             for m in METRIC.findall(e)}
    families = {re.sub(r"_(bucket|count|sum|total)$", "", m) for m in exported}
    assert families <= shown, f"not on the dashboard: {sorted(families - shown)}"
