"""The outbox: put a message in it (inside the caller's unit of work), deliver it after that unit
of work commits (the provider is called outside any transaction: claim briefly, send, record
briefly), retry what failed with a doubling wait, and read the sandbox log.

    message = enqueue_sms(db, to=mobile, template="otp_signup", params={"code": code}, expires_at=...)
    background.add_task(deliver, message.id)   # after the request's transaction commits

Notifications to users go through `inbox.notify`, which queues its SMS with `enqueue_text` and
hands it over with `kernel.db.on_commit`. `smecredit notifications deliver` and the periodic job
(`jobs.deliver_outbox`) send what is still waiting (e.g. after a restart or a provider outage).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from smecredit.audit.log import SYSTEM, record
from smecredit.kernel.clock import utcnow
from smecredit.kernel.db import new_session, unit_of_work
from smecredit.kernel.pii import blind_index
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text
from smecredit.notifications import events
from smecredit.notifications.gateways import GatewayError, SmsGateway, load_gateway
from smecredit.notifications.models import OutboxMessage, SandboxSms
from smecredit.standards.resident_id import mask_phone

log = logging.getLogger("smecredit.notifications")

MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(seconds=30)  # then 1, 2, 4 minutes: about 7.5 minutes from first to last try
STALE_SENDING = timedelta(minutes=5)
# A message rendered when it was written (a notification's SMS) carries its text under this key
# instead of a fixed template's values: the deliverer needs no knowledge of the kind.
PRERENDERED = "_text"

# The texts of every SMS, Chinese first; {sign} is the 短信签名, the rest come from params.
SMS_TEMPLATES: dict[str, Text] = {
    "otp_signup": Text("【{sign}】您的注册验证码为 {code}，{minutes} 分钟内有效，请勿告诉他人。",
                       "Your sign-up code is {code}, valid for {minutes} minutes. Do not share it."),
    "otp_password_reset": Text("【{sign}】您正在重置密码，验证码为 {code}，{minutes} 分钟内有效，请勿告诉他人。",
                               "Your password reset code is {code}, valid for {minutes} minutes. Do not share it."),
    "guarantee_link": Text("【{sign}】您被列为贷款 {no} 的保证人，请打开链接阅读并确认保证合同：{link}",
                           "You are a guarantor of loan {no}; read and accept the guarantee contract at {link}"),
    "guarantee_code": Text("【{sign}】您正在确认贷款 {no} 的保证合同，验证码为 {code}，{minutes} 分钟内有效，请勿告诉他人。",
                           "Your code to accept the guarantee contract of loan {no} is {code}, valid for {minutes} "
                           "minutes. Do not share it."),
    "signup_already_registered": Text("【{sign}】该手机号已注册。如忘记密码，请在登录页选择“忘记密码”。",
                                      "This number already has an account; use 'Forgot password' on the sign-in page."),
}


def render_sms(template: str, params: dict) -> str:
    if PRERENDERED in params:
        return params[PRERENDERED]
    text = SMS_TEMPLATES[template]
    values = {"sign": get_settings().sms_sign_name, **params}
    return f"{text.zh.format(**values)} {text.en.format(**values)}"


def enqueue_sms(db: Session, *, to: str, template: str, params: dict | None = None,
                expires_at: datetime | None = None) -> OutboxMessage:
    """A fixed-template SMS (one-time codes); notifications use `inbox.notify`, which renders the
    text from its kind and queues it with `enqueue_text`."""
    if template not in SMS_TEMPLATES:
        raise ValueError(f"unknown SMS template {template!r}")
    return _enqueue(db, to=to, template=template, params=params or {}, expires_at=expires_at)


def enqueue_text(db: Session, *, to: str, template: str, text: str) -> OutboxMessage:
    """An SMS whose text is already rendered (``template`` names where it came from: a kind code)."""
    return _enqueue(db, to=to, template=template, params={PRERENDERED: text}, expires_at=None)


def _enqueue(db: Session, *, to: str, template: str, params: dict, expires_at: datetime | None) -> OutboxMessage:
    message = OutboxMessage(channel="sms", recipient=to, recipient_masked=mask_phone(to), template=template,
                            params=json.dumps(params, ensure_ascii=False), status="pending", attempts=0,
                            created_at=utcnow(), expires_at=expires_at)
    db.add(message)
    db.flush()
    return message


@dataclass(frozen=True)
class _Claimed:
    id: int
    to: str
    masked: str
    template: str
    text: str
    attempts: int


def _claim(message_id: int) -> _Claimed | None:
    """Take the message for sending (one short transaction); None when it is not ours to send
    (sent already, taken by another deliverer, expired, out of attempts, or its backoff has not
    passed). The conditional UPDATE is the whole guard: of two deliverers racing for one message,
    the database lets exactly one change it from waiting to "sending" (the other's UPDATE, re-read
    after the first commits, matches nothing). A "sending" claim older than `STALE_SENDING`
    belongs to a deliverer that died mid-way and may be taken again."""
    now = utcnow()
    with new_session() as db, unit_of_work(db, owner="notifications"):
        claimed = db.execute(
            update(OutboxMessage).where(
                OutboxMessage.id == message_id,
                OutboxMessage.attempts < MAX_ATTEMPTS,
                or_(OutboxMessage.status == "pending",
                    (OutboxMessage.status == "failed")
                    & or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
                    (OutboxMessage.status == "sending") & (OutboxMessage.claimed_at < now - STALE_SENDING)),
                or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now),
            ).values(status="sending", attempts=OutboxMessage.attempts + 1, claimed_at=now,
                     next_attempt_at=None).returning(OutboxMessage.id)
        ).first()
        if claimed is None:
            db.execute(update(OutboxMessage).where(OutboxMessage.id == message_id,
                                                   OutboxMessage.status.in_(("pending", "failed")),
                                                   OutboxMessage.expires_at <= now)
                       .values(status="expired", params=None))
            return None
        message = db.get(OutboxMessage, message_id)
        db.refresh(message)
        return _Claimed(message.id, message.recipient, message.recipient_masked, message.template,
                        render_sms(message.template, json.loads(message.params or "{}")), message.attempts)


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: doubling from `RETRY_BASE`."""
    return RETRY_BASE * (2 ** max(0, attempts - 1))


