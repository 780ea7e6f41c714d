"""Applications: submission, eligibility, decisions, assessment; no personal data leaks."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from renovation.domain import events as ev
from renovation.domain.application import Application, Hardship, ineligibility
from renovation.domain.catalogue import Area
from renovation_testkit import answered
from svckit.domain.certificate import DisabilityCertificate, make_certificate
from svckit.domain.errors import Forbidden, ValidationFailed

if TYPE_CHECKING:
    from conftest import World


def cert(grade: int) -> str:
    return make_certificate("37150219800101001", 4, grade)


def submit(w: World, **overrides: str) -> Application:
    data = {
        "certificate": cert(1),
        "holder_name": "李四",
        "address": "东昌府区古楼街道2号",
        "division": "371502",
        "phone": "13812345678",
        "hardship": "tekun",
        "consent": True,
    }
    data.update(overrides)
    return Application.submit(w.programme, now=w.now(), **data)  # type: ignore[arg-type]


# ---- submission ----------------------------------------------------------------------


def test_submit_normalises_and_raises_submitted(w: World) -> None:
    app = submit(w, certificate=cert(2).lower() + " ", phone=" 0635-8888888 ")
    assert app.status == "submitted"
    assert app.certificate.grade == 2
    assert app.phone == "0635-8888888"
    assert app.hardship is Hardship.TEKUN
    assert app.events == [
        ev.ApplicationSubmitted(app.submitted_at, app.id, w.programme.id, "371502")
    ]


def test_submit_reports_every_bad_field_at_once(w: World) -> None:
    with pytest.raises(ValidationFailed) as err:
        submit(
            w,
            certificate="37150219800101001X41",
            holder_name="",
            address=" ",
            division="3715",
            phone="12345",
            hardship="rich",
        )
    assert set(err.value.errors) == {
        "certificate",
        "holder_name",
        "address",
        "division",
        "phone",
        "hardship",
    }
    assert "(" in err.value.errors["hardship"][0]  # bilingual


def test_division_outside_programme_scope_refused(w: World) -> None:
    with pytest.raises(ValidationFailed) as err:
        submit(w, division="370702")  # Weifang, programme is Liaocheng
    assert "scope" in err.value.errors["division"][0]


def test_personal_data_stays_out_of_repr_and_events(w: World) -> None:
    app = submit(w)
    text = repr(app)
    for secret in (
        app.certificate_number,
        app.certificate.citizen_id,
        "李四",
        "13812345678",
        "古楼",
    ):
        assert secret not in text
    assert app.masked_certificate == DisabilityCertificate(app.certificate_number).masked
    for event in app.events:
        names = {f.name for f in fields(event)}
        assert not names & {"certificate", "holder_name", "phone", "address"}


# ---- eligibility and decisions -------------------------------------------------------


@pytest.mark.parametrize(
    ("hardship", "grade", "problems"),
    [
        (Hardship.DIBAO, 1, []),
        (Hardship.TEKUN, 2, []),
        (Hardship.NONE, 1, ["低保"]),
        (Hardship.DIBAO, 3, ["grade 3"]),
        (Hardship.NONE, 4, ["低保", "grade 4"]),
    ],
)
def test_eligibility_needs_poor_and_severe(
    hardship: Hardship, grade: int, problems: list[str]
) -> None:
    reasons = ineligibility(DisabilityCertificate.parse(cert(grade)), hardship)
    assert len(reasons) == len(problems)
    for reason, problem in zip(reasons, problems, strict=True):
        assert problem in reason


def test_eligible_household_is_accepted(w: World) -> None:
    app = submit(w)
    now = w.now()
    app.accept(w.clerk, now)
    assert (app.status, app.decided_by, app.decided_at) == ("accepted", w.clerk, now)
    assert app.override_reason is None
    assert app.events[-1] == ev.ApplicationAccepted(now, app.id, w.programme.id, "371502", None)


def test_ineligible_household_needs_an_override_reason(w: World) -> None:
    app = submit(w, hardship="none", certificate=cert(3))
    with pytest.raises(ValidationFailed) as err:
        app.accept(w.clerk, w.now(), override_reason="  ")
    message = err.value.errors["override_reason"][0]
    assert "低保" in message
    assert "grade 3" in message
    assert app.status == "submitted"
    app.accept(w.clerk, w.now(), override_reason="因病致贫，经区残联研究特批")
    assert app.status == "accepted"
    assert app.override_reason == "因病致贫，经区残联研究特批"
    assert app.events[-1].override_reason == app.override_reason  # type: ignore[attr-defined]


def test_ineligible_household_is_refused_with_the_reasons(w: World) -> None:
    app = submit(w, hardship="none")
    app.refuse(w.clerk, w.now())
    assert app.status == "refused"
    assert len(app.refusal_reasons) == 1
    assert "低保" in app.refusal_reasons[0]
    assert app.events[-1].reasons == tuple(app.refusal_reasons)  # type: ignore[attr-defined]


def test_refusing_an_eligible_household_needs_a_reason(w: World) -> None:
    app = submit(w)
    with pytest.raises(ValidationFailed):
        app.refuse(w.clerk, w.now())
    app.refuse(w.clerk, w.now(), "已享受同类补助")
    assert app.refusal_reasons == ["已享受同类补助"]


def test_reversing_a_refusal_needs_a_reason_even_when_eligible(w: World) -> None:
    app = submit(w)
    app.refuse(w.clerk, w.now(), "材料不全")
    with pytest.raises(ValidationFailed):
        app.accept(w.clerk, w.now())
    app.accept(w.clerk, w.now(), "材料已补齐")
    assert (app.status, app.override_reason) == ("accepted", "材料已补齐")


def test_withdraw_needs_a_reason(w: World) -> None:
    app = submit(w)
    with pytest.raises(ValidationFailed):
        app.withdraw("", w.now())
    assert app.status == "submitted"


# ---- assessment ----------------------------------------------------------------------


def test_scheduling_requests_an_accompanied_visit(w: World) -> None:
    app = w.app_in("accepted")
    now = w.now()
    at = now + timedelta(days=2)
    assessment = app.schedule_assessment(w.assessor, at, now)
    assert app.assessment is assessment
    assert (assessment.assessor_id, assessment.scheduled_at) == (w.assessor, at)
    assert app.events[-1] == ev.AssessmentRequested(
        now, app.id, assessment.id, w.assessor, at, "371502", False
    )


def test_rescheduling_moves_the_visit_and_may_change_assessor(w: World) -> None:
    app = w.app_in("assessment_scheduled")
    assert app.assessment is not None
    first_id = app.assessment.id
    other = uuid.uuid4()
    now = w.now()
    app.schedule_assessment(other, now + timedelta(days=5), now)
    assert app.assessment.id == first_id
    assert app.assessment.assessor_id == other
    assert app.events[-1].rescheduled is True  # type: ignore[attr-defined]


def test_visit_cannot_be_scheduled_in_the_past(w: World) -> None:
    app = w.app_in("accepted")
    now = w.now()
    with pytest.raises(ValidationFailed) as err:
        app.schedule_assessment(w.assessor, now - timedelta(minutes=1), now)
    assert "scheduled_at" in err.value.errors
    assert app.status == "accepted"
    assert app.assessment is None


def test_only_the_scheduled_assessor_completes_the_visit(w: World) -> None:
    app = w.app_in("assessment_scheduled")
    with pytest.raises(Forbidden):
        app.complete_assessment(uuid.uuid4(), {Area.FLOOR: "地面湿滑"}, [], [], w.now(),
                                checklist=answered())
    assert app.status == "assessment_scheduled"


def test_assessment_records_findings_per_area(w: World) -> None:
    app = w.app_in("assessment_scheduled")
    now = w.now()
    app.complete_assessment(
        w.assessor,
        {Area.ENTRANCE: "门口台阶15厘米", "bathroom": "蹲便"},
        ["坡道", "坐便改造"],
        ["photos/1.jpg", "photos/2.jpg"],
        now,
        checklist=answered(entrance={"steps": "needs_work"}),
    )
    assert app.assessment is not None
    assert app.assessment.findings == {"entrance": "门口台阶15厘米", "bathroom": "蹲便"}
    assert app.assessment.checklist["entrance"]["steps"] == "needs_work"
    assert app.assessment.suggested_items == [
        {"item_code": "RAMP", "findings": ["entrance.steps"]}]
    assert app.assessment.needs == ["坡道", "坐便改造"]
    assert app.assessment.photo_refs == ["photos/1.jpg", "photos/2.jpg"]
    assert app.assessment.completed_at == now
    assert app.status == "assessed"
    assert isinstance(app.events[-1], ev.AssessmentCompleted)


@pytest.mark.parametrize(
    ("findings", "needs", "photos", "field"),
    [
        ({"garden": "杂草"}, [], [], "findings"),
        ({Area.KITCHEN: " "}, [], [], "findings"),
        ({Area.KITCHEN: "灶台过高"}, [""], [], "needs"),
        ({Area.KITCHEN: "灶台过高"}, [], [" "], "photo_refs"),
    ],
)
def test_assessment_input_is_checked(
    w: World, findings: dict[str, str], needs: list[str], photos: list[str], field: str
) -> None:
    app = w.app_in("assessment_scheduled")
    with pytest.raises(ValidationFailed) as err:
        app.complete_assessment(w.assessor, findings, needs, photos, w.now(),
                                checklist=answered())
    assert field in err.value.errors
    assert app.status == "assessment_scheduled"
    assert app.assessment is not None
    assert app.assessment.completed_at is None
