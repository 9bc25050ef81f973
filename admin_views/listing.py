"""Lists that stay fast at a million rows: no count, keyset pages on the default sort, bounded OFFSET
otherwise, raw columns instead of ORM objects, and streamed exports of the filtered rows (X-1, X-2)."""
from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import Response, abort, g, request, stream_with_context, url_for
from flask_admin import expose
from flask_admin.babel import gettext
import flask_babel
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy import JSON, Boolean, and_, or_
from sqlalchemy.orm import ColumnProperty, Session

from admin_views import codecache, export, readable
from admin_views.cells import CellPlan
from admin_views.name_search import search_condition, search_hint
from portal import clock
from portal.inputs import parse_id
from portal.extensions import db

CURSOR_ARGS = ("after", "before")
# Endpoints of a view without URL variables (their URLs are a fixed path plus a query string).
FLAT_ENDPOINTS = {".index_view", ".details_view", ".edit_view", ".create_view", ".delete_view", ".action_view"}
MAX_OFFSET_ROWS = 5000
EXPORT_BATCH = 1000


def list_cursor(name: str) -> int:
    """Return the keyset cursor (a row id) of the query string, 0 (first page) when absent or not an id."""
    return parse_id(request.args.get(name)) or 0


class ListRow:
    """A fetched row with its escaped display cells (and its ready <td>s); attributes fall through to the row."""

    __slots__ = ("row", "cells", "html")

    def __init__(self, row, cells, html=None):
        self.row = row
        self.cells = cells
        self.html = html

    def __getattr__(self, name):
        return getattr(self.row, name)


class RowRenderer:
    """Draw the <td>s of list rows in Python: checkbox, view / edit / delete buttons, escaped cells."""

    def __init__(self, view, names, rights: dict | None = None):
        self.names = names
        plan = view._plan(names)
        # Cells of data are marked (data-sw-data): the English browser test tells them from interface text.
        self.opening = [f'<td class="col-{name}"{" data-sw-data" if plan.holds_data(i) else ""}>'
                        for i, name in enumerate(names)]
        self.checkbox = bool(view.get_actions_list()[0])
        self.buttons = self._buttons(view) if view.column_display_actions else None
        self.rights = rights  # row id → (may edit, may delete), from the lifecycle; None: every row alike

    @staticmethod
    def _buttons(view) -> dict[str, str]:
        """Return the view, edit and delete buttons with __ID__ where each row's id goes (built once per page)."""
        here = request.full_path.rstrip("?")
        html = {}
        if view.can_view_details:
            html["view"] = (f'<a class="icon" href="{escape(view.get_url(".details_view", id="__ID__", url=here))}" '
                            f'title="{escape(gettext("View Record"))}"><span class="fa fa-eye"></span></a>')
        if view.can_edit:
            html["edit"] = (f'<a class="icon" href="{escape(view.get_url(".edit_view", id="__ID__", url=here))}" '
                            f'title="{escape(gettext("Edit Record"))}"><span class="fa fa-pencil"></span></a>')
        if view.can_delete:
            question = escape(gettext("Are you sure you want to delete this record?"))
            html["delete"] = (
                f'<form class="icon" method="POST" action="{escape(view.get_url(".delete_view"))}">'
                f'<input type="hidden" name="id" value="__ID__"><input type="hidden" name="url" '
                f'value="{escape(here)}"><input type="hidden" name="csrf_token" value="{generate_csrf()}">'
                f'<button data-confirm="{question}" '
                f'title="{escape(gettext("Delete Record"))}"><span class="fa fa-trash"></span></button></form>')
        return html

    def _buttons_of(self, pk) -> str:
        may_edit, may_delete = self.rights.get(pk, (False, False)) if self.rights is not None else (True, True)
        shown = [html for kind, html in self.buttons.items()
                 if kind == "view" or (kind == "edit" and may_edit) or (kind == "delete" and may_delete)]
        return f'<td class="list-buttons-column">{"".join(shown).replace("__ID__", str(pk))}</td>'

    def render(self, rows, cells) -> list[Markup]:
        """Return the inner HTML of each row's <tr>."""
        out = []
        for row, row_cells in zip(rows, cells):
            pk = str(row.id)
            html = [f'<td><input type="checkbox" name="rowid" class="action-checkbox" value="{pk}"></td>'
                    if self.checkbox else "", self._buttons_of(row.id) if self.buttons is not None else ""]
            html += [f"{opening}{cell}</td>" for opening, cell in zip(self.opening, row_cells)]
            out.append(Markup("".join(html)))
        return out


