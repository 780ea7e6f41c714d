"""Find unmasked personal identifiers in text (logs, broker messages, problem details).

:func:`find_pii` is a pure function: it returns what it found, with the kind and the
position, and changes nothing. It recognises

- ``certificate``: a 2nd-generation disability certificate number, 20 characters (the
  holder's 18-character citizen ID number + category digit + grade digit);
- ``citizen_id``: an 18-character citizen ID number (GB 11643: 17 digits and a digit or
  ``X``) standing alone;
- ``phone``: a mainland mobile number ``1[3-9]`` + 9 digits, not inside a longer number
  or a longer token (a hex request id).

Candidates for the two ID kinds must carry a valid birth date and MOD 11-2 check
character, so long numbers that only look like IDs (order numbers, timestamps) are not
reported. Masked forms (``3715************0141``, ``138****5678``) contain ``*`` and are
never found. :func:`redact` replaces what :func:`find_pii` finds with the masked form
(the JSON log formatter and gunicorn's access and error logs run every line through it).
The end-to-end PII test (``tests/test_pii_scan.py``) scans every log line
and every event of the flows with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from svckit.domain.certificate import mask, mask_phone, validate_citizen_id

# Not preceded or followed by a character that would make the match part of a longer
# token: a digit, a letter (hex ids), or "." before (decimal fractions such as 0.138…).
_CERTIFICATE = re.compile(r"(?<![0-9A-Za-z.])(\d{17}[0-9Xx])([1-7][1-4])(?![0-9A-Za-z])")
_CITIZEN_ID = re.compile(r"(?<![0-9A-Za-z.])(\d{17}[0-9Xx])(?![0-9A-Za-z])")
_ELEVEN_DIGITS = re.compile(r"\d{11}")  # every kind has a run of at least 11 digits
_PHONE = re.compile(r"(?<![0-9A-Za-z.])1[3-9]\d{9}(?![0-9A-Za-z])")


@dataclass(frozen=True)
class Finding:
    kind: str  # "certificate" | "citizen_id" | "phone"
    value: str
    start: int

    def context(self, text: str, width: int = 60) -> str:
        """The text around the finding (for a failure message)."""
        return text[max(0, self.start - width): self.start + len(self.value) + width]


def _valid_id(candidate: str) -> bool:
    try:
        validate_citizen_id(candidate)
    except ValueError:
        return False
    return True


def find_pii(text: str) -> list[Finding]:
    """Every unmasked certificate number, citizen ID number and mobile number in ``text``."""
    if not _ELEVEN_DIGITS.search(text):
        return []
    found: list[Finding] = []
    taken: list[range] = []
    for m in _CERTIFICATE.finditer(text):
        if _valid_id(m.group(1).upper()):
            found.append(Finding("certificate", m.group(0), m.start()))
            taken.append(range(m.start(), m.end()))
    for m in _CITIZEN_ID.finditer(text):
        if _valid_id(m.group(1).upper()):
            found.append(Finding("citizen_id", m.group(0), m.start()))
            taken.append(range(m.start(), m.end()))
    for m in _PHONE.finditer(text):
        if not any(m.start() in span for span in taken):
            found.append(Finding("phone", m.group(0), m.start()))
    return sorted(found, key=lambda f: f.start)


def redact(text: str) -> str:
    """``text`` with every finding of :func:`find_pii` replaced by its masked form
    (``3715************0142``, ``138****5678``); unchanged (same object) if none."""
    findings = find_pii(text)
    if not findings:
        return text
    out: list[str] = []
    pos = 0
    for f in findings:
        out.append(text[pos:f.start])
        out.append(mask_phone(f.value) if f.kind == "phone" else mask(f.value))
        pos = f.start + len(f.value)
    out.append(text[pos:])
    return "".join(out)
