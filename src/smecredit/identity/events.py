"""Audit events of identity: users, roles, sign-in, sessions and tokens."""

from __future__ import annotations

from datetime import datetime

from smecredit.audit.catalogue import Event, entity_type, event
from smecredit.kernel.text import Text

entity_type("user", Text("用户", "User"))
entity_type("source", Text("来源地址", "Source address"))
entity_type("otp_code", Text("短信验证码", "One-time code"))
entity_type("branch", Text("网点", "Branch"))


@event("user.created", "user", Text("创建用户", "User created"))
class UserCreated(Event):
    username: str
    display_name: str
    roles: list[str]


@event("user.roles_changed", "user", Text("变更岗位", "Roles changed"))
class UserRolesChanged(Event):
    username: str
    before: list[str]
    after: list[str]


@event("user.enabled", "user", Text("启用账号", "Account enabled"))
class UserEnabled(Event):
    username: str


@event("user.disabled", "user", Text("停用账号", "Account disabled"))
class UserDisabled(Event):
    username: str


@event("user.unlocked", "user", Text("解锁账号", "Account unlocked"))
class UserUnlocked(Event):
    username: str


@event("user.password_reset", "user", Text("重置密码", "Password reset"))
class PasswordReset(Event):
    username: str
    must_change: bool


@event("user.password_changed", "user", Text("修改密码", "Password changed"))
class PasswordChanged(Event):
    username: str


@event("user.locked", "user", Text("账号锁定", "Account locked"))
class AccountLocked(Event):
    username: str
    failed_logins: int
    locked_until: datetime


@event("auth.login_failed", "user", Text("登录失败", "Sign-in failed"))
class LoginFailed(Event):
    username: str
    failed_logins: int
    ip: str | None = None


@event("auth.login", "user", Text("登录", "Signed in"))
class LoggedIn(Event):
    username: str
    session_id: int
    ip: str | None


@event("auth.session_expired", "user", Text("会话超时", "Session expired"))
class SessionExpired(Event):
    username: str
    session_id: int
    reason: str = "idle"  # "idle" or "max_age" (SMECREDIT_SESSION_MAX_HOURS)


@event("auth.logout", "user", Text("退出登录", "Signed out"))
class LoggedOut(Event):
    username: str
    session_id: int


@event("auth.token_issued", "user", Text("签发接口令牌", "API token issued"))
class TokenIssued(Event):
    username: str
    token_id: int
    expires_at: datetime
    label: str | None = None


@event("auth.token_revoked", "user", Text("吊销接口令牌", "API token revoked"))
class TokenRevoked(Event):
    username: str
    token_id: int
    by: str  # "owner" or "admin"


@event("auth.sessions_ended", "user", Text("结束会话与令牌", "Sessions and tokens ended"))
class SessionsEnded(Event):
    username: str
    reason: str  # password_changed, password_reset, disabled, roles_changed, password_reset_by_code
    sessions: int
    tokens: int


@event("auth.source_throttled", "source", Text("来源地址登录受限", "Source address throttled"))
class SourceThrottled(Event):
    ip: str | None
    failures: int
    retry_at: datetime


@event("signup.code_sent", "otp_code", Text("发送短信验证码", "One-time code sent"))
class CodeSent(Event):
    purpose: str  # "signup" or "password_reset"
    mobile: str  # masked
    delivered: bool  # False: nothing sent (e.g. no account for a reset), the answer is the same


@event("signup.code_failed", "otp_code", Text("验证码错误", "One-time code refused"))
class CodeFailed(Event):
    purpose: str
    mobile: str  # masked
    attempts: int


@event("user.signed_up", "user", Text("自助注册", "Signed up"))
class UserSignedUp(Event):
    username: str
    mobile: str  # masked
    roles: list[str]


@event("user.identity_verified", "user", Text("实名核验通过", "Identity verified"))
class IdentityVerified(Event):
    username: str
    provider: str
    reference: str
    name: str  # masked
    id_number: str  # masked


@event("user.password_reset_by_code", "user", Text("短信验证码重置密码", "Password reset by one-time code"))
class PasswordResetByCode(Event):
    username: str
    mobile: str  # masked


@event("branch.saved", "branch", Text("保存网点", "Branch saved"))
class BranchSaved(Event):
    name: str
    region_code: str | None


@event("user.branch_changed", "user", Text("变更所属网点", "Branch changed"))
class UserBranchChanged(Event):
    username: str
    before: str | None
    after: str | None


@event("user.list_exported", "user", Text("导出用户列表", "User list exported"))
class UsersExported(Event):
    """An administrator exported the users list. Audited because the rows carry personal
    information: names of staff and applicants and their (masked) mobile numbers."""

    format: str
    filters: dict
    rows: int
    total: int
