"""Disability certificate numbers (残疾人证号, 2nd generation) and citizen ID numbers.

A certificate number is 20 characters: the holder's 18-character citizen ID number
(GB 11643-1999, last character a MOD 11-2 check character, possibly ``X``), then one
digit for the category (1-7) and one for the grade (1-4; 1 is the most severe).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date

from svckit.domain.identifiers import normalise

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


class Category(enum.IntEnum):
    VISUAL = 1  # 视力
    HEARING = 2  # 听力
    SPEECH = 3  # 言语
    PHYSICAL = 4  # 肢体
    INTELLECTUAL = 5  # 智力
    MENTAL = 6  # 精神
    MULTIPLE = 7  # 多重

    @property
    def label_zh(self) -> str:
        return _CATEGORY_ZH[self]


_CATEGORY_ZH = {
    Category.VISUAL: "视力残疾",
    Category.HEARING: "听力残疾",
    Category.SPEECH: "言语残疾",
    Category.PHYSICAL: "肢体残疾",
    Category.INTELLECTUAL: "智力残疾",
    Category.MENTAL: "精神残疾",
    Category.MULTIPLE: "多重残疾",
}


def id_check_char(first17: str) -> str:
    """The MOD 11-2 check character of the first 17 digits of a citizen ID."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def validate_citizen_id(raw: str) -> str:
    """Return the normalised 18-character ID number or raise ``ValueError``."""
    value = normalise(raw)
    if len(value) != 18:
        raise ValueError(f"公民身份号码应为18位，实际为{len(value)}位 (must be 18 characters)")
    if not _ID_RE.match(value):
        raise ValueError("公民身份号码前17位应为数字，末位为数字或X (digits, last may be X)")
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValueError("公民身份号码中的出生日期无效 (invalid birth date)") from None
    if id_check_char(value[:17]) != value[17]:
        raise ValueError("公民身份号码校验位错误 (bad check character)")
    return value


def mask(value: str, keep_head: int = 4, keep_tail: int = 4) -> str:
    """Mask the middle of an identifier: ``3715************0141``."""
    if len(value) <= keep_head + keep_tail:
        return "*" * len(value)
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[-keep_tail:]


def mask_phone(phone: str) -> str:
    """``13812345678`` -> ``138****5678``."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


@dataclass(frozen=True)
class DisabilityCertificate:
    """A validated certificate number. Build it with :meth:`parse`."""

    number: str

    @classmethod
    def parse(cls, raw: str) -> DisabilityCertificate:
        """Validate ``raw``; raise ``ValueError`` with a bilingual message if invalid."""
        if not isinstance(raw, str):
            raise ValueError("残疾人证号必须是字符串 (must be a string)")
        value = normalise(raw)
        if len(value) != 20:
            raise ValueError(f"残疾人证号应为20位，实际为{len(value)}位 (must be 20 characters)")
        validate_citizen_id(value[:18])
        cat, grade = value[18], value[19]
        if not cat.isdigit() or not 1 <= int(cat) <= 7:
            raise ValueError("残疾类别应为1-7 (category must be 1-7)")
        if not grade.isdigit() or not 1 <= int(grade) <= 4:
            raise ValueError("残疾等级应为1-4 (grade must be 1-4)")
        return cls(value)

    @property
    def citizen_id(self) -> str:
        return self.number[:18]

    @property
    def category(self) -> Category:
        return Category(int(self.number[18]))

    @property
    def grade(self) -> int:
        return int(self.number[19])

    @property
    def is_severe(self) -> bool:
        """Grades 1 and 2 are "severe" (重度)."""
        return self.grade <= 2

    @property
    def birth_date(self) -> date:
        n = self.number
        return date(int(n[6:10]), int(n[10:12]), int(n[12:14]))

    @property
    def masked(self) -> str:
        return mask(self.number)

    def __repr__(self) -> str:  # never leak the full number through repr/logs
        return f"DisabilityCertificate({self.masked!r})"

    __str__ = __repr__


def make_certificate(first17: str, category: int, grade: int) -> str:
    """Build a checksum-correct certificate number (for seeds and tests)."""
    return first17 + id_check_char(first17) + str(category) + str(grade)
