"""Bulk import of lists with items from CSV, XLSX or JSON (C-15), the real system's "导入" clients.

JSON: ``{"lists": [<body of POST /api/v1/lists>, ...]}`` — each element has the head fields and
an ``items`` array, exactly as the API's create call.

CSV and XLSX (first worksheet): a header row, then ONE ROW PER ITEM. Head columns are repeated
on every row of a list; rows with the same ``list_ref`` form one list (lists in order of first
appearance). Headers may be the English names or the Chinese labels below (either language, even
mixed; full-width and half-width brackets alike); unknown headers are refused. CSV is UTF-8 (a
BOM is fine) or GB18030 (as saved by Chinese Excel). The downloadable templates
(list_import_template.py) have Chinese headers and the enterprise's own 备案号.

    column          中文                 required  meaning
    list_ref        清单标识              yes       any text grouping the rows of one list (e.g. 1, 2, A-001)
    list_type       清单类型              yes       IMPORT_GENERAL | IMPORT_BONDED | EXPORT_GENERAL | EXPORT_BONDED (C-8)
    customs_code    申报地海关            yes       4-digit customs code (关区代码) (C-8, C-9)
    filing_no       备案号                yes       12 characters: customs volume no. (general lists) or
                                                    book / manual no. (bonded lists) (C-10)
    transport_mode  运输方式              yes       one-character transport mode code; 2 = 水路运输 (C-11, C-13)
    vessel_name     运输工具名称          waterway  vessel name (must match the manifest, C-13)
    voyage_no       航次号                waterway  voyage no. (C-13)
    bill_no         提运单号              waterway  B/L no. (C-13)
    packages        件数                  yes       whole number > 0 (C-11)
    gross_weight    毛重                  yes       kilograms > 0, up to 4 decimals (C-11)
    net_weight      净重                  yes       kilograms > 0, ≤ gross weight (C-11)
    license_no      许可证号              licence   <licence code>:<licence number> (C-12)
    filing_seq      备案序号              item      seq of an active item of the volume / book (C-10)
    qty             数量                  item      > 0, up to 4 decimals (C-11)
    unit_price      单价                  item      ≥ 0, up to 4 decimals; total = qty × price, 2 decimals (C-11)
    currency        币制                  item      ISO 4217 code, e.g. USD (C-11)
    country         国别（地区）          item      ISO 3166-1 alpha-3 code, e.g. AUS (C-11)
    spec            规格型号（申报要素）  no        declaration elements; blank copies the filed spec (C-10 重新归类)

Each list is checked with everything the declare step checks (list_checks.declare_violations:
C-9 filing, C-10 备案号 and 备案序号, C-11 weights, packages, items and codes, C-12 licences,
C-13 manifest) on top of the save rules (C-8) and the file's own rules (C-15); a list with any
violation is not created. Every violation is reported with its list (1-based, in file order),
row (the file line of the item or of the list's first row; null for JSON), field and rule id.
Import is all-or-nothing per list (one savepoint each); valid lists are created even when others
fail. With ``declare`` each created list is then declared through lists.declare_list, the one
declare operation, inside the same savepoint, so a list that fails there (e.g. a licence used up
by an earlier list of the same file) is neither created nor declared.

Files are read by portal/table_files.py, which never drops or merges a row: a quote left open
refuses the whole file with its line, a row with more or fewer cells than the header is refused
with its line (its list is not created), XLSX packages with a DOCTYPE and JSON nested deeper than
32 levels are refused before parsing.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError

from portal import audit, clock, numbering
from portal.collection.list_checks import declare_violations
from portal.collection.list_import_template import COLUMNS, HEADER_LABELS
from portal.collection.lists import declare_list
from portal.collection.list_values import HEAD_FIELDS, ITEM_FIELDS, Lookups, clean_head, clean_items, item_rows
from portal.models import ListHead, ListItem
from portal.print_guard import refuse_unprintable_rows
from portal.table_files import TableProblem, cell_text, csv_records, load_json, width_problem, xlsx_rows
from rules.violations import RuleError, Violation

REQUIRED_COLUMNS = ("list_ref", "list_type", "customs_code")
MAX_ITEMS_PER_LIST = 1000
SAVE_FIELDS = ("list_type", "customs_code")


def header_key(text) -> str:
    """Normalise a header cell: NFKC (full-width brackets → half-width), no spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split()).lower()


