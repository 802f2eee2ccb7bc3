"""SMS gateways: the interface a provider adapter implements, and the sandbox the default install
uses.

An adapter for a real provider (阿里云短信, 腾讯云短信, an operator's CMPP gateway, …) is a class with
a `name` and a `send` method; name it in `SMECREDIT_SMS_GATEWAY=package.module:ClassName` (built
with no arguments: it reads its own credentials, e.g. from the environment). `send` is called
outside any database transaction and may take a few seconds; it returns the provider's message id
or raises `GatewayError`. See docs/operations.md.
"""

from __future__ import annotations

import importlib
from typing import Protocol, runtime_checkable

from smecredit.kernel.db import new_session, unit_of_work
from smecredit.kernel.clock import utcnow
from smecredit.kernel.pii import blind_index
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text
from smecredit.standards.resident_id import mask_phone


class GatewayError(Exception):
    """The provider refused or could not be reached; the message stays in the outbox as failed."""


@runtime_checkable
class SmsGateway(Protocol):
    name: str  # shown in the outbox and audit log, e.g. "aliyun"

    def send(self, *, to: str, text: str, message_id: int) -> str:
        """Send `text` to the 11-digit mobile `to`; return the provider's message id."""
        ...


SANDBOX_LABEL = Text("短信沙箱：不发送任何短信，消息只记录在本系统中供管理员查看",
                     "SMS sandbox: no SMS is sent; messages are only recorded here for administrators")


class SandboxSmsGateway:
    """Sends nothing: records the message in `sms_sandbox_messages` (its own short transaction,
    as a real provider would keep its own records), for the SMS sandbox page."""

    name = "sandbox"
    label = SANDBOX_LABEL

    def send(self, *, to: str, text: str, message_id: int) -> str:
        from smecredit.notifications.models import SandboxSms

        with new_session() as db, unit_of_work(db, owner="sms-sandbox"):
            row = SandboxSms(outbox_id=message_id, recipient_masked=mask_phone(to), recipient_index=blind_index(to),
                             text=text, created_at=utcnow())
            db.add(row)
            db.flush()
            return f"sandbox-{row.id}"


def load_gateway() -> SmsGateway:
    reference = get_settings().sms_gateway.strip() or "sandbox"
    if reference == "sandbox":
        return SandboxSmsGateway()
    module, _, attribute = reference.partition(":")
    gateway = getattr(importlib.import_module(module), attribute)()
    if not isinstance(gateway, SmsGateway):
        raise TypeError(f"{reference} does not implement SmsGateway (name, send(to=, text=, message_id=))")
    return gateway


def sandbox_active() -> bool:
    return (get_settings().sms_gateway.strip() or "sandbox") == "sandbox"
