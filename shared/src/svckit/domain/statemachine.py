"""Declarative state machines for the domain layer."""

from __future__ import annotations

from collections.abc import Mapping

from svckit.domain.errors import IllegalTransition, Label


class StateMachine:
    """A table of legal transitions: ``{(state, action): next_state}``.

    Keeps every state machine in the domain layer declarative and testable: the
    tests iterate the table for the legal moves and its complement for the illegal.

    ``label``, ``state_labels`` and ``action_labels`` are the words a clerk reads,
    ``(Chinese, English)``: a refused transition says "设备当前为“运输中”，不能出借 (the
    unit is in transit; cannot check out)", never a code or an enum.
    """

    def __init__(
        self,
        entity: str,
        table: Mapping[tuple[str, str], str],
        *,
        label: Label | None = None,
        state_labels: Mapping[str, Label] | None = None,
        action_labels: Mapping[str, Label] | None = None,
    ) -> None:
        self.entity = entity
        self.table = dict(table)
        self.states = sorted({s for s, _ in self.table} | set(self.table.values()))
        self.actions = sorted({a for _, a in self.table})
        self.label = label
        self.state_labels = {str(k): v for k, v in (state_labels or {}).items()}
        self.action_labels = {str(k): v for k, v in (action_labels or {}).items()}

    def state_label(self, state: object) -> Label | None:
        return self.state_labels.get(str(getattr(state, "value", state)))

    def refuse(self, current: object, action: object) -> IllegalTransition:
        """The error for ``action`` in state ``current`` (also for refusals that a use case
        decides outside the table)."""
        return IllegalTransition(
            self.entity, current, action, label=self.label,
            state_label=self.state_label(current),
            action_label=self.action_labels.get(str(getattr(action, "value", action))))

    def next(self, current: str, action: str) -> str:
        try:
            return self.table[(current, action)]
        except KeyError:
            raise self.refuse(current, action) from None

    def allowed(self, current: str) -> list[str]:
        return sorted(a for (s, a) in self.table if s == current)
