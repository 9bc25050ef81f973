"""Lifecycles as data: the one place where each register's statuses and moves live (STYLE 11).

Every register with a status has one `Lifecycle` (the tables are in `rules/lifecycles_qualification.py`
and `rules/lifecycles_collection.py`): its statuses (code, Chinese and English name), its moves
(from → to, who may make it, the rule id, the operation's name, whether it needs a confirmation and
a required opinion) and who may edit or delete a record in which status. Everything else reads it:
`portal.transitions.transition()` refuses a move the table does not hold, the simulator's steps and
the review screens' decisions are the table's customs moves, and every status name shown anywhere
(pages, admin, PDFs, exports, API) is `Lifecycle.status_name`.

Pure data and small pure functions: no Flask, no database.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from rules.lifecycles_base import (ACT, ACTOR_NAMES, FAIL, REJECT, SOURCE_ACTORS, Actor, Lifecycle, Move,  # noqa: F401
                                   Status)
from rules.lifecycles_collection import (AGGREGATION_REQUESTS, CHANGE_REQUESTS, COLLECTION_FILINGS, DECLARATIONS,
                                         FILING_REQUESTS, LIST_HEADS, PRODUCT_VOLUMES)
from rules.lifecycles_messages import CUSTOMS_MESSAGES
from rules.lifecycles_qualification import APPLICATIONS, CERTIFICATES, QUALIFICATIONS
from rules.violations import Violation


def move_violations(move: Move, current, actor: Actor | str | None = None,
                    rule: str | None = None) -> list[Violation]:
    """Refuse a move from `current` the table does not allow, or by an actor it does not name."""
    lifecycle = lifecycle_of(move.register)
    rule = rule or move.rule
    if move not in lifecycle.moves:
        return [Violation(rule, "status", f"生命周期表中没有“{move.label}”这一状态变更")]
    if not any(current == s or str(current) == str(s) for s in move.sources):
        return [Violation(rule, "status", f"当前状态“{lifecycle.status_name(current)}”不允许"
                                          f"{move.label}（变更为“{lifecycle.status_name(move.target)}”）")]
    if actor is not None and not move.allows(actor):
        who = "、".join(ACTOR_NAMES[a] for a in sorted(move.actors))
        return [Violation(rule, "status", f"只有{who}可以{move.label}")]
    return []


def opinion_violations(move: Move, opinion: str | None, limit: int = 1000) -> list[Violation]:
    """A refusing or destroying decision needs an opinion (S-3); no opinion is longer than `limit`."""
    text = (opinion or "").strip()
    if move.opinion and not text:
        return [Violation("S-3", "opinion", f"{move.label}须填写意见")]
    if len(text) > limit:
        return [Violation("S-3", "opinion", f"意见不能超过 {limit} 个字符")]
    return []


def actor_of(source: str) -> Actor:
    """Return the actor a receipt's `source` stands for."""
    return SOURCE_ACTORS[source]


def lifecycle_of(register: str) -> Lifecycle:
    """Return the status table of a register (table name); KeyError for a register without one."""
    return STATUS_TABLES[register]


def status_name(register: str, code, lang: str = "zh") -> str:
    """Return the name of a register's status in `lang`."""
    return lifecycle_of(register).status_name(code, lang)


def all_moves() -> tuple:
    """Return every move of every lifecycle."""
    return tuple(m for lifecycle in LIFECYCLES.values() for m in lifecycle.moves)


LIFECYCLES: Mapping[str, Lifecycle] = MappingProxyType({lc.register: lc for lc in (
    APPLICATIONS, QUALIFICATIONS, CERTIFICATES, COLLECTION_FILINGS, PRODUCT_VOLUMES, FILING_REQUESTS, LIST_HEADS,
    CHANGE_REQUESTS, AGGREGATION_REQUESTS, DECLARATIONS)})
# Every status table: the lifecycles above and the customs messages' statuses (not versioned records: no
# moves, never through transition(); rules/lifecycles_messages.py).
STATUS_TABLES: Mapping[str, Lifecycle] = MappingProxyType({**LIFECYCLES, CUSTOMS_MESSAGES.register: CUSTOMS_MESSAGES})
