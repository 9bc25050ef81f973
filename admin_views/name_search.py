"""The admin search box: names match anywhere through the bigram table, numbers and codes by prefix."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_

from admin_views.filters import prefix_clause
from portal.extensions import db
from portal.models import name_grams
from portal.name_search import SOURCE_OF, NameSearch

ANYWHERE_HINT = "名称按包含匹配（至少2个汉字或3个字母，更短按开头），编号按开头匹配"
PREFIX_HINT = "按开头匹配"


def is_name_column(column) -> bool:
    """Tell whether a search column is a name kept in name_grams."""
    table = getattr(column, "table", None)
    return table is not None and (table.name, column.key) in SOURCE_OF


def search_condition(search_fields, search: str) -> list:
    """One condition per search term: any name containing it (or starting with a short term), any
    number or code starting with it."""
    names = NameSearch(db.session, name_grams)
    alone = len(search_fields) == 1
    return [or_(*(names.clause(column, term, alone) if is_name_column(column) else prefix_clause(column, term)
                  for column, _path in search_fields))
            for term in search.split()]


def name_clause(column, term: str, alone: bool = True):
    """One name column matching one term (anywhere, or at the start when the term is short)."""
    return NameSearch(db.session, name_grams).clause(column, term, alone)


def search_hint(search_fields) -> str:
    """The hint after the search box's placeholder (translated)."""
    anywhere = any(is_name_column(column) for column, _path in search_fields)
    return _(ANYWHERE_HINT) if anywhere else _(PREFIX_HINT)
