"""Audit events of the audit log itself."""

from __future__ import annotations

from smecredit.audit.catalogue import Event, event
from smecredit.kernel.text import Text


@event("audit.checkpoint", "audit_log", Text("生成签名检查点", "Signed checkpoint made"))
class CheckpointRequested(Event):
    previous_checkpoint_id: int | None
    previous_tree_size: int | None
