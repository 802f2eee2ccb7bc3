"""SQLite writers of one process queue for the write lock (`kernel.db.SQLiteWriterQueue`) rather than
poll for it in SQLite's busy handler: a second writer waits for the first one's commit or rollback
and then goes ahead at once. SQLite's own waiting is switched off here (busy_timeout 0), so without
the queue the second writer would fail with "database is locked"."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event, text

from smecredit.kernel.db import engine_for


@pytest.fixture()
def engine(tmp_path):
    engine = engine_for.__wrapped__(f"sqlite:///{tmp_path / 'writers.db'}")  # not the cached, shared one

    @event.listens_for(engine, "connect")
    def _no_busy_wait(dbapi_connection, _record):  # after the platform's pragmas
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (who TEXT)"))
    yield engine
    engine.dispose()


def _first_writer(engine, wrote: threading.Event, finish: str, log: list) -> None:
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES ('first')"))
            wrote.set()
            time.sleep(0.3)
            log.append(("first ends", time.monotonic()))
            if finish == "rollback":
                raise RuntimeError("the first writer gives up")
    except RuntimeError:
        pass


def _second_writer(engine, wrote: threading.Event, log: list, errors: list) -> None:
    wrote.wait(5)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES ('second')"))
        log.append(("second committed", time.monotonic()))
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


@pytest.mark.parametrize("finish", ["commit", "rollback"])
def test_a_second_writer_waits_for_the_first_ones_commit_or_rollback_then_writes(engine, finish):
    wrote, log, errors = threading.Event(), [], []
    first = threading.Thread(target=_first_writer, args=(engine, wrote, finish, log))
    second = threading.Thread(target=_second_writer, args=(engine, wrote, log, errors))
    first.start()
    second.start()
    first.join(10)
    second.join(10)
    assert not errors, errors
    assert [name for name, _ in log] == ["first ends", "second committed"]
    with engine.connect() as conn:
        rows = sorted(r[0] for r in conn.execute(text("SELECT who FROM t")))
    assert rows == (["first", "second"] if finish == "commit" else ["second"])


def test_readers_do_not_wait_for_a_writer(engine):
    wrote, log = threading.Event(), []
    first = threading.Thread(target=_first_writer, args=(engine, wrote, "commit", log))
    first.start()
    wrote.wait(5)
    with engine.connect() as conn:  # while the first writer holds the lock
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
    assert log == []  # read before the writer finished
    first.join(10)


def test_a_connection_returned_without_commit_hands_the_turn_on(engine):
    conn = engine.connect()
    conn.execute(text("INSERT INTO t VALUES ('abandoned')"))
    conn.close()  # returned to the pool: rolled back
    with engine.begin() as other:
        other.execute(text("INSERT INTO t VALUES ('next')"))
    with engine.connect() as check:
        assert [r[0] for r in check.execute(text("SELECT who FROM t"))] == ["next"]