def deliver(message_id: int, gateway: SmsGateway | None = None) -> str:
    """Send one outbox message through the gateway; returns its status afterwards."""
    claimed = _claim(message_id)
    if claimed is None:
        return "skipped"
    gateway = gateway or load_gateway()
    try:
        provider_id = gateway.send(to=claimed.to, text=claimed.text, message_id=claimed.id)
        error = None
    except GatewayError as exc:
        provider_id, error = None, str(exc)[:300]
    except Exception as exc:  # an adapter bug must not lose the outcome
        log.exception("SMS gateway %s failed on message %s", getattr(gateway, "name", "?"), claimed.id)
        provider_id, error = None, f"{type(exc).__name__}: {exc}"[:300]
    with new_session() as db, unit_of_work(db, owner="notifications"):
        message = db.get(OutboxMessage, claimed.id)
        message.provider = getattr(gateway, "name", "?")[:40]
        if error is None:
            message.status, message.sent_at, message.provider_message_id = "sent", utcnow(), (provider_id or "")[:100]
            message.params = None  # the one-time code is not kept once it is on its way
            message.last_error = None
            record(db, SYSTEM, events.MessageSent(entity_id=message.id, channel=message.channel,
                                                  template=message.template, recipient=claimed.masked,
                                                  provider=message.provider,
                                                  provider_message_id=message.provider_message_id))
        else:
            message.status, message.last_error = "failed", error
            # Out of attempts: it stays "failed" with no next attempt, listed for administrators.
            message.next_attempt_at = (utcnow() + retry_delay(claimed.attempts)
                                       if claimed.attempts < MAX_ATTEMPTS else None)
            record(db, SYSTEM, events.MessageFailed(entity_id=message.id, channel=message.channel,
                                                    template=message.template, recipient=claimed.masked,
                                                    provider=message.provider, error=error,
                                                    attempts=claimed.attempts))
        return message.status


def deliver_pending(*, limit: int = 100, gateway: SmsGateway | None = None) -> dict[str, int]:
    """Deliver what is still waiting (pending, failed with attempts left, or stuck sending)."""
    now = utcnow()
    with new_session() as db:
        ids = list(db.execute(
            select(OutboxMessage.id).where(
                OutboxMessage.attempts < MAX_ATTEMPTS,
                or_(OutboxMessage.status == "pending",
                    (OutboxMessage.status == "failed")
                    & or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
                    (OutboxMessage.status == "sending") & (OutboxMessage.claimed_at < now - STALE_SENDING)),
                or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now),
            ).order_by(OutboxMessage.id).limit(limit)).scalars())
    outcome: dict[str, int] = {}
    for message_id in ids:
        status = deliver(message_id, gateway)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


# --- the sandbox log -----------------------------------------------------------------------------

def sandbox_messages(db: Session, *, limit: int = 50, offset: int = 0) -> tuple[int, list[SandboxSms]]:
    total = db.execute(select(func.count()).select_from(SandboxSms)).scalar_one()
    rows = db.execute(select(SandboxSms).order_by(SandboxSms.id.desc()).limit(limit).offset(offset)).scalars()
    return total, list(rows)


def latest_sandbox_text(db: Session, *, mobile: str) -> str | None:
    """The newest sandbox message to this mobile (tests and demos read the code from it)."""
    return db.execute(select(SandboxSms.text).where(SandboxSms.recipient_index == blind_index(mobile))
                      .order_by(SandboxSms.id.desc()).limit(1)).scalar_one_or_none()


def failed_messages(db: Session, *, limit: int = 50) -> tuple[int, list[OutboxMessage]]:
    """Messages whose last attempt failed (waiting for a retry, or out of attempts), newest first:
    the administrators' view of delivery trouble."""
    where = OutboxMessage.status == "failed"
    total = db.execute(select(func.count()).select_from(OutboxMessage).where(where)).scalar_one()
    rows = db.execute(select(OutboxMessage).where(where).order_by(OutboxMessage.id.desc()).limit(limit)).scalars()
    return total, list(rows)


def outbox_status(db: Session, message_id: int) -> str | None:
    return db.execute(select(OutboxMessage.status).where(OutboxMessage.id == message_id)).scalar_one_or_none()


__all__ = ["SMS_TEMPLATES", "deliver", "deliver_pending", "enqueue_sms", "enqueue_text",
           "failed_messages", "latest_sandbox_text", "render_sms", "retry_delay", "sandbox_messages"]
