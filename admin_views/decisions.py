"""The staff decisions of the review screens, read from the lifecycle tables (rules/lifecycle.py, S-3).

A review screen offers, for a record in a status, the moves staff may choose there (customs moves, staff
acting as customs, and staff's own, e.g. 取消资质), and calls the operation registered for the move
(`portal.transitions.performs`). A move that refuses or destroys needs a confirmation step and a required
opinion; the opinion goes into the receipt and the audit log (transition()).
"""
from __future__ import annotations

from flask import request

from portal.transitions import operation_for
from rules.lifecycle import ACT, Actor, Lifecycle, Move, move_violations, opinion_violations

OPINION_LENGTH = 1000


def _style(move: Move) -> str:
    if move.opinion:
        return "btn-outline-danger"
    return "btn-success" if move.simulate == ACT else "btn-outline-primary"


def decision_buttons(lifecycle: Lifecycle, status) -> list[tuple[str, str, str]]:
    """Return the (move name, button style, label) of each decision staff may take from `status`."""
    return [(move.name, _style(move), move.label) for move in lifecycle.decisions_from(status, Actor.STAFF)]


def decision_named(lifecycle: Lifecycle, name: str) -> Move | None:
    """Return the staff decision of the table called `name`, None when there is none."""
    return next((m for m in lifecycle.moves if m.name == name and not m.effect and m.allows(Actor.STAFF)), None)


def decision_violations(move: Move, record, opinion: str, rule: str | None = None) -> list:
    """Refuse a decision the record's status does not allow, or a refusal without an opinion (S-3)."""
    return (move_violations(move, record.status, Actor.STAFF, rule)
            or opinion_violations(move, opinion, OPINION_LENGTH))


def awaiting_confirmation(move: Move) -> bool:
    """Tell whether a refusing or destroying decision was posted without its confirmation yet."""
    return move.confirm and request.form.get("confirmed") != "1"


def make_decision(session, move: Move, record, opinion: str) -> None:
    """Call the operation that makes `move` as staff; the caller commits."""
    operation_for(move)(session, record, opinion, source="staff")
