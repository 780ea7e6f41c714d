"""Events produced by the volunteer service."""

from __future__ import annotations

from svckit.events.catalogue import CATALOGUE  # noqa: F401
