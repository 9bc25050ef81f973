"""Login (account tab and card tab, U-2), logout, enterprise registration (U-1), and the
enterprise administrator's user and card management (U-3)."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from portal import accounts, codes
from portal.auth import service, sessions
from portal.extensions import db
from portal.i18n import refusal_text
from portal.identity import current_identity
from portal.redirects import is_local_path, safe_redirect_target
from rules.violations import RuleError, Violation

bp = Blueprint("auth", __name__)

REGISTRATION_FIELDS = ("enterprise_name", "uscc", "org_code", "username", "admin_name", "admin_id_type",
                       "admin_id_no", "admin_mobile", "legal_rep_name", "legal_rep_id_no")
OPERATOR_FIELDS = ("username", "name", "id_type", "id_no", "mobile")
CARD_FIELDS = ("card_no", "card_type", "username", "holder_name", "holder_id_type", "holder_id_no")


def _start_session(user, card_id: int | None = None) -> None:
    """Log the user in for a fresh, expiring session held on the server with its login mode (U-2, U-4)."""
    session_id = sessions.open_session(db.session, user, card_id)
    db.session.commit()
    session.clear()
    g.pop("csrf_token", None)  # the cleared session lost the CSRF secret: forms rendered later need a new one
    session["sid"] = session_id
    login_user(user)
    session.permanent = True  # the cookie expires after PERMANENT_SESSION_LIFETIME, the record too


def _form_values(names) -> dict:
    return {name: request.form.get(name, "").strip() for name in names}


def _errors_by_field(violations) -> dict[str, list[Violation]]:
    grouped: dict[str, list[Violation]] = {}
    for violation in violations:
        grouped.setdefault(violation.field, []).append(violation)
    return grouped


def _next_field() -> str:
    """Return the `next` the login form carries on: only a local path, else nothing."""
    target = request.values.get("next", "")
    return target if is_local_path(target) else ""


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the two login tabs and sign in with an account or a card."""
    mode = request.form.get("mode") or request.args.get("mode") or "account"
    error, status = None, 200
    if request.method == "POST":
        try:
            if mode == "card":
                card = service.authenticate_card(request.form.get("card_no", ""), request.form.get("pin", ""))
                user, card_id = card.user, card.id
            else:
                user = service.authenticate_account(request.form.get("username", ""), request.form.get("password", ""))
                card_id = None
        except RuleError as exc:
            error, status = f"{exc.violations[0].message}（{exc.violations[0].rule}）", exc.status
        else:
            _start_session(user, card_id)
            home = url_for("admin.index") if user.role in ("staff", "auditor") else url_for("home.index")
            return redirect(safe_redirect_target(request.form.get("next"), home))
    return render_template("auth/login.html", mode=mode, error=error,
                           next=_next_field()), status


@bp.route("/logout", methods=["POST"])
def logout():
    """End this session on the server (or, with `everywhere`, every session and API token of the user)."""
    record = g.get("login_session")
    if record is not None and request.form.get("everywhere"):
        sessions.end_all_sessions(db.session, record.user_id)
    else:
        sessions.end_session(db.session, session.get("sid"))
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Register an enterprise and its administrator, then log the administrator in (U-1)."""
    values = _form_values(REGISTRATION_FIELDS)
    values["business_types"] = request.form.getlist("business_types")
    violations, status = [], 200
    if request.method == "POST":
        try:
            user = accounts.register_enterprise(db.session, password=request.form.get("password", ""),
                                                password_confirm=request.form.get("password_confirm", ""), **values)
            db.session.commit()
        except RuleError as exc:
            db.session.rollback()
            violations, status = exc.violations, exc.status
        else:
            _start_session(user)
            flash(_("注册成功：%(name)s 已成为企业管理员，请在“用户与卡管理”中添加操作员和绑定卡介质。",
                    name=user.name), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/register.html", values=values, violations=violations,
                           errors=_errors_by_field(violations), business_types=codes.choices("business_types"),
                           id_types=codes.choices("id_types")), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; every other session and API token of the user ends (U-4)."""
    violations, status = [], 200
    if request.method == "POST":
        user = current_identity().user
        try:
            accounts.change_password(db.session, user, current_password=request.form.get("current_password", ""),
                                     new_password=request.form.get("new_password", ""),
                                     new_password_confirm=request.form.get("new_password_confirm", ""))
        except RuleError as exc:
            db.session.rollback()
            violations, status = exc.violations, exc.status
        else:
            db.session.commit()
            _start_session(user, _session_card_id())  # this browser stays logged in, in a new session
            flash(_("密码已修改，其他登录和接口令牌已失效。"), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/password.html", violations=violations,
                           errors=_errors_by_field(violations)), status


