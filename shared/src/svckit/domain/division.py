"""Administrative division codes (行政区划代码, GB/T 2260): 6 digits.

``PPCCDD``: province, city (prefecture), county/district. ``371500`` is Liaocheng city,
``371502`` its Dongchangfu district. A code is structurally valid when it has 6 digits,
a known province prefix, and does not put a county under a ``00`` city.
"""

from __future__ import annotations

import re

from svckit.domain.identifiers import normalise

# GB/T 2260 province-level prefixes (first two digits).
PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}

# Divisions the demo data and docs use (Liaocheng and Weifang, Shandong).
KNOWN: dict[str, str] = {
    "370000": "山东省",
    "371500": "聊城市", "371502": "东昌府区", "371503": "茌平区", "371521": "阳谷县",
    "371522": "莘县", "371524": "东阿县", "371525": "冠县", "371526": "高唐县",
    "371581": "临清市",
    "370700": "潍坊市", "370702": "潍城区", "370703": "寒亭区", "370704": "坊子区",
    "370705": "奎文区", "370724": "临朐县", "370725": "昌乐县", "370781": "青州市",
    "370782": "诸城市", "370783": "寿光市", "370784": "安丘市", "370785": "高密市",
    "370786": "昌邑市",
}

_RE = re.compile(r"^\d{6}$")


def validate_division(raw: str) -> str:
    """Return the code or raise ``ValueError`` with a bilingual message."""
    raw = normalise(raw)
    if not _RE.match(raw):
        raise ValueError("行政区划代码应为6位数字 (must be 6 digits, GB/T 2260)")
    if raw[:2] not in PROVINCES:
        raise ValueError(f"未知的省级代码 {raw[:2]} (unknown province prefix)")
    if raw[2:4] == "00" and raw[4:6] != "00":
        raise ValueError("县级代码不能挂在00市级代码下 (county under city 00)")
    return raw


def city_of(code: str) -> str:
    """The prefecture-level code a division belongs to: ``371502`` -> ``371500``."""
    return code[:4] + "00"


def province_of(code: str) -> str:
    return code[:2] + "0000"


def is_within(code: str, scope: str) -> bool:
    """True when ``code`` lies inside ``scope`` (a province, city or the county itself)."""
    if scope.endswith("0000"):
        return code[:2] == scope[:2]
    if scope.endswith("00"):
        return code[:4] == scope[:4]
    return code == scope


def name_of(code: str) -> str:
    return KNOWN.get(code, code)
