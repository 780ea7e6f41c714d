"""``python -m lab up|down|status`` (``make cluster-lab-up`` / ``-down`` / ``-status``).

``up`` starts the three-node RabbitMQ cluster and the PostgreSQL primary + standby in a
new temporary folder, records it in ``var/lab/current`` and prints the ``BUS_URL`` and
the database URL to give the services; ``down`` stops them and removes the folder.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lab.stack import Lab

POINTER = Path("var/lab/current")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=["up", "down", "status"])
    p.add_argument("--no-postgres", dest="postgres", action="store_false")
    args = p.parse_args(argv)
    if args.action == "up":
        if POINTER.exists():
            print(f"a lab is up already ({POINTER.read_text().strip()}): make cluster-lab-down")
            return 1
        lab = Lab.create(postgres=args.postgres)
        try:
            lab.up()
        except BaseException:
            lab.down()
            raise
        POINTER.parent.mkdir(parents=True, exist_ok=True)
        POINTER.write_text(str(lab.root))
        print(json.dumps(lab.describe(), indent=2))
        return 0
    if not POINTER.exists():
        print("no lab is up")
        return 0 if args.action == "down" else 1
    lab = Lab.load(Path(POINTER.read_text().strip()))
    if args.action == "status":
        print(json.dumps(lab.describe(), indent=2))
        print("running nodes:", lab.rabbit.running_nodes())
        return 0
    lab.down()
    POINTER.unlink()
    print("lab removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
