"""Auth and accounts API (API.md "Auth"): tokens, registration, operators, cards, me (A-1, U-1..U-4)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from portal import accounts
from portal.api import base
from portal.auth import service
from portal.extensions import db
from rules.violations import RuleError, Violation


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenRequest(_Body):
    """Either username + password (account login) or card_no + pin (card login)."""

    username: str | None = None
    password: str | None = None
    card_no: str | None = None
    pin: str | None = None


class TokenResponse(BaseModel):
    token: str
    login_mode: Literal["account", "card"]
    enterprise_uscc: str | None


class RegistrationRequest(_Body):
    enterprise_name: str
    uscc: str
    org_code: str | None = None
    business_types: list[str]
    username: str
    password: str
    admin_name: str
    admin_id_type: str
    admin_id_no: str
    admin_mobile: str
    legal_rep_name: str | None = Field(None, max_length=100, description=(
        "法定代表人姓名：统一社会信用代码已在海关登记（尚无用户）时必填，须与登记信息一致 (U-1)"))
    legal_rep_id_no: str | None = Field(None, max_length=40, description=(
        "法定代表人证件号码：统一社会信用代码已在海关登记（尚无用户）时必填，须与登记信息一致 (U-1)"))


class RegistrationResponse(BaseModel):
    enterprise_uscc: str
    username: str
    role: Literal["ent_admin"]


class OperatorRequest(_Body):
    username: str
    password: str
    name: str
    id_type: str
    id_no: str
    mobile: str
    module_q: bool = True
    module_c: bool = True


class PermissionsRequest(_Body):
    module_q: bool
    module_c: bool


class UserResponse(BaseModel):
    username: str
    role: str


class CardRequest(_Body):
    card_no: str
    card_type: Literal["LEGAL", "OPERATOR"]
    username: str
    holder_name: str
    holder_id_type: str
    holder_id_no: str
    pin: str


class CardResponse(BaseModel):
    card_no: str


class CardItem(BaseModel):
    card_no: str
    card_type: str
    holder_name: str
    active: bool


class UserItem(BaseModel):
    username: str
    name: str
    role: str
    active: bool
    module_q: bool
    module_c: bool
    cards: list[CardItem]


class UserList(BaseModel):
    items: list[UserItem]


class EnterpriseRef(BaseModel):
    uscc: str
    name_zh: str


class MeResponse(BaseModel):
    username: str
    name: str
    role: str
    login_mode: Literal["account", "card"]
    card_no: str | None
    enterprise: EnterpriseRef | None
    module_q: bool
    module_c: bool


def _user_item(user) -> dict:
    return {"username": user.username, "name": user.name, "role": user.role, "active": user.active,
            "module_q": user.perm_module_q, "module_c": user.perm_module_c,
            "cards": [{"card_no": c.card_no, "card_type": c.card_type, "holder_name": c.holder_name,
                       "active": c.active} for c in user.cards]}


@base.endpoint("/tokens", methods=("POST",), body=TokenRequest, response=TokenResponse, auth=base.PUBLIC,
               status=201, errors=(401, 423), summary="登录取得令牌：用户名+密码（账号登录）或卡号+口令（卡介质登录）(A-1, U-2, U-4)")
def create_token():
    """Log in with an account or a card and return a bearer token (401 wrong, 423 locked)."""
    body = base.parse_body(TokenRequest)
    if body.card_no is not None:
        card = service.authenticate_card(body.card_no, body.pin or "")
        user, mode = card.user, "card"
    elif body.username is not None:
        card, user, mode = None, service.authenticate_account(body.username, body.password or ""), "account"
    else:
        raise RuleError([Violation("U-2", "body", "请提供 username/password 或 card_no/pin")], status=422)
    token = service.issue_token(user, card)
    return base.ok({"token": token, "login_mode": mode,
                    "enterprise_uscc": user.enterprise.uscc if user.enterprise else None}, 201)


@base.endpoint("/registrations", methods=("POST",), body=RegistrationRequest, response=RegistrationResponse,
               auth=base.PUBLIC, status=201, summary="企业用户注册：企业及其管理员 (U-1, Q-7, Q-8)")
def create_registration():
    """Register an enterprise and its administrator (422 per U-1/Q-7, 409 when already registered)."""
    body = base.parse_body(RegistrationRequest)
    user = accounts.register_enterprise(db.session, **body.model_dump())
    db.session.commit()
    return base.ok({"enterprise_uscc": user.enterprise.uscc, "username": user.username, "role": user.role}, 201)


@base.endpoint("/users", methods=("POST",), body=OperatorRequest, response=UserResponse, status=201,
               summary="企业管理员新增操作员 (U-3)")
def create_user():
    """Create an operator of the caller's enterprise (ent_admin only)."""
    body = base.parse_body(OperatorRequest)
    user = accounts.create_operator(db.session, base.identity(), **body.model_dump())
    db.session.commit()
    return base.ok({"username": user.username, "role": user.role}, 201)


