"""Simplified Chinese first; English where cheap.

Templates and views write the Chinese text: ``{{ _("借出") }}``. Each area (a view module,
the error texts, this module's page frame) owns the English of its own strings and
registers it with :func:`register`; a string without English stays in Chinese. One
Chinese text has one English wording everywhere: :func:`register` refuses a second one
(and ``tests/unit/test_i18n.py`` checks every dictionary in the source). The language is
the ``lang`` cookie (``?lang=en`` / ``?lang=zh`` sets it).
"""

from __future__ import annotations

from flask import g

#: the languages of the console (the ``lang`` cookie)
LANGS = ("zh", "en")

#: area -> Chinese -> English
CATALOGS: dict[str, dict[str, str]] = {}
#: every area's English by Chinese text (unambiguous: see :func:`register`)
_EN: dict[str, str] = {}


def register(area: str, english: dict[str, str]) -> None:
    """The English of ``area``'s Chinese texts; ValueError when a text already has
    another English wording (in any area)."""
    for zh, en in english.items():
        if _EN.get(zh, en) != en:
            owner = next(a for a, c in CATALOGS.items() if zh in c)
            raise ValueError(f"{zh!r} is {_EN[zh]!r} in {owner}, {en!r} in {area}")
    CATALOGS.setdefault(area, {}).update(english)
    _EN.update(english)


def gettext(text: str, **values: object) -> str:
    out = _EN.get(text, text) if g.get("lang") == "en" else text
    return out.format(**values) if values else out


register("common", {
    "助残服务平台": "Disability Services Platform",
    "跳到主要内容": "Skip to main content",
    "登录": "Sign in",
    "退出": "Sign out",
    "首页": "Home",
    "English": "English",
    "中文": "中文",
    "切换语言": "Language",
    "请先登录。": "Please sign in.",
    "页面不存在": "Page not found",
    "无权访问": "Not allowed",
    "出错了": "Something went wrong",
    "表单已过期，请返回后重新提交。": "The form has expired; go back and send it again.",
    "服务暂不可用，请稍后重试。": "A service is unavailable, please retry later.",
    "返回首页": "Back to the home page",
    "当前状态": "Current state",
    "上一页": "Previous",
    "下一页": "Next",
    "第 {page} 页，共 {pages} 页": "Page {page} of {pages}",
    "暂无数据": "Nothing here yet",
    "提交": "Submit",
    "保存": "Save",
    "取消": "Cancel",
    "查询": "Search",
    "操作": "Actions",
    "状态": "Status",
    "已保存。": "Saved.",
    "请修正以下错误：": "Please correct the following:",
    "租赁站": "Rental station",
    "施工单位": "Contractor",
    "志愿服务": "Volunteer dispatch",
    "残联": "Federation",
    "当前用户": "Signed in as",
    "导航": "Navigation",
})
