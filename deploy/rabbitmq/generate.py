"""Write the RabbitMQ definitions that the code declares: ``python deploy/rabbitmq/generate.py``.

Outputs (all committed; ``tests/test_deploy_rabbitmq.py`` fails when they are stale):

- ``deploy/rabbitmq/definitions.json``: the broker topology of the services on the broker (vhost
  ``dpf``, exchanges, queues with their arguments, bindings), as RabbitMQ imports it.
- ``deploy/k8s/rabbitmq-definitions.yaml``: the same JSON in a ConfigMap, for the import Job.
- ``deploy/rabbitmq/permissions.json``: one broker user per service (named after it) and
  what it may do on the vhost; docker-compose's entrypoint adds it with the users.
- ``deploy/k8s/rabbitmq-users.yaml``: the same users and permissions as ``User`` and
  ``Permission`` objects of the RabbitMQ Messaging Topology Operator (which makes each
  user's password, in the Secret ``<svc>-bus-user-credentials``).

Each service's user has no tag (no management, no administrator) and, on its vhost,
permissions that match exactly the names it touches (:func:`permissions`): ``configure``
its own queues and dead-letter exchange and the shared ``events`` / ``events.unrouted``
that every consumer declares idempotently on start (a redeclare needs ``configure``);
``write`` the same plus ``amq.default`` (publishing to ``events``, moving a failed message
to its retry queue and replaying parked ones through the default exchange, binding a
queue); ``read`` its own queues and the exchanges it binds from. Another service's queues
match none of them.

The topology per service is ``svckit.messaging.topology.Topology`` with the service's
handled event types as bindings, ``quorum=True`` (what every broker deployment runs) and
the retry delays and delivery limit of ``PlatformSettings``' defaults. A deployment that
changes ``RETRY_DELAYS_MS``, ``DELIVERY_LIMIT`` or ``BUS_PREFIX`` must regenerate with the
same values (``--retry-delays-ms``, ``--delivery-limit``, ``--prefix``): a queue redeclared
with other arguments fails with PRECONDITION_FAILED.

Quorum, delivery limit and dead-lettering are queue *arguments* (``x-queue-type``,
``x-delivery-limit``, ``x-dead-letter-exchange``...), exactly as the consumer declares them,
not policies: the code declares the queues itself, and a policy could only repeat them.
``policies`` is therefore empty. No passwords anywhere: docker-compose takes them from
``.env`` (``deploy/rabbitmq/entrypoint.sh``), Kubernetes from the operator's Secrets.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from svckit.config import PlatformSettings
from svckit.messaging.topology import Topology

#: the services that consume or publish events; identity does neither (no queue, no
#: binding: tests/test_deploy_rabbitmq.py checks that every other service is listed here)
SERVICES = ("inventory", "renovation", "volunteer", "notify")
#: the platform's own virtual host (not the broker's default ``/``)
VHOST = "dpf"
HERE = Path(__file__).resolve().parent
DEFINITIONS = HERE / "definitions.json"
PERMISSIONS = HERE / "permissions.json"
K8S_CONFIGMAP = HERE.parent / "k8s" / "rabbitmq-definitions.yaml"
K8S_USERS = HERE.parent / "k8s" / "rabbitmq-users.yaml"
K8S_NAMESPACE = "assistive-platform"


def topologies(
    *,
    prefix: str = "",
    retry_delays_ms: tuple[int, ...] | None = None,
    delivery_limit: int | None = None,
) -> list[Topology]:
    defaults = PlatformSettings.model_fields
    delays = retry_delays_ms or tuple(defaults["retry_delays_ms"].default)
    limit = delivery_limit or int(defaults["delivery_limit"].default)
    result = []
    for name in SERVICES:
        definition = importlib.import_module(f"{name}.service").definition
        result.append(
            Topology(
                service=definition.name,
                bindings=definition.handlers.event_types,
                prefix=prefix,
                retry_delays_ms=delays,
                delivery_limit=limit,
                quorum=True,
            )
        )
    return result


def _key(section: str, item: dict[str, Any]) -> tuple[str, ...]:
    if section == "bindings":
        return (item["vhost"], item["source"], item["destination_type"], item["destination"],
                item["routing_key"])
    return (item["vhost"], item["name"])


def definitions(tops: list[Topology], vhost: str = VHOST) -> dict[str, Any]:
    """The merged definitions: an entry shared by services (the ``events`` exchange,
    ``events.unrouted``) appears once; two different entries under one name are an error."""
    merged: dict[str, dict[tuple[str, ...], dict[str, Any]]] = {
        "exchanges": {}, "queues": {}, "bindings": {},
    }
    for top in tops:
        for section, items in top.definitions(vhost).items():
            for item in items:
                key = _key(section, item)
                seen = merged[section].get(key)
                if seen is not None and seen != item:
                    raise ValueError(f"{section} {key}: conflicting definitions {seen} != {item}")
                merged[section][key] = item
    return {
        "vhosts": [{"name": vhost}],
        "exchanges": [merged["exchanges"][k] for k in sorted(merged["exchanges"])],
        "queues": [merged["queues"][k] for k in sorted(merged["queues"])],
        "bindings": [merged["bindings"][k] for k in sorted(merged["bindings"])],
        "policies": [],
        "parameters": [],
        "global_parameters": [],
    }


def permissions(top: Topology, vhost: str = VHOST) -> dict[str, str]:
    """The service's user and its permission patterns on ``vhost`` (module docstring)."""
    own = re.escape(top.queue_name)
    shared = f"{re.escape(top.exchange_name)}|{re.escape(top.unrouted_name)}"
    mine = f"{own}|{own}\\..+|{shared}"
    return {"user": top.service, "vhost": vhost, "configure": f"^({mine})$",
            "write": f"^({mine}|amq\\.default)$", "read": f"^({mine})$"}


