"""One configuration class read from the environment, with safe SQLite defaults."""
from __future__ import annotations

import os
from datetime import timedelta

DEV_SECRET = "dev-only-secret-change-me"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings for the portal; every value can be overridden by an environment variable."""

    def __init__(self, instance_path: str):
        env = os.environ
        self.ENV_NAME = env.get("PORTAL_ENV", "development")
        self.SECRET_KEY = env.get("SECRET_KEY", DEV_SECRET)
        # Encrypts card and platform private keys at rest (AES-GCM, key by HKDF); SECRET_KEY when unset.
        # Set it to rotate SECRET_KEY without losing the stored keys (portal/messaging/keys.py).
        self.CARD_KEY_SECRET = env.get("CARD_KEY_SECRET") or None
        default_db = "sqlite:///" + os.path.join(instance_path, "portal.sqlite3")
        url = env.get("DATABASE_URL", default_db)
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        self.SQLALCHEMY_DATABASE_URI = url
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.UPLOAD_DIR = env.get("UPLOAD_DIR", os.path.join(instance_path, "uploads"))
        self.MAX_CONTENT_LENGTH = _int("MAX_UPLOAD_BYTES", 4 * 1024 * 1024) + 64 * 1024
        self.UPLOAD_LIMIT_BYTES = _int("MAX_UPLOAD_BYTES", 4 * 1024 * 1024)
        self.MAX_ATTACHMENTS_PER_APPLICATION = _int("MAX_ATTACHMENTS_PER_APPLICATION", 20)
        self.LOGIN_MAX_FAILURES = _int("LOGIN_MAX_FAILURES", 5)
        self.LOGIN_LOCK_MINUTES = _int("LOGIN_LOCK_MINUTES", 15)
        self.PERMANENT_SESSION_LIFETIME = timedelta(minutes=_int("SESSION_MINUTES", 120))
        self.API_TOKEN_HOURS = _int("API_TOKEN_HOURS", 12)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        secure = self.ENV_NAME == "production"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", secure)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        # Reverse proxies in front of the portal whose X-Forwarded-For / -Proto are trusted (0: none, the
        # client address is the TCP peer and forwarding headers are ignored; X-3 audit IP).
        self.TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
        self.WTF_CSRF_ENABLED = True
        self.WTF_CSRF_TIME_LIMIT = None
        self.BABEL_DEFAULT_LOCALE = env.get("DEFAULT_LOCALE", "zh")
        self.BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
        self.FLASK_ADMIN_SWATCH = "cerulean"
        # Static assets (CSS, JS, fonts of the installed packages) are public and change only with a
        # release: browsers keep them this long instead of asking again on every page.
        self.SEND_FILE_MAX_AGE_DEFAULT = _int("STATIC_MAX_AGE_SECONDS", 3600)
        # TrueType CJK font embedded in every PDF (P-1); Debian package fonts-wqy-microhei.
        self.PDF_FONT_PATH = env.get("PDF_FONT_PATH", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
        # Module Q windows and module C periods (C-3, C-7).
        self.EXTENSION_WINDOW_DAYS = _int("EXTENSION_WINDOW_DAYS", 30)
        self.BONDED_FILING_VALID_DAYS = _int("BONDED_FILING_VALID_DAYS", 365)
        self.BONDED_EXTENSION_WINDOW_DAYS = _int("BONDED_EXTENSION_WINDOW_DAYS", 10)
        # Scheduler (S-1).
        self.SCHEDULER_TICK_SECONDS = _int("SCHEDULER_TICK_SECONDS", 10)
        self.SCHEDULER_LEASE_SECONDS = _int("SCHEDULER_LEASE_SECONDS", 60)
        self.MONTH_END_HOUR = _int("MONTH_END_HOUR", 1)
        self.EXPIRY_SWEEP_HOUR = _int("EXPIRY_SWEEP_HOUR", 0)
        self.OVERDUE_DAY = _int("OVERDUE_DAY", 11)
        # Customs messages (issue 16): empty → the database transport in this database; amqp://… → RabbitMQ.
        self.CUSTOMS_BROKER_URL = env.get("CUSTOMS_BROKER_URL") or None
        # Fixed clock for demos and tests (S-5); empty means the real clock.
        self.FIXED_NOW = env.get("PORTAL_NOW") or None

    def validate(self) -> None:
        """Refuse to run in production with an unsafe configuration."""
        if self.ENV_NAME == "production":
            if not self.SECRET_KEY or self.SECRET_KEY == DEV_SECRET or len(self.SECRET_KEY) < 32:
                raise RuntimeError("生产环境必须设置至少 32 个字符的 SECRET_KEY（production needs a real SECRET_KEY）")
            if self.CARD_KEY_SECRET is not None and len(self.CARD_KEY_SECRET) < 32:
                raise RuntimeError("CARD_KEY_SECRET 至少需要 32 个字符（CARD_KEY_SECRET needs 32 characters or more）")

    def as_dict(self) -> dict:
        """Return the settings as a mapping for app.config."""
        return {k: v for k, v in vars(self).items() if k.isupper()}
