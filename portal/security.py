"""Security headers for every response: CSP with a per-request script nonce, frame and sniffing protection,
and `Cache-Control: no-store` on every page and answer served to a logged-in user (issue 13 item 9);
static files load no identity (portal/web.py) and keep their cache lifetime (STATIC_MAX_AGE_SECONDS)."""
from __future__ import annotations

import secrets

from flask import g

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self' 'nonce-{nonce}'; font-src 'self' data:; connect-src 'self'; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")


def csp_nonce() -> str:
    """Return this request's script nonce (inline <script> tags must carry it; event-handler attributes never run)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def init_app(app) -> None:
    """Add the security headers after every request."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP.format(nonce=csp_nonce()))
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if g.get("identity") is not None:  # a page or answer for a logged-in user: never kept by a cache
            response.headers["Cache-Control"] = "no-store"
        return response
