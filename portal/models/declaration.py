"""Aggregation requests, declarations and consolidation mappings (SPEC §4.4)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from rules.lifecycle import lifecycle_of

from .base import Model, Versioned, status_check
from .collection import MONEY, QUANTITY

AGGREGATION_STATUSES = lifecycle_of("aggregation_requests").codes
DECLARATION_STATUSES = lifecycle_of("declarations").codes


class AggregationRequest(Versioned, Model):
    """汇总申请 (C-19, C-20): pending until the scheduler builds its declarations."""

    __tablename__ = "aggregation_requests"
    __label__ = "汇总申请"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (status_check("status", AGGREGATION_STATUSES),
                      UniqueConstraint("enterprise_id", "period", name="uq_aggregation_requests_enterprise_period"),
                      Index("ix_aggregation_requests_status", "status", "id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False)
    agent_enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    agent_code: Mapped[str | None] = mapped_column(String(10))
    agent_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="PENDING")
    requested_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    period: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM for month-end runs (C-23)
    message: Mapped[str | None] = mapped_column(Text)
    enterprise = relationship("Enterprise", foreign_keys=[enterprise_id])


class Declaration(Versioned, Model):
    """集报报关单 (C-24); seen by the consignee and by its declaring agent."""

    __tablename__ = "declarations"
    __label__ = "集报报关单"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (status_check("status", DECLARATION_STATUSES), status_check("ie_flag", ("I", "E")),
                      Index("ix_declarations_enterprise", "enterprise_id", "id"),
                      Index("ix_declarations_agent", "agent_enterprise_id", "id"),
                      Index("ix_declarations_status", "status", "id"),
                      Index("ix_declarations_customs", "customs_code", "id"),
                      Index("ix_declarations_declare_date", "declare_date"))
    unified_no: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    aggregation_id: Mapped[int] = mapped_column(ForeignKey("aggregation_requests.id"), nullable=False, index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False)
    agent_enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    agent_code: Mapped[str | None] = mapped_column(String(10))
    agent_name: Mapped[str | None] = mapped_column(String(200))
    customs_code: Mapped[str] = mapped_column(String(4), nullable=False)
    ie_flag: Mapped[str] = mapped_column(String(1), nullable=False)
    trade_mode: Mapped[str | None] = mapped_column(String(4))
    filing_no: Mapped[str | None] = mapped_column(String(12))
    transport_mode: Mapped[str | None] = mapped_column(String(1))
    group_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    item_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="DRAFT")
    declare_date: Mapped[date | None] = mapped_column(Date)
    declared_at: Mapped[datetime | None] = mapped_column(DateTime)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    enterprise = relationship("Enterprise", foreign_keys=[enterprise_id])
    items: Mapped[list["DeclarationItem"]] = relationship(back_populates="declaration",
                                                          order_by="DeclarationItem.item_no")

    @classmethod
    def tenant_clause(cls, enterprise_id: int):
        """Consignee or declaring agent (C-24)."""
        return (cls.enterprise_id == enterprise_id) | (cls.agent_enterprise_id == enterprise_id)

    def __str__(self) -> str:
        return self.unified_no


class DeclarationItem(Model):
    """One merged item of a declaration (C-21)."""

    __tablename__ = "declaration_items"
    __label__ = "报关单表体"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (UniqueConstraint("declaration_id", "item_no", name="uq_declaration_items_decl_item"),)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), nullable=False)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False, index=True)
    item_no: Mapped[int] = mapped_column(Integer, nullable=False)
    hs_code: Mapped[str] = mapped_column(String(10), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    spec: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(3), nullable=False)
    country: Mapped[str] = mapped_column(String(3), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    qty: Mapped[Decimal] = mapped_column(QUANTITY, nullable=False)
    total: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    declaration: Mapped[Declaration] = relationship(back_populates="items")


class ViewBase(DeclarativeBase):
    """Read-only models over SQL views: their own metadata, so neither create_all nor Alembic's
    autogenerate treats them as tables (the views are created by a migration)."""

    metadata = MetaData()


class ConsolidationMapping(ViewBase):
    """归并关系 (C-22, C-25): each item of an aggregated list and the one declaration item it went into.

    A view, not a copy: a list item belongs to the declaration items of its list's aggregation
    request whose C-21 group keys (list head ↔ declaration) and merge keys (list item ↔ declaration
    item) are equal. Lists in 13 and declaration items never change, and within one request the
    merge keys of a group are unique across its declarations, so every aggregated item has exactly
    one row. The view's SQL is in migration 0002 (MAPPING_VIEW_SQL, kept equal to the rule tables
    by tests/collection/test_mapping_view.py).
    """

    __tablename__ = "consolidation_mappings"
    __label__ = "归并关系"
    __tenant_column__ = "enterprise_id"
    __table_args__ = {"info": {"is_view": True}}
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the list item's id
    list_item_id: Mapped[int] = mapped_column(Integer)
    list_id: Mapped[int] = mapped_column(Integer)
    declaration_item_id: Mapped[int] = mapped_column(Integer)
    declaration_id: Mapped[int] = mapped_column(Integer)
    enterprise_id: Mapped[int] = mapped_column(Integer)

    @classmethod
    def tenant_clause(cls, enterprise_id: int):
        return cls.enterprise_id == enterprise_id
