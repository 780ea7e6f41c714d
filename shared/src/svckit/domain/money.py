"""Money is an ``int`` of fen (分). Never a float. These helpers only format and parse."""

from __future__ import annotations

import re

Fen = int

_YUAN_RE = re.compile(r"^(\d+)(?:\.(\d{1,2}))?$")


def yuan(fen: Fen) -> str:
    """Format fen as yuan with two decimals: ``146000`` -> ``"1460.00"``."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError("money must be an int of fen")
    sign = "-" if fen < 0 else ""
    q, r = divmod(abs(fen), 100)
    return f"{sign}{q}.{r:02d}"


def parse_yuan(text: str) -> Fen:
    """Parse ``"1460.5"`` -> ``146050`` exactly, without floats."""
    m = _YUAN_RE.match(text.strip())
    if not m:
        raise ValueError("金额格式应为元，最多两位小数 (yuan with at most 2 decimals)")
    return int(m.group(1)) * 100 + int((m.group(2) or "0").ljust(2, "0"))
