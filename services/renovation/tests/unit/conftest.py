"""Shared builders for the renovation domain tests: a ``World`` with a programme, a
catalogue, staff, contractors and a clock, able to drive any aggregate to any state."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from renovation_testkit import answered

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # services/renovation

from renovation.domain.application import Application
from renovation.domain.catalogue import Area, CatalogueItem, Unit
from renovation.domain.programme import DeadlineSettings, Programme
from renovation.domain.workorder import Contractor, WorkOrder
from svckit.domain.certificate import make_certificate

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
CAP = 500_000  # 5,000.00 yuan per household
BUDGET = 50_000_000  # 500,000.00 yuan


def certificate(grade: int = 1, category: int = 4) -> str:
    return make_certificate("37150219800101001", category, grade)


# The happy path of an application, and the state each step leads to.
APP_MAIN = [
    ("accept", "accepted"),
    ("schedule_assessment", "assessment_scheduled"),
    ("complete_assessment", "assessed"),
    ("draft_plan", "plan_drafted"),
    ("confirm_plan", "plan_confirmed"),
    ("approve_plan", "plan_approved"),
    ("start_works", "in_works"),
    ("request_inspection", "inspection"),
    ("pass_inspection", "completed"),
    ("close", "closed"),
]
APP_PATHS: dict[str, list[str]] = {
    "submitted": [],
    "refused": ["refuse"],
    "withdrawn": ["withdraw"],
    **{state: [a for a, _ in APP_MAIN[: i + 1]] for i, (_, state) in enumerate(APP_MAIN)},
}

ORDER_MAIN = [
    ("accept", "accepted"),
    ("schedule", "scheduled"),
    ("report_progress", "in_progress"),
    ("request_completion", "completion_requested"),
    ("pass_inspection", "closed"),
]
ORDER_PATHS: dict[str, list[str]] = {
    "assigned": [],
    "declined": ["decline"],
    "cancelled": ["cancel"],
    **{state: [a for a, _ in ORDER_MAIN[: i + 1]] for i, (_, state) in enumerate(ORDER_MAIN)},
    "rework": [a for a, _ in ORDER_MAIN[:4]] + ["fail_inspection", "report_progress"],
    "terminated": ["accept", "terminate"],
}

DEVICE_PATHS: dict[str, list[str]] = {
    "requested": [],
    "reserved": ["reserve"],
    "delivered": ["reserve", "deliver"],
    "unavailable": ["mark_unavailable"],
}


class World:
    app_paths = APP_PATHS
    order_paths = ORDER_PATHS
    device_paths = DEVICE_PATHS

    def __init__(self) -> None:
        self.t = T0
        self.programme = Programme(
            year=2025,
            name="聊城市2025年困难重度残疾人家庭无障碍改造",
            division_scope="371500",
            household_cap_fen=CAP,
            target_homes=100,
            total_budget_fen=BUDGET,
            deadlines=DeadlineSettings(accept_days=3),
        )
        self.items = {
            i.code: i
            for i in [
                CatalogueItem("RAMP", "坡道", Area.ENTRANCE, Unit.METRE, 30_000),
                CatalogueItem("GRAB-BAR", "扶手", Area.BATHROOM, Unit.EACH, 15_000),
                CatalogueItem("ANTISLIP", "防滑地面", Area.FLOOR, Unit.SQUARE_METRE, 8_000),
                CatalogueItem(
                    "SHOWER-CHAIR", "洗澡椅", Area.BATHROOM, Unit.EACH, 20_000, True, "09 33 03"
                ),
                CatalogueItem(
                    "DOORBELL", "闪光门铃", Area.OTHER, Unit.EACH, 12_000, True, "22 27 03"
                ),
            ]
        }
        self.clerk, self.assessor, self.approver, self.inspector = (uuid.uuid4() for _ in range(4))
        self.contractor = Contractor("聊城安居建筑有限公司", "371502")
        self.other = Contractor("潍坊宜居装饰工程有限公司", "370702")
        self.crew_user = str(uuid.uuid4())
        self.crew = self.contractor.id  # the company the crew acts for

    def now(self) -> datetime:
        """A clock that moves an hour on every read."""
        self.t += timedelta(hours=1)
        return self.t

    def lines(self, *pairs: tuple[str, int]) -> list[tuple[CatalogueItem, int]]:
        return [(self.items[code], qty) for code, qty in pairs]

    default_lines = (("RAMP", 2_500), ("GRAB-BAR", 2_000), ("SHOWER-CHAIR", 1_000))

    def application(self, grade: int = 1, hardship: str = "dibao") -> Application:
        return Application.submit(
            self.programme,
            certificate=certificate(grade),
            holder_name="张三",
            address="东昌府区柳园街道1号",
            division="371502",
            phone="13812345678",
            hardship=hardship,
            now=self.now(),
            consent=True,
        )

    def app_do(self, app: Application, action: str) -> None:
        now = self.now()
        steps: dict[str, Callable[[], object]] = {
            "accept": lambda: app.accept(
                self.clerk, now, "特批" if app.ineligibility or app.status == "refused" else None
            ),
            "refuse": lambda: app.refuse(self.clerk, now, "已享受同类补助"),
            "withdraw": lambda: app.withdraw("户主搬迁", now),
            "schedule_assessment": lambda: app.schedule_assessment(
                self.assessor, now + timedelta(days=1), now
            ),
            "complete_assessment": lambda: app.complete_assessment(
                self.assessor, {Area.BATHROOM: "蹲便，无扶手"}, ["坐便改造"], ["photos/a1.jpg"], now,
                checklist=answered(bathroom={"squat_toilet": "needs_work"}),
            ),
            "draft_plan": lambda: app.draft_plan(
                self.programme, self.lines(*self.default_lines), self.assessor, now
            ),
            "confirm_plan": lambda: app.confirm_plan("张三", self.clerk, now),
            "revise_plan": lambda: app.revise_plan("调整扶手数量", now),
            "approve_plan": lambda: app.approve_plan(self.programme, 0, self.approver, now),
            "start_works": app.start_works,
            "request_inspection": app.request_inspection,
            "fail_inspection": app.fail_inspection,
            "pass_inspection": lambda: app.pass_inspection(now),
            "close": lambda: app.close(now),
            "works_terminated": app.works_terminated,
        }
        steps[action]()

    def app_in(self, state: str) -> Application:
        app = self.application()
        for action in APP_PATHS[state]:
            self.app_do(app, action)
        assert app.status == state
        return app

    def order_do(self, order: WorkOrder, action: str) -> None:
        now = self.now()
        steps: dict[str, Callable[[], object]] = {
            "accept": lambda: order.accept(self.crew, now),
            "decline": lambda: order.decline(self.crew, "人手不足", now),
            "cancel": lambda: order.cancel(self.clerk, "超时未接单", now),
            "schedule": lambda: order.schedule(self.crew, date(2025, 3, 5), date(2025, 3, 10), now),
            "report_progress": lambda: order.report_progress(
                self.crew_user,
                self.crew,
                now,
                note="施工完成",
                percent=100,
                items_done=order.items,
                photos_before=["p/b1.jpg"],
                photos_after=["p/a1.jpg"],
            ),
            "request_completion": lambda: order.request_completion(self.crew, now),
            "pass_inspection": lambda: order.pass_inspection(self.inspector, None, now),
            "fail_inspection": lambda: order.fail_inspection(
                self.inspector, None, ["扶手松动"], now
            ),
            "record_satisfaction": lambda: order.record_satisfaction(5, "很满意", now),
            "terminate": lambda: order.terminate(self.clerk, "bankruptcy", "施工单位破产", 0,
                                                 0, now),
        }
        steps[action]()

    def order_in(self, state: str) -> WorkOrder:
        order = WorkOrder.assign(
            self.app_in("plan_approved"), self.contractor, self.clerk, self.now()
        )
        for action in ORDER_PATHS[state]:
            self.order_do(order, action)
        assert order.status == state
        return order


@pytest.fixture
def w() -> World:
    return World()
