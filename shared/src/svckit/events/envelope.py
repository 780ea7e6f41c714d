"""The one envelope every event travels in."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate


class EnvelopeError(ValueError):
    """A message whose envelope cannot be read (not JSON, or fields missing/invalid)."""


class EnvelopeSchema(Schema):
    id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]+\.[a-z_.]+$"))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    producer = fields.String(required=True, validate=validate.Length(min=1, max=64))
    correlation_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    causation_id = fields.String(allow_none=True, load_default=None)
    subject_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    payload = fields.Dict(keys=fields.String(), required=True)


_SCHEMA = EnvelopeSchema()


@dataclass(frozen=True)
class Envelope:
    type: str
    version: int
    producer: str
    subject_id: str
    payload: dict[str, Any]
    correlation_id: str
    causation_id: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_dict(self) -> dict[str, Any]:
        return dict(_SCHEMA.dump(self))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: Any) -> Envelope:
        try:
            loaded = _SCHEMA.load(data)
        except ValidationError as exc:
            raise EnvelopeError(f"invalid envelope: {exc.messages}") from exc
        return cls(**loaded)

    @classmethod
    def from_json(cls, raw: str | bytes) -> Envelope:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise EnvelopeError(f"not JSON: {exc}") from exc
        return cls.from_dict(data)
