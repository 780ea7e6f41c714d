"""Request and response schemas (marshmallow). Unknown fields are refused (the default).

Responses dump the domain objects directly. Personal data is masked in every response
except ``BorrowerPersonalOut``, served by the one endpoint that exists to show it (and
logs the read).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from svckit.domain.division import name_of
from svckit.domain.masking import mask_name
from svckit.http.pagination import PageArgs, paged
from svckit.pipl import PurposeArgs

from inventory.domain.iso9999 import EDITION as ISO_EDITION
from inventory.domain.recalls import RECALL_MACHINE

GRADES = ["A", "B", "C", "D"]
PAYMENT_KINDS = ["fee", "deposit", "deposit_refund", "damage_deduction"]
METHODS = ["cash", "wechat_pay", "alipay"]



MAX_FEN = 10**12  # 100亿元: far above any price, far below PostgreSQL's bigint


def Fen(**kw: Any) -> fields.Integer:
    """Money: an int of fen, 0..MAX_FEN (the domain checks the business limits)."""
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_FEN), **kw)


def Reason(**kw: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=500), **kw)


def Lot(**kw: Any) -> fields.String:
    """A model or batch as typed (the domain normalises and checks it; blank: none)."""
    return fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=60), **kw)


# -- stations and catalogue ---------------------------------------------------------------

class StationIn(Schema):
    name = fields.String(required=True, validate=validate.Length(max=100))
    division_code = fields.String(required=True, metadata={"example": "371502"})
    address = fields.String(required=True, validate=validate.Length(max=200))
    phone = fields.String(required=True, metadata={"example": "0635-8241234"})
    opening_days = fields.List(fields.Integer(), required=True,
                               metadata={"description": "ISO weekdays, 1 = Monday"})
    active = fields.Boolean(load_default=True)


class StationPatch(Schema):
    name = fields.String(validate=validate.Length(max=100))
    division_code = fields.String()
    address = fields.String(validate=validate.Length(max=200))
    phone = fields.String()
    opening_days = fields.List(fields.Integer())
    active = fields.Boolean()


class StationOut(Schema):
    id = fields.UUID()
    name = fields.String()
    division_code = fields.String()
    division_name = fields.Function(lambda s: name_of(s.division_code))
    address = fields.String()
    phone = fields.String()
    opening_days = fields.List(fields.Integer())
    active = fields.Boolean()


class StationListArgs(PageArgs):
    division_code = fields.String(validate=validate.Regexp(r"^\d{6}$"))


class DeviceTypeIn(Schema):
    iso_code = fields.String(required=True, metadata={"example": "12 22 03"})
    name_zh = fields.String(required=True, validate=validate.Length(max=100))
    mode = fields.String(required=True, validate=validate.OneOf(["rentable", "allocate_only"]))
    daily_fee_fen = Fen(load_default=0)
    deposit_fen = Fen(load_default=0)
    max_rental_days = fields.Integer(strict=True, load_default=None, allow_none=True)
    cleaning_buffer_hours = fields.Integer(strict=True, load_default=0)
    specs = fields.Dict(keys=fields.String(validate=validate.Length(max=50)),
                        values=fields.String(validate=validate.Length(max=200)),
                        load_default=dict, validate=validate.Length(max=30))


class DeviceTypeOut(Schema):
    iso_edition = fields.Function(lambda t: ISO_EDITION, metadata={
        "description": "the classification the code is from (GB/T 16432-2025 / ISO 9999)"})
    id = fields.UUID()
    iso_code = fields.String()
    name_zh = fields.String()
    mode = fields.String()
    daily_fee_fen = fields.Integer()
    deposit_fen = fields.Integer()
    max_rental_days = fields.Integer(allow_none=True)
    cleaning_buffer_hours = fields.Integer()
    specs = fields.Dict(keys=fields.String(), values=fields.String())


# -- units ----------------------------------------------------------------------------

class LoanLimitIn(Schema):
    iso_class = fields.String(required=True, validate=validate.Length(max=10), metadata={
        "description": "ISO 9999 class and subclass, e.g. 12 22 (manual wheelchairs)"})
    max_open = fields.Integer(required=True, strict=True, validate=validate.Range(1, 99))


class LoanLimitArgs(Schema):
    iso_class = fields.String(validate=validate.Length(max=10))


class LoanLimitOut(Schema):
    iso_class = fields.String()
    max_open = fields.Integer()


class LoanLimitList(Schema):
    items = fields.List(fields.Nested(LoanLimitOut))


class UnitIn(Schema):
    asset_tag = fields.String(required=True, metadata={"example": "LC-WC-0001"})
    serial = fields.String(required=True)
    type_id = fields.UUID(required=True)
    station_id = fields.UUID(required=True)
    condition = fields.String(required=True, validate=validate.OneOf(GRADES))
    acquisition = fields.String(required=True, validate=validate.OneOf(["purchase", "donation"]))
    acquired_on = fields.Date(required=True)
    cost_fen = Fen(required=True)
    model = Lot(metadata={"description": "型号 from the device's plate", "example": "H005"})
    batch = Lot(metadata={"description": "生产批次", "example": "2024-03B"})


class UnitPatch(Schema):
    model = Lot()
    batch = Lot()


class UnitOut(Schema):
    id = fields.UUID()
    asset_tag = fields.String()
    serial = fields.String()
    type_id = fields.UUID()
    home_station_id = fields.UUID()
    current_station_id = fields.UUID()
    condition = fields.String()
    acquisition = fields.String()
    acquired_on = fields.Date()
    cost_fen = fields.Integer()
    status = fields.String()
    cleaning_until = fields.AwareDateTime(allow_none=True)
    model = fields.String(allow_none=True)
    batch = fields.String(allow_none=True)


class UnitListArgs(PageArgs):
    station_id = fields.UUID()
    type_id = fields.UUID()
    status = fields.String(validate=validate.OneOf([
        "available", "reserved", "rented", "in_transit", "cleaning", "maintenance",
        "allocated", "written_off"]))


class MovementOut(Schema):
    id = fields.UUID()
    at = fields.AwareDateTime()
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    from_station_id = fields.UUID(allow_none=True)
    to_station_id = fields.UUID()
    reference = fields.UUID(allow_none=True)
    note = fields.String()


class WriteOffIn(Schema):
    reason = Reason(required=True)


class AvailabilityArgs(Schema):
    type_id = fields.UUID(required=True)
    division_code = fields.String(metadata={
        "description": "the household's division: only stations of its city, nearest first"})


class AvailabilityOut(Schema):
    station_id = fields.UUID()
    station_name = fields.String()
    division_code = fields.String()
    same_county = fields.Boolean()
    available = fields.Integer()


# -- borrowers ------------------------------------------------------------------------

class BorrowerIn(Schema):
    certificate_number = fields.String(required=True, validate=validate.Length(max=40),
                                       metadata={"example": "37150219800101001X42"})
    name = fields.String(required=True, validate=validate.Length(max=50))
    phone = fields.String(required=True, validate=validate.Length(max=20))
    address = fields.String(required=True, validate=validate.Length(max=200))
    division_code = fields.String(required=True)
    dibao = fields.Boolean(load_default=False, metadata={"description": "低保"})
    tekun = fields.Boolean(load_default=False, metadata={"description": "特困"})
    consent = fields.Boolean(load_default=False,
                             metadata={"description": "signed the PIPL consent now"})
    station_id = fields.UUID(load_default=None, metadata={
        "description": "the station registering (default: the caller's only station)"})


class BorrowerPatch(Schema):
    name = fields.String(validate=validate.Length(max=50))
    phone = fields.String(validate=validate.Length(max=20))
    address = fields.String(validate=validate.Length(max=200))
    division_code = fields.String()
    dibao = fields.Boolean()
    tekun = fields.Boolean()
    consent = fields.Boolean()


class LookupIn(Schema):
    certificate_number = fields.String(required=True, validate=validate.Length(max=40))


PersonalArgs = PurposeArgs  # ?purpose= (2-200 characters), svckit.pipl


class BorrowerOut(Schema):
    id = fields.UUID()
    certificate_masked = fields.Function(lambda b: b.masked_certificate)
    category = fields.Function(lambda b: int(b.category))
    category_label = fields.Function(lambda b: b.category.label_zh)
    grade = fields.Function(lambda b: b.grade)
    severe = fields.Function(lambda b: b.is_severe)
    name_masked = fields.Function(lambda b: mask_name(b.name))
    phone_masked = fields.Function(lambda b: b.masked_phone)
    division_code = fields.String()
    dibao = fields.Boolean()
    tekun = fields.Boolean()
    consent_at = fields.AwareDateTime(allow_none=True)
    registered_station_id = fields.UUID(allow_none=True)
    waiver = fields.Function(lambda b: b.waiver.value if b.waiver else None)
    status = fields.String()
    status_label = fields.Function(lambda b: b.status_label)
    status_reason = fields.String()
    status_changed_at = fields.AwareDateTime(allow_none=True)
    anonymised_at = fields.AwareDateTime(allow_none=True)


class BorrowerStatusIn(Schema):
    status = fields.String(required=True, metadata={
        "description": "active, deceased, moved_away or certificate_cancelled"})
    reason = Reason(required=True)


class BorrowerPersonalOut(BorrowerOut):
    certificate_number = fields.String()
    name = fields.String()
    phone = fields.String()
    address = fields.String()


class RentalContactOut(Schema):
    """The borrower's full name and phone of an active rental (the read is logged)."""

    rental_id = fields.UUID()
    rental_number = fields.String()
    borrower_id = fields.UUID()
    name = fields.String()
    phone = fields.String()
    due_on = fields.Date()
    days_overdue = fields.Integer()


