"""Database plumbing: the declarative base, column types, engine and session factory, the unit of
work and row locks.

Transactions compose: service functions take the session as a keyword argument and only *flush*;
the edge that runs a use case owns its transaction. A web request is one unit of work (`web.deps.
get_db` commits when the route returns, rolls back when it raises); a command or job wraps its use
case in `unit_of_work(db)`. So a stage-3 submit that calls stage-1 code commits once or not at all,
and a unit of work opened inside another one is refused (a programming error, caught by tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from decimal import Decimal
import logging
import os
from functools import lru_cache
from pathlib import Path

from sqlalchemy import DateTime, MetaData, Numeric, create_engine, event, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from smecredit.kernel.money import DEFAULT_ROUNDING
from smecredit.kernel.settings import get_settings

# Stable constraint names, so Alembic migrations (and SQLite batch mode) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use smecredit.kernel.clock.utcnow()")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class _ExactDecimal(TypeDecorator):
    """A Decimal column rounded by *our* rule before it reaches the database.

    Without this, PostgreSQL would round a third decimal half away from zero and SQLite's NUMERIC
    half to even; quantising here with the money kernel's mode makes both store the same value.
    SQLite gets the decimal as text, so it never passes through a float.
    """

    impl = Numeric(18, 2, asdecimal=True)
    cache_ok = True
    quantum = Decimal("0.01")

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, (float, bool)):
            raise TypeError(f"{type(self).__name__} must not be float or bool")
        value = Decimal(value).quantize(self.quantum, rounding=DEFAULT_ROUNDING)
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(str(value)).quantize(self.quantum, rounding=DEFAULT_ROUNDING)


class Money(_ExactDecimal):
    """Yuan to the fen (NUMERIC(18,2)), rounded half-up like every amount (`kernel.money`)."""

    impl = Numeric(18, 2, asdecimal=True)
    cache_ok = True


class Percent(_ExactDecimal):
    """A percentage to 4 places (NUMERIC(7,4))."""

    impl = Numeric(7, 4, asdecimal=True)
    cache_ok = True
    quantum = Decimal("0.0001")


POOL_SIZE = 10
POOL_OVERFLOW = 20
#: Connections one process may hold; the web app admits at most this many requests at once.
POOL_CAPACITY = POOL_SIZE + POOL_OVERFLOW


#: How long a writer waits for SQLite's write lock (in the queue below, then in SQLite's own handler).
SQLITE_WRITE_WAIT_SECONDS = 30


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_WRITE_WAIT_SECONDS},
                               pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)

        database = make_url(url).database

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_WRITE_WAIT_SECONDS * 1000}")
            cursor.close()
            _owner_only(database)

        SQLiteWriterQueue(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class SQLiteWriterQueue:
    """SQLite lets one connection write at a time; this makes the threads of one process queue for
    that turn on a lock instead of polling for it.

    Without it, a writer that finds the database locked sleeps in SQLite's busy handler (1, 2, 5 …
    then 100 ms at a time) and retries; under concurrent requests the turn goes to whichever
    sleeper wakes first after a commit, not to the one that waited longest, and the p99 latency of
    16 concurrent submits was seconds (`bench/decisions.py`, docs/benchmarks.md). Here the first
    write statement of a transaction (the statement before which pysqlite opens it) waits on a
    process-wide lock, which is handed on as soon as the holder's COMMIT or ROLLBACK returns.

    It adds no waiting SQLite would not impose (SQLite holds its write lock over the same span)
    and leaves reads alone (WAL readers never wait). Other processes (a command beside the server)
    still meet SQLite's busy handler. A writer that cannot get the lock in
    `SQLITE_WRITE_WAIT_SECONDS` goes ahead and meets SQLite's own timeout, as before.
    """

    def __init__(self, engine: Engine):
        import threading

        self._turn = threading.Lock()
        self._holder: int | None = None
        event.listen(engine, "before_cursor_execute", self._before_execute)
        for name in ("checkin", "close", "invalidate", "soft_invalidate", "detach"):
            event.listen(engine.pool, name, self._pool_event)
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_connection):
            try:
                commit(dbapi_connection)
            finally:
                self.release(dbapi_connection)

        def do_rollback(dbapi_connection):
            try:
                rollback(dbapi_connection)
            finally:
                self.release(dbapi_connection)

        dialect.do_commit = do_commit  # type: ignore[method-assign]
        dialect.do_rollback = do_rollback  # type: ignore[method-assign]

    @staticmethod
    def _key(connection) -> int:
        return id(getattr(connection, "dbapi_connection", None) or connection)

    def _before_execute(self, conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        key = self._key(conn.connection)
        if self._holder == key:
            return
        if self._turn.acquire(timeout=SQLITE_WRITE_WAIT_SECONDS):
            self._holder = key

    def release(self, connection) -> None:
        if self._holder is not None and self._holder == self._key(connection):
            self._holder = None
            self._turn.release()

    def _pool_event(self, dbapi_connection, *_args) -> None:
        self.release(dbapi_connection)


def _owner_only(database: str | None) -> None:
    """The SQLite file and its WAL hold personal information: readable by the platform's user only."""
    if os.name != "posix" or not database or database == ":memory:":
        return
    for suffix in ("", "-wal", "-shm"):
        path = Path(database + suffix)
        if path.exists() and path.stat().st_mode & 0o077:
            path.chmod(0o600)


