"""Audit events of the audit log itself."""

from __future__ import annotations

from smecredit.audit.catalogue import Event, entity_type, event
from smecredit.kernel.text import Text

entity_type("audit_log", Text("审计日志", "Audit log"))
entity_type("audit_checkpoint", Text("签名检查点", "Checkpoint"))


@event("audit.checkpoint", "audit_checkpoint", Text("生成签名检查点", "Signed checkpoint made"))
class CheckpointSigned(Event):
    """Appended just before checkpoint ``checkpoint_id`` is signed, so that checkpoint's tree ends
    with this event (its tree size is this event's seq): a deleted checkpoint row is found from its
    event, and the log records who asked for it (``reason``: manual, scheduled, export)."""

    checkpoint_id: int
    previous_checkpoint_id: int | None
    previous_tree_size: int | None
    previous_root_hash: str | None
    reason: str


@event("audit.cosignature", "audit_checkpoint", Text("收到见证人副署", "Witness cosignature received"))
class CosignatureReceived(Event):
    witness_name: str
    tree_size: int
    cosigned_at: str


@event("audit.alert_cleared", "audit_log", Text("清除审计告警", "Audit alert cleared"))
class AlertCleared(Event):
    code: str
    raised_at: str | None
    reason: str


@event("audit.events_exported", "audit_log", Text("导出审计日志", "Audit log exported"))
class EventsExported(Event):
    """An auditor exported events from the audit pages. Audited because the rows carry personal
    information (staff user names, sign-in addresses, the people named in payloads)."""

    format: str
    filters: dict
    rows: int
    total: int

