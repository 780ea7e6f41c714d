"""Builders shared by the inventory unit tests (not a test module itself)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from inventory.domain.borrowers import Borrower
from inventory.domain.catalogue import DeviceType, Station, SupplyMode
from inventory.domain.units import AcquisitionKind, ConditionGrade, Unit
from svckit.domain.certificate import make_certificate

#: Monday 2025-03-03, 10:00 in China (02:00 UTC)
NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
TODAY = date(2025, 3, 3)

DONGCHANGFU = "371502"
YANGGU = "371521"
LIAOCHENG = "371500"
WEIFANG_KUIWEN = "370705"


def cert(category: int = 4, grade: int = 3, first17: str = "37150219800101001") -> str:
    return make_certificate(first17, category, grade)


def station(name: str = "东昌府区辅具租赁站", division_code: str = DONGCHANGFU,
            **kw: Any) -> Station:
    fields: dict[str, Any] = {
        "address": "聊城市东昌府区柳园南路1号", "phone": "0635-8888888",
        "opening_days": [1, 2, 3, 4, 5],
    }
    fields.update(kw)
    return Station(name=name, division_code=division_code, **fields)


def wheelchair(**kw: Any) -> DeviceType:
    fields: dict[str, Any] = {
        "iso_code": "12 22 03", "name_zh": "手动轮椅车", "mode": SupplyMode.RENTABLE,
        "daily_fee_fen": 200, "deposit_fen": 50_000, "max_rental_days": 90,
        "cleaning_buffer_hours": 24, "specs": {"座宽": "46cm"},
    }
    fields.update(kw)
    return DeviceType(**fields)


def prosthesis() -> DeviceType:
    return DeviceType(iso_code="06 24 09", name_zh="小腿假肢", mode=SupplyMode.ALLOCATE_ONLY)


def borrower(grade: int = 3, *, dibao: bool = False, tekun: bool = False,
             consent: bool = True, division_code: str = DONGCHANGFU,
             first17: str = "37150219800101001") -> Borrower:
    return Borrower(
        certificate_number=cert(4, grade, first17), name="张三", phone="13812345678",
        address="聊城市东昌府区某街道1号", division_code=division_code, dibao=dibao,
        tekun=tekun, consent_at=NOW - timedelta(days=1) if consent else None,
    )


def unit(device_type: DeviceType, at: Station, tag: str = "LC-0001",
         condition: ConditionGrade = ConditionGrade.A, now: datetime = NOW) -> Unit:
    return Unit.register(
        asset_tag=tag, serial="SN-" + tag, type_id=device_type.id, station_id=at.id,
        condition=condition, acquisition=AcquisitionKind.PURCHASE,
        acquired_on=date(2024, 12, 1), cost_fen=120_000, now=now,
    )
