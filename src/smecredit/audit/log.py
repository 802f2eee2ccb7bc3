"""The one API every stage uses to write the audit log: `record(db, actor, SomeEvent(...))`, with an
event class from the stage's catalogue (`audit.catalogue`).

The event is added in the caller's transaction, so it commits or rolls back with the change it
describes. The head row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite has one writer at
a time anyway), which makes the sequence gap-free and fork-free under concurrent writers, and the
frontier it keeps makes each append O(log n) instead of re-reading the log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from smecredit.audit import merkle
from smecredit.audit.catalogue import CATALOGUE, Event
from smecredit.audit.canonical import canonical_json, leaf_data, sha256_hex
from smecredit.audit.keystore import load_or_create_mac_key
from smecredit.audit.models import AuditEvent, AuditHead
from smecredit.kernel.clock import utcnow


@dataclass(frozen=True)
class Actor:
    """Who did it, in what role. `user_id` is None for the system itself."""

    username: str
    role: str
    user_id: int | None = None


SYSTEM = Actor(username="system", role="system")


def leaf_mac(key: bytes, leaf: bytes) -> str:
    """hex HMAC-SHA256 of a leaf hash under the MAC key kept outside the database."""
    return hmac.new(key, leaf, hashlib.sha256).hexdigest()


_HEAD_HELD = "smecredit.audit_head_held"


def lock_head(db: Session) -> AuditHead:
    """The head row, locked until the transaction ends. Locked and read once per transaction: the
    next append in the same transaction reuses the row it holds (a submit records four or five
    events; re-locking and re-reading the head for each cost two statements an event). Not reused
    when the lock was taken inside a savepoint (rolling one back releases the row locks taken in
    it on PostgreSQL), nor once the row has left the session."""
    held = db.info.get(_HEAD_HELD)
    if held is not None:
        transaction, head = held
        if transaction is db.get_transaction() and transaction.is_active and head in db:
            return head
        db.info.pop(_HEAD_HELD, None)
    head = _lock_and_read_head(db)
    if not db.in_nested_transaction():
        db.info[_HEAD_HELD] = (db.get_transaction(), head)
    return head


def _lock_and_read_head(db: Session) -> AuditHead:
    if db.get_bind().dialect.name == "sqlite":
        # pysqlite opens the transaction lazily at the first write, so a plain read of the head
        # could race another writer; a no-op write takes SQLite's write lock first.
        db.execute(text("UPDATE audit_head SET tree_size = tree_size WHERE id = 1"))
    head = db.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if head is None:  # a database made without the migration's seed row
        head = AuditHead(id=1, tree_size=0, frontier="[]")
        db.add(head)
        db.flush()
    return head


def record(db: Session, actor: Actor, event: Event) -> AuditEvent:
    """Append one catalogued event to the audit log inside the caller's transaction."""
    if CATALOGUE.get(event.action) is not type(event):
        raise TypeError(f"{type(event).__qualname__} is not the catalogued event for {event.action!r}")
    return append_entry(db, actor=actor, action=event.action, entity_type=event.entity_type,
                        entity_id=event.entity_id, payload=event.payload())


def append_entry(
    db: Session,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: Any,
    payload: Any = None,
) -> AuditEvent:
    """The log's own append, below the catalogue: stages call `record`; tests of the log's
    mechanics and the log itself call this."""
    mac_key = load_or_create_mac_key()  # before the lock: file I/O must not hold up writers
    head = lock_head(db)
    seq = head.tree_size + 1
    payload_bytes = canonical_json(payload if payload is not None else {})
    payload_hash = sha256_hex(payload_bytes)
    recorded_at = utcnow()
    leaf = merkle.leaf_hash(
        leaf_data(
            seq=seq,
            recorded_at=recorded_at,
            actor=actor.username,
            actor_id=actor.user_id,
            role=actor.role,
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id),
            payload_sha256=payload_hash,
        )
    )
    frontier = [bytes.fromhex(h) for h in json.loads(head.frontier)]
    frontier = merkle.frontier_append(frontier, head.tree_size, leaf)
    event = AuditEvent(
        seq=seq,
        recorded_at=recorded_at,
        actor=actor.username,
        actor_id=actor.user_id,
        role=actor.role,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        payload=payload_bytes.decode("utf-8"),
        payload_sha256=payload_hash,
        leaf_hash=leaf.hex(),
        leaf_mac=leaf_mac(mac_key, leaf),
    )
    db.add(event)
    head.tree_size = seq
    head.frontier = json.dumps([h.hex() for h in frontier])
    head.updated_at = recorded_at
    db.flush()
    return event


def current_root(db: Session) -> tuple[int, bytes]:
    head = db.get(AuditHead, 1)
    if head is None:
        return 0, merkle.root_hash([])
    frontier = [bytes.fromhex(h) for h in json.loads(head.frontier)]
    return head.tree_size, merkle.frontier_root(frontier, head.tree_size)
