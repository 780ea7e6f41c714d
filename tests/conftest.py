"""Cross-service tests: the whole system as separate processes over real HTTP, real
RabbitMQ and real PostgreSQL (the native distributed topology of svckit.cluster)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from e2e_kit import SUMMARY, System, running_cluster


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = terminalreporter.config.stash.get(SUMMARY, [])
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with running_cluster(tmp_path_factory.mktemp("cluster")) as cluster:
        yield System(cluster)
