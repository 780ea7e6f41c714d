"""A service's refusal as the user should see it: once, in the user's language, each
field's message at its input (or at the top of the page when the page has no such
input), the typed values kept.

One mechanism for every form:

- a view that shows its form again calls :func:`refused` (the field errors come back for
  the template, the rest is flashed);
- a view that redirects calls :func:`flash_problem` (the field errors and the typed values
  ride in the session to the next page);
- the form macros (``templates/macros.html``) take a field's errors and kept value through
  :func:`field_errors` and :func:`kept`; ``base.html`` renders the page body first and then
  puts the errors no input claimed at the top (:func:`unplaced_errors`).

Service text is cleaned on the way: the half of a bilingual ``中文 (English)`` message in
the user's language, marshmallow's English validator texts in Chinese, ISO timestamps in
China time, enum values as their labels; a message the console cannot give in Chinese
becomes the Chinese text of the problem's type. Raw field names are never shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import flash, g, request, session

from console import api, formatting
from console.i18n import gettext as _
from console.i18n import register

#: the statuses of a refusal the user can act on (the form is shown again, or the page the
#: form came from, with the messages)
REFUSALS = (400, 409, 412, 422, 429)

#: what the user reads for each problem type (``/problems/<code>``)
TYPE_TEXT = {
    "validation-failed": "输入有误，请按提示修改。",
    "conflict": "与当前状态冲突，操作未执行。",
    "illegal-transition": "当前状态不允许此操作。",
    "forbidden": "无权执行此操作。",
    "not-found": "要操作的对象不存在，或不在您的权限范围内。",
    "too-many-requests": "操作过于频繁，请稍后再试。",
    "precondition-failed": "数据已被他人修改，请刷新后重试。",
    "bad-request": "提交的内容有误，请检查后重试。",
    "payload-too-large": "上传的文件过大。",
    "unsupported-media-type": "不支持的文件类型。",
    "domain-error": "不符合业务规则，操作未执行。",
    "unauthorized": "请先登录。",
}

#: marshmallow's (and webargs') English messages -> Chinese (with {placeholders})
VALIDATOR_TEXT: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), zh) for p, zh in [
        (r"^Missing data for required field\.?$", "必填。"),
        (r"^Field may not be null\.?$", "必填。"),
        (r"^Field may not be blank\.?$", "必填。"),
        (r"^Shorter than minimum length (?P<min>\d+)\.?$", "至少{min}个字符。"),
        (r"^Longer than maximum length (?P<max>\d+)\.?$", "最多{max}个字符。"),
        (r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.?$",
         "长度应为{min}-{max}个字符。"),
        (r"^Length must be (?P<n>\d+)\.?$", "长度应为{n}个字符。"),
        (r"^Must be greater than or equal to (?P<min>-?\d+(?:\.\d+)?) and less than or equal to "
         r"(?P<max>-?\d+(?:\.\d+)?)\.?$", "应在{min}到{max}之间。"),
        (r"^Must be greater than or equal to (?P<min>-?\d+(?:\.\d+)?)\.?$", "不能小于{min}。"),
        (r"^Must be less than or equal to (?P<max>-?\d+(?:\.\d+)?)\.?$", "不能大于{max}。"),
        (r"^Must be greater than (?P<min>-?\d+(?:\.\d+)?)\.?$", "应大于{min}。"),
        (r"^Must be less than (?P<max>-?\d+(?:\.\d+)?)\.?$", "应小于{max}。"),
        (r"^Not a valid integer\.?$", "请输入整数。"),
        (r"^Not a valid number\.?$", "请输入数字。"),
        (r"^Not a valid date\.?$", "请输入有效的日期。"),
        (r"^Not a valid (datetime|time)\.?$", "请输入有效的时间。"),
        (r"^Not a valid UUID\.?$", "请从列表中选择。"),
        (r"^Not a valid boolean\.?$", "请选择是或否。"),
        (r"^Not a valid (string|list|mapping)\.?$", "格式不正确。"),
        (r"^Not a valid email address\.?$", "请输入有效的电子邮箱。"),
        (r"^Must be one of: .*$", "请从列表中选择。"),
        (r"^String does not match expected pattern\.?$", "格式不正确。"),
        (r"^Invalid value\.?$", "取值无效。"),
        (r"^Invalid input type\.?$", "格式不正确。"),
        (r"^Unknown field\.?$", "不支持的字段。"),
    ]
]

_CJK = re.compile(r"[\u3400-\u9fff]")
#: ``中文说明 (English text)``: the services' bilingual messages
_BILINGUAL = re.compile(
    r"^(?P<zh>.*?[\u3400-\u9fff][^()（）]*?)\s*[(（](?P<en>[^()（）]*[A-Za-z][^()（）]*)[)）]"
    r"(?P<tail>[^()（）]*)$", re.S)
_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
_ENUM_REPR = re.compile(r"<\w+\.\w+: '(?P<value>[\w-]+)'>|\b[A-Z]\w*\.(?P<name>[A-Z][A-Z_]+)\b")
_QUOTED = re.compile(r"'(?P<value>[a-z][a-z0-9_]*)'")
_FIELD_PREFIX = re.compile(r"^[A-Za-z_][\w.]*:\s+")

#: form inputs whose typed value never rides in the session cookie
SECRET_INPUTS = frozenset({"csrf_token", "password", "certificate_number", "certificate"})


@dataclass
class Vocabulary:
    """What one area (a view module: its blueprint) tells the console about its service."""

    #: a state value -> its Chinese label (``current_state``, values quoted in messages)
    states: dict[str, str] = field(default_factory=dict)
    #: a form input (the service field's name unless ``inputs`` renames it) -> its Chinese
    #: label (a message with no input on the page is shown at the top after this label)
    labels: dict[str, str] = field(default_factory=dict)
    #: a service field -> the form input holding it, where the names differ
    inputs: dict[str, str] = field(default_factory=dict)


#: area (blueprint name) -> its vocabulary
VOCABULARY: dict[str, Vocabulary] = {}


def describe(area: str, *, states: Mapping[str, str] | None = None,
             labels: Mapping[str, str] | None = None,
             inputs: Mapping[str, str] | None = None) -> None:
    """Register an area's state labels, field labels and field -> input names."""
    vocabulary = VOCABULARY.setdefault(area, Vocabulary())
    vocabulary.states.update(states or {})
    vocabulary.labels.update(labels or {})
    vocabulary.inputs.update(inputs or {})


