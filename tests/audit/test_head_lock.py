"""The audit head is locked and read once per transaction: the second event of a use case reuses the
row its transaction holds, and nothing is reused across transactions or from a rolled-back savepoint."""

from __future__ import annotations

from sqlalchemy import event, func, select

from smecredit.audit.log import Actor, append_entry
from smecredit.audit.models import AuditEvent
from smecredit.audit.verify import verify_database
from smecredit.kernel.db import get_engine, new_session, unit_of_work

ALICE = Actor("alice", "loan_officer", 1)


class HeadReads:
    """Counts the reads of the audit head (one per lock: `SELECT … FOR UPDATE`, after SQLite's no-op write)."""

    def __init__(self):
        self.count = 0

    def __call__(self, _conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT") and "FROM audit_head" in statement:
            self.count += 1

    def __enter__(self):
        event.listen(get_engine(), "before_cursor_execute", self)
        return self

    def __exit__(self, *_exc):
        event.remove(get_engine(), "before_cursor_execute", self)


def _append(db, n: int) -> AuditEvent:
    return append_entry(db, actor=ALICE, action="loan.update", entity_type="loan", entity_id=n, payload={"n": n})


def test_the_second_event_of_a_transaction_does_not_lock_or_read_the_head_again(db):
    with HeadReads() as first:
        with unit_of_work(db):
            _append(db, 1)
    with HeadReads() as three:
        with unit_of_work(db):
            events = [_append(db, n) for n in (2, 3, 4)]
    assert three.count == first.count == 1
    assert [e.seq for e in events] == [2, 3, 4]
    assert verify_database(db).ok


def test_a_later_transaction_sees_what_another_writer_appended_meanwhile(db):
    with unit_of_work(db):
        _append(db, 1)
    with new_session() as other, unit_of_work(other):
        _append(other, 2)
    with unit_of_work(db):
        later = _append(db, 3)
    assert later.seq == 3
    assert db.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == 3
    assert verify_database(db).ok


def test_a_lock_taken_in_a_rolled_back_savepoint_is_taken_again(db):
    with HeadReads() as reads:
        with unit_of_work(db):
            savepoint = db.begin_nested()
            _append(db, 1)
            savepoint.rollback()
            kept = _append(db, 2)
    assert reads.count == 2  # locked in the savepoint, and again after it was rolled back
    assert kept.seq == 1
    assert verify_database(db).ok


def test_after_a_rollback_the_next_transaction_starts_from_the_committed_head(db):
    try:
        with unit_of_work(db):
            _append(db, 1)
            raise RuntimeError("abandoned")
    except RuntimeError:
        pass
    with unit_of_work(db):
        again = _append(db, 2)
    assert again.seq == 1
    assert verify_database(db).ok