def _session_card_id() -> int | None:
    """Return the card of the current page login, if it is a card login."""
    identity = current_identity()
    return identity.card.id if identity is not None and identity.card is not None else None


# ---- enterprise administrator: operators, permissions, cards (U-3) ------------------------------

def _admin_identity():
    identity = current_identity()
    if identity is None or not identity.is_ent_admin:
        raise RuleError([Violation("U-3", "role", "仅企业管理员可管理本企业的用户、权限和卡介质")], status=403)
    return identity


def _operators_page(status: int = 200, operator_form=None, card_form=None):
    identity = _admin_identity()
    users = accounts.list_enterprise_users(db.session, identity)
    operator_values, operator_violations = operator_form or ({"module_q": True, "module_c": True}, [])
    card_values, card_violations = card_form or ({"card_type": "OPERATOR"}, [])
    return render_template(
        "auth/operators.html", users=users, enterprise=identity.user.enterprise,
        user_options=[(u.username, f"{u.username}（{u.name}）", "") for u in users if u.active],
        id_types=codes.choices("id_types"),
        operator=operator_values, operator_violations=operator_violations,
        operator_errors=_errors_by_field(operator_violations),
        card=card_values, card_violations=card_violations, card_errors=_errors_by_field(card_violations),
    ), status


def _done(message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("auth.operators"))


def _refused(exc: RuleError):
    db.session.rollback()
    flash(refusal_text(exc.violations), "error")
    return redirect(url_for("auth.operators"))


@bp.route("/account/operators", methods=["GET", "POST"])
@login_required
def operators():
    """List the enterprise's users and cards; POST creates an operator (U-3)."""
    identity = _admin_identity()
    if request.method == "GET":
        return _operators_page()
    values = _form_values(OPERATOR_FIELDS)
    values["module_q"] = bool(request.form.get("module_q"))
    values["module_c"] = bool(request.form.get("module_c"))
    try:
        user = accounts.create_operator(db.session, identity, password=request.form.get("password", ""), **values)
    except RuleError as exc:
        db.session.rollback()
        return _operators_page(exc.status, operator_form=(values, exc.violations))
    return _done(_("已创建操作员 %(username)s", username=user.username))


@bp.route("/account/operators/<int:user_id>/permissions", methods=["POST"])
@login_required
def operator_permissions(user_id: int):
    """Grant or revoke an operator's module Q / module C permissions (U-3)."""
    identity = _admin_identity()
    try:
        user = accounts.set_permissions(db.session, identity, user_id,
                                        module_q=bool(request.form.get("module_q")),
                                        module_c=bool(request.form.get("module_c")))
    except RuleError as exc:
        return _refused(exc)
    return _done(_("已更新 %(username)s 的业务权限", username=user.username))


@bp.route("/account/operators/<int:user_id>/deactivate", methods=["POST"])
@login_required
def deactivate_operator(user_id: int):
    """Deactivate a user of the enterprise and revoke its cards (U-3)."""
    identity = _admin_identity()
    try:
        user = accounts.deactivate_user(db.session, identity, user_id)
    except RuleError as exc:
        return _refused(exc)
    return _done(_("已停用用户 %(username)s", username=user.username))


@bp.route("/account/cards", methods=["POST"])
@login_required
def bind_card():
    """Bind a 法人卡 or 操作员卡 to a user of the enterprise (U-3)."""
    identity = _admin_identity()
    values = _form_values(CARD_FIELDS)
    try:
        card = accounts.bind_card(db.session, identity, pin=request.form.get("pin", ""), **values)
    except RuleError as exc:
        db.session.rollback()
        return _operators_page(exc.status, card_form=(values, exc.violations))
    return _done(_("已绑定卡介质 %(card_no)s", card_no=card.card_no))


@bp.route("/account/cards/<int:card_id>/revoke", methods=["POST"])
@login_required
def revoke_card(card_id: int):
    """Revoke a card of the enterprise (U-3)."""
    identity = _admin_identity()
    try:
        card = accounts.revoke_card(db.session, identity, card_id)
    except RuleError as exc:
        return _refused(exc)
    return _done(_("已注销卡介质 %(card_no)s", card_no=card.card_no))
