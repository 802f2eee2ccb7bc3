"""Audit log tables: the events (Merkle leaves), the head (tree size and frontier), signed
checkpoints and witnesses' cosignatures. Events, checkpoints and cosignatures are append-only: on
PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE (migration 0003); only the head changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smecredit.kernel.db import Base, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_events"

    # The leaf index + 1. Assigned under the head's row lock, never by an autoincrement, so a
    # rolled-back transaction leaves no gap and two writers can never take the same number.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(80), index=True)
    entity_type: Mapped[str] = mapped_column(String(60), index=True)
    entity_id: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[str] = mapped_column(Text)  # RFC 8785 canonical JSON
    payload_sha256: Mapped[str] = mapped_column(String(64))
    leaf_hash: Mapped[str] = mapped_column(String(64))  # hex of SHA-256(0x00 || leaf data)
    # hex HMAC-SHA256 of the leaf hash under a key kept outside the database (keys/audit_leaf_mac.key):
    # someone who can write the database but not read that file cannot forge a new leaf, so even
    # events no checkpoint covers yet cannot be rewritten unnoticed. Not part of the public format.
    leaf_mac: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row (id=1): the tree size and the frontier, so appending never re-reads the log."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    frontier: Mapped[str] = mapped_column(Text)  # JSON list of hex subtree roots, largest first
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditCheckpoint(Base):
    """A signed checkpoint: the C2SP signed note (``note``) and its fields as columns.

    ``id`` is the checkpoint's place in the chain (1, 2, 3, … without gaps, assigned under the head
    lock); the note names its predecessor. Rows made before migration 0003 have no note (legacy
    format: a signature over canonical JSON) and stand outside the chain.
    """

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    key_id: Mapped[str] = mapped_column(String(64))  # hex SHA-256 of the raw public key
    signature: Mapped[str] = mapped_column(String(200))  # base64 Ed25519 signature over the note text
    note: Mapped[str | None] = mapped_column(Text)  # the signed note exactly as signed (None: legacy)
    frontier: Mapped[str | None] = mapped_column(Text)  # JSON hex subtree roots at tree_size


class AuditCosignature(Base):
    """A witness's cosignature (C2SP tlog-cosignature/v1) of one checkpoint, checked on arrival."""

    __tablename__ = "audit_cosignatures"
    __table_args__ = (UniqueConstraint("checkpoint_id", "witness_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("audit_checkpoints.id"), index=True)
    witness_name: Mapped[str] = mapped_column(String(200))
    witness_key_id: Mapped[str] = mapped_column(String(8))  # hex of the 4-byte note key id
    cosigned_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the witness's own timestamp
    signature_line: Mapped[str] = mapped_column(Text)  # "— <name> <base64>" as the witness wrote it
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_by: Mapped[str] = mapped_column(String(100))
