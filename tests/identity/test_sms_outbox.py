"""The notification outbox and SMS gateways (point 8): messages go out after the use case commits,
through an adapter behind the `SmsGateway` interface; the code is not kept once sent; failures
stay in the outbox for a retry."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from smecredit.audit.models import AuditEvent
from smecredit.cli import app as cli
from smecredit.kernel.db import unit_of_work
from smecredit.notifications import service
from smecredit.notifications.gateways import GatewayError, SandboxSmsGateway, SmsGateway, load_gateway
from smecredit.notifications.models import OutboxMessage, SandboxSms

SENT: list[tuple[str, str]] = []


class RecordingGateway:
    name = "recording"

    def send(self, *, to, text, message_id):
        SENT.append((to, text))
        return f"rec-{message_id}"


class NotAGateway:
    name = "nothing"


class BrokenGateway:
    name = "broken"

    def send(self, *, to, text, message_id):
        raise GatewayError("provider said no (quota)")


@pytest.fixture()
def settings_env(monkeypatch):
    from smecredit.kernel.settings import get_settings

    def set_(**values):
        for name, value in values.items():
            monkeypatch.setenv(f"SMECREDIT_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield set_
    get_settings.cache_clear()


def enqueue(db, template="otp_signup", params=None) -> int:
    with unit_of_work(db):
        message = service.enqueue_sms(db, to="13800138000", template=template, params=params or {"code": "123456", "minutes": 5})
        return message.id


def test_the_sandbox_is_the_default_and_implements_the_interface(settings_env):
    gateway = load_gateway()
    assert isinstance(gateway, SandboxSmsGateway) and isinstance(gateway, SmsGateway)
    assert "不发送" in gateway.label.zh


def test_a_sent_message_forgets_its_code_and_is_audited(db):
    message_id = enqueue(db)
    assert service.deliver(message_id) == "sent"
    db.expire_all()
    message = db.get(OutboxMessage, message_id)
    assert message.status == "sent" and message.params is None and message.provider == "sandbox"
    assert message.recipient_masked == "138****8000"
    sandbox = db.execute(select(SandboxSms)).scalar_one()
    assert "123456" in sandbox.text and sandbox.recipient_masked == "138****8000"
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "notification.sent")).scalar_one()
    assert "123456" not in event.payload and "13800138000" not in event.payload
    assert service.deliver(message_id) == "skipped"  # sent once only


def test_a_configured_adapter_is_used(db, settings_env):
    settings_env(sms_gateway="tests.identity.test_sms_outbox:RecordingGateway")
    SENT.clear()
    message_id = enqueue(db)
    assert service.deliver(message_id) == "sent"
    assert SENT and SENT[0][0] == "13800138000" and "123456" in SENT[0][1] and "【小微信贷】" in SENT[0][1]
    db.expire_all()
    assert db.get(OutboxMessage, message_id).provider_message_id == f"rec-{message_id}"


def test_a_failure_stays_in_the_outbox_and_is_retried(db, settings_env):
    settings_env(sms_gateway="tests.identity.test_sms_outbox:BrokenGateway")
    message_id = enqueue(db)
    assert service.deliver(message_id) == "failed"
    db.expire_all()
    message = db.get(OutboxMessage, message_id)
    assert message.status == "failed" and "quota" in message.last_error and message.params is not None
    failed = db.execute(select(AuditEvent).where(AuditEvent.action == "notification.failed")).scalar_one()
    assert json.loads(failed.payload)["attempts"] == 1
    settings_env(sms_gateway="sandbox")
    # Not before its backoff has passed (notifications.service.retry_delay) …
    assert message.next_attempt_at is not None
    assert "nothing waiting" in CliRunner().invoke(cli, ["notifications", "deliver"]).output
    with unit_of_work(db):
        db.get(OutboxMessage, message_id).next_attempt_at = message.next_attempt_at - service.retry_delay(1)
    # … then once.
    result = CliRunner().invoke(cli, ["notifications", "deliver"])
    assert result.exit_code == 0 and "sent: 1" in result.output
    db.expire_all()
    assert db.get(OutboxMessage, message_id).status == "sent"


def test_an_expired_message_is_not_sent(db):
    from datetime import timedelta

    from smecredit.kernel.clock import utcnow

    with unit_of_work(db):
        message = service.enqueue_sms(db, to="13800138000", template="otp_signup", params={"code": "1", "minutes": 5},
                                      expires_at=utcnow() - timedelta(seconds=1))
    assert service.deliver(message.id) == "skipped"
    db.expire_all()
    assert db.get(OutboxMessage, message.id).status == "expired"


def test_an_invalid_adapter_is_refused(settings_env):
    settings_env(sms_gateway="tests.identity.test_sms_outbox:NotAGateway")
    with pytest.raises(TypeError, match="SmsGateway"):
        load_gateway()


def test_the_sandbox_command_lists_messages(db):
    service.deliver(enqueue(db))
    result = CliRunner().invoke(cli, ["notifications", "sandbox"])
    assert result.exit_code == 0 and "138****8000" in result.output and "nothing was sent" in result.output


def test_the_embedded_loop_delivers_what_the_outbox_holds(db):
    """Without a broker the server itself retries the outbox (Celery beat does with one)."""
    import asyncio
    import threading

    from smecredit import jobs

    template = next(iter(service.SMS_TEMPLATES))
    with unit_of_work(db):
        message = service.enqueue_sms(db, to="13800138000", template=template, params={"code": "123456", "minutes": 5})
    assert "notification-outbox" in jobs.celery_app.conf.beat_schedule

    async def run():
        task = asyncio.create_task(jobs.outbox_loop(interval_seconds=0.01))
        for _ in range(300):
            await asyncio.sleep(0.01)
            if service.outbox_status(db, message.id) != "pending":
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    # a thread of its own: a browser test earlier in this worker may leave Playwright's loop running here
    worker = threading.Thread(target=lambda: asyncio.run(run()))
    worker.start()
    worker.join()
    db.expire_all()
    assert service.outbox_status(db, message.id) == "sent"
