"""File downloads (CSV, XLSX, JSON exports and templates): one place that sets content type and file name.

Werkzeug appends `; charset=utf-8` to every `text/*` mimetype by itself, so a mimetype that
already carries the charset came out as `text/csv; charset=utf-8; charset=utf-8`. Here the
mimetype is the bare type and the header reads `text/csv; charset=utf-8` exactly once.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Response

MIMETYPES = {"csv": "text/csv", "json": "application/json",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def attachment(body, file_name: str, kind: str) -> Response:
    """Return `body` (bytes, text or an iterator of text) as a download named `file_name` of `kind` (csv, xlsx, json)."""
    ascii_name = file_name.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f"attachment; filename={ascii_name}"
    if ascii_name != file_name:
        disposition += f"; filename*=UTF-8''{quote(file_name)}"
    return Response(body, mimetype=MIMETYPES[kind], headers={"Content-Disposition": disposition})
