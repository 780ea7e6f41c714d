"""Fixtures of the spine's tests: the probe service against real servers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from spine_kit import Procs, make_ctx
from svckit.service import ServiceContext


@pytest.fixture
def probe_ctx(pg_url: str, amqp_url: str, bus_prefix: str) -> Iterator[ServiceContext]:
    ctx = make_ctx(pg_url, amqp_url, bus_prefix)
    yield ctx
    ctx.engine.dispose()


@pytest.fixture
def procs(probe_ctx: ServiceContext, tmp_path: Path) -> Iterator[Procs]:
    p = Procs(probe_ctx, tmp_path)
    yield p
    p.stop_all()
