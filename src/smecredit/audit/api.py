"""Audit API for auditors and administrators: events with filters, proofs, checkpoints, the key."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from smecredit.audit import checkpoints as cps
from smecredit.audit.proofs import prove
from smecredit.audit.schemas import (
    AuditEventPage,
    CheckpointOut,
    InclusionProofOut,
    PublicKeyOut,
    checkpoint_out,
    event_out,
)
from smecredit.audit.service import MAX_PAGE_SIZE, search_events
from smecredit.identity.models import User
from smecredit.identity.permissions import AUDIT_READ
from smecredit.web.deps import Allow, REQUEST_DB
from smecredit.web.openapi import errors
from smecredit.web.params import EventSeq

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=errors(401, 403, 404, 422))
auditors = Allow(AUDIT_READ, api=True)

TIME_HELP = "ISO 8601；不带时区时按本地时间（Asia/Shanghai） / without an offset: local time"


@router.get("/events", response_model=AuditEventPage, summary="Search the audit log (newest first)")
def list_events(
    actor: str | None = Query(None, max_length=100, description="用户名；结尾 * 为前缀匹配 / user name; trailing * = prefix"),
    entity_type: str | None = Query(None, max_length=60),
    entity_id: str | None = Query(None, max_length=100),
    action: str | None = Query(None, max_length=80, description="动作；结尾 * 为前缀匹配 / action; trailing * = prefix"),
    since: datetime | None = Query(None, description="起（含） / from, inclusive. " + TIME_HELP),
    until: datetime | None = Query(None, description="止（不含） / until, exclusive. " + TIME_HELP),
    page: int = Query(1, ge=1),
    page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE),
    user: User = Depends(auditors),
    db: Session = REQUEST_DB,
):
    found = search_events(db, actor=actor, entity_type=entity_type, entity_id=entity_id, action=action,
                          since=since, until=until, page=page, page_size=page_size)
    return AuditEventPage(items=[event_out(e) for e in found.items], total=found.total, page=found.page,
                          page_size=found.page_size, pages=found.pages)


@router.get("/events/{seq}/proof", response_model=InclusionProofOut,
            summary="Inclusion proof of one event against the latest signed checkpoint (RFC 9162)")
def event_proof(seq: EventSeq, user: User = Depends(auditors), db: Session = REQUEST_DB):
    return prove(db, seq)


@router.get("/checkpoints", response_model=list[CheckpointOut], summary="Signed checkpoints, newest first")
def list_checkpoints(
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    user: User = Depends(auditors),
    db: Session = REQUEST_DB,
):
    return [checkpoint_out(c) for c in cps.list_checkpoints(db, limit=limit, offset=offset)]


@router.get("/public-key", response_model=PublicKeyOut, summary="The Ed25519 public key that signs checkpoints")
def public_key(user: User = Depends(auditors)):
    key = cps.load_or_create_signing_key()
    return PublicKeyOut(log=cps.LOG_ID, key_id=cps.key_id(key), public_key_pem=cps.public_key_pem(key))
