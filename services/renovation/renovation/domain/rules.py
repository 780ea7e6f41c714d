"""Small input checks shared by the renovation aggregates. Each returns the clean value
or raises ``ValidationFailed`` naming the field, with a bilingual message."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from svckit.domain.errors import ValidationFailed

E = TypeVar("E", bound=enum.Enum)


class Collector:
    """Gathers field errors so one ``ValidationFailed`` reports every bad field at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    @contextmanager
    def field(self, name: str) -> Iterator[None]:
        """Run a check; a ``ValidationFailed`` or ``ValueError`` is recorded under ``name``."""
        try:
            yield
        except ValidationFailed as exc:
            for key, messages in exc.errors.items():
                self.errors.setdefault(key, []).extend(messages)
        except ValueError as exc:
            self.errors.setdefault(name, []).append(str(exc))

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def text(field: str, value: str, max_len: int = 200) -> str:
    """A required, stripped, length-limited piece of text."""
    clean = value.strip() if isinstance(value, str) else ""
    if not clean:
        raise ValidationFailed.field(field, "不能为空 (required)")
    if len(clean) > max_len:
        raise ValidationFailed.field(
            field, f"不能超过{max_len}个字符 (at most {max_len} characters)"
        )
    return clean


def texts(field: str, values: Iterable[str], max_len: int = 200) -> list[str]:
    """A list of texts (photo refs, needs, defects); each must be non-blank."""
    return [text(field, v, max_len) for v in values]


def fen(field: str, value: int, *, positive: bool = False) -> int:
    """Money as ``int`` fen: never a float or bool, never negative."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationFailed.field(field, "金额必须是整数分 (money must be an int of fen)")
    if value < 0 or (positive and value == 0):
        raise ValidationFailed.field(
            field,
            "金额必须大于0 (must be positive)"
            if positive
            else "金额不能为负 (must not be negative)",
        )
    return value


def count(field: str, value: int, minimum: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValidationFailed.field(
            field, f"必须是不小于{minimum}的整数 (an integer >= {minimum})"
        )
    return value


def member(enum_cls: type[E], raw: object, message: str) -> E:
    """``enum_cls(raw)`` with a bilingual ``ValueError`` instead of Python's English one."""
    try:
        return enum_cls(raw)
    except ValueError:
        raise ValueError(message) from None
