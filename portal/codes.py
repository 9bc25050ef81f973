"""Reading the reference code tables: look-ups, search by code / name / pinyin (Q-9)."""
from __future__ import annotations


from collections import Counter
from typing import Callable

from sqlalchemy import or_, select

from portal.extensions import db
from portal.models import CodeEntry

CODE_TABLES = ("regions", "customs", "countries", "currencies", "id_types", "market_entity_types", "org_types",
               "industries", "ciq_enterprise_types", "economic_zones", "license_names", "cancellation_reasons",
               "transport_modes", "trade_modes", "units", "guarantee_modes", "business_types",
               "qualification_types")
CODE_TABLE_LABELS = {
    "regions": "行政区划", "customs": "关区代码", "countries": "国别（地区）", "currencies": "币制",
    "id_types": "证件类型", "market_entity_types": "市场主体类型", "org_types": "组织机构类型",
    "industries": "行业种类", "ciq_enterprise_types": "检验检疫企业类型", "economic_zones": "经济区划",
    "license_names": "外部资质名称", "cancellation_reasons": "注销原因", "transport_modes": "运输方式",
    "trade_modes": "监管方式", "units": "计量单位", "guarantee_modes": "担保方式", "business_types": "企业经营类别",
    "qualification_types": "资质类型",
}


def search_codes(table: str, q: str = "", parent: str | None = None, limit: int = 50) -> list[CodeEntry]:
    """Return active rows of a table matching q by code prefix, Chinese name or pinyin initials."""
    stmt = select(CodeEntry).where(CodeEntry.table_name == table, CodeEntry.active.is_(True))
    q = (q or "").strip()
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(CodeEntry.code.like(f"{q}%"), CodeEntry.name_zh.like(like),
                              CodeEntry.pinyin.like(f"%{q.lower()}%"), CodeEntry.name_en.ilike(like)))
    if parent:
        stmt = stmt.where(CodeEntry.parent_code == parent)
    return list(db.session.scalars(stmt.order_by(CodeEntry.code).limit(limit)))


def code_map(table: str) -> dict[str, CodeEntry]:
    """Return every active row of a table keyed by code."""
    rows = db.session.scalars(select(CodeEntry).where(CodeEntry.table_name == table, CodeEntry.active.is_(True)))
    return {r.code: r for r in rows}


def code_set(table: str) -> frozenset[str]:
    """Return the set of active codes of a table."""
    return frozenset(db.session.scalars(select(CodeEntry.code).where(
        CodeEntry.table_name == table, CodeEntry.active.is_(True))))


def code_resolver(table: str) -> Callable[[object], str | None]:
    """Return a function turning typed text into a code of an active row: the code itself ("001", "1"
    for three-digit tables), the "code 名称" label a dropdown shows, or a name (Chinese or English) that
    only one row has. Text that matches nothing comes back stripped, for the check to refuse by field."""
    rows = db.session.execute(select(CodeEntry.code, CodeEntry.name_zh, CodeEntry.name_en).where(
        CodeEntry.table_name == table, CodeEntry.active.is_(True))).all()
    codes = {code for code, _, _ in rows}
    width = {len(code) for code in codes}
    padded = width.pop() if len(width) == 1 and all(code.isdigit() for code in codes) else 0
    names = Counter(name for _, zh, en in rows for name in {zh, (en or "").lower()} if name)
    by_name = {name: code for code, zh, en in rows for name in {zh, (en or "").lower()} if name and names[name] == 1}

    def resolve(value) -> str | None:
        text = str(value).strip() if value is not None else ""
        if not text:
            return None
        first = text.split()[0]
        for candidate in (text, first):
            if candidate in codes:
                return candidate
            if padded and candidate.isdigit() and len(candidate) < padded and candidate.zfill(padded) in codes:
                return candidate.zfill(padded)
        return by_name.get(text) or by_name.get(text.lower()) or text

    return resolve


def code_labels(table: str) -> dict[str, str]:
    """Return "code 名称" of every row of a table, inactive ones too (records naming them stay readable)."""
    rows = db.session.execute(select(CodeEntry.code, CodeEntry.name_zh).where(CodeEntry.table_name == table))
    return {code: f"{code} {name}" for code, name in rows}


REGION_LEVELS = 3


def region_chain(code: str | None) -> list[CodeEntry]:
    """Return a region and its ancestors, province first."""
    chain: list[CodeEntry] = []
    row = _region(code)
    while row is not None and len(chain) < REGION_LEVELS:
        chain.insert(0, row)
        row = _region(row.parent_code)
    return chain


def _region(code: str | None) -> CodeEntry | None:
    if not code:
        return None
    return db.session.scalar(select(CodeEntry).where(CodeEntry.table_name == "regions", CodeEntry.code == code))


def region_label(code: str) -> str:
    """Return a region as "code 省 市 区" ("440304 广东省 深圳市 福田区"); the code itself when unknown."""
    chain = region_chain(code)
    return " ".join([code, *(row.name_zh for row in chain)]) if chain else code


def code_name(table: str, code: str | None) -> str:
    """Return the Chinese name of a code, or the code itself when unknown."""
    if not code:
        return ""
    row = db.session.scalar(select(CodeEntry).where(CodeEntry.table_name == table, CodeEntry.code == code))
    return row.name_zh if row else code


def choices(table: str, parent: str | None = None) -> list[tuple[str, str, str]]:
    """Return (code, label, pinyin) for a dropdown."""
    stmt = select(CodeEntry).where(CodeEntry.table_name == table, CodeEntry.active.is_(True))
    if parent:
        stmt = stmt.where(CodeEntry.parent_code == parent)
    return [(r.code, f"{r.code} {r.name_zh}", r.pinyin) for r in db.session.scalars(stmt.order_by(CodeEntry.code))]
