"""Flask-Admin: every register of SPEC §1 as a view (X-1)."""
from __future__ import annotations

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from admin_views.base import PortalAdminIndex


def init_admin(app) -> Admin:
    """Create the admin and add one view per register."""
    admin = Admin(app, name="单一窗口管理后台", url="/admin",
                  index_view=PortalAdminIndex(name="首页", url="/admin"),
                  theme=Bootstrap4Theme(swatch="cerulean", fluid=True))
    from admin_views import registers
    registers.add_views(admin)
    return admin