ALIASES = {header_key(name): name for name in COLUMNS} | {header_key(label): name for name, label in
                                                          HEADER_LABELS.items()} | \
          {header_key("国别"): "country", header_key("规格型号"): "spec", header_key("申报要素"): "spec"}


@dataclass
class Draft:
    """One list read from the file, before checks."""

    index: int
    head: dict
    head_row: int | None = None
    ref: str | None = None
    items: list[dict] = field(default_factory=list)
    rows: list[int | None] = field(default_factory=list)
    problems: list[Violation] = field(default_factory=list)


@dataclass
class ImportResult:
    """What an import created (and declared) and every error it found."""

    created: list[str] = field(default_factory=list)
    declared: list[str] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)


def _file_error(message: str, line: int | None = None) -> RuleError:
    """A problem of the whole file (at `line` when known): nothing of it is imported."""
    return RuleError([Violation("C-15", f"row:{line}:file" if line else "file", message)])


def _header_names(header: list) -> list[str]:
    """Map header cells to column names; refuse unknown and missing columns."""
    names = [ALIASES.get(header_key(h), header_key(h)) for h in header]
    unknown = [str(h).strip() for h, n in zip(header, names) if n and n not in COLUMNS]
    missing = [f"{c}（{HEADER_LABELS[c]}）" for c in REQUIRED_COLUMNS if c not in names]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if unknown or missing or repeated:
        parts = ([f"无法识别的列：{'、'.join(unknown)}"] if unknown else []) + \
                ([f"缺少必需的列：{'、'.join(missing)}"] if missing else []) + \
                ([f"列重复：{'、'.join(repeated)}"] if repeated else [])
        raise _file_error("第 1 行（表头）" + "；".join(parts) + "（列说明见导入模板）", 1)
    return names


def _group_rows(header: list, records, short_ok: bool) -> list[Draft]:
    """Group (line, cells) records of a CSV / XLSX sheet into lists by list_ref; refuse misshapen rows."""
    names = _header_names(header)
    ref_at = names.index("list_ref")
    drafts: dict[str, Draft] = {}
    orphans = Draft(0, {})
    for line, cells in records:
        if not any(str(c).strip() for c in cells if c is not None):
            continue
        ref = str(cells[ref_at]).strip() if ref_at < len(cells) and cells[ref_at] is not None else ""
        problem = width_problem(len(header), cells, short_ok)
        unnamed = [i + 1 for i, (n, c) in enumerate(zip(names, cells)) if not n and c is not None and str(c).strip()]
        if problem is None and unnamed:
            problem = f"第 {'、'.join(map(str, unnamed))} 列有内容但表头没有列名"
        if not ref:
            orphans.problems.append(Violation("C-15", f"row:{line}:{'row' if problem else 'list_ref'}",
                                              problem or "清单标识不能为空"))
            continue
        row = {name: (str(value).strip() if value is not None else "") for name, value in zip(names, cells) if name}
        draft = drafts.get(ref)
        if draft is None:
            draft = drafts[ref] = Draft(len(drafts) + 1, {n: row.get(n) for n in HEAD_FIELDS}, line, ref)
        if problem:
            draft.problems.append(Violation("C-15", f"row:{line}:row", problem))
            continue
        if line != draft.head_row:
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
    """Read a CSV file (UTF-8 with or without BOM, or GB18030); malformed records refuse the file."""
    try:
        records = list(csv_records(data))
    except TableProblem as exc:
        raise _file_error(str(exc), exc.line) from None
    if not records:
        raise _file_error("文件为空")
    return _group_rows(records[0][1], records[1:], short_ok=False)


