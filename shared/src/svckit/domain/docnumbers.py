"""One rule for the document numbers people read, write and say on the phone.

A document (a rental, a receipt, an application, a work order, a task) keeps its UUID as
the API identifier; people see its *number*::

    ZL-371502-2026-000123
    |  |      |    sequence within (prefix, division, year), zero-padded to 6 digits
    |  |      year (China calendar) the document was made
    |  GB/T 2260 division code of the place that made it (station, district)
    prefix: the kind of document, 2-4 capital letters, chosen by the service

A number is unique per service: its sequence comes from one counter per
``(prefix, division, year)`` that the service advances inside the transaction that
creates the document (``svckit.numbering``; ADR 0015). This module is the format only,
framework-free: building, checking and reading a number back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from svckit.domain.identifiers import normalise

#: digits of the sequence; a counter that passes 999999 in a year keeps counting (7 digits)
SEQUENCE_WIDTH = 6

_PREFIX = re.compile(r"^[A-Z]{2,4}$")
_NUMBER = re.compile(r"^(?P<prefix>[A-Z]{2,4})-(?P<division>\d{6})-(?P<year>\d{4})-"
                     r"(?P<sequence>\d{6,})$")


@dataclass(frozen=True)
class DocumentNumber:
    prefix: str
    division: str
    year: int
    sequence: int

    def __str__(self) -> str:
        return format_number(self.prefix, self.division, self.year, self.sequence)


def check_prefix(prefix: str) -> str:
    if not _PREFIX.match(prefix):
        raise ValueError(f"document number prefix {prefix!r} must be 2-4 capital letters")
    return prefix


def format_number(prefix: str, division: str, year: int, sequence: int) -> str:
    """``format_number("ZL", "371502", 2026, 123) == "ZL-371502-2026-000123"``."""
    check_prefix(prefix)
    if not re.fullmatch(r"\d{6}", division):
        raise ValueError(f"division {division!r} must be a 6-digit GB/T 2260 code")
    if not 1000 <= year <= 9999:
        raise ValueError(f"year {year} must have 4 digits")
    if sequence < 1:
        raise ValueError("a sequence starts at 1")
    return f"{prefix}-{division}-{year}-{sequence:0{SEQUENCE_WIDTH}d}"


def parse_number(raw: object) -> DocumentNumber | None:
    """The parts of a number as people type it (full-width, other dashes, blanks and
    lower case tolerated), or ``None`` when it is not one."""
    match = _NUMBER.match(normalise(raw))
    if match is None:
        return None
    return DocumentNumber(match["prefix"], match["division"], int(match["year"]),
                          int(match["sequence"]))


def normalise_number(raw: object) -> str | None:
    """The canonical form of a typed number (``zl－371502－2026－123`` is not one: the
    sequence must be padded), or ``None``."""
    parsed = parse_number(raw)
    return None if parsed is None else str(parsed)
