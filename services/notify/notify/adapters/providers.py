"""The channels' provider interface and its adapters.

A provider sends one message and answers with the provider's id, or raises
:class:`TransientError` (try again later: network, throttling, the provider's fault) or
:class:`PermanentError` (no retry can fix it: a bad number, a refused template). Every
send carries the notification's id as its idempotency key (the SMS gateway's ``OutId``,
the e-mail's ``Message-ID``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import smtplib
import time
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import quote

import requests

log = logging.getLogger(__name__)


class TransientError(Exception):
    """The provider could not take the message now."""


class PermanentError(Exception):
    """The provider refused the message for good."""


class SmsProvider(Protocol):
    def send_sms(self, *, phone: str, template_code: str, params: dict[str, str],
                 out_id: str) -> str: ...


class EmailProvider(Protocol):
    def send_email(self, *, to: str, subject: str, body: str, message_id: str) -> str: ...


# -- the dysmsapi-style SMS gateway ---------------------------------------------------

def percent_encode(value: str) -> str:
    """RFC 3986 encoding as the signature wants it (space %20, ``*`` %2A, ``~`` kept)."""
    return quote(value, safe="-_.~")


def string_to_sign(method: str, params: dict[str, str]) -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}"
                         for k, v in sorted(params.items()))
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"


def sign(method: str, params: dict[str, str], secret: str) -> str:
    """HMAC-SHA1 over the sorted, percent-encoded query, keyed with ``secret + "&"``."""
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(method, params).encode(),
                      hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


#: the gateway's answer codes no retry will fix
PERMANENT_CODES = frozenset({
    "isv.MOBILE_NUMBER_ILLEGAL", "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS", "isv.INVALID_PARAMETERS", "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.PARAM_LENGTH_LIMIT", "isv.INVALID_JSON_PARAM", "isv.MOBILE_COUNT_OVER_LIMIT",
    "InvalidAccessKeyId.NotFound", "SignatureDoesNotMatch",
})


class GatewaySms:
    """``SendSms`` of a dysmsapi-style gateway (Alibaba Cloud's SMS API, version 2017-05-25):
    a signed GET with ``PhoneNumbers``, ``SignName``, ``TemplateCode``, ``TemplateParam``
    (JSON) and ``OutId``."""

    def __init__(self, endpoint: str, access_key_id: str, access_key_secret: str,
                 sign_name: str, *, timeout: float = 10.0,
                 session: requests.Session | None = None) -> None:
        self.endpoint = endpoint
        self.access_key_id = access_key_id
        self._secret = access_key_secret
        self.sign_name = sign_name
        self.timeout = timeout
        self.session = session or requests.Session()

    def request_params(self, *, phone: str, template_code: str, params: dict[str, str],
                       out_id: str) -> dict[str, str]:
        query = {
            "AccessKeyId": self.access_key_id, "Action": "SendSms", "Format": "JSON",
            "RegionId": "cn-hangzhou", "SignatureMethod": "HMAC-SHA1",
            # the wall clock, not the service's (a test may move that one): the gateway
            # refuses a request more than 15 minutes off
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": datetime.fromtimestamp(time.time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25", "PhoneNumbers": phone, "SignName": self.sign_name,
            "TemplateCode": template_code,
            "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
            "OutId": out_id,
        }
        query["Signature"] = sign("GET", query, self._secret)
        return query

    def send_sms(self, *, phone: str, template_code: str, params: dict[str, str],
                 out_id: str) -> str:
        query = self.request_params(phone=phone, template_code=template_code, params=params,
                                    out_id=out_id)
        try:
            resp = self.session.get(self.endpoint, params=query, timeout=self.timeout)
        except requests.RequestException as exc:
            raise TransientError(f"SMS gateway unreachable: {type(exc).__name__}") from exc
        try:
            body = resp.json()
        except ValueError:
            raise TransientError(f"SMS gateway answered {resp.status_code} without JSON") from None
        code = str(body.get("Code", ""))
        if code == "OK":
            return str(body.get("BizId", ""))
        message = f"{code}: {body.get('Message', '')}"
        if code in PERMANENT_CODES:
            raise PermanentError(message)
        raise TransientError(message)


class LoggedSms:
    """No gateway configured (a demo): the message is written to the log, not sent."""

    def send_sms(self, *, phone: str, template_code: str, params: dict[str, str],
                 out_id: str) -> str:
        log.info("SMS not sent (no gateway): template %s out_id %s", template_code, out_id)
        return f"logged-{out_id}"


# -- e-mail ---------------------------------------------------------------------------

class SmtpEmail:
    def __init__(self, host: str, port: int, *, sender: str, user: str = "",
                 password: str = "", starttls: bool = False, timeout: float = 10.0) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self._password, self.starttls = user, password, starttls
        self.timeout = timeout

    def send_email(self, *, to: str, subject: str, body: str, message_id: str) -> str:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, to, subject
        domain = self.sender.rpartition("@")[2] or "localhost"
        msg["Message-ID"] = f"<{message_id}@{domain}>"
        msg.set_content(body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self._password)
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentError(f"SMTP {exc.smtp_code}") from exc
            raise TransientError(f"SMTP {exc.smtp_code}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(f"SMTP: {type(exc).__name__}") from exc
        return str(msg["Message-ID"])


class LoggedEmail:
    def send_email(self, *, to: str, subject: str, body: str, message_id: str) -> str:
        log.info("e-mail not sent (no SMTP host): %s", message_id)
        return f"logged-{message_id}"
