"""Login checks shared by the login page and the token API, with lock-out (U-2, U-4), and API tokens."""
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

from .passwords import burn_verification, verify_secret


def _locked(record) -> bool:
    return record.locked_until is not None and record.locked_until > clock.now_naive()


def _register_failure(record) -> None:
    record.failed_logins += 1
    if record.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
        record.locked_until = clock.now_naive() + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        record.failed_logins = 0
    db.session.commit()


def _refused(field: str) -> RuleError:
    """The one answer to every failed login (U-2, U-4): unknown, wrong, inactive and locked look alike,
    so neither the answer nor its timing tells whether an account or card exists."""
    message = "卡号或口令错误" if field == "card_no" else "用户名或密码错误"
    return RuleError([Violation("U-2", field, message)], status=401)


def _check(record, stored_hash: str | None, secret: str, usable: bool, field: str):
    """Verify the secret (against a dummy hash for an unknown login: the same cost), count the failure
    (not while locked, U-4) and refuse alike whatever went wrong."""
    if record is None:
        burn_verification(secret)
        raise _refused(field)
    matches = verify_secret(stored_hash, secret)  # also when locked or inactive: the same time
    if _locked(record):
        raise _refused(field)
    if not (usable and matches):
        _register_failure(record)
        raise _refused(field)
    record.failed_logins = 0


def authenticate_account(username: str, password: str) -> User:
    """Return the user for a username/password or raise RuleError(401)."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is not None:
        audit.act_as(user, "account")  # the audit rows of this attempt name the user
    _check(user, user.password_hash if user else None, password or "", bool(user and user.active), "username")
    user.last_login_at = clock.now_naive()
    db.session.commit()
    return user


def authenticate_card(card_no: str, pin: str) -> Card:
    """Return the card for a card no./PIN or raise RuleError(401)."""
    card = db.session.scalar(select(Card).where(Card.card_no == (card_no or "").strip()))
    if card is not None:
        audit.act_as(card.user, "card")
    usable = bool(card and card.active and card.user.active)
    _check(card, card.pin_hash if card else None, pin or "", usable, "card_no")
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
