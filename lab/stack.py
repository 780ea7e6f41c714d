"""The whole lab: the RabbitMQ cluster and (optionally) the PostgreSQL pair, in one
temporary folder, with a run id in every name."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Any

from lab.postgres import PostgresLab
from lab.rabbit import RabbitLab


class Lab:
    def __init__(self, root: Path, run_id: str, postgres: bool = True) -> None:
        self.root = root
        self.run_id = run_id
        self.rabbit = RabbitLab(root=root / "rabbit", run_id=run_id)
        self.pg: PostgresLab | None = (PostgresLab(root=root / "pg", run_id=run_id)
                                       if postgres else None)

    @classmethod
    def create(cls, postgres: bool = True, run_id: str | None = None) -> Lab:
        run_id = run_id or secrets.token_hex(3)
        root = Path(tempfile.mkdtemp(prefix=f"lab-{run_id}-"))
        root.chmod(0o755)  # the postgres user reaches its own subfolder
        return cls(root, run_id, postgres)

    def up(self) -> None:
        self.rabbit.up()
        if self.pg is not None:
            self.pg.up()

    def down(self) -> None:
        try:
            self.rabbit.down()
        finally:
            if self.pg is not None:
                self.pg.down()
            shutil.rmtree(self.root, ignore_errors=True)

    @property
    def bus_url(self) -> str:
        return self.rabbit.bus_url

    @property
    def pg_admin_url(self) -> str:
        assert self.pg is not None
        return self.pg.admin_url()

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"root": str(self.root), "run_id": self.run_id,
                               "BUS_URL": self.bus_url,
                               "nodes": [n.node for n in self.rabbit.nodes]}
        if self.pg is not None:
            out["DATABASE_URL (admin)"] = self.pg.admin_url()
        return out

    @classmethod
    def load(cls, root: Path) -> Lab:
        rabbit = RabbitLab.load(root / "rabbit")
        lab = cls(root, rabbit.run_id, postgres=(root / "pg" / "pg.json").exists())
        lab.rabbit = rabbit
        if lab.pg is not None:
            lab.pg = PostgresLab.load(root / "pg")
        return lab


def lab_pids(lab: Lab) -> list[int]:
    """Processes still running from the lab's folder or with its node names."""
    return lab.rabbit.pids() + [p for p in _pids_under(lab.root) if p != os.getpid()]


def _pids_under(root: Path) -> list[int]:
    found = []
    needle = str(root).encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found
