"""Login checks shared by the login page and the token API, with lock-out (U-2, U-4)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from portal import audit, clock
from portal.extensions import db
from portal.models import ApiToken, Card, User
from rules.violations import RuleError, Violation

from .passwords import verify_secret


def _locked(record) -> bool:
    return record.locked_until is not None and record.locked_until > clock.now_naive()


def _register_failure(record) -> None:
    record.failed_logins += 1
    if record.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
        record.locked_until = clock.now_naive() + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        record.failed_logins = 0
    db.session.commit()


def _lock_message(minutes: int) -> Violation:
    return Violation("U-4", "login", f"连续登录失败次数过多，已锁定 {minutes} 分钟，请稍后再试")


def authenticate_account(username: str, password: str) -> User:
    """Return the user for a username/password or raise RuleError(401/423)."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        verify_secret("$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA", password or "")
        raise RuleError([Violation("U-2", "username", "用户名或密码错误")], status=401)
    audit.act_as(user, "account")
    if _locked(user):
        raise RuleError([_lock_message(current_app.config["LOGIN_LOCK_MINUTES"])], status=423)
    if not user.active or not verify_secret(user.password_hash, password or ""):
        _register_failure(user)
        if _locked(user):
            raise RuleError([_lock_message(current_app.config["LOGIN_LOCK_MINUTES"])], status=423)
        raise RuleError([Violation("U-2", "username", "用户名或密码错误")], status=401)
    user.failed_logins = 0
    user.last_login_at = clock.now_naive()
    db.session.commit()
    return user


def authenticate_card(card_no: str, pin: str) -> Card:
    """Return the card for a card no./PIN or raise RuleError(401/423)."""
    card = db.session.scalar(select(Card).where(Card.card_no == (card_no or "").strip()))
    if card is None:
        raise RuleError([Violation("U-2", "card_no", "卡号或口令错误")], status=401)
    audit.act_as(card.user, "card")
    if _locked(card):
        raise RuleError([_lock_message(current_app.config["LOGIN_LOCK_MINUTES"])], status=423)
    if not card.active or not card.user.active or not verify_secret(card.pin_hash, pin or ""):
        _register_failure(card)
        if _locked(card):
            raise RuleError([_lock_message(current_app.config["LOGIN_LOCK_MINUTES"])], status=423)
        raise RuleError([Violation("U-2", "card_no", "卡号或口令错误")], status=401)
    card.failed_logins = 0
    card.user.last_login_at = clock.now_naive()
    db.session.commit()
    return card


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, card: Card | None) -> str:
    """Create a bearer token for the user (and card), store only its hash, return it."""
    token = secrets.token_urlsafe(32)
    hours = current_app.config["API_TOKEN_HOURS"]
    db.session.add(ApiToken(token_hash=_digest(token), user_id=user.id, card_id=card.id if card else None,
                            login_mode="card" if card else "account",
                            expires_at=clock.now_naive() + timedelta(hours=hours)))
    db.session.commit()
    return token


def resolve_token(token: str) -> ApiToken | None:
    """Return the live token record for a bearer token, or None."""
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if record is None or record.expires_at <= clock.now_naive() or not record.user.active:
        return None
    if record.card is not None and not record.card.active:  # a revoked card ends its tokens (U-3)
        return None
    return record
