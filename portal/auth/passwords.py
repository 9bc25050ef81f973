"""Slow salted hashes for passwords and PINs (U-4), argon2id."""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_dummy_hash: str | None = None  # a hash of nothing anyone knows, with the current parameters


def configure(fast: bool) -> None:
    """Use cheaper argon2 parameters (tests only)."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else PasswordHasher()
    _dummy_hash = None


def hash_secret(secret: str) -> str:
    """Return an argon2id hash of a password or PIN."""
    return _hasher.hash(secret)


def verify_secret(stored_hash: str, secret: str) -> bool:
    """Check a password or PIN against its stored hash."""
    try:
        return _hasher.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


def burn_verification(secret: str) -> None:
    """Spend the time of one real verification and fail: for unknown logins, so they answer as slowly
    as a wrong password (no user enumeration by timing)."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
    verify_secret(_dummy_hash, secret)
