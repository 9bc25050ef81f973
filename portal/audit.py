"""Audit log written from SQLAlchemy session events (X-3): who, when, mode, IP, diff."""
from __future__ import annotations

import datetime as dt
import decimal
import hashlib
from contextvars import ContextVar

from flask import g, has_request_context, request
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from portal import clock

# Registers whose rows are audited through their parent record instead (bulk children).
NOT_AUDITED = {"audit_log", "api_tokens", "job_runs", "scheduler_leases", "receipts", "list_items",
               "declaration_items", "consolidation_mappings", "code_entries", "catalog_categories",
               "catalog_items", "catalog_services"}
SECRET_COLUMNS = {"password_hash", "pin_hash", "token_hash", "private_key_enc"}
# Columns kept whole in their own register (the customs messages' XML): the audit row names their digest.
BULKY_COLUMNS = {"xml"}

_actor: ContextVar[dict | None] = ContextVar("audit_actor", default=None)


def set_actor(username: str, login_mode: str = "system", user_id: int | None = None):
    """Name who acts outside a request (CLI, scheduler); returns a reset token."""
    return _actor.set({"username": username, "login_mode": login_mode, "user_id": user_id, "ip": None})


def act_as(user, login_mode: str) -> None:
    """Name the user a log-in attempt is for, so its audit rows (last log-in, failures, lock) say who (X-3)."""
    if has_request_context():
        g.audit_login = {"username": user.username, "login_mode": login_mode, "user_id": user.id}


def current_actor() -> dict:
    """Return the acting user for the audit row (request identity, the user logging in, or the set actor)."""
    if has_request_context():
        identity = getattr(g, "identity", None)
        ip = request.remote_addr  # the proxy's client address only through ProxyFix (TRUSTED_PROXIES)
        if identity is not None:
            return {"username": identity.user.username, "login_mode": identity.login_mode,
                    "user_id": identity.user.id, "ip": ip}
        logging_in = g.get("audit_login")
        if logging_in is not None:
            return {**logging_in, "ip": ip}
        return {"username": None, "login_mode": "anonymous", "user_id": None, "ip": ip}
    return _actor.get() or {"username": "system", "login_mode": "system", "user_id": None, "ip": None}


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (dict, list, str, int, float, bool)) or value is None:
        return value
    return str(value)


def _digest(text):
    """Name a bulky text by its SHA-256 and length (the text itself stays in its register)."""
    if not isinstance(text, str):
        return text
    return f"sha256:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}（{len(text)} 字符）"


def _diff(obj, action: str) -> dict:
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in ("created_at", "updated_at"):
            continue
        hist = state.attrs[key].history
        if action == "update":
            if not hist.has_changes():
                continue
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
        elif action == "create":
            old, new = None, getattr(obj, key)
        else:
            old, new = getattr(obj, key), None
        if key in SECRET_COLUMNS:
            old, new = ("***" if old else None), ("***" if new else None)
        elif key in BULKY_COLUMNS:
            old, new = _digest(old), _digest(new)
        changes[key] = [_plain(old), _plain(new)]
    return changes


def _audited(obj) -> bool:
    table = getattr(obj, "__tablename__", None)
    return table is not None and table not in NOT_AUDITED


def record(session: Session, table_name: str, record_id: int | None, action: str, diff: dict) -> None:
    """Write one audit row directly (for bulk SQL transitions that bypass ORM events)."""
    actor = current_actor()
    session.execute(insert(_audit_table()), [{
        "at": clock.now_naive(), "created_at": clock.now_naive(), "updated_at": clock.now_naive(),
        "user_id": actor["user_id"], "username": actor["username"], "login_mode": actor["login_mode"],
        "ip": actor["ip"], "table_name": table_name, "record_id": record_id, "action": action,
        "diff": {k: [_plain(a), _plain(b)] for k, (a, b) in diff.items()},
    }])


def object_diff(obj, action: str) -> dict:
    """Return the field diff of an ORM object for `action` (read before the flush for an update)."""
    return _diff(obj, action)


def record_object(session: Session, obj, action: str, diff: dict | None = None) -> None:
    """Write one audit row for an ORM object of a register the session events skip (admin writes, X-3).

    `diff` None means the whole row (a create); an update with an empty diff changed nothing and is not logged."""
    if diff is None:
        diff = _diff(obj, "create")
    if diff or action != "update":
        record(session, obj.__tablename__, getattr(obj, "id", None), action,
               {key: tuple(change) for key, change in diff.items()})


def note_opinion(session: Session, opinion: str, key: str = "opinion") -> None:
    """Put a staff decision's opinion (删除, S-3) or a correction's reason into the audit rows of the records the
    next flush updates or deletes, under `key`."""
    session.info["audit_opinion"] = (key, opinion)


def _audit_table():
    from portal.models import AuditLog
    return AuditLog.__table__


def _before_flush(session, flush_context, instances):
    pending = session.info.setdefault("audit_pending", [])
    for obj in session.new:
        if _audited(obj):
            pending.append(("create", obj, None))
    note = session.info.pop("audit_opinion", None)
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=False):
            diff = _diff(obj, "update")
            if diff and note:
                diff[note[0]] = [None, note[1]]
            if diff:
                action = "status" if "status" in diff else "update"
                pending.append((action, obj, diff))
    for obj in session.deleted:
        if _audited(obj):
            diff = _diff(obj, "delete")
            if note:
                diff[note[0]] = [None, note[1]]
            pending.append(("delete", obj, diff))


def _after_flush(session, flush_context):
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    actor = current_actor()
    now = clock.now_naive()
    rows = []
    for action, obj, diff in pending:
        if diff is None:   # a create: the whole row, read after the flush (ids and defaults filled in)
            diff = _diff(obj, "create")
        rows.append({"at": now, "created_at": now, "updated_at": now, "user_id": actor["user_id"],
                     "username": actor["username"], "login_mode": actor["login_mode"], "ip": actor["ip"],
                     "table_name": obj.__tablename__, "record_id": getattr(obj, "id", None),
                     "action": action, "diff": diff})
    session.connection().execute(insert(_audit_table()), rows)


def init_app(app) -> None:
    """Attach the audit listeners to every session (once per process)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
