"""Delivery of the outbox: retried with a doubling wait up to a maximum, failures listed for
administrators, a retry after a gateway failure sends once, and two deliverers racing for one
message make one gateway call (proven on PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from smecredit.identity.roles import Role
from smecredit.kernel.clock import utcnow
from smecredit.kernel.db import unit_of_work
from smecredit.notifications import service
from smecredit.notifications.gateways import GatewayError
from smecredit.notifications.inbox import notify
from smecredit.notifications.models import OutboxMessage
from tests.conftest import PG_URL, login
from tests.notifications.helpers import STATUS_CHANGED, give_mobile


class CountingGateway:
    name = "counting"

    def __init__(self, fail_first: int = 0, pause: float = 0.0):
        self.calls: list[int] = []
        self.fail_first = fail_first
        self.pause = pause
        self.lock = threading.Lock()

    def send(self, *, to, text, message_id):
        with self.lock:
            self.calls.append(message_id)
            failing = len(self.calls) <= self.fail_first
        time.sleep(self.pause)  # a provider that takes its time: the other deliverer runs meanwhile
        if failing:
            raise GatewayError("provider unreachable")
        return f"c-{message_id}"


def queued(db, make_user, mobile: str = "13900139000") -> int:
    """A notification's SMS left in the outbox (as after a crash before the after-commit delivery)."""
    user = give_mobile(db, make_user(Role.APPLICANT), mobile)
    with unit_of_work(db):
        row = notify(db, recipient=user, kind=STATUS_CHANGED, params={"no": "1", "status": "x", "id": 1})
        db.info.pop("smecredit.on_commit")  # drop the after-commit delivery: the retry path is under test
        return row.outbox_id


def due_now(db, message_id: int) -> None:
    with unit_of_work(db):
        db.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                   .values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def test_retry_after_a_gateway_failure_sends_once(db, make_user):
    message_id = queued(db, make_user)
    gateway = CountingGateway(fail_first=1)
    assert service.deliver(message_id, gateway) == "failed"
    db.expire_all()
    message = db.get(OutboxMessage, message_id)
    assert message.attempts == 1 and message.next_attempt_at > utcnow()
    # Before the wait is over, neither a direct delivery nor the periodic job tries again.
    assert service.deliver(message_id, gateway) == "skipped"
    assert service.deliver_pending(gateway=gateway) == {}
    due_now(db, message_id)
    assert service.deliver_pending(gateway=gateway) == {"sent": 1}
    assert service.deliver_pending(gateway=gateway) == {}
    assert service.deliver(message_id, gateway) == "skipped"
    assert gateway.calls == [message_id, message_id]  # one failure, one send
    db.expire_all()
    assert db.get(OutboxMessage, message_id).status == "sent"


def test_backoff_doubles_and_stops_at_the_maximum(db, make_user):
    assert [service.retry_delay(n) for n in (1, 2, 3)] == [service.RETRY_BASE, service.RETRY_BASE * 2,
                                                           service.RETRY_BASE * 4]
    message_id = queued(db, make_user)
    gateway = CountingGateway(fail_first=100)
    for attempt in range(1, service.MAX_ATTEMPTS + 1):
        assert service.deliver(message_id, gateway) == "failed"
        db.expire_all()
        message = db.get(OutboxMessage, message_id)
        assert message.attempts == attempt
        if attempt < service.MAX_ATTEMPTS:
            wait = message.next_attempt_at - utcnow()
            assert service.retry_delay(attempt) - timedelta(seconds=5) < wait <= service.retry_delay(attempt)
            due_now(db, message_id)
        else:
            assert message.next_attempt_at is None
    assert service.deliver(message_id, gateway) == "skipped"
    assert len(gateway.calls) == service.MAX_ATTEMPTS
    total, failed = service.failed_messages(db)
    assert total == 1 and failed[0].id == message_id


def test_failures_and_notification_sms_are_visible_to_administrators(client, db, make_user):
    message_id = queued(db, make_user)
    service.deliver(message_id, CountingGateway(fail_first=1))
    other = give_mobile(db, make_user(Role.APPLICANT), "13700137001")
    with unit_of_work(db):  # delivered through the sandbox after the commit
        notify(db, recipient=other, kind=STATUS_CHANGED, params={"no": "B-2", "status": "已受理", "id": 2})
    make_user(Role.ADMIN, "admin1")
    login(client, "admin1")
    page = client.get("/admin/sms-sandbox").text
    assert 'data-testid="failed-messages"' in page and "provider unreachable" in page and "139****9000" in page
    assert "申请 B-2 状态更新" in page and "137****7001" in page


def test_a_stale_sending_claim_is_taken_again_but_a_fresh_one_is_not(db, make_user):
    message_id = queued(db, make_user)
    with unit_of_work(db):
        db.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                   .values(status="sending", attempts=1, claimed_at=utcnow()))
    gateway = CountingGateway()
    assert service.deliver(message_id, gateway) == "skipped"
    with unit_of_work(db):
        db.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                   .values(claimed_at=utcnow() - service.STALE_SENDING - timedelta(seconds=1)))
    assert service.deliver(message_id, gateway) == "sent"
    assert gateway.calls == [message_id]


def test_an_old_message_being_retried_is_not_taken_by_a_second_deliverer(db, make_user):
    """The claim's age, not the message's, says whether a deliverer died."""
    message_id = queued(db, make_user)
    with unit_of_work(db):
        db.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                   .values(created_at=utcnow() - timedelta(hours=1), status="sending", attempts=1, claimed_at=utcnow()))
    assert service.deliver(message_id, CountingGateway()) == "skipped"


@pytest.mark.skipif(not PG_URL, reason="parallel deliverers need PostgreSQL; set SMECREDIT_TEST_DATABASE_URL")
def test_two_deliverers_on_one_message_make_one_gateway_call(db, make_user):
    for i in range(5):
        message_id = queued(db, make_user, f"1390013900{i}")
        gateway = CountingGateway(pause=0.2)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def run() -> None:
            barrier.wait()
            outcomes.append(service.deliver(message_id, gateway))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == ["sent", "skipped"]
        assert gateway.calls == [message_id]


def test_after_commit_delivery_goes_through_the_celery_task(db, make_user, monkeypatch):
    from smecredit import jobs

    handed: list[list[int]] = []
    monkeypatch.setattr(jobs.deliver_messages, "delay", lambda ids: handed.append(ids))
    user = give_mobile(db, make_user(Role.APPLICANT))
    with unit_of_work(db):
        row = notify(db, recipient=user, kind=STATUS_CHANGED, params={"no": "1", "status": "x", "id": 1})
        assert handed == []
    assert handed == [[row.outbox_id]]
    assert jobs.deliver_messages.run([row.outbox_id]) == {"sent": 1}
    assert jobs.deliver_messages.run([row.outbox_id]) == {"skipped": 1}
    db.expire_all()
    assert db.execute(select(OutboxMessage.status).where(OutboxMessage.id == row.outbox_id)).scalar_one() == "sent"
