"""The home assessment checklist (入户评估检查表): per area a short list of findings, each
answered 有 / 无 / 需改造 (yes / no / needs work). A finding answered "needs work" suggests
catalogue items for the household's plan (codes of the seed catalogue); the staff still
choose the quantities. Free text stays as a note per area (``Assessment.findings``).

The list is data: :data:`CHECKLIST` (Chinese and English labels). Changing it changes what
a completed assessment must answer; answers recorded before stay as they were.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from svckit.domain.fields import FieldErrors


class Answer(enum.StrEnum):
    YES = "yes"  # 有
    NO = "no"  # 无
    NEEDS_WORK = "needs_work"  # 需改造

    @property
    def label_zh(self) -> str:
        return {"yes": "有", "no": "无", "needs_work": "需改造"}[self.value]

    @property
    def label_en(self) -> str:
        return {"yes": "yes", "no": "no", "needs_work": "needs work"}[self.value]


@dataclass(frozen=True)
class Finding:
    code: str
    label_zh: str
    label_en: str
    #: catalogue item codes suggested when the finding needs work
    suggests: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChecklistArea:
    code: str
    label_zh: str
    label_en: str
    findings: tuple[Finding, ...]


CHECKLIST: tuple[ChecklistArea, ...] = (
    ChecklistArea("entrance", "入户", "Entrance", (
        Finding("threshold", "门槛高差", "Raised threshold", ("THRESHOLD",)),
        Finding("steps", "入户台阶", "Steps at the door", ("RAMP",)),
        Finding("no_handrail", "无扶手", "No handrail", ("GRAB-BAR",)),
        Finding("doorbell_unheard", "听不到门铃", "Doorbell not heard", ("FLASH-DOORBELL",)),
    )),
    ChecklistArea("floor", "通道地面", "Floor and passages", (
        Finding("slippery", "地面湿滑", "Slippery floor", ("ANTISLIP",)),
        Finding("level_change", "地面高差", "Changes of floor level", ("THRESHOLD",)),
        Finding("narrow_passage", "通道狭窄", "Narrow passage"),
    )),
    ChecklistArea("bathroom", "卫生间", "Bathroom", (
        Finding("squat_toilet", "蹲便不便", "Squat toilet hard to use", ("TOILET",)),
        Finding("no_grab_bar", "无扶手", "No grab bar", ("GRAB-BAR",)),
        Finding("slippery", "地面湿滑", "Slippery floor", ("ANTISLIP",)),
        Finding("cannot_stand_to_shower", "无法站立洗浴", "Cannot stand to shower",
                ("SHOWER-CHAIR",)),
    )),
    ChecklistArea("kitchen", "厨房", "Kitchen", (
        Finding("counter_too_high", "灶台过高", "Counter too high", ("COUNTER",)),
        Finding("slippery", "地面湿滑", "Slippery floor", ("ANTISLIP",)),
    )),
    ChecklistArea("bedroom", "卧室", "Bedroom", (
        Finding("no_bed_rail", "床边无扶手", "No rail by the bed", ("BED-RAIL",)),
        Finding("night_toilet", "夜间如厕不便", "Hard to reach the toilet at night",
                ("COMMODE-CHAIR",)),
    )),
)

AREAS: dict[str, ChecklistArea] = {a.code: a for a in CHECKLIST}

#: answers by area and finding code
Answers = dict[str, dict[str, str]]


def validate_answers(raw: Mapping[str, Any] | None) -> Answers:
    """Every finding of the list answered, with one of the three answers; an unknown area
    or finding is refused. Errors field by field (``checklist.<area>.<finding>``), all at
    once."""
    check = FieldErrors()
    raw = raw if isinstance(raw, Mapping) else {}
    clean: Answers = {}
    for area_code in raw:
        if area_code not in AREAS:
            check.add(f"checklist.{area_code}",
                      f"检查表中没有该区域：{str(area_code)[:40]} (unknown area)")
    for area in CHECKLIST:
        given = raw.get(area.code)
        given = given if isinstance(given, Mapping) else {}
        known = {f.code for f in area.findings}
        for code in given:
            if code not in known:
                check.add(f"checklist.{area.code}.{code}",
                          f"{area.label_zh}检查表中没有该项：{str(code)[:40]} "
                          "(unknown finding)")
        clean[area.code] = {}
        for finding in area.findings:
            value = given.get(finding.code)
            if value is None or value == "":
                check.add(f"checklist.{area.code}.{finding.code}",
                          f"请回答{area.label_zh}的“{finding.label_zh}”：有、无或需改造 "
                          f"(answer {finding.label_en}: yes, no or needs work)")
                continue
            try:
                clean[area.code][finding.code] = Answer(value).value
            except ValueError:
                check.add(f"checklist.{area.code}.{finding.code}",
                          "回答应为有、无或需改造 (yes, no or needs_work)")
    check.raise_if_any()
    return clean


def suggestions(answers: Mapping[str, Mapping[str, str]]) -> list[dict[str, Any]]:
    """The catalogue items the findings answered "needs work" suggest, in checklist order,
    each once with the findings behind it: ``{"item_code", "findings": ["bathroom.no_grab_bar"]}``.
    Answers about findings no longer on the list suggest nothing."""
    out: dict[str, list[str]] = {}
    for area in CHECKLIST:
        given = answers.get(area.code) or {}
        for finding in area.findings:
            if given.get(finding.code) == Answer.NEEDS_WORK.value:
                for code in finding.suggests:
                    out.setdefault(code, []).append(f"{area.code}.{finding.code}")
    return [{"item_code": code, "findings": why} for code, why in out.items()]


def describe() -> list[dict[str, Any]]:
    """The list for forms (the console builds the assessment form from it)."""
    return [{
        "code": a.code, "label_zh": a.label_zh, "label_en": a.label_en,
        "findings": [{"code": f.code, "label_zh": f.label_zh, "label_en": f.label_en,
                      "suggests": list(f.suggests)} for f in a.findings],
    } for a in CHECKLIST]


def answers_described() -> list[dict[str, str]]:
    return [{"code": a.value, "label_zh": a.label_zh, "label_en": a.label_en}
            for a in Answer]
