"""Identity API: bearer tokens (JSON or the OAuth2 password form), who-am-I, own password and
tokens, self-service sign-up by SMS code, and user administration — the same use cases as the
pages and the command line."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.requests import Request

from smecredit.identity import login, onboarding, service, sessions
from smecredit.identity.models import User
from smecredit.identity.permissions import SIGNED_IN, USERS_ADMIN
from smecredit.identity.roles import Role
from smecredit.identity.schemas import (
    BranchAssignment,
    BranchIn,
    BranchOut,
    CodeRequest,
    CodeSentOut,
    PasswordChanged,
    PasswordChangeIn,
    PasswordResetIn,
    PasswordResetOut,
    ResetPasswordIn,
    ResetPasswordOut,
    RolesIn,
    SignupIn,
    SignupOut,
    TokenOut,
    TokenRequest,
    TokenResponse,
    UserCreate,
    UserOut,
    UserStatus,
)
from smecredit.kernel.db import settle
from smecredit.kernel.errors import DomainError, RateLimited
from smecredit.kernel.text import Text
from smecredit.notifications.service import deliver
from smecredit.web.deps import REQUEST_DB, Allow, current_token_id
from smecredit.web.errors import headers_of
from smecredit.web.openapi import errors
from smecredit.web.pagination import Page, Paging, page_of
from smecredit.web.params import EntityId

# Public: no token needed (sign-in and sign-up). Signed in: everything else.
public = APIRouter(prefix="/api/v1", responses=errors(413, 422, 429))
router = APIRouter(prefix="/api/v1", responses=errors(401, 403, 404, 409, 413, 422))

Username = Annotated[str, Path(min_length=1, max_length=64, description="用户名 / user name")]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


# --- tokens ----------------------------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"
TOKEN_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": TokenRequest.model_json_schema()},
        FORM: {"schema": {
            "title": "OAuth2PasswordRequest", "type": "object", "required": ["grant_type", "username", "password"],
            "properties": {
                "grant_type": {"type": "string", "enum": ["password"]},
                "username": {"type": "string", "maxLength": 64},
                "password": {"type": "string", "maxLength": 256, "format": "password"},
                "scope": {"type": "string", "description": "ignored"},
                "client_id": {"type": "string", "description": "ignored"},
                "client_secret": {"type": "string", "description": "ignored"},
            },
        }},
    },
}


class OAuth2Refusal(Exception):
    """An OAuth2 password-form request refused before any credential was checked (RFC 6749 §5.2)."""

    def __init__(self, error: str, description: Text):
        super().__init__(error)
        self.error = error
        self.description = description


async def token_request(request: Request) -> tuple[bool, TokenRequest] | OAuth2Refusal:
    """The credentials, from a JSON body or an OAuth2 password form (`grant_type=password`):
    (is_oauth2_form, request), or the OAuth2 refusal of a malformed form."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == FORM:
        form = await request.form()
        grant = form.get("grant_type")
        if grant != "password":
            return OAuth2Refusal("unsupported_grant_type", Text("只支持 grant_type=password", "Only grant_type=password is supported"))
        values = {k: form.get(k) for k in ("username", "password")}
        if not all(isinstance(v, str) and v for v in values.values()):
            return OAuth2Refusal("invalid_request", Text("须提供用户名和密码", "username and password are required"))
        try:
            return True, TokenRequest.model_validate(values)
        except ValidationError:
            return OAuth2Refusal("invalid_request", Text("用户名或密码过长", "username or password too long"))
    try:
        body: Any = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": "JSON decode error",
                                       "input": None}]) from None
    try:
        return False, TokenRequest.model_validate(body)
    except ValidationError as error:
        raise RequestValidationError(error.errors(include_url=False)) from None


def oauth2_error(status: int, error: str, description: Text, headers: dict[str, str] | None = None,
                 code: str | None = None) -> JSONResponse:
    body = {"error": error, "error_description": str(description)}
    if code:
        body["smecredit_code"] = code
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})})


