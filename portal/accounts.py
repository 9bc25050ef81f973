"""Account operations shared by the pages, the API and the CLI (U-1..U-4)."""
from __future__ import annotations

from sqlalchemy import select

from portal.auth.passwords import hash_secret
from portal.models import User
from rules.violations import RuleError, Violation


def create_internal_user(session, *, role: str, username: str, name: str, password: str) -> User:
    """Create a staff or auditor account; refuse a taken username."""
    if role not in ("staff", "auditor"):
        raise RuleError([Violation("U-3", "role", "只能创建员工或审计员账号")])
    if len(password or "") < 8:
        raise RuleError([Violation("U-4", "password", "密码至少 8 位")])
    if session.scalar(select(User.id).where(User.username == username)):
        raise RuleError([Violation("U-1", "username", "用户名已存在")], status=409)
    user = User(username=username, name=name, role=role, password_hash=hash_secret(password), enterprise_id=None)
    session.add(user)
    session.flush()
    return user
