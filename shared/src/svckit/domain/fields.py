"""Field-error collection: one ``ValidationFailed`` that names every bad field at once."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from svckit.domain.errors import ValidationFailed

T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)

REQUIRED = "不能为空 (required)"


class FieldErrors:
    """Collects field errors; :meth:`raise_if_any` raises them as one ``ValidationFailed``.

    ::

        errors = FieldErrors()
        name = errors.text("name", raw_name, 50)
        with errors.field("phone"):
            phone = validate_phone(raw_phone)
        errors.raise_if_any()
    """

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    @contextmanager
    def field(self, name: str) -> Iterator[None]:
        """Run a check; a ``ValueError`` is recorded under ``name``, a nested
        ``ValidationFailed`` under its own fields."""
        try:
            yield
        except ValidationFailed as exc:
            for key, messages in exc.errors.items():
                self.by_field.setdefault(key, []).extend(messages)
        except ValueError as exc:
            self.add(name, str(exc))

    def parse(self, field: str, parser: Callable[[str], T], raw: str) -> T | None:
        """Run a validator that raises ``ValueError``; record its message under ``field``."""
        try:
            return parser(raw)
        except ValueError as exc:
            self.add(field, str(exc))
            return None

    def text(self, field: str, value: object, max_len: int) -> str:
        """A required, stripped, length-limited text."""
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            self.add(field, REQUIRED)
        elif len(text) > max_len:
            self.add(field, f"不能超过{max_len}个字符 (at most {max_len} characters)")
        return text

    def fen(self, field: str, value: object, minimum: int = 0) -> int:
        """Money is an int of fen (never a float or bool) and at least ``minimum``."""
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(field, "金额必须是整数分 (money must be an int of fen)")
            return 0
        if value < minimum:
            self.add(field, f"金额不能小于{minimum}分 (must be at least {minimum} fen)")
        return value

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationFailed(self.by_field)


def require_text(field: str, value: object, max_len: int = 500) -> str:
    """A single required text (a reason, a note): the clean value or ``ValidationFailed``."""
    errors = FieldErrors()
    text = errors.text(field, value, max_len)
    errors.raise_if_any()
    return text


def member(enum_cls: type[E], raw: object, message: str) -> E:
    """``enum_cls(raw)`` with a bilingual ``ValueError`` instead of Python's English one."""
    try:
        return enum_cls(raw)
    except ValueError:
        raise ValueError(message) from None
