"""The volunteer service record certificate (志愿服务记录证明): the PDF read back as text
(pypdf) with every content the 2020 measures require, its QR code decoded back to the
verification address; the coordinator's page (annual totals, issuing, download) and the
public verification page, with the services' answers stubbed."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdf
import pytest
from console import api
from console.app import create_app
from console.certificate_docs import CertificateDoc, ContentLine, certificate_pdf
from console.config import ConsoleSettings
from flask import Flask

MOUNTED = "http://localhost/console"
VID = "6f1c9a52-3b0e-4c55-9d3e-6a1f4f2b7c11"
CID = "0b8a2f4e-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
NUMBER = "ZS-371502-2026-000001"
CERT = {
    "id": CID, "number": NUMBER, "volunteer_id": VID, "real_name": "张建华",
    "period_start": "2026-01-01", "period_end": "2026-12-07", "total_minutes": 210,
    "hours": "3.5", "duration": "3小时30分", "entries": 2,
    "lines": [{"kind": "deliver_device", "label": "送辅具上门", "minutes": 120, "hours": "2",
               "entries": 1},
              {"kind": "manual_record", "label": "其他志愿服务（协调员登记）", "minutes": 90,
               "hours": "1.5", "entries": 1}],
    "issuer_name": "东昌府区绿挎包志愿服务队", "issuer_contact": "0635-8278001",
    "division": "371502", "issued_at": "2026-12-07T06:00:00+00:00",
    "issued_on": "2026-12-07", "issued_by": VID, "issued_by_role": "coordinator",
    "verify_path": f"/certificates/verify/{NUMBER}",
}


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return "".join(reader.pages[0].extract_text().split())  # CJK text: no spaces to trust


def doc(**overrides: Any) -> CertificateDoc:
    values: dict[str, Any] = {
        "number": NUMBER, "volunteer_name": "张建华", "volunteer_id": VID,
        "period_start": "2026-01-01", "period_end": "2026-12-07", "hours": "3.5",
        "duration": "3小时30分", "entries": 2,
        "lines": [ContentLine("送辅具上门", 1, "2"), ContentLine("其他志愿服务（协调员登记）", 1, "1.5")],
        "issuer_name": "东昌府区绿挎包志愿服务队", "issuer_contact": "0635-8278001",
        "issued_on": "2026-12-07", "verify_url": f"{MOUNTED}/verify/{NUMBER}"}
    values.update(overrides)
    return CertificateDoc(**values)


def test_the_certificate_pdf_carries_every_content_the_measures_require() -> None:
    pdf = certificate_pdf(doc())
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    for expected in (
            "志愿服务记录证明",
            # the volunteer's identity
            "志愿者姓名：张建华", "志愿者编号：6F1C9A52",
            # the hours and the content of the service, over the period
            "服务期间：2026-01-01至2026-12-07", "累计时长：3.5小时（3小时30分）",
            "兹证明张建华于2026年1月1日至2026年12月7日期间参加志愿服务",
            "志愿服务时长累计3.5小时，共2次", "送辅具上门12", "其他志愿服务（协调员登记）11.5",
            "合计23.5",
            # the issuing organisation and its contact details
            "出具单位：东昌府区绿挎包志愿服务队", "联系电话：0635-8278001",
            # the number, the date, the seal
            f"证明编号：{NUMBER}", "出具日期：2026年12月7日", "出具单位（盖章）：东昌府区绿挎包志愿服务队",
            "盖章", "《志愿服务记录与证明出具办法（试行）》",
            # where to check it
            f"{MOUNTED}/verify/{NUMBER}"):
        assert expected in text, expected


def test_the_qr_code_on_the_certificate_is_the_verification_address() -> None:
    """Drawn as dark squares: read back from the page's content stream and compared with
    the code of the address (the same matrix, module by module)."""
    import re

    import segno

    url = f"{MOUNTED}/verify/{NUMBER}"
    pdf = certificate_pdf(doc(verify_url=url))
    content = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].get_contents()
    assert content is not None
    stream = content.get_data().decode("latin-1")
    squares = re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re f", stream)
    matrix = [list(r) for r in segno.make(url, error="m", micro=False).matrix]
    dark = sum(sum(1 for m in row if m) for row in matrix)
    assert len(squares) == dark
    cell = float(squares[0][2])
    xs = sorted({round(float(x) / cell) for x, _y, _w, _h in squares})
    ys = sorted({round(float(y) / cell) for _x, y, _w, _h in squares})
    assert len(xs) == len(ys) == len(matrix)  # a square symbol, every column used
    seen = {(round(float(x) / cell) - xs[0], ys[-1] - round(float(y) / cell))
            for x, y, _w, _h in squares}
    assert seen == {(i, j) for j, row in enumerate(matrix) for i, m in enumerate(row) if m}


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    app = create_app(ConsoleSettings(var_dir=tmp_path, api_base="http://127.0.0.1:9"))
    app.config["TESTING"] = True
    app.config["WTF_CSRF_ENABLED"] = False
    return app


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str, Any]]:
    """The volunteer service stubbed: what the views asked, in order."""
    seen: list[tuple[str, str, str, Any]] = []

    def call(service: str, method: str, path: str, *, json: Any = None, **_: Any) -> Any:
        seen.append((service, method, path, json))
        if path == f"/volunteers/{VID}":
            return {"id": VID, "real_name": "张建华"}
        if path.endswith("/hours/annual"):
            return {"volunteer_id": VID, "items": [
                {"year": 2025, "minutes": 90, "hours": "1.5", "duration": "1小时30分",
                 "entries": 1}]}
        if path == f"/volunteers/{VID}/certificates" and method == "GET":
            return {"items": [CERT]}
        if path == f"/volunteers/{VID}/certificates" and method == "POST":
            if json["period_start"] > json["period_end"]:
                raise api.ApiError(422, {"title": "输入校验失败", "errors": {
                    "period_end": ["结束日期不能早于开始日期"]}})
            return CERT
        if path == f"/certificates/{CID}":
            return CERT
        raise AssertionError(path)

    monkeypatch.setattr(api, "call", call)
    return seen


def _sign_in(client: Any, role: str = "coordinator") -> None:
    with client.session_transaction() as s:
        s["access_token"] = "t"
        s["user"] = {"sub": "coord-a", "role": role, "name": "赵协调"}


def test_the_coordinator_issues_and_downloads_a_certificate(app: Flask, calls) -> None:
    client = app.test_client()
    _sign_in(client)
    page = client.get(f"/coordinator/volunteers/{VID}/certificates", base_url=MOUNTED)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for expected in ("张建华", "2025", "1.5", NUMBER, f"/console/certificates/{CID}.pdf",
                     f"/console/verify/{NUMBER}"):
        assert expected in html, expected
    r = client.post(f"/coordinator/volunteers/{VID}/certificates", base_url=MOUNTED,
                    data={"period_start": "2026-01-01", "period_end": "2026-12-07"})
    assert r.status_code == 302 and r.headers["Location"].endswith(
        f"/console/coordinator/volunteers/{VID}/certificates#c-{CID}")
    assert ("volunteer", "POST", f"/volunteers/{VID}/certificates",
            {"period_start": "2026-01-01", "period_end": "2026-12-07"}) in calls
    after = client.get(r.headers["Location"].split("#")[0].removeprefix("/console"),
                       base_url=MOUNTED).get_data(as_text=True)
    assert f"已出具志愿服务记录证明 {NUMBER}。" in after
    # a refusal shows the form again with the field's message
    refused = client.post(f"/coordinator/volunteers/{VID}/certificates", base_url=MOUNTED,
                          data={"period_start": "2026-12-07", "period_end": "2026-01-01"})
    assert refused.status_code == 422
    assert "结束日期不能早于开始日期" in refused.get_data(as_text=True)
    # the paper, its QR code and printed address leading to the public page
    pdf = client.get(f"/certificates/{CID}.pdf", base_url=MOUNTED)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert f"{NUMBER}.pdf" in pdf.headers["Content-Disposition"]
    text = text_of(pdf.data)
    assert f"{MOUNTED}/verify/{NUMBER}" in text and "志愿者姓名：张建华" in text


def test_other_roles_cannot_open_the_coordinators_certificate_page(app: Flask,
                                                                   calls) -> None:
    client = app.test_client()
    _sign_in(client, "clerk")
    assert client.get(f"/coordinator/volunteers/{VID}/certificates").status_code == 403
    assert client.get(f"/certificates/{CID}.pdf").status_code == 403
    assert calls == []


def test_the_verification_page_is_public_and_shows_the_masked_answer(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def public_get(service: str, path: str) -> Any:
        asked.append(path)
        if path.endswith(NUMBER):
            return {"genuine": True, "number": NUMBER, "name": "张**",
                    "period_start": "2026-01-01", "period_end": "2026-12-07",
                    "total_minutes": 210, "hours": "3.5", "issued_on": "2026-12-07",
                    "issuer_name": "东昌府区绿挎包志愿服务队"}
        return {"genuine": False, "number": path.rsplit("/", 1)[1]}

    monkeypatch.setattr(api, "public_get", public_get)
    client = app.test_client()  # nobody signed in
    html = client.get(f"/verify/{NUMBER}").get_data(as_text=True)
    for expected in ("证明真实有效", "张**", "3.5 小时", "2026-01-01 ~ 2026-12-07",
                     "东昌府区绿挎包志愿服务队"):
        assert expected in html, expected
    assert "张建华" not in html
    r = client.get("/verify/ZS-371502-2026-999999")
    assert r.status_code == 200 and "未查到该编号的证明" in r.get_data(as_text=True)
    assert asked == [f"/certificates/verify/{NUMBER}",
                     "/certificates/verify/ZS-371502-2026-999999"]
    # the form sends the typed number to its page
    r = client.get("/verify?number=zs-371502-2026-000001", base_url=MOUNTED)
    assert r.status_code == 302
    assert r.headers["Location"] == "/console/verify/zs-371502-2026-000001"
    assert "证明编号" in client.get("/verify").get_data(as_text=True)