@base.endpoint("/users", response=UserList, summary="本企业用户及其权限、卡介质 (U-3)")
def list_users():
    """List the users of the caller's enterprise with permissions and cards (ent_admin only)."""
    users = accounts.list_enterprise_users(db.session, base.identity())
    return base.ok({"items": [_user_item(u) for u in users]})


@base.endpoint("/users/<username>/permissions", methods=("PUT",), body=PermissionsRequest, response=UserItem,
               summary="授予或收回操作员的资质备案、集中申报业务权限 (U-3)")
def update_permissions(username: str):
    """Set an operator's module Q / module C permissions (ent_admin only)."""
    body = base.parse_body(PermissionsRequest)
    identity = base.identity()
    target = accounts.enterprise_user(db.session, identity, username)
    user = accounts.set_permissions(db.session, identity, target.id, body.module_q, body.module_c)
    db.session.commit()
    return base.ok(_user_item(user))


@base.endpoint("/users/<username>", methods=("DELETE",), status=204, summary="停用本企业用户并注销其卡介质 (U-3)")
def deactivate_user(username: str):
    """Deactivate a user of the caller's enterprise (ent_admin only)."""
    identity = base.identity()
    accounts.deactivate_user(db.session, identity, accounts.enterprise_user(db.session, identity, username).id)
    db.session.commit()
    return "", 204


@base.endpoint("/cards", methods=("POST",), body=CardRequest, response=CardResponse, status=201,
               summary="绑定法人卡或操作员卡 (U-3, U-4)")
def create_card():
    """Bind a card to a user of the caller's enterprise (ent_admin only; 422 per U-3)."""
    body = base.parse_body(CardRequest)
    card = accounts.bind_card(db.session, base.identity(), **body.model_dump())
    db.session.commit()
    return base.ok({"card_no": card.card_no}, 201)


@base.endpoint("/cards/<card_no>", methods=("DELETE",), status=204, summary="注销本企业卡介质 (U-3)")
def revoke_card(card_no: str):
    """Revoke a card of the caller's enterprise (ent_admin only)."""
    identity = base.identity()
    accounts.revoke_card(db.session, identity, accounts.enterprise_card(db.session, identity, card_no).id)
    db.session.commit()
    return "", 204


@base.endpoint("/me", response=MeResponse, summary="当前身份：用户、登录方式、企业 (U-2, U-5)")
def me():
    """Return who the token belongs to, its login mode and enterprise."""
    identity = base.identity()
    user, enterprise = identity.user, identity.user.enterprise
    return base.ok({"username": user.username, "name": user.name, "role": user.role,
                    "login_mode": identity.login_mode, "card_no": identity.card.card_no if identity.card else None,
                    "enterprise": {"uscc": enterprise.uscc, "name_zh": enterprise.name_zh} if enterprise else None,
                    "module_q": user.perm_module_q, "module_c": user.perm_module_c})
