"""Module Q registers: qualifications, applications and their sections (SPEC §1, §3)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rules.lifecycle import lifecycle_of

from .base import Model, Versioned, status_check

QUALIFICATION_TYPES = ("CB", "IE", "CB_BRANCH", "IE_BRANCH", "TEMP", "CBEC_ECOM", "CBEC_AGENT",
                       "CBEC_PLATFORM", "CBEC_LOGISTICS", "CBEC_LOGISTICS_B2B", "CBEC_PAYMENT",
                       "CBEC_SITE", "DUAL")
QUALIFICATION_STATUSES = lifecycle_of("qualifications").codes
APPLICATION_TYPES = ("FILING", "CHANGE", "EXTENSION", "CANCELLATION")
APPLICATION_STATUSES = lifecycle_of("applications").codes
OPEN_APPLICATION_STATUSES = ("SUBMITTED", "RECEIVED", "RECEIPT_FAILED", "UNDER_REVIEW")
ATTACHMENT_KINDS = ("INFO_TABLE", "FINANCE_LICENSE", "PAYMENT_LICENSE", "EXPRESS_LICENSE",
                    "CANCELLATION_LETTER", "OTHER")
CERTIFICATE_STATUSES = lifecycle_of("certificates").codes
LOGIN_MODES = ("account", "card", "staff", "system")


class Qualification(Versioned, Model):
    """A qualification an enterprise holds (资质)."""

    __tablename__ = "qualifications"
    __label__ = "资质"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (status_check("qualification_type", QUALIFICATION_TYPES),
                      status_check("status", QUALIFICATION_STATUSES),
                      Index("ix_qualifications_enterprise_status", "enterprise_id", "status"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False)
    qualification_type: Mapped[str] = mapped_column(String(30), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="VALID")
    filed_date: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date | None] = mapped_column(Date)
    registration_code: Mapped[str | None] = mapped_column(String(10))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    cancelled_at: Mapped[date | None] = mapped_column(Date)
    enterprise = relationship("Enterprise")


class Application(Versioned, Model):
    """An application (申请单): filing, change, extension or cancellation."""

    __tablename__ = "applications"
    __label__ = "申请单"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (status_check("application_type", APPLICATION_TYPES),
                      status_check("status", APPLICATION_STATUSES),
                      status_check("login_mode", LOGIN_MODES),
                      Index("ix_applications_enterprise_status", "enterprise_id", "status"),
                      Index("ix_applications_status_updated", "status", "updated_at"))
    application_no: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    application_type: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="DRAFT")
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False)
    acting_enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    login_mode: Mapped[str] = mapped_column(String(10), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    qualification_types: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    commitment: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    # Which personal identifiers of a proxy's application the proxy typed itself: only those are shown
    # to it in full. {"enterprise": [field, ...], "<section>": [[field, ...] per row]}; None when not a proxy's.
    proxy_typed: Mapped[dict | None] = mapped_column(JSON)
    customs_opinion: Mapped[str | None] = mapped_column(Text)
    cancellation_reason_code: Mapped[str | None] = mapped_column(String(2))
    cancellation_other: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    enterprise = relationship("Enterprise", foreign_keys=[enterprise_id])
    acting_enterprise = relationship("Enterprise", foreign_keys=[acting_enterprise_id])

    @classmethod
    def tenant_clause(cls, enterprise_id: int):
        """Own applications plus those filed as a proxy (§0)."""
        return (cls.enterprise_id == enterprise_id) | (cls.acting_enterprise_id == enterprise_id)

    @property
    def types(self) -> list[str]:
        return [t for t in self.qualification_types.split(",") if t]

    def __str__(self) -> str:
        return self.application_no


class _Section(Model):
    """A child row of an application (application_id set) or of the filed record (NULL)."""

    __abstract__ = True
    __tenant_column__ = "enterprise_id"
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False, index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)


class ManagementPerson(_Section):
    """管理人员: 关务负责人 or 财务负责人 (Q-14)."""

    __tablename__ = "management_personnel"
    __label__ = "管理人员"
    __table_args__ = (status_check("person_type", ("CUSTOMS", "FINANCE")),)
    person_type: Mapped[str] = mapped_column(String(10), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    id_type: Mapped[str] = mapped_column(String(20), nullable=False)
    id_no: Mapped[str] = mapped_column(String(40), nullable=False)
    nationality: Mapped[str | None] = mapped_column(String(3))
    mobile: Mapped[str | None] = mapped_column(String(20))


class Investor(_Section):
    """出资者 (Q-15)."""

    __tablename__ = "investors"
    __label__ = "出资者"
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    nationality: Mapped[str | None] = mapped_column(String(3))
    currency: Mapped[str | None] = mapped_column(String(3))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    amount_usd: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))  # returned by customs, read-only


class DeclarationPerson(_Section):
    """报关人员 with the filing no. assigned on approval (Q-16)."""

    __tablename__ = "declaration_personnel"
    __label__ = "报关人员"
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    id_type: Mapped[str] = mapped_column(String(20), nullable=False)
    id_no: Mapped[str] = mapped_column(String(40), nullable=False)
    mobile: Mapped[str | None] = mapped_column(String(20))
    personnel_filing_no: Mapped[str | None] = mapped_column(String(20))


# A personnel filing no. belongs to one person on the filed record; application copies may repeat it.
Index("uq_declaration_personnel_filed_no", DeclarationPerson.personnel_filing_no, unique=True,
      sqlite_where=DeclarationPerson.application_id.is_(None),
      postgresql_where=DeclarationPerson.application_id.is_(None))


class ExternalLicense(_Section):
    """外部资质 (Q-17)."""

    __tablename__ = "external_licenses"
    __label__ = "外部资质"
    license_code: Mapped[str] = mapped_column(String(20), nullable=False)
    number: Mapped[str] = mapped_column(String(100), nullable=False)
    authority: Mapped[str | None] = mapped_column(String(200))
    valid_until: Mapped[date | None] = mapped_column(Date)
    long_term: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Attachment(Model):
    """An uploaded file, stored outside the web root under a generated name (Q-18)."""

    __tablename__ = "attachments"
    __label__ = "附件"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (status_check("kind", ATTACHMENT_KINDS),)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False, index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Certificate(Versioned, Model):
    """备案证明 request and issued file; once per enterprise per day (Q-28)."""

    __tablename__ = "certificates"
    __label__ = "备案证明"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (status_check("status", CERTIFICATE_STATUSES),
                      UniqueConstraint("enterprise_id", "request_date", name="uq_certificates_enterprise_day"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False, index=True)
    request_date: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="REQUESTED")
    superseded: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    issued_at: Mapped[datetime | None] = mapped_column(DateTime)
    certificate_no: Mapped[str | None] = mapped_column(String(30), unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    enterprise = relationship("Enterprise")


class Receipt(Model):
    """A customs response (回执) for any record's transition (Q-21, S-3)."""

    __tablename__ = "receipts"
    __label__ = "回执"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (Index("ix_receipts_record", "record_type", "record_id", "id"),
                      Index("ix_receipts_at", "at"))
    # A copy of the logged record's enterprise (whose own foreign key guarantees it), kept for
    # tenancy: no foreign key of its own, like the audit log, so that a set-based transition of
    # 100,000 lists writes its receipts without 100,000 key checks. Enterprises are never deleted.
    enterprise_id: Mapped[int | None] = mapped_column(Integer, index=True)
    record_type: Mapped[str] = mapped_column(String(40), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    record_no: Mapped[str | None] = mapped_column(String(40), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    source: Mapped[str] = mapped_column(String(10), nullable=False, default="customs")
