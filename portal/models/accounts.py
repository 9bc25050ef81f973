"""Enterprises, users, cards and API tokens (SPEC §1, §5)."""
from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from .base import Model, Versioned, status_check

ROLES = ("staff", "ent_admin", "ent_operator", "auditor")
CARD_TYPES = ("LEGAL", "OPERATOR")


class Enterprise(Versioned, Model):
    """An enterprise (行政相对人) with its filed basic information."""

    __tablename__ = "enterprises"
    __label__ = "企业"
    __tenant_column__ = "id"
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    org_code: Mapped[str | None] = mapped_column(String(9))
    name_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str | None] = mapped_column(String(300))
    business_types: Mapped[str | None] = mapped_column(String(300))  # comma-separated U-1 codes
    region_code: Mapped[str | None] = mapped_column(String(6))
    customs_code: Mapped[str | None] = mapped_column(String(4))
    economic_zone_code: Mapped[str | None] = mapped_column(String(20))
    market_entity_type_code: Mapped[str | None] = mapped_column(String(20))
    org_type_code: Mapped[str | None] = mapped_column(String(20))
    industry_code: Mapped[str | None] = mapped_column(String(20))
    ciq_enterprise_type_code: Mapped[str | None] = mapped_column(String(20))
    postal_code: Mapped[str | None] = mapped_column(String(6))
    address_zh: Mapped[str | None] = mapped_column(String(300))
    address_en: Mapped[str | None] = mapped_column(String(300))
    legal_rep_name: Mapped[str | None] = mapped_column(String(100))
    legal_rep_nationality: Mapped[str | None] = mapped_column(String(3))
    legal_rep_id_type: Mapped[str | None] = mapped_column(String(20))
    legal_rep_id_no: Mapped[str | None] = mapped_column(String(40))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    contact_mobile: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    fax: Mapped[str | None] = mapped_column(String(30))
    website: Mapped[str | None] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(String(18))
    parent_name: Mapped[str | None] = mapped_column(String(200))
    express_operator: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    registration_code: Mapped[str | None] = mapped_column(String(10), unique=True)
    ciq_no: Mapped[str | None] = mapped_column(String(20), unique=True)
    local_ciq_authority: Mapped[str | None] = mapped_column(String(100))
    filed_at: Mapped[date | None] = mapped_column(Date)
    auto_aggregate: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    guarantee_mode: Mapped[str | None] = mapped_column(String(10))  # filled into collection filings (C-2)
    users: Mapped[list["User"]] = relationship(back_populates="enterprise")

    def __str__(self) -> str:
        return f"{self.name_zh}（{self.uscc}）"


class User(UserMixin, Model):
    """A login account; enterprise users belong to exactly one enterprise."""

    __tablename__ = "users"
    __label__ = "用户"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (status_check("role", ROLES),)
    username: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    id_type: Mapped[str | None] = mapped_column(String(20))
    id_no: Mapped[str | None] = mapped_column(String(40))
    mobile: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    perm_module_q: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    perm_module_c: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    enterprise: Mapped[Enterprise | None] = relationship(back_populates="users")
    cards: Mapped[list["Card"]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role == "staff"

    @property
    def is_auditor(self) -> bool:
        return self.role == "auditor"

    @property
    def is_enterprise_user(self) -> bool:
        return self.role in ("ent_admin", "ent_operator")

    def __str__(self) -> str:
        return f"{self.username}（{self.name}）"


class Card(Model):
    """An IC card / USB key standing in for the real card (U-2, U-3)."""

    __tablename__ = "cards"
    __label__ = "卡介质"
    __tenant_column__ = "enterprise_id"
    __table_args__ = (status_check("card_type", CARD_TYPES),)
    card_no: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    card_type: Mapped[str] = mapped_column(String(10), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), nullable=False, index=True)
    holder_name: Mapped[str] = mapped_column(String(100), nullable=False)
    holder_id_type: Mapped[str] = mapped_column(String(20), nullable=False)
    holder_id_no: Mapped[str] = mapped_column(String(40), nullable=False)
    pin_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    valid_until: Mapped[date | None] = mapped_column(Date)
    # The card's SM2 key pair and certificate, made when the card is bound (U-3, issue 16): the public key
    # (hex, uncompressed point), the private key encrypted at rest, the certificate serial (ds:KeyName of
    # every message it signs) and the card authority's certificate text.
    public_key: Mapped[str | None] = mapped_column(String(200))
    private_key_enc: Mapped[str | None] = mapped_column(Text)
    cert_serial: Mapped[str | None] = mapped_column(String(40), unique=True)
    certificate: Mapped[str | None] = mapped_column(Text)
    user: Mapped[User] = relationship(back_populates="cards")
    enterprise: Mapped[Enterprise] = relationship()

    def __str__(self) -> str:
        return self.card_no


class LoginGrant:
    """What a login hands out, for an API token and a page session alike: the hash of a random secret
    (only the hash is stored), the user, the card of a card login, the login mode and the expiry."""

    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))
    login_mode: Mapped[str] = mapped_column(String(10), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)

    @declared_attr
    def user(cls) -> Mapped[User]:  # noqa: N805 - SQLAlchemy hook
        return relationship(User)

    @declared_attr
    def card(cls) -> Mapped[Card | None]:  # noqa: N805 - SQLAlchemy hook
        return relationship(Card)


class ApiToken(LoginGrant, Model):
    """A bearer token for the integration API (A-1)."""

    __tablename__ = "api_tokens"
    __label__ = "接口令牌"
    __tenant_column__ = None


class UserSession(LoginGrant, Model):
    """A page login held on the server (U-4): the cookie carries a random id whose hash is stored here, so
    logout, a password change and "log out everywhere" end sessions at once."""

    __tablename__ = "user_sessions"
    __label__ = "登录会话"
    __tenant_column__ = None
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class WatchListEntry(Model):
    """An enterprise whose applications the simulated customs rejects (S-2)."""

    __tablename__ = "watch_list"
    __label__ = "监控名单"
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    opinion: Mapped[str] = mapped_column(Text, nullable=False, default="企业在海关监控名单内，审批不通过")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


Index("ix_users_enterprise_role", User.enterprise_id, User.role)
