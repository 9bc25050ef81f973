"""The one secure base view: roles, tenancy on every path, CSRF-protected forms (X-1).

Staff edit, auditors read and export, enterprise users read and export their own enterprise's
rows of the tenant-owned registers (and the code tables, like every logged-in user).
"""
from __future__ import annotations


from flask import abort, g, redirect, request, url_for
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.helpers import is_form_submitted
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from sqlalchemy import JSON, Integer, PrimaryKeyConstraint, String, UniqueConstraint, false

from admin_views.codefields import CodeSelectField
from admin_views.filters import filters_for
from admin_views.formrules import attach_violations, rule_validator, violation_text  # noqa: F401 (re-exported)
from admin_views.labels import CODE_COLUMNS, COMMON_LABELS
from admin_views.listing import ListingMixin
from portal import audit
from portal.audit import SECRET_COLUMNS
from portal.inputs import parse_id
from portal.extensions import db
from portal.redirects import is_local_path
from rules.violations import RuleError

WRITE_VIEWS = {"create_view": "can_create", "edit_view": "can_edit", "ajax_update": "can_edit",
               "delete_view": "can_delete", "action_view": "_is_staff"}
SYSTEM_COLUMNS = ("id", "created_at", "updated_at", "version", "status", "status_changed_at")
# Columns an ajax dropdown searches, per referenced register (anything else searches by id).
AJAX_FIELDS = {
    "enterprises": ("name_zh", "uscc"), "users": ("username", "name"), "cards": ("card_no",),
    "applications": ("application_no",), "collection_filings": ("center_no",), "product_volumes": ("volume_no",),
    "list_heads": ("center_no",), "declarations": ("unified_no",), "licences": ("license_no",),
    "bonded_books": ("book_no",), "catalog_categories": ("name",), "catalog_items": ("name",),
}



# Endpoints whose form is a record's form (the rules of the register check it before any write).
RECORD_FORMS = ("create_view", "edit_view", "ajax_update")


def _identity():
    return getattr(g, "identity", None)


def _refuse():
    """Send anonymous users to the login page, everyone else gets 403."""
    if _identity() is None:
        return redirect(url_for("auth.login", next=request.full_path))
    abort(403)


def _scope(model, query):
    """Keep only the rows the current user may see (§0): everything for staff and auditors."""
    identity = _identity()
    if identity is None:
        return query.filter(false())
    if identity.is_enterprise:
        clause = model.tenant_clause(identity.enterprise_id)
        return query.filter(clause if clause is not None else false())
    return query


