"""Account operations shared by the pages, the API and the CLI (U-1..U-4).

Each operation checks every rule first and raises one RuleError carrying all violations; it
flushes (the audit log is written by the session events) and never commits.
"""
from __future__ import annotations

import hmac
import re

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import codes
from portal.auth.passwords import hash_secret, verify_secret
from portal.messaging.keys import issue_card_key
from portal.models import Card, Enterprise, User
from portal.models.accounts import CARD_TYPES
from rules.formats import is_blank, mobile_violations, person_id_violations
from rules.identifiers import org_code_from_uscc, org_code_violations, uscc_violations
from rules.violations import RuleError, Violation

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{4,32}$")
CARD_NO_PATTERN = re.compile(r"^[A-Za-z0-9]{4,32}$")
PIN_PATTERN = re.compile(r"^\d{6,8}$")
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
NAME_MAX_LENGTH = 100
ENTERPRISE_NAME_MAX_LENGTH = 200


# ---- checks (pure: values in, violations out) -------------------------------------------------

def _text(value) -> str:
    return "" if value is None else str(value).strip()


def password_violations(password, field: str = "password", confirm=None) -> list[Violation]:
    """Check the password policy: at least 8 characters with letters and digits (U-4)."""
    text = password or ""
    if not text:
        return [Violation("U-4", field, "密码不能为空")]
    result = []
    if len(text) < PASSWORD_MIN_LENGTH or len(text) > PASSWORD_MAX_LENGTH:
        result.append(Violation("U-4", field, f"密码长度应为{PASSWORD_MIN_LENGTH}至{PASSWORD_MAX_LENGTH}位"))
    if not (re.search(r"[A-Za-z]", text) and re.search(r"\d", text)):
        result.append(Violation("U-4", field, "密码必须同时包含字母和数字"))
    if confirm is not None and confirm != text:
        result.append(Violation("U-4", field + "_confirm", "两次输入的密码不一致"))
    return result


def pin_violations(pin, field: str = "pin") -> list[Violation]:
    """Check a card PIN is 6 to 8 digits (U-4)."""
    if PIN_PATTERN.match(pin or ""):
        return []
    return [Violation("U-4", field, "卡口令（PIN）应为6至8位数字")]


def username_violations(username, rule: str, field: str = "username") -> list[Violation]:
    """Check a username: 4–32 letters, digits, '_', '.', '-'."""
    if not _text(username):
        return [Violation(rule, field, "用户名不能为空")]
    if not USERNAME_PATTERN.match(_text(username)):
        return [Violation(rule, field, "用户名应为4至32位字母、数字、下划线、点或“-”")]
    return []


def person_violations(rule: str, id_types: frozenset, *, name, id_type, id_no, mobile=None,
                      prefix: str = "", mobile_required: bool = True) -> list[Violation]:
    """Check a person's name, ID type, ID number (Q-10) and mobile (Q-10)."""
    result = []
    if not _text(name):
        result.append(Violation(rule, prefix + "name", "姓名不能为空"))
    elif len(_text(name)) > NAME_MAX_LENGTH:
        result.append(Violation(rule, prefix + "name", f"姓名不能超过{NAME_MAX_LENGTH}个字符"))
    if not _text(id_type):
        result.append(Violation(rule, prefix + "id_type", "证件类型不能为空"))
    elif _text(id_type) not in id_types:
        result.append(Violation(rule, prefix + "id_type", f"证件类型“{id_type}”不在参数表中"))
    if is_blank(id_no):
        result.append(Violation("Q-10", prefix + "id_no", "证件号码不能为空"))
    else:
        result += person_id_violations(_text(id_type), _text(id_no).upper(), prefix + "id_no")  # 'x' is fine
    if mobile_required and is_blank(mobile):
        result.append(Violation("Q-10", prefix + "mobile", "移动电话不能为空"))
    else:
        result += mobile_violations(mobile, prefix + "mobile")
    return result


def enterprise_violations(business_type_codes: frozenset, *, enterprise_name, uscc, org_code,
                          business_types) -> list[Violation]:
    """Check the enterprise part of a registration: name, USCC (Q-7), org code (Q-8), types (U-1)."""
    result = []
    name = _text(enterprise_name)
    if not name:
        result.append(Violation("U-1", "enterprise_name", "企业中文名称不能为空"))
    elif len(name) > ENTERPRISE_NAME_MAX_LENGTH:
        result.append(Violation("U-1", "enterprise_name", f"企业中文名称不能超过{ENTERPRISE_NAME_MAX_LENGTH}个字符"))
    uscc_problems = uscc_violations(uscc)
    result += uscc_problems
    if not uscc_problems:
        result += org_code_violations(org_code, _text(uscc))
    chosen = [_text(code) for code in (business_types or []) if _text(code)]
    if not chosen:
        result.append(Violation("U-1", "business_types", "请至少选择一项企业类型"))
    unknown = sorted(set(chosen) - business_type_codes)
    if unknown:
        result.append(Violation("U-1", "business_types", f"企业类型“{'、'.join(unknown)}”不在参数表中"))
    return result


