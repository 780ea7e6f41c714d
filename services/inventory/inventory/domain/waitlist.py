"""The waiting list (候补登记) of a device type at a station, and date bookings.

When no unit of a type is free at a station, a clerk puts the borrower on the type's
waiting list there. Order is first come, first served, except that the borrowers the
waiver policy favours (特困, 低保, severe disability grade 1-2: ``Borrower.waiver``) come
before everyone else (first come among themselves). When a unit of the type becomes free
at the station it is held (a :class:`Reservation` with an expiry) for the first entry in
line; if the hold lapses or is cancelled, the entry ends and the next one in line gets
the unit.

A date booking (预约日期) asks for a unit of a type at a station from one day to another
in the future. Bookings are counted against the units the station will have on each day
(:func:`first_unservable`): a booking that would overbook a day is refused, and so is a
check-out or a hold that would leave a booked day without a unit. On its start day a
booking becomes a hold of a concrete unit.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from svckit.domain.errors import Conflict, ValidationFailed
from svckit.domain.fields import FieldErrors
from svckit.domain.statemachine import StateMachine

from .borrowers import Borrower, WaiverReason
from .catalogue import DeviceType, Station
from .events import DomainEvent, WaitlistUnitHeld
from .reservations import Reservation
from .units import Unit


class WaitStatus(enum.StrEnum):
    WAITING = "waiting"
    HELD = "held"  # a unit is held for the borrower
    SERVED = "served"  # the hold became a loan
    LAPSED = "lapsed"  # the hold ran out or was cancelled
    CANCELLED = "cancelled"


W = WaitStatus
WAITLIST_MACHINE = StateMachine("waitlist_entry", {
    (W.WAITING, "hold"): W.HELD,
    (W.WAITING, "cancel"): W.CANCELLED,
    (W.HELD, "serve"): W.SERVED,
    (W.HELD, "lapse"): W.LAPSED,
    (W.HELD, "cancel"): W.CANCELLED,
}, label=("候补登记", "the waiting-list entry"), state_labels={
    W.WAITING: ("候补中", "waiting"), W.HELD: ("已为其预留设备", "a unit is held"),
    W.SERVED: ("已出借", "served"), W.LAPSED: ("预留已失效", "the hold lapsed"),
    W.CANCELLED: ("已取消", "cancelled"),
}, action_labels={"hold": ("预留设备", "hold a unit"), "serve": ("出借", "lend"),
                  "lapse": ("预留失效", "let the hold lapse"), "cancel": ("取消", "cancel it")})

#: entries still in line or holding a unit (one per borrower, type and station)
OPEN_WAIT = frozenset({W.WAITING, W.HELD})


@dataclass(eq=False)
class WaitlistEntry:
    type_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID
    created_at: datetime  # waiting since
    #: why the borrower goes before the others (the waiver policy's reason), or None
    priority: WaiverReason | None = None
    status: WaitStatus = WaitStatus.WAITING
    reservation_id: uuid.UUID | None = None
    held_at: datetime | None = None
    closed_at: datetime | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def join(cls, *, station: Station, device_type: DeviceType, borrower: Borrower,
             now: datetime, blocks: Iterable[Conflict] = (),
             entry_id: uuid.UUID | None = None) -> WaitlistEntry:
        """Put ``borrower`` on the waiting list of ``device_type`` at ``station``. The same
        rules as a loan: an active, consenting borrower; ``blocks`` are what a check-out
        would refuse (an overdue rental, the class limit: ``rentals.loan_blocks``)."""
        station.ensure_active()
        device_type.ensure_rentable()
        borrower.ensure_usable()
        for block in blocks:
            raise block
        return cls(type_id=device_type.id, station_id=station.id, borrower_id=borrower.id,
                   created_at=now, priority=borrower.waiver, id=entry_id or uuid.uuid4())

    @property
    def sort_key(self) -> tuple[bool, datetime, str]:
        """Priority first, then first come (the id breaks a tie of the same instant)."""
        return (self.priority is None, self.created_at, str(self.id))

    def _step(self, action: str, now: datetime) -> None:
        self.status = WaitStatus(WAITLIST_MACHINE.next(self.status, action))
        if self.status not in OPEN_WAIT:
            self.closed_at = now

    def hold(self, *, unit: Unit, station: Station, borrower: Borrower, now: datetime,
             expires_at: datetime) -> Reservation:
        """Hold ``unit`` for this entry's borrower until ``expires_at``."""
        WAITLIST_MACHINE.next(self.status, "hold")
        if (unit.type_id, station.id, borrower.id) != (self.type_id, self.station_id,
                                                       self.borrower_id):
            raise ValidationFailed.field("unit_id", "设备与候补登记不符 (unit does not match)")
        reservation = Reservation.place(unit=unit, station=station, now=now,
                                        expires_at=expires_at, borrower=borrower)
        self._step("hold", now)
        self.reservation_id, self.held_at = reservation.id, now
        self.events.append(WaitlistUnitHeld(
            entry_id=self.id, booking_id=None, reservation_id=reservation.id,
            unit_id=unit.id, type_id=self.type_id, station_id=self.station_id,
            borrower_id=self.borrower_id, expires_at=expires_at, occurred_at=now))
        return reservation

    def hold_ended(self, reservation: Reservation, now: datetime) -> None:
        """The entry's hold closed: lent (served), or it ran out or was cancelled
        (lapsed: the unit goes to the next in line)."""
        if reservation.id != self.reservation_id or self.status != WaitStatus.HELD:
            return
        self._step("serve" if reservation.status == "fulfilled" else "lapse", now)

    def cancel(self, now: datetime) -> None:
        """Taken off the list (the service layer cancels a hold the entry has)."""
        self._step("cancel", now)


