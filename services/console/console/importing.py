"""XLSX import of units and volunteers: parse and check each row, keep the job in a file,
create the rows through the services a chunk at a time (pure helpers + a small file store).

The upload is parsed at once: each data row becomes either a payload for the service or
the reasons it cannot be one (against its spreadsheet row number; the header is row 1).
The job (rows, position, results) is a JSON file under ``VAR_DIR/console-imports/`` named
by a random import id; each "next chunk" request sends the next few payloads and records
what the service answered: created, duplicate (409: asset tags and phone numbers are
unique, so a second run of the same file creates nothing twice) or refused with the
service's field errors mapped back to the column names.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import re
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException
from svckit.domain.clock import utcnow

MAX_ROWS = 2000
CHUNK = 10

Value = str | int | float | date | datetime | None
Lookups = dict[str, dict[str, str]]


class ImportRefused(Exception):
    """The file as a whole cannot be imported (not an XLSX, wrong header, too many rows)."""


@dataclass(frozen=True)
class Column:
    key: str  # the service's field name
    header: str  # the spreadsheet's column header (Chinese)
    required: bool
    hint: str


@dataclass(frozen=True)
class Kind:
    key: str
    title: str
    columns: tuple[Column, ...]
    #: (cells by field name, lookups) -> (payload, errors by column header)
    build: Callable[[dict[str, Value], Lookups], tuple[dict[str, Any], dict[str, list[str]]]]
    #: the field whose value must be unique in the file (and is unique in the service)
    unique: str

    def header_of(self, key: str) -> str:
        for c in self.columns:
            if c.key == key:
                return c.header
        return key


# -- cell values -----------------------------------------------------------------------------
def text(value: Value) -> str:
    """A cell as text: numbers without a trailing .0 (phones typed as numbers), dates ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def to_date(value: Value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value).replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        m = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", raw)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        raise ValueError(f"日期格式应为 YYYY-MM-DD，而不是“{raw}”") from None


def to_fen(value: Value) -> int:
    """Yuan (up to 2 decimals) to fen."""
    raw = text(value).replace(",", "").replace("，", "").removeprefix("¥").removeprefix("￥")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"金额应为数字（元），而不是“{raw}”") from None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError("金额应为不小于 0、最多两位小数的数字（元）")
    return int(amount * 100)


def _key(s: str) -> str:
    return re.sub(r"\s+", "", s).lower()


def _split(s: str) -> list[str]:
    return [p for p in re.split(r"[,，、;；\s]+", s) if p]


# -- units -----------------------------------------------------------------------------------
GRADES = ("A", "B", "C", "D")
ACQUISITION = {"采购": "purchase", "购置": "purchase", "purchase": "purchase",
               "捐赠": "donation", "donation": "donation"}

#: column headers of earlier templates, still read (docs/glossary.md renamed them)
OLD_HEADERS = {"资产标签": "asset_tag"}

UNIT_COLUMNS = (
    Column("asset_tag", "资产编号", True, "唯一，例如 LC-DCF-WC-10"),
    Column("serial", "序列号", True, "厂家序列号"),
    Column("type_id", "辅具类型", True, "目录中的 ISO 代码（如 12 22 03）或名称（如 手动轮椅车）"),
    Column("station_id", "租赁站", True, "租赁站全称"),
    Column("condition", "成色", True, "A、B、C 或 D"),
    Column("acquisition", "来源", True, "采购 或 捐赠"),
    Column("acquired_on", "入库日期", True, "YYYY-MM-DD"),
    Column("cost_fen", "价值（元）", True, "人民币元，最多两位小数"),
    Column("model", "型号", False, "铭牌上的型号，召回时按型号查找；可留空"),
    Column("batch", "生产批次", False, "铭牌上的批次号，召回时按批次查找；可留空"),
)


def unit_lookups(types: list[dict[str, Any]], stations: list[dict[str, Any]]) -> Lookups:
    """Device types by ISO code and by name, stations by name (keys without spaces)."""
    by_type: dict[str, str] = {}
    for t in types:
        by_type[_key(str(t["iso_code"]))] = str(t["id"])
        by_type[_key(str(t["name_zh"]))] = str(t["id"])
    return {"types": by_type,
            "stations": {_key(str(s["name"])): str(s["id"]) for s in stations}}


