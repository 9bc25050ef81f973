"""Customs messages (报文) and receipts (回执) as they cross the transport (issue 16), and the signing keys.

`customs_messages` is the portal's register of both directions:

    OUT  a business message the portal sends to customs; written by the operation that moves the record
         to a status waiting for customs, in the same transaction (the transactional outbox). Status
         PENDING until the dispatcher has published it, then SENT (FAILED after a publish error).
    IN   a receipt customs sent back; stored once per receipt id (a redelivered receipt is not stored
         again) and applied to the record through the lifecycle's customs move.

The simulated customs keeps its own tables (scheduler/customs) and never reads these.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, and_, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model

OUT, IN = "OUT", "IN"


class CustomsMessage(Model):
    """One message to customs or one receipt from customs, with its XML."""

    __tablename__ = "customs_messages"
    __label__ = "海关报文"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (Index("ix_customs_messages_direction_status", "direction", "status", "id"),
                      Index("ix_customs_messages_record", "register", "record_id"),
                      Index("ix_customs_messages_created", "created_at", "id"))
    direction: Mapped[str] = mapped_column(String(3), nullable=False)
    message_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    msg_type: Mapped[str] = mapped_column(String(40), nullable=False)
    register: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[int | None] = mapped_column(Integer)
    business_no: Mapped[str | None] = mapped_column(String(64), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(36), index=True)
    seq: Mapped[int | None] = mapped_column(Integer)
    return_status: Mapped[str | None] = mapped_column(String(20))
    return_info: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    signed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    key_serial: Mapped[str | None] = mapped_column(String(40))
    signature_valid: Mapped[bool | None] = mapped_column(Boolean)
    xml: Mapped[str] = mapped_column(Text, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)

    @classmethod
    def tenant_clause(cls, enterprise_id: int):
        """The enterprise's own messages, and those of the records it sees as a proxy or a declaring agent
        (an application it filed for another enterprise, a declaration it declares: their receipts, §0)."""
        clauses = [cls.enterprise_id == enterprise_id]
        for model in _wider_tenancy_models():
            clauses.append(and_(cls.register == model.__tablename__, cls.record_id.in_(
                select(model.id).where(model.tenant_clause(enterprise_id)))))
        return or_(*clauses)

    def __str__(self) -> str:
        return self.message_id


def _wider_tenancy_models() -> list:
    """Return the registers with a lifecycle whose rows another enterprise may also see (their own tenant_clause)."""
    from rules.lifecycle import LIFECYCLES
    return [mapper.class_ for mapper in Model.registry.mappers
            if getattr(mapper.class_, "__tablename__", None) in LIFECYCLES and "tenant_clause" in vars(mapper.class_)]


class SigningKey(Model):
    """A key pair the platform holds itself: the card authority (CA) that certifies card keys, and the
    platform's own signing key for messages sent by staff and the scheduler. Private keys encrypted."""

    __tablename__ = "signing_keys"
    __label__ = "平台签名密钥"
    name: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    serial: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    public_key: Mapped[str] = mapped_column(String(200), nullable=False)
    private_key_enc: Mapped[str] = mapped_column(Text, nullable=False)
    certificate: Mapped[str | None] = mapped_column(Text)
