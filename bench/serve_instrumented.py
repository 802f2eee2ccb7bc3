"""`smecredit run` with timers on the database's serialising locks, for `bench/decisions.py`.

    BENCH_STATS_FILE=/tmp/stats.json python -m bench.serve_instrumented --host 127.0.0.1 --port 8123

The server is the default one (the same `smecredit.cli.run`: `prepare()`, then uvicorn with the
same settings); only SQLAlchemy hooks are added, which cost a few microseconds a statement. They
measure, per transaction that wrote:

* **lock wait**: how long the statement that takes the serialising lock waited for it: on SQLite
  the first write (`lock_row`'s no-op UPDATE of the application, which takes the database's one
  write lock); on PostgreSQL the audit head's `SELECT … FOR UPDATE` (every event appends under that
  row lock, so one decision at a time holds it until its commit);
* **lock held**: from the moment that lock was granted to the end of the commit — the serial part
  of every decision, so ``1 / mean(held)`` is the most decisions a second the database lets through
  whatever the number of clients;
* **commit**: the COMMIT itself (the WAL write and fsync);

and per request: the time it spent in the application (from the outermost ASGI layer in to the
response's last byte out) and how long `AdmissionMiddleware` kept it waiting for a slot.

Written as JSON to ``$BENCH_STATS_FILE`` when the server stops.
"""

from __future__ import annotations

import atexit
import contextvars
import json
import os
import threading
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.default import DefaultDialect

_state: dict[int, dict] = {}
_records: list[dict] = []
_guard = threading.Lock()


def _is_lock(statement: str, dialect: str) -> bool:
    if dialect == "sqlite":
        return statement.startswith(("UPDATE", "INSERT", "DELETE"))
    return "FROM audit_head" in statement and "FOR UPDATE" in statement


@event.listens_for(Engine, "before_cursor_execute")
def _before(conn, cursor, statement, parameters, context, executemany):
    conn.info["bench_started"] = time.perf_counter()


@event.listens_for(Engine, "after_cursor_execute")
def _after(conn, cursor, statement, parameters, context, executemany):
    ended = time.perf_counter()
    key = _key(conn.connection)
    state = _state.setdefault(key, {})
    state["statements"] = state.get("statements", 0) + 1
    if "granted" not in state and _is_lock(statement, conn.dialect.name):
        state["granted"] = ended
        state["wait"] = ended - conn.info.get("bench_started", ended)
        state["lock_statement"] = statement[:60]


def _key(connection) -> int:
    """The DBAPI connection's id, whether given the pool's proxy or the connection itself."""
    return id(getattr(connection, "dbapi_connection", connection))


_do_commit = DefaultDialect.do_commit
_do_rollback = DefaultDialect.do_rollback


def _commit(self, dbapi_connection):
    started = time.perf_counter()
    try:
        return _do_commit(self, dbapi_connection)
    finally:
        ended = time.perf_counter()
        state = _state.pop(_key(dbapi_connection), None)
        if state and "granted" in state:
            with _guard:
                _records.append({"wait": state["wait"], "held": ended - state["granted"], "commit": ended - started,
                                 "statements": state["statements"], "at": ended})


def _rollback(self, dbapi_connection):
    _state.pop(_key(dbapi_connection), None)
    return _do_rollback(self, dbapi_connection)


DefaultDialect.do_commit = _commit
DefaultDialect.do_rollback = _rollback


_requests: list[dict] = []
_entered: contextvars.ContextVar[float] = contextvars.ContextVar("bench_admission_entered")


def _instrument_web() -> None:
    from smecredit.web import admission, app as web_app

    middleware = admission.AdmissionMiddleware
    original_init, original_call = middleware.__init__, middleware.__call__

    def init(self, app, *, limit):
        async def admitted(scope, receive, send):
            started = _entered.get(None)
            if started is not None and scope["type"] == "http":
                state = scope.setdefault("state", {})
                state["bench_admission_wait"] = time.perf_counter() - started
                state["bench_admission_limit"] = limit
            return await app(scope, receive, send)

        original_init(self, admitted, limit=limit)

    async def call(self, scope, receive, send):
        token = _entered.set(time.perf_counter())
        try:
            return await original_call(self, scope, receive, send)
        finally:
            _entered.reset(token)

    middleware.__init__, middleware.__call__ = init, call
    create_app = web_app.create_app

    def timed_app():
        inner = create_app()

        async def outermost(scope, receive, send):
            if scope["type"] != "http":
                return await inner(scope, receive, send)
            started = time.perf_counter()
            scope.setdefault("state", {})
            try:
                return await inner(scope, receive, send)
            finally:
                _requests.append({"path": scope["path"], "server": time.perf_counter() - started,
                                  "admission": scope["state"].get("bench_admission_wait"),
                                  "limit": scope["state"].get("bench_admission_limit")})

        return outermost

    web_app.create_app = timed_app


@atexit.register
def _write() -> None:
    path = os.environ.get("BENCH_STATS_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"transactions": _records, "requests": _requests}, out)


if __name__ == "__main__":
    from smecredit.cli import app

    _instrument_web()
    app(["run", *__import__("sys").argv[1:]])
