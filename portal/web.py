"""Request wiring for pages: locale, the session identity, template helpers."""
from __future__ import annotations

from flask import g, request, session
from flask_login import current_user

from portal.extensions import db, login_manager
from portal.identity import Identity

LOCALES = ("zh", "en")


def select_locale() -> str:
    """Chinese by default; `?lang=en` or the session switch picks English (X-4)."""
    wanted = request.args.get("lang")
    if wanted in LOCALES:
        session["lang"] = wanted
    return session.get("lang") or "zh"


@login_manager.user_loader
def _load_user(user_id: str):
    from portal.models import User
    return db.session.get(User, int(user_id))


def _load_identity() -> None:
    if request.path.startswith("/api/") or request.path.startswith("/static/"):
        return
    g.identity = None
    if not current_user.is_authenticated:
        return
    card = None
    mode = session.get("login_mode", "account")
    if mode == "card":
        from portal.models import Card
        card = db.session.get(Card, session.get("card_id") or 0)
        if card is None or card.user_id != current_user.id or not card.active:
            mode, card = "account", None
    g.identity = Identity(user=current_user._get_current_object(), login_mode=mode, card=card)


def init_app(app) -> None:
    """Load the identity before each page request and expose helpers to templates."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    app.before_request(_load_identity)

    @app.context_processor
    def _globals():
        from portal import clock
        return {"identity": getattr(g, "identity", None), "now": clock.now(),
                "current_lang": session.get("lang", "zh")}
