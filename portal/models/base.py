"""Column helpers and mixins shared by every register."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, func
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from portal import clock
from portal.extensions import db


def status_check(column: str, codes, name: str | None = None) -> CheckConstraint:
    """Limit a status column to its codes (SPEC status tables)."""
    quoted = ", ".join(str(c) if isinstance(c, int) else f"'{c}'" for c in codes)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_codes")


class Model(db.Model):
    """Abstract base: integer id, created/updated times, tenancy hook."""

    __abstract__ = True
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now_naive, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, default=clock.now_naive, onupdate=clock.now_naive, nullable=False)

    # Column naming the owning enterprise; None means not tenant-owned (code tables etc.).
    __tenant_column__: str | None = None
    # Chinese name of the register for the admin and the audit log.
    __label__: str = ""

    @classmethod
    def tenant_clause(cls, enterprise_id: int):
        """Return the SQL condition that keeps only rows the enterprise may see (§0)."""
        if cls.__tenant_column__ is None:
            return None
        return getattr(cls, cls.__tenant_column__) == enterprise_id


class Versioned:
    """Optimistic locking for every record with a lifecycle."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls):  # noqa: N805 - SQLAlchemy hook
        return {"version_id_col": cls.version}


def utcnow_sql():
    """Database-side now() for defaults written by SQL."""
    return func.now()
