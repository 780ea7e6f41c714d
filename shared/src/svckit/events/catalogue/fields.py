"""Field types shared by the event schemas.

Personal data in events is minimal and masked *by schema*: a certificate number field
accepts only the masked form, so a full number can never be published by mistake.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from svckit.events import sealing


def Division(**kw: Any) -> fields.String:
    return fields.String(validate=validate.Regexp(r"^\d{6}$", error="6-digit GB/T 2260 code"),
                         **kw)


def MaskedCertificate(**kw: Any) -> fields.String:
    return fields.String(
        validate=validate.Regexp(r"^[0-9]{4}\*{12}[0-9X]{4}$", error="must be masked"), **kw
    )


def MaskedPhone(**kw: Any) -> fields.String:
    return fields.String(
        validate=validate.Regexp(r"^[0-9]{3}\*+[0-9]{4}$", error="must be masked"), **kw
    )


class Sealed(fields.String):
    """A personal value that travels encrypted (``svckit.events.sealing``; ADR 0013):
    dumped sealed with the process's current event key, loaded back to the clear value
    (which the validators then check). A consumer without the key cannot load the event."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return sealing.keyring().seal(str(value))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return sealing.keyring().open(raw)
        except sealing.SealError as exc:
            raise ValidationError(str(exc)) from None


def SealedText(n: int = 200, **kw: Any) -> Sealed:
    return Sealed(validate=validate.Length(max=n), **kw)


def Fen(**kw: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=0), **kw)


def When(**kw: Any) -> fields.AwareDateTime:
    return fields.AwareDateTime(format="iso", **kw)


def Text(n: int = 200, **kw: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=n), **kw)


SOURCE_KINDS = (
    "rental_delivery",  # inventory: deliver a rented unit to the borrower's home
    "rental_pickup",  # inventory: pick a rented unit up from the borrower's home
    "device_delivery",  # inventory: deliver a unit reserved for a renovation plan
    "overdue_call",  # inventory: phone follow-up of an overdue rental
    "assessment",  # renovation: accompany the assessor on the home visit
    "acceptance_visit",  # renovation: follow-up visit when works are handed over
    "satisfaction_visit",  # renovation: satisfaction survey after acceptance
    "manual",  # volunteer: a task a coordinator created by hand
)


class SourceRef(Schema):
    """What a volunteer task was raised for: the asking service, the kind and its id."""

    service = fields.String(required=True, validate=validate.OneOf(
        ["inventory", "renovation", "volunteer"]))
    kind = fields.String(required=True, validate=validate.OneOf(SOURCE_KINDS))
    id = fields.String(required=True, validate=validate.Length(min=1, max=100))


class VisitRequest(Schema):
    """The part every event that asks volunteers for a visit/delivery carries."""

    source = fields.Nested(SourceRef, required=True)
    division_code = Division(required=True)
    address = SealedText(200, required=True)  # sealed; shown to the assigned volunteer only
    contact_name = Text(20, load_default=None, allow_none=True)  # surname + 某, e.g. 王某
    contact_phone = MaskedPhone(load_default=None, allow_none=True)
    window_start = When(required=True)
    window_end = When(required=True)
    summary = Text(200, required=True)  # what to do, in Chinese, no personal data

    @validates_schema
    def _window(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("window_start"), data.get("window_end")
        if start and end and end < start:
            raise ValidationError("window_end is before window_start", "window_end")
