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
from svckit.domain.errors import Conflict
from svckit.domain.fields import FieldErrors
from svckit.domain.phone import validate_phone


class WaiverReason(enum.StrEnum):
    TEKUN = "tekun"
    DIBAO = "dibao"
    SEVERE = "severe"

    @property
    def label_zh(self) -> str:
        return {"tekun": "特困供养", "dibao": "低保", "severe": "重度残疾(一、二级)"}[self.value]


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

    def ensure_usable(self) -> None:
        """A borrower without consent cannot be used for any reservation, loan or allocation."""
        if self.consent_at is None:
            raise Conflict("借用人尚未签署个人信息处理同意书 (borrower has not given consent)",
                           current_state="no_consent")
