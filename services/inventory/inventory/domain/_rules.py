"""Small helpers shared by the domain modules: field-error collection, money, local dates."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import TypeVar

from svckit.domain.errors import ValidationFailed

#: China Standard Time (UTC+8, no daylight saving). Rental days and due dates are local dates.
CST = timezone(timedelta(hours=8), "CST")

T = TypeVar("T")


class FieldErrors:
    """Collects field errors so that one ``ValidationFailed`` names every bad field."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def parse(self, field: str, parser: Callable[[str], T], raw: str) -> T | None:
        """Run a validator that raises ``ValueError``; record its message under ``field``."""
        try:
            return parser(raw)
        except ValueError as exc:
            self.add(field, str(exc))
            return None

    def text(self, field: str, value: str, max_len: int) -> str:
        """A required, stripped, length-limited text."""
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            self.add(field, "不能为空 (required)")
        elif len(text) > max_len:
            self.add(field, f"不能超过{max_len}个字符 (at most {max_len} characters)")
        return text

    def fen(self, field: str, value: int, minimum: int = 0) -> None:
        """Money is an int of fen (never a float or bool) and at least ``minimum``."""
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(field, "金额必须是整数分 (money must be an int of fen)")
        elif value < minimum:
            self.add(field, f"金额不能小于{minimum}分 (must be at least {minimum} fen)")

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationFailed(self.by_field)


def is_aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


def local_date(moment: datetime) -> date:
    """The calendar date in China of an aware moment."""
    if not is_aware(moment):
        raise ValueError("时间必须带时区 (datetime must be timezone-aware)")
    return moment.astimezone(CST).date()


def require_reason(field: str, reason: str, max_len: int = 500) -> str:
    """A required free-text reason (write-off, override, allocation...)."""
    errors = FieldErrors()
    text = errors.text(field, reason, max_len)
    errors.raise_if_any()
    return text


_PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def validate_phone(raw: str) -> str:
    """A mainland mobile (11 digits) or a landline with area code; raise ``ValueError``."""
    value = raw.strip() if isinstance(raw, str) else ""
    if not _PHONE_RE.match(value):
        raise ValueError("电话号码格式不正确 (phone must be a mobile or area-code landline number)")
    return value