class BorrowerListArgs(PageArgs):
    division_code = fields.String(validate=validate.Regexp(r"^\d{6}$"))
    certificate_tail = fields.String(validate=validate.Regexp(r"^\d{4}$"), metadata={
        "description": "the last four characters of the certificate number (those the "
                       "masked value shows)"})


# -- reservations -----------------------------------------------------------------------

class ReservationIn(Schema):
    station_id = fields.UUID(required=True)
    borrower_id = fields.UUID(required=True)
    type_id = fields.UUID(load_default=None)
    unit_id = fields.UUID(load_default=None)
    expires_at = fields.AwareDateTime(load_default=None, metadata={
        "description": "default 48 hours from now, at most 14 days"})


class ReservationOut(Schema):
    id = fields.UUID()
    unit_id = fields.UUID()
    type_id = fields.UUID()
    station_id = fields.UUID()
    borrower_id = fields.UUID(allow_none=True)
    request_ref = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    status = fields.String()
    closed_at = fields.AwareDateTime(allow_none=True)


class ReservationListArgs(PageArgs):
    station_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(["held", "fulfilled", "cancelled",
                                                    "expired"]))


class NoteIn(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=500))


# -- rentals ----------------------------------------------------------------------------

class CheckOutIn(Schema):
    station_id = fields.UUID(required=True)
    borrower_id = fields.UUID(required=True)
    due_on = fields.Date(required=True)
    type_id = fields.UUID(load_default=None, metadata={"description": "any free unit of it"})
    unit_id = fields.UUID(load_default=None)
    asset_tag = fields.String(load_default=None, validate=validate.Length(max=32))
    reservation_id = fields.UUID(load_default=None)
    home_delivery = fields.Boolean(load_default=False)
    delivery_by = fields.AwareDateTime(load_default=None)
    override_reason = Reason(load_default=None, metadata={
        "description": "supervisor only: lend although the borrower has an overdue rental"})


