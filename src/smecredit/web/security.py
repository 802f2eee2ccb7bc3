"""Baseline protections for every response (等保 level 3 habits): security headers, a CSRF token
for every form (double-submit cookie, compared in constant time), no caching of pages."""

from __future__ import annotations

import hmac
import secrets

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request

from smecredit.kernel.errors import Forbidden
from smecredit.kernel.text import Text

CSRF_COOKIE = "smecredit_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)
# Swagger UI boots from an inline script; only /docs gets that allowance.
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


class SecurityMiddleware(BaseHTTPMiddleware):
    def __init__(self, app, *, secure_cookies: bool):
        super().__init__(app)
        self.secure_cookies = secure_cookies

    async def dispatch(self, request: Request, call_next):
        token = request.cookies.get(CSRF_COOKIE)
        new_token = None
        if not token or len(token) < 20:
            token = new_token = secrets.token_urlsafe(32)
        request.state.csrf_token = token
        response = await call_next(request)
        headers = response.headers
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Content-Security-Policy"] = DOCS_CSP if request.url.path == "/docs" else CSP
        if self.secure_cookies:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if not request.url.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"
        if new_token:
            response.set_cookie(
                CSRF_COOKIE, new_token, httponly=True, samesite="strict", secure=self.secure_cookies, path="/"
            )
        return response


CSRF_FAILED = Forbidden("csrf_failed", Text("页面已过期或请求来源不明，请刷新页面后重试", "The form has expired or did not come from this site; reload the page and try again"), "csrf_token")


async def csrf_protect(request: Request) -> None:
    """Dependency on every page router: unsafe methods must echo the CSRF cookie."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CSRF_FAILED
