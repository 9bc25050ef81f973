"""Login (account tab and card tab, U-2), logout."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user

from portal.auth import service
from rules.violations import RuleError

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the two login tabs and sign in with an account or a card."""
    mode = request.form.get("mode") or request.args.get("mode") or "account"
    error = None
    if request.method == "POST":
        try:
            if mode == "card":
                card = service.authenticate_card(request.form.get("card_no", ""), request.form.get("pin", ""))
                user, card_id = card.user, card.id
            else:
                user = service.authenticate_account(request.form.get("username", ""), request.form.get("password", ""))
                card_id = None
        except RuleError as exc:
            error = exc.violations[0].message
        else:
            session.clear()
            login_user(user)
            session.permanent = True
            session["login_mode"] = "card" if card_id else "account"
            session["card_id"] = card_id
            if user.role in ("staff", "auditor") and not request.form.get("next"):
                return redirect(url_for("admin.index"))
            return redirect(_safe_next(request.form.get("next")))
    return render_template("auth/login.html", mode=mode, error=error, next=request.args.get("next", ""))


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out and forget the login mode."""
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