# ---- helpers that read the session -------------------------------------------------------------

def _username_taken(session, username: str) -> bool:
    return session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None


def _flush_unique(session, violation: Violation) -> None:
    """Flush; a unique index lost to a concurrent request becomes a 409 (the caller rolls back)."""
    try:
        session.flush()
    except IntegrityError:
        raise RuleError([violation], status=409) from None


def _require_admin(identity) -> None:
    # Account logins qualify too: the administrator registers with an account and binds cards afterwards (002).
    if identity is None or identity.user.role != "ent_admin" or identity.enterprise_id is None:
        raise RuleError([Violation("U-3", "role", "仅企业管理员可管理本企业的用户、权限和卡介质")], status=403)


def _own_user(session, identity, *, user_id=None, username=None, field: str = "user_id") -> User:
    """Return a user of the admin's enterprise; another enterprise's user is never revealed (404)."""
    stmt = select(User).where(User.enterprise_id == identity.enterprise_id)
    stmt = stmt.where(User.id == user_id) if user_id is not None else \
        stmt.where(User.username == _text(username))
    user = session.scalar(stmt)
    if user is None:
        raise RuleError([Violation("U-3", field, "本企业没有该用户")], status=404)
    return user


# ---- operations ----------------------------------------------------------------------------------

def create_internal_user(session, *, role: str, username: str, name: str, password: str) -> User:
    """Create a staff or auditor account; refuse a taken username."""
    if role not in ("staff", "auditor"):
        raise RuleError([Violation("U-3", "role", "只能创建员工或审计员账号")])
    violations = username_violations(username, "U-3") + password_violations(password)
    if violations:
        raise RuleError(violations)
    if _username_taken(session, username):
        raise RuleError([Violation("U-1", "username", "用户名已存在")], status=409)
    user = User(username=username, name=name, role=role, password_hash=hash_secret(password), enterprise_id=None)
    session.add(user)
    _flush_unique(session, Violation("U-1", "username", "用户名已存在"))
    return user


def _same_legal_rep(enterprise: Enterprise, name, id_no) -> bool:
    """Tell whether the given legal representative's name and ID number are the filed ones (U-1)."""
    filed_name, filed_id = _text(enterprise.legal_rep_name), _text(enterprise.legal_rep_id_no).upper()
    given_name, given_id = _text(name), _text(id_no).upper()
    same_name = hmac.compare_digest(filed_name.encode(), given_name.encode())
    same_id = hmac.compare_digest(filed_id.encode(), given_id.encode())
    return bool(filed_name and filed_id) and same_name and same_id


def register_enterprise(session, *, enterprise_name, uscc, org_code, business_types, username, password,
                        admin_name, admin_id_type, admin_id_no, admin_mobile, password_confirm=None,
                        legal_rep_name=None, legal_rep_id_no=None) -> User:
    """Register an enterprise and its first user, the enterprise administrator (U-1).

    A USCC already in the register without users (loaded by staff, filed for by a proxy) is attached to
    only with its filed legal representative's name and ID number; the refusal says nothing about the
    record (which part differed, or what is filed)."""
    uscc = _text(uscc).upper()
    id_types = codes.code_set("id_types")
    violations = enterprise_violations(codes.code_set("business_types"), enterprise_name=enterprise_name,
                                       uscc=uscc, org_code=org_code, business_types=business_types)
    violations += username_violations(username, "U-1")
    violations += password_violations(password, confirm=password_confirm)
    violations += person_violations("U-1", id_types, name=admin_name, id_type=admin_id_type, id_no=admin_id_no,
                                    mobile=admin_mobile, prefix="admin_")
    if violations:
        raise RuleError(violations)
    username = _text(username)
    conflicts = []
    if _username_taken(session, username):
        conflicts.append(Violation("U-1", "username", "用户名已存在，请更换"))
    enterprise = session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
    if enterprise is not None and session.scalar(select(User.id).where(User.enterprise_id == enterprise.id).limit(1)):
        conflicts.append(Violation("U-1", "uscc", "该统一社会信用代码的企业已注册，请联系本企业管理员分配账号"))
    if conflicts:
        raise RuleError(conflicts, status=409)
    if enterprise is not None and not _same_legal_rep(enterprise, legal_rep_name, legal_rep_id_no):
        raise RuleError([Violation("U-1", field, "该企业已在海关登记，请填写与登记信息一致的法定代表人姓名和证件号码")
                         for field in ("legal_rep_name", "legal_rep_id_no")])
    types = ",".join(sorted({_text(code) for code in business_types if _text(code)}))
    if enterprise is None:  # a new enterprise
        enterprise = Enterprise(uscc=uscc, org_code=org_code_from_uscc(uscc), name_zh=_text(enterprise_name),
                                business_types=types)
        session.add(enterprise)
    else:  # loaded by staff or filed for by a proxy, claimed by its legal representative: attach (002)
        enterprise.business_types = types
        enterprise.org_code = enterprise.org_code or org_code_from_uscc(uscc)
    _flush_unique(session, Violation("U-1", "uscc", "该统一社会信用代码的企业已注册"))
    admin = User(username=username, password_hash=hash_secret(password), name=_text(admin_name),
                 id_type=_text(admin_id_type), id_no=_text(admin_id_no).upper(), mobile=_text(admin_mobile),
                 role="ent_admin", enterprise_id=enterprise.id, perm_module_q=True, perm_module_c=True)
    session.add(admin)
    _flush_unique(session, Violation("U-1", "username", "用户名已存在，请更换"))
    return admin