@public.post(
    "/auth/token", response_model=TokenResponse, tags=["auth"],
    summary="Exchange a user name and password for a bearer token (JSON, or the OAuth2 password form)",
    description=(
        "JSON `{\"username\", \"password\", \"label\"}` answers platform errors (`ErrorResponse`). "
        "The OAuth2 form (`grant_type=password&username=…&password=…`, what Swagger UI's *Authorize* "
        "sends) answers OAuth2 errors `{\"error\": \"invalid_grant\", \"error_description\"}` (RFC 6749 §5.2). "
        "Five wrong passwords lock the account; too many failures from one address answer 429."),
    openapi_extra={"requestBody": TOKEN_BODY},
    responses={**errors(401, 423), 400: {"description": "OAuth2 form: invalid_request, invalid_grant, unsupported_grant_type"}},
)
def issue_token(request: Request, parsed: tuple[bool, TokenRequest] | OAuth2Refusal = Depends(token_request),
                db: Session = REQUEST_DB):
    if isinstance(parsed, OAuth2Refusal):
        return oauth2_error(400, parsed.error, parsed.description)
    oauth2, body = parsed
    try:
        user = login.authenticate(db, username=body.username, password=body.password, ip=client_ip(request))
    except DomainError as error:
        if not oauth2:
            raise
        settle(db, error)
        if isinstance(error, RateLimited):
            return oauth2_error(429, "slow_down", error.message, headers_of(error), error.code)
        return oauth2_error(400, "invalid_grant", error.message, code=error.code)
    token, row = sessions.issue_api_token(db, user=user, label=body.label)
    expires_in = int((row.expires_at - row.created_at).total_seconds())
    answer = TokenResponse(access_token=token, expires_in=expires_in, expires_at=row.expires_at)
    return JSONResponse(answer.model_dump(mode="json"), headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


# --- the signed-in user ----------------------------------------------------------------------------

signed_in = Allow(SIGNED_IN, api=True)


@router.get("/me", response_model=UserOut, tags=["auth"], summary="The user the token belongs to")
def me(user: User = Depends(signed_in)):
    return UserOut.model_validate(user)


@router.post("/me/password", response_model=PasswordChanged, tags=["auth"],
             summary="Change your own password; your other sessions and tokens end (this token stays)")
def change_password(body: PasswordChangeIn, request: Request, user: User = Depends(signed_in), db: Session = REQUEST_DB):
    ended, revoked = service.change_own_password(db, user=user, old_password=body.old_password,
                                                 new_password=body.new_password, keep_token_id=current_token_id(request))
    return PasswordChanged(sessions_ended=ended, tokens_revoked=revoked)


@router.get("/me/tokens", response_model=Page[TokenOut], tags=["auth"], summary="Your live API tokens")
def my_tokens(paging: Paging, user: User = Depends(signed_in), db: Session = REQUEST_DB):
    total, rows = sessions.list_tokens(db, user=user, limit=paging.limit, offset=paging.offset)
    return Page[TokenOut](total=total, items=[TokenOut.model_validate(r) for r in rows])


@router.delete("/me/tokens/{token_id}", response_model=TokenOut, tags=["auth"], summary="Revoke one of your tokens")
def revoke_my_token(token_id: EntityId, user: User = Depends(signed_in), db: Session = REQUEST_DB):
    row = sessions.revoke_token(db, actor=service.actor_of(user), user=user, token_id=token_id, by="owner")
    return TokenOut.model_validate(row)


# --- self-service sign-up and password reset -----------------------------------------------------------

@public.post("/signup/code", response_model=CodeSentOut, status_code=202, tags=["signup"],
             summary="Send a one-time code by SMS (sign-up or password reset)",
             description="The answer is the same whether or not the number has an account.")
def send_code(body: CodeRequest, request: Request, background: BackgroundTasks, db: Session = REQUEST_DB):
    sent = onboarding.request_code(db, mobile=body.mobile, purpose=body.purpose, ip=client_ip(request))
    if sent.outbox_id is not None:
        background.add_task(deliver, sent.outbox_id)  # after the request's transaction commits
    return CodeSentOut(mobile_masked=sent.mobile_masked, expires_in=sent.expires_in, resend_after=sent.resend_after)


@public.post("/signup", response_model=SignupOut, status_code=201, tags=["signup"],
             summary="Create an applicant account with the code, a password and a verified identity",
             responses=errors(409))
def sign_up(body: SignupIn, request: Request, db: Session = REQUEST_DB):
    user = onboarding.sign_up(db, mobile=body.mobile, code=body.code, username=body.username, password=body.password,
                              real_name=body.real_name, id_number=body.id_number, agreed=body.agree,
                              ip=client_ip(request))
    return SignupOut(user=UserOut.model_validate(user), identity_provider=user.identity_provider)


@public.post("/signup/password-reset", response_model=PasswordResetOut, tags=["signup"],
             summary="Set a new password with a code sent to the account's mobile; all sessions and tokens end",
             responses=errors(409))
def reset_password_by_code(body: PasswordResetIn, request: Request, db: Session = REQUEST_DB):
    onboarding.reset_password_by_code(db, mobile=body.mobile, code=body.code, new_password=body.new_password,
                                      ip=client_ip(request))
    return PasswordResetOut()


# --- user administration ---------------------------------------------------------------------------

admin_api = Allow(USERS_ADMIN, api=True)


@router.get("/users", response_model=Page[UserOut], tags=["users"], summary="List users (filter by role, status, text)")
def list_users(
    paging: Paging,
    role: Role | None = None,
    status: UserStatus | None = None,
    q: str | None = Query(None, max_length=100, description="用户名、姓名或完整手机号 / user name, name or a full mobile"),
    user: User = Depends(admin_api),
    db: Session = REQUEST_DB,
):
    total, rows = service.search_users(db, role=role, status=status, q=q, limit=paging.limit, offset=paging.offset)
    return Page[UserOut](total=total, items=[UserOut.model_validate(u) for u in rows])


@router.post("/users", response_model=UserOut, status_code=201, tags=["users"],
             summary="Create a user (the password is temporary: changed at first sign-in)")
def create_user(body: UserCreate, user: User = Depends(admin_api), db: Session = REQUEST_DB):
    created = service.create_user(db, actor=service.actor_of(user), username=body.username,
                                  display_name=body.display_name, password=body.password, roles=body.roles,
                                  must_change_password=True)
    return UserOut.model_validate(created)


@router.get("/users/{username}", response_model=UserOut, tags=["users"], summary="One user")
def get_user(username: Username, user: User = Depends(admin_api), db: Session = REQUEST_DB):
    return UserOut.model_validate(service.get_user(db, username=username))


@router.put("/users/{username}/roles", response_model=UserOut, tags=["users"],
            summary="Set a user's roles (separation of duties applies; their sessions and tokens end)")
def set_roles(username: Username, body: RolesIn, request: Request, user: User = Depends(admin_api),
              db: Session = REQUEST_DB):
    keep = current_token_id(request) if username.strip().lower() == user.username else None
    changed = service.set_roles(db, actor=service.actor_of(user), username=username, roles=body.roles, keep_token_id=keep)
    return UserOut.model_validate(changed)


@router.post("/users/{username}/enable", response_model=UserOut, tags=["users"], summary="Enable a disabled account")
def enable_user(username: Username, user: User = Depends(admin_api), db: Session = REQUEST_DB):
    return UserOut.model_validate(service.set_active(db, actor=service.actor_of(user), username=username, active=True))


@router.post("/users/{username}/disable", response_model=UserOut, tags=["users"],
             summary="Disable an account (its sessions and tokens end)")
def disable_user(username: Username, user: User = Depends(admin_api), db: Session = REQUEST_DB):
    return UserOut.model_validate(service.set_active(db, actor=service.actor_of(user), username=username, active=False))


@router.post("/users/{username}/unlock", response_model=UserOut, tags=["users"], summary="Unlock a locked account")
def unlock_user(username: Username, user: User = Depends(admin_api), db: Session = REQUEST_DB):
    return UserOut.model_validate(service.unlock(db, actor=service.actor_of(user), username=username))


@router.post("/users/{username}/reset-password", response_model=ResetPasswordOut, tags=["users"],
             summary="Set a temporary password (opens nothing until the user changes it; sessions and tokens end)")
def reset_password(username: Username, body: ResetPasswordIn, user: User = Depends(admin_api),
                   db: Session = REQUEST_DB):
    target = service.get_user(db, username=username)
    generated = None if body.temporary_password else service.generate_temporary_password(target.username)
    changed = service.reset_password(db, actor=service.actor_of(user), username=username,
                                     new_password=body.temporary_password or generated)
    return ResetPasswordOut(user=UserOut.model_validate(changed), temporary_password=generated)


@router.get("/users/{username}/tokens", response_model=Page[TokenOut], tags=["users"], summary="A user's live API tokens")
def user_tokens(username: Username, paging: Paging, user: User = Depends(admin_api), db: Session = REQUEST_DB):
    total, rows = sessions.list_tokens(db, user=service.get_user(db, username=username), limit=paging.limit,
                                       offset=paging.offset)
    return Page[TokenOut](total=total, items=[TokenOut.model_validate(r) for r in rows])


@router.delete("/users/{username}/tokens/{token_id}", response_model=TokenOut, tags=["users"],
               summary="Revoke one of a user's API tokens")
def revoke_user_token(username: Username, token_id: EntityId, user: User = Depends(admin_api), db: Session = REQUEST_DB):
    row = sessions.revoke_token(db, actor=service.actor_of(user), user=service.get_user(db, username=username),
                                token_id=token_id, by="admin")
    return TokenOut.model_validate(row)



# --- branches ---------------------------------------------------------------------------------------

@router.get("/branches", response_model=Page[BranchOut], tags=["users"], summary="The lender's branches (网点)")
def list_branches(paging: Paging, user: User = Depends(signed_in), db: Session = REQUEST_DB):
    return page_of([BranchOut.model_validate(b) for b in service.list_branches(db)], paging)


@router.post("/branches", response_model=BranchOut, tags=["users"], summary="Add or rename a branch (administrators)")
def save_branch(body: BranchIn, user: User = Depends(admin_api), db: Session = REQUEST_DB):
    return BranchOut.model_validate(service.save_branch(db, actor=service.actor_of(user), code=body.code,
                                                        name=body.name, region_code=body.region_code))


@router.put("/users/{username}/branch", response_model=UserOut, tags=["users"],
            summary="Place a member of staff in a branch (officers of a branch share its portfolio)")
def set_branch(username: Username, body: BranchAssignment, user: User = Depends(admin_api), db: Session = REQUEST_DB):
    return UserOut.model_validate(service.set_branch(db, actor=service.actor_of(user), username=username,
                                                     branch_code=body.branch_code))
