"""Field messages of a problem in the caller's language, each with a stable code.

Every service's validation errors pass through here (:func:`svckit.http.problems.problem`
calls :func:`localize_errors` on its ``errors``), so the rule is in one place:

- marshmallow's and webargs' English validator texts (``Length must be between 1 and 50.``)
  become Chinese by default and stay English with ``Accept-Language: en``;
- the platform's bilingual messages (``必须是整数 (must be a JSON integer)``) give the half in
  the caller's language;
- anything else is passed through unchanged.

Beside ``errors`` the problem carries ``error_codes``: for each field, one stable code per
message (``required``, ``length``, ``one-of``, ``not-integer`` ...; ``invalid`` when the
message has no code of its own), for clients that map codes to their own texts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

#: (pattern of the English text, stable code, Chinese text with the pattern's groups)
_VALIDATORS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(p), code, zh) for p, code, zh in [
        (r"^Missing data for required field\.?$", "required", "必填"),
        (r"^Field may not be null\.?$", "null", "不能为空"),
        (r"^Field may not be blank\.?$", "blank", "不能为空白"),
        (r"^Shorter than minimum length (?P<min>\d+)\.?$", "too-short", "至少{min}个字符"),
        (r"^Longer than maximum length (?P<max>\d+)\.?$", "too-long", "最多{max}个字符"),
        (r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.?$", "length",
         "长度应为{min}至{max}个字符"),
        (r"^Length must be (?P<n>\d+)\.?$", "exact-length", "长度应为{n}个字符"),
        (r"^Must be greater than or equal to (?P<min>\S+) and less than or equal to "
         r"(?P<max>\S+?)\.?$", "range", "应在{min}至{max}之间"),
        (r"^Must be greater than (?P<min>\S+) and less than (?P<max>\S+?)\.?$", "range",
         "应大于{min}且小于{max}"),
        (r"^Must be greater than or equal to (?P<min>\S+?)\.?$", "min", "不能小于{min}"),
        (r"^Must be less than or equal to (?P<max>\S+?)\.?$", "max", "不能大于{max}"),
        (r"^Must be greater than (?P<min>\S+?)\.?$", "min", "应大于{min}"),
        (r"^Must be less than (?P<max>\S+?)\.?$", "max", "应小于{max}"),
        (r"^Not a valid integer\.?$", "not-integer", "应为整数"),
        (r"^Not a valid number\.?$", "not-number", "应为数字"),
        (r"^Not a valid date\.?$", "not-date", "不是有效的日期"),
        (r"^Not a valid datetime\.?$", "not-datetime", "不是有效的日期时间"),
        (r"^Not a valid time\.?$", "not-time", "不是有效的时间"),
        (r"^Not a valid UUID\.?$", "not-uuid", "不是有效的标识"),
        (r"^Not a valid boolean\.?$", "not-boolean", "应为是或否"),
        (r"^Not a valid string\.?$", "not-string", "应为文本"),
        (r"^Not a valid list\.?$", "not-list", "应为列表"),
        (r"^Not a valid mapping type\.?$", "not-object", "应为对象"),
        (r"^Not a valid email address\.?$", "not-email", "不是有效的电子邮箱"),
        (r"^Not a valid URL\.?$", "not-url", "不是有效的网址"),
        (r"^Must be one of: (?P<choices>.*?)\.?$", "one-of", "应为以下之一：{choices}"),
        (r"^Must be equal to (?P<value>.*?)\.?$", "equal", "应等于{value}"),
        (r"^String does not match expected pattern\.?$", "pattern", "格式不正确"),
        (r"^Invalid value\.?$", "invalid", "取值无效"),
        (r"^Invalid input type\.?$", "invalid-type", "类型不正确"),
        (r"^Unknown field\.?$", "unknown-field", "不支持的字段"),
        (r"^Invalid (?:date|datetime|time) format\.?$", "not-datetime", "日期时间格式不正确"),
    ]
]

#: the platform's own bilingual messages: (a prefix of the Chinese half, code)
_OWN_CODES: list[tuple[str, str]] = [
    ("必须是 true 或 false", "not-boolean"),
    ("必须是整数", "not-integer"),
    ("必须是数字", "not-number"),
    ("必须是文本", "not-string"),
    ("必须是列表", "not-list"),
    ("必须是对象", "not-object"),
    ("日期必须在", "year-range"),
    ("含有 NUL", "unstorable"),
]

#: ``中文说明 (English text)``: a message in both languages (the English in the last brackets)
_BILINGUAL = re.compile(
    r"^(?P<zh>.*?[\u3400-\u9fff][^()（）]*?)\s*[(（](?P<en>[^()（）]*[A-Za-z][^()（）]*)[)）]"
    r"(?P<tail>[^()（）]*)$", re.S)


def localize(message: str, *, english: bool) -> tuple[str, str]:
    """One field message in the caller's language, and its stable code."""
    text = str(message)
    for pattern, code, zh in _VALIDATORS:
        m = pattern.match(text)
        if m:
            return (text if english else zh.format(**m.groupdict())), code
    both = _BILINGUAL.match(text)
    if both:
        zh = (both["zh"] + both["tail"]).strip()
        code = next((c for prefix, c in _OWN_CODES if zh.startswith(prefix)), "invalid")
        return (both["en"].strip() if english else zh), code
    return text, "invalid"


def localize_errors(errors: Mapping[str, Sequence[str]], *, english: bool,
                    ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """``errors`` (field -> messages) in the caller's language, and field -> codes."""
    texts: dict[str, list[str]] = {}
    codes: dict[str, list[str]] = {}
    for name, messages in errors.items():
        for message in messages:
            text, code = localize(message, english=english)
            texts.setdefault(name, []).append(text)
            codes.setdefault(name, []).append(code)
    return texts, codes


def wants_english() -> bool:
    """Whether the caller asked for English (``Accept-Language: en``); Chinese otherwise,
    and outside a request."""
    from flask import request

    try:
        best = request.accept_languages.best_match(["zh", "zh-CN", "en"])
    except RuntimeError:
        return False
    return bool(best and best.startswith("en"))


def in_language(message: str, *, english: bool | None = None) -> str:
    """A platform message (``中文 (English)``) as the half in the caller's language; any
    other text unchanged. ``english``: None asks the current request."""
    lang = wants_english() if english is None else english
    both = _BILINGUAL.match(str(message))
    if not both:
        return str(message)
    return both["en"].strip() if lang else (both["zh"] + both["tail"]).strip()
