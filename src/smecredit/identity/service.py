"""Identity use cases: users, roles, login with lockout, page sessions, API tokens.

Each public function is one use case: it writes its rows and its audit event and flushes; the
caller (request or command) commits them together.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smecredit.audit.log import SYSTEM, Actor, record
from smecredit.identity import events
from smecredit.identity.models import ApiToken, User, UserRole, WebSession
from smecredit.identity.passwords import check_strength, hash_password, verify_password
from smecredit.identity.roles import Role
from smecredit.kernel.clock import as_utc, utcnow
from smecredit.kernel.errors import Conflict, DomainError, Forbidden, Invalid, Locked, Unauthenticated, not_found
from smecredit.kernel.text import Text
from smecredit.kernel.settings import get_settings

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


def actor_of(user: User) -> Actor:
    return Actor(username=user.username, role=user.primary_role.value, user_id=user.id)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalise_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not (3 <= len(name) <= 64) or not set(name) <= USERNAME_CHARS:
        raise Invalid("invalid_username", Text("用户名须为 3–64 位小写字母、数字或 . _ -", "User name must be 3–64 characters of a–z, 0–9, '.', '_' or '-'"), "username")
    return name


def get_user(db: Session, *, username: str) -> User:
    user = db.execute(select(User).where(User.username == username.strip().lower())).scalar_one_or_none()
    if user is None:
        raise not_found(Text("用户", "User"), "username")
    return user


def list_users(db: Session, *, role: Role | None = None) -> list[User]:
    query = select(User).order_by(User.username)
    if role is not None:
        query = query.where(User.role_rows.any(UserRole.role == role.value))
    return list(db.execute(query).scalars())


def _set_roles(user: User, roles: Iterable[Role]) -> None:
    wanted = {Role(r) for r in roles}
    if not wanted:
        raise Invalid("no_role", Text("至少选择一个岗位", "Choose at least one role"), "roles")
    user.role_rows = [UserRole(role=r.value) for r in Role if r in wanted]


def create_user(
    db: Session,
    *,
    actor: Actor,
    username: str,
    display_name: str,
    password: str,
    roles: Iterable[Role],
    must_change_password: bool = False,
) -> User:
    settings = get_settings()
    username = normalise_username(username)
    display_name = (display_name or "").strip() or username
    check_strength(password, username=username, min_length=settings.password_min_length)
    if db.execute(select(func.count()).select_from(User).where(User.username == username)).scalar():
        raise Conflict("username_taken", Text(f"用户名 {username} 已存在", f"User name {username} is taken"), "username")
    now = utcnow()
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        is_active=True,
        failed_logins=0,
        must_change_password=must_change_password,
        preferred_lang="zh",
        created_at=now,
        password_changed_at=now,
    )
    _set_roles(user, roles)
    db.add(user)
    db.flush()
    record(db, actor, events.UserCreated(entity_id=user.id, username=username, display_name=display_name,
                                         roles=sorted(r.value for r in user.roles)))
    return user


def set_roles(db: Session, *, actor: Actor, username: str, roles: Iterable[Role]) -> User:
    user = get_user(db, username=username)
    before = sorted(r.value for r in user.roles)
    _set_roles(user, roles)
    db.flush()
    record(db, actor, events.UserRolesChanged(entity_id=user.id, username=user.username, before=before,
                                              after=sorted(r.value for r in user.roles)))
    return user


def set_active(db: Session, *, actor: Actor, username: str, active: bool) -> User:
    user = get_user(db, username=username)
    if not active and actor.user_id == user.id:
        raise Invalid("cannot_disable_self", Text("不能停用自己的账号", "You cannot disable your own account"), "username")
    user.is_active = active
    if not active:
        _end_all_sessions(db, user, reason="disabled")
    kind = events.UserEnabled if active else events.UserDisabled
    record(db, actor, kind(entity_id=user.id, username=user.username))
    return user


def unlock(db: Session, *, actor: Actor, username: str) -> User:
    user = get_user(db, username=username)
    user.failed_logins = 0
    user.locked_until = None
    record(db, actor, events.UserUnlocked(entity_id=user.id, username=user.username))
    return user


def reset_password(db: Session, *, actor: Actor, username: str, new_password: str, must_change: bool = True) -> User:
    settings = get_settings()
    user = get_user(db, username=username)
    check_strength(new_password, username=user.username, min_length=settings.password_min_length)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = must_change
    user.failed_logins = 0
    user.locked_until = None
    _end_all_sessions(db, user, reason="password_reset")
    record(db, actor, events.PasswordReset(entity_id=user.id, username=user.username, must_change=must_change))
    return user


def change_own_password(db: Session, *, user: User, old_password: str, new_password: str) -> User:
    settings = get_settings()
    if not verify_password(user.password_hash, old_password):
        raise Invalid("wrong_password", Text("原密码不正确", "The current password is wrong"), "old_password")
    if old_password == new_password:
        raise Invalid("same_password", Text("新密码不能与原密码相同", "The new password must differ"), "new_password")
    check_strength(new_password, username=user.username, min_length=settings.password_min_length)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    record(db, actor_of(user), events.PasswordChanged(entity_id=user.id, username=user.username))
    return user


def set_language(db: Session, *, user: User, lang: str) -> None:
    # A display preference, not a business fact: not worth an audit event.
    user.preferred_lang = "en" if lang == "en" else "zh"


# --- login and lockout -------------------------------------------------------------------------

def _invalid_credentials() -> Unauthenticated:
    return Unauthenticated("invalid_credentials", Text("用户名或密码错误", "Wrong user name or password"), "password")


def _locked_error(until: datetime) -> DomainError:
    local = as_utc(until).astimezone(get_settings().tz).strftime("%Y-%m-%d %H:%M")
    return Locked("account_locked", Text(f"连续输错密码次数过多，账号已锁定至 {local}；可联系管理员解锁", f"Too many wrong passwords: the account is locked until {local}; an administrator can unlock it"), "username")


def authenticate(db: Session, *, username: str, password: str) -> User:
    """Check a password. Wrong passwords count towards the lockout even though we then refuse, so
    the refusal is `kept()`: the edge commits the counter before it answers."""
    settings = get_settings()
    name = (username or "").strip().lower()
    user = db.execute(select(User).where(User.username == name)).scalar_one_or_none()
    now = utcnow()
    if user is None:
        verify_password(_dummy_hash(), password)  # same work as for a real user: no user-name oracle
        raise _invalid_credentials()
    if user.locked_until is not None and as_utc(user.locked_until) > now:
        raise _locked_error(user.locked_until)
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        failures = user.failed_logins
        if failures >= settings.lockout_threshold:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0
            record(db, SYSTEM, events.AccountLocked(entity_id=user.id, username=user.username, failed_logins=failures,
                                                    locked_until=user.locked_until))
        else:
            record(db, SYSTEM, events.LoginFailed(entity_id=user.id, username=user.username, failed_logins=failures))
        if user.locked_until is not None and as_utc(user.locked_until) > now:
            raise _locked_error(user.locked_until).kept()
        raise _invalid_credentials().kept()
    if not user.is_active:
        raise Forbidden("account_disabled", Text("账号已停用", "This account is disabled"), "username")
    return user


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("not-a-real-password-Dummy-1")


@dataclass(frozen=True)
class NewSession:
    token: str
    session: WebSession


def start_session(db: Session, *, user: User, ip: str | None, user_agent: str | None) -> NewSession:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    user.failed_logins = 0
    user.last_login_at = now
    session = WebSession(
        token_sha256=token_digest(token), user_id=user.id, created_at=now, last_seen_at=now,
        ip=ip, user_agent=(user_agent or "")[:300],
    )
    db.add(session)
    db.flush()
    record(db, actor_of(user), events.LoggedIn(entity_id=user.id, username=user.username, session_id=session.id, ip=ip))
    return NewSession(token=token, session=session)


def resume_session(db: Session, *, token: str) -> tuple[WebSession, User] | None:
    """The live session for a cookie token, or None. Sessions idle for longer than the configured
    time end here (and the end is recorded)."""
    settings = get_settings()
    session = db.execute(select(WebSession).where(WebSession.token_sha256 == token_digest(token))).scalar_one_or_none()
    if session is None or session.ended_at is not None:
        return None
    user = db.get(User, session.user_id)
    now = utcnow()
    if user is None or not user.is_active:
        return None
    if now - as_utc(session.last_seen_at) > timedelta(minutes=settings.session_idle_minutes):
        session.ended_at = now
        session.end_reason = "idle"
        record(db, SYSTEM, events.SessionExpired(entity_id=user.id, username=user.username, session_id=session.id))
        return None
    # Touch at most once a minute: a page view should not be a write every time.
    if now - as_utc(session.last_seen_at) > timedelta(seconds=60):
        session.last_seen_at = now
    return session, user


def end_session(db: Session, *, token: str) -> None:
    session = db.execute(select(WebSession).where(WebSession.token_sha256 == token_digest(token))).scalar_one_or_none()
    if session is None or session.ended_at is not None:
        return
    user = db.get(User, session.user_id)
    session.ended_at = utcnow()
    session.end_reason = "logout"
    record(db, actor_of(user), events.LoggedOut(entity_id=user.id, username=user.username, session_id=session.id))


def _end_all_sessions(db: Session, user: User, *, reason: str) -> None:
    now = utcnow()
    for session in db.execute(
        select(WebSession).where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
    ).scalars():
        session.ended_at = now
        session.end_reason = reason
    for token in db.execute(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).scalars():
        token.revoked_at = now


# --- API tokens --------------------------------------------------------------------------------

def issue_api_token(db: Session, *, user: User) -> tuple[str, ApiToken]:
    settings = get_settings()
    token = "smc_" + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(token_sha256=token_digest(token), user_id=user.id, created_at=now,
                   expires_at=now + timedelta(hours=settings.api_token_hours))
    db.add(row)
    db.flush()
    user.failed_logins = 0
    record(db, actor_of(user), events.TokenIssued(entity_id=user.id, username=user.username, token_id=row.id,
                                                  expires_at=row.expires_at))
    return token, row


def user_for_token(db: Session, *, token: str) -> User | None:
    row = db.execute(select(ApiToken).where(ApiToken.token_sha256 == token_digest(token))).scalar_one_or_none()
    if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= utcnow():
        return None
    user = db.get(User, row.user_id)
    return user if user is not None and user.is_active else None
