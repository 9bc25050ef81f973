"""Code-table look-up: GET /api/v1/codes/<table> (API.md Auth)."""
from __future__ import annotations

from flask import request

from portal.api import base
from portal.codes import CODE_TABLES, search_codes
from portal.errors import envelope


@base.endpoint("/codes/<table>", auth=base.PUBLIC, summary="参数表查询（代码、中文名称或拼音首字母）",
               query={"q": "代码、中文名称或拼音首字母", "parent": "上级代码", "limit": "最多条数（默认 50）"})
def code_lookup(table: str):
    """Search one reference code table by code, Chinese name or pinyin initials."""
    if table not in CODE_TABLES:
        return envelope(404, f"参数表 {table} 不存在")
    limit = min(int(request.args.get("limit", 50) or 50), 500)
    rows = search_codes(table, request.args.get("q", ""), parent=request.args.get("parent"), limit=limit)
    return base.ok({"items": [{"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en,
                               "parent_code": r.parent_code, "pinyin": r.pinyin, **(r.extra or {})} for r in rows]})
