# mypy: disable-error-code="untyped-decorator"
"""HTTP API (flask-smorest). Views are thin: parse, call the use case, dump.

Roles: ``clerk`` and ``supervisor`` act at the stations in their token, ``staff`` at every
station; every other role gets 403. Objects of stations outside the caller's scope are
404 (their existence does not leak); actions at a station the caller does not serve 403.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from svckit.domain.clock import utcnow
from svckit.http.app import current_principal, problems
from svckit.http.pagination import PageArgs
from svckit.http.ratelimit import limit_blueprint
from svckit.http.records import records_blueprint
from svckit.service import ServiceContext

from inventory.entrypoints import schemas as s
from inventory.service_layer import borrowers as borrower_uc
from inventory.service_layer import catalogue as catalogue_uc
from inventory.service_layer import payments as payment_uc
from inventory.service_layer import queries
from inventory.service_layer import recalls as recall_uc
from inventory.service_layer import rentals as rental_uc
from inventory.service_layer import stock as stock_uc
from inventory.service_layer import stocktakes as stocktake_uc
from inventory.service_layer import waitlist as waitlist_uc
from inventory.service_layer.uow import InventoryUoW


def _uow() -> InventoryUoW:
    ctx: ServiceContext = current_app.extensions["svckit.context"]
    uow = ctx.uow()
    assert isinstance(uow, InventoryUoW)
    return uow


def _now() -> datetime:
    return utcnow()


def _page(args: dict[str, Any]) -> queries.Page:
    return queries.Page(args.pop("page"), args.pop("page_size"))


# -- stations ---------------------------------------------------------------------------
stations = Blueprint("stations", __name__, url_prefix="/stations",
                     description="辅具租赁服务站 Rental stations (staff maintain them)")


@stations.route("")
class StationsView(MethodView):
    @stations.arguments(s.StationListArgs, location="query")
    @stations.response(200, s.StationPage)
    @problems(stations, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List stations (any role of this service)."""
        page = _page(args)
        return queries.list_stations(_uow(), current_principal(), page, args.get("division_code"))

    @stations.arguments(s.StationIn)
    @stations.response(201, s.StationOut)
    @problems(stations, 403, 409, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a station (staff)."""
        return catalogue_uc.create_station(_uow(), current_principal(),
                                           catalogue_uc.NewStation(**data))


@stations.route("/<uuid:station_id>")
class StationView(MethodView):
    @stations.response(200, s.StationOut)
    @problems(stations, 403, 404)
    def get(self, station_id: uuid.UUID) -> Any:
        """One station."""
        return queries.get_station(_uow(), current_principal(), station_id)

    @stations.arguments(s.StationPatch)
    @stations.response(200, s.StationOut)
    @problems(stations, 403, 404, 422)
    def patch(self, data: dict[str, Any], station_id: uuid.UUID) -> Any:
        """Change a station's details or (de)activate it (staff)."""
        return catalogue_uc.update_station(_uow(), current_principal(), station_id, data)


# -- device types -----------------------------------------------------------------------
types = Blueprint("device_types", __name__, url_prefix="/device-types",
                  description="辅具目录 Device types (ISO 9999 / GB/T 16432)")


@types.route("")
class TypesView(MethodView):
    @types.arguments(PageArgs, location="query")
    @types.response(200, s.DeviceTypePage)
    @problems(types, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the catalogue."""
        return queries.list_types(_uow(), current_principal(), _page(args))

    @types.arguments(s.DeviceTypeIn)
    @types.response(201, s.DeviceTypeOut)
    @problems(types, 403, 409, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a device type (staff)."""
        return catalogue_uc.create_device_type(_uow(), current_principal(),
                                               catalogue_uc.NewDeviceType(**data))


@types.route("/<uuid:type_id>")
class TypeView(MethodView):
    @types.response(200, s.DeviceTypeOut)
    @problems(types, 403, 404)
    def get(self, type_id: uuid.UUID) -> Any:
        """One device type."""
        return queries.get_type(_uow(), current_principal(), type_id)


# -- units ------------------------------------------------------------------------------
units = Blueprint("units", __name__, url_prefix="/units",
                  description="设备 Units: one asset tag each, with their movement history")


@units.route("")
class UnitsView(MethodView):
    @units.arguments(s.UnitListArgs, location="query")
    @units.response(200, s.UnitPage)
    @problems(units, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List units at the caller's stations (staff: all)."""
        page = _page(args)
        return queries.list_units(_uow(), current_principal(), page, **args)

    @units.arguments(s.UnitIn)
    @units.response(201, s.UnitOut)
    @problems(units, 403, 404, 409, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Take a unit into stock at a station."""
        return stock_uc.register_unit(_uow(), current_principal(), stock_uc.NewUnit(**data),
                                      now=_now())


@units.route("/<uuid:unit_id>")
class UnitView(MethodView):
    @units.response(200, s.UnitOut)
    @problems(units, 403, 404)
    def get(self, unit_id: uuid.UUID) -> Any:
        """One unit."""
        return stock_uc.get_unit(_uow(), current_principal(), unit_id)


    @units.arguments(s.UnitPatch)
    @units.response(200, s.UnitOut)
    @problems(units, 403, 404, 422)
    def patch(self, data: dict[str, Any], unit_id: uuid.UUID) -> Any:
        """Record or correct the unit's model and batch (blank or null: not known)."""
        return stock_uc.describe_unit(_uow(), current_principal(), unit_id, data)


@units.route("/by-tag/<string:asset_tag>")
class UnitByTagView(MethodView):
    @units.response(200, s.UnitOut)
    @problems(units, 403, 404)
    def get(self, asset_tag: str) -> Any:
        """The unit a QR label names."""
        return stock_uc.unit_by_tag(_uow(), current_principal(), asset_tag)


@units.route("/<uuid:unit_id>/movements")
class MovementsView(MethodView):
    @units.arguments(PageArgs, location="query")
    @units.response(200, s.MovementPage)
    @problems(units, 403, 404, 422)
    def get(self, args: dict[str, Any], unit_id: uuid.UUID) -> dict[str, Any]:
        """The unit's append-only history of status and place."""
        return queries.unit_movements(_uow(), current_principal(), unit_id, _page(args))


@units.route("/<uuid:unit_id>/write-off")
class WriteOffView(MethodView):
    @units.arguments(s.WriteOffIn)
    @units.response(200, s.UnitOut)
    @problems(units, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], unit_id: uuid.UUID) -> Any:
        """报废: take a unit out of stock for good (supervisor or staff)."""
        return stock_uc.write_off_unit(_uow(), current_principal(), unit_id, data["reason"],
                                       now=_now())


@units.route("/<uuid:unit_id>/cleaned")
class CleanedView(MethodView):
    @units.arguments(s.NoteIn)
    @units.response(200, s.UnitOut)
    @problems(units, 403, 404, 409, 422)
    def post(self, _data: dict[str, Any], unit_id: uuid.UUID) -> Any:
        """清洁完成: a returned unit is available again once its cleaning buffer is over
        (without waiting for the periodic release)."""
        return stock_uc.finish_cleaning(_uow(), current_principal(), unit_id, now=_now())


@units.route("/availability")
class AvailabilityView(MethodView):
    @units.arguments(s.AvailabilityArgs, location="query")
    @units.response(200, s.AvailabilityListOut)
    @problems(units, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Free units of a type per station; with a division, the stations of its city that
        have one, nearest first."""
        return {"items": queries.availability(_uow(), current_principal(), args["type_id"],
                                              args.get("division_code"))}


# -- borrowers --------------------------------------------------------------------------
borrowers = Blueprint("borrowers", __name__, url_prefix="/borrowers",
                      description="借用人 Borrowers (certificate holders); masked unless asked")


@borrowers.route("")
class BorrowersView(MethodView):
    @borrowers.arguments(s.BorrowerListArgs, location="query")
    @borrowers.response(200, s.BorrowerPage)
    @problems(borrowers, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List borrowers (masked)."""
        page = _page(args)
        return queries.list_borrowers(_uow(), current_principal(), page,
                                      args.get("division_code"), args.get("certificate_tail"))

    @borrowers.arguments(s.BorrowerIn)
    @borrowers.response(201, s.BorrowerOut)
    @problems(borrowers, 403, 409, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Register a certificate holder; category and grade come from the number."""
        return borrower_uc.register_borrower(_uow(), current_principal(),
                                             borrower_uc.NewBorrower(**data), now=_now())


@borrowers.route("/lookup")
class LookupView(MethodView):
    @borrowers.arguments(s.LookupIn)
    @borrowers.response(200, s.BorrowerOut)
    @problems(borrowers, 403, 404, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Find a borrower by certificate number (in the body, never in a URL)."""
        return borrower_uc.lookup(_uow(), current_principal(), data["certificate_number"])


@borrowers.route("/<uuid:borrower_id>")
class BorrowerView(MethodView):
    @borrowers.response(200, s.BorrowerOut)
    @problems(borrowers, 403, 404)
    def get(self, borrower_id: uuid.UUID) -> Any:
        """One borrower (masked)."""
        return borrower_uc.get_borrower(_uow(), current_principal(), borrower_id)

    @borrowers.arguments(s.BorrowerPatch)
    @borrowers.response(200, s.BorrowerOut)
    @problems(borrowers, 403, 404, 422)
    def patch(self, data: dict[str, Any], borrower_id: uuid.UUID) -> Any:
        """Change contact details, hardship flags or consent."""
        return borrower_uc.update_borrower(_uow(), current_principal(), borrower_id, data,
                                           now=_now())


@borrowers.route("/<uuid:borrower_id>/status")
class BorrowerStatusView(MethodView):
    @borrowers.arguments(s.BorrowerStatusIn)
    @borrowers.response(200, s.BorrowerOut)
    @problems(borrowers, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], borrower_id: uuid.UUID) -> Any:
        """Deceased, moved away, certificate cancelled (or active again), with a reason:
        open rentals and allocations are flagged for recovery and new ones refused."""
        return borrower_uc.change_status(_uow(), current_principal(), borrower_id,
                                         data["status"], data["reason"], now=_now())


@borrowers.route("/<uuid:borrower_id>/personal")
class PersonalView(MethodView):
    @borrowers.arguments(s.PersonalArgs, location="query")
    @borrowers.response(200, s.BorrowerPersonalOut)
    @problems(borrowers, 403, 404, 422)
    def get(self, args: dict[str, Any], borrower_id: uuid.UUID) -> Any:
        """The unmasked record; the read is logged with its purpose (PIPL)."""
        return borrower_uc.read_personal(_uow(), current_principal(), borrower_id,
                                         args["purpose"], now=_now())


# -- reservations -----------------------------------------------------------------------
reservations = Blueprint("reservations", __name__, url_prefix="/reservations",
                         description="预约 Holds of a unit for a borrower until an expiry")


@reservations.route("")
class ReservationsView(MethodView):
    @reservations.arguments(s.ReservationListArgs, location="query")
    @reservations.response(200, s.ReservationPage)
    @problems(reservations, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List holds at the caller's stations."""
        page = _page(args)
        return queries.list_reservations(_uow(), current_principal(), page, **args)

    @reservations.arguments(s.ReservationIn)
    @reservations.response(201, s.ReservationOut)
    @problems(reservations, 403, 404, 409, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Hold a unit (a named one, or any free unit of a type) at a station."""
        return stock_uc.reserve(_uow(), current_principal(), stock_uc.Reserve(**data),
                                now=_now())


@reservations.route("/<uuid:reservation_id>")
class ReservationView(MethodView):
    @reservations.response(200, s.ReservationOut)
    @problems(reservations, 403, 404)
    def get(self, reservation_id: uuid.UUID) -> Any:
        """One hold."""
        return stock_uc.get_reservation(_uow(), current_principal(), reservation_id)


@reservations.route("/<uuid:reservation_id>/cancel")
class CancelReservationView(MethodView):
    @reservations.arguments(s.CancelIn)
    @reservations.response(200, s.ReservationOut)
    @problems(reservations, 403, 404, 409, 422)
    def post(self, _data: dict[str, Any], reservation_id: uuid.UUID) -> Any:
        """Cancel a hold; the unit is free again."""
        return stock_uc.cancel_reservation(_uow(), current_principal(), reservation_id,
                                           now=_now())


# -- the waiting list and date bookings (ADR 0023) ---------------------------------------
waitlist = Blueprint("waitlist", __name__, url_prefix="/waitlist",
                     description="候补登记 The waiting list of a device type at a station: "
                                 "a unit freed there is held for the first in line")


@waitlist.route("")
class WaitlistView(MethodView):
    @waitlist.arguments(s.WaitlistArgs, location="query")
    @waitlist.response(200, s.WaitlistEntryOut(many=True))
    @problems(waitlist, 403, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """The line of a type at a station: entries holding a unit, then those waiting in
        the order they will be served (priority first, then first come)."""
        return waitlist_uc.read_line(_uow(), current_principal(), args["station_id"],
                                     args["type_id"])

    @waitlist.arguments(s.WaitlistIn)
    @waitlist.response(201, s.WaitlistEntryOut)
    @problems(waitlist, 403, 404, 409, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Put a borrower on the line (a unit free right now is held at once)."""
        uow, principal = _uow(), current_principal()
        entry = waitlist_uc.join(uow, principal, waitlist_uc.Join(**data), now=_now())
        return waitlist_uc.get_entry(uow, principal, entry.id)


@waitlist.route("/<uuid:waitlist_entry_id>")
class WaitlistEntryView(MethodView):
    @waitlist.response(200, s.WaitlistEntryOut)
    @problems(waitlist, 403, 404)
    def get(self, waitlist_entry_id: uuid.UUID) -> Any:
        """One entry, with its position in line."""
        return waitlist_uc.get_entry(_uow(), current_principal(), waitlist_entry_id)


@waitlist.route("/<uuid:waitlist_entry_id>/cancel")
class CancelWaitlistEntryView(MethodView):
    @waitlist.arguments(s.CancelIn)
    @waitlist.response(200, s.WaitlistEntryOut)
    @problems(waitlist, 403, 404, 409, 422)
    def post(self, _data: dict[str, Any], waitlist_entry_id: uuid.UUID) -> Any:
        """Take the entry off the line; a unit held for it goes to the next in line."""
        return waitlist_uc.cancel_entry(_uow(), current_principal(), waitlist_entry_id,
                                        now=_now())


bookings = Blueprint("bookings", __name__, url_prefix="/bookings",
                     description="日期预约 A unit of a type at a station for future days")


@bookings.route("")
class BookingsView(MethodView):
    @bookings.arguments(s.BookingListArgs, location="query")
    @bookings.response(200, s.BookingPage)
    @problems(bookings, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the bookings of the caller's stations."""
        page = _page(args)
        return queries.list_bookings(_uow(), current_principal(), page, **args)

    @bookings.arguments(s.BookingIn)
    @bookings.response(201, s.BookingOut)
    @problems(bookings, 403, 404, 409, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Book a unit of a type for days ahead (409 when a day is fully booked)."""
        return waitlist_uc.book(_uow(), current_principal(), waitlist_uc.Book(**data),
                                now=_now())


@bookings.route("/availability")
class BookingAvailabilityView(MethodView):
    @bookings.arguments(s.BookingAvailabilityArgs, location="query")
    @bookings.response(200, s.BookingAvailabilityOut)
    @problems(bookings, 403, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """How many more bookings of a type every day of a period could take."""
        return waitlist_uc.availability(_uow(), current_principal(), now=_now(), **args)


@bookings.route("/<uuid:booking_id>")
class BookingView(MethodView):
    @bookings.response(200, s.BookingOut)
    @problems(bookings, 403, 404)
    def get(self, booking_id: uuid.UUID) -> Any:
        """One booking."""
        return waitlist_uc.get_booking(_uow(), current_principal(), booking_id)


@bookings.route("/<uuid:booking_id>/cancel")
class CancelBookingView(MethodView):
    @bookings.arguments(s.CancelIn)
    @bookings.response(200, s.BookingOut)
    @problems(bookings, 403, 404, 409, 422)
    def post(self, _data: dict[str, Any], booking_id: uuid.UUID) -> Any:
        """Cancel a booking that has not started."""
        return waitlist_uc.cancel_booking(_uow(), current_principal(), booking_id,
                                          now=_now())


# -- rentals ----------------------------------------------------------------------------
rentals = Blueprint("rentals", __name__, url_prefix="/rentals",
                    description="租赁 Check-out, extension, return, loss, delivery and pickup")


@rentals.route("")
class RentalsView(MethodView):
    @rentals.arguments(s.RentalListArgs, location="query")
    @rentals.response(200, s.RentalPage)
    @problems(rentals, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List rentals of the caller's stations."""
        page = _page(args)
        return queries.list_rentals(_uow(), current_principal(), page, **args)

    @rentals.arguments(s.CheckOutIn)
    @rentals.response(201, s.RentalOut)
    @problems(rentals, 403, 404, 409, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Check a unit out: by type (any free unit), unit id, asset tag or reservation."""
        return rental_uc.check_out(_uow(), current_principal(), rental_uc.CheckOut(**data),
                                   now=_now())


@rentals.route("/<uuid:rental_id>")
class RentalView(MethodView):
    @rentals.response(200, s.RentalDetailOut)
    @problems(rentals, 403, 404)
    def get(self, rental_id: uuid.UUID) -> Any:
        """One rental, with what volunteers reported about its delivery and pickup."""
        return queries.rental_detail(_uow(), current_principal(), rental_id)


@rentals.route("/<uuid:rental_id>/contact")
class RentalContactView(MethodView):
    @rentals.arguments(s.PersonalArgs, location="query")
    @rentals.response(200, s.RentalContactOut)
    @problems(rentals, 403, 404, 409, 422)
    def get(self, args: dict[str, Any], rental_id: uuid.UUID) -> Any:
        """The borrower's full name and phone of an active rental (the overdue list's
        call); ``purpose`` required, the read is logged against the borrower (PIPL)."""
        return borrower_uc.rental_contact(_uow(), current_principal(), rental_id,
                                          args["purpose"], now=_now())


@rentals.route("/<uuid:rental_id>/extend")
class ExtendView(MethodView):
    @rentals.arguments(s.ExtendIn)
    @rentals.response(200, s.RentalOut)
    @problems(rentals, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], rental_id: uuid.UUID) -> Any:
        """Move the due date later (within the type's maximum)."""
        return rental_uc.extend(_uow(), current_principal(), rental_id, data["due_on"],
                                now=_now())


@rentals.route("/<uuid:rental_id>/return")
class ReturnView(MethodView):
    @rentals.arguments(s.ReturnIn)
    @rentals.response(200, s.RentalOut)
    @problems(rentals, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], rental_id: uuid.UUID) -> Any:
        """Take the unit back, graded; refund = deposit - damage charge."""
        return rental_uc.return_rental(_uow(), current_principal(), rental_id,
                                       rental_uc.Return(**data), now=_now())


@rentals.route("/<uuid:rental_id>/lost")
class LostView(MethodView):
    @rentals.arguments(s.LostIn)
    @rentals.response(200, s.RentalOut)
    @problems(rentals, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], rental_id: uuid.UUID) -> Any:
        """The unit is lost: deposit kept, unit written off."""
        return rental_uc.report_lost(_uow(), current_principal(), rental_id, data["reason"],
                                     now=_now())


@rentals.route("/<uuid:rental_id>/swap")
class SwapView(MethodView):
    @rentals.arguments(s.SwapIn)
    @rentals.response(200, s.RentalOut)
    @problems(rentals, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], rental_id: uuid.UUID) -> Any:
        """Swap a broken rented unit for another of its type; the rental goes on."""
        return rental_uc.swap_unit(_uow(), current_principal(), rental_id,
                                   rental_uc.Swap(**data), now=_now())


@rentals.route("/<uuid:rental_id>/repair")
class RepairView(MethodView):
    @rentals.arguments(s.RepairIn)
    @rentals.response(201, s.TicketOut)
    @problems(rentals, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], rental_id: uuid.UUID) -> Any:
        """Take the rented unit in for repair; the rental goes on and the repaired unit
        goes back to the borrower."""
        return rental_uc.report_repair(_uow(), current_principal(), rental_id, data["fault"],
                                       now=_now())


@rentals.route("/<uuid:rental_id>/delivery")
class DeliveryView(MethodView):
    @rentals.arguments(s.VisitIn)
    @rentals.response(200, s.RentalOut)
    @problems(rentals, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], rental_id: uuid.UUID) -> Any:
        """Ask volunteers to deliver the unit to the borrower's home."""
        return rental_uc.request_delivery(_uow(), current_principal(), rental_id, now=_now(),
                                          window_end=data["window_end"])


@rentals.route("/<uuid:rental_id>/delivery/cancel")
class CancelDeliveryView(MethodView):
    @rentals.arguments(s.CancelIn)
    @rentals.response(200, s.RentalOut)
    @problems(rentals, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], rental_id: uuid.UUID) -> Any:
        """Call the delivery off (e.g. collected in person)."""
        return rental_uc.cancel_delivery(_uow(), current_principal(), rental_id,
                                         data["reason"], now=_now())


@rentals.route("/<uuid:rental_id>/pickup")
class PickupView(MethodView):
    @rentals.arguments(s.VisitIn)
    @rentals.response(200, s.RentalOut)
    @problems(rentals, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], rental_id: uuid.UUID) -> Any:
        """Ask volunteers to pick the unit up from the borrower's home."""
        return rental_uc.request_pickup(_uow(), current_principal(), rental_id, now=_now(),
                                        window_end=data["window_end"])


@rentals.route("/<uuid:rental_id>/payments")
class RentalPaymentsView(MethodView):
    @rentals.response(200, s.LedgerOut)
    @problems(rentals, 403, 404)
    def get(self, rental_id: uuid.UUID) -> Any:
        """The rental's ledger: due, paid, deposit held, every entry."""
        return payment_uc.rental_ledger(_uow(), current_principal(), rental_id)

    @rentals.arguments(s.PaymentIn)
    @rentals.response(201, s.PaymentOut)
    @problems(rentals, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], rental_id: uuid.UUID) -> Any:
        """Record what was paid or paid back (a receipt, SJ- number); no payment gateway."""
        return payment_uc.record_payment(_uow(), current_principal(), rental_id,
                                         payment_uc.RecordPayment(**data), now=_now())


# -- payments ---------------------------------------------------------------------------
payments = Blueprint("payments", __name__, url_prefix="/payments",
                     description="收款台账 Payments ledger: receipts and reversing entries")


@payments.route("/<uuid:payment_id>")
class PaymentView(MethodView):
    @payments.response(200, s.ReceiptOut)
    @problems(payments, 403, 404)
    def get(self, payment_id: uuid.UUID) -> Any:
        """One entry with what its receipt shows (the borrower's name masked)."""
        return payment_uc.receipt(_uow(), current_principal(), payment_id)


@payments.route("/<uuid:payment_id>/reverse")
class ReversePaymentView(MethodView):
    @payments.arguments(s.ReverseIn)
    @payments.response(201, s.PaymentOut)
    @problems(payments, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], payment_id: uuid.UUID) -> Any:
        """Correct an entry with a reversing entry (the original is never edited)."""
        return payment_uc.reverse_payment(_uow(), current_principal(), payment_id,
                                          data["reason"], now=_now())