def _vocabulary() -> Vocabulary:
    return VOCABULARY.get(request.blueprint or "") or Vocabulary()


def _english() -> bool:
    return bool(g.get("lang") == "en")


def _state_label(value: str) -> str | None:
    found = _vocabulary().states.get(value)
    return _(found) if found else None


def localize(message: str) -> str:
    """One message of a service in the user's language (see the module's docstring); an
    empty string when the console has nothing better than the problem type's text."""
    text = _FIELD_PREFIX.sub("", str(message).strip())
    m = _BILINGUAL.match(text)
    if m:
        text = (m["en"] if _english() else m["zh"] + m["tail"]).strip()
    elif not _CJK.search(text) and not _english():
        text = _validator_zh(text)
    text = _ISO.sub(lambda t: formatting.local_time(t.group(0)), text)

    def enum(t: re.Match[str]) -> str:
        value = t["value"] or (t["name"] or "").lower()
        return _state_label(value) or value

    text = _ENUM_REPR.sub(enum, text)
    return _QUOTED.sub(lambda t: _state_label(t["value"]) or t["value"], text)


def _validator_zh(text: str) -> str:
    for pattern, zh in VALIDATOR_TEXT:
        m = pattern.match(text)
        if m:
            return _(zh, **m.groupdict())
    return ""


def problem_type(exc: api.ApiError) -> str:
    return str(exc.problem.get("code") or exc.problem.get("type") or "").rsplit("/", 1)[-1]


def type_text(exc: api.ApiError) -> str:
    return _(TYPE_TEXT.get(problem_type(exc), "操作未完成，请检查后重试。"))


@dataclass
class Refusal:
    """A problem sorted for the page: messages for the top, messages per form input."""

    top: list[str] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)


def explain(exc: api.ApiError) -> Refusal:
    """Sort ``exc`` into top and field messages (by form input: :func:`describe`)."""
    out = Refusal()
    names = _vocabulary().inputs
    for name, messages in exc.field_errors.items():
        texts = _unique(localize(m) or type_text(exc) for m in messages)
        if name in ("_", "_schema") or name.startswith(("query.", "headers.", "path.")):
            out.top.extend(texts)
            continue
        key = names.get(name) or names.get(name.split(".")[0]) or name
        out.fields.setdefault(key, []).extend(t for t in texts if t not in out.fields.get(key, []))
    if not exc.field_errors:  # else the detail only repeats them
        out.top.append(localize(exc.detail) or type_text(exc))
    state = exc.current_state
    if isinstance(state, str) and state:
        label = _state_label(state)
        if label:
            out.top.append(_("当前状态：{state}", state=label))
    out.top = _unique(out.top)
    return out


def _unique(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(t for t in texts if t))


