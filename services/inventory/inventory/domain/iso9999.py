"""The ISO 9999 classes this programme uses, shipped with the edition they come from.

GB/T 16432-2025 (identical to ISO 9999:2022, "Assistive products - Classification and
terminology") replaced GB/T 16432-2016. A code is ``class subclass division`` (two digits
each, e.g. ``12 22 03``); the catalogue accepts the codes listed here, and the loan limits
are set per class + subclass (``12 22``: manual wheelchairs). A new kind of device is
added to this list (a reviewed code change), not typed in freely.
"""

from __future__ import annotations

from svckit.domain.identifiers import normalise

EDITION = "GB/T 16432-2025 (ISO 9999:2022)"

#: code -> (Chinese term, English term)
CODES: dict[str, tuple[str, str]] = {
    "04 33 03": ("防压疮坐垫和垫子", "seat cushions and underlays for pressure sore prevention"),
    "04 33 06": ("防压疮床垫", "mattresses and overlays for pressure sore prevention"),
    "06 24": ("下肢假肢", "lower-limb prosthetic systems"),
    "06 18": ("上肢假肢", "upper-limb prosthetic systems"),
    "06 24 09": ("小腿假肢", "trans-tibial prostheses"),
    "09 12 03": ("坐便椅", "commode chairs"),
    "09 12 12": ("坐便器增高垫", "raised toilet seats"),
    "09 33 03": ("洗浴椅", "bathing and showering chairs"),
    "12 03 03": ("手杖", "walking sticks"),
    "12 03 06": ("肘拐", "elbow crutches"),
    "12 03 16": ("多脚手杖", "walking sticks with three or more legs"),
    "12 06 03": ("助行架", "walking frames"),
    "12 06 06": ("轮式助行架", "rollators"),
    "12 22 03": ("双手驱动轮椅车", "bimanual handrim-drive wheelchairs"),
    "12 22 18": ("护理者推动轮椅车", "assistant-controlled manual wheelchairs"),
    "12 23 06": ("电动轮椅车", "powered wheelchairs with manual steering"),
    "12 31 03": ("移位板", "sliding boards and sliding mats"),
    "12 36 03": ("移位机", "mobile hoists"),
    "12 39 03": ("盲杖", "white canes"),
    "18 12 07": ("手动调节床", "beds, manually adjustable"),
    "18 12 10": ("电动调节床", "beds, powered adjustable"),
    "22 06": ("助听器", "hearing aids"),
    "22 03 06": ("放大镜", "magnifying glasses"),
    "22 27 03": ("视觉信号指示器（闪光门铃等）",
                 "visual signalling indicators (flashing doorbells)"),
}

#: class + subclass, e.g. ``12 22``
CLASSES: frozenset[str] = frozenset(code[:5] for code in CODES)

_UNKNOWN = (f"不在本项目使用的ISO 9999分类代码表中（{EDITION}） "
            f"(not in the programme's ISO 9999 code list, {EDITION})")


def iso_class(code: str) -> str:
    """``"12 22 03"`` -> ``"12 22"``."""
    return code[:5]


def validate_code(code: str) -> str:
    """A normalised code (``12 22 03``) that is on the list, else ``ValueError``."""
    if code not in CODES:
        raise ValueError(f"分类代码{code}{_UNKNOWN}")
    return code


def validate_class(raw: object) -> str:
    """``"1222"`` / ``"12-22"`` / ``"12 22"`` -> ``"12 22"`` when it is a listed class."""
    digits = "".join(ch for ch in normalise(raw) if ch.isdigit())
    if len(digits) != 4 or len(normalise(raw)) > 5:
        raise ValueError("ISO 9999类别应为“类 次类”两组两位数字，如12 22 "
                         "(class and subclass, e.g. '12 22')")
    value = f"{digits[:2]} {digits[2:]}"
    if value not in CLASSES:
        raise ValueError(f"类别{value}{_UNKNOWN}")
    return value