class RentalOut(Schema):
    id = fields.UUID()
    number = fields.String(metadata={
        "description": "the rental number people see, e.g. ZL-371502-2026-000123"})
    unit_id = fields.UUID()
    type_id = fields.UUID()
    station_id = fields.UUID()
    borrower_id = fields.UUID()
    checked_out_at = fields.AwareDateTime()
    due_on = fields.Date()
    max_rental_days = fields.Integer()
    daily_fee_fen = fields.Integer()
    fee_fen = fields.Integer()
    deposit_fen = fields.Integer()
    waiver = fields.String(allow_none=True)
    status = fields.String()
    logistics = fields.String()
    logistics_problem = fields.String(allow_none=True, metadata={
        "description": "set when a delivery or pickup request could not be dispatched"})
    override_by = fields.String(allow_none=True)
    override_reason = fields.String(allow_none=True)
    overdue_noticed_at = fields.AwareDateTime(allow_none=True)
    returned_at = fields.AwareDateTime(allow_none=True)
    return_condition = fields.String(allow_none=True)
    return_notes = fields.String()
    damage_charge_fen = fields.Integer()
    deposit_refund_fen = fields.Integer()
    recovery_reason = fields.String(allow_none=True, metadata={
        "description": "set when the unit should come back early (the borrower's status "
                       "changed)"})


