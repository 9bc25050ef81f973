"""Cache the parts of admin pages that change only with the view, the user's role and the language:
the menu (61 entries, one URL each) and the blocks of static asset links."""
from __future__ import annotations

from flask import g
from flask_admin.helpers import get_current_view
from flask_babel import get_locale
from markupsafe import Markup

_fragments: dict[tuple, Markup] = {}


def _key(name: str) -> tuple | None:
    view = get_current_view()
    identity = getattr(g, "identity", None)
    if view is None or identity is None:
        return None
    user = identity.user
    return (name, view.admin.endpoint, view.endpoint, user.role, user.perm_module_q, user.perm_module_c,
            str(get_locale()))


def cached_fragment(name: str, render) -> Markup:
    """Return the rendered fragment for this view, role and language, rendering it the first time."""
    key = _key(name)
    if key is None:
        return Markup(render())
    html = _fragments.get(key)
    if html is None:
        html = _fragments[key] = Markup(render())
    return html


def init_app(app) -> None:
    """Make `cached_fragment` available to the admin templates."""
    app.jinja_env.globals["cached_fragment"] = cached_fragment
