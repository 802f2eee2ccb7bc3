"""API shapes for identity."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from smecredit.identity.roles import Role


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    display_name: str
    roles: list[Role]
    is_active: bool
    locked_until: datetime | None
    last_login_at: datetime | None


class UserCreate(BaseModel):
    username: str = Field(min_length=3, max_length=64)
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=256)
    roles: list[Role] = Field(min_length=1)


def user_out(user) -> UserOut:
    return UserOut(
        username=user.username, display_name=user.display_name, roles=sorted(user.roles),
        is_active=user.is_active, locked_until=user.locked_until, last_login_at=user.last_login_at,
    )