class VisitOut(Schema):
    task_id = fields.UUID()
    source_kind = fields.String()
    outcome = fields.String()
    note = fields.String()
    at = fields.AwareDateTime()


class RentalDetailOut(RentalOut):
    visits = fields.List(fields.Nested(VisitOut))


class RentalListArgs(PageArgs):
    station_id = fields.UUID()
    borrower_id = fields.UUID()
    unit_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(["active", "returned", "lost"]))
    number = fields.String(validate=validate.Length(max=40), metadata={
        "description": "the rental number as typed, e.g. ZL-371502-2026-000123"})


class ExtendIn(Schema):
    due_on = fields.Date(required=True)


class ReturnIn(Schema):
    condition = fields.String(required=True, validate=validate.OneOf(GRADES))
    notes = fields.String(load_default="", validate=validate.Length(max=500))
    damage_charge_fen = Fen(load_default=0)
    refund_method = fields.String(load_default=None, validate=validate.OneOf(METHODS), metadata={
        "description": "settle the deposit now: the damage charge is deducted from the "
                       "deposit held and the rest refunded by this method"})
    refund_reference = fields.String(load_default="", validate=validate.Length(max=64))


class LostIn(Schema):
    reason = Reason(required=True)


class SwapIn(Schema):
    fault = Reason(required=True, metadata={"description": "what is wrong with the unit"})
    unit_id = fields.UUID(load_default=None, metadata={
        "description": "the replacement; without it and asset_tag, any free unit of the type"})
    asset_tag = fields.String(load_default=None, validate=validate.Length(max=40))


class RepairIn(Schema):
    fault = Reason(required=True)


class VisitIn(Schema):
    window_end = fields.AwareDateTime(load_default=None,
                                      metadata={"description": "default: 48 hours"})


class CancelIn(Schema):
    reason = Reason(load_default="")


# -- allocations, transfers, maintenance ----------------------------------------------

class AllocateIn(Schema):
    unit_id = fields.UUID(required=True)
    borrower_id = fields.UUID(required=True)
    reason = Reason(required=True, metadata={"description": "e.g. the fitting reference"})


class AllocationOut(Schema):
    id = fields.UUID()
    unit_id = fields.UUID()
    type_id = fields.UUID()
    station_id = fields.UUID()
    borrower_id = fields.UUID(allow_none=True)
    request_ref = fields.String(allow_none=True)
    allocated_at = fields.AwareDateTime()
    reason = fields.String()
    eligibility = fields.String(allow_none=True)
    recovery_reason = fields.String(allow_none=True)
    reclaimed_at = fields.AwareDateTime(allow_none=True)
    reclaim_reason = fields.String()


class ReclaimIn(Schema):
    condition = fields.String(required=True, validate=validate.OneOf(GRADES))
    reason = Reason(required=True)


