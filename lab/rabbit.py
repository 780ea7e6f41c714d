"""A real three-node RabbitMQ cluster on this machine, for tests only.

Each node is the installed ``rabbitmq-server`` with its own node name
(``lab-<run>-<n>@localhost``), AMQP port, distribution port, config, data and log
directories under the lab's folder, and the lab's own Erlang cookie (``HOME`` of the lab:
the default node's cookie is never read). Nodes 2 and 3 join node 1 with
``rabbitmqctl join_cluster``; the services' quorum queues then have three members.

Before a start it checks that none of its ports is taken and that no node of its names is
registered with epmd; the machine's default node (``rabbit@localhost`` on 5672/25672) is
never addressed: every ``rabbitmqctl`` call names a lab node and carries the lab's cookie.
``down()`` kills the nodes' process groups and removes the folder.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RABBIT_BIN = Path(os.environ.get("LAB_RABBITMQ_BIN", "/usr/lib/rabbitmq/bin"))
#: ports the default node and its CLI tools use: never ours
DEFAULT_PORTS = frozenset({4369, 5672, 15672, 25672, *range(35672, 35683)})
#: a lean node: one scheduler, no busy waiting (the machine has two shared cores)
ERL_ARGS = ("+S 1:1 +sbwt none +sbwtdcpu none +sbwtdio none "
            "-kernel inet_dist_use_interface {127,0,0,1}")


class LabError(RuntimeError):
    pass


def port_free(port: int) -> bool:
    for host in ("127.0.0.1", "0.0.0.0"):
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                return False
    return True


def pick_block(size: int = 30, lo: int = 20000, hi: int = 32000) -> int:
    """A base port such that ``base .. base+size-1`` are all free and none is a default
    RabbitMQ port (below the ephemeral range, so outgoing connections do not take them)."""
    rnd = random.Random()
    for _ in range(200):
        base = rnd.randrange(lo, hi - size)
        ports = range(base, base + size)
        if DEFAULT_PORTS.isdisjoint(ports) and all(port_free(p) for p in ports):
            return base
    raise LabError("no free block of ports")


def epmd_names() -> set[str]:
    out = subprocess.run(["epmd", "-names"], capture_output=True, text=True, timeout=30)
    return {line.split()[1] for line in out.stdout.splitlines() if line.startswith("name ")}


@dataclass
class Node:
    index: int
    name: str  # short name, e.g. lab-ab12cd-1
    amqp_port: int
    dist_port: int
    dir: Path
    pgid: int | None = None

    @property
    def node(self) -> str:
        return f"{self.name}@localhost"

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}//"


@dataclass
class RabbitLab:
    root: Path
    run_id: str
    size: int = 3
    base_port: int = 0
    nodes: list[Node] = field(default_factory=list)
    procs: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    # -- layout ------------------------------------------------------------------------
    def plan(self) -> None:
        self.base_port = self.base_port or pick_block()
        self.nodes = [
            Node(i, f"lab-{self.run_id}-{i}", self.base_port + i - 1,
                 self.base_port + 10 + i - 1, self.root / f"node{i}")
            for i in range(1, self.size + 1)
        ]

    @property
    def bus_url(self) -> str:
        """Every node's URL, ``;``-separated (``BUS_URL`` of the services)."""
        return ";".join(n.url for n in self.nodes)

    def env(self, node: Node | None = None) -> dict[str, str]:
        env = {
            **os.environ,
            "HOME": str(self.root),  # the lab's .erlang.cookie
            "RABBITMQ_CONF_ENV_FILE": str(self.root / "rabbitmq-env.conf"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_CTL_DIST_PORT_MIN": str(self.base_port + 20),
            "RABBITMQ_CTL_DIST_PORT_MAX": str(self.base_port + 29),
        }
        env.pop("ERL_FLAGS", None)
        env.pop("RABBITMQ_NODENAME", None)
        if node is not None:
            env.update({
                "RABBITMQ_NODENAME": node.node,
                "RABBITMQ_DIST_PORT": str(node.dist_port),
                "RABBITMQ_MNESIA_BASE": str(node.dir / "mnesia"),
                "RABBITMQ_LOG_BASE": str(node.dir / "log"),
                "RABBITMQ_CONFIG_FILE": str(node.dir / "rabbitmq.conf"),
                "RABBITMQ_ADVANCED_CONFIG_FILE": str(node.dir / "advanced.config"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(node.dir / "enabled_plugins"),
                "RABBITMQ_PID_FILE": str(node.dir / "pid"),
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": ERL_ARGS,
            })
        return env

    def ctl(self, node: Node, *args: str, timeout: float = 120, check: bool = True
            ) -> subprocess.CompletedProcess[str]:
        """``rabbitmqctl`` against one lab node (never the default one)."""
        cmd = [str(RABBIT_BIN / "rabbitmqctl"), "-n", node.node, *args]
        out = subprocess.run(cmd, env=self.env(), capture_output=True, text=True,
                             timeout=timeout)
        if check and out.returncode != 0:
            raise LabError(f"{' '.join(cmd[1:])}: {out.stdout}{out.stderr}")
        return out

    # -- checks ------------------------------------------------------------------------
    def preflight(self) -> None:
        """Refuse to start on anything that is not ours."""
        ports = [p for n in self.nodes for p in (n.amqp_port, n.dist_port)]
        ports += list(range(self.base_port + 20, self.base_port + 30))
        if not DEFAULT_PORTS.isdisjoint(ports):
            raise LabError(f"a lab port is a default RabbitMQ port: {sorted(ports)}")
        busy = [p for p in ports if not port_free(p)]
        if busy:
            raise LabError(f"ports in use: {busy}")
        taken = epmd_names() & {n.name for n in self.nodes}
        if taken:
            raise LabError(f"node names already registered with epmd: {sorted(taken)}")
        if "rabbit" in {n.name for n in self.nodes}:
            raise LabError("the default node name")

    # -- life cycle ----------------------------------------------------------------------
    def up(self, timeout: float = 240) -> None:
        if not self.nodes:
            self.plan()
        self.preflight()
        self.root.mkdir(parents=True, exist_ok=True)
        cookie = self.root / ".erlang.cookie"
        cookie.write_text(f"LAB{self.run_id.upper()}{random.getrandbits(64):016X}")
        cookie.chmod(0o400)
        (self.root / "rabbitmq-env.conf").write_text("# the lab's nodes: no defaults\n")
        for n in self.nodes:
            n.dir.mkdir(parents=True, exist_ok=True)
            (n.dir / "enabled_plugins").write_text("[].\n")
            (n.dir / "advanced.config").write_text("[].\n")
            (n.dir / "rabbitmq.conf").write_text(
                f"listeners.tcp.1 = 127.0.0.1:{n.amqp_port}\n"
                "disk_free_limit.absolute = 50MB\n"
                "vm_memory_high_watermark.relative = 0.2\n"
                "log.file.level = info\n"
                "log.console = false\n"
            )
        for n in self.nodes:
            self.start(n.index, wait=False)
        deadline = time.monotonic() + timeout
        for n in self.nodes:
            self.wait(n.index, deadline - time.monotonic())
        first = self.nodes[0]
        for n in self.nodes[1:]:
            self.ctl(n, "stop_app")
            self.ctl(n, "join_cluster", first.node)
            self.ctl(n, "start_app")
        self.wait_cluster(timeout=max(30.0, deadline - time.monotonic()))
        self.save()

    def start(self, index: int, *, wait: bool = True, timeout: float = 180) -> None:
        n = self.node(index)
        pid_file = n.dir / "pid"
        pid_file.unlink(missing_ok=True)
        log = (n.dir / "server.out").open("ab")
        try:
            proc = subprocess.Popen([str(RABBIT_BIN / "rabbitmq-server")], env=self.env(n),
                                    stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()
        self.procs[index] = proc
        n.pgid = proc.pid
        self.save()
        if wait:
            self.wait(index, timeout)

    def wait(self, index: int, timeout: float) -> None:
        n = self.node(index)
        deadline = time.monotonic() + timeout
        while not (n.dir / "pid").exists():
            if self.procs.get(index) is not None and self.procs[index].poll() is not None:
                raise LabError(f"{n.node} exited: see {n.dir / 'server.out'}")
            if time.monotonic() > deadline:
                raise LabError(f"{n.node}: no pid file")
            time.sleep(0.2)
        self.ctl(n, "wait", "--timeout", str(int(max(10, deadline - time.monotonic()))),
                 str(n.dir / "pid"), timeout=max(15, deadline - time.monotonic() + 10))
        while not _listening(n.amqp_port):
            if time.monotonic() > deadline:
                raise LabError(f"{n.node}: AMQP port {n.amqp_port} not listening")
            time.sleep(0.2)

    def wait_cluster(self, timeout: float = 60, running: int | None = None) -> None:
        """Until the first live node sees ``running`` nodes (default: all) running."""
        want = self.size if running is None else running
        deadline = time.monotonic() + timeout
        while True:
            try:
                live = self.running_nodes()
                if len(live) >= want:
                    return
            except LabError:
                pass
            if time.monotonic() > deadline:
                raise LabError(f"cluster did not reach {want} running nodes")
            time.sleep(0.5)

    def running_nodes(self) -> list[str]:
        for n in self.live():
            out = self.ctl(n, "cluster_status", "--formatter", "json", timeout=60, check=False)
            if out.returncode == 0:
                status = json.loads(out.stdout)
                return list(status.get("running_nodes", []))
        raise LabError("no live node answers")

    def kill(self, index: int, sig: int = signal.SIGKILL) -> None:
        """``kill -9`` a node (its whole process group: beam and its helpers)."""
        n = self.node(index)
        if n.pgid is not None:
            try:
                os.killpg(n.pgid, sig)
            except ProcessLookupError:
                pass
        proc = self.procs.get(index)
        if proc is not None:
            proc.wait(timeout=60)
        n.pgid = None
        self.save()

    def stop(self, index: int) -> None:
        """Stop a node gracefully (``rabbitmqctl stop``: the node leaves in order)."""
        n = self.node(index)
        self.ctl(n, "stop", timeout=180)
        proc = self.procs.get(index)
        if proc is not None:
            proc.wait(timeout=60)
        n.pgid = None
        self.save()

    def down(self) -> None:
        """Kill every node and remove the lab's folder (also after a failed start)."""
        for n in self.nodes:
            if n.pgid is not None:
                try:
                    os.killpg(n.pgid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc = self.procs.get(n.index)
            if proc is not None:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    pass
            n.pgid = None
        # a node whose group was left (e.g. by `python -m lab` in another process)
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 30
        while (self.pids() or epmd_names() & {n.name for n in self.nodes}) \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        shutil.rmtree(self.root, ignore_errors=True)

    # -- queries -----------------------------------------------------------------------
    def node(self, index: int) -> Node:
        return self.nodes[index - 1]

    def live(self) -> list[Node]:
        return [n for n in self.nodes if n.pgid is not None and _listening(n.amqp_port)]

    def pids(self) -> list[int]:
        """Processes of this lab's nodes (by node name in their command line)."""
        names = [n.node.encode() for n in self.nodes] + [str(self.root).encode()]
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"rabbitmqctl" not in cmd and any(name in cmd for name in names):
                found.append(int(entry.name))
        return found

    def queues(self) -> list[dict[str, Any]]:
        """name, type, leader, members, messages of every queue (via a live node)."""
        for n in self.live():
            out = self.ctl(n, "list_queues", "name", "type", "leader", "members", "messages",
                           "--formatter", "json", "-q", timeout=60, check=False)
            if out.returncode == 0:
                return list(json.loads(out.stdout or "[]"))
        raise LabError("no live node answers")

    def leader_of(self, queue: str) -> int:
        """The index of the node leading a quorum queue."""
        for q in self.queues():
            if q["name"] == queue:
                leader = str(q.get("leader", ""))
                for n in self.nodes:
                    if n.node == leader:
                        return n.index
                raise LabError(f"{queue}: leader {leader!r} is not a lab node")
        raise LabError(f"no queue {queue}")

    # -- state for `python -m lab` ---------------------------------------------------------
    def save(self) -> None:
        if not self.root.exists():
            return
        (self.root / "lab.json").write_text(json.dumps({
            "run_id": self.run_id, "size": self.size, "base_port": self.base_port,
            "nodes": [{"index": n.index, "name": n.name, "amqp_port": n.amqp_port,
                       "dist_port": n.dist_port, "dir": str(n.dir), "pgid": n.pgid}
                      for n in self.nodes],
        }, indent=2))

    @classmethod
    def load(cls, root: Path) -> RabbitLab:
        data = json.loads((root / "lab.json").read_text())
        lab = cls(root=root, run_id=data["run_id"], size=data["size"],
                  base_port=data["base_port"])
        lab.nodes = [Node(d["index"], d["name"], d["amqp_port"], d["dist_port"],
                          Path(d["dir"]), d["pgid"]) for d in data["nodes"]]
        return lab


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def default_broker_snapshot() -> dict[str, Any]:
    """What the machine's default node looks like (users, vhosts, OS pid, queue names):
    taken before and after a lab run to show it was not touched. Uses the default
    ``rabbitmqctl`` environment, read-only commands only."""

    def ctl(*args: str) -> list[str]:
        out = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True,
                             timeout=120)
        return sorted(out.stdout.split("\n")) if out.returncode == 0 else [f"ERROR {out.stderr}"]

    return {
        "pid": ctl("eval", "os:getpid()."),
        "users": ctl("list_users", "-s"),
        "vhosts": ctl("list_vhosts", "-s"),
        "queues": ctl("list_queues", "name", "-s"),
    }
