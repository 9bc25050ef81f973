"""Dropdown options of the enterprise forms: code tables with pinyin initials, the region cascade and
customs offices with the provinces they serve (Q-9). Read once per request."""
from __future__ import annotations

from dataclasses import dataclass

from flask import g
from sqlalchemy import select

from portal.codes import REGION_LEVELS, region_chain
from portal.extensions import db
from portal.models import CodeEntry

REGIONS = "regions"


@dataclass(frozen=True)
class Option:
    """One dropdown option: value, shown label, pinyin initials and the data the scripts read."""

    code: str
    label: str
    name: str
    pinyin: str = ""
    provinces: str = ""  # customs: the province codes it serves, space-separated
    selectable: bool = True  # regions: valid as an enterprise's 行政区划


def _option(row: CodeEntry) -> Option:
    extra = row.extra or {}
    return Option(code=row.code, label=f"{row.code} {row.name_zh}", name=row.name_zh, pinyin=row.pinyin or "",
                  provinces=" ".join(extra.get("provinces") or ()), selectable=bool(extra.get("selectable", True)))


def code_options(table: str) -> list[Option]:
    """Return the active rows of a code table as options, ordered by code (cached for the request)."""
    cache = g.setdefault("_enterprise_code_options", {})
    if table not in cache:
        rows = db.session.scalars(select(CodeEntry).where(CodeEntry.table_name == table, CodeEntry.active.is_(True))
                                  .order_by(CodeEntry.code))
        cache[table] = [_option(row) for row in rows]
    return cache[table]


def code_label(table: str, code) -> str:
    """Return "name（code）" for a code of a small table; the code itself when unknown."""
    if code in (None, ""):
        return ""
    if table == REGIONS:
        return region_path(str(code))
    names = {o.code: o.name for o in code_options(table)}
    name = names.get(str(code))
    return f"{name}（{code}）" if name else str(code)


def region_children(parent: str | None) -> list[Option]:
    """Return the regions directly under `parent` (the provinces when None)."""
    owner = CodeEntry.parent_code.is_(None) if parent is None else CodeEntry.parent_code == parent
    rows = db.session.scalars(select(CodeEntry).where(CodeEntry.table_name == REGIONS, CodeEntry.active.is_(True),
                                                      owner).order_by(CodeEntry.code))
    return [_option(row) for row in rows]


def region_path(code: str) -> str:
    """Return a region as "广东省 深圳市 福田区（440304）"."""
    chain = region_chain(code)
    if not chain:
        return code
    return " ".join(row.name_zh for row in chain) + f"（{code}）"


def region_cascade(code: str | None) -> list[dict]:
    """Return the three cascade levels for a region: each level's options and selected code."""
    chain = region_chain(code)
    levels = [{"options": region_children(None), "selected": chain[0].code if chain else ""}]
    for index, row in enumerate(chain):
        if (row.extra or {}).get("selectable") or len(levels) == REGION_LEVELS:
            break
        following = chain[index + 1].code if index + 1 < len(chain) else ""
        levels.append({"options": region_children(row.code), "selected": following})
    while len(levels) < REGION_LEVELS:
        levels.append({"options": [], "selected": ""})
    return levels


def province_of(code: str | None) -> str:
    """Return the province code of a region ('' when unknown)."""
    chain = region_chain(code)
    return chain[0].code if chain else ""
