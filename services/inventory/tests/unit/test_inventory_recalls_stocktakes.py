"""Issue 16, rental items 5 and 6 in the domain: a recall matches by type, model and batch
and refuses lending in words; a count's discrepancy report (missing, unexpected, unknown
tags) and its corrections."""

from __future__ import annotations

import uuid

import pytest
from inventory.domain.recalls import Recall, RecallScope, ensure_not_recalled
from inventory.domain.stocktakes import (
    CorrectionAction,
    ShelfUnit,
    Stocktake,
    discrepancies,
    scanned_tag,
)
from inventory.domain.units import Unit, UnitStatus
from inventory_builders import NOW, station, unit, wheelchair
from svckit.domain.errors import Conflict, ValidationFailed


def _units() -> tuple[object, list[Unit]]:
    wc, st = wheelchair(), station()
    units = [unit(wc, st, tag=f"LC-{i:04d}") for i in range(4)]
    units[0].describe(model="h005", batch="2024-03")
    units[1].describe(model="H005", batch="2024-04")
    units[2].describe(model="H007", batch="2024-03")
    # units[3]: model and batch not recorded (taken in before recalls)
    return wc, units


def test_a_unit_records_model_and_batch_normalised() -> None:
    _, units = _units()
    assert (units[0].model, units[0].batch) == ("H005", "2024-03")
    assert (units[3].model, units[3].batch) == (None, None)
    units[0].describe(model=" ", batch=None)  # blank: not known
    assert (units[0].model, units[0].batch) == (None, None)
    with pytest.raises(ValidationFailed) as exc:
        units[0].describe(model="型号!", batch="x" * 41)
    assert set(exc.value.errors) == {"model", "batch"}


@pytest.mark.parametrize(("model", "batch", "scope", "covered"), [
    (None, None, RecallScope.TYPE, {0, 1, 2, 3}),
    ("H005", None, RecallScope.MODEL, {0, 1}),
    (None, "2024-03", RecallScope.BATCH, {0, 2}),
    ("h005", "２０２４－０３", RecallScope.BATCH, {0}),
])
def test_a_recall_covers_the_type_the_model_or_the_batch(
        model: str | None, batch: str | None, scope: RecallScope, covered: set[int]) -> None:
    wc, units = _units()
    recall = Recall.place(device_type=wc, model=model, batch=batch,  # type: ignore[arg-type]
                          reason="厂家召回", by="staff-1", now=NOW)
    assert recall.scope == scope
    assert {i for i, u in enumerate(units) if recall.matches(u)} == covered
    other_type = unit(wheelchair(), station(), tag="LC-9999")
    other_type.describe(model="H005", batch="2024-03")
    assert not recall.matches(other_type)


def test_a_standing_recall_refuses_lending_in_words_and_a_lifted_one_does_not() -> None:
    wc, units = _units()
    recall = Recall.place(device_type=wc, model="H005", batch=None,  # type: ignore[arg-type]
                          reason="厂家召回：刹车失灵风险", by="staff-1", now=NOW)
    with pytest.raises(Conflict) as exc:
        ensure_not_recalled(units[0], [recall])
    detail = exc.value.detail
    assert "已召回" in detail and "H005" in detail and "刹车失灵风险" in detail
    assert "recalled" in detail and "<" not in detail
    assert exc.value.current_state == "recalled"
    ensure_not_recalled(units[2], [recall])  # another model lends
    recall.lift(by="staff-1", reason="厂家已更换刹车", now=NOW)
    ensure_not_recalled(units[0], [recall])
    with pytest.raises(Conflict) as lifted:
        recall.lift(by="staff-1", reason="again", now=NOW)
    assert "已解除" in lifted.value.detail
    assert [type(e).__name__ for e in recall.events] == ["RecallPlaced", "RecallLifted"]


def test_a_recall_needs_a_reason() -> None:
    with pytest.raises(ValidationFailed) as exc:
        Recall.place(device_type=wheelchair(), model=None, batch=None, reason=" ",
                     by="staff-1", now=NOW)
    assert "reason" in exc.value.errors


A, B = uuid.uuid4(), uuid.uuid4()


def _shelf(tag: str, status: str = "available", at: uuid.UUID = A) -> ShelfUnit:
    return ShelfUnit(unit_id=uuid.uuid4(), asset_tag=tag, status=status, station_id=at)