def render_json(defs: Any) -> str:
    return json.dumps(defs, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_configmap(json_text: str, namespace: str = K8S_NAMESPACE) -> str:
    body = "".join(f"    {line}\n" if line else "\n" for line in json_text.splitlines())
    return (
        "# GENERATED by deploy/rabbitmq/generate.py from the code's topology: do not edit.\n"
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "metadata:\n"
        "  name: rabbitmq-definitions\n"
        f"  namespace: {namespace}\n"
        "  labels:\n"
        "    app.kubernetes.io/name: rabbitmq\n"
        "    app.kubernetes.io/part-of: assistive-platform\n"
        "data:\n"
        "  definitions.json: |\n"
        f"{body}"
    )


def render_users(perms: list[dict[str, str]], namespace: str = K8S_NAMESPACE) -> str:
    docs = []
    for p in perms:
        name = f"{p['user']}-bus"
        labels = (f"  labels:\n    app.kubernetes.io/name: {p['user']}\n"
                  "    app.kubernetes.io/component: broker-user\n"
                  "    app.kubernetes.io/part-of: assistive-platform\n")
        docs.append(
            "apiVersion: rabbitmq.com/v1beta1\nkind: User\nmetadata:\n"
            f"  name: {name}\n  namespace: {namespace}\n{labels}"
            "spec:\n  tags: []\n  rabbitmqClusterReference:\n    name: rabbitmq\n")
        docs.append(
            "apiVersion: rabbitmq.com/v1beta1\nkind: Permission\nmetadata:\n"
            f"  name: {name}\n  namespace: {namespace}\n{labels}"
            f"spec:\n  vhost: {p['vhost']}\n  userReference:\n    name: {name}\n"
            "  permissions:\n"
            + "".join(f"    {k}: {json.dumps(p[k])}\n" for k in ("configure", "write", "read"))
            + "  rabbitmqClusterReference:\n    name: rabbitmq\n")
    return ("# GENERATED by deploy/rabbitmq/generate.py from the code's topology: do not edit.\n"
            "# One broker user per service (RabbitMQ Messaging Topology Operator): no tag, and\n"
            "# on the vhost only the permissions its own queues need. The operator makes each\n"
            "# user's Secret <name>-user-credentials (username, password) the service reads.\n"
            + "".join(f"---\n{d}" for d in docs))


def outputs(**kwargs: Any) -> dict[Path, str]:
    tops = topologies(**kwargs)
    text = render_json(definitions(tops))
    perms = [permissions(t) for t in tops]
    return {DEFINITIONS: text, K8S_CONFIGMAP: render_configmap(text),
            PERMISSIONS: render_json(perms), K8S_USERS: render_users(perms)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default="", help="BUS_PREFIX of the deployment")
    parser.add_argument("--retry-delays-ms", type=json.loads, default=None,
                        help="RETRY_DELAYS_MS as JSON, e.g. [1000,5000,30000]")
    parser.add_argument("--delivery-limit", type=int, default=None)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a committed file differs, write nothing")
    args = parser.parse_args(argv)
    delays = tuple(args.retry_delays_ms) if args.retry_delays_ms else None
    stale = []
    for path, text in outputs(prefix=args.prefix, retry_delays_ms=delays,
                              delivery_limit=args.delivery_limit).items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if args.check and stale:
        print("stale: " + ", ".join(str(p) for p in stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