class ListingMixin:
    """The list and export half of the secure base view."""

    # Search terms match numbers and codes by prefix through their index and names anywhere through
    # name_grams (admin_views/name_search.py); set False for small registers where a stock
    # 'contains' search over unindexed text is cheap enough.
    prefix_search = True

    # ---- columns ---------------------------------------------------------------------------------
    def _column_attr(self, name):
        prop = getattr(self.model, name, None)
        prop = getattr(prop, "property", None)
        return getattr(self.model, name) if isinstance(prop, ColumnProperty) else None

    def _entities(self, names):
        """Return the column attributes to select, or None when a name is not a plain column."""
        attrs = [self._column_attr(name) for name in names]
        if any(a is None for a in attrs):
            return None
        if "id" not in names:
            attrs.append(self.model.id)
        return attrs

    def _plan(self, names) -> CellPlan:
        cache = self.__dict__.setdefault("_plans", {})
        key = tuple(names)
        if key not in cache:
            cache[key] = CellPlan(self, list(names))
        return cache[key]

    # ---- query -----------------------------------------------------------------------------------
    def _apply_search(self, query, count_query, joins, count_joins, search):
        if not self.prefix_search:
            return super()._apply_search(query, count_query, joins, count_joins, search)
        return query.filter(*search_condition(self._search_fields, search)), count_query, joins, count_joins

    def search_placeholder(self):
        placeholder = super().search_placeholder()
        if not placeholder or not self.prefix_search:
            return placeholder
        return flask_babel.gettext("%(columns)s（%(hint)s）", columns=placeholder, hint=search_hint(self._search_fields))

    def _filtered_query(self, search, filters):
        query, joins = self.get_query(), {}
        if self._search_supported and search:
            query, _, joins, _ = self._apply_search(query, None, joins, {}, search)
        if filters and self._filters:
            query, _, joins, _ = self._apply_filters(query, None, joins, {}, filters)
        return query, joins

    def _keyset_key(self):
        """Return (column, descending) of the default sort when keyset paging can serve it."""
        sort = self.column_default_sort
        if isinstance(sort, list):
            sort = sort[0] if len(sort) == 1 else None
        if isinstance(sort, str):
            sort = (sort, False)
        if not sort:
            return self.model.id, False
        attr = self._column_attr(sort[0])
        if attr is None or attr.property.columns[0].nullable:
            return None
        return attr, bool(sort[1])

    def _sorted(self, query, joins, sort_column, sort_desc):
        query, joins = self._apply_sorting(query, joins, sort_column, sort_desc)
        if sort_column is not None:  # id breaks ties so OFFSET pages are stable and use (column, id) indexes
            query = query.order_by(self.model.id.desc() if sort_desc else self.model.id)
        return query

    def _keyset(self, query, key, direction: str, cursor: int):
        column, desc = key
        backwards = direction == "before"
        ident = self.model.id
        older = desc != backwards  # walk towards smaller keys
        if cursor:
            if column is ident:
                query = query.filter(ident < cursor if older else ident > cursor)
            else:
                value = self.get_query().with_entities(column).filter(ident == cursor).scalar()
                if value is not None:
                    query = query.filter(and_(column <= value, or_(column < value, ident < cursor)) if older else
                                         and_(column >= value, or_(column > value, ident > cursor)))
        order = [column.desc(), ident.desc()] if older else [column.asc(), ident.asc()]
        return query.order_by(*(order if column is not ident else order[:1]))

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """Return (None, rows): keyset pages on the default sort, bounded OFFSET pages otherwise."""
        if not execute:
            return super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        page_size = page_size or self.page_size
        query, joins = self._filtered_query(search, filters)
        key = self._keyset_key() if sort_column is None and not page else None
        direction = next((arg for arg in CURSOR_ARGS if request.args.get(arg)), "after")
        cursor = list_cursor(direction)
        if not cursor:
            direction = "after"
        pager = {"mode": "offset", "page": max(page or 0, 0), "capped": False}
        if key is not None:
            query = self._keyset(query, key, direction, cursor)
            pager.update(mode="keyset", direction=direction, cursor=cursor)
        else:
            last_page = max(MAX_OFFSET_ROWS // page_size - 1, 0)
            if pager["page"] > last_page:
                pager.update(page=last_page, capped=True)
            query = self._sorted(query, joins, sort_column, sort_desc).offset(pager["page"] * page_size)
        names = [name for name, _label in self._list_columns]
        entities = self._entities(names)
        if entities is not None:
            query = query.with_entities(*entities)
        rows = query.limit(page_size + 1).all()
        pager["more"] = len(rows) > page_size
        rows = rows[:page_size]
        if pager.get("direction") == "before":
            rows.reverse()
        cells = self._plan(names).format(rows)
        rights = self.row_rights([row.id for row in rows]) if rows and self._plain_rows() else None
        html = RowRenderer(self, names, rights).render(rows, cells) if self._plain_rows() else [None] * len(rows)
        data = [ListRow(*parts) for parts in zip(rows, cells, html)]
        pager.update(first_id=data[0].id if data else None, last_id=data[-1].id if data else None)
        self._template_args["pager"] = pager
        return None, data

    @pass_context
    def get_detail_value(self, context, model, name):
        """Show a value on the details page as in the list (name, "code name", yes/no in the page's language);
        a JSON document as a table of labelled fields."""
        if name in (self.column_formatters_detail or {}):
            return super().get_detail_value(context, model, name)
        plan = self._plan((name,))
        kind, arg = plan.steps[0]
        if kind in ("ref", "code") or (kind == "value" and isinstance(arg, Boolean)):
            return Markup(plan.format([model])[0][0])
        if kind == "value" and isinstance(arg, JSON):
            return readable.document(self, getattr(model, name))
        return super().get_detail_value(context, model, name)

    def detail_holds_data(self, name: str) -> bool:
        """Tell whether a details row shows data (marked for the English check) rather than interface words."""
        kind, arg = self._plan((name,)).steps[0]
        return kind != "formatter" and not (kind == "value" and isinstance(arg, JSON)) and \
            self._plan((name,)).holds_data(0)

    def _get_filter_groups(self):
        """The filter menu with its options (code tables included), built once per language for a while."""
        return codecache.derived(("filter_groups", self.endpoint, str(get_locale())), super()._get_filter_groups)

    def row_rights(self, ids) -> dict | None:
        """Return row id → (may edit, may delete) when rows differ (a lifecycle's statuses); None when alike."""
        return None

    def _plain_rows(self) -> bool:
        """Rows are drawn in Python unless a column is edited in place or a view adds its own row actions."""
        return not self.column_extra_row_actions and not (self.column_editable_list and self.can_edit)

    def get_url(self, endpoint, **kwargs):
        """Build this view's own URLs from one url_for per request (a list page makes dozens)."""
        if endpoint not in FLAT_ENDPOINTS:
            return super().get_url(endpoint, **kwargs)
        cache = g.setdefault("_admin_urls", {})
        key = (self.endpoint, endpoint)
        base = cache.get(key) or cache.setdefault(key, url_for(endpoint))
        query = [(name, value) for name, value in kwargs.items() if value is not None]
        return f"{base}?{urlencode(query)}" if query else base

    def _get_list_extra_args(self):
        """Keep the keyset cursor out of the view arguments: sort, search and filter links start over."""
        args = super()._get_list_extra_args()
        args.extra_args = {k: v for k, v in args.extra_args.items() if k not in CURSOR_ARGS}
        return args

    # ---- export ----------------------------------------------------------------------------------
    def _export_rows(self, text):
        """Yield batches of export cells for the filtered rows in the list's order; `text` prepares text cells."""
        args = self._get_list_extra_args()
        sort = self._get_column_by_idx(args.sort)
        query, joins = self._filtered_query(args.search, args.filters)
        sort_column = sort[0] if sort is not None else None
        key = self._keyset_key() if sort_column is None else None
        query = self._keyset(query, key, "after", 0) if key else self._sorted(query, joins, sort_column,
                                                                              args.sort_desc)
        names = [name for name, _label in self._export_columns]
        plan = self._plan(names)
        entities = self._entities(names)
        # The rows stream on a connection of their own: the request's session may commit (sessions, audit)
        # while the response is still being sent, which would close a server-side cursor opened on it.
        with db.engine.connect() as connection:
            if entities is not None:
                # Plain columns: run the statement on the connection, no ORM row processing per row.
                result = connection.execution_options(yield_per=EXPORT_BATCH).execute(
                    query.with_entities(*entities).statement)
            else:
                result = Session(bind=connection).execute(
                    query.statement.execution_options(yield_per=EXPORT_BATCH)).scalars()
            for batch in result.partitions():
                yield plan.format(batch, html=False, text=text)

    @expose("/export/<export_type>/")
    def export(self, export_type):
        """Stream the filtered rows as CSV or XLSX, formula-like cells neutralised (X-2)."""
        if not self.can_export or export_type not in self.export_types:
            abort(404)
        header = [str(label) for _name, label in self._export_columns]
        stamp = clock.now().strftime("%Y%m%d%H%M%S")
        filename = f"{self.name}_{stamp}.{export_type}"
        if export_type == "csv":
            body, mimetype = export.csv_stream(header, self._export_rows(export.neutralise)), "text/csv; charset=utf-8"
        else:
            body = export.xlsx_stream(str(self.name), header, self._export_rows(export.xlsx_text))
            mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        disposition = f"attachment; filename=export.{export_type}; filename*=UTF-8''{quote(filename)}"
        return Response(stream_with_context(body), mimetype=mimetype,
                        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})