def test_the_discrepancy_report() -> None:
    on_shelf = _shelf("LC-0001")
    cleaning = _shelf("LC-0002", UnitStatus.CLEANING)
    missing = _shelf("LC-0003")
    missing_in_repair = _shelf("LC-0004", UnitStatus.MAINTENANCE)
    on_loan = _shelf("LC-0005", UnitStatus.RENTED)  # out: not expected, not missing
    written_off = _shelf("LC-0006", UnitStatus.WRITTEN_OFF)
    elsewhere = _shelf("LC-0007", at=B)
    at_station = [on_shelf, cleaning, missing, missing_in_repair, on_loan, written_off]
    scanned: dict[str, ShelfUnit | None] = {
        "LC-0001": on_shelf, "LC-0002": cleaning, "LC-0007": elsewhere,
        "LC-0005": on_loan, "XX-404": None,
    }
    report = discrepancies(A, at_station, scanned)
    assert report.expected == 4
    assert [r["asset_tag"] for r in report.found] == ["LC-0001", "LC-0002"]
    assert [r["asset_tag"] for r in report.missing] == ["LC-0003", "LC-0004"]
    assert [(r["asset_tag"], r["reason"]) for r in report.unexpected] == [
        ("LC-0005", "not_in_stock"), ("LC-0007", "wrong_station")]
    assert report.unknown_tags == ["XX-404"]


def test_an_empty_count_misses_everything_on_the_shelf() -> None:
    units = [_shelf(f"LC-{i}") for i in range(3)]
    report = discrepancies(A, units, {})
    assert report.expected == 3 and len(report.missing) == 3
    assert report.found == report.unexpected == report.unknown_tags == []


def test_a_scanned_tag_is_normalised_and_a_label_link_gives_its_tag() -> None:
    assert scanned_tag(" ｌｃ－０００１ ") == "LC-0001"
    assert scanned_tag("https://fuju.example/u/LC-0001") == "LC-0001"
    with pytest.raises(ValidationFailed):
        scanned_tag("  ")


def test_one_open_count_per_station_and_corrections_of_listed_units_only() -> None:
    first = Stocktake.start(station_id=A, by="clerk-1", now=NOW, open_count=None)
    with pytest.raises(Conflict) as exc:
        Stocktake.start(station_id=A, by="clerk-2", now=NOW, open_count=first)
    assert "已有进行中的盘点" in exc.value.detail
    with pytest.raises(Conflict) as early:
        first.correction(uuid.uuid4(), CorrectionAction.MOVE, "r", by="c", now=NOW, done=[])
    assert "盘点中" in early.value.detail  # the state in words
    missing, elsewhere = _shelf("LC-0003"), _shelf("LC-0007", at=B)
    first.close(discrepancies(A, [missing], {"LC-0007": elsewhere}), by="clerk-1", now=NOW)
    with pytest.raises(Conflict) as closed:
        first.scan("LC-0001", None, by="clerk-1", now=NOW)
    assert "已结束" in closed.value.detail
    done = [first.correction(missing.unit_id, CorrectionAction.WRITE_OFF, "确认丢失",
                             by="sup", now=NOW, done=[])]
    with pytest.raises(Conflict):  # not on the wrong-station list
        first.correction(missing.unit_id, CorrectionAction.MOVE, "r", by="c", now=NOW,
                         done=done)
    with pytest.raises(Conflict):  # corrected once already
        first.correction(missing.unit_id, CorrectionAction.WRITE_OFF, "r", by="c", now=NOW,
                         done=done)
    with pytest.raises(ValidationFailed):
        first.correction(elsewhere.unit_id, CorrectionAction.MOVE, " ", by="c", now=NOW,
                         done=done)
    [event] = first.events
    assert (event.missing, event.unexpected) == (1, 1)  # type: ignore[attr-defined]


def test_a_unit_found_at_another_station_moves_there_with_a_reason() -> None:
    wc, home, other = wheelchair(), station(), station(name="冠县辅具租赁站")
    u = unit(wc, home)
    u.relocate(NOW, other.id, "盘点发现在冠县站")
    assert (u.current_station_id, u.status) == (other.id, UnitStatus.AVAILABLE)
    assert u.movements[-1].action == "relocate"
    with pytest.raises(Conflict):
        u.relocate(NOW, other.id, "again")
