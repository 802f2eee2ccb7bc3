"""Two transactions storing the same bytes at once: both succeed, with one row and one object,
whether the first one commits or rolls back while the second waits (PostgreSQL: the second's
insert waits on the unique SHA-256, then reads the committed row or writes the object itself)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from smecredit.documents import store
from smecredit.documents.models import StoredFile
from smecredit.kernel.db import new_session, on_rollback, unit_of_work
from tests.conftest import PG_URL
from tests.documents import samples
from tests.documents.conftest import objects

pytestmark = pytest.mark.skipif(not PG_URL, reason="concurrent writers are proven on PostgreSQL")


def _parallel(work_a, work_b) -> list[str]:
    outcomes = ["", ""]

    def run(i, work):
        try:
            work()
            outcomes[i] = "ok"
        except Exception as exc:  # noqa: BLE001 - reported by the assertion
            outcomes[i] = f"{type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=run, args=(0, work_a)), threading.Thread(target=run, args=(1, work_b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("first_ends_by", ["commit", "rollback"])
def test_the_same_bytes_stored_by_two_transactions_at_once(db, store_dir, first_ends_by):
    data = samples.pdf(f"parallel {first_ends_by}")
    first_wrote = threading.Event()

    def first():
        with new_session() as session, unit_of_work(session):
            store.accept(session, upload=data, filename="a.pdf")
            # undo actions run newest first: this pause comes between the rollback and the store's
            # removal of its object, the window in which the second transaction finds the object there
            on_rollback(session, lambda: time.sleep(0.5))
            first_wrote.set()
            time.sleep(0.5)  # the second transaction is now waiting on this one's row
            if first_ends_by == "rollback":
                raise RuntimeError("the first caller's use case failed")

    def second():
        assert first_wrote.wait(10)
        with new_session() as session, unit_of_work(session):
            row = store.accept(session, upload=data, filename="b.pdf")
            assert row.filename == "b.pdf"

    outcomes = _parallel(first, second)
    expected_first = "ok" if first_ends_by == "commit" else "RuntimeError: the first caller's use case failed"
    assert outcomes == [expected_first, "ok"]
    assert db.scalar(select(func.count()).select_from(StoredFile)) == 1
    assert len(objects(store_dir)) == 1
    row = db.scalar(select(StoredFile))
    assert store.read(row) == data


def test_many_transactions_storing_the_same_bytes_at_once_make_one_object(db, store_dir):
    data = samples.png(colour=(7, 7, 7))
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def work():
        barrier.wait()
        try:
            with new_session() as session, unit_of_work(session):
                store.accept(session, upload=data, filename="p.png")
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001
            outcomes.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes == ["ok"] * 6
    assert db.scalar(select(func.count()).select_from(StoredFile)) == 1
    assert len(objects(store_dir)) == 1
    assert store.read(db.scalar(select(StoredFile))) == data
