"""Recalls (召回): a hold on a device type, one model of it, or one production batch.

While a hold stands, no unit it covers is lent, reserved, given away or handed out as a
replacement: the refusal names the recall in words. The units out on loan are listed
for recovery (``service_layer/recalls.py``). Staff place and lift holds, with a reason.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from svckit.domain.errors import Conflict
from svckit.domain.fields import FieldErrors, require_text
from svckit.domain.statemachine import StateMachine

from .catalogue import DeviceType
from .events import DomainEvent, RecallLifted, RecallPlaced
from .units import Unit, lot_code


class RecallStatus(enum.StrEnum):
    ACTIVE = "active"
    LIFTED = "lifted"


class RecallScope(enum.StrEnum):
    TYPE = "type"  # every unit of the device type
    MODEL = "model"  # the units of one model of the type
    BATCH = "batch"  # the units of one production batch (of one model, if given)


RECALL_MACHINE = StateMachine("recall", {
    (RecallStatus.ACTIVE, "lift"): RecallStatus.LIFTED,
}, label=("召回", "the recall"), state_labels={
    RecallStatus.ACTIVE: ("暂停出借中", "in force"),
    RecallStatus.LIFTED: ("已解除", "lifted"),
}, action_labels={"lift": ("解除", "lift it")})

SCOPE_LABELS = {
    RecallScope.TYPE: ("整个类型", "the whole type"),
    RecallScope.MODEL: ("型号", "model"),
    RecallScope.BATCH: ("批次", "batch"),
}


@dataclass(eq=False)
class Recall:
    """A hold on ``type_id``, narrowed to ``model`` and/or ``batch`` when given."""

    type_id: uuid.UUID
    type_name: str
    model: str | None
    batch: str | None
    reason: str
    placed_by: str
    placed_at: datetime
    status: RecallStatus = RecallStatus.ACTIVE
    lifted_by: str | None = None
    lifted_at: datetime | None = None
    lift_reason: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def place(cls, *, device_type: DeviceType, model: object, batch: object, reason: object,
              by: str, now: datetime) -> Recall:
        errors = FieldErrors()
        clean_model = lot_code(errors, "model", model)
        clean_batch = lot_code(errors, "batch", batch)
        clean_reason = errors.text("reason", reason, 500)
        errors.raise_if_any()
        recall = cls(type_id=device_type.id, type_name=device_type.name_zh, model=clean_model,
                     batch=clean_batch, reason=clean_reason, placed_by=by, placed_at=now)
        recall.events.append(RecallPlaced(
            recall_id=recall.id, type_id=recall.type_id, scope=recall.scope.value,
            model=recall.model, batch=recall.batch, reason=recall.reason, occurred_at=now))
        return recall

    @property
    def scope(self) -> RecallScope:
        if self.batch is not None:
            return RecallScope.BATCH
        return RecallScope.MODEL if self.model is not None else RecallScope.TYPE

    @property
    def active(self) -> bool:
        return self.status == RecallStatus.ACTIVE

    def matches(self, unit: Unit) -> bool:
        """The hold covers ``unit``: same type, and the model and batch it names (a unit
        whose model or batch is not recorded is covered only by a hold on the type)."""
        return (unit.type_id == self.type_id
                and (self.model is None or unit.model == self.model)
                and (self.batch is None or unit.batch == self.batch))

    def describe(self) -> tuple[str, str]:
        """What the hold covers, in words (Chinese, English)."""
        zh, en = f"“{self.type_name}”", f"'{self.type_name}'"
        if self.model is not None:
            zh, en = f"{zh}型号{self.model}", f"{en} model {self.model}"
        if self.batch is not None:
            zh, en = f"{zh}批次{self.batch}", f"{en} batch {self.batch}"
        return zh, en

    def refusal(self) -> Conflict:
        """The 409 a lending action gets while the hold stands, naming the recall."""
        zh, en = self.describe()
        return Conflict(
            f"{zh}已召回，暂停出借：{self.reason} (recalled: {en} is not lent while the "
            f"recall stands: {self.reason})",
            current_state="recalled", recall_id=str(self.id))

    def lift(self, *, by: str, reason: object, now: datetime) -> None:
        clean = require_text("reason", reason)
        self.status = RecallStatus(RECALL_MACHINE.next(self.status, "lift"))
        self.lifted_by, self.lifted_at, self.lift_reason = by, now, clean
        self.events.append(RecallLifted(recall_id=self.id, type_id=self.type_id,
                                        reason=clean, occurred_at=now))


def ensure_not_recalled(unit: Unit, recalls: Iterable[Recall]) -> None:
    """409 naming the first standing hold that covers ``unit``."""
    for recall in recalls:
        if recall.active and recall.matches(unit):
            raise recall.refusal()
