"""Declarative state machines for the domain layer."""

from __future__ import annotations

from collections.abc import Mapping

from svckit.domain.errors import IllegalTransition


class StateMachine:
    """A table of legal transitions: ``{(state, action): next_state}``.

    Keeps every state machine in the domain layer declarative and testable: the
    tests iterate the table for the legal moves and its complement for the illegal.
    """

    def __init__(self, entity: str, table: Mapping[tuple[str, str], str]) -> None:
        self.entity = entity
        self.table = dict(table)
        self.states = sorted({s for s, _ in self.table} | set(self.table.values()))
        self.actions = sorted({a for _, a in self.table})

    def next(self, current: str, action: str) -> str:
        try:
            return self.table[(current, action)]
        except KeyError:
            raise IllegalTransition(self.entity, current, action) from None

    def allowed(self, current: str) -> list[str]:
        return sorted(a for (s, a) in self.table if s == current)
