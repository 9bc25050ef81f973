"""SM2 signatures with SM3 digests (GM/T 0003, GM/T 0004): key pairs, sign and verify over bytes.

The curve arithmetic is `snowland-smx` (pysmx, pure Python); SM3 is `cryptography` (OpenSSL). The signing
nonce k is drawn here from `secrets` (the operating system's CSPRNG), fresh for every signature, and handed
to pysmx: a repeated or predictable k reveals the private key, so it never comes from `random`.

Keys are hex text: the private key d as 64 hex digits, the public key as the uncompressed point
"04" || x || y (130 hex digits). The digest signed is e = SM3(ZA || M), ZA bound to the signer's public key
and the default distinguishing identifier "1234567812345678" (GM/T 0009), as card middleware does; a
signature is r || s, 64 bytes.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from pysmx.SM2 import Sign, Verify, get_za, kG, sm2_G, sm2_N
from pysmx.SM2._SM2 import sm2_a, sm2_b, sm2_P

DEFAULT_ID = b"1234567812345678"
_FIELD_HEX = 64


@dataclass(frozen=True)
class KeyPair:
    """An SM2 key pair as hex text (private key d, public key 04||x||y)."""

    private_key: str
    public_key: str

    def __repr__(self) -> str:  # never print a private key into a log or a traceback
        return f"KeyPair(public_key={self.public_key!r})"


def sm3(data: bytes) -> bytes:
    """Return the SM3 digest of `data` (32 bytes)."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def _random_scalar() -> int:
    """Return a scalar in [1, n-1] from the operating system's CSPRNG."""
    return secrets.randbelow(sm2_N - 1) + 1


def generate_key_pair() -> KeyPair:
    """Make a new SM2 key pair (private key from `secrets`)."""
    private = _random_scalar()
    point = kG(private, sm2_G, _FIELD_HEX)
    return KeyPair(private_key=f"{private:064x}", public_key="04" + point)


def is_public_key(text: str) -> bool:
    """Tell whether `text` is an uncompressed SM2 point (04||x||y hex) on the curve."""
    if not isinstance(text, str) or len(text) != 2 + 2 * _FIELD_HEX or not text.startswith("04"):
        return False
    try:
        x, y = int(text[2:66], 16), int(text[66:], 16)
    except ValueError:
        return False
    if not (0 <= x < sm2_P and 0 <= y < sm2_P):
        return False
    return (y * y - (x * x * x + sm2_a * x + sm2_b)) % sm2_P == 0


@lru_cache(maxsize=4096)
def _za(public_key: str) -> str:
    """Return ZA (hex) for a public key; cached because one key signs many messages."""
    return get_za(DEFAULT_ID, public_key[2:], _FIELD_HEX)


def _digest(public_key: str, data: bytes) -> str:
    """Return e = SM3(ZA || M) as hex, the value SM2 signs."""
    return sm3(bytes.fromhex(_za(public_key)) + data).hex()


def sign(key: KeyPair, data: bytes) -> bytes:
    """Sign `data` with SM2/SM3; returns r || s (64 bytes). Every call draws a fresh nonce."""
    e = _digest(key.public_key, data)
    while True:
        signature = Sign(e, key.private_key, f"{_random_scalar():064x}", _FIELD_HEX, Hexstr=1)
        if signature is not None:  # r = 0, r + k = n or s = 0: draw another nonce (GM/T 0003 A3-A6)
            return signature


def verify(public_key: str, data: bytes, signature: bytes) -> bool:
    """Tell whether `signature` (r || s) is an SM2/SM3 signature of `data` by `public_key`."""
    if not is_public_key(public_key) or not isinstance(signature, bytes) or len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (1 <= r < sm2_N and 1 <= s < sm2_N):
        return False
    try:
        return bool(Verify(signature.hex(), _digest(public_key, data), public_key[2:], _FIELD_HEX, Hexstr=1))
    except (ValueError, TypeError, ZeroDivisionError):
        return False
