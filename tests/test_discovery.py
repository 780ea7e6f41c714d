"""The runners know services and apps only through their entry points: svckit imports
none of them, each declares its slot, processes and settings, and the native cluster
binds its ports itself."""

from __future__ import annotations

import errno
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from svckit.cluster import Cluster
from svckit.service import ROLES, ServiceContext, discover, discover_apps

NAMES = [d.name for d in discover()] + [a.name for a in discover_apps()]


def test_svckit_imports_no_service_or_app() -> None:
    code = (
        "import importlib, json, pkgutil, sys, svckit\n"
        "for m in pkgutil.walk_packages(svckit.__path__, 'svckit.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(json.dumps(sorted({n.split('.')[0] for n in sys.modules})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    imported = set(json.loads(out))
    assert "svckit" in imported
    assert not imported & set(NAMES), imported & set(NAMES)


def test_every_service_and_app_has_its_own_slot() -> None:
    services, apps = discover(), discover_apps()
    assert {"inventory", "identity"} <= {d.name for d in services}
    assert "console" in {a.name for a in apps}
    slots = [d.slot for d in services] + [a.slot for a in apps]
    assert len(set(slots)) == len(slots)
    assert [d.slot for d in services] == sorted(d.slot for d in services)
    for d in services:
        assert set(d.processes) <= set(ROLES) and "api" in d.processes, d.name
    identity = next(d for d in services if d.name == "identity")
    assert identity.processes == ("api", "scheduler")


@pytest.mark.parametrize("name", [d.name for d in discover() if d.settings is not None])
def test_settings_are_built_once_and_given_to_the_unit_of_work(
        name: str, tmp_path: Path) -> None:
    definition = next(d for d in discover() if d.name == name)
    ctx = ServiceContext(definition)
    assert isinstance(ctx.settings, definition.settings)  # type: ignore[arg-type]
    assert ctx.settings is ctx.settings
    assert ctx.uow().settings is ctx.settings  # type: ignore[attr-defined]
    assert ctx.uow().settings is ctx.uow().settings  # type: ignore[attr-defined]


def test_cluster_binds_free_ports_itself_and_keeps_them(tmp_path: Path) -> None:
    first = Cluster(var_dir=tmp_path / "a", port_base=0, apps=True)
    second = Cluster(var_dir=tmp_path / "b", port_base=0, apps=True)
    try:
        ports = [c.port(n) for c in (first, second) for n in (*c.services, "console")]
        assert len(set(ports)) == len(ports)
        assert first.port("inventory") == first.port("inventory")  # the same socket
        with socket.socket() as s, pytest.raises(OSError) as taken:
            s.bind(("127.0.0.1", first.port("identity")))
        assert taken.value.errno == errno.EADDRINUSE
    finally:
        first.down()
        second.down()
