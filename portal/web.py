"""Request wiring for pages: locale, the session identity, template helpers."""
from __future__ import annotations

from flask import current_app, g, request, session
from flask_babel import gettext
from flask_babel import refresh as refresh_locale
from flask_login import current_user

from portal import i18n
from portal.extensions import db, login_manager
from portal.i18n import N_
from portal.identity import Identity

LOCALES = ("zh", "en")


def select_locale() -> str:
    """Chinese by default; pages switch with `?lang=en` (kept in the session), the API with Accept-Language (X-4)."""
    default = current_app.config.get("BABEL_DEFAULT_LOCALE", "zh")
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LOCALES) or default
    wanted = request.args.get("lang")
    if wanted in LOCALES:
        session["lang"] = wanted
    return session.get("lang") or default


@login_manager.user_loader
def _load_user(user_id: str):
    """Return the session's user only while its server-side session record is live (U-4)."""
    from portal.auth.sessions import live_session
    record = live_session(db.session, session.get("sid"))
    if record is None or str(record.user_id) != str(user_id) or not record.user.active:
        return None
    g.login_session = record
    return record.user


def is_static_request() -> bool:
    """Tell whether the request is for a static file (the app's, Flask-Admin's or a blueprint's): public
    assets, served without loading the login session and cacheable by the browser."""
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static") or request.path.startswith("/static/")


def _load_identity() -> None:
    # Check the session record on every request, even one sharing an app context (and its `g`) with an
    # earlier request (the test client inside `app.app_context()`), where Flask-Login would reuse its user
    # and Flask-WTF the CSRF token of another session.
    for name in ("_login_user", "login_session", "csrf_token", "identity"):
        g.pop(name, None)
    if request.path.startswith("/api/") or is_static_request():
        return
    g.identity = None
    if not current_user.is_authenticated:
        return
    record = g.login_session
    card, mode = record.card, record.login_mode
    if mode == "card" and (card is None or card.user_id != current_user.id or not card.active):
        mode, card = "account", None  # a revoked card ends card mode (U-3)
    g.identity = Identity(user=current_user._get_current_object(), login_mode=mode, card=card)


def init_app(app) -> None:
    """Load the identity before each page request and expose helpers to templates."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("请先登录")
    login_manager.localize_callback = gettext
    # Pick the locale afresh for every request, even one sharing an app context with an earlier one
    # (the test client inside `app.app_context()`): Flask-Babel caches it on `g`.
    app.before_request(refresh_locale)
    app.before_request(_load_identity)
    i18n.init_app(app)

    @app.context_processor
    def _globals():
        from portal import clock
        return {"identity": getattr(g, "identity", None), "now": clock.now(),
                "current_lang": "en" if i18n.is_english() else "zh"}
