"""Masking of personal data: one rule each for names, addresses, phones and numbers.

Every response, event, log line, audit row and printed sheet that shows personal data
to someone who does not need it in full uses these.
"""

from __future__ import annotations

import re

from svckit.domain.certificate import mask, mask_phone

__all__ = ["contact_name", "mask", "mask_address", "mask_certificate", "mask_name",
           "mask_phone"]

_TOWNSHIP = re.compile(r"^.*?(街道|镇|乡)")
_MAX_STARS = 8


def mask_certificate(value: str) -> str:
    """``37150219800101001X42`` -> ``3715************1X42`` (also citizen ID numbers)."""
    return mask(value)


def mask_name(value: str) -> str:
    """``王芳`` -> ``王*``, ``欧阳娜娜`` -> ``欧***``: the surname's first character only."""
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        return ""
    return value[:1] + "*" * min(max(len(value) - 1, 1), 3)


def contact_name(value: str) -> str:
    """How a visitor addresses the person at the door, with no full name: ``王某``."""
    value = value.strip() if isinstance(value, str) else ""
    return f"{value[:1]}某" if value else "某"


def mask_address(value: str) -> str:
    """Down to the township (街道/镇/乡), the rest starred; without one, the first 6
    characters (province/city/district). Enough to plan a visit, not to find the door."""
    value = value.strip() if isinstance(value, str) else ""
    found = _TOWNSHIP.match(value)
    keep = found.group(0) if found else value[:6]
    return keep + "*" * min(max(len(value) - len(keep), 0), _MAX_STARS)
