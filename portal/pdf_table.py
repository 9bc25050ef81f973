"""Long tables of printed documents, drawn straight on reportlab's canvas in time linear in the rows (P-3).

xhtml2pdf lays out a table of N rows in time that grows with N² (a paragraph per cell, and every
page split measures the rows left): 1,000 rows took 35 s. A document therefore prints its short
tables inline (at most `INLINE_ROWS` rows, through its template) and its long ones as 附表 pages that
this module draws: fixed column widths, text wrapped at any character (as -pdf-word-wrap: CJK does),
the header row repeated on every page, each page numbered 附表 第 i 页 / 共 n 页. Every cell goes
through the same font chain as the template (`portal.pdf_fonts`), so 王𠮷 prints here too.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Sequence

from reportlab.lib.pagesizes import A4, landscape as landscape_size
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from portal.pdf_fonts import FontChain, registered_font

# A table with more rows than this is printed as 附表 pages instead of inside the template.
INLINE_ROWS = 20
FONT_SIZE, HEADER_FONT_SIZE, TITLE_FONT_SIZE = 8.5, 8.5, 10.5
LEADING, PAD_X, PAD_Y = 10.5, 2.5, 2.5
MARGIN_TOP, MARGIN_SIDE, MARGIN_BOTTOM = 1.6 * cm, 1.5 * cm, 1.8 * cm
GRID_WIDTH = 0.6
HEADER_FILL = 0.93



@dataclass(frozen=True)
class Column:
    """A printed column: its heading, the row key it shows, its share of the width (%) and alignment."""

    header: str
    key: str
    width: float
    align: str = "left"  # left, center or right


@dataclass
class PrintedTable:
    """A table of a printed document: inline in the template when short, else drawn as 附表 pages."""

    title: str
    columns: Sequence[Column]
    rows: list = field(default_factory=list)  # dicts keyed by Column.key

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def inline(self) -> bool:
        return len(self.rows) <= INLINE_ROWS


class _Layout:
    """Wraps cell text into lines that fit a width, with per-character widths cached."""

    def __init__(self, chain: FontChain, size: float):
        self.chain, self.size = chain, size
        self.widths: dict[tuple[str, int], float] = {}
        self.primary = registered_font(chain, 0)

    def runs(self, text: str) -> list[tuple[str, str]]:
        return [(run, registered_font(self.chain, index)) for run, index in self.chain.runs(text)]

    def width(self, runs) -> float:
        return sum(pdfmetrics.stringWidth(run, font, self.size) for run, font in runs)

    def lines(self, text: str, width: float) -> list[list[tuple[str, str]]]:
        """Return the text as lines of (run, font) pieces, broken at any character to fit `width`."""
        result = []
        for paragraph in text.split("\n"):
            runs = self.runs(paragraph)
            if self.width(runs) <= width:
                result.append(runs)
                continue
            line, used = [], 0.0
            for run, font in runs:
                for char in run:
                    w = self.widths.get((font, char))
                    if w is None:
                        w = self.widths[(font, char)] = pdfmetrics.stringWidth(char, font, self.size)
                    if used + w > width and line:
                        result.append(line)
                        line, used = [], 0.0
                    if line and line[-1][1] == font:
                        line[-1] = (line[-1][0] + char, font)
                    else:
                        line.append((char, font))
                    used += w
            result.append(line)
        return result or [[]]


def _cell_lines(layout: _Layout, table: PrintedTable, widths: list[float], row) -> list:
    cells = []
    for column, width in zip(table.columns, widths):
        value = row.get(column.key) if isinstance(row, dict) else getattr(row, column.key, None)
        text, _ = layout.chain.prepare("" if value is None else str(value))
        cells.append(layout.lines(text, width - 2 * PAD_X))
    return cells


def _draw_line(text, layout: _Layout, pieces, x: float, y: float, width: float, align: str) -> None:
    """Write one line of (run, font) pieces into the page's text object."""
    if not pieces:
        return
    if align != "left":
        used = layout.width(pieces)
        x += (width - used) if align == "right" else (width - used) / 2
    text.setTextOrigin(x, y)
    for run, font in pieces:
        if font != text._fontname:
            text.setFont(font, layout.size)
        text.textOut(run)


