"""Code tables, rule tables and the service catalog (SPEC §1, §7, §11)."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model


class CodeEntry(Model):
    """One row of a reference code table (regions, customs, countries …)."""

    __tablename__ = "code_entries"
    __label__ = "参数表"
    __table_args__ = (
        UniqueConstraint("table_name", "code", name="uq_code_entries_table_code"),
        Index("ix_code_entries_table_parent", "table_name", "parent_code"),
    )
    table_name: Mapped[str] = mapped_column(String(40), nullable=False)
    code: Mapped[str] = mapped_column(String(20), nullable=False)
    name_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(String(20))
    pinyin: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    extra: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class QualificationExclusion(Model):
    """A pair of qualification types that cannot be held together (Q-4)."""

    __tablename__ = "qualification_exclusions"
    __label__ = "资质互斥规则"
    __table_args__ = (UniqueConstraint("type_a", "type_b", name="uq_qualification_exclusions_pair"),)
    type_a: Mapped[str] = mapped_column(String(30), nullable=False)
    type_b: Mapped[str] = mapped_column(String(30), nullable=False)
    note: Mapped[str | None] = mapped_column(String(200))


class QualificationDependency(Model):
    """A type that needs one of several other types (Q-5)."""

    __tablename__ = "qualification_dependencies"
    __label__ = "资质依赖规则"
    qualification_type: Mapped[str] = mapped_column(String(30), nullable=False, unique=True)
    requires_any: Mapped[str] = mapped_column(String(200), nullable=False)  # comma-separated types
    note: Mapped[str | None] = mapped_column(String(200))


class AgentQualificationRule(Model):
    """A qualification type that makes an enterprise eligible as declaring agent (C-20)."""

    __tablename__ = "agent_qualification_rules"
    __label__ = "申报单位资质规则"
    qualification_type: Mapped[str] = mapped_column(String(30), nullable=False, unique=True)


class CatalogCategory(Model):
    """一级目录 of the service catalog (K-1)."""

    __tablename__ = "catalog_categories"
    __label__ = "服务目录一级"
    seq: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    agency: Mapped[str | None] = mapped_column(String(200))
    items: Mapped[list["CatalogItem"]] = relationship(back_populates="category", order_by="CatalogItem.seq")

    def __str__(self) -> str:
        return self.name


class CatalogItem(Model):
    """二级目录 of the service catalog (K-1)."""

    __tablename__ = "catalog_items"
    __label__ = "服务目录二级"
    __table_args__ = (UniqueConstraint("category_id", "seq", name="uq_catalog_items_category_seq"),)
    category_id: Mapped[int] = mapped_column(ForeignKey("catalog_categories.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    category: Mapped[CatalogCategory] = relationship(back_populates="items")
    services: Mapped[list["CatalogService"]] = relationship(back_populates="item", order_by="CatalogService.seq")

    def __str__(self) -> str:
        return self.name


class CatalogService(Model):
    """三级目录 of the service catalog with its functions (K-1, K-2)."""

    __tablename__ = "catalog_services"
    __label__ = "服务目录三级"
    __table_args__ = (UniqueConstraint("item_id", "seq", name="uq_catalog_services_item_seq"),)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalog_items.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    functions: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    endpoint: Mapped[str | None] = mapped_column(String(100))  # set when this portal provides it
    item: Mapped[CatalogItem] = relationship(back_populates="services")

    def __str__(self) -> str:
        return self.name
