"""The one secure base view: roles, tenancy on every path, CSRF-protected forms (X-1)."""
from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.form import SecureForm


def _identity():
    return getattr(g, "identity", None)


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Ajax look-ups that never list rows of another enterprise."""

    def _scoped(self, query):
        identity = _identity()
        if identity is not None and identity.is_enterprise:
            clause = self.model.tenant_clause(identity.enterprise_id)
            query = query.filter(clause) if clause is not None else query.filter(False)
        return query

    def get_query(self):
        return self._scoped(super().get_query())

    def get_one(self, pk):
        return self.get_query().filter(self.pk == pk).one_or_none()


class SecureModelView(ModelView):
    """Base of every register view: staff edit, auditors read and export, tenants see their own."""

    form_base_class = SecureForm
    can_export = True
    export_types = ["csv", "xlsx"]
    can_view_details = True
    page_size = 50
    can_set_page_size = True
    simple_list_pager = True
    staff_can_edit = True

    # ---- access -------------------------------------------------------------------------------
    def is_accessible(self):
        identity = _identity()
        return identity is not None and (identity.is_staff or identity.is_auditor)

    def inaccessible_callback(self, name, **kwargs):
        if _identity() is None:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    def _can_write(self) -> bool:
        identity = _identity()
        return identity is not None and identity.is_staff and self.staff_can_edit

    @property
    def can_create(self):
        return self._can_write() and getattr(self, "allow_create", True)

    @property
    def can_edit(self):
        return self._can_write() and getattr(self, "allow_edit", True)

    @property
    def can_delete(self):
        return self._can_write() and getattr(self, "allow_delete", True)

    # ---- tenancy ------------------------------------------------------------------------------
    def _tenant(self, query):
        identity = _identity()
        if identity is None:
            return query.filter(False)
        if identity.is_enterprise:
            clause = self.model.tenant_clause(identity.enterprise_id)
            return query.filter(clause) if clause is not None else query.filter(False)
        return query

    def get_query(self):
        return self._tenant(super().get_query())

    def get_count_query(self):
        return self._tenant(super().get_count_query())

    def get_one(self, id):
        try:
            pk = int(id)
        except (TypeError, ValueError):
            return None
        return self.get_query().filter(self.model.id == pk).one_or_none()

    def _create_ajax_loader(self, name, options):
        attr = getattr(self.model, name, None)
        if attr is None:
            raise ValueError(f"Model {self.model} does not have field {name}.")
        remote = attr.property.mapper.class_
        return ScopedAjaxLoader(name, self.session, remote, **options)

    # ---- writes are refused for everyone but staff, on every path ----------------------------
    def create_model(self, form):
        if not self.can_create:
            abort(403)
        return super().create_model(form)

    def update_model(self, form, model):
        if not self.can_edit:
            abort(403)
        return super().update_model(form, model)

    def delete_model(self, model):
        if not self.can_delete:
            abort(403)
        return super().delete_model(model)


class ReadOnlyView(SecureModelView):
    """A register nobody edits by hand (receipts, audit log, mappings)."""

    staff_can_edit = False


class PortalAdminIndex(AdminIndexView):
    """The admin landing page: only staff and auditors."""

    def is_accessible(self):
        identity = _identity()
        return identity is not None and (identity.is_staff or identity.is_auditor)

    def inaccessible_callback(self, name, **kwargs):
        if _identity() is None:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    @expose("/")
    def index(self):
        return self.render("admin/portal_index.html")
