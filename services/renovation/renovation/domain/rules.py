"""Input checks of the renovation aggregates that svckit's ``svckit.domain.fields`` has no
equivalent for. Each returns the clean value or raises ``ValidationFailed`` naming the
field, with a bilingual message."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from svckit.domain.clock import MAX_YEAR, MIN_YEAR, YEAR_MESSAGE
from svckit.domain.errors import ValidationFailed
from svckit.domain.fields import require_text

#: how far ahead a home visit or the works may be scheduled (from now / today in China):
#: far enough for any real plan, near enough that every date derived from it (visit
#: windows, deadlines) stays within the system's years
HORIZON_DAYS = 365
HORIZON = timedelta(days=HORIZON_DAYS)


def texts(field: str, values: Iterable[str], max_len: int = 200) -> list[str]:
    """A list of texts (photo refs, needs, defects); each must be non-blank."""
    return [require_text(field, v, max_len) for v in values]


def count(field: str, value: int, minimum: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValidationFailed.field(
            field, f"必须是不小于{minimum}的整数 (an integer >= {minimum})"
        )
    return value


def year(field: str, value: int) -> int:
    """A calendar year within the system's years (svckit.domain.clock)."""
    if not isinstance(value, int) or isinstance(value, bool) or not MIN_YEAR <= value <= MAX_YEAR:
        raise ValidationFailed.field(field, YEAR_MESSAGE)
    return value
