"""Bounded counts for "what waits" badges: never a full count(*) on a register of a million rows.

A count reads at most COUNT_CAP + 1 index entries; more shows as "1000+". Shared by the staff
admin home and the enterprise start pages (a helper two layers use lives below both).
"""
from __future__ import annotations

from sqlalchemy import func, select

COUNT_CAP = 1000


def bounded_count(session, model, *conditions) -> int:
    """Count the rows matching `conditions`, reading at most COUNT_CAP + 1 of them (more means "1000+")."""
    capped = select(model.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
    return session.scalar(select(func.count()).select_from(capped))


def shown_count(count: int) -> str:
    """A bounded count as shown on a badge."""
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)
