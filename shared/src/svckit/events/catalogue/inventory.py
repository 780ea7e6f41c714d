"""Events produced by the inventory service."""

from __future__ import annotations

from svckit.events.catalogue import CATALOGUE  # noqa: F401
