"""Code-table look-up: GET /api/v1/codes/<table> (API.md Auth)."""
from __future__ import annotations

from portal.api import base
from portal.codes import CODE_TABLES, search_codes
from portal.errors import envelope


@base.endpoint("/codes/<table>", auth=base.PUBLIC, summary="参数表查询（代码、中文名称或拼音首字母）",
               path={"table": base.Param("参数表", enum=tuple(CODE_TABLES))},
               query={"q": base.Param("代码、中文名称或拼音首字母", max_length=100),
                      "parent": base.Param("上级代码", max_length=20), "limit": base.limit_param(50, 500)})
def code_lookup(table: str):
    """Search one reference code table by code, Chinese name or pinyin initials."""
    if table not in CODE_TABLES:
        return envelope(404, f"参数表 {table} 不存在")
    args = base.query_args()
    rows = search_codes(table, args["q"] or "", parent=args["parent"], limit=args["limit"] or 50)
    return base.ok({"items": [{"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en,
                               "parent_code": r.parent_code, "pinyin": r.pinyin, **(r.extra or {})} for r in rows]})
