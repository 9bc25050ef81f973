"""Read uploaded tables and JSON safely: strict CSV, XLSX without DTDs or entities, JSON of bounded depth.

Used by the list import (C-15) and the reference-register import. Every reader either returns
what the file holds, line by line, or raises `TableProblem` with a Chinese message naming the
line — it never drops, merges or truncates a row silently, and never lets a parser error through
as a 500:

- CSV: UTF-8 (a BOM is fine) or GB18030; the csv module in strict mode, so a quote left open
  fails instead of swallowing the rest of the file; a record spanning several lines (a quote
  opened on one line and closed on another) is refused with its line range, since no column of
  our imports holds a line break. Each record comes with its first line number; `width_problem`
  tells when a row has more or fewer cells than the header.
- XLSX: every part of the package is scanned with expat (parameter entities off) up to its root
  element; a part that declares a DOCTYPE (the carrier of external entities and entity bombs —
  Office never writes one) is refused before openpyxl sees the file. The package's unpacked
  size is bounded (zip bombs), and any parse error while reading rows is a `TableProblem`.
- JSON: the nesting depth is measured on the text before parsing (strings skipped), so a
  document nested 50,000 deep is refused instead of exhausting the parser's recursion.
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date, datetime
from typing import Iterator
from xml.parsers import expat

MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKETS = re.compile(r"[\[\]{}]")


class TableProblem(Exception):
    """The file as a whole cannot be read; the message (Chinese) says where and why, `line` where known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def decode_text(data: bytes, kind: str = "CSV") -> str:
    """Decode UTF-8 (with or without BOM) or GB18030 text."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableProblem(f"{kind} 文件编码无法识别，请使用 UTF-8 或 GB18030")


def csv_records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, cells) of every CSV record; raise TableProblem on a malformed record."""
    reader = csv.reader(io.StringIO(decode_text(data), newline=""), strict=True)
    last_line = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise TableProblem(f"CSV 第 {last_line + 1} 行格式错误（{_csv_reason(exc)}），"
                               f"请检查该行的引号是否成对", last_line + 1) from None
        first_line, last_line = last_line + 1, reader.line_num
        if last_line > first_line and any("\n" in cell or "\r" in cell for cell in cells):
            raise TableProblem(f"CSV 第 {first_line}–{last_line} 行被读成了一行：第 {first_line} 行的引号未闭合，"
                               f"请检查该行的引号是否成对", first_line)
        yield first_line, cells


def _csv_reason(exc: csv.Error) -> str:
    text = str(exc)
    if "unexpected end of data" in text:
        return "引号未闭合，直到文件末尾"
    if "delimiter" in text or "quotechar" in text:
        return "引号后须紧跟逗号或换行"
    return text


def width_problem(header_width: int, cells: list, short_ok: bool = False) -> str | None:
    """Return why a data row's cell count differs from the header's (None when it fits).

    Blank cells past the header (trailing commas, spreadsheet padding) lose nothing and pass;
    `short_ok` lets a spreadsheet row end early (its missing cells are empty cells).
    """
    if len(cells) > header_width and any(_filled(c) for c in cells[header_width:]):
        return f"本行有 {len(cells)} 个单元格，多于表头的 {header_width} 列，多出的内容无处导入"
    if not short_ok and 0 < len(cells) < header_width:
        return f"本行只有 {len(cells)} 个单元格，少于表头的 {header_width} 列，请检查是否漏了逗号"
    return None


def _filled(value) -> bool:
    return value is not None and str(value).strip() != ""


class _RootReached(Exception):
    pass


class _DoctypeFound(Exception):
    pass


def _declares_doctype(stream) -> bool:
    """Parse an XML part up to its root element and tell whether it declares a DOCTYPE."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def doctype(*_args):
        raise _DoctypeFound

    def root(*_args):
        raise _RootReached

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        while chunk := stream.read(64 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _DoctypeFound:
        return True
    except (_RootReached, expat.ExpatError):
        return False
    return False


def check_xlsx_package(data: bytes) -> None:
    """Refuse an XLSX package that is not a zip, unpacks too large, or has a part with a DOCTYPE."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        members = package.infolist()
        if sum(m.file_size for m in members) > MAX_XLSX_UNPACKED_BYTES:
            raise TableProblem("XLSX 文件解压后过大，请分批导入")
        for member in members:
            with package.open(member) as stream:
                if _declares_doctype(stream):
                    raise TableProblem(f"XLSX 文件的 {member.filename} 含有 DTD/实体声明，出于安全原因不予读取；"
                                       f"请用 Excel 或 WPS 另存为 .xlsx 后重新导入")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as exc:
        raise TableProblem(f"XLSX 文件无法读取（{type(exc).__name__}），请确认文件未损坏") from None


def cell_text(value) -> str | None:
    """Turn a spreadsheet cell into text (integral floats without .0, dates as ISO)."""
    if value is None:
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def xlsx_rows(data: bytes) -> list[tuple[int, list]]:
    """Return (row number, cell values) of every row of the first worksheet, after the package checks."""
    check_xlsx_package(data)
    from openpyxl import load_workbook
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged package
        raise TableProblem(f"XLSX 文件无法读取（{type(exc).__name__}），请确认文件未损坏") from None
    try:
        if not book.worksheets:
            raise TableProblem("XLSX 文件中没有工作表")
        return [(line, list(cells)) for line, cells in enumerate(book.worksheets[0].iter_rows(values_only=True), 1)]
    except TableProblem:
        raise
    except Exception as exc:  # a damaged worksheet surfaces only while its rows are read
        raise TableProblem(f"XLSX 工作表无法读取（{type(exc).__name__}），请确认文件未损坏") from None
    finally:
        book.close()


def json_depth(text: str, limit: int) -> int:
    """Return the nesting depth of a JSON text, stopping as soon as it exceeds `limit`."""
    depth = deepest = 0
    for match in _JSON_BRACKETS.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest


def load_json(data: bytes, max_depth: int = MAX_JSON_DEPTH):
    """Parse a JSON document whose nesting is at most `max_depth`; else raise TableProblem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableProblem("JSON 文件须为 UTF-8 编码") from None
    if json_depth(text, max_depth) > max_depth:
        raise TableProblem(f"JSON 嵌套层数超过 {max_depth} 层，不予读取")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise TableProblem(f"JSON 格式错误：{exc}") from None
