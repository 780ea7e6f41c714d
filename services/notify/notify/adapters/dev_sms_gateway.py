"""A local SMS gateway speaking the dysmsapi ``SendSms`` protocol (a test and dev tool).

It checks what a cloud provider checks — the access key, the HMAC-SHA1 signature over the
sorted, percent-encoded query, the timestamp (15 minutes either way), a nonce used once,
the sign name, the template and its parameters — renders the template and records the
message. A second request with an ``OutId`` already seen (per access key) records nothing
and answers the first ``BizId``: the idempotency the notifications service relies on
(see ``docs/adr/0018-notifications-delivery.md`` for what a real provider does).

``GET /_messages`` lists what was recorded (JSON), ``POST /_control`` with
``{"fail_next": n, "code": "isp.SYSTEM_ERROR"}`` makes the next ``n`` sends fail, and
``POST /_reset`` forgets everything. Run it on its own::

    python -m notify.adapters.dev_sms_gateway --port 8990 [--log var/sms.jsonl]

and point ``NOTIFY_SMS_ENDPOINT`` at it (the access key ``dev-access-key`` /
``dev-access-secret`` is the settings' default).
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from svckit.domain.phone import is_mobile

from notify.adapters.providers import sign
from notify.domain import templates

REQUIRED = ("AccessKeyId", "Action", "PhoneNumbers", "SignName", "TemplateCode",
            "Signature", "SignatureMethod", "SignatureNonce", "SignatureVersion",
            "Timestamp", "Version")


class DevSmsGateway:
    def __init__(self, keys: dict[str, str] | None = None, *, host: str = "127.0.0.1",
                 port: int = 0, log_path: Path | None = None) -> None:
        self.keys = keys or {"dev-access-key": "dev-access-secret"}
        self.messages: list[dict[str, Any]] = []
        self.requests = 0
        self.duplicates = 0
        self._by_out_id: dict[tuple[str, str], str] = {}
        self._nonces: set[str] = set()
        self._fail_next = 0
        self._fail_code = "isp.SYSTEM_ERROR"
        self._lock = threading.Lock()
        self.log_path = log_path
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/_messages":
                    with gateway._lock:
                        self._answer(200, list(gateway.messages))
                    return
                params = dict(parse_qsl(url.query, keep_blank_values=True))
                self._answer(*gateway.handle("GET", params))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                url = urlsplit(self.path)
                if url.path == "/_control":
                    ctl = json.loads(raw or "{}")
                    with gateway._lock:
                        gateway._fail_next = int(ctl.get("fail_next", 0))
                        gateway._fail_code = str(ctl.get("code", "isp.SYSTEM_ERROR"))
                    self._answer(200, {"ok": True})
                    return
                if url.path == "/_reset":
                    gateway.reset()
                    self._answer(200, {"ok": True})
                    return
                self._answer(*gateway.handle("POST", dict(parse_qsl(raw, keep_blank_values=True))))

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> DevSmsGateway:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        name="dev-sms-gateway")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> DevSmsGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self._by_out_id.clear()
            self.requests = self.duplicates = self._fail_next = 0

    # -- the protocol ---------------------------------------------------------------
    def handle(self, method: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        request_id = str(uuid.uuid4()).upper()

        def error(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
            return status, {"Code": code, "Message": message, "RequestId": request_id}

        missing = [k for k in REQUIRED if not params.get(k)]
        if missing:
            return error(400, "MissingParameter", f"missing {', '.join(missing)}")
        secret = self.keys.get(params["AccessKeyId"])
        if secret is None:
            return error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        unsigned = {k: v for k, v in params.items() if k != "Signature"}
        if sign(method, unsigned, secret) != params["Signature"]:
            return error(400, "SignatureDoesNotMatch", "Specified signature is not matched.")
        try:
            stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return error(400, "InvalidTimeStamp.Format", "Timestamp format is invalid.")
        if abs(stamp.timestamp() - time.time()) > 15 * 60:
            return error(400, "InvalidTimeStamp.Expired", "Timestamp is expired.")
        if params["Action"] != "SendSms" or params["Version"] != "2017-05-25":
            return error(400, "InvalidAction", "unknown action or version")
        with self._lock:
            self.requests += 1
            if params["SignatureNonce"] in self._nonces:
                return error(400, "SignatureNonceUsed", "Signature nonce used already.")
            self._nonces.add(params["SignatureNonce"])
            key = (params["AccessKeyId"], params.get("OutId", ""))
            if key[1] and key in self._by_out_id:
                self.duplicates += 1
                return 200, {"Code": "OK", "Message": "OK", "BizId": self._by_out_id[key],
                             "RequestId": request_id}
            if self._fail_next > 0:
                self._fail_next -= 1
                return error(500 if self._fail_code.startswith("isp") else 400,
                             self._fail_code, "injected failure")
        phones = params["PhoneNumbers"].split(",")
        if not all(is_mobile(p) for p in phones):
            return error(400, "isv.MOBILE_NUMBER_ILLEGAL", "invalid mobile number")
        template = templates.by_sms_code(params["TemplateCode"])
        if template is None:
            return error(400, "isv.SMS_TEMPLATE_ILLEGAL", "unknown template")
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
            text = template.render({k: str(v) for k, v in values.items()})
        except (ValueError, KeyError):
            return error(400, "isv.TEMPLATE_MISSING_PARAMETERS", "template parameters do not fit")
        biz_id = f"{int(time.time() * 1000)}^{uuid.uuid4().hex[:12]}"
        record = {"biz_id": biz_id, "out_id": params.get("OutId", ""), "phones": phones,
                  "sign_name": params["SignName"], "template_code": params["TemplateCode"],
                  "params": values, "text": f"【{params['SignName']}】{text}",
                  "received_at": datetime.now(UTC).isoformat()}
        with self._lock:
            if key[1] and key in self._by_out_id:  # two in flight with one OutId
                self.duplicates += 1
                return 200, {"Code": "OK", "Message": "OK", "BizId": self._by_out_id[key],
                             "RequestId": request_id}
            if key[1]:
                self._by_out_id[key] = biz_id
            self.messages.append(record)
            if self.log_path is not None:
                with self.log_path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8990)
    parser.add_argument("--log", type=Path, default=None)
    args = parser.parse_args(argv)
    gateway = DevSmsGateway(host=args.host, port=args.port, log_path=args.log)
    print(f"dev SMS gateway on {gateway.url}", flush=True)
    try:
        gateway.server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
