"""Borrowers: certificate validation, derived category and grade, masking, consent and
the waiver policy."""

from __future__ import annotations

from datetime import datetime

import pytest
from inventory.domain.borrowers import Borrower, WaiverReason
from inventory_builders import NOW, borrower, cert
from svckit.domain.certificate import Category
from svckit.domain.errors import Conflict, ValidationFailed

GOOD = cert(4, 3)


def make(number: str) -> Borrower:
    return Borrower(certificate_number=number, name="李四", phone="13812345678",
                    address="聊城市阳谷县某村", division_code="371521")


@pytest.mark.parametrize("number", [
    GOOD[:-1],  # 19 characters
    GOOD + "1",  # 21 characters
    GOOD[:17] + ("0" if GOOD[17] != "0" else "1") + GOOD[18:],  # bad check character
    GOOD[:18] + "0" + GOOD[19],  # category 0
    GOOD[:18] + "8" + GOOD[19],  # category 8
    GOOD[:19] + "5",  # grade 5
    GOOD[:19] + "0",  # grade 0
])
def test_invalid_certificate_number_names_the_field(number: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make(number)
    assert list(exc.value.errors) == ["certificate_number"]
    assert "(" in exc.value.errors["certificate_number"][0]  # bilingual message


def test_category_and_grade_are_derived_not_typed() -> None:
    b = make(cert(1, 2).lower())
    assert b.certificate_number == cert(1, 2)  # normalised
    assert b.category is Category.VISUAL
    assert b.grade == 2
    assert b.is_severe


def test_personal_data_is_masked_and_kept_out_of_repr() -> None:
    b = make(GOOD)
    assert b.masked_certificate == GOOD[:4] + "*" * 12 + GOOD[-4:]
    assert b.masked_phone == "138****5678"
    text = repr(b)
    for secret in (GOOD, "李四", "13812345678", "阳谷县某村"):
        assert secret not in text


def test_bad_fields_reported_together() -> None:
    with pytest.raises(ValidationFailed) as exc:
        Borrower(certificate_number="x", name="", phone="110", address=" ",
                 division_code="000000")
    assert set(exc.value.errors) == {"certificate_number", "name", "phone", "address",
                                     "division_code"}


def test_naive_consent_time_refused() -> None:
    with pytest.raises(ValidationFailed) as exc:
        Borrower(certificate_number=GOOD, name="李四", phone="13812345678", address="某村",
                 division_code="371521", consent_at=datetime(2025, 1, 1))
    assert list(exc.value.errors) == ["consent_at"]


def test_a_borrower_without_consent_cannot_be_used() -> None:
    b = borrower(consent=False)
    with pytest.raises(Conflict) as exc:
        b.ensure_usable()
    assert exc.value.current_state == "no_consent"
    b.record_consent(NOW)
    assert b.consent_at == NOW
    b.ensure_usable()
    b.withdraw_consent()
    with pytest.raises(Conflict):
        b.ensure_usable()


def test_record_consent_needs_an_aware_time() -> None:
    with pytest.raises(ValueError):
        borrower().record_consent(datetime(2025, 1, 1))


@pytest.mark.parametrize(("grade", "dibao", "tekun", "reason"), [
    (3, False, False, None),
    (4, False, False, None),
    (1, False, False, WaiverReason.SEVERE),
    (2, False, False, WaiverReason.SEVERE),
    (3, True, False, WaiverReason.DIBAO),
    (3, False, True, WaiverReason.TEKUN),
    (1, True, True, WaiverReason.TEKUN),  # most specific reason recorded
    (2, True, False, WaiverReason.DIBAO),
])
def test_waiver_policy(grade: int, dibao: bool, tekun: bool,
                       reason: WaiverReason | None) -> None:
    assert borrower(grade, dibao=dibao, tekun=tekun).waiver == reason


def test_waiver_reasons_have_chinese_labels() -> None:
    assert WaiverReason.DIBAO.label_zh == "低保"
    assert all(r.label_zh for r in WaiverReason)
