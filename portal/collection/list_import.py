"""Bulk import of lists with items from CSV, XLSX or JSON (C-15), the real system's "导入" clients.

JSON: ``{"lists": [<body of POST /api/v1/lists>, ...]}`` — each element has the head fields and
an ``items`` array, exactly as the API's create call.

CSV and XLSX (first worksheet): a header row, then ONE ROW PER ITEM. Head columns are repeated
on every row of a list; rows with the same ``list_ref`` form one list (lists in order of first
appearance). A row whose item columns are all blank adds no item (a list with no items yet).
Headers may be the English names or the Chinese labels below; unknown headers are refused.
CSV is UTF-8 (a BOM is fine) or GB18030 (as saved by Chinese Excel).

    column          中文            required  meaning
    list_ref        清单标识         yes       any text grouping the rows of one list (e.g. 1, 2, A-001)
    list_type       清单类型         yes       IMPORT_GENERAL | IMPORT_BONDED | EXPORT_GENERAL | EXPORT_BONDED (C-8)
    customs_code    申报地海关       yes       4-digit customs code (关区代码) (C-8, C-9)
    filing_no       备案号           no        12 characters: customs volume no. (general lists) or
                                               book / manual no. (bonded lists) (C-10)
    transport_mode  运输方式         no        one-character transport mode code; 2 = 水路运输 (C-11, C-13)
    vessel_name     运输工具名称     no        vessel name (waterway: must match the manifest, C-13)
    voyage_no       航次号           no        voyage no. (C-13)
    bill_no         提运单号         no        B/L no. (C-13)
    packages        件数             no        whole number > 0 (C-11)
    gross_weight    毛重             no        kilograms, up to 4 decimals (C-11)
    net_weight      净重             no        kilograms, ≤ gross weight (C-11)
    license_no      许可证号         no        <licence code>:<licence number> (C-12)
    filing_seq      备案序号         item      seq of the item in the volume / book (C-10)
    qty             数量             item      > 0, up to 4 decimals (C-11)
    unit_price      单价             item      ≥ 0, up to 4 decimals; total = qty × price, 2 decimals (C-11)
    currency        币制             item      ISO 4217 code, e.g. USD (C-11)
    country         国别（地区）     item      ISO 3166-1 alpha-3 code, e.g. AUS (C-11)
    spec            规格型号         no        declaration elements; blank copies the filed spec (C-10 重新归类)

Each list is created as a 暂存 (status 1) draft when it passes the save rules (C-8) plus the item
rules (C-11 item checks; C-10: each 备案序号 an active item when the 备案号 names a known volume or
book); it is all-or-nothing per list (one savepoint each) and valid lists are created even when
others fail. Every error is reported with its list (1-based, in file order), row (the file line;
null for JSON), field and rule id. Filed items and code sets are loaded once per import, center
numbers reserved in one step, and items inserted with one executemany per list.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

from portal import audit, clock, numbering
from portal.collection.list_values import (HEAD_FIELDS, ITEM_FIELDS, LABELS, Lookups, clean_head, clean_items,
                                           item_rows)
from portal.models import ListHead, ListItem
from portal.print_guard import refuse_unprintable_rows
from rules.lists import item_violations
from rules.violations import RuleError, Violation

COLUMNS = ("list_ref",) + HEAD_FIELDS + ITEM_FIELDS
ALIASES = {"清单标识": "list_ref", **{label: name for name, label in LABELS.items()}, "国别": "country",
           "规格型号": "spec"}
REQUIRED_COLUMNS = ("list_ref", "list_type", "customs_code")
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "seed" / "templates"
MAX_ITEMS_PER_LIST = 1000


@dataclass
class Draft:
    """One list read from the file, before checks."""

    index: int
    head: dict
    head_row: int | None = None
    items: list[dict] = field(default_factory=list)
    rows: list[int | None] = field(default_factory=list)
    problems: list[Violation] = field(default_factory=list)


@dataclass
class ImportResult:
    """What an import created and every error it found."""

    created: list[str] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)


def _file_error(message: str) -> RuleError:
    return RuleError([Violation("C-15", "file", message)])


def _cell(value) -> str | None:
    """Turn a spreadsheet cell into text (integral floats without .0)."""
    if value is None:
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _group_rows(header: list, records) -> list[Draft]:
    """Group (line, cells) records of a CSV / XLSX sheet into lists by list_ref."""
    names = [ALIASES.get((h or "").strip(), (h or "").strip()) for h in header]
    unknown = [h for h, n in zip(header, names) if n and n not in COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if unknown or missing:
        parts = ([f"无法识别的列：{'、'.join(map(str, unknown))}"] if unknown else []) + \
                ([f"缺少必需的列：{'、'.join(missing)}"] if missing else [])
        raise _file_error("；".join(parts) + "（列说明见导入模板）")
    drafts: dict[str, Draft] = {}
    orphans = Draft(0, {})
    for line, cells in records:
        row = {name: (str(value).strip() if value is not None else "") for name, value in zip(names, cells) if name}
        if not any(row.values()):
            continue
        ref = row.get("list_ref", "")
        if not ref:
            orphans.problems.append(Violation("C-15", f"row:{line}:list_ref", "清单标识不能为空"))
            continue
        draft = drafts.get(ref)
        if draft is None:
            draft = drafts[ref] = Draft(len(drafts) + 1, {n: row.get(n) for n in HEAD_FIELDS}, line)
        else:
            for name in HEAD_FIELDS:
                if row.get(name) and draft.head.get(name) != row[name]:
                    draft.problems.append(Violation("C-15", f"row:{line}:{name}",
                                                    f"同一清单的表头字段须一致（第 {draft.head_row} 行为"
                                                    f"“{draft.head.get(name) or ''}”）"))
        if any(row.get(name) for name in ITEM_FIELDS):
            draft.items.append({name: row.get(name) for name in ITEM_FIELDS})
            draft.rows.append(line)
    return ([orphans] if orphans.problems else []) + list(drafts.values())


def read_csv(data: bytes) -> list[Draft]:
    """Read a CSV file (UTF-8 with or without BOM, or GB18030)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _file_error("CSV 文件编码无法识别，请使用 UTF-8 或 GB18030")
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise _file_error("文件为空") from None
    except csv.Error as exc:
        raise _file_error(f"CSV 格式错误：{exc}") from None
    try:
        return _group_rows(header, ((reader.line_num, cells) for cells in reader))
    except csv.Error as exc:
        raise _file_error(f"CSV 第 {reader.line_num} 行格式错误：{exc}") from None


