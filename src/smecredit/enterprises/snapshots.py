"""Reading stored snapshots (lists never decrypt their content)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from smecredit.enterprises import schemas
from smecredit.enterprises.connectors import SourceKind
from smecredit.enterprises.models import DataSnapshot, Enterprise
from smecredit.kernel.errors import not_found
from smecredit.kernel.text import Text


def snapshots_of(db: Session, *, enterprise_id: int, kind: SourceKind | None = None,
                 ids: list[int] | None = None) -> list[DataSnapshot]:
    """Newest first, without the (encrypted, possibly large) content."""
    query = select(DataSnapshot).options(defer(DataSnapshot.content)).where(DataSnapshot.enterprise_id == enterprise_id)
    if kind is not None:
        query = query.where(DataSnapshot.kind == kind.value)
    if ids is not None:
        query = query.where(DataSnapshot.id.in_(ids))
    return list(db.execute(query.order_by(DataSnapshot.captured_at.desc(), DataSnapshot.id.desc())).scalars())


def latest_snapshots(db: Session, *, enterprise_id: int, as_of: date) -> dict[SourceKind, DataSnapshot]:
    """The newest snapshot of each kind captured on or before the business date ``as_of`` (content
    deferred: only the chosen one of each kind is decrypted when read)."""
    latest: dict[SourceKind, DataSnapshot] = {}
    for snap in snapshots_of(db, enterprise_id=enterprise_id):
        if snap.business_date <= as_of:
            latest.setdefault(SourceKind(snap.kind), snap)
    return latest


def snapshot_of(db: Session, enterprise: Enterprise, snapshot_id: int) -> DataSnapshot:
    snap = db.get(DataSnapshot, snapshot_id)
    if snap is None or snap.enterprise_id != enterprise.id:
        raise not_found(Text("数据快照", "Snapshot"), "snapshot_id")
    return snap


def snapshot_out(snap: DataSnapshot, content: dict[str, Any] | None = None):
    kind = SourceKind(snap.kind)
    fields = schemas.SnapshotOut.model_validate(snap).model_dump() | {
        "kind_zh": kind.label_zh, "kind_en": kind.label_en, "warnings": json.loads(snap.warnings or "[]")}
    return schemas.SnapshotOut(**fields) if content is None else schemas.SnapshotDetail(**fields, content=content)
