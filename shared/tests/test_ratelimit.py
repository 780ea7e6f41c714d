"""Rate limits of expensive endpoints per principal (svckit.http.ratelimit, OWASP API4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.views import MethodView
from flask_smorest import Blueprint
from pydantic import ValidationError
from svckit.auth.tokens import TokenVerifier
from svckit.config import PlatformSettings
from svckit.http.app import create_app
from svckit.http.ratelimit import Limiter, Rate, limit_blueprint, rate_limited


def test_rate_parse() -> None:
    assert Rate.parse("30/minute") == Rate(30, 60.0)
    assert Rate.parse("5 per second") == Rate(5, 1.0)
    assert Rate.parse("100/5 minutes") == Rate(100, 300.0)
    assert Rate.parse("1000/day") == Rate(1000, 86400.0)
    assert Rate.parse("0") is None and Rate.parse("") is None and Rate.parse(None) is None
    with pytest.raises(ValueError, match="30/minute"):
        Rate.parse("thirty a minute")


def test_setting_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    assert PlatformSettings().report_rate_limit == "30/minute"
    monkeypatch.setenv("REPORT_RATE_LIMIT", "10/hour")
    assert PlatformSettings().report_rate_limit == "10/hour"
    monkeypatch.setenv("REPORT_RATE_LIMIT", "lots")
    with pytest.raises(ValidationError):
        PlatformSettings()


def test_gcra_burst_then_steady_rate_per_key() -> None:
    now = [1000.0]
    limiter = Limiter(Rate(3, 60.0), clock=lambda: now[0])
    assert [limiter.hit("a") for _ in range(3)] == [0.0, 0.0, 0.0]  # the burst
    assert limiter.hit("a") == pytest.approx(20.0)  # one more every 20 s
    assert limiter.hit("b") == 0.0  # another principal has its own bucket
    now[0] += 20.0
    assert limiter.hit("a") == 0.0
    assert limiter.hit("a") == pytest.approx(20.0)
    now[0] += 60.0  # idle: the full burst again
    assert [limiter.hit("a") for _ in range(3)] == [0.0, 0.0, 0.0]


reports = limit_blueprint(Blueprint("reports", __name__, url_prefix="/reports"))
other = Blueprint("other", __name__, url_prefix="/other")


@reports.route("/stock")
class Stock(MethodView):
    @reports.response(200)
    def get(self) -> dict[str, Any]:
        return {"ok": True}


@other.route("/totals")
class Totals(MethodView):
    @other.response(200)
    @rate_limited("reports")
    def get(self) -> dict[str, Any]:
        return {"ok": True}


@other.route("/cheap")
class Cheap(MethodView):
    @other.response(200)
    def get(self) -> dict[str, Any]:
        return {"ok": True}


def _app(keypair: tuple[str, str], limit: str | None) -> Any:
    return create_app(name="probe", title="probe", version="1", blueprints=[reports, other],
                      verifier=TokenVerifier(public_key=keypair[1]), report_rate_limit=limit)


@pytest.mark.parametrize("path", ["/reports/stock", "/other/totals"])
def test_exceeding_the_limit_is_429_problem_with_retry_after(
    path: str, keypair: tuple[str, str], token_for: Callable[..., str]
) -> None:
    client = _app(keypair, "2/minute").test_client()
    alice = {"Authorization": f"Bearer {token_for('staff', sub='alice')}"}
    bob = {"Authorization": f"Bearer {token_for('staff', sub='bob')}"}
    assert [client.get(path, headers=alice).status_code for _ in range(2)] == [200, 200]
    refused = client.get(path, headers=alice)
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["type"] == "/problems/too-many-requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 30
    assert client.get(path, headers=bob).status_code == 200  # per principal
    for _ in range(5):  # endpoints outside the group are not counted or limited
        assert client.get("/other/cheap", headers=alice).status_code == 200


def test_the_group_is_shared_and_can_be_switched_off(
    keypair: tuple[str, str], token_for: Callable[..., str]
) -> None:
    client = _app(keypair, "2/minute").test_client()
    h = {"Authorization": f"Bearer {token_for('staff', sub='carol')}"}
    assert client.get("/reports/stock", headers=h).status_code == 200
    assert client.get("/other/totals", headers=h).status_code == 200
    assert client.get("/reports/stock", headers=h).status_code == 429  # one budget for both
    unlimited = _app(keypair, "0").test_client()
    assert {unlimited.get("/reports/stock", headers=h).status_code for _ in range(10)} == {200}


def test_unauthenticated_calls_are_refused_before_counting(keypair: tuple[str, str]) -> None:
    client = _app(keypair, "1/minute").test_client()
    assert {client.get("/reports/stock").status_code for _ in range(3)} == {401}
