"""Phone numbers: one rule for every service (mobiles and landlines with an area code)."""

from __future__ import annotations

import re

from svckit.domain.identifiers import normalise

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")

MOBILE_MESSAGE = "请输入11位手机号码 (a mainland mobile number: 11 digits starting 13-19)"
PHONE_MESSAGE = ("电话号码格式不正确，应为11位手机号码或带区号的固定电话 "
                 "(a mobile number, or a landline with its area code such as 0635-8212345)")


def normalise_phone(raw: object) -> str:
    """Full-width digits to ASCII, blanks removed, a leading ``+86``/``0086`` dropped,
    a mobile's hyphens dropped (``138-1234-5678``)."""
    value = normalise(raw, upper=False)
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix):].lstrip("-")
    digits = value.replace("-", "")
    return digits if _MOBILE.match(digits) else value


def is_mobile(value: str) -> bool:
    return bool(_MOBILE.match(value))


def validate_phone(raw: object, *, mobile_only: bool = False) -> str:
    """The normalised number, or ``ValueError`` with a bilingual message."""
    value = normalise_phone(raw)
    if _MOBILE.match(value):
        return value
    if mobile_only:
        raise ValueError(MOBILE_MESSAGE)
    if _LANDLINE.match(value):
        return value
    raise ValueError(PHONE_MESSAGE)
