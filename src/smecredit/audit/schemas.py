"""API shapes for the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from smecredit.audit.models import AuditCheckpoint, AuditEvent
from smecredit.audit.service import payload_object


class AuditEventOut(BaseModel):
    seq: int = Field(description="序号，即叶序号 + 1 / leaf index + 1")
    recorded_at: datetime
    actor: str
    actor_id: int | None
    role: str
    action: str
    entity_type: str
    entity_id: str
    payload: Any = Field(description="RFC 8785 规范 JSON 解析后的内容 / the canonical JSON payload, parsed")
    payload_canonical: str = Field(description="存储的规范 JSON 原文 / the stored canonical JSON text")
    payload_sha256: str
    leaf_hash: str


class CheckpointOut(BaseModel):
    id: int
    tree_size: int
    root_hash: str
    created_at: datetime
    key_id: str
    signature: str = Field(description="Base64 Ed25519 签名 / signature over the note text")
    note: str | None = Field(None, description="C2SP 签名注记 / the checkpoint as a C2SP signed note (None: legacy)")
    witnesses: list[str] = Field(default_factory=list, description="副署的见证人 / witnesses that cosigned it")


class CheckpointRef(BaseModel):
    id: int
    tree_size: int
    root_hash: str
    timestamp: str
    key_id: str
    signature: str
    signed_message: str
    note: str | None = None


class InclusionProofOut(BaseModel):
    log: str
    seq: int
    leaf_index: int
    leaf_hash: str
    stored_leaf_hash_matches: bool
    event: dict[str, Any]
    tree_size: int
    root_hash: str
    proof: list[str] = Field(description="RFC 9162 §2.1.3 审计路径，自叶向根 / audit path, leaf to root")
    checkpoint: CheckpointRef
    signature: str
    key_id: str
    public_key_pem: str
    log_vkey: str
    inclusion_verified: bool
    signature_verified: bool
    verified: bool


class PublicKeyOut(BaseModel):
    algorithm: str = "Ed25519"
    log: str
    key_id: str = Field(description="原始 32 字节公钥的 SHA-256 / hex SHA-256 of the raw public key")
    public_key_pem: str
    log_vkey: str = Field(description="C2SP 验证密钥 / the log's C2SP verifier key (origin+keyid+key)")


def event_out(event: AuditEvent) -> AuditEventOut:
    return AuditEventOut(
        seq=event.seq, recorded_at=event.recorded_at, actor=event.actor, actor_id=event.actor_id,
        role=event.role, action=event.action, entity_type=event.entity_type, entity_id=event.entity_id,
        payload=payload_object(event), payload_canonical=event.payload, payload_sha256=event.payload_sha256,
        leaf_hash=event.leaf_hash,
    )


def checkpoint_out(checkpoint: AuditCheckpoint, witnesses: list[str] | None = None) -> CheckpointOut:
    return CheckpointOut(
        id=checkpoint.id, tree_size=checkpoint.tree_size, root_hash=checkpoint.root_hash,
        created_at=checkpoint.created_at, key_id=checkpoint.key_id, signature=checkpoint.signature,
        note=checkpoint.note, witnesses=witnesses or [],
    )
