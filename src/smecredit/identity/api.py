"""Identity API: bearer tokens for integrators, who-am-I, and user administration."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from smecredit.identity import service
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.identity.schemas import TokenRequest, TokenResponse, UserCreate, UserOut, user_out
from smecredit.identity.permissions import SIGNED_IN, USERS_ADMIN
from smecredit.web.deps import Allow, REQUEST_DB

router = APIRouter(prefix="/api/v1")


@router.post("/auth/token", response_model=TokenResponse, tags=["auth"], summary="Exchange a user name and password for a bearer token")
def issue_token(body: TokenRequest, db: Session = REQUEST_DB):
    user = service.authenticate(db, username=body.username, password=body.password)
    token, row = service.issue_api_token(db, user=user)
    return TokenResponse(access_token=token, expires_at=row.expires_at)


@router.get("/me", response_model=UserOut, tags=["auth"], summary="The user the token belongs to")
def me(user: User = Depends(Allow(SIGNED_IN, api=True))):
    return user_out(user)


admin_api = Allow(USERS_ADMIN, api=True)


@router.get("/users", response_model=list[UserOut], tags=["users"], summary="List users")
def list_users(role: Role | None = None, user: User = Depends(admin_api), db: Session = REQUEST_DB):
    return [user_out(u) for u in service.list_users(db, role=role)]


@router.post("/users", response_model=UserOut, status_code=201, tags=["users"], summary="Create a user")
def create_user(body: UserCreate, user: User = Depends(admin_api), db: Session = REQUEST_DB):
    created = service.create_user(db, actor=service.actor_of(user), username=body.username,
                                  display_name=body.display_name, password=body.password, roles=body.roles,
                                  must_change_password=True)
    return user_out(created)


@router.post("/users/{username}/unlock", response_model=UserOut, tags=["users"], summary="Unlock a locked account")
def unlock_user(username: str, user: User = Depends(admin_api), db: Session = REQUEST_DB):
    return user_out(service.unlock(db, actor=service.actor_of(user), username=username))


@router.post("/users/{username}/disable", response_model=UserOut, tags=["users"], summary="Disable an account")
def disable_user(username: str, user: User = Depends(admin_api), db: Session = REQUEST_DB):
    return user_out(service.set_active(db, actor=service.actor_of(user), username=username, active=False))
