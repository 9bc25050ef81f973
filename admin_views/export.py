"""Streamed CSV and XLSX writers; cells that a spreadsheet would run as formulas are neutralised (X-2)."""
from __future__ import annotations

import csv
import io
import re
import tempfile
from typing import Iterable, Iterator

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_BYTES = 64 * 1024
SHEET_TITLE_FORBIDDEN = re.compile(r"[\\*?:/\[\]]")


def neutralise(value):
    """Prefix a single quote to text that begins like a formula (X-2); other values are returned as is."""
    if value.__class__ is str and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_stream(header: list[str], batches: Iterable[list[list]]) -> Iterator[str]:
    """Yield a UTF-8 CSV (with BOM, so spreadsheets detect the encoding) one batch of rows at a time.

    The rows' text cells must already be neutralised (see `neutralise`, applied by the caller)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in header])
    yield "\ufeff" + buffer.getvalue()
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch)
        yield buffer.getvalue()


def xlsx_text(value):
    """Neutralise text for a spreadsheet cell and drop the control characters XML cannot hold."""
    value = neutralise(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if value.__class__ is str else value


def xlsx_stream(title: str, header: list[str], batches: Iterable[list[list]]) -> Iterator[bytes]:
    """Yield an XLSX file: rows go through a write-only workbook to a temporary file, then out in chunks.

    The rows' text cells must already have passed `xlsx_text`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=SHEET_TITLE_FORBIDDEN.sub("_", title)[:31] or "Sheet1")
    sheet.append([xlsx_text(h) for h in header])
    for batch in batches:
        for row in batch:
            sheet.append(row)
    with tempfile.TemporaryFile() as spool:
        workbook.save(spool)
        spool.seek(0)
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk
