"""Audit API for auditors and administrators: events with filters, proofs, checkpoints, the key,
and the witness protocol (the latest checkpoint as a signed note, consistency proofs, cosignatures).

Who may call the witness endpoints: bearer tokens of auditors and administrators, like the rest of
the audit API. An outside witness (internal audit, a regulator, a second data centre) is given an
auditor account, which reads but changes nothing. A cosignature it posts is kept only if it verifies
under a witness key configured on the platform, so a token alone cannot speak for a witness.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.audit import checkpoints as cps
from smecredit.audit.cosignatures import accept_cosigned_note
from smecredit.audit.models import AuditCheckpoint
from smecredit.audit.proofs import consistency, prove
from smecredit.audit.schemas import (
    AuditEventOut,
    CheckpointOut,
    InclusionProofOut,
    PublicKeyOut,
    checkpoint_out,
    event_out,
)
from smecredit.audit.service import search_events
from smecredit.identity.models import User
from smecredit.identity.permissions import AUDIT_CHECKPOINT, AUDIT_READ
from smecredit.identity.service import actor_of
from smecredit.kernel.errors import NotFound
from smecredit.kernel.text import Text
from smecredit.web.pagination import Page, Paging
from smecredit.web.deps import Allow, REQUEST_DB
from smecredit.web.params import EventSeq

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
auditors = Allow(AUDIT_READ, api=True)
signers = Allow(AUDIT_CHECKPOINT, api=True)

TIME_HELP = "ISO 8601；不带时区时按本地时间（Asia/Shanghai） / without an offset: local time"


@router.get("/events", response_model=Page[AuditEventOut], summary="Search the audit log (newest first)")
def list_events(
    paging: Paging,
    actor: str | None = Query(None, max_length=100, description="用户名；结尾 * 为前缀匹配 / user name; trailing * = prefix"),
    entity_type: str | None = Query(None, max_length=60),
    entity_id: str | None = Query(None, max_length=100),
    action: str | None = Query(None, max_length=80, description="动作；结尾 * 为前缀匹配 / action; trailing * = prefix"),
    since: datetime | None = Query(None, description="起（含） / from, inclusive. " + TIME_HELP),
    until: datetime | None = Query(None, description="止（不含） / until, exclusive. " + TIME_HELP),
    user: User = Depends(auditors),
    db: Session = REQUEST_DB,
):
    found = search_events(db, actor=actor, entity_type=entity_type, entity_id=entity_id, action=action,
                          since=since, until=until, page_size=paging.limit, offset=paging.offset)
    return Page(total=found.total, items=[event_out(e) for e in found.items])


@router.get("/events/{seq}/proof", response_model=InclusionProofOut,
            summary="Inclusion proof of one event against the latest signed checkpoint (RFC 9162)")
def event_proof(seq: EventSeq, user: User = Depends(auditors), db: Session = REQUEST_DB):
    return prove(db, seq)


@router.get("/checkpoints", response_model=Page[CheckpointOut], summary="Signed checkpoints, newest first")
def list_checkpoints(paging: Paging, user: User = Depends(auditors), db: Session = REQUEST_DB):
    from smecredit.audit.cosignatures import cosignatures_by_checkpoint

    rows = cps.list_checkpoints(db, limit=paging.limit, offset=paging.offset)
    cosigned = cosignatures_by_checkpoint(db, [c.id for c in rows])
    return Page(total=cps.count_checkpoints(db),
                items=[checkpoint_out(c, [w.witness_name for w in cosigned.get(c.id, [])]) for c in rows])


@router.get("/public-key", response_model=PublicKeyOut, summary="The Ed25519 public key that signs checkpoints")
def public_key(user: User = Depends(auditors)):
    key = cps.load_or_create_signing_key()
    return PublicKeyOut(log=cps.origin(), key_id=cps.key_id(key), public_key_pem=cps.public_key_pem(key),
                        log_vkey=cps.log_vkey())


# --- the witness protocol --------------------------------------------------------------------------

class ConsistencyOut(BaseModel):
    old_size: int
    new_size: int
    new_root_hash: str
    checkpoint_id: int
    proof: list[str] = Field(description="RFC 9162 §2.1.4 一致性证明，十六进制 / consistency proof, hex")


class CosignatureIn(BaseModel):
    cosigned_note: str = Field(max_length=8192, description="检查点签名注记加上见证人的副署行 / the checkpoint note with the witness's signature line")


class CosignatureOut(BaseModel):
    checkpoint_id: int
    witness_name: str
    cosigned_at: datetime
    received_by: str


@router.get("/witness/checkpoint", response_class=PlainTextResponse,
            summary="The newest checkpoint as a C2SP signed note (text/plain)")
def witness_checkpoint(user: User = Depends(auditors), db: Session = REQUEST_DB):
    row = db.execute(select(AuditCheckpoint).where(AuditCheckpoint.note.is_not(None))
                     .order_by(AuditCheckpoint.id.desc()).limit(1)).scalar_one_or_none()
    if row is None:
        raise NotFound("no_checkpoint", Text("还没有签名检查点", "No signed checkpoint yet"))
    return PlainTextResponse(row.note, media_type="text/plain; charset=utf-8")


@router.get("/witness/consistency", response_model=ConsistencyOut,
            summary="Consistency proof between two tree sizes (new = a checkpoint's size)")
def witness_consistency(old: int = Query(..., ge=1, le=2**62), new: int = Query(..., ge=1, le=2**62),
                        user: User = Depends(auditors), db: Session = REQUEST_DB):
    return consistency(db, old, new)


@router.post("/witness/cosignatures", response_model=list[CosignatureOut],
             summary="Deliver a witness's cosignature (C2SP tlog-cosignature) of a checkpoint")
def witness_cosignature(body: CosignatureIn, user: User = Depends(signers), db: Session = REQUEST_DB):
    kept = accept_cosigned_note(db, actor_of(user), body.cosigned_note)
    return [CosignatureOut(checkpoint_id=c.checkpoint_id, witness_name=c.witness_name, cosigned_at=c.cosigned_at,
                           received_by=c.received_by) for c in kept]