class StationFilterArgs(PageArgs):
    station_id = fields.UUID()


class TransferIn(Schema):
    unit_id = fields.UUID(required=True)
    to_station_id = fields.UUID(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=500))


class ReceiveIn(Schema):
    station_id = fields.UUID(required=True, metadata={"description": "the receiving station"})


class TransferOut(Schema):
    id = fields.UUID()
    unit_id = fields.UUID()
    asset_tag = fields.String(metadata={"description": "in lists only"})
    from_station_id = fields.UUID()
    to_station_id = fields.UUID()
    dispatched_at = fields.AwareDateTime()
    note = fields.String()
    status = fields.String()
    received_at = fields.AwareDateTime(allow_none=True)


class TransferListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(["in_transit", "received", "lost"]))


class TicketIn(Schema):
    unit_id = fields.UUID(required=True)
    fault = Reason(required=True)


class ResolveIn(Schema):
    condition = fields.String(required=True, validate=validate.OneOf(GRADES))
    repair_cost_fen = Fen(load_default=0)
    resolution = fields.String(load_default="", validate=validate.Length(max=500))


class TicketWriteOffIn(Schema):
    reason = Reason(required=True)
    repair_cost_fen = Fen(load_default=0)


class TicketOut(Schema):
    id = fields.UUID()
    unit_id = fields.UUID()
    rental_id = fields.UUID(allow_none=True, metadata={
        "description": "set when the unit came in from a running rental: repaired, it goes "
                       "back to that borrower"})
    station_id = fields.UUID()
    fault = fields.String()
    opened_at = fields.AwareDateTime()
    status = fields.String()
    repair_cost_fen = fields.Integer()
    resolution = fields.String()
    closed_at = fields.AwareDateTime(allow_none=True)


class TicketListArgs(PageArgs):
    station_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(["open", "in_repair", "resolved",
                                                    "written_off"]))


# -- reports --------------------------------------------------------------------------

# -- the payments ledger ------------------------------------------------------------------

class PaymentIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(PAYMENT_KINDS), metadata={
        "description": "fee | deposit | deposit_refund | damage_deduction"})
    amount_fen = Fen(required=True, metadata={"description": "> 0, in fen"})
    method = fields.String(load_default=None, validate=validate.OneOf(METHODS), metadata={
        "description": "cash | wechat_pay | alipay (not for a damage deduction)"})
    reference = fields.String(load_default="", validate=validate.Length(max=64), metadata={
        "description": "the payer's transaction reference (required for WeChat Pay and "
                       "Alipay)"})
    note = Reason(load_default="")


class ReverseIn(Schema):
    reason = Reason(required=True)


class PaymentOut(Schema):
    id = fields.UUID()
    number = fields.String(metadata={"description": "the receipt number, SJ-371502-2026-000042"})
    rental_id = fields.UUID()
    station_id = fields.UUID()
    kind = fields.String()
    amount_fen = fields.Integer()
    method = fields.String(allow_none=True)
    reference = fields.String()
    note = fields.String()
    recorded_by = fields.String()
    recorded_at = fields.AwareDateTime()
    reverses_id = fields.UUID(allow_none=True, metadata={
        "description": "set on a reversing entry: it counts with the opposite sign"})


class LedgerEntryOut(PaymentOut):
    state = fields.String(metadata={"description": "recorded | reversed | reversal"})


class LedgerOut(Schema):
    rental_id = fields.UUID()
    rental_number = fields.String()
    status = fields.String()
    fee_due_fen = fields.Integer()
    deposit_due_fen = fields.Integer()
    damage_charge_fen = fields.Integer()
    fees_paid_fen = fields.Integer()
    deposits_paid_fen = fields.Integer()
    refunds_fen = fields.Integer()
    deductions_fen = fields.Integer()
    receipts_fen = fields.Integer()
    deposit_held_fen = fields.Integer()
    fee_outstanding_fen = fields.Integer()
    deposit_outstanding_fen = fields.Integer()
    entries = fields.List(fields.Nested(LedgerEntryOut))


