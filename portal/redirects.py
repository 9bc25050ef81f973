"""The one check for every redirect target a client chooses (`next`, the admin's `url`)."""
from __future__ import annotations

from urllib.parse import urlsplit


def is_local_path(target: str | None) -> bool:
    """Tell whether `target` is a path on this site that every browser reads as such.

    Only a plain absolute path passes: no scheme, no host, no control characters or spaces (a browser
    drops tabs and newlines, so `/\\t/evil.example` would become `//evil.example`; a newline in a
    Location header is a 500), no backslash (read as `/`) and no second leading slash (`//host`)."""
    if not target or not target.startswith("/"):
        return False
    if any(ch <= " " or ch == "\x7f" or ch == "\\" for ch in target):
        return False
    if target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_redirect_target(target: str | None, fallback: str) -> str:
    """Return `target` when it is a local path (see `is_local_path`), else `fallback`."""
    return target if is_local_path(target) else fallback
