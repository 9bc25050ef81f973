"""The simulated customs' steps, read from the lifecycle tables (rules/lifecycle.py), S-2.

Every customs move marked `simulate` in a lifecycle makes a step for each status it starts in:

    act     the normal decision (ACT), made after the move's delay setting
    fail    the receipt-failure move (FAIL), made when the failure draw hits
    reject  the refusing move (REJECT), made with the watch-list opinion

A case starts in its register's entry status (the first status with an ACT step that no simulated
move leads to: a list's 2, an application's SUBMITTED) and follows its own ACT moves from there
(list 2 → 7 → 15, application SUBMITTED → RECEIVED → UNDER_REVIEW → APPROVED) until a status has no
step. A new simulated move is one line in its lifecycle table, nothing here.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from rules.lifecycle import ACT, FAIL, LIFECYCLES, REJECT, Move, lifecycle_of


@dataclass(frozen=True)
class Step:
    """One step of a register: the status a record waits in, the delay setting and the moves customs may make."""

    register: str
    from_status: object
    delay: str | None
    act: Move
    fail: Move | None = None
    reject: Move | None = None


def step_for(register: str, status) -> Step | None:
    """Return the step of `register` from `status` (text or code), None when customs has nothing to do there."""
    lifecycle = LIFECYCLES.get(register)
    if lifecycle is None:
        return None
    roles = {move.simulate: move for move in lifecycle.moves_from(status) if move.simulate}
    if ACT not in roles:
        return None
    found = lifecycle.status(status)
    return Step(register, found.code if found else status, roles[ACT].delay, roles[ACT], roles.get(FAIL),
                roles.get(REJECT))


@cache
def entry_status(register: str):
    """Return the status a declared record of `register` waits in for customs' first answer (None: no steps)."""
    lifecycle = lifecycle_of(register)
    reached = {move.target for move in lifecycle.moves if move.simulate}
    return next((code for code in lifecycle.codes
                 if code not in reached and step_for(register, code) is not None), None)


def failure_draw(register: str, business_no: str | None, record_version: int | None) -> float:
    """Map a record (register, number and version) to [0, 1) deterministically, as the simulator always has."""
    key = f"{register}:{business_no}:{record_version or 0}"
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64
