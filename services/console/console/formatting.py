"""How every page shows money and times: fen as yuan, service timestamps in China time.
Registered once as the template filters ``yuan`` and ``local_time`` (console.app)."""

from __future__ import annotations

from datetime import UTC, datetime

from svckit.domain.clock import CHINA_TZ

#: the federation's wall clock (services send UTC): svckit's one rule
TZ = CHINA_TZ


def _parts(fen: int) -> tuple[str, int, int]:
    whole, cents = divmod(abs(int(fen)), 100)
    return ("-" if fen < 0 else ""), whole, cents


def amount(fen: int | None) -> str:
    """``12345`` -> ``"123.45"``: for fields and documents labelled in yuan."""
    if fen is None:
        return ""
    sign, whole, cents = _parts(fen)
    return f"{sign}{whole}.{cents:02d}"


def yuan(fen: int | None) -> str:
    """``123456`` fen -> ``"¥1,234.56"`` (integers only, no float rounding)."""
    if fen is None:
        return ""
    sign, whole, cents = _parts(fen)
    return f"{sign}¥{whole:,}.{cents:02d}"


def local_time(value: str | None) -> str:
    """An ISO timestamp from a service in China time (``2025-05-01 14:30``); naive means
    UTC; text that is not a timestamp is shown as it is."""
    if not value:
        return ""
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return value
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