def in_line(entries: Iterable[WaitlistEntry]) -> list[WaitlistEntry]:
    """The waiting entries in the order they are served."""
    return sorted((e for e in entries if e.status == WaitStatus.WAITING),
                  key=lambda e: e.sort_key)


# -- date bookings ------------------------------------------------------------------------

class BookingStatus(enum.StrEnum):
    BOOKED = "booked"
    HELD = "held"  # its start day came: a concrete unit is held (a Reservation)
    FULFILLED = "fulfilled"  # checked out directly on a booked day
    CANCELLED = "cancelled"
    LAPSED = "lapsed"  # its days passed with no unit to hold


B = BookingStatus
BOOKING_MACHINE = StateMachine("booking", {
    (B.BOOKED, "hold"): B.HELD,
    (B.BOOKED, "fulfil"): B.FULFILLED,
    (B.BOOKED, "cancel"): B.CANCELLED,
    (B.BOOKED, "lapse"): B.LAPSED,
}, label=("日期预约", "the date booking"), state_labels={
    B.BOOKED: ("已预约", "booked"), B.HELD: ("已转为设备预留", "a unit is held"),
    B.FULFILLED: ("已出借", "lent"), B.CANCELLED: ("已取消", "cancelled"),
    B.LAPSED: ("已失效", "lapsed"),
}, action_labels={"hold": ("预留设备", "hold a unit"), "fulfil": ("出借", "lend"),
                  "cancel": ("取消", "cancel it"), "lapse": ("失效", "let it lapse")})

#: how far ahead a booking may start, and how many days it may span
MAX_AHEAD = timedelta(days=180)
MAX_SPAN = timedelta(days=90)


