"""Borrowers (certificate holders) and the fee/deposit waiver policy.

Waiver policy (减免政策): a borrower pays neither the daily fee nor the deposit when any of
these holds, and the first that holds is recorded as the reason:

1. 特困 (extreme-poverty support, ``tekun``),
2. 低保 (minimum-living-allowance household, ``dibao``),
3. a severe disability, grade 1 or 2 (重度), derived from the certificate number.

Everyone else pays both. The waiver is all-or-nothing and applied automatically at
check-out; it is never typed in by a clerk.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from svckit.domain import masking
from svckit.domain.certificate import Category, DisabilityCertificate
from svckit.domain.clock import AWARE_MESSAGE, is_aware, require_aware
from svckit.domain.division import validate_division
from svckit.domain.errors import Conflict, ValidationFailed
from svckit.domain.fields import FieldErrors, require_text
from svckit.domain.phone import validate_phone


class WaiverReason(enum.StrEnum):
    TEKUN = "tekun"
    DIBAO = "dibao"
    SEVERE = "severe"

    @property
    def label_zh(self) -> str:
        return {"tekun": "特困供养", "dibao": "低保", "severe": "重度残疾(一、二级)"}[self.value]


class BorrowerStatus(enum.StrEnum):
    ACTIVE = "active"
    DECEASED = "deceased"
    MOVED_AWAY = "moved_away"
    CERTIFICATE_CANCELLED = "certificate_cancelled"
    #: personal data removed after the retention period (PIPL); set by the job only
    ANONYMISED = "anonymised"

    @property
    def label(self) -> tuple[str, str]:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[str, tuple[str, str]] = {
    BorrowerStatus.ACTIVE: ("在册", "active"),
    BorrowerStatus.DECEASED: ("已故", "deceased"),
    BorrowerStatus.MOVED_AWAY: ("已迁出", "moved away"),
    BorrowerStatus.CERTIFICATE_CANCELLED: ("残疾人证已注销", "certificate cancelled"),
    BorrowerStatus.ANONYMISED: ("已匿名", "anonymised"),
}

#: what an anonymised borrower's name reads
ANONYMISED_NAME = "已匿名"


@dataclass(eq=False)
class Borrower:
    """A certificate holder. Category and grade come from the certificate number.

    Personal fields are kept out of ``repr`` so that they never reach a log by accident.
    """

    certificate_number: str = field(repr=False)
    name: str = field(repr=False)
    phone: str = field(repr=False)
    address: str = field(repr=False)
    division_code: str
    dibao: bool = False
    tekun: bool = False
    consent_at: datetime | None = None
    #: where the holder was registered (their station until a loan ties them elsewhere)
    registered_station_id: uuid.UUID | None = None
    status: BorrowerStatus = BorrowerStatus.ACTIVE
    status_reason: str = ""
    status_changed_at: datetime | None = None
    anonymised_at: datetime | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        errors = FieldErrors()
        cert = errors.parse("certificate_number", DisabilityCertificate.parse,
                            self.certificate_number)
        if cert is not None:
            self.certificate_number = cert.number
        self.name = errors.text("name", self.name, 50)
        self.address = errors.text("address", self.address, 200)
        self.phone = errors.parse("phone", validate_phone, self.phone) or self.phone
        self.division_code = errors.parse("division_code", validate_division,
                                          self.division_code) or self.division_code
        if self.consent_at is not None and not is_aware(self.consent_at):
            errors.add("consent_at", AWARE_MESSAGE)
        errors.raise_if_any()

    @property
    def certificate(self) -> DisabilityCertificate:
        return DisabilityCertificate.parse(self.certificate_number)

    @property
    def category(self) -> Category:
        return self.certificate.category

    @property
    def grade(self) -> int:
        return self.certificate.grade

    @property
    def is_severe(self) -> bool:
        return self.certificate.is_severe

    @property
    def masked_certificate(self) -> str:
        return self.certificate.masked

    @property
    def masked_phone(self) -> str:
        return masking.mask_phone(self.phone)

    @property
    def contact_name(self) -> str:
        """How a visitor addresses the holder: the surname + 某."""
        return masking.contact_name(self.name)

    @property
    def waiver(self) -> WaiverReason | None:
        """The policy in the module docstring: the first reason that holds, or ``None``."""
        if self.tekun:
            return WaiverReason.TEKUN
        if self.dibao:
            return WaiverReason.DIBAO
        if self.is_severe:
            return WaiverReason.SEVERE
        return None

    def record_consent(self, now: datetime) -> None:
        """The holder signed the personal-information consent (PIPL) at ``now``."""
        self.consent_at = require_aware(now)

    def withdraw_consent(self) -> None:
        self.consent_at = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status][0]

    def change_status(self, status: BorrowerStatus, reason: str, now: datetime) -> None:
        """Deceased, moved away, certificate cancelled (or active again), with a reason.
        The service layer flags the borrower's open rentals and allocations for recovery."""
        reason = require_text("reason", reason)
        if self.status == BorrowerStatus.ANONYMISED:
            raise Conflict("借用人信息已匿名，不能再变更 (the borrower is anonymised)",
                           current_state=self.status)
        if status == BorrowerStatus.ANONYMISED:
            raise ValidationFailed.field("status", "匿名化由定期任务执行 (anonymisation is "
                                         "done by the retention job)")
        self.status = status
        self.status_reason = reason
        self.status_changed_at = require_aware(now)

    def anonymise(self, now: datetime, certificate_number: str) -> None:
        """PIPL retention: the name, phone and address go; the certificate number is
        replaced by ``certificate_number`` (a synthetic one keeping only category and
        grade, for the statistics); the district stays."""
        self.name = ANONYMISED_NAME
        self.phone = ""
        self.address = ""
        self.certificate_number = certificate_number
        self.status = BorrowerStatus.ANONYMISED
        self.status_reason = ""
        self.anonymised_at = require_aware(now)

    def ensure_usable(self) -> None:
        """A borrower without consent cannot be used for any reservation, loan or allocation;
        nor one who is not active (deceased, moved away, certificate cancelled)."""
        if self.status != BorrowerStatus.ACTIVE:
            zh, en = STATUS_LABELS[self.status]
            raise Conflict(f"借用人状态为“{zh}”，不能办理新的借用、预留或发放 "
                           f"(the borrower is {en}; no new loans, holds or allocations)",
                           current_state=self.status)
        if self.consent_at is None:
            raise Conflict("借用人尚未签署个人信息处理同意书 (borrower has not given consent)",
                           current_state="no_consent")
