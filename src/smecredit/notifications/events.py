"""Audit events of notifications: a message handed to a gateway, or refused by it."""

from __future__ import annotations

from smecredit.audit.catalogue import Event, entity_type, event
from smecredit.kernel.text import Text

entity_type("notification", Text("消息", "Message"))


@event("notification.sent", "notification", Text("消息已发送", "Message sent"))
class MessageSent(Event):
    channel: str
    template: str
    recipient: str  # masked
    provider: str
    provider_message_id: str


@event("notification.failed", "notification", Text("消息发送失败", "Message failed"))
class MessageFailed(Event):
    channel: str
    template: str
    recipient: str  # masked
    provider: str
    error: str
    attempts: int
