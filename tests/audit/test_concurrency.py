"""Concurrent writers: the sequence has no gaps and no forks, and the log still verifies."""

from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from smecredit.audit.checkpoints import create_checkpoint
from smecredit.audit.log import Actor, append_entry
from smecredit.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from smecredit.audit.verify import verify_database
from smecredit.kernel.db import get_engine, session_factory


def _writer(worker: int, appends: int, barrier: threading.Barrier, committed: list, errors: list,
            retry_conflicts: bool) -> None:
    factory = session_factory()
    rng = random.Random(worker)
    barrier.wait()
    for i in range(appends):
        rollback = i % 6 == 5  # some transactions are abandoned: they must leave no gap
        while True:
            session = factory()
            try:
                append_entry(session, actor=Actor(f"worker{worker}", "loan_officer", worker), action="loan.update",
                       entity_type="loan", entity_id=f"{worker}-{i}", payload={"worker": worker, "i": i})
                if rng.random() < 0.3:
                    append_entry(session, actor=Actor(f"worker{worker}", "loan_officer", worker), action="loan.note",
                           entity_type="loan", entity_id=f"{worker}-{i}", payload={"second": True})
                    extra = 1
                else:
                    extra = 0
                if rollback:
                    session.rollback()
                else:
                    session.commit()
                    committed.append(1 + extra)
                break
            except (IntegrityError, OperationalError) as exc:
                session.rollback()
                if not retry_conflicts:
                    errors.append(exc)
                    break
            except Exception as exc:  # pragma: no cover - reported below
                session.rollback()
                errors.append(exc)
                break
            finally:
                session.close()


def _checkpointer(stop: threading.Event, errors: list) -> None:
    factory = session_factory()
    while not stop.is_set():
        session = factory()
        try:
            create_checkpoint(session)
            session.commit()
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            session.close()
        stop.wait(0.01)


def _run(workers: int, appends: int, retry_conflicts: bool):
    barrier = threading.Barrier(workers)
    committed: list[int] = []
    errors: list[Exception] = []
    stop = threading.Event()
    checkpointer = threading.Thread(target=_checkpointer, args=(stop, errors))
    threads = [threading.Thread(target=_writer, args=(w, appends, barrier, committed, errors, retry_conflicts))
               for w in range(workers)]
    checkpointer.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    stop.set()
    checkpointer.join(timeout=30)
    return sum(committed), errors


def _assert_gap_free(db, expected: int) -> None:
    # every checkpoint records its own event too
    expected += db.execute(select(func.count()).select_from(AuditCheckpoint)).scalar_one()
    seqs = list(db.execute(select(AuditEvent.seq).order_by(AuditEvent.seq)).scalars())
    assert seqs == list(range(1, expected + 1)), "gaps or duplicates in the sequence"
    head = db.execute(select(AuditHead.tree_size)).scalar_one()
    assert head == expected
    report = verify_database(db)
    assert report.ok, report.first_problem
    assert report.events_checked == expected and report.checkpoints_checked >= 1


def test_parallel_writers_on_postgresql(db):
    if get_engine().dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: set SMECREDIT_TEST_DATABASE_URL=postgresql+psycopg://… "
                    "(row locks on the head are what this test proves)")
    total, errors = _run(workers=8, appends=25, retry_conflicts=False)
    assert not errors, errors[:3]
    assert total > 8 * 20
    _assert_gap_free(db, total)


def test_two_writers_on_sqlite(db):
    if get_engine().dialect.name != "sqlite":
        pytest.skip("the SQLite variant")
    total, errors = _run(workers=2, appends=15, retry_conflicts=True)
    assert not errors, errors[:3]
    _assert_gap_free(db, total)


def test_sqlite_writers_do_not_conflict(db):
    if get_engine().dialect.name != "sqlite":
        pytest.skip("the SQLite variant")
    total, errors = _run(workers=2, appends=15, retry_conflicts=False)
    assert not errors, errors[:1]
    _assert_gap_free(db, total)