# -- allocations ------------------------------------------------------------------------
allocations = Blueprint("allocations", __name__, url_prefix="/allocations",
                        description="发放 Free allocation: a unit given for good")


@allocations.route("")
class AllocationsView(MethodView):
    @allocations.arguments(s.StationFilterArgs, location="query")
    @allocations.response(200, s.AllocationPage)
    @problems(allocations, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List allocations of the caller's stations."""
        page = _page(args)
        return queries.list_allocations(_uow(), current_principal(), page, **args)

    @allocations.arguments(s.AllocateIn)
    @allocations.response(201, s.AllocationOut)
    @problems(allocations, 403, 404, 409, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Give a unit to an eligible person (fitting first, rental as a supplement)."""
        return stock_uc.allocate(_uow(), current_principal(), stock_uc.Allocate(**data),
                                 now=_now())


@allocations.route("/<uuid:allocation_id>/reclaim")
class ReclaimView(MethodView):
    @allocations.arguments(s.ReclaimIn)
    @allocations.response(200, s.AllocationOut)
    @problems(allocations, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], allocation_id: uuid.UUID) -> Any:
        """Take a given-away device back into stock (graded; D goes to maintenance)."""
        return stock_uc.reclaim_allocation(_uow(), current_principal(), allocation_id,
                                           data["condition"], data["reason"], now=_now())


@allocations.route("/<uuid:allocation_id>")
class AllocationView(MethodView):
    @allocations.response(200, s.AllocationOut)
    @problems(allocations, 403, 404)
    def get(self, allocation_id: uuid.UUID) -> Any:
        """One allocation."""
        return stock_uc.get_allocation(_uow(), current_principal(), allocation_id)


# -- transfers --------------------------------------------------------------------------
transfers = Blueprint("transfers", __name__, url_prefix="/transfers",
                      description="调拨 Transfers between stations")


@transfers.route("")
class TransfersView(MethodView):
    @transfers.arguments(s.TransferListArgs, location="query")
    @transfers.response(200, s.TransferPage)
    @problems(transfers, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Transfers from or to the caller's stations."""
        page = _page(args)
        return queries.list_transfers(_uow(), current_principal(), page, **args)

    @transfers.arguments(s.TransferIn)
    @transfers.response(201, s.TransferOut)
    @problems(transfers, 403, 404, 409, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Send an available unit to another station (in transit until received)."""
        return stock_uc.dispatch(_uow(), current_principal(), data["unit_id"],
                                 data["to_station_id"], data["note"], now=_now())


@transfers.route("/<uuid:transfer_id>")
class TransferView(MethodView):
    @transfers.response(200, s.TransferOut)
    @problems(transfers, 403, 404)
    def get(self, transfer_id: uuid.UUID) -> Any:
        """One transfer."""
        return stock_uc.get_transfer(_uow(), current_principal(), transfer_id)


@transfers.route("/<uuid:transfer_id>/receive")
class ReceiveView(MethodView):
    @transfers.arguments(s.ReceiveIn)
    @transfers.response(200, s.TransferOut)
    @problems(transfers, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], transfer_id: uuid.UUID) -> Any:
        """Receive at the destination (any other station is refused with 409)."""
        return stock_uc.receive(_uow(), current_principal(), transfer_id, data["station_id"],
                                now=_now())


# -- maintenance ------------------------------------------------------------------------
maintenance = Blueprint("maintenance", __name__, url_prefix="/maintenance-tickets",
                        description="维修 Repair tickets")


@maintenance.route("")
class TicketsView(MethodView):
    @maintenance.arguments(s.TicketListArgs, location="query")
    @maintenance.response(200, s.TicketPage)
    @problems(maintenance, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Tickets of the caller's stations."""
        page = _page(args)
        return queries.list_tickets(_uow(), current_principal(), page, **args)

    @maintenance.arguments(s.TicketIn)
    @maintenance.response(201, s.TicketOut)
    @problems(maintenance, 403, 404, 409, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Open a repair ticket (the unit goes to maintenance)."""
        return stock_uc.open_ticket(_uow(), current_principal(), data["unit_id"], data["fault"],
                                    now=_now())


@maintenance.route("/<uuid:ticket_id>")
class TicketView(MethodView):
    @maintenance.response(200, s.TicketOut)
    @problems(maintenance, 403, 404)
    def get(self, ticket_id: uuid.UUID) -> Any:
        """One ticket."""
        return stock_uc.get_ticket(_uow(), current_principal(), ticket_id)


@maintenance.route("/<uuid:ticket_id>/start")
class StartRepairView(MethodView):
    @maintenance.arguments(s.NoteIn)
    @maintenance.response(200, s.TicketOut)
    @problems(maintenance, 403, 404, 409, 422)
    def post(self, _data: dict[str, Any], ticket_id: uuid.UUID) -> Any:
        """The repair has started."""
        return stock_uc.start_repair(_uow(), current_principal(), ticket_id)


@maintenance.route("/<uuid:ticket_id>/resolve")
class ResolveView(MethodView):
    @maintenance.arguments(s.ResolveIn)
    @maintenance.response(200, s.TicketOut)
    @problems(maintenance, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], ticket_id: uuid.UUID) -> Any:
        """Repaired: the unit is available again with its new grade (A-C)."""
        return stock_uc.resolve_ticket(_uow(), current_principal(), ticket_id,
                                       data["condition"], data["repair_cost_fen"],
                                       data["resolution"], now=_now())


@maintenance.route("/<uuid:ticket_id>/write-off")
class TicketWriteOffView(MethodView):
    @maintenance.arguments(s.TicketWriteOffIn)
    @maintenance.response(200, s.TicketOut)
    @problems(maintenance, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], ticket_id: uuid.UUID) -> Any:
        """Beyond repair: write the unit off (supervisor or staff)."""
        return stock_uc.write_off_ticket(_uow(), current_principal(), ticket_id,
                                         data["reason"], data["repair_cost_fen"], now=_now())


# -- reports ----------------------------------------------------------------------------
reports = limit_blueprint(Blueprint(  # REPORT_RATE_LIMIT per principal (OWASP API4)
    "reports", __name__, url_prefix="/reports",
    description="报表 Reports (JSON) over the caller's stations"))


@reports.route("/stock")
class StockReportView(MethodView):
    @reports.arguments(s.StockArgs, location="query")
    @reports.response(200, s.StockReportOut)
    @problems(reports, 403, 422, 429)  # REPORT_RATE_LIMIT
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Units in stock by station and type, counted by status."""
        return {"items": queries.stock_report(_uow(), current_principal(),
                                              args["station_id"])}


@reports.route("/utilisation")
class UtilisationView(MethodView):
    @reports.arguments(s.UtilisationArgs, location="query")
    @reports.response(200, s.UtilisationOut)
    @problems(reports, 403, 422, 429)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Per type: time rented / time in stock over a period (default 30 days)."""
        return queries.utilisation_report(_uow(), current_principal(), args["start"],
                                          args["end"], now=_now())


@reports.route("/overdue")
class OverdueView(MethodView):
    @reports.arguments(PageArgs, location="query")
    @reports.response(200, s.OverduePage)
    @problems(reports, 403, 422, 429)  # REPORT_RATE_LIMIT
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Active rentals past their due date, longest overdue first."""
        return queries.overdue_report(_uow(), current_principal(), _page(args), now=_now())


@reports.route("/recovery")
class RecoveryView(MethodView):
    @reports.arguments(PageArgs, location="query")
    @reports.response(200, s.RecoveryPage)
    @problems(reports, 403, 422, 429)  # REPORT_RATE_LIMIT
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Rentals and allocations to recover (the borrower's status changed)."""
        return queries.recovery_report(_uow(), current_principal(), _page(args))


@reports.route("/settlement")
class SettlementView(MethodView):
    @reports.arguments(s.SettlementArgs, location="query")
    @reports.response(200, s.SettlementOut)
    @problems(reports, 403, 404, 422, 429)  # REPORT_RATE_LIMIT
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """A station's month-end settlement (China calendar month): receipts = fees +
        deposits - refunds, every entry listed."""
        return payment_uc.settlement(_uow(), current_principal(), args["station_id"],
                                     args["month"])


@reports.route("/deposits-held")
class DepositsHeldView(MethodView):
    @reports.arguments(s.DepositsHeldArgs, location="query")
    @reports.response(200, s.DepositsHeldOut)
    @problems(reports, 403, 422, 429)  # REPORT_RATE_LIMIT
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Deposits held now, per station and per rental."""
        return payment_uc.deposits_held(_uow(), current_principal(), args["station_id"])


# -- loan limits ------------------------------------------------------------------------
limits = Blueprint("loan_limits", __name__, url_prefix="/loan-limits",
                   description="借用上限 Open loans per borrower and ISO 9999 class")


@limits.route("")
class LoanLimitsView(MethodView):
    @limits.arguments(s.LoanLimitArgs, location="query")
    @limits.response(200, s.LoanLimitList)
    @problems(limits, 403, 422)
    def get(self, args: dict[str, Any]) -> Any:
        """The limits staff set (a class without one allows the service default)."""
        return {"items": catalogue_uc.loan_limits(_uow(), current_principal(),
                                                  args.get("iso_class"))}

    @limits.arguments(s.LoanLimitIn)
    @limits.response(200, s.LoanLimitOut)
    @problems(limits, 403, 422)
    def put(self, data: dict[str, Any]) -> Any:
        """Set a class's limit (staff); a supervisor may override one loan with a reason."""
        return catalogue_uc.set_loan_limit(_uow(), current_principal(), data["iso_class"],
                                           data["max_open"])


# -- recalls ----------------------------------------------------------------------------
recalls = Blueprint("recalls", __name__, url_prefix="/recalls",
                    description="召回 Holds on a device type, model or batch: no lending while "
                                "they stand; the units out, for recovery")


@recalls.route("")
class RecallsView(MethodView):
    @recalls.arguments(s.RecallListArgs, location="query")
    @recalls.response(200, s.RecallPage)
    @problems(recalls, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The holds, newest first (any role of the service)."""
        return recall_uc.list_recalls(_uow(), current_principal(), status=args.get("status"),
                                      page=args["page"], page_size=args["page_size"])

    @recalls.arguments(s.RecallIn)
    @recalls.response(201, s.RecallOut)
    @problems(recalls, 403, 404, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Hold a type, one model of it or one batch (staff), with a reason."""
        return recall_uc.place(_uow(), current_principal(), recall_uc.PlaceRecall(**data),
                               now=_now())


@recalls.route("/<uuid:recall_id>")
class RecallView(MethodView):
    @recalls.response(200, s.RecallOut)
    @problems(recalls, 403, 404)
    def get(self, recall_id: uuid.UUID) -> Any:
        """One hold."""
        return recall_uc.get(_uow(), current_principal(), recall_id)


@recalls.route("/<uuid:recall_id>/lift")
class RecallLiftView(MethodView):
    @recalls.arguments(s.RecallLiftIn)
    @recalls.response(200, s.RecallOut)
    @problems(recalls, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], recall_id: uuid.UUID) -> Any:
        """Lift the hold (staff), with a reason: its units lend again."""
        return recall_uc.lift(_uow(), current_principal(), recall_id, data["reason"],
                              now=_now())


@recalls.route("/<uuid:recall_id>/units-out")
class RecallUnitsView(MethodView):
    @recalls.arguments(PageArgs, location="query")
    @recalls.response(200, s.RecallUnitPage)
    @problems(recalls, 403, 404, 422)
    def get(self, args: dict[str, Any], recall_id: uuid.UUID) -> dict[str, Any]:
        """The units the hold covers that are out on loan, with the rental's number and
        the borrower (masked), for recovery; a clerk sees those of their stations."""
        return recall_uc.units_out(_uow(), current_principal(), recall_id,
                                   page=args["page"], page_size=args["page_size"])


# -- stocktakes -------------------------------------------------------------------------
stocktakes = Blueprint("stocktakes", __name__, url_prefix="/stocktakes",
                       description="盘点 Counting a station's shelves by scanning the labels")


@stocktakes.route("")
class StocktakesView(MethodView):
    @stocktakes.arguments(s.StocktakeListArgs, location="query")
    @stocktakes.response(200, s.StocktakePage)
    @problems(stocktakes, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Counts at the caller's stations, newest first."""
        return stocktake_uc.list_stocktakes(
            _uow(), current_principal(), station_id=args.get("station_id"),
            status=args.get("status"), page=args["page"], page_size=args["page_size"])

    @stocktakes.arguments(s.StocktakeIn)
    @stocktakes.response(201, s.StocktakeOut)
    @problems(stocktakes, 403, 404, 409, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Start a count at a station (one open count per station)."""
        return stocktake_uc.start(_uow(), current_principal(), data["station_id"], now=_now())


@stocktakes.route("/<uuid:stocktake_id>")
class StocktakeView(MethodView):
    @stocktakes.response(200, s.StocktakeDetailOut)
    @problems(stocktakes, 403, 404)
    def get(self, stocktake_id: uuid.UUID) -> Any:
        """The count, its scans, the report (so far, or as closed) and the corrections."""
        return stocktake_uc.get(_uow(), current_principal(), stocktake_id)


@stocktakes.route("/<uuid:stocktake_id>/scans")
class ScansView(MethodView):
    @stocktakes.arguments(s.ScanIn)
    @stocktakes.response(201, s.ScanOut)
    @problems(stocktakes, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], stocktake_id: uuid.UUID) -> Any:
        """Record a scanned (or typed) tag; a tag scanned again is answered 200."""
        scan, new = stocktake_uc.scan(_uow(), current_principal(), stocktake_id, data["tag"],
                                      now=_now())
        body = {**{k: getattr(scan, k) for k in ("id", "tag", "unit_id", "scanned_at",
                                                 "scanned_by")}, "repeated": not new}
        return body, 201 if new else 200


@stocktakes.route("/<uuid:stocktake_id>/close")
class CloseView(MethodView):
    @stocktakes.arguments(s.NoteIn)
    @stocktakes.response(200, s.StocktakeDetailOut)
    @problems(stocktakes, 403, 404, 409, 422)
    def post(self, _data: dict[str, Any], stocktake_id: uuid.UUID) -> Any:
        """Close the count: the discrepancy report is computed and kept with it."""
        uow, principal = _uow(), current_principal()
        stocktake_uc.close(uow, principal, stocktake_id, now=_now())
        return stocktake_uc.get(uow, principal, stocktake_id)


@stocktakes.route("/<uuid:stocktake_id>/corrections")
class CorrectionsView(MethodView):
    @stocktakes.arguments(s.CorrectionIn)
    @stocktakes.response(201, s.CorrectionOut)
    @problems(stocktakes, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], stocktake_id: uuid.UUID) -> Any:
        """Apply a correction of the closed count's report, with a reason: a missing unit
        written off as lost (supervisor), or a unit of another station moved here."""
        return stocktake_uc.correct(_uow(), current_principal(), stocktake_id,
                                    data["unit_id"], data["action"], data["reason"],
                                    now=_now())


def blueprints(_ctx: ServiceContext) -> list[Blueprint]:
    return [stations, types, limits, units, borrowers, reservations, waitlist, bookings,
            rentals, payments,
            allocations, transfers, maintenance, reports, recalls, stocktakes,
            records_blueprint()]
