"""The item catalogue (改造项目清单), quantities and the line-money rule.

Quantities are integer milli-units (``2500`` = 2.5 metres). Money is int fen. A line's
total is ``unit_price_fen * quantity_milli / 1000`` rounded half up to the fen, computed in
integers; a plan's total is the sum of its rounded line totals.
"""

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from svckit.domain.errors import ValidationFailed
from svckit.domain.fields import FieldErrors, member, require_text
from svckit.domain.identifiers import normalise

MILLI = 1000
_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")
_ISO9999_RE = re.compile(r"^(\d{2})(?: ?(\d{2}))?(?: ?(\d{2}))?$")


class Area(enum.StrEnum):
    ENTRANCE = "entrance"
    FLOOR = "floor"
    BATHROOM = "bathroom"
    KITCHEN = "kitchen"
    BEDROOM = "bedroom"
    OTHER = "other"

    @property
    def label_zh(self) -> str:
        return _AREA_ZH[self]


_AREA_ZH = {
    Area.ENTRANCE: "出入口",
    Area.FLOOR: "地面",
    Area.BATHROOM: "卫生间",
    Area.KITCHEN: "厨房",
    Area.BEDROOM: "卧室",
    Area.OTHER: "其他",
}


class Unit(enum.StrEnum):
    EACH = "each"
    METRE = "metre"
    SQUARE_METRE = "square_metre"

    @property
    def label_zh(self) -> str:
        return _UNIT_ZH[self]


_UNIT_ZH = {Unit.EACH: "个", Unit.METRE: "米", Unit.SQUARE_METRE: "平方米"}


def normalise_device_type(raw: str) -> str:
    """An ISO 9999 / GB/T 16432 class code, 2-6 digits in pairs: ``091203`` -> ``09 12 03``."""
    m = _ISO9999_RE.match(normalise(raw))
    if not m:
        raise ValueError("辅具分类代码应为ISO 9999格式，如 09 12 03 (ISO 9999 class code)")
    return " ".join(g for g in m.groups() if g)


def parse_quantity(raw: str | int, unit: Unit) -> int:
    """Parse a quantity into milli-units without floats. ``each`` must be whole."""
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationFailed.field("quantity", "数量格式错误 (not a number)") from None
    if not value.is_finite() or value <= 0:
        raise ValidationFailed.field("quantity", "数量必须大于0 (must be positive)")
    milli = value * MILLI
    if milli != milli.to_integral_value():
        raise ValidationFailed.field("quantity", "数量最多三位小数 (at most 3 decimals)")
    return check_quantity(int(milli), unit)


def check_quantity(quantity_milli: int, unit: Unit) -> int:
    if (
        not isinstance(quantity_milli, int)
        or isinstance(quantity_milli, bool)
        or quantity_milli <= 0
    ):
        raise ValidationFailed.field("quantity", "数量必须大于0 (must be positive)")
    if unit is Unit.EACH and quantity_milli % MILLI:
        raise ValidationFailed.field(
            "quantity", "按个计的项目数量必须为整数 (items counted 'each' must be whole)"
        )
    return quantity_milli


def format_quantity(quantity_milli: int) -> str:
    """``2500`` -> ``"2.5"``; ``3000`` -> ``"3"``."""
    whole, frac = divmod(quantity_milli, MILLI)
    return f"{whole}.{frac:03d}".rstrip("0").rstrip(".") if frac else str(whole)


def line_total_fen(unit_price_fen: int, quantity_milli: int) -> int:
    """Price times quantity, rounded half up to the fen, in integers only."""
    return (unit_price_fen * quantity_milli + MILLI // 2) // MILLI


@dataclass(eq=False)
class CatalogueItem:
    """A standard modification item. Devices (``is_device``) are supplied by the rental
    side and carry an ISO 9999 ``device_type_code``; they are always counted ``each``."""

    code: str
    name: str
    area: Area
    unit: Unit
    unit_price_fen: int
    is_device: bool = False
    device_type_code: str | None = None
    active: bool = True
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    #: every price it had: ``{"unit_price_fen", "valid_from" (ISO time), "changed_by"}``,
    #: oldest first; plans copy the price when drafted, so they keep theirs
    price_history: list[dict[str, Any]] = field(default_factory=list)

    def change(self, by: str, now: datetime, *, name: str | None = None,
               unit_price_fen: int | None = None, active: bool | None = None) -> None:
        """Rename, retire/reinstate, or change the price (a new version from ``now``)."""
        check = FieldErrors()
        if name is not None:
            with check.field("name"):
                name = require_text("name", name, 200)
        if unit_price_fen is not None:
            check.fen("unit_price_fen", unit_price_fen)
        check.raise_if_any()
        if name is not None:
            self.name = name
        if active is not None:
            self.active = active
        if unit_price_fen is not None and unit_price_fen != self.unit_price_fen:
            if not self.price_history:  # an item from before prices were versioned
                self.price_history = [{"unit_price_fen": self.unit_price_fen,
                                       "valid_from": None, "changed_by": None}]
            self.price_history = [*self.price_history, {
                "unit_price_fen": unit_price_fen, "valid_from": now.isoformat(),
                "changed_by": by}]
            self.unit_price_fen = unit_price_fen

    def __post_init__(self) -> None:
        check = FieldErrors()
        with check.field("code"):
            code = require_text("code", normalise(self.code), 32)
            if not _CODE_RE.match(code):
                raise ValueError("编码只能包含大写字母、数字和连字符 (letters, digits, hyphens)")
            self.code = code
        with check.field("name"):
            self.name = require_text("name", self.name, 200)
        with check.field("area"):
            self.area = member(Area, self.area, "改造区域无效 (unknown area)")
        with check.field("unit"):
            self.unit = member(Unit, self.unit, "计量单位无效 (unknown unit)")
        check.fen("unit_price_fen", self.unit_price_fen)
        if self.is_device:
            if self.unit != Unit.EACH:
                check.add("unit", "辅具按个计 (devices are counted 'each')")
            with check.field("device_type_code"):
                self.device_type_code = normalise_device_type(self.device_type_code or "")
        elif self.device_type_code is not None:
            check.add("device_type_code", "施工项目没有辅具分类 (only devices have a device type)")
        check.raise_if_any()
