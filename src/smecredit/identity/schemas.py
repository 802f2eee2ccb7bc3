"""API shapes for identity. Inputs are `ApiInput` (strict JSON); outputs are built with
`model_validate(row)` from the models (`from_attributes`), never copied field by field."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from smecredit.identity.roles import Role
from smecredit.web.inputs import ApiInput

UserStatus = Literal["active", "locked", "disabled"]
CodePurpose = Literal["signup", "password_reset"]


def _in_role_order(roles) -> list[Role]:
    order = list(Role)
    return sorted((Role(r) for r in roles), key=order.index)


class TokenRequest(ApiInput):
    """JSON form of the token request (the endpoint also takes the OAuth2 password form)."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    label: str | None = Field(default=None, max_length=100, description="用途说明 / what the token is for, shown in token lists")


class TokenResponse(BaseModel):
    """OAuth2 access-token answer (RFC 6749 §5.1), plus the expiry as a time."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="秒 / seconds")
    expires_at: datetime


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    display_name: str
    roles: list[Role]
    status: UserStatus
    is_active: bool
    locked_until: datetime | None
    must_change_password: bool
    created_at: datetime
    last_login_at: datetime | None
    branch_code: str | None = Field(default=None, description="所属网点 / branch")
    mobile_masked: str | None = Field(description="手机号（脱敏） / mobile, masked")
    identity_verified: bool = Field(description="已实名核验 / identity verified")

    @field_validator("roles", mode="before")
    @classmethod
    def _ordered(cls, roles):
        return _in_role_order(roles)


class UserCreate(ApiInput):
    username: str = Field(min_length=3, max_length=64)
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=256, description="临时密码，首次登录须修改 / temporary; changed at first sign-in")
    roles: list[Role] = Field(min_length=1, max_length=len(Role))


class RolesIn(ApiInput):
    roles: list[Role] = Field(min_length=1, max_length=len(Role), description="全部岗位（替换原有） / every role (replaces)")


class ResetPasswordIn(ApiInput):
    temporary_password: str | None = Field(default=None, min_length=1, max_length=256,
                                           description="不填则生成一个 / empty: one is generated and returned once")


class ResetPasswordOut(BaseModel):
    user: UserOut
    temporary_password: str | None = Field(description="仅在生成时返回一次 / only when generated, shown once")


class PasswordChangeIn(ApiInput):
    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class PasswordChanged(BaseModel):
    sessions_ended: int
    tokens_revoked: int


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    label: str | None
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoke_reason: str | None


# --- self-service sign-up -----------------------------------------------------------------------

class CodeRequest(ApiInput):
    mobile: str = Field(min_length=1, max_length=30, description="中国大陆手机号 / mainland China mobile")
    purpose: CodePurpose = "signup"


class CodeSentOut(BaseModel):
    """The same answer whether or not the number has an account (nothing to learn from it)."""

    sent: bool = True
    mobile_masked: str
    expires_in: int = Field(description="验证码有效秒数 / seconds the code is valid")
    resend_after: int = Field(description="可重新发送的秒数 / seconds until a new code may be sent")


class SignupIn(ApiInput):
    mobile: str = Field(min_length=1, max_length=30)
    code: str = Field(min_length=1, max_length=10)
    username: str = Field(min_length=3, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    real_name: str = Field(min_length=1, max_length=50, description="真实姓名 / legal name")
    id_number: str = Field(min_length=1, max_length=30, description="公民身份号码 / resident identity number")
    agree: bool = Field(description="同意个人信息处理说明（须为 true） / accepts how personal information is used (must be true)")


class SignupOut(BaseModel):
    user: UserOut
    identity_provider: str | None


class PasswordResetIn(ApiInput):
    mobile: str = Field(min_length=1, max_length=30)
    code: str = Field(min_length=1, max_length=10)
    new_password: str = Field(min_length=1, max_length=256)


class PasswordResetOut(BaseModel):
    reset: bool = True


class BranchIn(ApiInput):
    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=100)
    region_code: str | None = Field(default=None, max_length=6, description="行政区划代码 / GB/T 2260 code")


class BranchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    region_code: str | None


class BranchAssignment(ApiInput):
    branch_code: str | None = Field(default=None, max_length=20, description="null: no branch")
