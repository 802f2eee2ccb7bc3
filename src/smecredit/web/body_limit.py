"""Request bodies capped before they are read: a pure ASGI middleware.

Each request gets a byte limit from the kind of route and whether it is signed in:

| kind | which requests | signed in | anyone else |
|---|---|---|---|
| upload | paths ending in `/upload`, `/documents` (an application's files) or `/authorisations/paper` (a signed scan) | `SMECREDIT_MAX_UPLOAD_MB` (20 MiB) | `SMECREDIT_MAX_ANONYMOUS_KB` (16 KiB) |
| form | `application/x-www-form-urlencoded`, `multipart/form-data` | `SMECREDIT_MAX_FORM_KB` (1 MiB) | 16 KiB |
| JSON | everything else | `SMECREDIT_MAX_JSON_KB` (1 MiB) | 16 KiB |

A `Content-Length` over the limit is answered 413 at once, without reading a byte. A body without
one (chunked) is counted as it streams through `receive`, and the request is answered 413 the
moment it passes the limit; the rest is never read (the server then closes the connection).

"Signed in" must be cheap to decide and is only decided when a body is larger than the anonymous
allowance: for `/api/…` a bearer token that exists (one indexed read of its SHA-256, no writes);
for pages a session cookie whose signature is valid (an HMAC, no database). A stranger therefore
cannot make the server read more than 16 KiB: forging either needs a secret. (A signed cookie of a
session that has since ended still counts; the route itself then refuses the request.)
"""

from __future__ import annotations

from anyio import to_thread
from itsdangerous import BadSignature
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smecredit.kernel.errors import TooLarge
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text
from smecredit.web.errors import BodyTooLarge, respond

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Routes that take files: an application's documents (API and page) take scans of several MiB, so
# they get the upload limit; with the form limit (1 MiB) every real scan was refused before the
# document store's own cap (the same setting) could speak. A signed paper authorisation is a scan too.
UPLOAD_SUFFIXES = ("/upload", "/documents", "/authorisations/paper")


def _human(size: int) -> str:
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    return f"{size // 1024} KiB"


def too_large(limit: int, *, signed_in: bool) -> TooLarge:
    human = _human(limit)
    if signed_in:
        text = Text(f"请求内容过大（上限 {human}）", f"Request body too large (limit {human})")
    else:
        text = Text(f"请求内容过大：未登录的请求不能超过 {human}，请先登录",
                    f"Request body too large: requests without a sign-in may send at most {human}; sign in first")
    return TooLarge("too_large", text, None, {"limit_bytes": limit})


def limits_for(scope: Scope) -> tuple[int, int]:
    """(limit when signed in, limit otherwise) for this request."""
    settings = get_settings()
    path = scope.get("path", "")
    content_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    if path.rstrip("/").endswith(UPLOAD_SUFFIXES):
        full = settings.max_upload_mb * 1024 * 1024
    elif content_type in FORM_TYPES:
        full = settings.max_form_kb * 1024
    else:
        full = settings.max_json_kb * 1024
    anonymous = settings.max_anonymous_kb * 1024
    return full, min(anonymous, full)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None or not value.isdigit():
        return None
    return int(value)


def _signed_session(scope: Scope) -> bool:
    from smecredit.web.deps import SESSION_COOKIE, session_serializer

    raw = Request(scope).cookies.get(SESSION_COOKIE)
    if not raw:
        return False
    try:
        session_serializer().loads(raw)
    except BadSignature:
        return False
    return True


def _bearer_token_exists(token: str) -> bool:
    from smecredit.identity.sessions import token_exists
    from smecredit.kernel.db import new_session

    with new_session() as db:
        return token_exists(db, token=token)


async def signed_in(scope: Scope) -> bool:
    if scope.get("path", "").startswith("/api/"):
        authorization = Headers(scope=scope).get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        return await to_thread.run_sync(_bearer_token_exists, token.strip())
    return _signed_session(scope)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        full, anonymous = limits_for(scope)
        declared = _content_length(scope)
        state = {"limit": anonymous, "known": False, "total": 0, "started": False}

        async def decide() -> None:
            """Raise the limit to the signed-in one if the request is signed in (asked once)."""
            if not state["known"]:
                state["known"] = True
                if await signed_in(scope):
                    state["limit"] = full

        if declared is not None and declared > anonymous:
            await decide()
            if declared > state["limit"]:
                await self._refuse(scope, receive, send, too_large(state["limit"], signed_in=state["limit"] > anonymous))
                return

        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["total"] += len(message.get("body", b""))
                if state["total"] > state["limit"]:
                    await decide()
                    if state["total"] > state["limit"]:
                        raise BodyTooLarge(too_large(state["limit"], signed_in=state["limit"] > anonymous))
            return message

        async def watched_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge as exc:
            if state["started"]:
                raise
            await self._refuse(scope, receive, send, exc.error)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, error: TooLarge) -> None:
        response = respond(Request(scope, receive), error)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
