"""Stocktake (盘点): a clerk counts a station's shelves by scanning the units' QR labels.

A count is open while the clerk scans (one open count per station); closing it computes
the discrepancy report with :func:`discrepancies` and keeps it with the count:

* **missing**: on the records at the station, in stock there (not out on loan, not in
  transit, not given away or written off), and not scanned;
* **unexpected**: scanned, but the records have the unit elsewhere: at another station
  (``wrong_station``) or not on the shelf at all (on loan, in transit, given away,
  written off: ``not_in_stock``);
* **unknown tags**: a scanned tag no unit carries.

Corrections are applied afterwards, one unit at a time, each with a reason (a missing
unit written off as lost, a unit found at the wrong station moved onto this one); each
is kept as a :class:`StocktakeCorrection` (and audited like every state change).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from svckit.domain.errors import Conflict, ValidationFailed
from svckit.domain.fields import require_text
from svckit.domain.identifiers import normalise
from svckit.domain.statemachine import StateMachine

from .events import DomainEvent, StocktakeClosed
from .units import UnitStatus

#: where a unit is at its station and still counts as on the shelf
ON_SHELF = frozenset({UnitStatus.AVAILABLE, UnitStatus.RESERVED, UnitStatus.CLEANING,
                      UnitStatus.MAINTENANCE})
#: a tag as scanned: the QR label carries the asset tag; a typed one works as well
MAX_TAG = 64


class StocktakeStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CorrectionAction(enum.StrEnum):
    WRITE_OFF = "write_off"  # a missing unit reported lost (报失核销)
    MOVE = "move"  # a unit found here, on the records elsewhere: the records follow


STOCKTAKE_MACHINE = StateMachine("stocktake", {
    (StocktakeStatus.OPEN, "scan"): StocktakeStatus.OPEN,
    (StocktakeStatus.OPEN, "close"): StocktakeStatus.CLOSED,
    (StocktakeStatus.CLOSED, "correct"): StocktakeStatus.CLOSED,
}, label=("盘点", "the count"), state_labels={
    StocktakeStatus.OPEN: ("盘点中", "open"),
    StocktakeStatus.CLOSED: ("已结束", "closed"),
}, action_labels={
    "scan": ("扫码", "scan a tag"), "close": ("结束盘点", "close it"),
    "correct": ("处理差异", "apply a correction"),
})

UNEXPECTED_LABELS = {
    "wrong_station": ("属于其他站点", "belongs to another station"),
    "not_in_stock": ("账上不在库", "not in stock on the records"),
}


@dataclass(frozen=True)
class ShelfUnit:
    """What the count needs to know of a unit (read from the records)."""

    unit_id: uuid.UUID
    asset_tag: str
    status: str
    station_id: uuid.UUID


@dataclass(frozen=True)
class Report:
    expected: int
    found: list[dict[str, Any]]
    missing: list[dict[str, Any]]
    unexpected: list[dict[str, Any]]
    unknown_tags: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"expected": self.expected, "found": self.found, "missing": self.missing,
                "unexpected": self.unexpected, "unknown_tags": self.unknown_tags}


def _row(unit: ShelfUnit) -> dict[str, Any]:
    return {"unit_id": str(unit.unit_id), "asset_tag": unit.asset_tag, "status": unit.status,
            "station_id": str(unit.station_id)}


def discrepancies(station_id: uuid.UUID, at_station: Iterable[ShelfUnit],
                  scanned: dict[str, ShelfUnit | None]) -> Report:
    """The discrepancy report of a count at ``station_id``.

    ``at_station``: the units the records have at the station (any status);
    ``scanned``: every distinct tag scanned, with the unit carrying it (None: no unit)."""
    scanned_ids = {u.unit_id for u in scanned.values() if u is not None}
    expected = [u for u in at_station if u.station_id == station_id and u.status in ON_SHELF]
    missing = sorted((_row(u) for u in expected if u.unit_id not in scanned_ids),
                     key=lambda r: r["asset_tag"])
    found, unexpected, unknown = [], [], []
    for tag in sorted(scanned):
        unit = scanned[tag]
        if unit is None:
            unknown.append(tag)
        elif unit.station_id != station_id:
            unexpected.append({**_row(unit), "reason": "wrong_station"})
        elif unit.status not in ON_SHELF:
            unexpected.append({**_row(unit), "reason": "not_in_stock"})
        else:
            found.append(_row(unit))
    return Report(expected=len(expected), found=found, missing=missing,
                  unexpected=unexpected, unknown_tags=unknown)


def scanned_tag(raw: object) -> str:
    """The tag as scanned or typed, normalised like every asset tag (a QR label may carry
    the tag alone or a link ending in it: the part after the last ``/`` counts)."""
    text = raw.strip() if isinstance(raw, str) else ""
    tag = normalise(text.rstrip("/").rsplit("/", 1)[-1]) if text else ""
    if not tag:
        raise ValidationFailed.field("tag", "请扫描或输入资产编号 (scan or type the asset tag)")
    if len(tag) > MAX_TAG:
        raise ValidationFailed.field("tag", f"资产编号不能超过{MAX_TAG}个字符 "
                                     f"(at most {MAX_TAG} characters)")
    return tag


@dataclass(eq=False)
class StocktakeScan:
    stocktake_id: uuid.UUID
    tag: str
    unit_id: uuid.UUID | None
    scanned_at: datetime
    scanned_by: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(eq=False)
class StocktakeCorrection:
    stocktake_id: uuid.UUID
    unit_id: uuid.UUID
    action: CorrectionAction
    reason: str
    applied_by: str
    applied_at: datetime
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(eq=False)
class Stocktake:
    station_id: uuid.UUID
    started_by: str
    started_at: datetime
    status: StocktakeStatus = StocktakeStatus.OPEN
    closed_by: str | None = None
    closed_at: datetime | None = None
    report: dict[str, Any] | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def start(cls, *, station_id: uuid.UUID, by: str, now: datetime,
              open_count: Stocktake | None) -> Stocktake:
        if open_count is not None:
            raise Conflict(
                f"本站已有进行中的盘点（{open_count.started_by}开始），请先结束 (the station "
                f"already has an open count, started by {open_count.started_by}; close it "
                "first)", current_state="open", stocktake_id=str(open_count.id))
        return cls(station_id=station_id, started_by=by, started_at=now)

    def ensure_can(self, action: str) -> None:
        """409 in words unless the count's state allows ``action``."""
        STOCKTAKE_MACHINE.next(self.status, action)

    def scan(self, raw_tag: object, unit_id: uuid.UUID | None, *, by: str,
             now: datetime) -> StocktakeScan:
        STOCKTAKE_MACHINE.next(self.status, "scan")
        return StocktakeScan(stocktake_id=self.id, tag=scanned_tag(raw_tag), unit_id=unit_id,
                             scanned_at=now, scanned_by=by)

    def close(self, report: Report, *, by: str, now: datetime) -> None:
        self.status = StocktakeStatus(STOCKTAKE_MACHINE.next(self.status, "close"))
        self.closed_by, self.closed_at, self.report = by, now, report.as_dict()
        self.events.append(StocktakeClosed(
            stocktake_id=self.id, station_id=self.station_id, expected=report.expected,
            found=len(report.found), missing=len(report.missing),
            unexpected=len(report.unexpected), unknown_tags=len(report.unknown_tags),
            occurred_at=now))

    def correction(self, unit_id: uuid.UUID, action: CorrectionAction, reason: object, *,
                   by: str, now: datetime, done: Iterable[StocktakeCorrection]
                   ) -> StocktakeCorrection:
        """A correction of a unit the report lists: a missing one written off, or an
        unexpected one moved here. Once per unit and count."""
        STOCKTAKE_MACHINE.next(self.status, "correct")
        clean = require_text("reason", reason)
        assert self.report is not None
        listed = {
            CorrectionAction.WRITE_OFF: {r["unit_id"] for r in self.report["missing"]},
            CorrectionAction.MOVE: {r["unit_id"] for r in self.report["unexpected"]
                                    if r.get("reason") == "wrong_station"},
        }[action]
        if str(unit_id) not in listed:
            what = ("缺失清单", "missing") if action == CorrectionAction.WRITE_OFF else (
                "错站清单", "wrong-station")
            raise Conflict(f"该设备不在本次盘点的{what[0]}中 (the unit is not on this count's "
                           f"{what[1]} list)", current_state="not_listed")
        if any(c.unit_id == unit_id for c in done):
            raise Conflict("该设备的差异已处理 (this unit's discrepancy was corrected already)",
                           current_state="corrected")
        return StocktakeCorrection(stocktake_id=self.id, unit_id=unit_id, action=action,
                                   reason=clean, applied_by=by, applied_at=now)