def read_xlsx(data: bytes) -> list[Draft]:
    """Read the first worksheet of an XLSX file (DOCTYPEs refused, entities never expanded)."""
    try:
        rows = xlsx_rows(data)
    except TableProblem as exc:
        raise _file_error(str(exc), exc.line) from None
    header = [cell_text(v) for v in rows[0][1]] if rows else []
    while header and not header[-1]:
        header.pop()
    if not any(header):
        raise _file_error("文件为空")
    return _group_rows(header, [(line, [cell_text(v) for v in cells]) for line, cells in rows[1:]], short_ok=True)


def read_json(data: bytes) -> list[Draft]:
    """Read {"lists": [<POST /lists body>, ...]} (nesting depth bounded)."""
    try:
        document = load_json(data)
    except TableProblem as exc:
        raise _file_error(str(exc), exc.line) from None
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
    return {"list": draft.index or None, "list_ref": draft.ref, "row": row, "field": name, "rule": violation.rule,
            "message": violation.message}


def check_draft(session, lookups: Lookups, draft: Draft) -> tuple[dict, list[dict], list[Violation]]:
    """Every check of a list: the file's (C-15), saving (C-8) and declaring (C-9..C-13, list_checks)."""
    values, found = clean_head(draft.head, lookups.codes("customs"))
    items, problems = clean_items(draft.items)
    found += draft.problems + problems
    if len(draft.items) > MAX_ITEMS_PER_LIST:
        found.append(Violation("C-15", "items", f"一票清单最多 {MAX_ITEMS_PER_LIST} 项商品"))
    if any(v.field in SAVE_FIELDS for v in found):
        return values, items, found  # without a known list type and customs the declare checks cannot run
    unreadable = {v.field for v in found}
    if any(v.field.endswith(":row") for v in draft.problems):
        unreadable.add("items")  # a refused row is a missing item: "no items" would only repeat it
    checked = declare_violations(session, lookups, None, values, items)
    found += [v for v in checked.violations if v.field not in unreadable]
    return values, items, found


def _insert_list(session, lookups: Lookups, number: str, values: dict, items: list[dict]) -> int:
    """Insert one checked list: its head (with its audit row) and its items in one executemany; return its id."""
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
    return head_id


def _create(session, identity, lookups: Lookups, number: str, values: dict, items: list[dict],
            declare: bool) -> None:
    """Create one list (and declare it through the one declare operation when asked); raise to undo both."""
    head_id = _insert_list(session, lookups, number, values, items)
    if declare:
        declare_list(session, identity, session.get(ListHead, head_id))


def import_lists(session, identity, filename: str, data: bytes, declare: bool = False) -> ImportResult:
    """Create every list of the file that passes all checks, declared too when `declare` (C-15)."""
    identity.require_module_c()
    try:
        drafts = read_lists(filename, data)
        if not drafts:
            raise _file_error("文件中没有清单")
    except RuleError as error:  # the file as a whole: reported in the same shape as a list's errors
        return ImportResult(violations=[_located(Draft(0, {}), v) for v in error.violations])
    lookups = Lookups(session, identity.enterprise_id)
    lookups.preload((str(d.head.get("list_type") or "").strip().upper(), str(d.head.get("filing_no") or "").strip())
                    for d in drafts)
    result, valid = ImportResult(), []
    for draft in drafts:
        values, items, found = check_draft(session, lookups, draft)
        if found:
            result.violations += [_located(draft, v) for v in found]
        else:
            valid.append((draft, values, items))
    numbers = numbering.next_numbers(session, "list", len(valid)) if valid else []
    for (draft, values, items), number in zip(valid, numbers):
        try:
            with session.begin_nested():
                _create(session, identity, lookups, number, values, items, declare)
        except RuleError as error:
            result.violations += [_located(draft, v) for v in error.violations]
            continue
        except SQLAlchemyError as exc:
            result.violations.append(_located(draft, Violation("C-15", "list",
                                                               f"清单保存失败：{type(exc).__name__}")))
            continue
        result.created.append(number)
        if declare:
            result.declared.append(number)
    result.violations.sort(key=lambda v: (v["list"] or 0, v["row"] or 0))
    return result
