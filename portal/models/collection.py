"""Module C registers: collection filings, volumes, lists, modify/revoke, references (SPEC §4)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rules.lifecycle import lifecycle_of

from .base import Model, Versioned, status_check

GOODS_NATURES = ("GENERAL", "BONDED", "BORDER_SMALL", "CONTRACT_EXPORT")
FILING_STATUSES = lifecycle_of("collection_filings").codes
FILING_REQUEST_KINDS = ("CHANGE", "EXTENSION")
FILING_REQUEST_STATUSES = lifecycle_of("filing_requests").codes
VOLUME_STATUSES = lifecycle_of("product_volumes").codes
LIST_TYPES = ("IMPORT_GENERAL", "IMPORT_BONDED", "EXPORT_GENERAL", "EXPORT_BONDED")
LIST_STATUSES = lifecycle_of("list_heads").codes
CHANGE_REQUEST_TYPES = ("MODIFY", "REVOKE")
CHANGE_REQUEST_STATUSES = lifecycle_of("change_requests").codes
MONEY = Numeric(18, 2)
QUANTITY = Numeric(18, 4)


class CollectionFiling(Versioned, Model):
    """集报企业资质备案 (C-1..C-3)."""

    __tablename__ = "collection_filings"
    __label__ = "集报备案"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (status_check("goods_nature", GOODS_NATURES), status_check("status", FILING_STATUSES),
                      Index("ix_collection_filings_enterprise_customs", "enterprise_id", "customs_code", "status"))
    center_no: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False)
    customs_code: Mapped[str] = mapped_column(String(4), nullable=False)
    enterprise_customs_code: Mapped[str] = mapped_column(String(10), nullable=False)
    enterprise_name: Mapped[str] = mapped_column(String(200), nullable=False)
    goods_nature: Mapped[str] = mapped_column(String(20), nullable=False)
    ie_batches: Mapped[int | None] = mapped_column(Integer)
    guarantee_mode: Mapped[str | None] = mapped_column(String(10))
    guarantee_amount: Mapped[Decimal | None] = mapped_column(QUANTITY)
    guarantee_valid_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="ENTERED")
    approval_valid_until: Mapped[date | None] = mapped_column(Date)
    declared_at: Mapped[datetime | None] = mapped_column(DateTime)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    enterprise = relationship("Enterprise")
    volumes: Mapped[list["ProductVolume"]] = relationship(back_populates="filing", order_by="ProductVolume.id")

    def __str__(self) -> str:
        return self.center_no


class FilingRequest(Versioned, Model):
    """A change (C-6) or extension (C-7) of an approved collection filing."""

    __tablename__ = "filing_requests"
    __label__ = "备案变更/延期"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (status_check("kind", FILING_REQUEST_KINDS), status_check("status", FILING_REQUEST_STATUSES))
    filing_id: Mapped[int] = mapped_column(ForeignKey("collection_filings.id"), nullable=False, index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="DECLARED")
    payload: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    filing = relationship("CollectionFiling")


class ProductVolume(Versioned, Model):
    """商品分册: up to 99 filed products (C-4, C-5)."""

    __tablename__ = "product_volumes"
    __label__ = "商品分册"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (status_check("status", VOLUME_STATUSES),)
    volume_no: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("collection_filings.id"), nullable=False, index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False, index=True)
    customs_volume_no: Mapped[str | None] = mapped_column(String(12), unique=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="ENTERED")
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    filing: Mapped[CollectionFiling] = relationship(back_populates="volumes")
    products: Mapped[list["Product"]] = relationship(back_populates="volume", order_by="Product.seq")

    def __str__(self) -> str:
        return self.volume_no


class Product(Model):
    """备案商品: one item of a volume, seq 1..99 (C-4)."""

    __tablename__ = "products"
    __label__ = "备案商品"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (UniqueConstraint("volume_id", "seq", name="uq_products_volume_seq"),)
    volume_id: Mapped[int] = mapped_column(ForeignKey("product_volumes.id"), nullable=False)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False, index=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    hs_code: Mapped[str] = mapped_column(String(10), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    spec: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(3), nullable=False)
    license_no: Mapped[str | None] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    volume: Mapped[ProductVolume] = relationship(back_populates="products")


class Licence(Model):
    """许可证: licensed goods and quantity, used by C-12."""

    __tablename__ = "licences"
    __label__ = "许可证"
    __tenant_column__ = "enterprise_id"
    license_no: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    license_code: Mapped[str] = mapped_column(String(10), nullable=False)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)
    goods: Mapped[list["LicenceGood"]] = relationship(back_populates="licence")

    def __str__(self) -> str:
        return self.license_no


class LicenceGood(Model):
    """One HS code covered by a licence."""

    __tablename__ = "licence_goods"
    __label__ = "许可证商品"
    __table_args__ = (UniqueConstraint("licence_id", "hs_code", name="uq_licence_goods_licence_hs"),)
    licence_id: Mapped[int] = mapped_column(ForeignKey("licences.id"), nullable=False)
    hs_code: Mapped[str] = mapped_column(String(10), nullable=False)
    licence: Mapped[Licence] = relationship(back_populates="goods")


class Manifest(Model):
    """水路舱单 record a waterway list must match (C-13)."""

    __tablename__ = "manifests"
    __label__ = "舱单"
    bill_no: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    vessel_name: Mapped[str] = mapped_column(String(100), nullable=False)
    voyage_no: Mapped[str] = mapped_column(String(40), nullable=False)
    packages: Mapped[int] = mapped_column(Integer, nullable=False)
    gross_weight: Mapped[Decimal] = mapped_column(QUANTITY, nullable=False)
    net_weight: Mapped[Decimal] = mapped_column(QUANTITY, nullable=False)


class BondedBook(Model):
    """账册/手册, the stand-in for the 金二 system (C-10)."""

    __tablename__ = "bonded_books"
    __label__ = "账册手册"
    __tenant_column__ = "enterprise_id"
    book_no: Mapped[str] = mapped_column(String(12), nullable=False, unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False, index=True)
    book_type: Mapped[str] = mapped_column(String(10), nullable=False, default="BOOK")
    valid_until: Mapped[date | None] = mapped_column(Date)
    items: Mapped[list["BondedBookItem"]] = relationship(back_populates="book", order_by="BondedBookItem.seq")

    def __str__(self) -> str:
        return self.book_no


class BondedBookItem(Model):
    """One item of a bonded book by seq."""

    __tablename__ = "bonded_book_items"
    __label__ = "账册表体"
    __table_args__ = (UniqueConstraint("book_id", "seq", name="uq_bonded_book_items_book_seq"),)
    book_id: Mapped[int] = mapped_column(ForeignKey("bonded_books.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    hs_code: Mapped[str] = mapped_column(String(10), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    spec: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(3), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    book: Mapped[BondedBook] = relationship(back_populates="items")


class ListHead(Versioned, Model):
    """集报清单表头 (C-8..C-14)."""

    __tablename__ = "list_heads"
    __label__ = "集报清单"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (status_check("list_type", LIST_TYPES), status_check("status", LIST_STATUSES),
                      Index("ix_list_heads_enterprise_status", "enterprise_id", "status", "id"),
                      Index("ix_list_heads_status_declare_date", "status", "declare_date"),
                      # Since when a list waits in its status: the admin home's oldest-waiting age (dashboard.oldest).
                      Index("ix_list_heads_status_since", "status", text("coalesce(status_changed_at, created_at)")),
                      Index("ix_list_heads_customs", "customs_code", "id"),
                      Index("ix_list_heads_filing_no", "filing_no"),
                      Index("ix_list_heads_aggregation", "aggregation_id"),
                      Index("ix_list_heads_list_type", "list_type", "id"),
                      Index("ix_list_heads_declare_date", "declare_date", "id"),
                      # Partial: only the few overdue lists (C-19), for the staff home page and the filter.
                      Index("ix_list_heads_overdue", "status", "enterprise_id", "id", sqlite_where=text("overdue = 1"),
                            postgresql_where=text("overdue")))
    center_no: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False)
    list_type: Mapped[str] = mapped_column(String(20), nullable=False)
    customs_code: Mapped[str] = mapped_column(String(4), nullable=False)
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("collection_filings.id"))
    filing_no: Mapped[str | None] = mapped_column(String(12))
    transport_mode: Mapped[str | None] = mapped_column(String(1))
    vessel_name: Mapped[str | None] = mapped_column(String(100))
    voyage_no: Mapped[str | None] = mapped_column(String(40))
    bill_no: Mapped[str | None] = mapped_column(String(40))
    packages: Mapped[int | None] = mapped_column(Integer)
    gross_weight: Mapped[Decimal | None] = mapped_column(QUANTITY)
    net_weight: Mapped[Decimal | None] = mapped_column(QUANTITY)
    license_no: Mapped[str | None] = mapped_column(String(60))
    declare_date: Mapped[date | None] = mapped_column(Date)
    trade_mode: Mapped[str | None] = mapped_column(String(4))
    status: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    overdue: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    aggregation_id: Mapped[int | None] = mapped_column(ForeignKey("aggregation_requests.id"))
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    enterprise = relationship("Enterprise")
    items: Mapped[list["ListItem"]] = relationship(back_populates="head", order_by="ListItem.seq")

    @property
    def ie_flag(self) -> str:
        return "I" if self.list_type.startswith("IMPORT") else "E"

    def __str__(self) -> str:
        return self.center_no


class ListItem(Model):
    """集报清单表体 (C-10, C-11)."""

    __tablename__ = "list_items"
    __label__ = "集报清单表体"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (UniqueConstraint("list_id", "seq", name="uq_list_items_list_seq"),
                      Index("ix_list_items_enterprise", "enterprise_id", "id"))
    list_id: Mapped[int] = mapped_column(ForeignKey("list_heads.id"), nullable=False)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    filing_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    hs_code: Mapped[str] = mapped_column(String(10), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    spec: Mapped[str | None] = mapped_column(Text)
    qty: Mapped[Decimal] = mapped_column(QUANTITY, nullable=False)
    unit: Mapped[str] = mapped_column(String(3), nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(QUANTITY, nullable=False)
    total: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    country: Mapped[str] = mapped_column(String(3), nullable=False)
    head: Mapped[ListHead] = relationship(back_populates="items")


class ChangeRequest(Versioned, Model):
    """修撤单: a modify or revoke request on a list (C-16..C-18)."""

    __tablename__ = "change_requests"
    __label__ = "修撤单"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (status_check("request_type", CHANGE_REQUEST_TYPES),
                      status_check("status", CHANGE_REQUEST_STATUSES))
    list_id: Mapped[int] = mapped_column(ForeignKey("list_heads.id"), nullable=False, index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False, index=True)
    request_type: Mapped[str] = mapped_column(String(10), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="ENTERED")
    changes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    contact: Mapped[str] = mapped_column(String(100), nullable=False)
    phone: Mapped[str] = mapped_column(String(30), nullable=False)
    open_marker: Mapped[int | None] = mapped_column(Integer)  # list_id while open: one open per list
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    head = relationship("ListHead")


ChangeRequest.__table__.append_constraint(UniqueConstraint("open_marker", name="uq_change_requests_open_marker"))
