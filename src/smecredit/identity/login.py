"""Sign-in: the password check with its lockout, its per-address throttle, and answers that do not
tell a stranger which user names exist.

Order of one attempt (pages and API alike, `authenticate`):

1. **Source address**: more than `SMECREDIT_LOGIN_IP_FAILURES` failures from the address within
   `SMECREDIT_LOGIN_IP_WINDOW_MINUTES` → 429 `too_many_attempts` with the time to retry, before any
   password is checked or any account counter touched. The attempt is counted *in advance* with
   one atomic statement (and forgiven when it succeeds), so parallel guesses cannot slip past.
2. **Lock**: a locked account — or a locked unknown name — is refused at once (423).
3. **Password**: Argon2 against the user's hash, or against a dummy hash for an unknown name (the
   same work either way).
4. **Failure**: one atomic UPDATE … RETURNING counts it and, when the count reaches the threshold,
   sets the lock in the same statement; the answer is decided from what that statement returned.
   A parallel guess that arrives once the lock is set is answered "locked" and not counted.
   Unknown names go through the same counter in `auth_throttles` (keyed by a hash of the name),
   and a disabled account is a failure like a wrong password: all three answer alike.
5. **Success**: a conditional UPDATE resets the counter only if the account is not locked at that
   moment, so a right password that raced a lock is refused too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import NoReturn

from sqlalchemy import case, literal, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from smecredit.audit.log import SYSTEM, record
from smecredit.identity import events, throttle
from smecredit.identity.models import User
from smecredit.identity.passwords import hash_password, verify_password
from smecredit.kernel.clock import as_utc, utcnow
from smecredit.kernel.errors import DomainError, Locked, RateLimited, Unauthenticated
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text


def invalid_credentials() -> Unauthenticated:
    return Unauthenticated("invalid_credentials", Text("用户名或密码错误", "Wrong user name or password"), "password")


def locked_error(until: datetime) -> DomainError:
    local = as_utc(until).astimezone(get_settings().tz).strftime("%Y-%m-%d %H:%M")
    return Locked("account_locked", Text(f"连续输错密码次数过多，账号已锁定至 {local}；可联系管理员解锁",
                                         f"Too many wrong passwords: the account is locked until {local}; an administrator can unlock it"),
                  "username", {"locked_until": as_utc(until).isoformat()})


def rate_limited(hit: throttle.Hit, *, what: Text | None = None) -> RateLimited:
    local = hit.retry_at.astimezone(get_settings().tz).strftime("%H:%M")
    what = what or Text("登录失败", "failed sign-ins")
    return RateLimited("too_many_attempts", Text(f"来自您所在网络的{what.zh}次数过多，请于 {local} 后再试",
                                                 f"Too many {what.en} from your network; try again after {local}"),
                       None, {"retry_after_seconds": hit.retry_after_seconds(), "retry_at": hit.retry_at.isoformat()})


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("not-a-real-password-Dummy-1")


def ip_key(ip: str | None) -> str:
    return throttle.key_for("ip", ip or "unknown")


def name_key(name: str) -> str:
    return throttle.key_for("name", name)


def check_source(db: Session, *, ip: str | None, what: Text | None = None) -> throttle.Hit:
    """Count one attempt from the address in advance; 429 when it is over the limit (the first
    refusal of a window is an audit event). Callers `throttle.forgive(db, ip_key(ip))` when the
    attempt succeeds."""
    settings = get_settings()
    window = timedelta(minutes=settings.login_ip_window_minutes)
    key = ip_key(ip)
    seen = throttle.peek(db, key, window=window)
    if seen is not None and seen.count >= settings.login_ip_failures:
        refuse_source(db, key, ip, seen, what)  # a blocked address costs one read (and one write a window)
    hit = throttle.hit(db, key, window=window)
    if hit.count > settings.login_ip_failures:
        refuse_source(db, key, ip, hit, what)
    return hit


def refuse_source(db: Session, key: str, ip: str | None, hit: throttle.Hit, what: Text | None = None):
    """429 for an address over its failure window; the first refusal of a window is an audit event."""
    if throttle.mark_once(db, key, until=hit.retry_at):
        record(db, SYSTEM, events.SourceThrottled(entity_id=key, ip=ip, failures=get_settings().login_ip_failures,
                                                  retry_at=hit.retry_at))
    raise rate_limited(hit, what=what).kept()


def authenticate(db: Session, *, username: str, password: str, ip: str | None = None) -> User:
    """The user whose password this is, or a refusal (see the module doc). Refusals that counted
    something are `kept()`: the edge commits the counters before it answers."""
    settings = get_settings()
    name = (username or "").strip().lower()[:200]
    check_source(db, ip=ip)
    user = db.execute(select(User).where(User.username == name)).scalar_one_or_none() if name else None
    key = name_key(name)
    if user is not None:
        lock = as_utc(user.locked_until) if user.is_locked else None
    else:
        lock = throttle.name_lock(db, key)
    if lock is not None:
        raise locked_error(lock).kept()  # kept: the address counter above counts this attempt too
    right = verify_password(user.password_hash if user is not None else _dummy_hash(), password)
    if user is not None and right and user.is_active and _sign_in_allowed(db, user):
        throttle.forgive(db, ip_key(ip))
        return user
    if user is not None and right and user.is_active:
        db.refresh(user)  # locked by a parallel guess between our read and now
        raise locked_error(user.locked_until or utcnow()).kept()
    if user is None:
        failure = throttle.fail_name(db, key, threshold=settings.lockout_threshold,
                                     lock_for=timedelta(minutes=settings.lockout_minutes))
        if failure.locked_until is not None and failure.locked_until > utcnow():
            raise locked_error(failure.locked_until).kept()
        raise invalid_credentials().kept()
    return _count_failure(db, user, ip=ip)


def _sign_in_allowed(db: Session, user: User) -> bool:
    """Reset the failure count unless the account is locked at this very moment (atomic)."""
    now = utcnow()
    done = db.execute(
        update(User).where(User.id == user.id, (User.locked_until.is_(None)) | (User.locked_until <= now))
        .values(failed_logins=0).returning(User.id)
    ).first()
    if done is None:
        return False
    set_committed_value(user, "failed_logins", 0)  # the loaded object in step, without another write
    return True


def _count_failure(db: Session, user: User, *, ip: str | None) -> NoReturn:
    settings = get_settings()
    now = utcnow()
    until = now + timedelta(minutes=settings.lockout_minutes)
    table = User.__table__
    locked = table.c.locked_until > now
    reaches = table.c.failed_logins + 1 >= settings.lockout_threshold
    row = db.execute(
        update(table).where(table.c.id == user.id).values(
            failed_logins=case((locked, table.c.failed_logins), (reaches, literal(0)), else_=table.c.failed_logins + 1),
            locked_until=case((locked, table.c.locked_until),
                              (reaches, literal(until, type_=table.c.locked_until.type)),
                              else_=table.c.locked_until),
        ).returning(table.c.failed_logins, table.c.locked_until)
    ).one()
    db.expire(user, ["failed_logins", "locked_until"])
    locked_until = as_utc(row.locked_until) if row.locked_until is not None else None
    if locked_until is not None and locked_until == until:
        record(db, SYSTEM, events.AccountLocked(entity_id=user.id, username=user.username,
                                                failed_logins=settings.lockout_threshold, locked_until=until))
        raise locked_error(until).kept()
    if locked_until is not None and locked_until > now:
        raise locked_error(locked_until).kept()  # a parallel guess set the lock first: not counted
    record(db, SYSTEM, events.LoginFailed(entity_id=user.id, username=user.username, failed_logins=row.failed_logins,
                                          ip=ip))
    raise invalid_credentials().kept()
