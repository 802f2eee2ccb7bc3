"""Counters that hold under parallel requests: one atomic statement each (INSERT … ON CONFLICT DO
UPDATE … RETURNING on PostgreSQL and SQLite), so a rule is decided on the value the statement
itself produced, never on a value read earlier.

Two shapes share the `auth_throttles` table:

* a **window** (`hit`): how many failures (or sends) a key had since its window started; the window
  restarts when it is older than its length. Used per source address and per mobile number.
* a **lock** (`fail_name`): the same wrong-password counter and lock an account has, for user
  names that do not exist, so a stranger cannot tell them apart from real ones.

Keys never hold personal data in clear: names and mobiles go in as keyed hashes (`kernel.pii`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from smecredit.identity.models import Throttle
from smecredit.kernel.clock import as_utc, utcnow
from smecredit.kernel.pii import blind_index

# Old rows are removed now and then (1 in PURGE_ONE_IN writes) so the table stays small.
PURGE_ONE_IN = 200
PURGE_AFTER = timedelta(days=1)


def key_for(kind: str, value: str) -> str:
    """A throttle key; the value is hashed with the blind-index key (never stored in clear)."""
    return f"{kind}:{blind_index(f'throttle:{kind}:{value}') or '-'}"


def _insert(db: Session):
    return (postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert)(Throttle)


@dataclass(frozen=True)
class Hit:
    count: int
    window_start: datetime
    window: timedelta

    @property
    def retry_at(self) -> datetime:
        return as_utc(self.window_start) + self.window

    def retry_after_seconds(self, now: datetime | None = None) -> int:
        return max(1, int((self.retry_at - (now or utcnow())).total_seconds()) + 1)


def peek(db: Session, key: str, *, window: timedelta) -> Hit | None:
    """The key's current window, read only (None when it has none or it is over)."""
    row = db.execute(select(Throttle.count, Throttle.window_start).where(Throttle.key == key)).one_or_none()
    if row is None or as_utc(row.window_start) <= utcnow() - window:
        return None
    return Hit(row.count, as_utc(row.window_start), window)


def hit(db: Session, key: str, *, window: timedelta) -> Hit:
    """Count one more in the key's window (a new window when the old one is over), atomically."""
    now = utcnow()
    cutoff = now - window
    table = Throttle.__table__
    expired = table.c.window_start <= cutoff
    statement = _insert(db).values(key=key, count=1, window_start=now, locked_until=None)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": case((expired, literal(1)), else_=table.c.count + 1),
            "window_start": case((expired, literal(now, type_=table.c.window_start.type)), else_=table.c.window_start),
        },
    ).returning(table.c.count, table.c.window_start)
    row = db.execute(statement).one()
    _maybe_purge(db, now)
    return Hit(row.count, as_utc(row.window_start), window)


def mark_once(db: Session, key: str, *, until: datetime) -> bool:
    """Mark the key (e.g. "refused until …") unless already marked for a time still to come: True
    for the one caller that marked it, so an event about it is recorded once per window."""
    now = utcnow()
    return db.execute(update(Throttle).where(Throttle.key == key, (Throttle.locked_until.is_(None))
                                             | (Throttle.locked_until <= now))
                      .values(locked_until=until).returning(Throttle.key)).first() is not None


def forgive(db: Session, key: str) -> None:
    """Take back one count (an attempt counted in advance turned out to succeed)."""
    db.execute(update(Throttle).where(Throttle.key == key, Throttle.count > 0).values(count=Throttle.count - 1))


def claim_once(db: Session, key: str, *, every: timedelta) -> datetime | None:
    """Take the key's turn if its last turn is at least `every` ago: None when taken now, else the
    time the next turn opens. Atomic: of parallel callers exactly one gets the turn."""
    now = utcnow()
    table = Throttle.__table__
    statement = _insert(db).values(key=key, count=1, window_start=now, locked_until=None)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"count": table.c.count + 1, "window_start": now},
        where=table.c.window_start <= now - every,
    ).returning(table.c.key)
    if db.execute(statement).first() is not None:
        return None
    last = db.execute(select(Throttle.window_start).where(Throttle.key == key)).scalar_one()
    return as_utc(last) + every


@dataclass(frozen=True)
class NameFailure:
    failures: int  # wrong passwords in a row after this one (0 once the lock is set)
    locked_until: datetime | None
    locked_now: bool  # this failure set the lock


def name_lock(db: Session, key: str) -> datetime | None:
    until = db.execute(select(Throttle.locked_until).where(Throttle.key == key)).scalar_one_or_none()
    return as_utc(until) if until is not None and as_utc(until) > utcnow() else None


def fail_name(db: Session, key: str, *, threshold: int, lock_for: timedelta) -> NameFailure:
    """One wrong password for a user name that does not exist: counted and locked exactly like an
    account (`identity.login`), in one statement."""
    now = utcnow()
    until = now + lock_for
    table = Throttle.__table__
    locked = table.c.locked_until > now
    reaches = table.c.count + 1 >= threshold
    statement = _insert(db).values(key=key, count=1, window_start=now, locked_until=None)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": case((locked, table.c.count), (reaches, literal(0)), else_=table.c.count + 1),
            "locked_until": case((locked, table.c.locked_until),
                                 (reaches, literal(until, type_=table.c.locked_until.type)),
                                 else_=table.c.locked_until),
            "window_start": now,
        },
    ).returning(table.c.count, table.c.locked_until)
    row = db.execute(statement).one()
    _maybe_purge(db, now)
    locked_until = as_utc(row.locked_until) if row.locked_until is not None else None
    return NameFailure(row.count, locked_until, locked_until is not None and locked_until == until)


def clear(db: Session, key: str) -> None:
    db.execute(delete(Throttle).where(Throttle.key == key))


def _maybe_purge(db: Session, now: datetime) -> None:
    if secrets.randbelow(PURGE_ONE_IN):
        return
    cutoff = now - PURGE_AFTER
    db.execute(delete(Throttle).where(Throttle.window_start < cutoff,
                                      (Throttle.locked_until.is_(None)) | (Throttle.locked_until < now)))
