"""Page sessions and API tokens: start, resume, end; list and revoke tokens; end everything else a
user holds when their password or roles change (decision 0003).

Page sessions end after `SMECREDIT_SESSION_IDLE_MINUTES` without a request and, however busy,
`SMECREDIT_SESSION_MAX_HOURS` after sign-in. API tokens end at their expiry or when revoked.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from smecredit.audit.log import SYSTEM, Actor, record
from smecredit.identity import events
from smecredit.identity.models import ApiToken, User, WebSession
from smecredit.kernel.clock import as_utc, utcnow
from smecredit.kernel.errors import not_found
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text

TOKEN_PREFIX = "smc_"
TOUCH_EVERY = timedelta(seconds=60)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def actor_of(user: User) -> Actor:
    return Actor(username=user.username, role=user.primary_role.value, user_id=user.id)


# --- page sessions -------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewSession:
    token: str
    session: WebSession


def start_session(db: Session, *, user: User, ip: str | None, user_agent: str | None) -> NewSession:
    token = secrets.token_urlsafe(32)
    now = utcnow()
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
    """The live session for a cookie token, or None. A session idle for longer than the idle time,
    or older than the absolute lifetime, ends here (and the end is recorded)."""
    settings = get_settings()
    session = db.execute(select(WebSession).where(WebSession.token_sha256 == token_digest(token))).scalar_one_or_none()
    if session is None or session.ended_at is not None:
        return None
    user = db.get(User, session.user_id)
    now = utcnow()
    if user is None or not user.is_active:
        return None
    reason = None
    if now - as_utc(session.created_at) > timedelta(hours=settings.session_max_hours):
        reason = "max_age"
    elif now - as_utc(session.last_seen_at) > timedelta(minutes=settings.session_idle_minutes):
        reason = "idle"
    if reason is not None:
        session.ended_at = now
        session.end_reason = reason
        record(db, SYSTEM, events.SessionExpired(entity_id=user.id, username=user.username, session_id=session.id,
                                                 reason=reason))
        return None
    # Touch at most once a minute: a page view should not be a write every time.
    if now - as_utc(session.last_seen_at) > TOUCH_EVERY:
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


def end_sessions_and_tokens(db: Session, *, actor: Actor, user: User, reason: str,
                            keep_session_id: int | None = None, keep_token_id: int | None = None) -> tuple[int, int]:
    """End every live page session and API token of the user except the ones named (the request
    that made the change keeps going). Returns how many of each ended; records one event."""
    now = utcnow()
    sessions = update(WebSession).where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
    if keep_session_id is not None:
        sessions = sessions.where(WebSession.id != keep_session_id)
    ended = db.execute(sessions.values(ended_at=now, end_reason=reason).returning(WebSession.id)).all()
    tokens = update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
    if keep_token_id is not None:
        tokens = tokens.where(ApiToken.id != keep_token_id)
    revoked = db.execute(tokens.values(revoked_at=now, revoke_reason=reason).returning(ApiToken.id)).all()
    record(db, actor, events.SessionsEnded(entity_id=user.id, username=user.username, reason=reason,
                                           sessions=len(ended), tokens=len(revoked)))
    return len(ended), len(revoked)


def live_sessions(db: Session, *, user: User) -> list[WebSession]:
    return list(db.execute(select(WebSession).where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
                           .order_by(WebSession.created_at.desc())).scalars())


# --- API tokens ----------------------------------------------------------------------------------

def issue_api_token(db: Session, *, user: User, label: str | None = None) -> tuple[str, ApiToken]:
    settings = get_settings()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    label = (label or "").strip()[:100] or None
    row = ApiToken(token_sha256=token_digest(token), user_id=user.id, created_at=now,
                   expires_at=now + timedelta(hours=settings.api_token_hours), label=label)
    db.add(row)
    db.flush()
    record(db, actor_of(user), events.TokenIssued(entity_id=user.id, username=user.username, token_id=row.id,
                                                  expires_at=row.expires_at, label=label))
    return token, row


def token_for(db: Session, *, token: str) -> tuple[ApiToken, User] | None:
    """The live token row and its active user, or None. `last_used_at` is written at most once a
    minute."""
    row = db.execute(select(ApiToken).where(ApiToken.token_sha256 == token_digest(token))).scalar_one_or_none()
    if row is None or not row.is_live:
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - as_utc(row.last_used_at) > TOUCH_EVERY:
        row.last_used_at = now
    return row, user


def user_for_token(db: Session, *, token: str) -> User | None:
    found = token_for(db, token=token)
    return found[1] if found else None


def token_exists(db: Session, *, token: str) -> bool:
    """Cheap check (one indexed read, no writes) that a bearer token is live: the body-size
    middleware asks it before letting a request send more than the anonymous allowance."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return False
    now = utcnow()
    return db.execute(select(func.count()).select_from(ApiToken).where(
        ApiToken.token_sha256 == token_digest(token), ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
    ).scalar_one() > 0


def list_tokens(db: Session, *, user: User, limit: int = 50, offset: int = 0) -> tuple[int, list[ApiToken]]:
    """The user's live tokens, newest first (revoked and expired ones are not shown)."""
    now = utcnow()
    where = (ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
    total = db.execute(select(func.count()).select_from(ApiToken).where(*where)).scalar_one()
    rows = db.execute(select(ApiToken).where(*where).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
                      .limit(limit).offset(offset)).scalars()
    return total, list(rows)


TOKEN = Text("接口令牌", "API token")


def revoke_token(db: Session, *, actor: Actor, user: User, token_id: int, by: str) -> ApiToken:
    """Revoke one of the user's live tokens (by its owner, or by an administrator). A token of
    another user, or one already ended, is "not found"."""
    now = utcnow()
    row = db.execute(
        update(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
                               ApiToken.expires_at > now)
        .values(revoked_at=now, revoke_reason=by).returning(ApiToken.id)
    ).first()
    if row is None:
        raise not_found(TOKEN, "token_id")
    record(db, actor, events.TokenRevoked(entity_id=user.id, username=user.username, token_id=token_id, by=by))
    token = db.get(ApiToken, token_id)
    db.refresh(token)
    return token