def change_password(session, user: User, *, current_password, new_password, new_password_confirm=None) -> User:
    """Change the user's own password after checking the current one (U-4); every other session and API
    token of the user ends with it (portal/auth/sessions.py)."""
    violations = []
    if not verify_secret(user.password_hash, current_password or ""):
        violations.append(Violation("U-4", "current_password", "当前密码不正确"))
    violations += password_violations(new_password, "new_password", confirm=new_password_confirm)
    if not violations and new_password == current_password:
        violations.append(Violation("U-4", "new_password", "新密码不能与当前密码相同"))
    if violations:
        raise RuleError(violations)
    user.password_hash = hash_secret(new_password)
    session.flush()
    return user


def create_operator(session, admin_identity, *, username, password, name, id_type, id_no, mobile,
                    module_q: bool = True, module_c: bool = True) -> User:
    """Create an operator of the administrator's enterprise with its business permissions (U-3)."""
    _require_admin(admin_identity)
    violations = username_violations(username, "U-3") + password_violations(password)
    violations += person_violations("U-3", codes.code_set("id_types"), name=name, id_type=id_type, id_no=id_no,
                                    mobile=mobile)
    if violations:
        raise RuleError(violations)
    if _username_taken(session, _text(username)):
        raise RuleError([Violation("U-3", "username", "用户名已存在，请更换")], status=409)
    user = User(username=_text(username), password_hash=hash_secret(password), name=_text(name),
                id_type=_text(id_type), id_no=_text(id_no).upper(), mobile=_text(mobile), role="ent_operator",
                enterprise_id=admin_identity.enterprise_id, perm_module_q=bool(module_q),
                perm_module_c=bool(module_c))
    session.add(user)
    _flush_unique(session, Violation("U-3", "username", "用户名已存在，请更换"))
    return user


def set_permissions(session, admin_identity, user_id: int, module_q: bool, module_c: bool) -> User:
    """Grant or revoke an operator's module Q and module C permissions (U-3)."""
    _require_admin(admin_identity)
    user = _own_user(session, admin_identity, user_id=user_id)
    if user.role != "ent_operator":
        raise RuleError([Violation("U-3", "user_id", "企业管理员拥有全部业务权限，不能修改")])
    user.perm_module_q, user.perm_module_c = bool(module_q), bool(module_c)
    session.flush()
    return user


def _card_conflicts(session, enterprise_id: int, card_type: str, holder_id_no: str) -> list[Violation]:
    """Apply U-3: one active 法人卡 per enterprise; its holder gets no 操作员卡 there, and vice versa."""
    active = select(Card).where(Card.enterprise_id == enterprise_id, Card.active.is_(True))
    if card_type == "LEGAL" and session.scalar(active.where(Card.card_type == "LEGAL").limit(1)):
        raise RuleError([Violation("U-3", "card_type", "本企业已有有效的法人卡，请先注销原法人卡")], status=409)
    other = "OPERATOR" if card_type == "LEGAL" else "LEGAL"
    held = session.scalar(active.where(Card.card_type == other,
                                       func.upper(Card.holder_id_no) == holder_id_no).limit(1))
    if held is None:
        return []
    if card_type == "OPERATOR":
        return [Violation("U-3", "holder_id_no", "该证件号码的持有人已持有本企业法人卡，不能再办理本企业操作员卡")]
    return [Violation("U-3", "holder_id_no", "该证件号码的持有人已持有本企业操作员卡，不能再办理本企业法人卡")]


