"""Certificate numbers, division codes, money, state machines: pure rules."""

from __future__ import annotations

import pytest
from svckit.domain.certificate import (
    Category,
    DisabilityCertificate,
    id_check_char,
    make_certificate,
    mask,
    mask_phone,
    validate_citizen_id,
)
from svckit.domain.division import city_of, is_within, validate_division
from svckit.domain.errors import IllegalTransition
from svckit.domain.money import parse_yuan, yuan
from svckit.domain.statemachine import StateMachine

VALID = make_certificate("37150219800101001", 4, 1)


def test_check_character_follows_gb11643() -> None:
    # The standard's worked example: 11010519491231002X.
    assert id_check_char("11010519491231002") == "X"
    assert validate_citizen_id("11010519491231002x") == "11010519491231002X"


def test_certificate_derives_category_and_grade() -> None:
    cert = DisabilityCertificate.parse(VALID)
    assert cert.category is Category.PHYSICAL
    assert cert.category.label_zh == "肢体残疾"
    assert cert.grade == 1 and cert.is_severe
    assert cert.citizen_id == VALID[:18]
    assert not DisabilityCertificate.parse(make_certificate("37150219800101001", 2, 3)).is_severe


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (VALID[:-1], "20位"),
        (VALID + "1", "20位"),
        (VALID[:17] + ("0" if VALID[17] != "0" else "1") + VALID[18:], "校验位"),
        (VALID[:18] + "0" + VALID[19], "类别"),
        (VALID[:18] + "8" + VALID[19], "类别"),
        (VALID[:19] + "5", "等级"),
        (VALID[:19] + "0", "等级"),
        ("3715021980A101001" + "X41", "数字"),
        (make_certificate("37150219801301001", 4, 1), "出生日期"),
    ],
)
def test_invalid_certificates_are_refused_with_the_reason(raw: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        DisabilityCertificate.parse(raw)


def test_certificate_never_shows_whole_in_repr() -> None:
    cert = DisabilityCertificate.parse(VALID)
    assert VALID not in repr(cert) and VALID not in str(cert)
    assert cert.masked == VALID[:4] + "*" * 12 + VALID[-4:]
    assert mask_phone("13812345678") == "138****5678"
    assert mask("abc") == "***"


def test_division_codes() -> None:
    assert validate_division("371502") == "371502"
    for bad in ("37150", "3715021", "99xxxx", "990000", "370051"):
        with pytest.raises(ValueError):
            validate_division(bad)
    assert city_of("371502") == "371500"
    assert is_within("371502", "371500")
    assert is_within("371502", "370000")
    assert not is_within("370702", "371500")
    assert is_within("371502", "371502") and not is_within("371503", "371502")


def test_money_is_exact_fen() -> None:
    assert yuan(146000) == "1460.00"
    assert yuan(-5) == "-0.05"
    assert parse_yuan("1460.5") == 146050
    assert parse_yuan("0.01") == 1
    with pytest.raises(ValueError):
        parse_yuan("1.005")
    with pytest.raises(TypeError):
        yuan(1.5)  # type: ignore[arg-type]


def test_state_machine_refuses_illegal_moves_with_the_current_state() -> None:
    sm = StateMachine("order", {("new", "pay"): "paid", ("paid", "ship"): "shipped"})
    assert sm.next("new", "pay") == "paid"
    assert sm.allowed("new") == ["pay"]
    with pytest.raises(IllegalTransition) as exc:
        sm.next("new", "ship")
    assert exc.value.current_state == "new"
    assert sm.states == ["new", "paid", "shipped"]
