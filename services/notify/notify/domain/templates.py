"""Message templates: Chinese text, one code per kind of message.

The SMS gateway holds the same templates under their ``sms_code`` (the way the large
cloud providers work: a template is approved once, a message names it and gives its
parameters as JSON). Each template names the parameters it needs: a message carries
nothing more, and nothing is masked that the recipient needs to act (a borrower gets
the device, its tag, the due date and the station to go to; never anyone's ID number).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from svckit.domain.task_types import TASK_TYPE_LABELS

SIGN_NAME = "残联服务"


@dataclass(frozen=True)
class Template:
    code: str
    sms_code: str
    subject: str
    text: str
    #: a borrower's rental reminders: at most one SMS a day per person, merged
    reminder: bool = False

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(f for _, f, _, _ in string.Formatter().parse(self.text) if f)

    def render(self, params: dict[str, str]) -> str:
        missing = [p for p in self.params if p not in params]
        if missing:
            raise KeyError(f"template {self.code} lacks {', '.join(missing)}")
        return self.text.format(**{p: params[p] for p in self.params})


TEMPLATES: dict[str, Template] = {t.code: t for t in (
    Template("rental_due_soon", "SMS_471501", "辅具即将到期",
             "您租用的{device}（{tag}）将于{due}到期，请按时归还，或到{station}办理续借。",
             reminder=True),
    Template("rental_due_today", "SMS_471502", "辅具今日到期",
             "您租用的{device}（{tag}）今天（{due}）到期，请今日归还{station}，或办理续借。",
             reminder=True),
    Template("rental_overdue_1", "SMS_471503", "辅具已逾期",
             "您租用的{device}（{tag}）已于{due}到期，现已逾期1天，请尽快归还{station}。",
             reminder=True),
    Template("rental_overdue_7", "SMS_471504", "辅具逾期7天",
             "您租用的{device}（{tag}）已逾期7天（到期日{due}），请尽快归还{station}；"
             "志愿者将致电了解情况。", reminder=True),
    Template("waitlist_unit_held", "SMS_471510", "候补辅具已为您预留",
             "您候补的{device}（{tag}）已在{station}为您预留，请于{expires}前到站办理借用，"
             "逾期将顺延给下一位候补人。"),
    Template("reminders_merged", "SMS_471509", "辅具租赁提醒",
             "您有{count}条辅具租赁提醒：{items}"),
    Template("task_offered", "SMS_471702", "志愿服务邀请",
             "志愿服务邀请：{kind}，{when}，{district}。请于{expires}前打开{link}答复。"),
    Template("deadline_breached", "SMS_471601", "工单超期",
             "工单{order}的{kind}期限已于{due}届满，请跟进（{division}）。"),
    Template("deadline_escalated", "SMS_471602", "工单超期未处理",
             "工单{order}的{kind}期限已于{due}届满，{division}至今未处理，请督办。"),
    Template("workorder_assigned", "SMS_471603", "新工单",
             "新工单{order}已派给贵单位（{division}），请于{accept_by}前接单或拒单。"),
    Template("workorder_assigned_sms", "SMS_471604", "新工单",
             "贵单位有新的无障碍改造工单{order}（{division}），请于{accept_by}前登录{link}"
             "接单或拒单。"),
    Template("task_escalated", "SMS_471701", "志愿任务待人工派单",
             "志愿任务{task}（{type}，{division}）{reason}，请于{end}前派单。"),
)}

#: what a volunteer task type is called for people
TASK_TYPES = {kind: zh for kind, (zh, _en) in TASK_TYPE_LABELS.items()}

#: what a renovation deadline is called for people
DEADLINE_KINDS = {"accept": "接单", "inspect": "验收", "rework": "整改"}


def get(code: str) -> Template:
    try:
        return TEMPLATES[code]
    except KeyError:
        raise KeyError(f"unknown template {code!r}") from None


def by_sms_code(sms_code: str) -> Template | None:
    return next((t for t in TEMPLATES.values() if t.sms_code == sms_code), None)


def merged_items(texts: list[str]) -> str:
    """The body of a merged reminder: each reminder, numbered."""
    return "".join(f"{i}. {t}" for i, t in enumerate(texts, 1))
