"""The building blocks of the lifecycle tables (Actor, Status, Move, Lifecycle); see rules/lifecycle.py."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Mapping


class Actor(StrEnum):
    """Who makes a move. Staff may also make every customs move (staff acting as customs, S-3)."""

    ENTERPRISE = "enterprise"
    AGENT = "agent"
    STAFF = "staff"
    CUSTOMS = "customs"
    SCHEDULER = "scheduler"


ACTOR_NAMES = MappingProxyType({Actor.ENTERPRISE: "企业", Actor.AGENT: "代理企业", Actor.STAFF: "工作人员",
                                Actor.CUSTOMS: "海关", Actor.SCHEDULER: "调度任务"})
# The `source` a receipt records → the actor it stands for.
SOURCE_ACTORS = MappingProxyType({"enterprise": Actor.ENTERPRISE, "agent": Actor.AGENT, "staff": Actor.STAFF,
                                  "customs": Actor.CUSTOMS, "system": Actor.SCHEDULER,
                                  "scheduler": Actor.SCHEDULER})
E, A, S, C, T = Actor.ENTERPRISE, Actor.AGENT, Actor.STAFF, Actor.CUSTOMS, Actor.SCHEDULER
FILERS = frozenset({E, A})              # the enterprise, or the agent filing or declaring for it
CUSTOMS_ONLY = frozenset({C})           # simulated customs, or staff deciding as customs
# Simulator roles of a customs move: the normal outcome, the receipt-failure draw, the watch-list refusal (S-2).
ACT, FAIL, REJECT = "act", "fail", "reject"


@dataclass(frozen=True)
class Status:
    """One status of a register: its code (text or number) and its names."""

    code: object
    zh: str
    en: str


@dataclass(frozen=True, eq=False)
class Move:
    """One allowed move of a register: from `sources` to `target`, by `actors`, under `rule`.

    name      the operation that makes it (verb_noun, as in portal/)
    label     the decision's Chinese name (the button of a review screen, the receipt's default message)
    opinion   a refusing or destroying decision: it needs a confirmation step and a required opinion,
              which goes into the receipt and the audit log (取消资质, 不予受理, 退单, 审批不通过, 核准拒绝)
    effect    made only as the effect of another move (a filing's volumes cancelled with it …), never
              offered as a decision of its own
    simulate  the simulator's role for this customs move (ACT, FAIL or REJECT), None when not simulated
    delay     the simulator setting: seconds a record waits in its source status before the step
    """

    register: str
    name: str
    sources: tuple
    target: object
    actors: frozenset
    rule: str
    label: str
    opinion: bool = False
    effect: bool = False
    simulate: str | None = None
    delay: str | None = None

    def allows(self, actor: Actor | str) -> bool:
        """Tell whether `actor` may make this move (staff may make every customs move, S-3)."""
        actor = Actor(actor)
        return actor in self.actors or (actor == Actor.STAFF and Actor.CUSTOMS in self.actors)

    @property
    def confirm(self) -> bool:
        """A decision that refuses or destroys is confirmed before it is made (SPEC S-3, issue 12 item 5)."""
        return self.opinion

    def __repr__(self) -> str:
        return f"<Move {self.register}.{self.name} {self.sources}→{self.target!r}>"


@dataclass(frozen=True, eq=False)
class Lifecycle:
    """The lifecycle of one register: statuses, moves, and who may edit or delete in which status."""

    register: str
    title: str
    rule: str
    statuses: tuple
    moves: tuple
    editable_in: Mapping = field(default_factory=dict)      # status → actors who may edit record and child rows
    deletable_in: Mapping = field(default_factory=dict)     # status → actors who may delete the record
    initial: object = None
    number: str | None = None                               # the column naming a record (receipts, draws)

    def __post_init__(self):
        codes = self.codes
        problems = [m for m in self.moves if m.register != self.register or m.target not in codes
                    or any(s not in codes for s in m.sources)]
        problems += [s for s in (*self.editable_in, *self.deletable_in) if s not in codes]
        if problems or (self.initial is not None and self.initial not in codes):
            raise ValueError(f"lifecycle {self.register}: unknown status or register in {problems}")

    @property
    def codes(self) -> tuple:
        """Return the status codes in table order."""
        return tuple(s.code for s in self.statuses)

    def names(self, lang: str = "zh") -> dict:
        """Return {code: name} in table order."""
        return {s.code: (s.en if lang == "en" else s.zh) for s in self.statuses}

    def status(self, code) -> Status | None:
        """Return the Status of `code` (a numeric status may come as text), None when unknown."""
        for status in self.statuses:
            if status.code == code or str(status.code) == str(code):
                return status
        return None

    def status_name(self, code, lang: str = "zh") -> str:
        """Return the name of a status in `lang` (zh or en); the code itself when unknown."""
        status = self.status(code)
        if status is None:
            return "" if code is None else str(code)
        return status.en if lang == "en" else status.zh

    def editable(self, status, actor: Actor | str) -> bool:
        """Tell whether `actor` may edit the record (and its child rows) in `status`."""
        return Actor(actor) in self.editable_in.get(self._code(status), ())

    def deletable(self, status, actor: Actor | str) -> bool:
        """Tell whether `actor` may delete the record in `status`."""
        return Actor(actor) in self.deletable_in.get(self._code(status), ())

    def editable_statuses(self, actor: Actor | str) -> tuple:
        """Return the statuses in which `actor` may edit, in table order."""
        return tuple(code for code in self.codes if self.editable(code, actor))

    def deletable_statuses(self, actor: Actor | str) -> tuple:
        """Return the statuses in which `actor` may delete, in table order."""
        return tuple(code for code in self.codes if self.deletable(code, actor))

    def moves_from(self, status) -> tuple:
        """Return the moves that start in `status`, in table order."""
        code = self._code(status)
        return tuple(m for m in self.moves if code in m.sources)

    def decisions_from(self, status, actor: Actor | str = Actor.STAFF) -> tuple:
        """Return the moves `actor` may choose from `status` (effects excluded): a review screen's buttons."""
        return tuple(m for m in self.moves_from(status) if not m.effect and m.allows(actor))

    def decision_statuses(self, actor: Actor | str = Actor.STAFF) -> tuple:
        """Return the statuses in which `actor` has a decision to take, in table order."""
        return tuple(code for code in self.codes if self.decisions_from(code, actor))

    def move(self, name: str) -> Move:
        """Return the move called `name` (KeyError when the table has none)."""
        for move in self.moves:
            if move.name == name:
                return move
        raise KeyError(f"{self.register}.{name}")

    def _code(self, status):
        found = self.status(status)
        return found.code if found is not None else status
