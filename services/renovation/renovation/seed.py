"""Idempotent demo data: Liaocheng's programme of the current year (applications are taken
within a programme's year), a priced catalogue, two contractor
companies and households in several states. Loaded through the domain (so every rule
holds), with timeline rows but no catalogue events (demo data asks nobody for visits:
``uow.commit(publish=False)``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from svckit.domain.certificate import make_certificate
from svckit.domain.clock import china_date, utcnow

from renovation.domain.application import NUMBER_PREFIX as APP_PREFIX
from renovation.domain.application import Application
from renovation.domain.catalogue import Area, CatalogueItem, Unit
from renovation.domain.checklist import CHECKLIST
from renovation.domain.programme import DeadlineSettings, Programme
from renovation.domain.workorder import NUMBER_PREFIX as ORDER_PREFIX
from renovation.domain.workorder import Contractor, WorkOrder
from renovation.service_layer.uow import RenovationUoW

if TYPE_CHECKING:
    from svckit.service import ServiceContext

NS = uuid.UUID("6f1d7c0e-2b1a-5e0c-9a57-3715a0c2025a")
PROGRAMME_NAME = "聊城市{year}年困难重度残疾人家庭无障碍改造项目"
ASSESSOR, APPROVER, INSPECTOR = "staff-li", "staff-zhao", "inspector-sun"
CONTRACTORS = [("聊城安居无障碍工程有限公司", "371502"), ("茌平宜居建筑装饰有限公司", "371503")]


def _id(name: str) -> uuid.UUID:
    return uuid.uuid5(NS, name)


CATALOGUE = [
    # code, name, area, unit, unit price (fen), device ISO 9999 code
    ("RAMP", "入户坡道（水泥砂浆，含防滑条）", Area.ENTRANCE, Unit.METRE, 35_000, None),
    ("THRESHOLD", "门槛清除及地面找平", Area.ENTRANCE, Unit.EACH, 15_000, None),
    ("GRAB-BAR", "不锈钢安全扶手", Area.BATHROOM, Unit.EACH, 18_000, None),
    ("ANTISLIP", "防滑地面（防滑地砖）", Area.FLOOR, Unit.SQUARE_METRE, 9_000, None),
    ("TOILET", "蹲便改坐便（含坐便器及管路）", Area.BATHROOM, Unit.EACH, 80_000, None),
    ("COUNTER", "厨房操作台降低改造", Area.KITCHEN, Unit.METRE, 60_000, None),
    ("BED-RAIL", "床边扶手", Area.BEDROOM, Unit.EACH, 12_000, None),
    ("SHOWER-CHAIR", "洗澡椅", Area.BATHROOM, Unit.EACH, 15_000, "09 33 03"),
    ("COMMODE-CHAIR", "坐便椅", Area.BEDROOM, Unit.EACH, 26_000, "09 12 03"),
    ("FLASH-DOORBELL", "闪光门铃", Area.OTHER, Unit.EACH, 9_000, "22 27 03"),
]

#: the assessed households' checklist: what their plans fix needs work
_NEEDS_WORK = {("entrance", "threshold"), ("entrance", "steps"), ("bathroom", "squat_toilet"),
               ("bathroom", "no_grab_bar"), ("bathroom", "cannot_stand_to_shower")}
SEED_CHECKLIST = {
    area.code: {f.code: "needs_work" if (area.code, f.code) in _NEEDS_WORK
                else ("yes" if (area.code, f.code) == ("bathroom", "slippery") else "no")
                for f in area.findings}
    for area in CHECKLIST
}

HOUSEHOLDS = [
    # key, id-number head (17), category, grade, name, division, address, phone, hardship,
    # target state
    ("h1", "37150219580312021", 4, 1, "张桂兰", "371502", "东昌府区古楼街道楼北社区3号楼2单元101",
     "13806351234", "dibao", "submitted"),
    ("h2", "37150319620705113", 4, 2, "王建国", "371503", "茌平区振兴街道南关村56号",
     "13963509876", "tekun", "assessment_scheduled"),
    ("h3", "37152119710921042", 1, 1, "李秀英", "371521", "阳谷县博济桥街道西关街18号",
     "15506352468", "dibao", "plan_confirmed"),
    ("h4", "37152219550102031", 4, 1, "刘长海", "371522", "莘县燕塔街道东风路102号",
     "18263501357", "dibao", "work_assigned"),
    ("h5", "37158119660415012", 7, 2, "赵玉梅", "371581", "临清市青年路街道先锋桥社区7号",
     "13706358642", "tekun", "in_works"),
    ("h6", "37152619490830027", 4, 1, "孙德胜", "371526", "高唐县鱼邱湖街道官道街33号",
     "0635-3921188", "dibao", "closed"),
    ("h7", "37152519800214035", 4, 3, "周丽", "371525", "冠县清泉街道红旗路9号",
     "13606357531", "none", "refused"),
]


def seed(ctx: ServiceContext) -> None:
    uow = cast(RenovationUoW, ctx.uow())
    with uow:
        if uow.repo.programme(_id("programme-2025")) is not None:
            return
        now = utcnow().replace(microsecond=0)
        start = now - timedelta(days=60)
        programme = Programme(
            year=china_date(now).year, name=PROGRAMME_NAME.format(year=china_date(now).year),
            division_scope="371500",
            household_cap_fen=300_000, target_homes=500, total_budget_fen=150_000_000,
            deadlines=DeadlineSettings(accept_days=3, inspect_days=7, rework_days=30),
            id=_id("programme-2025"),
        )
        uow.session.add(programme)
        items = {}
        for code, name, area, unit, price, iso in CATALOGUE:
            items[code] = CatalogueItem(code, name, area, unit, price, iso is not None, iso,
                                        id=_id(f"item-{code}"))
            uow.session.add(items[code])
        companies = [Contractor(n, d, id=_id(f"contractor-{n}")) for n, d in CONTRACTORS]
        uow.session.add_all(companies)
        uow.session.flush()  # no relationships to order the inserts by
        plan_lines = [(items["RAMP"], 3_500), (items["THRESHOLD"], 2_000),
                      (items["GRAB-BAR"], 2_000), (items["TOILET"], 1_000),
                      (items["SHOWER-CHAIR"], 1_000)]
        for i, (key, head, cat, grade, name, div, addr, phone, hardship, target) in enumerate(
            HOUSEHOLDS
        ):
            t = start + timedelta(days=i * 5)

            def tick(hours: int = 24) -> datetime:
                nonlocal t
                t += timedelta(hours=hours)
                return t

            app = Application.submit(
                programme, certificate=make_certificate(head, cat, grade), holder_name=name,
                address=addr, division=div, phone=phone, hardship=hardship, now=tick(0),
                consent=True,
                id=_id(f"application-{key}"),
            )
            app.number = uow.repo.next_number(APP_PREFIX, app.division, app.submitted_at)
            order: WorkOrder | None = None
            if target == "refused":
                app.refuse(APPROVER, tick())
            elif target != "submitted":
                app.accept(APPROVER, tick())
                when = (now + timedelta(days=3)) if target == "assessment_scheduled" else tick()
                app.schedule_assessment(ASSESSOR, when, min(when, tick(1)))
            if target in ("plan_confirmed", "work_assigned", "in_works", "closed"):
                app.complete_assessment(
                    ASSESSOR,
                    {Area.ENTRANCE: "入户有15厘米台阶，轮椅无法通行",
                     Area.BATHROOM: "蹲便，无扶手，地面湿滑"},
                    ["入户坡道", "坐便改造", "卫生间扶手", "洗澡椅"], [], tick(),
                    checklist=SEED_CHECKLIST,
                )
                app.draft_plan(programme, plan_lines, ASSESSOR, tick())
                app.confirm_plan(name, ASSESSOR, tick())
            if target in ("work_assigned", "in_works", "closed"):
                app.approve_plan(programme, uow.repo.committed_fen(programme.id), APPROVER,
                                 tick())
                uow.session.add(app)
                uow.session.flush()
                company = companies[0] if target != "in_works" else companies[1]
                order = WorkOrder.assign(app, company, APPROVER, tick(), id=_id(f"order-{key}"))
                order.number = uow.repo.next_number(ORDER_PREFIX, order.division,
                                                    order.assigned_at)
            if order is not None and target in ("in_works", "closed"):
                crew = order.contractor_id
                order.accept(crew, tick())
                app.start_works()
                on = tick()
                order.schedule(crew, china_date(on), china_date(on) + timedelta(days=10), on)
                done = order.items if target == "closed" else order.items[:2]
                order.report_progress(f"crew-{key}", crew, tick(), note="拆除门槛，坡道浇筑完成",
                                      percent=100 if target == "closed" else 40,
                                      items_done=done)
            if order is not None and target == "closed":
                order.request_completion(order.contractor_id, tick())
                app.request_inspection()
                order.pass_inspection(INSPECTOR, None, tick(), "坡道坡度1:12，扶手牢固", "孙验收")
                app.pass_inspection(tick(1))
                order.record_satisfaction(5, "出门方便多了，感谢残联", tick())
                app.close(tick(1))
                for request in app.plan.device_requests if app.plan else []:
                    app.device_delivered(request.id, tick(1))
            uow.session.add(app)
            if order is not None:
                uow.session.add(order)
            uow.session.flush()
        uow.commit(publish=False)


def token_hints(ctx: ServiceContext) -> list[str]:
    lines = [
        f"svckit-token --role staff --sub {APPROVER} --name 赵主任   "
        "# renovation: accepts, approves plans",
        f"svckit-token --role staff --sub {ASSESSOR} --name 李评估员   "
        "# renovation: assesses homes, drafts plans",
        f"svckit-token --role inspector --sub {INSPECTOR} --name 孙验收   "
        "# renovation: acceptance inspections",
    ]
    for name, _div in CONTRACTORS:
        lines.append(f"svckit-token --role contractor --company {_id(f'contractor-{name}')} "
                     f"--name {name[:4]}   # renovation: {name}")
    return lines