def build_unit(cells: dict[str, Value], lookups: Lookups
               ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    def bad(key: str, message: str) -> None:
        errors.setdefault(_header(UNIT_COLUMNS, key), []).append(message)

    for c in UNIT_COLUMNS:
        if c.required and not text(cells.get(c.key)):
            bad(c.key, "必填")
    if errors:
        return out, errors
    out["asset_tag"] = text(cells["asset_tag"])
    out["serial"] = text(cells["serial"])
    type_name = text(cells["type_id"])
    type_id = lookups.get("types", {}).get(_key(type_name))
    if type_id is None:
        bad("type_id", f"未知的辅具类型“{type_name}”")
    out["type_id"] = type_id
    station = text(cells["station_id"])
    station_id = lookups.get("stations", {}).get(_key(station))
    if station_id is None:
        bad("station_id", f"未知的租赁站“{station}”")
    out["station_id"] = station_id
    grade = text(cells["condition"]).upper()
    if grade not in GRADES:
        bad("condition", "成色应为 A、B、C 或 D")
    out["condition"] = grade
    acquisition = ACQUISITION.get(text(cells["acquisition"]).lower())
    if acquisition is None:
        bad("acquisition", "来源应为“采购”或“捐赠”")
    out["acquisition"] = acquisition
    try:
        out["acquired_on"] = to_date(cells["acquired_on"]).isoformat()
    except ValueError as exc:
        bad("acquired_on", str(exc))
    try:
        out["cost_fen"] = to_fen(cells["cost_fen"])
    except ValueError as exc:
        bad("cost_fen", str(exc))
    for key in ("model", "batch"):
        value = text(cells.get(key))
        if value:
            out[key] = value
    return out, errors


# -- volunteers ------------------------------------------------------------------------------
SKILLS = {"配送": "delivery", "驾驶": "driving", "安装调试": "installation",
          "入户走访": "home_visit", "陪同评估": "accompany_assessor", "手语": "sign_language",
          "维修": "repair", "电话回访": "phone_followup"}

VOLUNTEER_COLUMNS = (
    Column("real_name", "姓名", True, "真实姓名"),
    Column("phone", "手机号", True, "11 位手机号码，唯一"),
    Column("divisions", "服务区划", True, "6 位行政区划代码，多个用逗号分隔，如 371502"),
    Column("skills", "技能", False, "多个用逗号分隔：" + "、".join(SKILLS)),
    Column("team_id", "队伍", False, "志愿服务队名称（可空）"),
    Column("consent", "本人同意", True, "志愿者本人已同意处理其个人信息：填“是”（否则不予登记）"),
)
YES = {"是", "同意", "y", "yes", "true", "1"}


def volunteer_lookups(teams: list[dict[str, Any]]) -> Lookups:
    return {"teams": {_key(str(t["name"])): str(t["id"]) for t in teams}}


def build_volunteer(cells: dict[str, Value], lookups: Lookups
                    ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    def bad(key: str, message: str) -> None:
        errors.setdefault(_header(VOLUNTEER_COLUMNS, key), []).append(message)

    for c in VOLUNTEER_COLUMNS:
        if c.required and not text(cells.get(c.key)):
            bad(c.key, "必填")
    if errors:
        return out, errors
    out["real_name"] = text(cells["real_name"])
    phone = re.sub(r"[\s-]", "", text(cells["phone"]))
    if not re.fullmatch(r"1[3-9]\d{9}", phone):
        bad("phone", "手机号码应为 11 位，以 1 开头")
    out["phone"] = phone
    divisions = _split(text(cells["divisions"]))
    wrong = [d for d in divisions if not re.fullmatch(r"\d{6}", d)]
    if wrong:
        bad("divisions", "行政区划代码应为 6 位数字：" + "、".join(wrong))
    out["divisions"] = divisions
    skills = []
    for s in _split(text(cells.get("skills"))):
        value = SKILLS.get(s) or (s.lower() if s.lower() in SKILLS.values() else None)
        if value is None:
            bad("skills", f"未知的技能“{s}”")
        elif value not in skills:
            skills.append(value)
    out["skills"] = skills
    if text(cells["consent"]).lower() not in YES:
        bad("consent", "须有志愿者本人同意处理其个人信息（填“是”）")
    out["consent"] = True
    team = text(cells.get("team_id"))
    if team:
        team_id = lookups.get("teams", {}).get(_key(team))
        if team_id is None:
            bad("team_id", f"未知的队伍“{team}”")
        out["team_id"] = team_id
    return out, errors


def _header(columns: tuple[Column, ...], key: str) -> str:
    return next((c.header for c in columns if c.key == key), key)


KINDS = {
    "units": Kind("units", "设备", UNIT_COLUMNS, build_unit, "asset_tag"),
    "volunteers": Kind("volunteers", "志愿者", VOLUNTEER_COLUMNS, build_volunteer, "phone"),
}


# -- workbooks -------------------------------------------------------------------------------
def template(kind: Kind) -> bytes:
    """An empty workbook with the header row, and a second sheet explaining each column."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = kind.title
    ws.append([c.header for c in kind.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        ws.column_dimensions[cell.column_letter].width = 18
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明")
    notes.append(["列", "必填", "说明"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for c in kind.columns:
        notes.append([c.header, "是" if c.required else "否", c.hint])
    notes.append([])
    notes.append(["从第 2 行起每行一条记录；导入结果按行号报告。"])
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["C"].width = 60
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read_rows(kind: Kind, data: bytes) -> list[tuple[int, dict[str, Value]]]:
    """The data rows of the first sheet as ``(row number, cells by field name)``; blank
    rows are skipped. The header row must name every required column (any order)."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError,
            TypeError) as exc:
        raise ImportRefused("无法读取该文件：请上传 .xlsx 格式的工作簿") from exc
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ImportRefused("工作表为空：第 1 行应为表头")
        names = [text(h) for h in header]
        by_header = {**{old: key for old, key in OLD_HEADERS.items()
                        if key in {c.key for c in kind.columns}},
                     **{c.header: c.key for c in kind.columns}}
        position = {by_header[n]: i for i, n in enumerate(names) if n in by_header}
        missing = [c.header for c in kind.columns if c.required and c.key not in position]
        if missing:
            raise ImportRefused("表头缺少列：" + "、".join(missing) + "（请使用导入模板）")
        out: list[tuple[int, dict[str, Value]]] = []
        for number, values in enumerate(rows, start=2):
            if values is None or all(text(v) == "" for v in values):
                continue
            cells: dict[str, Value] = {
                key: (values[i] if i < len(values) else None) for key, i in position.items()}
            out.append((number, cells))
            if len(out) > MAX_ROWS:
                raise ImportRefused(f"一次最多导入 {MAX_ROWS} 行，请拆分文件")
        return out
    finally:
        wb.close()


@dataclass
class Job:
    id: str
    kind: str
    owner: str
    filename: str
    created_at: str
    #: [{"row": n, "label": str, "payload": {...} | None, "errors": {column: [..]}}]
    rows: list[dict[str, Any]] = field(default_factory=list)
    position: int = 0
    #: [{"row": n, "label": str, "status": created|duplicate|invalid|failed, "messages": [..]}]
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def done(self) -> bool:
        return self.position >= len(self.rows)

    @property
    def percent(self) -> int:
        return 100 if not self.rows else self.position * 100 // len(self.rows)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r["status"] == status)

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "processed": self.position, "total": self.total,
                "percent": self.percent, "done": self.done,
                **{s: self.count(s) for s in ("created", "duplicate", "invalid", "failed")}}


