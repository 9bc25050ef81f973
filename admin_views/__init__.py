"""Flask-Admin: every register of SPEC §1 as a view (X-1)."""
from __future__ import annotations

import os

import flask_admin
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext

from admin_views.index import PortalAdminIndex

# Flask-Admin ships its Simplified Chinese catalogue as zh_Hans_CN; the portal's locale is "zh".
ADMIN_CATALOGUE = os.path.join(os.path.dirname(flask_admin.__file__), "translations", "zh_Hans_CN",
                               "LC_MESSAGES", "admin.mo")


def _translations_path(app) -> str | None:
    """Expose Flask-Admin's own Chinese catalogue under the portal's "zh" locale (menus, buttons)."""
    root = os.path.join(app.instance_path, "admin_translations")
    target = os.path.join(root, "zh", "LC_MESSAGES", "admin.mo")
    if not os.path.exists(target) and os.path.exists(ADMIN_CATALOGUE):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        try:
            os.symlink(ADMIN_CATALOGUE, target)
        except FileExistsError:  # another process made it first
            pass
        except OSError:
            return None
    return root if os.path.exists(target) else None


def init_admin(app) -> Admin:
    from portal.security import csp_nonce
    """Create the admin and add one view per register."""
    admin = Admin(app, name="单一窗口管理后台", url="/admin",
                  index_view=PortalAdminIndex(name=lazy_gettext("首页"), url="/admin"),
                  translations_path=_translations_path(app), csp_nonce_generator=csp_nonce,
                  theme=Bootstrap4Theme(swatch="default", fluid=True, base_template="admin/portal_base.html"))
    from admin_views import fragments, registers, scheduler
    fragments.init_app(app)
    scheduler.init_app(app)
    registers.add_views(admin)
    _translate_menu(admin)
    return admin


def _translate_menu(admin: Admin) -> None:
    """Show the admin's name and the menu categories in the request's language (X-4).

    Flask-Admin files views under the category string given to add_view; the labels are swapped for
    lazy translations only once every view is filed, so the lookup keys stay the Chinese msgids."""
    admin.name = lazy_gettext(admin.name)
    for view in admin._views:  # the screens that are not model views (review, scheduler, import) have str names
        if isinstance(view.name, str):
            view.name = lazy_gettext(view.name)
    for item in admin.menu():
        for entry in (item, *item._children):
            if isinstance(entry.name, str):
                entry.name = lazy_gettext(entry.name)
