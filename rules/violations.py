"""The one shape every rule returns: a violation with rule id, field and Chinese message."""
from __future__ import annotations

from dataclasses import dataclass, asdict


@dataclass(frozen=True)
class Violation:
    """One broken rule: which rule, which field, what to tell the user (Chinese)."""

    rule: str
    field: str
    message: str

    def as_dict(self) -> dict:
        """Return the violation as the API's JSON shape."""
        return asdict(self)


class RuleError(Exception):
    """Raised by operations when rules refuse an action; carries every violation."""

    def __init__(self, violations, status: int = 422):
        self.violations = list(violations)
        self.status = status
        super().__init__("; ".join(f"[{v.rule}] {v.field}: {v.message}" for v in self.violations))