@dataclass(eq=False)
class Booking:
    type_id: uuid.UUID
    station_id: uuid.UUID
    borrower_id: uuid.UUID
    starts_on: date
    ends_on: date
    created_at: datetime
    status: BookingStatus = BookingStatus.BOOKED
    reservation_id: uuid.UUID | None = None
    closed_at: datetime | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def book(cls, *, station: Station, device_type: DeviceType, borrower: Borrower,
             starts_on: date, ends_on: date, today: date, now: datetime,
             blocks: Iterable[Conflict] = (), booking_id: uuid.UUID | None = None) -> Booking:
        """A unit of ``device_type`` at ``station`` for ``borrower`` from ``starts_on`` to
        ``ends_on`` (both included). It starts tomorrow at the earliest (today: hold a
        unit), at most 180 days ahead, and spans at most 90 days."""
        errors = FieldErrors()
        if starts_on <= today:
            errors.add("starts_on", "开始日期须晚于今天；今天要用请直接预留 "
                       "(must be after today; for today, hold a unit)")
        elif starts_on > today + MAX_AHEAD:
            errors.add("starts_on", "最多提前180天预约 (at most 180 days ahead)")
        if ends_on < starts_on:
            errors.add("ends_on", "结束日期不能早于开始日期 (cannot be before the start)")
        elif ends_on - starts_on > MAX_SPAN:
            errors.add("ends_on", "预约最长90天 (at most 90 days)")
        errors.raise_if_any()
        station.ensure_active()
        device_type.ensure_rentable()
        borrower.ensure_usable()
        for block in blocks:
            raise block
        return cls(type_id=device_type.id, station_id=station.id, borrower_id=borrower.id,
                   starts_on=starts_on, ends_on=ends_on, created_at=now,
                   id=booking_id or uuid.uuid4())

    @property
    def label(self) -> str:
        """How a clerk names it in a refusal."""
        return f"{self.starts_on.isoformat()}至{self.ends_on.isoformat()}的日期预约"

    def covers(self, day: date) -> bool:
        return self.status == BookingStatus.BOOKED and self.starts_on <= day <= self.ends_on

    def _step(self, action: str, now: datetime) -> None:
        self.status = BookingStatus(BOOKING_MACHINE.next(self.status, action))
        self.closed_at = now

    def hold(self, *, unit: Unit, station: Station, borrower: Borrower, now: datetime,
             expires_at: datetime) -> Reservation:
        """The start day came: hold ``unit`` for the borrower until ``expires_at``."""
        BOOKING_MACHINE.next(self.status, "hold")
        if (unit.type_id, station.id, borrower.id) != (self.type_id, self.station_id,
                                                       self.borrower_id):
            raise ValidationFailed.field("unit_id", "设备与日期预约不符 (unit does not match)")
        reservation = Reservation.place(unit=unit, station=station, now=now,
                                        expires_at=expires_at, borrower=borrower)
        self._step("hold", now)
        self.reservation_id = reservation.id
        self.events.append(WaitlistUnitHeld(
            entry_id=None, booking_id=self.id, reservation_id=reservation.id,
            unit_id=unit.id, type_id=self.type_id, station_id=self.station_id,
            borrower_id=self.borrower_id, expires_at=expires_at, occurred_at=now))
        return reservation

    def fulfil(self, now: datetime, today: date) -> None:
        """Lent directly on one of its days (the check-out used the booked unit)."""
        if not self.starts_on <= today <= self.ends_on:
            raise Conflict(f"{self.label}不在今天 (the booking does not cover today)",
                           current_state=self.status)
        self._step("fulfil", now)

    def cancel(self, now: datetime) -> None:
        self._step("cancel", now)

    def lapse(self, now: datetime) -> None:
        self._step("lapse", now)


def first_unservable(bookings: Iterable[Booking], *, free: int, coming: Iterable[date],
                     start: date, until: date, taking: int = 0) -> Booking | None:
    """The booking left without a unit on some day of ``[start, until]`` if ``taking``
    free units are taken now for that whole period (a loan until its due day, a hold
    until its expiry), or ``None`` when every booked day keeps a unit.

    The units of a day ``d`` are the ``free`` units on the shelf now, less ``taking``, plus
    the units expected back by then (``coming``: the day each one is expected to be
    lendable again, e.g. two days after a loan's due date, the day after a cleaning).
    The bookings of ``d`` are the booked ones covering it. Units only come back as days
    go by and bookings only change on their first and last days, so checking the first
    day and each booking's first day within the period is enough."""
    pending = [b for b in bookings if b.status == BookingStatus.BOOKED
               and b.ends_on >= start and b.starts_on <= until]
    back = sorted(coming)
    days = sorted({start} | {max(b.starts_on, start) for b in pending})
    for day in days:
        if day > until:
            break
        covering = [b for b in pending if b.covers(day)]
        units = free - taking + sum(1 for c in back if c <= day)
        if len(covering) > units:
            return max(covering, key=lambda b: (b.created_at, str(b.id)))
    return None


def overbooked(booking: Booking, others: Iterable[Booking], *, free: int,
               coming: Iterable[date]) -> Conflict | None:
    """Would ``booking`` overbook one of its days with the ``others``? A 409 saying which
    day is full, or ``None``."""
    pending = [b for b in others if b.id != booking.id]
    clash = first_unservable([*pending, booking], free=free, coming=coming,
                             start=booking.starts_on, until=booking.ends_on)
    if clash is None:
        return None
    return Conflict("所选日期内本站该类设备已被预约满 (every unit of this type at this station "
                    "is booked on a day of this period)", current_state="fully_booked")


def refusal(booking: Booking) -> Conflict:
    """A loan or hold that would leave ``booking`` without a unit."""
    return Conflict(f"本站该类设备需留给{booking.label}（编号{str(booking.id)[:8]}），"
                    "现在出借或预留将使该预约无设备可用 (a unit must stay for the date booking "
                    f"{booking.id} from {booking.starts_on} to {booking.ends_on})",
                    current_state="reserved_for_booking", booking_id=str(booking.id))