class ReceiptOut(LedgerEntryOut):
    reverses_number = fields.String(allow_none=True)
    station_name = fields.String()
    station_phone = fields.String()
    rental_number = fields.String()
    asset_tag = fields.String()
    type_name = fields.String()
    iso_code = fields.String()
    borrower_name_masked = fields.String()
    ledger = fields.Nested(LedgerOut)


class SettlementArgs(Schema):
    station_id = fields.UUID(required=True)
    month = fields.String(required=True, metadata={"example": "2026-12",
                                                   "description": "China calendar month"})


class SettlementEntryOut(PaymentOut):
    rental_number = fields.String()
    cash_fen = fields.Integer(metadata={"description": "+ in, - out of the till"})


class SettlementOut(Schema):
    station_id = fields.UUID()
    station_name = fields.String()
    month = fields.String()
    entries = fields.List(fields.Nested(SettlementEntryOut))
    entry_count = fields.Integer()
    fees_fen = fields.Integer()
    deposits_fen = fields.Integer()
    refunds_fen = fields.Integer()
    deductions_fen = fields.Integer()
    receipts_fen = fields.Integer(metadata={"description": "the till, entry by entry"})
    expected_receipts_fen = fields.Integer(metadata={
        "description": "fees + deposits - refunds"})
    kept_fen = fields.Integer(metadata={"description": "fees + deductions"})
    by_method = fields.Dict(keys=fields.String(), values=fields.Integer())
    deposit_held_opening_fen = fields.Integer()
    deposit_held_closing_fen = fields.Integer()
    balanced = fields.Boolean()


class DepositsHeldArgs(Schema):
    station_id = fields.UUID(load_default=None)


class HeldRentalOut(Schema):
    rental_id = fields.UUID()
    rental_number = fields.String()
    status = fields.String()
    borrower_name_masked = fields.String()
    held_fen = fields.Integer()


class HeldStationOut(Schema):
    station_id = fields.UUID()
    station_name = fields.String()
    held_fen = fields.Integer()
    rentals = fields.List(fields.Nested(HeldRentalOut))


class DepositsHeldOut(Schema):
    items = fields.List(fields.Nested(HeldStationOut))
    total_fen = fields.Integer()


class StockArgs(Schema):
    station_id = fields.UUID(load_default=None)


class StockRowOut(Schema):
    station_id = fields.UUID()
    station_name = fields.String()
    type_id = fields.UUID()
    iso_code = fields.String()
    type_name = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(),
                         metadata={"description": "units by status"})
    total = fields.Integer()


class StockReportOut(Schema):
    items = fields.List(fields.Nested(StockRowOut))


class UtilisationArgs(Schema):
    start = fields.Date(load_default=None)
    end = fields.Date(load_default=None, metadata={"description": "exclusive"})


class UtilisationRowOut(Schema):
    type_id = fields.UUID()
    iso_code = fields.String()
    type_name = fields.String()
    rented_hours = fields.Float()
    in_stock_hours = fields.Float()
    rate = fields.Float()


class UtilisationOut(Schema):
    start = fields.Date()
    end = fields.Date()
    items = fields.List(fields.Nested(UtilisationRowOut))


class OverdueRowOut(Schema):
    rental_id = fields.UUID()
    rental_number = fields.String()
    station_id = fields.UUID()
    unit_id = fields.UUID()
    asset_tag = fields.String()
    due_on = fields.Date()
    days_overdue = fields.Integer()
    borrower_id = fields.UUID()
    borrower_certificate = fields.String()
    borrower_phone = fields.String()
    borrower_contact_name = fields.String(metadata={"description": "a form of address: 王某"})
    overdue_noticed_at = fields.AwareDateTime(allow_none=True)


