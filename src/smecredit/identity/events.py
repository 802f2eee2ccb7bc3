"""Audit events of identity: users, roles, sign-in, sessions and tokens."""

from __future__ import annotations

from datetime import datetime

from smecredit.audit.catalogue import Event, event
from smecredit.kernel.text import Text


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


@event("auth.login", "user", Text("登录", "Signed in"))
class LoggedIn(Event):
    username: str
    session_id: int
    ip: str | None


@event("auth.session_expired", "user", Text("会话超时", "Session expired"))
class SessionExpired(Event):
    username: str
    session_id: int


@event("auth.logout", "user", Text("退出登录", "Signed out"))
class LoggedOut(Event):
    username: str
    session_id: int


@event("auth.token_issued", "user", Text("签发接口令牌", "API token issued"))
class TokenIssued(Event):
    username: str
    token_id: int
    expires_at: datetime