def render_tables(tables: Sequence[PrintedTable], chain: FontChain, *, caption: str, landscape: bool,
                  title: str = "") -> bytes:
    """Draw `tables` one after another as 附表 pages and return the PDF bytes."""
    page_width, page_height = landscape_size(A4) if landscape else A4
    inner = page_width - 2 * MARGIN_SIDE
    layout = _Layout(chain, FONT_SIZE)
    pages: list[list] = []  # each page: [(table, widths, header lines, [(row lines, height)])]
    top, bottom = page_height - MARGIN_TOP, MARGIN_BOTTOM
    for table in tables:
        widths = [inner * column.width / sum(c.width for c in table.columns) for column in table.columns]
        header = [layout.lines(layout.chain.prepare(c.header)[0], w - 2 * PAD_X) for c, w in zip(table.columns, widths)]
        header_height = max(len(lines) for lines in header) * LEADING + 2 * PAD_Y
        y, current = 0.0, None
        for row in table.rows:
            cells = _cell_lines(layout, table, widths, row)
            height = max(len(lines) for lines in cells) * LEADING + 2 * PAD_Y
            if current is None or y - height < bottom:
                current = (table, widths, header, header_height, [])
                pages.append([current])
                y = top - TITLE_FONT_SIZE * 2 - header_height
            current[4].append((cells, height))
            y -= height
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(page_width, page_height), pageCompression=1, initialFontName=layout.primary,
                    initialFontSize=FONT_SIZE)
    canvas.setTitle(title or caption)
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        for table, widths, header, header_height, rows in page:
            _draw_page(canvas, layout, table, widths, header, header_height, rows, top, caption)
        footer = _Layout(chain, 7.5)
        pieces = footer.runs(chain.prepare(f"{caption}　附表 第 {number} 页 / 共 {total} 页")[0])
        text = canvas.beginText()
        text.setFont(footer.primary, footer.size)
        _draw_line(text, footer, pieces, 0, 0.9 * cm, page_width, "center")
        canvas.drawText(text)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_page(canvas: Canvas, layout: _Layout, table: PrintedTable, widths, header, header_height, rows,
               top: float, caption: str) -> None:
    left = MARGIN_SIDE
    heading = _Layout(layout.chain, TITLE_FONT_SIZE)
    text = canvas.beginText()
    text.setFont(heading.primary, heading.size)
    _draw_line(text, heading, heading.runs(heading.chain.prepare(f"附表：{table.title}（共 {table.count} 项）")[0]),
               left, top - TITLE_FONT_SIZE, 0, "left")
    canvas.drawText(text)
    y = top - TITLE_FONT_SIZE * 2
    right = left + sum(widths)
    canvas.setFillGray(HEADER_FILL)
    canvas.rect(left, y - header_height, sum(widths), header_height, stroke=0, fill=1)
    canvas.setFillGray(0)
    grid = []
    text = canvas.beginText()
    text.setFont(layout.primary, layout.size)
    for cells, height, align in [(header, header_height, None)] + [(c, h, "") for c, h in rows]:
        x = left
        for index, (lines, width) in enumerate(zip(cells, widths)):
            column_align = "center" if align is None else table.columns[index].align
            for n, pieces in enumerate(lines):
                _draw_line(text, layout, pieces, x + PAD_X, y - PAD_Y - FONT_SIZE - n * LEADING + 1,
                           width - 2 * PAD_X, column_align)
            x += width
        grid.append((left, y, right, y))
        y -= height
    grid.append((left, y, right, y))
    canvas.drawText(text)
    x = left
    for width in [0] + list(widths):
        x += width
        grid.append((x, top - TITLE_FONT_SIZE * 2, x, y))
    canvas.setLineWidth(GRID_WIDTH)
    canvas.lines(grid)
