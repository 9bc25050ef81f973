"""Who is acting: user, enterprise and login mode, the same for pages and the API (U-2, U-5)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, g

from portal.i18n import N_
from rules.violations import RuleError, Violation


@dataclass
class Identity:
    """The acting user with the mode of the login that started the session or token."""

    user: object
    login_mode: str  # 'account' | 'card'
    card: object | None = None

    @property
    def enterprise_id(self) -> int | None:
        return self.user.enterprise_id

    @property
    def is_staff(self) -> bool:
        return self.user.role == "staff"

    @property
    def is_auditor(self) -> bool:
        return self.user.role == "auditor"

    @property
    def is_enterprise(self) -> bool:
        return self.user.role in ("ent_admin", "ent_operator")

    @property
    def is_ent_admin(self) -> bool:
        return self.user.role == "ent_admin"

    def require_enterprise(self) -> None:
        """Refuse anyone who is not an enterprise user."""
        if not self.is_enterprise:
            raise RuleError([Violation("U-5", "role", "仅企业用户可办理此业务")], status=403)

    def require_module_q(self) -> None:
        """Refuse users without the module Q permission (U-3)."""
        self.require_enterprise()
        if not self.user.perm_module_q:
            raise RuleError([Violation("U-3", "permission", "未被授予资质备案业务权限")], status=403)

    def require_card(self, action: str = N_("此业务")) -> None:
        """Refuse account logins for card-only actions (U-5): module C and proxy filing."""
        self.require_enterprise()
        if self.login_mode != "card":
            raise RuleError([Violation("U-5", "login_mode", f"{action}需使用卡介质登录（无卡用户仅可办理本企业资质备案）")],
                            status=403)

    def require_module_c(self) -> None:
        """Module C needs a card login and the module C permission (U-3, U-5)."""
        self.require_card(N_("集中申报业务"))
        if not self.user.perm_module_c:
            raise RuleError([Violation("U-3", "permission", "未被授予集中申报业务权限")], status=403)


def current_identity() -> Identity | None:
    """Return the identity of the current request, if any."""
    return getattr(g, "identity", None)


def require_identity() -> Identity:
    """Return the identity or answer 401."""
    identity = current_identity()
    if identity is None:
        abort(401)
    return identity
