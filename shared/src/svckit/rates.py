"""A rate limit's value (``"30/minute"``), parsed without Flask: every process's
configuration checks ``REPORT_RATE_LIMIT`` (:mod:`svckit.config`), only an API applies it
(:mod:`svckit.http.ratelimit`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
_LIMIT = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d*)\s*(second|minute|hour|day)s?\s*$", re.I)


@dataclass(frozen=True)
class Rate:
    count: int
    period: float  # seconds

    @classmethod
    def parse(cls, text: str | None) -> Rate | None:
        """``"30/minute"`` -> Rate(30, 60.0); ``"100/5 minutes"`` too; ``""``/``"0"`` -> None."""
        if text is None or text.strip() in ("", "0"):
            return None
        m = _LIMIT.match(text)
        if not m:
            raise ValueError(f"rate limit {text!r}: expected e.g. '30/minute'")
        count, mult, unit = int(m[1]), int(m[2] or 1), m[3].lower()
        if count == 0:
            return None
        return cls(count, mult * _PERIODS[unit])