class PortalForm(FlaskForm):
    """Admin forms carry Flask-WTF's CSRF token, the one CSRFProtect checks on every POST."""

    def __init__(self, formdata=None, obj=None, prefix="", **kwargs):
        self._obj = obj
        super().__init__(formdata=formdata, obj=obj, prefix=prefix, **kwargs)


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Ajax look-ups that never list rows of another enterprise."""

    def get_query(self):
        return _scope(self.model, super().get_query())

    def get_one(self, pk):
        """Return the referenced row by its id (bounded: never an overflow; PostgreSQL does not compare integer and text)."""
        column = getattr(self.model, self.pk)
        if isinstance(column.type, Integer):
            pk = parse_id(pk)
            if pk is None:
                return None
        return self.get_query().filter(column == pk).one_or_none()


class SecureModelView(ListingMixin, ModelView):
    """Base of every register view: mostly settings, the rules of access live here."""

    form_base_class = PortalForm
    list_template = "admin/portal_list.html"
    details_template = "admin/portal_details.html"
    can_export = True
    export_types = ["csv", "xlsx"]
    can_view_details = True
    page_size = 20
    can_set_page_size = True
    page_size_options = (20, 50, 100)
    simple_list_pager = True
    column_default_sort = ("id", True)
    column_display_pk = True
    staff_can_edit = True          # False: nobody edits by hand
    allow_create = True
    allow_edit = True
    allow_delete = True
    readable_by_all = False        # code tables: every logged-in user may read them
    large_register = False         # True: sort only on indexed columns
    labels: dict = {}              # per-view additions to COMMON_LABELS
    code_columns = None            # per-view column → code table, else labels.CODE_COLUMNS
    code_rule = "Q-9"              # rule id of "code not in its table" on this register's forms
    code_rules: dict = {}          # per-column exceptions to code_rule
    system_filled: tuple = ()      # numbers and fields the system fills: never in a form
    # The operation that saves a staff edit, as the pages and the API do: (session, record, form values); it
    # raises a RuleError with every violation. None: the form's values are written to the row (plain CRUD).
    update_operation = None

    def __init__(self, model, session=None, **kwargs):
        kwargs.setdefault("name", lazy_gettext(model.__label__))
        kwargs.setdefault("endpoint", model.__tablename__)
        self.model = model
        self._configure(model)
        super().__init__(model, session if session is not None else db, **kwargs)

    # ---- settings derived from the model -------------------------------------------------------
    def _configure(self, model) -> None:
        columns = list(model.__table__.columns)
        public = [c.key for c in columns if c.key not in SECRET_COLUMNS]
        own = {name: lazy_gettext(label) if isinstance(label, str) else label for name, label in self.labels.items()}
        self.column_labels = {**COMMON_LABELS, **own, **(self.column_labels or {})}
        if self.column_list is None:
            self.column_list = [c.key for c in columns if c.key in public and not isinstance(c.type, JSON)
                                and c.key not in ("version", "updated_at")]
        self.column_details_list = self.column_details_list or public
        self.column_export_list = self.column_export_list or public
        if self.column_sortable_list is None and self.large_register:
            self.column_sortable_list = [name for name in self.column_list if self._indexed(name)]
        relationships = model.__mapper__.relationships
        excluded = set(SYSTEM_COLUMNS) | set(SECRET_COLUMNS) | set(self.system_filled)
        excluded |= {r.key for r in relationships if r.uselist}
        excluded |= set(self.form_excluded_columns or ())
        self.form_excluded_columns = sorted(excluded)
        strings = {c.key for c in columns if isinstance(c.type, String)}
        self.form_choices = {**{name: [(str(v), label) for v, label in options]
                                for name, options in (self.column_choices or {}).items() if name in strings},
                             **(self.form_choices or {})}
        self._code_fields(model, strings, excluded)
        refs = {r.key: {"fields": AJAX_FIELDS.get(r.mapper.local_table.name, ("id",)), "page_size": 10,
                        "placeholder": lazy_gettext("输入名称或编号搜索")}
                for r in relationships if not r.uselist and r.key not in excluded}
        self.form_ajax_refs = {**refs, **(self.form_ajax_refs or {})}
        self.column_filters = filters_for(self, self.column_filters or ())
        if self.prefix_search:
            wrong = set(self.column_searchable_list or ()) - strings
            if wrong:
                raise ValueError(f"{model.__name__}: prefix search needs text columns, not {sorted(wrong)}")

    def _code_fields(self, model, strings: set, excluded: set) -> None:
        """Make every code column of the form a searchable select over its code table (Q-9)."""
        overrides, arguments = dict(self.form_overrides or {}), dict(self.form_args or {})
        for name in strings - excluded - set(self.form_choices):
            table = self.code_table_of(name)
            if table is None or name in overrides:
                continue
            overrides[name] = CodeSelectField
            arguments[name] = {**arguments.get(name, {}), "table": table,
                               "rule": self.code_rules.get(name, self.code_rule)}
        self.form_overrides, self.form_args = overrides, arguments

    def _indexed(self, name: str) -> bool:
        """Tell whether a column leads an index (or is unique / the primary key)."""
        table = self.model.__table__
        column = table.columns.get(name)
        if column is None:
            return False
        if column.primary_key or column.unique or column.index:
            return True
        leading = [list(ix.columns)[0] for ix in table.indexes]
        leading += [list(c.columns)[0] for c in table.constraints
                    if isinstance(c, (UniqueConstraint, PrimaryKeyConstraint)) and len(c.columns)]
        return any(c is column for c in leading)

    def code_table_of(self, name: str) -> str | None:
        """Return the code table a column's values come from, if any."""
        return (self.code_columns if self.code_columns is not None else CODE_COLUMNS).get(name)

    # ---- access ----------------------------------------------------------------------------------
    def is_accessible(self):
        """Staff and auditors read everything; enterprise users their tenant registers and code tables.

        Also used as is_accessible of non-model admin pages (getattr: they have no model)."""
        identity = _identity()
        if identity is None:
            return False
        if identity.is_staff or identity.is_auditor:
            return True
        model = getattr(self, "model", None)
        tenant_owned = model is not None and model.tenant_clause(0) is not None
        return identity.is_enterprise and (getattr(self, "readable_by_all", False) or tenant_owned)

    def inaccessible_callback(self, name, **kwargs):
        return _refuse()

    def _handle_view(self, name, **kwargs):
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        target = request.values.get("url")
        if target and not is_local_path(target):
            abort(400)  # the return `url` (create, edit, delete, details, actions) must be a local path
        if name in WRITE_VIEWS and not getattr(self, WRITE_VIEWS[name]):
            abort(403)
        return None

    @property
    def _is_staff(self) -> bool:
        """Staff may run the actions a view offers (each action checks its own rules)."""
        identity = _identity()
        return identity is not None and identity.is_staff

    @property
    def _can_write(self) -> bool:
        return self._is_staff and self.staff_can_edit

    @property
    def can_create(self):
        return self._can_write and self.allow_create

    @property
    def can_edit(self):
        return self._can_write and self.allow_edit

    @property
    def can_delete(self):
        return self._can_write and self.allow_delete

    # ---- tenancy on every path: list, count, by id, ajax, export --------------------------------
    def get_query(self):
        return _scope(self.model, super().get_query())

    def get_count_query(self):
        return _scope(self.model, super().get_count_query())

    def get_one(self, id):
        """Return the row by id within the user's scope, or answer 404."""
        pk = parse_id(id)
        if pk is None:
            abort(404)
        record = self.get_query().filter(self.model.id == pk).one_or_none()
        if record is None:
            abort(404)
        return record

    def handle_action(self, return_view=None):
        """Bulk actions name their rows by id: anything that is not an id is no such row (404)."""
        if any(parse_id(value) is None for value in request.form.getlist("rowid")):
            abort(404)
        return super().handle_action(return_view)

    def _create_ajax_loader(self, name, options):
        attr = getattr(self.model, name, None)
        if attr is None:
            raise ValueError(f"Model {self.model} does not have field {name}.")
        remote = attr.property.mapper.class_
        return ScopedAjaxLoader(name, self.session, remote, **options)

    # ---- writes: refused for everyone but staff, whatever the path -------------------------------
    def create_model(self, form):
        if not self.can_create:
            abort(403)
        return super().create_model(form)

    def update_model(self, form, model):
        if not self.can_edit:
            abort(403)
        self.refuse_write(model, "edit")
        if self.update_operation is None:
            return super().update_model(form, model)
        body = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        try:
            self.update_operation(db.session, model, body)
            db.session.commit()
        except RuleError as exc:  # the operation's rules: next to the fields, nothing saved
            db.session.rollback()
            attach_violations(form, exc.violations)
            return False
        self.after_model_change(form, model, False)
        return True

    def delete_model(self, model):
        if not self.can_delete:
            abort(403)
        self.refuse_write(model, "delete")
        return super().delete_model(model)

    def refuse_write(self, record, write: str) -> None:
        """Raise a RuleError when `record` may not be changed (`edit`) or deleted (`delete`) now."""

    # ---- the register's rules on its form, violations next to the fields --------------------------
    def validate_form(self, form):
        """Run the form's own validators and the register's rules (a record's form only), all at once."""
        valid = super().validate_form(form)
        if (request.endpoint or "").rsplit(".", 1)[-1] not in RECORD_FORMS or not is_form_submitted():
            return valid
        return attach_violations(form, self.rule_violations(form, self._form_record(form))) and valid

    def _form_record(self, form):
        record = getattr(form, "_obj", None)
        if record is None and "list_form_pk" in form:
            record = self.get_one(form.list_form_pk.data)
        return record

    def rule_violations(self, form, record) -> list:
        """Return the violations of the register's rules for a posted form (`record` None when creating)."""
        return []

    # ---- every admin write in the audit log (X-3) ------------------------------------------------
    def _audited_here(self) -> bool:
        """Registers the session events do not audit (bulk children, code tables) are audited here."""
        return self.model.__tablename__ in audit.NOT_AUDITED

    def _on_model_change(self, form, model, is_created):
        super()._on_model_change(form, model, is_created)
        if self._audited_here():
            diff = None if is_created else audit.object_diff(model, "update")
            db.session.flush()
            audit.record_object(db.session, model, "create" if is_created else "update", diff)

    def on_model_delete(self, model):
        super().on_model_delete(model)
        if self._audited_here():
            audit.record_object(db.session, model, "delete", audit.object_diff(model, "delete"))


class ReadOnlyView(SecureModelView):
    """A register nobody edits by hand (receipts, audit log, mappings, scheduler runs)."""

    staff_can_edit = False
