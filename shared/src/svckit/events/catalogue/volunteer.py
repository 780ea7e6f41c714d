"""Events produced by the volunteer service (绿挎包)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from svckit.domain.task_types import TASK_TYPE_LABELS
from svckit.events.catalogue import CATALOGUE
from svckit.events.catalogue.fields import Division, SealedText, SourceRef, Text, When

P = "volunteer"

TASK_TYPES = list(TASK_TYPE_LABELS)


class TaskResult(Schema):
    """What the volunteer brought back (a satisfaction visit's score and comment, a note)."""

    score = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 5))
    comment = Text(500, load_default=None, allow_none=True)
    note = Text(500, load_default=None, allow_none=True)


class _Task(Schema):
    task_id = fields.UUID(required=True)
    task_type = fields.String(required=True, validate=validate.OneOf(TASK_TYPES))
    source = fields.Nested(SourceRef, required=True)
    division_code = Division(required=True)


@CATALOGUE.register("volunteer.task_offered", 1, P, "A task was offered to one volunteer.")
class TaskOffered(_Task):
    volunteer_id = fields.UUID(required=True)
    expires_at = When(required=True)
    #: for the offer's SMS (notify): the volunteer's phone, sealed (ADR 0013), and when
    #: the visit is to start
    volunteer_phone = SealedText(20, load_default=None, allow_none=True)
    starts_at = When(load_default=None, allow_none=True)


@CATALOGUE.register("volunteer.task_assigned", 1, P,
                    "A volunteer accepted a task (or a coordinator assigned it).")
class TaskAssigned(_Task):
    volunteer_id = fields.UUID(required=True)
    by_hand = fields.Boolean(required=True)


@CATALOGUE.register(
    "volunteer.task_completed", 1, P,
    "A task was done. The asking service updates its record (delivered, picked up, visit "
    "made, satisfaction recorded) from the source reference and the result.",
)
class TaskCompleted(_Task):
    volunteer_id = fields.UUID(required=True)
    completed_at = When(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(["completed", "auto_closed"]))
    result = fields.Nested(TaskResult, load_default=dict)


@CATALOGUE.register(
    "volunteer.task_failed", 1, P,
    "A task could not be done (e.g. nobody home, device refused), or (outcome expired) "
    "nobody took it before its window ended. The asking service shows the reason on its "
    "record and may ask again.",
)
class TaskFailed(_Task):
    reason = Text(500, required=True)
    failed_at = When(required=True)
    outcome = fields.String(load_default="failed",
                            validate=validate.OneOf(["failed", "expired"]))


@CATALOGUE.register(
    "volunteer.task_escalated", 1, P,
    "A task goes to its coordinator by hand: the automatic re-offers reached their limit "
    "or nobody else is eligible (raised once until someone takes it).",
)
class TaskEscalated(_Task):
    reason = Text(200, required=True)
    reoffers = fields.Integer(required=True, validate=validate.Range(min=0))
    coordinator_id = fields.UUID(load_default=None, allow_none=True)
    window_end = When(required=True)
    escalated_at = When(required=True)
