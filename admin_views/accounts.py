"""企业与用户: enterprises, users, cards, API tokens and login sessions (SPEC §1, §5)."""
from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import PasswordField
from wtforms.validators import ValidationError

from admin_views.base import SecureModelView, rule_validator, violation_text
from admin_views.labels import CARD_TYPE_NAMES, LOGIN_MODE_NAMES, ROLE_NAMES, choices
from portal import clock
from portal import models as m
from portal.extensions import db
from portal.qualification.state import enterprise_state, reference_data
from rules.qualification_basic import (ENTERPRISE_LABELS, enterprise_format_violations, express_operator_violations,
                                       parent_violations, region_customs_violations)
from rules.qualification_data import held_types
from portal.accounts import password_violations, pin_violations
from portal.auth.passwords import hash_secret
from rules.identifiers import org_code_violations, uscc_violations
from rules.violations import Violation

CATEGORY = "企业与用户"


def set_secret(model, attribute: str, value: str, check, is_created: bool, label: str) -> None:
    """Hash a newly typed password or PIN onto the model; a new record must get one."""
    if not value:
        if is_created:
            raise ValidationError(violation_text([Violation("U-4", attribute, f"新建时必须设置{label}")]))
        return
    violations = check(value)
    if violations:
        raise ValidationError(violation_text(violations))
    setattr(model, attribute, hash_secret(value))


class EnterpriseAdmin(SecureModelView):
    column_list = ["id", "uscc", "name_zh", "registration_code", "customs_code", "region_code",
                   "market_entity_type_code", "express_operator", "auto_aggregate", "filed_at"]
    column_searchable_list = ["uscc", "name_zh", "name_en", "registration_code"]
    column_filters = ["customs_code", "region_code", "market_entity_type_code", "express_operator",
                      "auto_aggregate", "filed_at"]
    system_filled = ("registration_code", "ciq_no", "local_ciq_authority", "filed_at")
    form_args = {"uscc": {"validators": [rule_validator(uscc_violations)]}}
    allow_delete = False

    def rule_violations(self, form, record):
        """Check the basic information as the filing form does: formats (Q-10), codes and region (Q-9), org
        code (Q-8), the parent unit against the types held (Q-11) and the express-operator flag (Q-12)."""
        enterprise = {name: form[name].data for name in ENTERPRISE_LABELS if name in form}
        today = clock.today()
        violations = enterprise_format_violations(enterprise, today)
        parent_code = str(enterprise.get("parent_code") or "").strip()
        ref = reference_data(db.session, record, parent_code, today)
        violations += region_customs_violations(enterprise, ref)
        if enterprise.get("org_code") and enterprise.get("uscc"):
            violations += org_code_violations(enterprise["org_code"], enterprise["uscc"])
        held = held_types(enterprise_state(db.session, record), today) if record is not None else set()
        own_codes = (record.uscc, record.registration_code) if record is not None else (enterprise.get("uscc"),)
        violations += parent_violations(enterprise, sorted(held), ref, [c for c in own_codes if c])
        return violations + express_operator_violations(enterprise, held)


class UserAdmin(SecureModelView):
    column_list = ["id", "username", "name", "role", "enterprise_id", "active", "perm_module_q", "perm_module_c",
                   "last_login_at", "locked_until"]
    column_choices = {"role": choices(ROLE_NAMES)}
    column_searchable_list = ["username", "name"]
    column_filters = ["role", "enterprise_id", "active", "last_login_at"]
    labels = {"name": "姓名", "enterprise_id": "所属企业", "enterprise": "所属企业"}
    system_filled = ("failed_logins", "last_login_at")
    form_extra_fields = {"new_password": PasswordField(lazy_gettext("新密码（留空则不修改）"))}
    allow_delete = False  # deactivate instead: audit rows and applications point at users

    def on_model_change(self, form, model, is_created):
        set_secret(model, "password_hash", form.new_password.data, password_violations, is_created, "密码")


class CardAdmin(SecureModelView):
    column_list = ["id", "card_no", "card_type", "user_id", "enterprise_id", "holder_name", "active", "valid_until",
                   "locked_until"]
    column_choices = {"card_type": choices(CARD_TYPE_NAMES)}
    column_searchable_list = ["card_no"]
    column_filters = ["card_type", "enterprise_id", "active", "valid_until"]
    system_filled = ("failed_logins",)
    form_extra_fields = {"new_pin": PasswordField(lazy_gettext("新口令 PIN（留空则不修改）"))}
    allow_delete = False  # revoke (active = no) instead

    def on_model_change(self, form, model, is_created):
        set_secret(model, "pin_hash", form.new_pin.data, pin_violations, is_created, "卡口令")


class ApiTokenAdmin(SecureModelView):
    """Tokens are issued by the API; staff may only revoke (delete) one."""

    column_list = ["id", "user_id", "card_id", "login_mode", "expires_at", "created_at"]
    column_choices = {"login_mode": choices(LOGIN_MODE_NAMES)}
    column_filters = ["login_mode", "expires_at"]
    allow_create = False
    allow_edit = False


class UserSessionAdmin(SecureModelView):
    """Page login sessions (U-4): staff may end one by deleting it."""

    column_list = ["id", "user_id", "card_id", "login_mode", "created_at", "expires_at", "revoked_at"]
    column_choices = {"login_mode": choices(LOGIN_MODE_NAMES)}
    column_filters = ["login_mode", "expires_at", "revoked_at"]
    labels = {"revoked_at": "结束时间"}
    allow_create = False
    allow_edit = False


def add_views(admin) -> None:
    """Add the enterprise and account registers."""
    admin.add_view(EnterpriseAdmin(m.Enterprise, category=CATEGORY))
    admin.add_view(UserAdmin(m.User, category=CATEGORY))
    admin.add_view(CardAdmin(m.Card, category=CATEGORY))
    admin.add_view(ApiTokenAdmin(m.ApiToken, category=CATEGORY))
    admin.add_view(UserSessionAdmin(m.UserSession, category=CATEGORY))