def get_engine() -> Engine:
    return engine_for(get_settings().resolved_database_url)


def session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


@contextmanager
def new_session() -> Iterator[Session]:
    session = session_factory()()
    try:
        yield session
    finally:
        session.close()


UOW_KEY = "smecredit.unit_of_work"
ROLLBACK_KEY = "smecredit.on_rollback"
COMMIT_KEY = "smecredit.on_commit"


def on_rollback(db: Session, undo) -> None:
    """Undo a side effect outside the database (a file written) if this transaction rolls back."""
    db.info.setdefault(ROLLBACK_KEY, []).append(undo)


def on_commit(db: Session, action) -> None:
    """Run ``action()`` once this transaction has committed (e.g. hand the outbox messages it
    wrote to the deliverer); dropped if it rolls back. A failing action is logged, never raised:
    what it would have done is picked up again by the periodic job that reads the same rows."""
    db.info.setdefault(COMMIT_KEY, []).append(action)


def finish(db: Session, error: BaseException | None) -> None:
    """End the edge's transaction: commit, or roll back and undo the outside side effects.

    An error that is ``keep_changes`` (see `DomainError`) commits what was recorded first."""
    undo = db.info.pop(ROLLBACK_KEY, [])
    after = db.info.pop(COMMIT_KEY, [])
    if error is None or getattr(error, "keep_changes", False):
        try:
            db.commit()
        except BaseException:
            db.rollback()
            _run(undo)
            raise
        _run_after_commit(after)
        return
    db.rollback()
    _run(undo)


def _run_after_commit(actions) -> None:
    for action in actions:
        try:
            action()
        except Exception:  # noqa: BLE001 - the transaction is committed; its retry path takes over
            logging.getLogger("smecredit.db").exception("after-commit action %r failed", action)


def settle(db: Session, error: BaseException) -> None:
    """A page that catches a use case's error to show it on the form ends that use case here:
    what it wrote is undone (or kept, for a kept refusal); the request then commits nothing more."""
    finish(db, error)


def _run(undo) -> None:
    for action in reversed(undo):
        try:
            action()
        except OSError:  # pragma: no cover - a file already gone is what we wanted
            pass


class NestedUnitOfWork(RuntimeError):
    """A unit of work was opened inside another: services must only flush (see the module doc)."""


@contextmanager
def unit_of_work(db: Session, *, owner: str = "command") -> Iterator[Session]:
    """One use case, one transaction: commit on success, roll back on any error.

    An error that says its attempt is a fact to keep (``keep_changes``, e.g. a wrong password that
    counts towards the lockout) commits what was recorded before it propagates.
    """
    begin(db, owner=owner)
    try:
        yield db
    except BaseException as exc:
        finish(db, exc)
        raise
    else:
        finish(db, None)
    finally:
        db.info.pop(UOW_KEY, None)


def begin(db: Session, *, owner: str) -> None:
    """Mark ``db`` as inside a unit of work owned by ``owner`` (refused if one is open already)."""
    if db.info.get(UOW_KEY):
        raise NestedUnitOfWork(f"a unit of work ({db.info[UOW_KEY]}) is already open on this session")
    db.info[UOW_KEY] = owner


def end(db: Session, error: BaseException | None) -> None:
    """End a unit of work opened with `begin` (commit or roll back, see `finish`) and close ``db``."""
    try:
        finish(db, error)
    finally:
        db.info.pop(UOW_KEY, None)
        db.close()


def in_unit_of_work(db: Session) -> bool:
    return bool(db.info.get(UOW_KEY))


def lock_row(db: Session, model, ident) -> object | None:
    """Load one row for update: other writers of that row wait until this transaction ends.

    PostgreSQL takes a row lock (``SELECT … FOR UPDATE``). SQLite has one writer at a time, so a
    no-op write takes the database's write lock first (pysqlite opens the transaction lazily at the
    first write; a plain read could race another writer), and the read that follows sees the latest
    committed state. Rules checked by reading then writing (a shareholding total, a version number)
    call this on their parent row first.
    """
    table = model.__table__
    pk = list(table.primary_key.columns)[0]
    if db.get_bind().dialect.name == "sqlite":
        db.execute(table.update().where(pk == ident).values({pk.name: pk}))
    return db.execute(
        select(model).where(pk == ident).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()


def lock_rows(db: Session, model, idents) -> list:
    """`lock_row` for many rows in one statement (two on SQLite): the rows found, by primary key
    ascending. PostgreSQL locks them in that order (the lock is taken on the sorted rows), so two
    callers locking overlapping sets, and a caller of `lock_row` on one of them, wait for each other
    instead of deadlocking. On SQLite the no-op write takes the database's write lock, as in `lock_row`."""
    idents = sorted(set(idents))
    if not idents:
        return []
    table = model.__table__
    pk = list(table.primary_key.columns)[0]
    if db.get_bind().dialect.name == "sqlite":
        db.execute(table.update().where(pk.in_(idents)).values({pk.name: pk}))
    return list(db.execute(
        select(model).where(pk.in_(idents)).order_by(pk).with_for_update()
        .execution_options(populate_existing=True)
    ).scalars())


def contains_pattern(text: str) -> str:
    """A LIKE pattern that finds ``text`` anywhere, its own ``%``, ``_`` and ``\\`` taken literally
    (use it with ``escape="\\"``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