def bind_card(session, admin_identity, *, card_no, card_type, username, holder_name, holder_id_type,
              holder_id_no, pin) -> Card:
    """Bind an IC card / USB key (法人卡 or 操作员卡) to a user of the enterprise (U-3, U-4)."""
    _require_admin(admin_identity)
    violations = []
    if not CARD_NO_PATTERN.match(_text(card_no)):
        violations.append(Violation("U-3", "card_no", "卡号应为4至32位字母或数字"))
    if _text(card_type) not in CARD_TYPES:
        violations.append(Violation("U-3", "card_type", "卡类型应为法人卡（LEGAL）或操作员卡（OPERATOR）"))
    user = session.scalar(select(User).where(User.enterprise_id == admin_identity.enterprise_id,
                                             User.username == _text(username), User.active.is_(True)))
    if user is None:
        violations.append(Violation("U-3", "username", "本企业没有该有效用户"))
    violations += person_violations("U-3", codes.code_set("id_types"), name=holder_name, id_type=holder_id_type,
                                    id_no=holder_id_no, prefix="holder_", mobile_required=False)
    violations += pin_violations(pin)
    if violations:
        raise RuleError(violations)
    holder_id = _text(holder_id_no).upper()
    if session.scalar(select(Card.id).where(Card.card_no == _text(card_no))):
        raise RuleError([Violation("U-3", "card_no", "该卡号已被绑定")], status=409)
    conflicts = _card_conflicts(session, admin_identity.enterprise_id, _text(card_type), holder_id)
    if conflicts:
        raise RuleError(conflicts)
    card = Card(card_no=_text(card_no), card_type=_text(card_type), user_id=user.id,
                enterprise_id=admin_identity.enterprise_id, holder_name=_text(holder_name),
                holder_id_type=_text(holder_id_type), holder_id_no=holder_id, pin_hash=hash_secret(pin))
    issue_card_key(session, card)  # its SM2 key pair, certificate serial and certificate (issue 16)
    session.add(card)
    _flush_unique(session, Violation("U-3", "card_no", "该卡号已被绑定"))
    return card


def revoke_card(session, admin_identity, card_id: int) -> Card:
    """Revoke a card of the enterprise; it can no longer log in (U-3)."""
    _require_admin(admin_identity)
    card = session.scalar(select(Card).where(Card.id == card_id, Card.enterprise_id == admin_identity.enterprise_id))
    if card is None:
        raise RuleError([Violation("U-3", "card_id", "本企业没有该卡介质")], status=404)
    if not card.active:
        raise RuleError([Violation("U-3", "card_id", "该卡介质已注销")], status=409)
    card.active = False
    session.flush()
    return card


def deactivate_user(session, admin_identity, user_id: int) -> User:
    """Deactivate a user of the enterprise and revoke its cards (U-3)."""
    _require_admin(admin_identity)
    user = _own_user(session, admin_identity, user_id=user_id)
    if user.id == admin_identity.user.id:
        raise RuleError([Violation("U-3", "user_id", "不能停用自己的管理员账号")])
    if not user.active:
        raise RuleError([Violation("U-3", "user_id", "该用户已停用")], status=409)
    user.active = False
    for card in user.cards:
        card.active = False
    session.flush()
    return user


def list_enterprise_users(session, admin_identity) -> list[User]:
    """Return the users of the administrator's enterprise, administrator first (U-3)."""
    _require_admin(admin_identity)
    return list(session.scalars(select(User).where(User.enterprise_id == admin_identity.enterprise_id)
                                .order_by(User.role, User.username)))


def enterprise_user(session, admin_identity, username: str) -> User:
    """Return a user of the administrator's enterprise by username (404 otherwise)."""
    _require_admin(admin_identity)
    return _own_user(session, admin_identity, username=username, field="username")


def enterprise_card(session, admin_identity, card_no: str) -> Card:
    """Return a card of the administrator's enterprise by card no. (404 otherwise)."""
    _require_admin(admin_identity)
    card = session.scalar(select(Card).where(Card.enterprise_id == admin_identity.enterprise_id,
                                             Card.card_no == _text(card_no)))
    if card is None:
        raise RuleError([Violation("U-3", "card_no", "本企业没有该卡介质")], status=404)
    return card
