"""Audit log, scheduler runs, lease and simulator settings (SPEC §6, §9)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model


class AuditLog(Model):
    """Who changed what, when, from where, with the field-level diff (X-3)."""

    __tablename__ = "audit_log"
    __label__ = "审计日志"
    __table_args__ = (Index("ix_audit_log_table_record", "table_name", "record_id"),
                      Index("ix_audit_log_at", "at"),
                      Index("ix_audit_log_action", "action", "id"))
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    login_mode: Mapped[str | None] = mapped_column(String(10))
    ip: Mapped[str | None] = mapped_column(String(45))
    table_name: Mapped[str] = mapped_column(String(60), nullable=False)
    record_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    diff: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)


class JobRun(Model):
    """One scheduler job run; unique per (job, period) for periodic jobs (S-1, C-23)."""

    __tablename__ = "job_runs"
    __label__ = "调度运行记录"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_job_runs_job_period"),
                      Index("ix_job_runs_started", "started_at"))
    job: Mapped[str] = mapped_column(String(40), nullable=False)
    period: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(10), nullable=False, default="RUNNING")
    counts: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    message: Mapped[str | None] = mapped_column(Text)
    holder: Mapped[str | None] = mapped_column(String(100))


class SchedulerLease(Model):
    """The single scheduler lease across processes (S-4)."""

    __tablename__ = "scheduler_leases"
    __label__ = "调度租约"
    name: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    holder: Mapped[str] = mapped_column(String(100), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class Setting(Model):
    """A staff-editable setting (simulator switches, delays, rates)."""

    __tablename__ = "settings"
    __label__ = "系统设置"
    key: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    value: Mapped[str] = mapped_column(String(200), nullable=False)
    note: Mapped[str | None] = mapped_column(String(200))


class NumberSequence(Model):
    """A counter per number kind and day, for the 18-character unified numbers."""

    __tablename__ = "number_sequences"
    __label__ = "编号序列"
    __table_args__ = (UniqueConstraint("kind", "day", name="uq_number_sequences_kind_day"),)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    day: Mapped[str] = mapped_column(String(8), nullable=False)
    value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
