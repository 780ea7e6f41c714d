"""Demo data a Liaocheng federation would recognise (idempotent: fixed ids, added once).

The city assistive-device service centre (371500) and rental stations in five counties and
districts, the catalogue with real ISO 9999 / GB/T 16432 codes, 45 units, eight
certificate holders (checksum-correct numbers, consent given) and two rentals, one of
them overdue so that the overdue scan has something to raise.
"""

from __future__ import annotations

import uuid
import zlib
from datetime import date, timedelta

from svckit.domain.certificate import make_certificate
from svckit.domain.clock import china_date, utcnow
from svckit.numbering import next_number
from svckit.service import ServiceContext

from inventory.adapters import orm
from inventory.domain.borrowers import Borrower
from inventory.domain.catalogue import DeviceType, Station, SupplyMode
from inventory.domain.rentals import NUMBER_PREFIX, Rental
from inventory.domain.units import AcquisitionKind, ConditionGrade, Unit

NS = uuid.UUID("6f1c1d7e-5b1a-4c47-9a43-3d0f2a6b1500")


def seed_id(kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(NS, f"{kind}:{key}")


# (key, name, division, address, phone, opening days)
STATIONS = [
    ("SZX", "聊城市辅助器具服务中心", "371500", "聊城市东昌府区东昌东路3号", "0635-8278001",
     [1, 2, 3, 4, 5, 6]),
    ("DCF", "东昌府区辅具租赁服务站", "371502", "聊城市东昌府区柳园南路56号", "0635-8432102",
     [1, 2, 3, 4, 5]),
    ("CP", "茌平区辅具租赁服务站", "371503", "聊城市茌平区振兴路18号", "0635-4262203",
     [1, 2, 3, 4, 5]),
    ("YG", "阳谷县辅具租赁服务站", "371521", "聊城市阳谷县谷山路99号", "0635-6212304",
     [1, 2, 3, 4, 5]),
    ("LQ", "临清市辅具租赁服务站", "371581", "聊城市临清市青年路120号", "0635-2312405",
     [1, 3, 5]),
    ("GX", "冠县辅具租赁服务站", "371525", "聊城市冠县冠宜春路66号", "0635-5212506",
     [2, 4, 6]),
]

# (key, ISO code, name, mode, daily fee, deposit, max days, cleaning hours, specs)
TYPES = [
    ("WC", "12 22 03", "手动轮椅车", SupplyMode.RENTABLE, 200, 30_000, 180, 24,
     {"座宽": "46cm", "承重": "100kg"}),
    ("WF", "12 06 03", "助行架", SupplyMode.RENTABLE, 100, 10_000, 180, 12,
     {"高度": "78-95cm可调"}),
    ("CC", "09 12 03", "坐便椅", SupplyMode.RENTABLE, 100, 8_000, 90, 48,
     {"座高": "可调", "扶手": "带"}),
    ("SC", "09 33 03", "洗浴椅", SupplyMode.RENTABLE, 100, 6_000, 90, 48,
     {"靠背": "带", "防滑脚垫": "有"}),
    ("BD", "18 12 07", "手动调节护理床", SupplyMode.RENTABLE, 500, 80_000, 365, 48,
     {"摇把": "双摇", "护栏": "带"}),
    ("CU", "04 33 03", "防压疮坐垫", SupplyMode.RENTABLE, 50, 5_000, 90, 24,
     {"材质": "充气式"}),
    ("PR", "06 24", "下肢假肢", SupplyMode.ALLOCATE_ONLY, 0, 0, None, 0,
     {"适配": "需专业适配"}),
]

#: (old code, old name) the seed of earlier versions wrote, corrected on the next seed
SEED_CORRECTIONS = {("12 06 06", "助行架"), ("18 12 10", "可调节护理床")}

# units per (station, type)
CENTRE_STOCK = {"WC": 3, "WF": 2, "CC": 2, "SC": 2, "BD": 2, "CU": 2, "PR": 2}
COUNTY_STOCK = {"WC": 2, "WF": 1, "CC": 1, "SC": 1, "CU": 1}

# (key, first 17 ID digits, category, grade, name, phone, address, division, dibao, tekun)
BORROWERS = [
    ("B1", "37150219580312021", 4, 2, "王秀英", "13863501201", "聊城市东昌府区古楼街道光岳路12号",
     "371502", False, False),
    ("B2", "37150219670925043", 4, 3, "李建国", "13863501202", "聊城市东昌府区新区街道兴华路8号",
     "371502", False, False),
    ("B3", "37150319720604015", 1, 3, "张桂兰", "13863501203", "聊城市茌平区振兴街道民主路21号",
     "371503", True, False),
    ("B4", "37152119550118036", 4, 1, "刘志强", "13863501204", "聊城市阳谷县博济桥街道侨润路5号",
     "371521", False, True),
    ("B5", "37158119800830027", 7, 2, "陈玉梅", "13863501205", "聊城市临清市新华街道青年路33号",
     "371581", True, False),
    ("B6", "37152519620214058", 4, 4, "杨德明", "13863501206", "聊城市冠县清泉街道冠宜春路77号",
     "371525", False, False),
    ("B7", "37150219490707064", 2, 3, "赵淑珍", "13863501207", "聊城市东昌府区柳园街道花园路16号",
     "371502", False, False),
    ("B8", "37150319880521019", 4, 3, "孙宝华", "13863501208", "聊城市茌平区温陈街道东环路9号",
     "371503", False, False),
]


def station_ids() -> dict[str, uuid.UUID]:
    return {key: seed_id("station", key) for key, *_ in STATIONS}


def seed(ctx: ServiceContext) -> None:
    now = utcnow()
    since = now - timedelta(days=120)
    with ctx.uow() as uow:
        session = uow.session

        def missing(cls: type, obj_id: uuid.UUID) -> bool:
            return session.get(cls, obj_id) is None

        for key, name, division, address, phone, opening in STATIONS:
            if missing(Station, seed_id("station", key)):
                session.add(Station(name=name, division_code=division, address=address,
                                    phone=phone, opening_days=opening, id=seed_id("station", key)))
        types: dict[str, DeviceType] = {}
        for key, iso, name, mode, fee, deposit, max_days, hours, specs in TYPES:
            type_id = seed_id("type", key)
            existing = session.get(DeviceType, type_id)
            if existing is None:
                existing = DeviceType(iso_code=iso, name_zh=name, mode=mode, daily_fee_fen=fee,
                                      deposit_fen=deposit, max_rental_days=max_days,
                                      cleaning_buffer_hours=hours, specs=specs, id=type_id)
                session.add(existing)
            elif (existing.iso_code, existing.name_zh) in SEED_CORRECTIONS:
                # a frame without wheels is 12 06 03 (12 06 06: rollators); the hand-crank
                # bed is manually adjustable, 18 12 07 (18 12 10: powered)
                existing.iso_code, existing.name_zh = iso, name
            types[key] = existing
        session.flush()
        units: dict[str, Unit] = {}
        for station_key, *_ in STATIONS:
            stock = CENTRE_STOCK if station_key == "SZX" else COUNTY_STOCK
            for type_key, count in stock.items():
                for n in range(1, count + 1):
                    tag = f"LC-{station_key}-{type_key}-{n:02d}"
                    unit_id = seed_id("unit", tag)
                    unit = session.get(Unit, unit_id)
                    if unit is None:
                        unit = Unit.register(
                            asset_tag=tag, serial=f"SN2024{zlib.crc32(tag.encode()) % 10**6:06d}",
                            type_id=types[type_key].id, station_id=seed_id("station", station_key),
                            condition=ConditionGrade.A if n == 1 else ConditionGrade.B,
                            acquisition=AcquisitionKind.DONATION if n == 3
                            else AcquisitionKind.PURCHASE,
                            acquired_on=date(2024, 6, 1) + timedelta(days=30 * n),
                            cost_fen=0 if n == 3 else _cost(type_key), now=since,
                            unit_id=unit_id,
                        )
                        session.add(unit)
                    units[tag] = unit
        borrowers: dict[str, Borrower] = {}
        for key, first17, cat, grade, name, phone, address, division, dibao, tekun in BORROWERS:
            borrower_id = seed_id("borrower", key)
            borrower = session.get(Borrower, borrower_id)
            if borrower is None:
                borrower = Borrower(
                    certificate_number=make_certificate(first17, cat, grade), name=name,
                    phone=phone, address=address, division_code=division, dibao=dibao,
                    tekun=tekun, consent_at=since, id=borrower_id,
                    registered_station_id=next((seed_id("station", key) for key, _, code, *_
                                                in STATIONS if code == division), None))
                session.add(borrower)
            borrowers[key] = borrower
        session.flush()
        stations = {s_key: session.get(Station, s_id) for s_key, s_id in station_ids().items()}
        # two loans at 东昌府区: one running, one ten days overdue (checked out 40 days ago)
        loans: tuple[tuple[str, str, str, int, int], ...] = (
            ("R1", "LC-DCF-WC-01", "B2", 5, 60),
            ("R2", "LC-DCF-WF-01", "B7", 40, 30),
        )
        for rental_key, tag, borrower_key, days_ago, days in loans:
            rental_id = seed_id("rental", rental_key)
            if not missing(Rental, rental_id):
                continue
            at = now - timedelta(days=days_ago)
            station = stations["DCF"]
            assert station is not None
            rental = Rental.check_out(
                unit=units[tag], device_type=types[tag.split("-")[2]], station=station,
                borrower=borrowers[borrower_key], due_on=china_date(at) + timedelta(days=days),
                now=at, borrower_rentals=[], rental_id=rental_id)
            rental.number = next_number(session, orm.document_counters, NUMBER_PREFIX,
                                        station.division_code, at)
            session.add(rental)
        uow.commit(publish=False)  # demo history: nobody is to act on it


def _cost(type_key: str) -> int:
    return {"WC": 68_000, "WF": 18_000, "CC": 22_000, "SC": 15_000, "BD": 260_000,
            "CU": 12_000, "PR": 850_000}[type_key]


def token_hints(_ctx: ServiceContext) -> list[str]:
    ids = station_ids()
    return [
        f"svckit-token --role clerk --station {ids['DCF']} --name 王芳   "
        "# 东昌府区辅具租赁服务站 clerk",
        f"svckit-token --role supervisor --station {ids['DCF']} --name 刘站长   "
        "# 东昌府区 station supervisor (may override the overdue block)",
        f"svckit-token --role clerk --station {ids['YG']} --name 赵敏   # 阳谷县站 clerk",
        f"svckit-token --role clerk --station {ids['SZX']} --name 陈静   "
        "# 市辅助器具服务中心 clerk",
        "svckit-token --role staff --name 市残联康复部   # federation staff: every station",
    ]
