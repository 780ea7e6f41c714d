"""Domain errors. Plain Python: the HTTP layer maps them to problem+json.

| error              | HTTP | meaning                                              |
|--------------------|------|------------------------------------------------------|
| ValidationFailed   | 422  | input breaks a rule; ``errors`` maps field -> messages |
| NotFound           | 404  | no such object (or not visible to the caller)        |
| Forbidden          | 403  | the caller may not do this to this object            |
| Conflict           | 409  | the object's current state does not allow it         |
| IllegalTransition  | 409  | a state machine refused a transition                 |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class DomainError(Exception):
    """Base of every rule violation a use case can report."""

    #: stable, machine-readable slug; becomes the problem ``type``
    code: str = "domain-error"
    #: short human title (Simplified Chinese; the HTTP layer may add English)
    title: str = "业务规则错误"

    def __init__(self, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra: dict[str, Any] = dict(extra)


class ValidationFailed(DomainError):
    code = "validation-failed"
    title = "输入校验失败"

    def __init__(
        self,
        errors: Mapping[str, str | Sequence[str]],
        detail: str = "",
        **extra: Any,
    ) -> None:
        self.errors: dict[str, list[str]] = {
            field: [msgs] if isinstance(msgs, str) else list(msgs)
            for field, msgs in errors.items()
        }
        super().__init__(detail or "; ".join(
            f"{f}: {', '.join(m)}" for f, m in self.errors.items()
        ), **extra)

    @classmethod
    def field(cls, name: str, message: str) -> ValidationFailed:
        return cls({name: [message]})


class NotFound(DomainError):
    code = "not-found"
    title = "对象不存在"

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key} not found", kind=kind, key=str(key))


class Forbidden(DomainError):
    code = "forbidden"
    title = "无权执行此操作"


class Conflict(DomainError):
    code = "conflict"
    title = "与当前状态冲突"

    def __init__(self, detail: str, current_state: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.current_state = current_state


#: words for people: (Simplified Chinese, English)
Label = tuple[str, str]


def _words(code: str) -> str:
    return code.replace("_", " ")


class IllegalTransition(Conflict):
    """A refused state change, said in words: "设备当前为“运输中”，不能报废 (unit is in
    transit; cannot write off)". ``current_state`` stays the machine-readable value and
    ``current_state_label`` carries the words (both languages)."""

    code = "illegal-transition"
    title = "状态不允许此操作"

    def __init__(
        self,
        entity: str,
        current_state: object,
        action: object,
        *,
        label: Label | None = None,
        state_label: Label | None = None,
        action_label: Label | None = None,
    ) -> None:
        # an enum's value, never its repr (``<UnitStatus.RENTED: 'rented'>``) in a message
        state = str(getattr(current_state, "value", current_state))
        act = str(getattr(action, "value", action))
        entity_zh, entity_en = label or ("", entity)
        state_zh, state_en = state_label or (_words(state), _words(state))
        act_zh, act_en = action_label or ("此操作", _words(act))
        super().__init__(
            f"{entity_zh}当前为“{state_zh}”，不能{act_zh} "
            f"({entity_en} is {state_en}; cannot {act_en})",
            current_state=state,
            action=act,
            current_state_label=f"{state_zh} ({state_en})",
        )
