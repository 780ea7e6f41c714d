"""Stations (辅具租赁服务站) and device types (the ISO 9999 / GB/T 16432 catalogue)."""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from svckit.domain.division import city_of, validate_division
from svckit.domain.errors import Conflict, ValidationFailed
from svckit.domain.fields import FieldErrors
from svckit.domain.identifiers import normalise
from svckit.domain.phone import validate_phone

MAX_RENTAL_DAYS_CAP = 365
MAX_CLEANING_BUFFER_HOURS = 168


@dataclass(eq=False)
class Station:
    """A rental service station; the city service centre is a station with a city-level code."""

    name: str
    division_code: str
    address: str
    phone: str
    opening_days: list[int]  # ISO weekdays: 1 = Monday ... 7 = Sunday
    active: bool = True
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        errors = FieldErrors()
        self.name = errors.text("name", self.name, 100)
        self.address = errors.text("address", self.address, 200)
        self.division_code = errors.parse("division_code", validate_division, self.division_code) \
            or self.division_code
        self.phone = errors.parse("phone", validate_phone, self.phone) or self.phone
        days = sorted(set(self.opening_days))
        if not days or any(not isinstance(d, int) or not 1 <= d <= 7 for d in days):
            errors.add("opening_days", "开放日应为1-7的星期序号且至少一天 "
                       "(ISO weekdays 1-7, at least one)")
        self.opening_days = days
        errors.raise_if_any()

    def ensure_active(self) -> None:
        if not self.active:
            raise Conflict(f"站点{self.name}已停用 (station is inactive)", current_state="inactive")


def rank_stations(home_division: str, stations: Iterable[Station]) -> list[Station]:
    """Active stations in the same city as ``home_division``: same county first, then by name."""
    try:
        home = validate_division(home_division)
    except ValueError as exc:
        raise ValidationFailed.field("division_code", str(exc)) from None
    same_city = [s for s in stations if s.active and city_of(s.division_code) == city_of(home)]
    return sorted(same_city, key=lambda s: (s.division_code != home, s.name))


class SupplyMode(enum.StrEnum):
    RENTABLE = "rentable"  # lent with a due date (may also be allocated, see allocations.py)
    ALLOCATE_ONLY = "allocate_only"  # fitted and given, never rented (e.g. prostheses)


_MODES = {m.value for m in SupplyMode}
_ISO_RE = re.compile(r"^(\d{2})[ -]?(\d{2})(?:[ -]?(\d{2}))?$")


def normalise_iso_code(raw: str) -> str:
    """``"122203"`` / ``"12-22-03"`` -> ``"12 22 03"``; class + subclass at least."""
    m = _ISO_RE.match(normalise(raw, keep_spaces=True))
    if not m:
        raise ValueError("ISO 9999分类代码应为“类 次类 支类”两位数字，如12 22 03 "
                         "(ISO 9999 code like '12 22 03')")
    return " ".join(g for g in m.groups() if g)


@dataclass(eq=False)
class DeviceType:
    """A catalogue entry. Money is int fen. A rentable type has a maximum loan length;
    an allocate-only type has none and carries no fee or deposit."""

    iso_code: str
    name_zh: str
    mode: SupplyMode
    daily_fee_fen: int = 0
    deposit_fen: int = 0
    max_rental_days: int | None = None
    cleaning_buffer_hours: int = 0
    specs: dict[str, str] = field(default_factory=dict)
    #: open loans of this type's ISO class a borrower may hold (copied from the class's
    #: limit, ``loan_limits``; None: the service default)
    loan_limit: int | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def iso_class(self) -> str:
        return self.iso_code[:5]

    def __post_init__(self) -> None:
        errors = FieldErrors()
        self.iso_code = errors.parse("iso_code", normalise_iso_code, self.iso_code) \
            or self.iso_code
        self.name_zh = errors.text("name_zh", self.name_zh, 100)
        mode = SupplyMode(self.mode) if self.mode in _MODES else None
        if mode is None:
            errors.add("mode", "供应方式应为rentable或allocate_only "
                       "(mode must be rentable or allocate_only)")
        else:
            self.mode = mode
        errors.fen("daily_fee_fen", self.daily_fee_fen)
        errors.fen("deposit_fen", self.deposit_fen)
        hours = self.cleaning_buffer_hours
        if not isinstance(hours, int) or not 0 <= hours <= MAX_CLEANING_BUFFER_HOURS:
            errors.add("cleaning_buffer_hours", f"清洁间隔应为0-{MAX_CLEANING_BUFFER_HOURS}小时 "
                       f"(0-{MAX_CLEANING_BUFFER_HOURS} hours)")
        days = self.max_rental_days
        if mode is SupplyMode.RENTABLE:
            if not isinstance(days, int) or not 1 <= days <= MAX_RENTAL_DAYS_CAP:
                errors.add("max_rental_days", f"可租赁类型的最长租期应为1-{MAX_RENTAL_DAYS_CAP}天 "
                           f"(rentable types need 1-{MAX_RENTAL_DAYS_CAP} days)")
        elif mode is SupplyMode.ALLOCATE_ONLY and (
            days is not None or self.daily_fee_fen or self.deposit_fen
        ):
            errors.add("mode", "仅发放类型不能设置租金、押金或租期 "
                       "(allocate-only types carry no fee, deposit or rental days)")
        errors.raise_if_any()

    @property
    def rentable(self) -> bool:
        return self.mode == SupplyMode.RENTABLE

    @property
    def cleaning_buffer(self) -> timedelta:
        return timedelta(hours=self.cleaning_buffer_hours)

    def ensure_rentable(self) -> None:
        if not self.rentable:
            raise Conflict(f"{self.name_zh}仅用于适配发放，不可租赁 "
                           "(this type is allocate-only and cannot be rented)",
                           current_state=self.mode.value)
