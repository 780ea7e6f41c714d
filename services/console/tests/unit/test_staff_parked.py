"""The parked-messages page's words: reasons in Chinese (English a click away), the
envelope's timestamps in China time."""

from __future__ import annotations

from pathlib import Path

from console.app import create_app
from console.config import ConsoleSettings
from console.views import staff_parked


def test_reasons_and_timestamps_in_words(tmp_path: Path) -> None:
    app = create_app(ConsoleSettings(var_dir=tmp_path, api_base="http://127.0.0.1:9",
                                     redis_url=None))
    with app.test_request_context("/staff/parked/"):
        from flask import g

        g.lang = "zh"
        assert staff_parked.reason_label("unknown-event") == "未知的事件类型或版本"
        assert staff_parked.reason_label("dead-lettered by broker (expired)") == "被消息代理退回"
        assert staff_parked.reason_label("something-new") == "something-new"
        readable = staff_parked._readable(
            {"occurred_at": "2026-12-07T04:00:00+00:00", "payload": {"at": ["2026-12-07T04:00Z"]}})
        assert readable["occurred_at"].startswith("2026-12-07 12:00")
        assert readable["payload"]["at"][0].startswith("2026-12-07 12:00")
        g.lang = "en"
        assert staff_parked.reason_label("retries-exhausted") == \
            "Still failing after several retries"
