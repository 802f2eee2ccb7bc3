"""The in-app inbox (one row per notification to a user), the outbox of messages to send (SMS
today; app push and e-mail later) and the sandbox SMS gateway's log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smecredit.kernel.db import Base, UTCDateTime
from smecredit.kernel.pii import EncryptedText


class OutboxMessage(Base):
    """One message to send. Written in the transaction of the use case that wants it sent, then
    delivered after that transaction commits (never a provider call inside it). The recipient and
    the template's values are encrypted; the values (e.g. a one-time code) are erased once sent."""

    __tablename__ = "notification_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # "sms"
    recipient: Mapped[str] = mapped_column(EncryptedText)
    recipient_masked: Mapped[str] = mapped_column(String(40))
    template: Mapped[str] = mapped_column(String(40))
    params: Mapped[str | None] = mapped_column(EncryptedText)  # JSON; None once sent
    status: Mapped[str] = mapped_column(String(10), index=True)  # pending, sending, sent, failed, expired
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider: Mapped[str | None] = mapped_column(String(40))
    provider_message_id: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(String(300))
    # When the current attempt was claimed (a "sending" row older than the stale limit belongs to
    # a deliverer that died), and when a failed message may be tried again (backoff).
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Notification(Base):
    """One notification in a user's in-app inbox (站内消息). Title and body are rendered in both
    languages when it is written (a later change of a kind's wording does not rewrite what a
    person was told). Written in the transaction of the change it tells about."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient_read", "recipient_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    body_zh: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("notification_outbox.id", ondelete="SET NULL"))


class SandboxSms(Base):
    """What the sandbox SMS gateway "sent": nothing leaves the server. Administrators read it on
    the 短信沙箱 / SMS sandbox page (the recipient masked, the text — one-time code included — in
    clear so that a demo can go on without a phone)."""

    __tablename__ = "sms_sandbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("notification_outbox.id", ondelete="SET NULL"), index=True)
    recipient_masked: Mapped[str] = mapped_column(String(40))
    recipient_index: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