def refused(exc: api.ApiError) -> dict[str, list[str]]:
    """For a view that shows its form again: flash the top messages and return the field
    messages (pass them to the template as ``errors``; the macros place them)."""
    problem = explain(exc)
    for message in problem.top:
        flash(message, "error")
    pending, _values = _pending()
    for name, messages in problem.fields.items():
        pending.setdefault(name, []).extend(messages)
    return problem.fields


def flash_problem(exc: api.ApiError) -> None:
    """For a view that redirects: the top messages are flashed; the field messages and
    the typed values (but no secret: :data:`SECRET_INPUTS`) wait in the session for the
    next page's form."""
    problem = explain(exc)
    for message in problem.top:
        flash(message, "error")
    session["refused"] = {
        "fields": problem.fields,
        "values": {k: v for k, v in request.form.items() if k not in SECRET_INPUTS},
    }


def _pending() -> tuple[dict[str, list[str]], dict[str, str]]:
    """The field messages and typed values of the refusal this page shows (from this
    request, or from the one that redirected here). A page answering a POST is a form
    shown again: what was typed stays in it."""
    if "refused_fields" not in g:
        carried = session.pop("refused", None) or {}
        g.refused_fields = {str(k): list(v) for k, v in (carried.get("fields") or {}).items()}
        g.refused_values = dict(carried.get("values") or {}) or (
            request.form.to_dict() if request.method == "POST" else {})
    return g.refused_fields, g.get("refused_values") or {}


def field_errors(name: str, errors: Mapping[str, list[str]] | None = None) -> list[str]:
    """The messages to show at input ``name``: the view's own ``errors`` and a refusal's;
    marks the refusal's as placed."""
    pending, _values = _pending()
    own = list((errors or {}).get(name) or [])
    placed: set[str] = g.setdefault("refused_placed", set())
    placed.add(name)
    return _unique([*own, *pending.get(name, [])])


def kept(name: str, value: Any = "") -> Any:
    """What the user typed into input ``name`` before a refusal, else ``value``."""
    _pending_fields, values = _pending()
    return values.get(name, value) if name not in ("csrf_token", "password") else value


def unplaced_errors() -> list[str]:
    """A refusal's field messages that no input of the page claimed, with the field's
    label when the console knows it (never the raw field name)."""
    pending, _values = _pending()
    placed: set[str] = g.get("refused_placed") or set()
    out = []
    for name, messages in pending.items():
        if name in placed:
            continue
        known = _vocabulary().labels
        label = known.get(name) or known.get(name.split(".")[0])
        text = "；".join(messages)
        out.append(f"{_(label)}：{text}" if label else text)
    return _unique(out)


register("problems", {
    "输入有误，请按提示修改。": "Please correct the marked input.",
    "与当前状态冲突，操作未执行。": "This conflicts with the current state; nothing was done.",
    "当前状态不允许此操作。": "The current state does not allow this.",
    "无权执行此操作。": "You may not do this.",
    "要操作的对象不存在，或不在您的权限范围内。": "It does not exist, or is outside your scope.",
    "操作过于频繁，请稍后再试。": "Too many attempts; try again later.",
    "数据已被他人修改，请刷新后重试。": "Someone else changed it; reload and try again.",
    "提交的内容有误，请检查后重试。": "Something in the form is wrong; check and retry.",
    "上传的文件过大。": "The file is too large.",
    "不支持的文件类型。": "This kind of file is not accepted.",
    "不符合业务规则，操作未执行。": "A business rule refused this; nothing was done.",
    "请先登录。": "Please sign in.",
    "操作未完成，请检查后重试。": "Not done; check and retry.",
    "当前状态：{state}": "Current state: {state}",
    "必填。": "Required.",
    "至少{min}个字符。": "At least {min} characters.",
    "最多{max}个字符。": "At most {max} characters.",
    "长度应为{min}-{max}个字符。": "{min} to {max} characters.",
    "长度应为{n}个字符。": "{n} characters.",
    "应在{min}到{max}之间。": "Between {min} and {max}.",
    "不能小于{min}。": "At least {min}.",
    "不能大于{max}。": "At most {max}.",
    "应大于{min}。": "More than {min}.",
    "应小于{max}。": "Less than {max}.",
    "请输入整数。": "A whole number.",
    "请输入数字。": "A number.",
    "请输入有效的日期。": "A valid date.",
    "请输入有效的时间。": "A valid time.",
    "请从列表中选择。": "Choose from the list.",
    "请选择是或否。": "Choose yes or no.",
    "格式不正确。": "Wrong format.",
    "请输入有效的电子邮箱。": "A valid e-mail address.",
    "取值无效。": "Not a valid value.",
    "不支持的字段。": "Not a field of this form.",
})
