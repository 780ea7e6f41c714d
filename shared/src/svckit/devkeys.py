"""Development secrets: kept in a file of ``VAR_DIR`` when the deployment sets none
(embedded mode, the native topology, tests), so every process of one ``VAR_DIR`` uses
the same (the event keys, the link keys, the console's secret)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path


def shared_dev_secret(path: Path, make: Callable[[], str]) -> str:
    """The secret kept in ``path``, made with ``make`` by the first process that needs it.

    Race-free: the file is created exclusively (mode 0600) and the first process to
    create it writes it; a process that finds it still empty waits for that write."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(make() + "\n")
    for _ in range(100):  # a writer between create and write: wait for the line
        text = path.read_text().strip()
        if text:
            return text
        time.sleep(0.01)
    raise RuntimeError(f"{path} stays empty")