def prepare(kind: Kind, data: bytes, lookups: Lookups, *, owner: str, filename: str) -> Job:
    """Parse and check every row of the upload (no service call yet)."""
    job = Job(id=uuid.uuid4().hex, kind=kind.key, owner=owner, filename=filename[:200],
              created_at=utcnow().isoformat(timespec="seconds"))
    seen: dict[str, int] = {}
    for number, cells in read_rows(kind, data):
        payload, errors = kind.build(cells, lookups)
        label = text(cells.get(kind.unique)) or text(cells.get(kind.columns[0].key))
        unique = text(cells.get(kind.unique))
        if unique:
            first = seen.setdefault(unique, number)
            if first != number:
                errors.setdefault(kind.header_of(kind.unique), []).append(
                    f"与第 {first} 行重复")
        job.rows.append({"row": number, "label": label,
                         "payload": None if errors else payload, "errors": errors})
    return job


#: what creating one row answered: (status, messages)
Outcome = tuple[str, list[str]]


def run_chunk(job: Job, create: Callable[[dict[str, Any]], Outcome], size: int = CHUNK) -> Job:
    """Send the next ``size`` rows (rows refused at parse time are just reported)."""
    for item in job.rows[job.position:job.position + size]:
        if item["payload"] is None:
            messages = [f"{col}：{'；'.join(msgs)}" for col, msgs in item["errors"].items()]
            status = "invalid"
        else:
            status, messages = create(item["payload"])
        job.results.append({"row": item["row"], "label": item["label"], "status": status,
                            "messages": messages})
        job.position += 1
    return job


def field_messages(kind: Kind, errors: dict[str, list[str]]) -> list[str]:
    """A service's field errors (``field -> messages``) with the column names of the file."""
    out = []
    for name, msgs in errors.items():
        field_name = name.removeprefix("json.").split(".")[0]
        text_ = "；".join(msgs)
        out.append(text_ if field_name in ("_", "_schema") else
                   f"{kind.header_of(field_name)}：{text_}")
    return out


# -- the job store -----------------------------------------------------------------------------
class Store:
    """One JSON file per job; a lock file serialises the steps of one job."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, job_id: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{32}", job_id):
            raise KeyError(job_id)
        return self.root / f"{job_id}.json"

    def save(self, job: Job) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self._path(job.id)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(job.__dict__, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def load(self, job_id: str, owner: str) -> Job:
        """The job, if ``owner`` started it (anything else: KeyError)."""
        path = self._path(job_id)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeyError(job_id) from None
        job = Job(**raw)
        if job.owner != owner:
            raise KeyError(job_id)
        return job

    def purge(self, max_age_seconds: float = 7 * 86400, now: float | None = None) -> int:
        """Forget jobs (and their lock files) older than ``max_age_seconds``."""
        if not self.root.is_dir():
            return 0
        cutoff = (time.time() if now is None else now) - max_age_seconds
        gone = 0
        for path in self.root.glob("*.*"):
            if path.suffix in (".json", ".lock", ".tmp") and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                gone += path.suffix == ".json"
        return gone

    @contextmanager
    def locked(self, job_id: str, owner: str) -> Iterator[Job]:
        """The job under an exclusive lock; saved when the block ends without an error."""
        self.root.mkdir(parents=True, exist_ok=True)
        lock = self._path(job_id).with_suffix(".lock")
        with open(lock, "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                job = self.load(job_id, owner)
                yield job
                self.save(job)
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)
