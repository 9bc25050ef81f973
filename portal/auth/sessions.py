"""Page login sessions held on the server (U-4).

The signed session cookie carries only a random session id; its hash names a `user_sessions` row that
says who is logged in, with which card, until when. A request is logged in only while that row is live,
so ending a session is one UPDATE: logout ends the browser's own session, "log out everywhere" and a
changed password (or a deactivated user) end every session and every API token of the user at once.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, event, inspect, select, update
from sqlalchemy.orm import Session

from portal import clock
from portal.models import ApiToken, User, UserSession


def _wall_time() -> datetime:
    """Real China time: a session ends in real time, like its cookie, whatever time a demo or a test
    sets for the business rules (PORTAL_NOW, clock.frozen; S-5)."""
    return datetime.now(clock.CHINA).replace(tzinfo=None)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_session(db_session, user: User, card_id: int | None) -> str:
    """Store a new live session for the user (and card) and return its id for the cookie."""
    session_id = secrets.token_urlsafe(32)
    lifetime: timedelta = current_app.config["PERMANENT_SESSION_LIFETIME"]
    db_session.add(UserSession(token_hash=_digest(session_id), user_id=user.id, card_id=card_id,
                               login_mode="card" if card_id else "account",
                               expires_at=_wall_time() + lifetime))
    db_session.flush()
    return session_id


def live_session(db_session, session_id: str | None) -> UserSession | None:
    """Return the session record for a cookie's session id while it is live (not ended, not expired)."""
    if not session_id or not isinstance(session_id, str):
        return None
    record = db_session.scalar(select(UserSession).where(UserSession.token_hash == _digest(session_id)))
    if record is None or record.revoked_at is not None or record.expires_at <= _wall_time():
        return None
    return record


def end_session(db_session, session_id: str | None) -> None:
    """End one session (logout)."""
    record = live_session(db_session, session_id)
    if record is not None:
        record.revoked_at = _wall_time()
        db_session.flush()


def _revoke_statements(user_id: int):
    now, sessions, tokens = _wall_time(), UserSession.__table__, ApiToken.__table__
    return (update(sessions).where(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=now, updated_at=now),
            delete(tokens).where(tokens.c.user_id == user_id))


def end_all_sessions(db_session, user_id: int) -> None:
    """End every page session and API token of the user ("log out everywhere")."""
    for statement in _revoke_statements(user_id):
        db_session.execute(statement)


def _credentials_changed(user: User) -> bool:
    state = inspect(user)
    if state.pending or state.transient:
        return False
    password = state.attrs.password_hash.history
    active = state.attrs.active.history
    return bool(password.deleted and password.added) or (bool(active.deleted) and active.added == [False])


def _before_flush(db_session, flush_context, instances):
    """A new password or a deactivated user ends the user's sessions and tokens, whichever code changed it
    (the password page, the staff admin, the operator management)."""
    for obj in list(db_session.dirty):
        if isinstance(obj, User) and _credentials_changed(obj):
            for statement in _revoke_statements(obj.id):
                db_session.connection().execute(statement)


def init_app(app) -> None:
    """Listen for password changes and deactivations on every session (once per process)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
