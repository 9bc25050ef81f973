"""Read and check import files of the reference registers (CSV and XLSX, one parser for all three).

A file is a header row and data rows. A header cell names its column by key (`license_no`), by
Chinese label (`许可证编号`) or both (`许可证编号(license_no)`, as in seed/templates/). Rows are
numbered as a spreadsheet shows them (header = row 1); blank rows are skipped. Every cell is
converted and checked; problems come back as violations naming row, field and rule.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from portal.table_files import TableProblem, csv_records, xlsx_rows
from rules.violations import Violation

MAX_ROWS = 20000
HS_CODE = re.compile(r"^\d{10}$")
HEADER_KEY = re.compile(r"^.*[（(]\s*([A-Za-z_]+)\s*[)）]\s*$")
LIST_SEPARATORS = re.compile(r"[;,，；、\s]+")


@dataclass(frozen=True)
class Column:
    """One documented column of an import file."""

    key: str
    label: str
    kind: str = "text"      # text | int | decimal | date | hs | hs_list | unit | choice
    required: bool = True
    length: int = 0         # maximum length of text (0: no limit)
    exact: bool = False     # the length is exact (book no.)
    pattern: str = ""       # regular expression text must match
    choices: tuple = ()     # (value, accepted spellings…) for kind 'choice'
    note: str = ""


class FileProblem(Exception):
    """The file as a whole cannot be read (type, encoding, size)."""


def read_table(file_name: str, data: bytes) -> list[list]:
    """Return the rows of a CSV (UTF-8 or GB18030) or XLSX file (first sheet) as lists of cells.

    Read by portal/table_files.py: a CSV quote left open, or a record spanning lines, refuses the
    file with its line; an XLSX part declaring a DOCTYPE (external entities) is refused unread.
    """
    name = (file_name or "").lower()
    try:
        if name.endswith(".csv"):
            return [cells for _line, cells in csv_records(data)]
        if name.endswith(".xlsx"):
            return [cells for _line, cells in xlsx_rows(data)]
    except TableProblem as exc:
        raise FileProblem(str(exc)) from None
    raise FileProblem("仅支持 CSV 或 XLSX 文件")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def header_keys(columns: tuple[Column, ...], header: list, rule: str) -> tuple[list, list[Violation]]:
    """Map each header cell to a column key; report unknown and missing columns (row 1)."""
    by_name = {c.key.lower(): c.key for c in columns} | {c.label: c.key for c in columns}
    keys, violations = [], []
    for cell in header:
        text = "" if _blank(cell) else str(cell).strip()
        match = HEADER_KEY.match(text)
        key = by_name.get(match.group(1).lower()) if match else by_name.get(text) or by_name.get(text.lower())
        if text and key is None:
            violations.append(Violation(rule, f"rows[1].{text}", f"第 1 行：未知的列“{text}”"))
        keys.append(key)
    for column in columns:
        if column.required and column.key not in keys:
            violations.append(Violation(rule, f"rows[1].{column.key}", f"第 1 行：缺少必填列“{column.label}”"))
    return keys, violations


def _number_text(value) -> str:
    """Spreadsheet numbers as text: 3.0 → '3'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def convert(column: Column, value):
    """Return (converted value, problem or None) for one cell."""
    if _blank(value):
        return None, ("不能为空" if column.required else None)
    if column.kind == "int":
        text = _number_text(value)
        if not text.isdigit() or int(text) <= 0 or int(text) > 2 ** 31 - 1:
            return None, "必须为正整数"
        return int(text), None
    if column.kind == "decimal":
        try:
            number = Decimal(_number_text(value) if not isinstance(value, float) else repr(value))
        except InvalidOperation:
            return None, "必须为数字"
        if not number.is_finite() or number <= 0 or number >= Decimal(10) ** 14 or number.as_tuple().exponent < -4:
            return None, "必须为大于 0 的数字，最多 4 位小数"
        return number, None
    if column.kind == "date":
        if isinstance(value, datetime):
            return value.date(), None
        if isinstance(value, date):
            return value, None
        text = _number_text(value)
        for layout in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"):
            try:
                return datetime.strptime(text, layout).date(), None
            except ValueError:
                continue
        return None, "日期格式应为 YYYY-MM-DD 或 yyyyMMdd，且须为真实日期"
    if column.kind in ("hs", "hs_list"):
        parts = [p for p in LIST_SEPARATORS.split(_number_text(value)) if p]
        parts = [p.zfill(10) if p.isdigit() and len(p) < 10 and not isinstance(value, str) else p for p in parts]
        bad = [p for p in parts if not HS_CODE.fullmatch(p)]
        if bad or not parts or (column.kind == "hs" and len(parts) != 1):
            return None, f"商品编码必须为 10 位数字{'（多个用分号分隔）' if column.kind == 'hs_list' else ''}"
        return (parts if column.kind == "hs_list" else parts[0]), None
    text = _number_text(value)
    if column.kind == "unit":
        return (text.zfill(3) if text.isdigit() else text), None
    if column.kind == "choice":
        for canonical, *spellings in column.choices:
            if text.upper() == canonical or text in spellings:
                return canonical, None
        return None, "取值应为 " + "、".join(f"{c}（{'/'.join(s)}）" for c, *s in column.choices)
    if column.length and (len(text) != column.length if column.exact else len(text) > column.length):
        return None, f"长度{'必须为' if column.exact else '不能超过'} {column.length} 个字符"
    if column.pattern and not re.fullmatch(column.pattern, text):
        return None, f"格式不正确（{column.note}）" if column.note else "格式不正确"
    return text, None


def parse_rows(columns: tuple[Column, ...], table: list[list],
               rule: str) -> tuple[list[tuple[int, dict]], list[Violation]]:
    """Convert every data row into {key: value}; return (rows with their row numbers, violations)."""
    if not table:
        return [], [Violation(rule, "file", "文件为空：第 1 行须为列名")]
    keys, violations = header_keys(columns, table[0], rule)
    by_key = {c.key: c for c in columns}
    rows = []
    data_rows = [(number, cells) for number, cells in enumerate(table[1:], start=2)
                 if any(not _blank(cell) for cell in cells)]
    if len(data_rows) > MAX_ROWS:
        return [], [Violation(rule, "file", f"文件超过 {MAX_ROWS} 行，请分批导入")]
    if not data_rows:
        violations.append(Violation(rule, "file", "文件中没有数据行"))
    for number, cells in data_rows:
        values = {}
        for index, key in enumerate(keys):
            if key is not None:
                values[key] = cells[index] if index < len(cells) else None
        row = {}
        for key, column in by_key.items():
            value, problem = convert(column, values.get(key))
            if problem:
                violations.append(row_violation(rule, number, column, problem))
            row[key] = value
        rows.append((number, row))
    return rows, violations


def row_violation(rule: str, row: int, column: Column, problem: str) -> Violation:
    """Return the violation of one cell: field rows[<row>].<key>, message naming row and column."""
    return Violation(rule, f"rows[{row}].{column.key}", f"第 {row} 行“{column.label}”：{problem}")
