"""Events produced by the renovation service."""

from __future__ import annotations

from svckit.events.catalogue import CATALOGUE  # noqa: F401
