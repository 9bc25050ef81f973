"""Render PDFs from the app's templates with an embedded CJK font and a closed resource policy (P-1..P-4).

Every printed document goes through `render_pdf`: Jinja renders an app template (autoescaped,
so user text stays text), then xhtml2pdf lays it out. The resource policy lets the renderer read
only the font's folder and `portal/static/pdf/`, and nothing over the network, so a URL or a file
path in user data is never fetched (P-4). The font is a TrueType collection from the Debian
package fonts-wqy-microhei (`PDF_FONT_PATH`); nothing is copied into the repository.

Cost grows faster than linearly with table length (≈1 s for 500 rows, 3 s for 1,000), and
xhtml2pdf renders one document at a time per process, so long tables are capped: callers pass
lists through `cap_rows`, which keeps at most `MAX_ROWS_PER_DOCUMENT` rows and reports how many
were left out (the `omitted_note` macro of pdf/_macros.html prints that count).
"""
from __future__ import annotations

import io
import logging
import os
from pathlib import Path
from typing import Iterable, NamedTuple

from flask import current_app, has_app_context

log = logging.getLogger(__name__)

DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
# The app's own images and stylesheets for printed documents (logos, seals); may be absent.
ASSET_DIR = Path(__file__).resolve().parent / "static" / "pdf"
# At most this many table rows in one document; the rest is summarised as a count.
MAX_ROWS_PER_DOCUMENT = 500


class PdfRenderError(RuntimeError):
    """The PDF could not be rendered completely (missing font, refused resource, layout error)."""


class CappedRows(NamedTuple):
    """The rows a document prints and how many were left out."""

    rows: list
    omitted: int


def cap_rows(rows: Iterable, limit: int = MAX_ROWS_PER_DOCUMENT) -> CappedRows:
    """Keep the first `limit` rows and count the rest."""
    kept, omitted = [], 0
    for row in rows:
        if len(kept) < limit:
            kept.append(row)
        else:
            omitted += 1
    return CappedRows(kept, omitted)


def font_path() -> Path:
    """Return the configured CJK font file, or raise a clear error when it is missing."""
    configured = current_app.config.get("PDF_FONT_PATH") if has_app_context() else None
    path = Path(configured or os.environ.get("PDF_FONT_PATH") or DEFAULT_FONT_PATH)
    if not path.is_file():
        raise PdfRenderError(
            f"PDF 中文字体文件不存在：{path}。请安装 Debian 软件包 fonts-wqy-microhei，或设置 PDF_FONT_PATH "
            f"指向一个 TrueType（.ttf/.ttc）中文字体。(PDF CJK font not found: {path}; "
            "apt-get install fonts-wqy-microhei or set PDF_FONT_PATH.)")
    if path.suffix.lower() not in {".ttf", ".ttc"}:
        raise PdfRenderError(f"PDF 中文字体必须是 TrueType 字体（.ttf/.ttc）：{path}")
    return path.resolve()


def resource_policy(font: Path):
    """Allow reads from the font folder and the PDF asset folder only, nothing remote (P-4)."""
    from xhtml2pdf.config.resources import ResourceAccessPolicy  # heavy import, only when printing
    return ResourceAccessPolicy.server(None, allow_remote=False, extra_roots=(font.parent, ASSET_DIR))


def render_html(template_name: str, **context) -> str:
    """Render an app template to HTML with autoescaping on."""
    if not template_name.endswith(".html"):
        raise ValueError(f"PDF templates must be .html files (autoescaped): {template_name}")
    template = current_app.jinja_env.get_template(template_name)
    return template.render(**context)


def render_pdf(template_name: str, **context) -> bytes:
    """Render an app template to PDF bytes with the embedded CJK font; raise on any error or warning."""
    font = font_path()
    html = render_html(template_name, pdf_font_url=font.as_posix(), **context)
    out = io.BytesIO()
    from xhtml2pdf import pisa
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=resource_policy(font))
    if status.err or status.warn:
        for level, line, message, fragment in status.log:
            log.warning("PDF %s %s (line %s): %s %s", template_name, level, line, message, fragment)
        raise PdfRenderError(f"PDF 生成失败：{template_name}（{status.err} 个错误，{status.warn} 个警告）")
    return out.getvalue()