def read_xlsx(data: bytes) -> list[Draft]:
    """Read the first worksheet of an XLSX file (read-only mode)."""
    from openpyxl import load_workbook
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _file_error(f"XLSX 文件无法读取：{exc}") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [_cell(v) for v in next(rows, ())]
        if not any(header):
            raise _file_error("文件为空")
        return _group_rows(header, ((line, [_cell(v) for v in cells]) for line, cells in enumerate(rows, 2)))
    finally:
        book.close()


def read_json(data: bytes) -> list[Draft]:
    """Read {"lists": [<POST /lists body>, ...]}."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _file_error(f"JSON 格式错误：{exc}") from None
    lists = document.get("lists") if isinstance(document, dict) else None
    if not isinstance(lists, list):
        raise _file_error("JSON 须为 {\"lists\": [清单, ...]}")
    drafts = []
    for index, body in enumerate(lists, 1):
        if not isinstance(body, dict):
            drafts.append(Draft(index, {}, problems=[Violation("C-15", "list", "清单必须是对象")]))
            continue
        draft = Draft(index, {n: body.get(n) for n in HEAD_FIELDS})
        draft.problems += [Violation("C-15", key, "不支持的字段") for key in body
                           if key not in HEAD_FIELDS and key != "items"]
        items = body.get("items") or []
        if not isinstance(items, list):
            draft.problems.append(Violation("C-15", "items", "items 必须是数组"))
            items = []
        draft.items = items
        draft.rows = [None] * len(items)
        drafts.append(draft)
    return drafts


def read_lists(filename: str, data: bytes) -> list[Draft]:
    """Read an import file by its extension (or its first bytes)."""
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".xlsx" or (not suffix and data[:2] == b"PK"):
        return read_xlsx(data)
    if suffix == ".json" or (not suffix and data.lstrip()[:1] == b"{"):
        return read_json(data)
    if suffix in (".csv", ".txt", ""):
        return read_csv(data)
    raise _file_error("仅支持 CSV、XLSX、JSON 文件")


def _located(draft: Draft, violation: Violation) -> dict:
    """Give a violation its list, file row and field (CSV/XLSX: the column name)."""
    row, name = draft.head_row, violation.field
    if name.startswith("row:"):
        _, line, name = name.split(":", 2)
        row = int(line)
    elif name.startswith("items["):
        index = int(name[6:name.index("]")])
        rest = name[name.index("]") + 2:] if "]." in name else "items"
        if index < len(draft.rows) and draft.rows[index] is not None:
            row, name = draft.rows[index], rest
        else:
            row = None
    return {"list": draft.index or None, "row": row, "field": name, "rule": violation.rule,
            "message": violation.message}


def check_draft(lookups: Lookups, draft: Draft) -> tuple[dict, list[dict], list[Violation]]:
    """Save rules (C-8) plus item rules (C-11; C-10 when the 备案号 names a known volume or book)."""
    values, found = clean_head(draft.head, lookups.codes("customs"))
    items, problems = clean_items(draft.items)
    found += draft.problems + problems
    if len(draft.items) > MAX_ITEMS_PER_LIST:
        found.append(Violation("C-15", "items", f"一票清单最多 {MAX_ITEMS_PER_LIST} 项商品"))
    flagged = {v.field for v in problems}
    currencies, countries = lookups.codes("currencies"), lookups.codes("countries")
    book = lookups.book(values.get("list_type"), values.get("filing_no"))
    for index, item in enumerate(items):
        found += [v for v in item_violations(item, index, currencies, countries) if v.field not in flagged]
        if book is None or item.get("filing_seq") is None:
            continue
        filed = book.items.get(item["filing_seq"])
        if filed is None or not filed.active:
            found.append(Violation("C-10", f"items[{index}].filing_seq",
                                   f"备案序号 {item.get('filing_seq')} 不是备案号 {book.number} 下有效的商品"))
    return values, items, found


def _insert_list(session, lookups: Lookups, number: str, values: dict, items: list[dict]) -> None:
    """Insert one checked list: its head (with its audit row) and its items in one executemany."""
    filing = lookups.filing_for_save(values["list_type"], values["customs_code"])
    now = clock.now_naive()
    head = {"center_no": number, "enterprise_id": lookups.enterprise_id, "status": 1, "overdue": False,
            "version": 1, "filing_id": filing.id if filing is not None else None, **values}
    refuse_unprintable_rows(ListHead, [values])  # a Core INSERT: no flush sees it (P-3)
    table = ListHead.__table__
    head_id = session.execute(insert(table).values(created_at=now, updated_at=now, **head)
                              .returning(table.c.id)).scalar_one()
    audit.record(session, table.name, head_id, "create", {name: (None, value) for name, value in head.items()})
    if items:
        book = lookups.book(values["list_type"], values["filing_no"])
        rows = [{**row, "created_at": now, "updated_at": now}
                for row in item_rows(items, book, head_id, lookups.enterprise_id)]
        session.execute(insert(ListItem.__table__), rows)


def import_lists(session, identity, filename: str, data: bytes) -> ImportResult:
    """Create every valid list of the file as a 暂存 draft; report every error of the others (C-15)."""
    identity.require_module_c()
    drafts = read_lists(filename, data)
    if not drafts:
        raise _file_error("文件中没有清单")
    lookups = Lookups(session, identity.enterprise_id)
    lookups.preload((str(d.head.get("list_type") or "").strip().upper(), str(d.head.get("filing_no") or "").strip())
                    for d in drafts)
    result, valid = ImportResult(), []
    for draft in drafts:
        values, items, found = check_draft(lookups, draft)
        if found:
            result.violations += [_located(draft, v) for v in found]
        else:
            valid.append((draft, values, items))
    numbers = numbering.next_numbers(session, "list", len(valid)) if valid else []
    for (draft, values, items), number in zip(valid, numbers):
        try:
            with session.begin_nested():
                _insert_list(session, lookups, number, values, items)
        except SQLAlchemyError as exc:
            result.violations.append({"list": draft.index, "row": draft.head_row, "field": "list", "rule": "C-15",
                                      "message": f"清单保存失败：{type(exc).__name__}"})
            continue
        result.created.append(number)
    result.violations.sort(key=lambda v: (v["list"] or 0, v["row"] or 0))
    return result


def template_bytes(kind: str) -> tuple[bytes, str]:
    """Return an import template (csv, json, or xlsx generated from the CSV one) and its content type."""
    if kind == "json":
        return (TEMPLATE_DIR / "lists_import.json").read_bytes(), "application/json"
    content = (TEMPLATE_DIR / "lists_import.csv").read_bytes()
    if kind == "csv":
        return content, "text/csv; charset=utf-8"
    if kind != "xlsx":
        raise RuleError([Violation("C-15", "format", "模板格式须为 csv、xlsx 或 json")], status=404)
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.title = "lists"
    for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