class RecoveryRowOut(Schema):
    kind = fields.String(metadata={"description": "rental or allocation"})
    rental_id = fields.UUID(allow_none=True)
    rental_number = fields.String(allow_none=True)
    allocation_id = fields.UUID(allow_none=True)
    station_id = fields.UUID()
    unit_id = fields.UUID()
    asset_tag = fields.String()
    borrower_id = fields.UUID()
    borrower_certificate = fields.String()
    reason = fields.String()


RecoveryPage = paged(RecoveryRowOut, "RecoveryPage")
StationPage = paged(StationOut, "StationPage")
DeviceTypePage = paged(DeviceTypeOut, "DeviceTypePage")
UnitPage = paged(UnitOut, "UnitPage")
MovementPage = paged(MovementOut, "MovementPage")
BorrowerPage = paged(BorrowerOut, "BorrowerPage")
ReservationPage = paged(ReservationOut, "ReservationPage")
RentalPage = paged(RentalOut, "RentalPage")
AllocationPage = paged(AllocationOut, "AllocationPage")
TransferPage = paged(TransferOut, "TransferPage")
TicketPage = paged(TicketOut, "TicketPage")
OverduePage = paged(OverdueRowOut, "OverduePage")


class AvailabilityListOut(Schema):
    items = fields.List(fields.Nested(AvailabilityOut))



# -- recalls ----------------------------------------------------------------------------

class RecallIn(Schema):
    type_id = fields.UUID(required=True)
    model = Lot(metadata={"description": "only this model of the type"})
    batch = Lot(metadata={"description": "only this production batch"})
    reason = Reason(required=True, metadata={"example": "厂家召回：刹车失灵风险"})


class RecallLiftIn(Schema):
    reason = Reason(required=True)


class RecallListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(["active", "lifted"]))


class RecallOut(Schema):
    id = fields.UUID()
    type_id = fields.UUID()
    type_name = fields.String()
    scope = fields.String(metadata={"description": "type, model or batch"})
    model = fields.String(allow_none=True)
    batch = fields.String(allow_none=True)
    reason = fields.String()
    status = fields.String()
    status_label = fields.Method("_status_label")
    placed_by = fields.String()
    placed_at = fields.AwareDateTime()
    lifted_by = fields.String(allow_none=True)
    lifted_at = fields.AwareDateTime(allow_none=True)
    lift_reason = fields.String()

    def _status_label(self, recall: Any) -> str:
        label = RECALL_MACHINE.state_label(recall.status)
        return f"{label[0]} ({label[1]})" if label else str(recall.status)


class RecallUnitOut(Schema):
    rental_id = fields.UUID()
    rental_number = fields.String()
    station_id = fields.UUID()
    station_name = fields.String()
    due_on = fields.Date()
    unit_id = fields.UUID()
    asset_tag = fields.String()
    model = fields.String(allow_none=True)
    batch = fields.String(allow_none=True)
    borrower_id = fields.UUID()
    borrower_certificate = fields.String(metadata={"description": "masked"})
    borrower_name = fields.String(metadata={"description": "masked: the surname"})
    borrower_phone = fields.String(metadata={"description": "masked"})


RecallPage = paged(RecallOut, "RecallPage")
RecallUnitPage = paged(RecallUnitOut, "RecallUnitPage")


# -- stocktakes -------------------------------------------------------------------------

class StocktakeIn(Schema):
    station_id = fields.UUID(required=True)


class ScanIn(Schema):
    tag = fields.String(required=True, validate=validate.Length(max=200), metadata={
        "description": "the asset tag as the QR label carries it, or typed",
        "example": "LC-WC-0001"})


class CorrectionIn(Schema):
    unit_id = fields.UUID(required=True)
    action = fields.String(required=True, validate=validate.OneOf(["write_off", "move"]),
                           metadata={"description": "write_off: a missing unit is lost "
                                     "(supervisor); move: a unit found here from another "
                                     "station"})
    reason = Reason(required=True)


class StocktakeListArgs(PageArgs):
    station_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(["open", "closed"]))


class StocktakeOut(Schema):
    id = fields.UUID()
    station_id = fields.UUID()
    status = fields.String()
    started_by = fields.String()
    started_at = fields.AwareDateTime()
    closed_by = fields.String(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)


