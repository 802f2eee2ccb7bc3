"""Request dependencies: the database session, and `Allow`, the one permission check every
protected route declares (pages redirect to the login page, the API answers 401/403)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
from dataclasses import dataclass

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordBearer
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session
from starlette.requests import Request

from smecredit.identity import sessions as identity
from smecredit.identity.models import User
from smecredit.identity.permissions import Permission
from smecredit.identity.roles import Role
from smecredit.kernel.db import begin, end, session_factory
from smecredit.kernel.errors import Forbidden, Unauthenticated
from smecredit.kernel.text import Text
from smecredit.kernel.settings import get_settings

SESSION_COOKIE = "smecredit_session"
TOKEN_URL = "/api/v1/auth/token"
bearer_scheme = HTTPBearer(auto_error=False, description="POST /api/v1/auth/token 获取 / issued by")
# The same bearer token, documented as the OAuth2 password flow so that Swagger UI's Authorize
# button can get one with a user name and password (the token endpoint accepts the OAuth2 form).
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False, scheme_name="OAuth2PasswordBearer",
                                     description="用户名与密码换取令牌 / user name and password for a token")


# Ending a request's transaction gets threads of its own: if the commit waited for a worker
# thread while every worker waited for the lock this commit releases, requests would stall until
# the pool timed out (seen with 50 parallel pulls of one enterprise).
_ENDINGS = anyio.CapacityLimiter(64)


async def get_db() -> AsyncIterator[Session]:
    """The request's session and its one transaction: committed when the route returns (before the
    response is sent, so a failed commit is answered as an error), rolled back when it raises."""
    session = session_factory()()
    begin(session, owner="request")
    try:
        yield session
    except BaseException as exc:
        await anyio.to_thread.run_sync(end, session, exc, limiter=_ENDINGS)
        raise
    else:
        await anyio.to_thread.run_sync(end, session, None, limiter=_ENDINGS)


# `db: Session = REQUEST_DB` in every route. Function scope: the transaction ends when the route
# function returns, before the response is sent, not after it.
REQUEST_DB = Depends(get_db, scope="function")


def session_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().resolved_session_secret(), salt="smecredit.session")


def cookie_token(request: Request) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        token = session_serializer().loads(raw)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


@dataclass(frozen=True)
class UserView:
    """What pages show of the signed-in user; plain data, safe after the session closes."""

    id: int
    username: str
    display_name: str
    roles: frozenset[Role]
    must_change_password: bool

    @classmethod
    def of(cls, user: User) -> "UserView":
        return cls(user.id, user.username, user.display_name, user.roles, user.must_change_password)


def remember_user(request: Request, user: User | None) -> None:
    request.state.user = user
    request.state.user_view = UserView.of(user) if user is not None else None


class LoginRequired(Exception):
    """Raised by page routes without a live session; the handler redirects to /login. An idle
    session ended on the way is kept (see `kernel.db.finish`)."""

    keep_changes = True


class PasswordChangeRequired(Exception):
    """Raised while a user still has a temporary password; the handler redirects to the form."""


PASSWORD_FORM = "/account/password"
API_PASSWORD = "/api/v1/me/password"
# What a user with a temporary password may still open: the forms that replace it.
PASSWORD_CHANGE_PATHS = frozenset({PASSWORD_FORM, API_PASSWORD})
PASSWORD_CHANGE_REQUIRED = Forbidden("password_change_required", Text("管理员重置了您的密码，请先在网页上修改密码", "An administrator reset your password; change it in the web pages first"), "password")


NOT_AUTHENTICATED = Unauthenticated("not_authenticated", Text("请先登录或提供有效的访问令牌", "Sign in or send a valid bearer token"))


def page_user_or_none(request: Request, db: Session) -> User | None:
    if hasattr(request.state, "user"):
        return request.state.user
    token = cookie_token(request)
    found = identity.resume_session(db, token=token) if token else None
    user = found[1] if found else None
    request.state.session_id = found[0].id if found else None
    request.state.page_db = db  # the request's session, for what the top bar reads (web.templating.add_context)
    remember_user(request, user)
    if user is not None:
        request.state.lang = request.cookies.get("smecredit_lang") or user.preferred_lang
    return user


class Allow:
    """`user: User = Depends(Allow(ENTERPRISE_EDIT))` — the signed-in user if their roles hold the
    permission (`identity.permissions`, one definition for pages and API).

    `api=True` authenticates by bearer token and answers JSON errors; otherwise by the session
    cookie, redirecting to the login page. The route-permission test finds these on every route.
    """

    def __init__(self, permission: Permission, *, api: bool = False):
        if not isinstance(permission, Permission):
            raise TypeError("Allow takes a Permission from smecredit.identity.permissions")
        self.permission = permission
        self.roles = permission.roles
        self.api = api

    def __call__(
        self,
        request: Request,
        db: Session = REQUEST_DB,
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),
        _documented: str | None = Depends(oauth2_scheme),
    ) -> User:
        if self.api:
            found = identity.token_for(db, token=credentials.credentials) if credentials else None
            if found is None:
                raise NOT_AUTHENTICATED
            user = found[1]
            request.state.token_id = found[0].id
            remember_user(request, user)
        else:
            user = page_user_or_none(request, db)
            if user is None:
                raise LoginRequired()
        # A temporary password (set by an administrator, who therefore knows it) opens nothing
        # but the form to replace it.
        if user.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
            if self.api:
                raise PASSWORD_CHANGE_REQUIRED
            raise PasswordChangeRequired()
        if not self.permission.held_by(user.roles):
            raise Forbidden("forbidden", Text("您的岗位无权使用此功能", "Your role may not use this function"),
                            details={"permission": self.permission.code,
                                     "allowed_roles": sorted(r.value for r in self.roles)})
        return user

    def __repr__(self) -> str:
        return f"Allow({self.permission.code}, api={self.api})"


def current_session_id(request: Request) -> int | None:
    """The page session the request came with (kept when the user changes their password)."""
    return getattr(request.state, "session_id", None)


def current_token_id(request: Request) -> int | None:
    """The API token the request came with."""
    return getattr(request.state, "token_id", None)


