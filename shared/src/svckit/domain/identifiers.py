"""One rule for typed identifiers: certificate and citizen ID numbers, phones, asset tags,
division codes.

People type these on phones and PCs with Chinese input methods, which produce full-width
forms (``１１０１``, ``ＡＢ－１２``), ideographic spaces and stray blanks. Every service
normalises an identifier with :func:`normalise` *before* validating it and before any
uniqueness check or lookup, so that ``３７１５…`` and ``3715…`` are one record.
"""

from __future__ import annotations

import re
import unicodedata

#: dashes people type for a hyphen (after NFKC): hyphen, non-breaking hyphen, figure
#: dash, en and em dash, minus sign, full-width hyphen-minus (NFKC maps it already)
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212\u30fc"), "-")
_SPACE = re.compile(r"\s+")


def normalise(raw: object, *, upper: bool = True, keep_spaces: bool = False) -> str:
    """NFKC (full-width digits and letters to ASCII), dashes to ``-``, blanks removed
    (or, with ``keep_spaces``, runs of blanks folded to one), trimmed, upper-cased.

    Anything that is not a string normalises to ``""`` (the validator then says it is
    required), so a caller never has to type-check first.
    """
    if not isinstance(raw, str):
        return ""
    value = unicodedata.normalize("NFKC", raw).translate(_DASHES)
    value = _SPACE.sub(" ", value).strip() if keep_spaces else _SPACE.sub("", value)
    return value.upper() if upper else value