class ScanOut(Schema):
    id = fields.UUID()
    tag = fields.String()
    unit_id = fields.UUID(allow_none=True)
    scanned_at = fields.AwareDateTime()
    scanned_by = fields.String()
    repeated = fields.Boolean(metadata={"description": "the tag was scanned before"})


class CorrectionOut(Schema):
    id = fields.UUID()
    stocktake_id = fields.UUID()
    unit_id = fields.UUID()
    action = fields.String()
    reason = fields.String()
    applied_by = fields.String()
    applied_at = fields.AwareDateTime()


class ReportUnitOut(Schema):
    unit_id = fields.String()
    asset_tag = fields.String()
    status = fields.String()
    station_id = fields.String()
    reason = fields.String(metadata={"description": "unexpected only: wrong_station or "
                                     "not_in_stock"})


class ReportOut(Schema):
    expected = fields.Integer()
    found = fields.List(fields.Nested(ReportUnitOut))
    missing = fields.List(fields.Nested(ReportUnitOut))
    unexpected = fields.List(fields.Nested(ReportUnitOut))
    unknown_tags = fields.List(fields.String())


class StocktakeDetailOut(Schema):
    stocktake = fields.Nested(StocktakeOut)
    scans = fields.List(fields.Nested(ScanOut))
    report = fields.Nested(ReportOut, metadata={
        "description": "so far while the count is open; as closed afterwards"})
    corrections = fields.List(fields.Nested(CorrectionOut))


StocktakePage = paged(StocktakeOut, "StocktakePage")


# -- the waiting list and date bookings (ADR 0023) ----------------------------------------

class WaitlistIn(Schema):
    station_id = fields.UUID(required=True)
    type_id = fields.UUID(required=True)
    borrower_id = fields.UUID(required=True)


class WaitlistArgs(Schema):
    station_id = fields.UUID(required=True)
    type_id = fields.UUID(required=True)


class WaitlistEntryOut(Schema):
    id = fields.UUID()
    type_id = fields.UUID()
    station_id = fields.UUID()
    borrower_id = fields.UUID()
    waiting_since = fields.AwareDateTime()
    priority = fields.String(allow_none=True, metadata={
        "description": "tekun, dibao or severe: served before the others; null: none"})
    status = fields.String(metadata={"description": "waiting, held, served, lapsed, "
                                                    "cancelled"})
    position = fields.Integer(allow_none=True, metadata={
        "description": "1 = next to be served; null once a unit is held or it closed"})
    reservation_id = fields.UUID(allow_none=True)
    held_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)


class BookingIn(Schema):
    station_id = fields.UUID(required=True)
    type_id = fields.UUID(required=True)
    borrower_id = fields.UUID(required=True)
    starts_on = fields.Date(required=True, metadata={"description": "tomorrow at the earliest"})
    ends_on = fields.Date(required=True)


class BookingOut(Schema):
    id = fields.UUID()
    type_id = fields.UUID()
    station_id = fields.UUID()
    borrower_id = fields.UUID()
    starts_on = fields.Date()
    ends_on = fields.Date()
    created_at = fields.AwareDateTime()
    status = fields.String()
    reservation_id = fields.UUID(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)


class BookingListArgs(PageArgs):
    station_id = fields.UUID()
    type_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(["booked", "held", "fulfilled",
                                                    "cancelled", "lapsed"]))


BookingPage = paged(BookingOut, "BookingPage")


class BookingAvailabilityArgs(Schema):
    station_id = fields.UUID(required=True)
    type_id = fields.UUID(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)


class BookingAvailabilityOut(Schema):
    station_id = fields.UUID()
    type_id = fields.UUID()
    starts_on = fields.Date()
    ends_on = fields.Date()
    free_now = fields.Integer()
    booked = fields.Integer(metadata={"description": "bookings overlapping the days"})
    available = fields.Integer(metadata={
        "description": "how many more bookings every day of the period could take"})
