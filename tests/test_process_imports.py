"""What a relay or a consumer imports: the service's definition and svckit's command line,
without the API's web stack (docs/performance.md: 28-35 MB of resident memory per
process). Importing Flask, redis-py or alembic there again fails here, not in the bench."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from svckit.service import discover

#: packages only an API (or a migration) needs
API_ONLY = ("flask", "flask_smorest", "webargs", "apispec", "werkzeug", "jinja2", "redis",
            "alembic")
EVENT_PROCESSES = [d.name for d in discover() if {"relay", "consumer"} & set(d.processes)]


@pytest.mark.parametrize("name", EVENT_PROCESSES)
def test_relay_and_consumer_import_no_web_stack(name: str) -> None:
    code = (
        "import importlib, json, sys\n"
        "import svckit.cli, svckit.messaging.consumer\n"
        f"definition = importlib.import_module('{name}.service').definition\n"
        "definition.start_mappers()\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert not set(API_ONLY) & set(json.loads(out))
