"""Demo data a Liaocheng federation would recognise: a Green Satchel (绿挎包) team in each
county-level division of 聊城市, four to six volunteers per team with varied skills and
weekly availability (Asia/Shanghai), a task waiting for dispatch and a finished one whose
hours wait for approval. Idempotent: fixed ids, nothing is added twice.

Availability is realistic enough for the events' windows: every team has drivers
(delivery + driving) free on some day of any 48 hours (``all_week`` covers every day),
and 东昌府区 has one for each part of the week (weekdays, evenings, the weekend), so a
delivery requested at any moment with the usual 48-hour window finds at least two
candidates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

from svckit.domain.clock import CHINA_TZ, china_time, utcnow
from svckit.service import ServiceContext

from volunteer.domain.events import SourceRef
from volunteer.domain.hours import ServiceHourEntry
from volunteer.domain.tasks import Priority, Task, TaskType
from volunteer.domain.volunteers import AvailabilityWindow, Skill, Team, Volunteer
from volunteer.service_layer.common import person_id
from volunteer.service_layer.uow import VolunteerUoW

_NS = uuid.UUID("0c7f3a1e-8d2b-4f6a-9e51-3b7d2c4a6f80")

DISTRICTS = {
    "371502": "东昌府区", "371503": "茌平区", "371521": "阳谷县", "371522": "莘县",
    "371524": "东阿县", "371525": "冠县", "371526": "高唐县", "371581": "临清市",
}

S = Skill
#: per volunteer: name, phone, skills, availability profile
_PEOPLE: dict[str, list[tuple[str, str, tuple[Skill, ...], str]]] = {
    "371502": [
        ("张建华", "13806351201", (S.DELIVERY, S.DRIVING, S.INSTALLATION), "weekday_day"),
        ("李秀英", "15963512202", (S.HOME_VISIT, S.ACCOMPANY_ASSESSOR, S.PHONE_FOLLOWUP),
         "weekday_morning"),
        ("王志强", "18606351203", (S.DELIVERY, S.DRIVING, S.REPAIR), "weekend"),
        ("刘静", "13563512204", (S.SIGN_LANGUAGE, S.HOME_VISIT, S.PHONE_FOLLOWUP), "evenings"),
        ("陈国栋", "15006351205", (S.DELIVERY, S.DRIVING, S.HOME_VISIT), "all_week"),
        ("孙磊", "18263512206", (S.DELIVERY, S.DRIVING, S.PHONE_FOLLOWUP), "after_work"),
    ],
    "371503": [
        ("赵丽娟", "13906352101", (S.HOME_VISIT, S.PHONE_FOLLOWUP), "weekday_day"),
        ("孙德明", "15806352102", (S.DELIVERY, S.DRIVING, S.INSTALLATION), "all_week"),
        ("周海燕", "18763522103", (S.ACCOMPANY_ASSESSOR, S.HOME_VISIT), "weekday_morning"),
        ("吴建军", "13356352104", (S.REPAIR, S.DELIVERY, S.DRIVING), "weekend"),
    ],
    "371521": [
        ("郑春梅", "13706352201", (S.PHONE_FOLLOWUP, S.HOME_VISIT), "evenings"),
        ("冯立新", "15266352202", (S.DELIVERY, S.DRIVING), "weekday_day"),
        ("韩雪", "18206352203", (S.SIGN_LANGUAGE, S.ACCOMPANY_ASSESSOR, S.HOME_VISIT),
         "all_week"),
        ("杨宝军", "13963522204", (S.INSTALLATION, S.REPAIR, S.DELIVERY, S.DRIVING), "weekend"),
    ],
    "371522": [
        ("朱玉兰", "15106352301", (S.HOME_VISIT, S.PHONE_FOLLOWUP), "weekday_morning"),
        ("高永刚", "18865232302", (S.DELIVERY, S.DRIVING, S.INSTALLATION), "all_week"),
        ("马晓燕", "13606352303", (S.ACCOMPANY_ASSESSOR, S.HOME_VISIT), "weekday_day"),
        ("许文博", "15563522304", (S.PHONE_FOLLOWUP, S.SIGN_LANGUAGE), "evenings"),
    ],
    "371524": [
        ("胡桂英", "13176352401", (S.HOME_VISIT, S.PHONE_FOLLOWUP), "all_week"),
        ("林志远", "15306352402", (S.DELIVERY, S.DRIVING), "weekday_day"),
        ("何丽萍", "18006352403", (S.ACCOMPANY_ASSESSOR, S.HOME_VISIT), "weekday_morning"),
        ("罗振华", "13863524404", (S.REPAIR, S.INSTALLATION, S.DELIVERY, S.DRIVING), "weekend"),
    ],
    "371525": [
        ("宋美玲", "15763522501", (S.PHONE_FOLLOWUP, S.HOME_VISIT), "weekday_day"),
        ("唐建国", "18306352502", (S.DELIVERY, S.DRIVING, S.INSTALLATION), "all_week"),
        ("曹红梅", "13026352503", (S.ACCOMPANY_ASSESSOR, S.SIGN_LANGUAGE), "weekday_morning"),
        ("邓伟", "15163522504", (S.DELIVERY, S.DRIVING), "evenings"),
    ],
    "371526": [
        ("彭淑珍", "13506352601", (S.HOME_VISIT, S.ACCOMPANY_ASSESSOR), "weekday_day"),
        ("袁海涛", "18506352602", (S.DELIVERY, S.DRIVING, S.REPAIR), "all_week"),
        ("蒋桂兰", "15866352603", (S.PHONE_FOLLOWUP, S.HOME_VISIT), "evenings"),
        ("谢明", "13206352604", (S.INSTALLATION, S.DELIVERY, S.DRIVING), "weekend"),
    ],
    "371581": [
        ("董秀兰", "13616352701", (S.HOME_VISIT, S.PHONE_FOLLOWUP, S.SIGN_LANGUAGE),
         "weekday_day"),
        ("范志刚", "18766352702", (S.DELIVERY, S.DRIVING, S.INSTALLATION), "all_week"),
        ("程丽", "15906352703", (S.ACCOMPANY_ASSESSOR, S.HOME_VISIT), "weekday_morning"),
        ("姚俊杰", "13336352704", (S.DELIVERY, S.DRIVING, S.REPAIR), "weekend"),
    ],
}


def _days(days: range | tuple[int, ...], start: int, end: int) -> list[AvailabilityWindow]:
    return [AvailabilityWindow(d, time(start), time(end % 24)) for d in days]


PROFILES: dict[str, list[AvailabilityWindow]] = {
    "weekday_day": _days(range(5), 8, 17),
    "weekday_morning": _days(range(5), 8, 12),
    "weekend": _days((5, 6), 8, 18),
    "evenings": _days(range(5), 18, 21) + _days((5,), 9, 12),
    "all_week": _days(range(7), 7, 20),
    # works office hours: deliveries after work and at weekends
    "after_work": _days(range(5), 17, 21) + _days((5, 6), 8, 20),
}


def team_id(division: str) -> uuid.UUID:
    return uuid.uuid5(_NS, f"team:{division}")


def volunteer_id(phone: str) -> uuid.UUID:
    return uuid.uuid5(_NS, f"volunteer:{phone}")


COORDINATOR_SUB = "coordinator-{division}"
OPEN_TASK_ID = uuid.uuid5(_NS, "task:open-demo")
DONE_TASK_ID = uuid.uuid5(_NS, "task:done-demo")


def _local(day: datetime, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHINA_TZ).astimezone(UTC)


def seed(ctx: ServiceContext) -> None:
    uow = ctx.uow()
    assert isinstance(uow, VolunteerUoW)
    now = utcnow()
    with uow:
        for division, name in DISTRICTS.items():
            team = uow.session.get(Team, team_id(division))
            if team is None:
                team = Team.create(f"{name}绿挎包志愿服务队", division, id=team_id(division))
                uow.teams.add(team)
                uow.session.flush()
            for real_name, phone, skills, profile in _PEOPLE[division]:
                if uow.session.get(Volunteer, volunteer_id(phone)) is None:
                    v = Volunteer.register(
                        real_name=real_name, phone=phone, divisions=[division],
                        skills=[x.value for x in skills], availability=PROFILES[profile],
                        now=now, team=team, consent=True, id=volunteer_id(phone))
                    uow.volunteers.add(v)
        uow.session.flush()
        _demo_tasks(uow, now)
        uow.commit(publish=False)  # demo history: nobody is told


def _demo_tasks(uow: VolunteerUoW, now: datetime) -> None:
    coordinator = person_id(COORDINATOR_SUB.format(division="371502"))
    local_today = china_time(now)
    if uow.session.get(Task, OPEN_TASK_ID) is None:
        # next weekday, 09:00-11:00 local: waiting for the coordinator to dispatch
        day = local_today + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        task = Task.create(
            type=TaskType.MANUAL, division="371502",
            address="东昌府区柳园街道光明小区6号楼1单元302室",
            window_start=_local(day, 9), window_end=_local(day, 11), now=now,
            priority=Priority.HIGH, source=SourceRef("volunteer", "manual", str(OPEN_TASK_ID)),
            extra_skills=[Skill.INSTALLATION],
            note="为肢体二级残疾人王某上门调试电动护理床，并讲解安全使用", id=OPEN_TASK_ID)
        uow.tasks.add(task)
    if uow.session.get(Task, DONE_TASK_ID) is None:
        # last week: done by 陈国栋 (serves every day), hours pending approval
        day = local_today - timedelta(days=7)
        start = _local(day, 9)
        v = uow.volunteers.get(volunteer_id("15006351205"))
        task = Task.create(
            type=TaskType.MANUAL, division="371502",
            address="东昌府区古楼街道南关社区3号院", window_start=start,
            window_end=start + timedelta(hours=2), now=start - timedelta(days=1),
            source=SourceRef("volunteer", "manual", str(DONE_TASK_ID)),
            note="陪同视力残疾人李某到市辅助器具服务中心适配助视器", id=DONE_TASK_ID)
        task.assign(v, by=coordinator, now=start - timedelta(hours=20), busy=[])
        task.check_in(v.id, now=start + timedelta(minutes=5))
        task.complete(v, now=start + timedelta(minutes=95), policy=uow.settings.policy)
        uow.tasks.add(task)
        uow.session.flush()  # no mapped relationship orders the two inserts
        entry = ServiceHourEntry.from_task(task, v, now=start + timedelta(minutes=95))
        uow.hours.add(entry)


def token_hints(_ctx: ServiceContext) -> list[str]:
    first = _PEOPLE["371502"][0]
    return [
        "volunteer (绿挎包):",
        f"  .venv/bin/svckit-token --role coordinator --sub "
        f"{COORDINATOR_SUB.format(division='371502')} --district 371502 --name 东昌府区协调员",
        "  .venv/bin/svckit-token --role coordinator --sub coordinator-371500 "
        "--district 371500 --name 市绿挎包协调员",
        f"  .venv/bin/svckit-token --role volunteer --sub volunteer-{first[1][-4:]} "
        f"--volunteer {volunteer_id(first[1])} --name {first[0]}",
        "  .venv/bin/svckit-token --role staff --name 市残联工作人员",
    ]
