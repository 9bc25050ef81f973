"""The admin landing page."""
from __future__ import annotations

from flask_admin import AdminIndexView, expose

from admin_views.base import _identity, _refuse
from portal.extensions import db


class PortalAdminIndex(AdminIndexView):
    """The admin landing page: for every logged-in user; the menu shows what each may read."""

    def is_accessible(self):
        return _identity() is not None

    def inaccessible_callback(self, name, **kwargs):
        return _refuse()

    @expose("/")
    def index(self):
        identity = _identity()
        if identity.is_staff or identity.is_auditor:  # staff and auditors see every enterprise's queues
            from admin_views import dashboard
            return self.render("admin/portal_index.html", **dashboard.home(db.session))
        return self.render("admin/portal_index.html", queues=None, runs=None, scheduler_url=None, chart=None)
