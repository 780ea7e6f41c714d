"""Events produced by the inventory service (辅具租赁)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from svckit.events.catalogue import CATALOGUE
from svckit.events.catalogue.fields import (
    Division,
    Fen,
    MaskedCertificate,
    SealedText,
    SourceRef,
    Text,
    VisitRequest,
    When,
)

P = "inventory"


@CATALOGUE.register("rental.checked_out", 1, P, "A unit was lent to a borrower.")
class RentalCheckedOut(Schema):
    rental_id = fields.UUID(required=True)
    rental_number = Text(24, load_default=None, allow_none=True)  # ZL-371502-2026-000123
    unit_id = fields.UUID(required=True)
    asset_tag = Text(40, required=True)
    device_type_id = fields.UUID(required=True)
    iso_code = Text(20, required=True)
    station_id = fields.UUID(required=True)
    division_code = Division(required=True)
    borrower_certificate = MaskedCertificate(required=True)
    due_on = fields.Date(required=True)
    fee_fen = Fen(required=True)
    deposit_fen = Fen(required=True)
    waiver = Text(40, load_default=None, allow_none=True)
    home_delivery = fields.Boolean(required=True)
    # for the borrower's reminders (notify): whom to text and what to say. The phone is
    # sealed (ADR 0013); absent in events published before these fields existed.
    borrower_id = fields.UUID(load_default=None, allow_none=True)
    borrower_phone = SealedText(20, load_default=None, allow_none=True)
    device_name = Text(100, load_default=None, allow_none=True)
    station_name = Text(100, load_default=None, allow_none=True)


@CATALOGUE.register(
    "rental.extended", 1, P,
    "A rental's due date moved later. The borrower's reminders are re-armed for it (notify).",
)
class RentalExtended(Schema):
    rental_id = fields.UUID(required=True)
    unit_id = fields.UUID(required=True)
    asset_tag = Text(40, required=True)
    station_id = fields.UUID(required=True)
    previous_due_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    fee_fen = Fen(required=True)
    borrower_id = fields.UUID(required=True)
    borrower_phone = SealedText(20, load_default=None, allow_none=True)  # sealed (ADR 0013)
    device_name = Text(100, required=True)
    station_name = Text(100, required=True)


@CATALOGUE.register("rental.returned", 1, P, "A rented unit came back, graded.")
class RentalReturned(Schema):
    rental_id = fields.UUID(required=True)
    rental_number = Text(24, load_default=None, allow_none=True)  # ZL-371502-2026-000123
    unit_id = fields.UUID(required=True)
    station_id = fields.UUID(required=True)
    condition = fields.String(required=True, validate=validate.OneOf(["A", "B", "C", "D"]))
    returned_at = When(required=True)
    refund_fen = Fen(required=True)
    damage_charge_fen = Fen(required=True)


@CATALOGUE.register(
    "rental.delivery_requested", 1, P,
    "Deliver a unit to a home: a rental with home delivery (source kind rental_delivery) "
    "or a unit reserved for a renovation plan (device_delivery). Volunteers react.",
)
class DeliveryRequested(VisitRequest):
    rental_id = fields.UUID(load_default=None, allow_none=True)
    rental_number = Text(24, load_default=None, allow_none=True)  # ZL-371502-2026-000123
    reservation_id = fields.UUID(load_default=None, allow_none=True)
    station_id = fields.UUID(required=True)
    asset_tag = Text(40, required=True)


@CATALOGUE.register("rental.pickup_requested", 1, P,
                    "Pick a rented unit up from a home (source kind rental_pickup).")
class PickupRequested(VisitRequest):
    rental_id = fields.UUID(required=True)
    rental_number = Text(24, load_default=None, allow_none=True)  # ZL-371502-2026-000123
    station_id = fields.UUID(required=True)
    asset_tag = Text(40, required=True)


@CATALOGUE.register("rental.visit_cancelled", 1, P,
                    "A delivery or pickup asked for earlier is no longer needed.")
class VisitCancelled(Schema):
    source = fields.Nested(SourceRef, required=True)
    reason = Text(200, required=True)


@CATALOGUE.register(
    "rental.overdue", 1, P,
    "A rental is still out 7 days after its due date, after that morning's last SMS "
    "reminder (from 09:00 China time on the 7th day overdue; once per overdue spell). "
    "Volunteers phone the borrower (source kind overdue_call).",
)
class RentalOverdue(VisitRequest):
    rental_id = fields.UUID(required=True)
    rental_number = Text(24, load_default=None, allow_none=True)  # ZL-371502-2026-000123
    station_id = fields.UUID(required=True)
    due_on = fields.Date(required=True)
    days_overdue = fields.Integer(required=True, validate=validate.Range(min=1))
    borrower_certificate = MaskedCertificate(required=True)


@CATALOGUE.register("unit.written_off", 1, P, "A unit left stock for good (lost, beyond repair).")
class UnitWrittenOff(Schema):
    unit_id = fields.UUID(required=True)
    asset_tag = Text(40, required=True)
    station_id = fields.UUID(required=True)
    reason = Text(200, required=True)


@CATALOGUE.register(
    "unit.available", 1, P,
    "A unit became available for lending at a station: taken into stock (register), "
    "received from another station (receive), cleaned after a return (finish_cleaning) or "
    "repaired (finish_repair). Renovation asks again for a device it was told was "
    "unavailable in the station's district.",
)
class UnitAvailable(Schema):
    unit_id = fields.UUID(required=True)
    asset_tag = Text(40, required=True)
    device_type_id = fields.UUID(required=True)
    iso_code = Text(20, required=True)
    station_id = fields.UUID(required=True)
    division_code = Division(required=True)
    how = fields.String(required=True, validate=validate.OneOf(
        ["register", "receive", "finish_cleaning", "finish_repair"]))


@CATALOGUE.register(
    "device.reserved", 1, P,
    "Answer to renovation.device_requested: a unit is held at a station and its delivery "
    "has been asked for.",
)
class DeviceReserved(Schema):
    request_id = fields.UUID(required=True)
    reservation_id = fields.UUID(required=True)
    unit_id = fields.UUID(required=True)
    asset_tag = Text(40, required=True)
    station_id = fields.UUID(required=True)
    station_name = Text(100, required=True)


@CATALOGUE.register("device.delivered", 1, P,
                    "A unit asked for by a renovation plan reached the household.")
class DeviceDelivered(Schema):
    request_id = fields.UUID(required=True)
    unit_id = fields.UUID(required=True)
    asset_tag = Text(40, required=True)
    delivered_at = When(required=True)


@CATALOGUE.register(
    "device.unavailable", 1, P,
    "Answer to renovation.device_requested: no unit of the type could be reserved (none in "
    "stock at the stations of the household's city), or a delivery failed for good.",
)
class DeviceUnavailable(Schema):
    request_id = fields.UUID(required=True)
    reason = Text(200, required=True)


@CATALOGUE.register(
    "recall.placed", 1, P,
    "Staff held a device type, one model of it or one production batch (召回): no unit it "
    "covers is lent, reserved or given away until the hold is lifted; units out on loan "
    "are to be recovered.",
)
class RecallPlaced(Schema):
    recall_id = fields.UUID(required=True)
    device_type_id = fields.UUID(required=True)
    iso_code = Text(20, required=True)
    scope = fields.String(required=True, validate=validate.OneOf(["type", "model", "batch"]))
    model = Text(40, load_default=None, allow_none=True)
    batch = Text(40, load_default=None, allow_none=True)
    reason = Text(200, required=True)
    units_out = fields.Integer(required=True, validate=validate.Range(min=0))


@CATALOGUE.register("recall.lifted", 1, P, "A recall's hold was lifted: its units lend again.")
class RecallLifted(Schema):
    recall_id = fields.UUID(required=True)
    device_type_id = fields.UUID(required=True)
    reason = Text(200, required=True)


@CATALOGUE.register(
    "stocktake.closed", 1, P,
    "A station's count (盘点) closed with its discrepancy report: how many units were "
    "expected on the shelf, found, missing, unexpected (another station's or not in stock) "
    "and how many scanned tags no unit carries.",
)
class StocktakeClosed(Schema):
    stocktake_id = fields.UUID(required=True)
    station_id = fields.UUID(required=True)
    expected = fields.Integer(required=True, validate=validate.Range(min=0))
    found = fields.Integer(required=True, validate=validate.Range(min=0))
    missing = fields.Integer(required=True, validate=validate.Range(min=0))
    unexpected = fields.Integer(required=True, validate=validate.Range(min=0))
    unknown_tags = fields.Integer(required=True, validate=validate.Range(min=0))
    closed_at = When(required=True)


@CATALOGUE.register(
    "waitlist.unit_held", 1, P,
    "A unit that became free was held for the first borrower on the waiting list of its "
    "type at its station (entry_id), or for a date booking whose first day came "
    "(booking_id), until expires_at. The borrower is told by SMS (notify).",
)
class WaitlistUnitHeld(Schema):
    reservation_id = fields.UUID(required=True)
    entry_id = fields.UUID(load_default=None, allow_none=True)
    booking_id = fields.UUID(load_default=None, allow_none=True)
    unit_id = fields.UUID(required=True)
    asset_tag = Text(40, required=True)
    device_type_id = fields.UUID(required=True)
    station_id = fields.UUID(required=True)
    expires_at = When(required=True)
    borrower_id = fields.UUID(required=True)
    borrower_phone = SealedText(20, load_default=None, allow_none=True)  # sealed (ADR 0013)
    device_name = Text(100, required=True)
    station_name = Text(100, required=True)
