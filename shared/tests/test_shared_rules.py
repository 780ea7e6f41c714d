"""The shared rules of svckit.domain (identifiers, phones, masks, China time) and the one
access model (Principal.covers + Policy): pure logic, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from svckit.auth.policy import Policy
from svckit.auth.principal import Principal, Role
from svckit.domain.certificate import DisabilityCertificate, make_certificate
from svckit.domain.clock import china_date, china_midnight, format_china, in_system_years
from svckit.domain.division import validate_division
from svckit.domain.errors import Forbidden, ValidationFailed
from svckit.domain.fields import FieldErrors
from svckit.domain.identifiers import normalise
from svckit.domain.masking import contact_name, mask_address, mask_certificate, mask_name
from svckit.domain.phone import validate_phone

CERT = make_certificate("37150219800101001", 4, 2)
FULL_WIDTH = CERT.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})


def test_full_width_and_half_width_identifiers_normalise_to_one_value() -> None:
    assert FULL_WIDTH != CERT
    assert normalise(FULL_WIDTH) == CERT
    assert DisabilityCertificate.parse(f"　{FULL_WIDTH} ").number == CERT
    assert DisabilityCertificate.parse(CERT[:10] + " " + CERT[10:]).number == CERT
    assert normalise("ｌｃ－ｗｃ－００１") == "LC-WC-001"
    assert normalise("lc\u2013wc 001") == "LC-WC001"
    assert normalise(None) == ""
    assert validate_division("３７１５０２") == "371502"


@pytest.mark.parametrize(("raw", "clean"), [
    ("13812345678", "13812345678"), ("１３８１２３４５６７８", "13812345678"),
    ("138 1234 5678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
    ("0635-8212345", "0635-8212345"), ("０６３５－８２１２３４５", "0635-8212345"),
])
def test_one_phone_rule_for_mobiles_and_landlines(raw: str, clean: str) -> None:
    assert validate_phone(raw) == clean


@pytest.mark.parametrize("raw", ["12012345678", "1381234567", "abc", "", "0635-12"])
def test_bad_phones_are_refused_with_a_bilingual_message(raw: str) -> None:
    with pytest.raises(ValueError, match="电话号码格式不正确"):
        validate_phone(raw)


def test_mobile_only_refuses_landlines() -> None:
    with pytest.raises(ValueError, match="手机号码"):
        validate_phone("0635-8212345", mobile_only=True)


def test_masks() -> None:
    assert mask_name("王芳") == "王*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert contact_name(" 王芳") == "王某"
    assert mask_address("聊城市东昌府区古楼街道光岳路12号3单元") == "聊城市东昌府区古楼街道********"
    assert mask_address("山东省聊城市某村") == "山东省聊城市**"
    assert mask_certificate(CERT) == CERT[:4] + "*" * 12 + CERT[-4:]


def test_china_time() -> None:
    late = datetime(2026, 12, 6, 17, 30, tzinfo=UTC)
    assert china_date(late) == date(2026, 12, 7)
    assert format_china(late) == "2026-12-07 01:30"
    assert china_midnight(date(2026, 12, 7)) == datetime(2026, 12, 6, 16, tzinfo=UTC)
    with pytest.raises(ValueError):
        china_date(datetime(2026, 1, 1))  # naive


def test_system_years() -> None:
    assert in_system_years(date(2026, 1, 1))
    assert not in_system_years(date(1, 1, 1))
    assert not in_system_years(datetime.fromisoformat("2100-12-31T23:30:00-12:00"))


def test_field_errors_collect_every_field() -> None:
    errors = FieldErrors()
    errors.text("name", "  ", 10)
    with errors.field("phone"):
        validate_phone("12")
    errors.fen("fee", 1.5)
    with pytest.raises(ValidationFailed) as exc:
        errors.raise_if_any()
    assert set(exc.value.errors) == {"name", "phone", "fee"}


POLICY = Policy("demo", {
    "unit.check_out": {Role.CLERK, Role.SUPERVISOR, Role.STAFF},
    "task.view": {Role.COORDINATOR, Role.VOLUNTEER, Role.STAFF},
    "order.progress": {Role.CONTRACTOR},
})


def _p(role: Role, **scope: object) -> Principal:
    return Principal.from_claims({"sub": "u1", "role": role.value, **scope})


def test_the_role_picks_the_scope_attribute_that_applies() -> None:
    clerk = _p(Role.CLERK, stations=["s1"])
    assert POLICY.allows(clerk, "unit.check_out", station="s1", division="371502")
    assert not POLICY.allows(clerk, "unit.check_out", station="s2", division="371502")
    staff = _p(Role.STAFF)
    assert POLICY.allows(staff, "unit.check_out", station="s2", division="371521")
    county_staff = _p(Role.STAFF, districts=["371521"])
    assert POLICY.allows(county_staff, "unit.check_out", station="s9", division="371521")
    assert not POLICY.allows(county_staff, "unit.check_out", station="s2", division="371502")
    coordinator = _p(Role.COORDINATOR, districts=["371500"])
    volunteer = _p(Role.VOLUNTEER, volunteer_id="v1")
    task = {"division": "371502", "volunteer": ["v1", "v2"]}
    assert POLICY.allows(coordinator, "task.view", **task)
    assert POLICY.allows(volunteer, "task.view", **task)
    assert not POLICY.allows(_p(Role.VOLUNTEER, volunteer_id="v3"), "task.view", **task)
    assert volunteer.person == "v1"
    contractor = _p(Role.CONTRACTOR, company="c1")
    assert contractor.person == "c1"
    assert POLICY.allows(contractor, "order.progress", company="c1")
    assert not POLICY.allows(contractor, "order.progress", company="c2")


def test_refusals_name_the_role_or_the_scope_in_chinese() -> None:
    with pytest.raises(Forbidden, match="志愿者无权执行此操作"):
        POLICY.require(_p(Role.VOLUNTEER, volunteer_id="v1"), "unit.check_out", station="s1")
    with pytest.raises(Forbidden, match="不在您的管辖范围内"):
        POLICY.require(_p(Role.CLERK, stations=["s1"]), "unit.check_out", station="s2")
    with pytest.raises(KeyError):
        POLICY.require_role(_p(Role.STAFF), "no.such.action")


def test_a_purpose_is_chosen_from_the_list_with_an_optional_note() -> None:
    from marshmallow import ValidationError
    from svckit.pipl import PURPOSES, PurposeArgs, check_purpose

    args = PurposeArgs()
    assert args.load({"purpose": "home_delivery"}) == {"purpose": "上门配送"}
    assert args.load({"purpose": "上门配送", "purpose_note": " 核对门牌 "}) == {
        "purpose": "上门配送（核对门牌）"}
    for bad in ("xx", "看看", "", "上门配送核对地址"):
        with pytest.raises(ValidationError):
            args.load({"purpose": bad})
    with pytest.raises(ValidationError):
        args.load({"purpose": "home_delivery", "purpose_note": "长" * 101})
    assert check_purpose("入户评估（电话预约）") == "入户评估（电话预约）"
    assert check_purpose("return_reminder") == "归还催告"
    with pytest.raises(ValidationFailed):
        check_purpose("xx")
    assert {"归还催告", "上门配送", "入户评估", "施工联系"} <= set(PURPOSES.values())
