"""Fixtures of the notifications tests: the service on real PostgreSQL, the local SMS
gateway (dysmsapi protocol, signature checked) and a local SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Iterator
from datetime import datetime
from email.message import Message as EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from notify.adapters.dev_sms_gateway import DevSmsGateway
from notify.service import definition
from svckit.domain import clock
from svckit.service import ServiceContext
from svckit.testing import service_context


class Clock:
    """The injected clock (svckit.domain.clock.inject): set, moved, never sleeping."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment


@pytest.fixture
def fixed_clock() -> Iterator[Clock]:
    c = Clock(datetime.fromisoformat("2026-03-02T01:00:00+00:00"))
    clock.inject(c)
    try:
        yield c
    finally:
        clock.inject(None)


@pytest.fixture
def gateway() -> Iterator[DevSmsGateway]:
    with DevSmsGateway() as g:
        yield g


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[EmailMessage] = []

    def handle_message(self, message: EmailMessage) -> None:
        self.messages.append(message)


class LocalSmtp(Controller):  # type: ignore[misc]
    """aiosmtpd on a socket bound here (port 0, race-free), handed to the server."""

    def __init__(self, handler: Inbox) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        super().__init__(handler, hostname="127.0.0.1", port=self.sock.getsockname()[1])

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        return self.loop.create_server(self._factory_invoker, sock=self.sock)


@pytest.fixture
def smtp() -> Iterator[tuple[LocalSmtp, Inbox]]:
    handler = Inbox()
    controller = LocalSmtp(handler)
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()
        controller.sock.close()


@pytest.fixture
def ctx(pg_url: str, keypair: tuple[str, str], gateway: DevSmsGateway,
        smtp: tuple[LocalSmtp, Inbox], monkeypatch: pytest.MonkeyPatch) -> ServiceContext:
    controller, _ = smtp
    monkeypatch.setenv("NOTIFY_SMS_ENDPOINT", gateway.url)
    monkeypatch.setenv("NOTIFY_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NOTIFY_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("NOTIFY_ESCALATION_EMAIL", "dudao@cdpf.example.cn")
    return service_context(definition, pg_url, public_key=keypair[1])
