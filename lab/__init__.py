"""A lab of real servers for the distributed-mode fault tests (issue 19): a three-node
RabbitMQ cluster (``lab.rabbit``) and a PostgreSQL primary with a streaming standby
(``lab.postgres``), started from the installed binaries on their own ports, names,
cookies and data directories under a temporary folder, and removed afterwards. They
never touch the machine's default broker (5672) or PostgreSQL (5432).

    python -m lab up | down | status     (make cluster-lab up|down|status)
"""
