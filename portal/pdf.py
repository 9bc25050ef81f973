"""Render PDFs from the app's templates with embedded fonts and a closed resource policy (P-1..P-4).

Every printed document goes through `render_pdf`: Jinja renders an app template (autoescaped,
so user text stays text), then xhtml2pdf lays it out. The resource policy lets the renderer read
only the fonts' folders and `portal/static/pdf/`, and nothing over the network, so a URL or a file
path in user data is never fetched (P-4). The fonts are TrueType files of Debian packages: the CJK
font and its fallback chain (`portal.pdf_fonts`); nothing is copied into the repository.

Every row is printed. A document's tables are `PrintedTable`s passed as `tables=`: a short one
(≤ `INLINE_ROWS` rows) is printed by the template, a long one as 附表 pages drawn by
`portal.pdf_table` in time linear in its rows (xhtml2pdf's own tables grow with the square of
their length), and the two parts are joined with pypdf. A render uses one thread, so one core.
"""
from __future__ import annotations

import io
import logging
from pathlib import Path

from flask import current_app

from portal.pdf_fonts import FontMissing, font_chain, fix_to_unicode_maps, primary_font_path, registered_font
from portal.pdf_table import INLINE_ROWS, Column, PrintedTable, render_tables

log = logging.getLogger(__name__)

__all__ = ["INLINE_ROWS", "Column", "PdfRenderError", "PrintedTable", "font_path", "render_html", "render_pdf",
           "resource_policy"]

# The app's own images and stylesheets for printed documents (logos, seals); may be absent.
ASSET_DIR = Path(__file__).resolve().parent / "static" / "pdf"
# Marker in pdf/base.html where the fallback font families a document needs are named.
FAMILIES_MARK = "/*pdf-fallback-families*/"
# The most a render may read from local files (the renderer reads no font file: they are registered once).
FONT_BYTES_LIMIT = 128 * 1024 * 1024

fix_to_unicode_maps()


class PdfRenderError(RuntimeError):
    """The PDF could not be rendered completely (missing font, refused resource, layout error)."""


def font_path() -> Path:
    """Return the configured CJK font file, or raise a clear error when it is missing."""
    try:
        return primary_font_path()
    except FontMissing as exc:
        raise PdfRenderError(str(exc)) from exc


def resource_policy():
    """Allow reads from the PDF asset folder only, nothing remote (P-4). The renderer reads no font file:
    the fonts are registered with reportlab once per process and named to it by family (_name_families)."""
    from xhtml2pdf.config.resources import ResourceAccessPolicy  # heavy import, only when printing
    return ResourceAccessPolicy.server(None, allow_remote=False, extra_roots=(ASSET_DIR,),
                                       max_local_bytes=FONT_BYTES_LIMIT, max_total_bytes=FONT_BYTES_LIMIT)


def render_html(template_name: str, **context) -> str:
    """Render an app template to HTML with autoescaping on."""
    if not template_name.endswith(".html"):
        raise ValueError(f"PDF templates must be .html files (autoescaped): {template_name}")
    template = current_app.jinja_env.get_template(template_name)
    return template.render(**context)


def _with_fallback_fonts(html: str, chain) -> str:
    """Name the fallback font families the text needs (each registered once per process); drop
    ignorables, print unknown characters as 〓."""
    html, needed = chain.prepare(html)
    used = [index for index in range(1, len(chain.paths)) if index in needed]
    _name_families(chain, [0, *used])
    families = "".join(f', "{chain.families[i]}"' for i in used)
    return html.replace(FAMILIES_MARK, families)


def _name_families(chain, indexes) -> None:
    """Name fonts of the chain to xhtml2pdf by their CSS family (swcjk, swfb1 …), each registered with
    reportlab once per process: the templates declare no @font-face, which xhtml2pdf would copy to a
    temporary file and hash on every render. Named on every render: another configuration's chain may
    have named a family to another file."""
    from xhtml2pdf import default
    for index in indexes:
        default.DEFAULT_FONT[chain.families[index]] = registered_font(chain, index)


def render_pdf(template_name: str, tables: dict[str, PrintedTable] | None = None, landscape: bool = False,
               caption: str = "", **context) -> bytes:
    """Render an app template (and its long tables as 附表 pages) to PDF bytes; raise on any error or warning.

    `tables` are passed to the template by name; `caption` and `landscape` describe the 附表 pages.
    """
    font_path()  # a clear error when the CJK font is not installed
    try:
        chain = font_chain()
    except FontMissing as exc:
        raise PdfRenderError(str(exc)) from exc
    tables = tables or {}
    appendix = [table for table in tables.values() if not table.inline]
    html = render_html(template_name, pdf_appendix=bool(appendix), **tables, **context)
    html = _with_fallback_fonts(html, chain)
    out = io.BytesIO()
    from xhtml2pdf import pisa
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=resource_policy())
    if status.err or status.warn:
        for level, line, message, fragment in status.log:
            log.warning("PDF %s %s (line %s): %s %s", template_name, level, line, message, fragment)
        raise PdfRenderError(f"PDF 生成失败：{template_name}（{status.err} 个错误，{status.warn} 个警告）")
    if not appendix:
        return out.getvalue()
    pages = render_tables(appendix, chain, caption=caption, landscape=landscape)
    return _join(out.getvalue(), pages)


def _join(*documents: bytes) -> bytes:
    """Join PDF documents page after page (pypdf)."""
    from pypdf import PdfWriter
    writer = PdfWriter()
    for document in documents:
        writer.append(io.BytesIO(document))
    joined = io.BytesIO()
    writer.write(joined)
    return joined.getvalue()
