"""Audit pages for auditors and administrators: the log with filters, one event with its proof,
the signed checkpoints with their witnesses, the public key, and the alert raised when the signer
refused a rewritten log (read from the alert file beside the key, which the database cannot hide)."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.requests import Request

from smecredit.audit import checkpoints as cps
from smecredit.audit.cosignatures import accept_cosigned_note, cosignatures_by_checkpoint, witness_overview
from smecredit.audit.keystore import read_alert
from smecredit.audit.proofs import prove
from smecredit.audit.service import (
    get_event,
    local_day_end,
    local_day_start,
    payload_object,
    payload_summary,
    search_events,
)
from smecredit.identity.models import User
from smecredit.identity.permissions import AUDIT_CHECKPOINT, AUDIT_READ
from smecredit.identity.roles import Role
from smecredit.identity.service import actor_of
from smecredit.kernel.errors import Conflict, DomainError, Invalid, NotFound
from smecredit.kernel.text import Text
from smecredit.web.deps import Allow, REQUEST_DB
from smecredit.web.i18n import pick, request_lang
from smecredit.web.params import EventSeq
from smecredit.web.security import csrf_protect
from smecredit.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
auditors = Allow(AUDIT_READ)
signers = Allow(AUDIT_CHECKPOINT)

PAGE_SIZE = 50


def role_label(value: str, lang: str) -> str:
    try:
        return Role(value).label(lang)
    except ValueError:
        return pick(lang, "系统", "System") if value == "system" else value


def _parse_day(value: str, field: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("invalid_date", Text("日期格式须为 YYYY-MM-DD", "Dates must be YYYY-MM-DD"), field) from None


def audit_alert(lang: str) -> dict | None:
    """The signer's alert for the pages (None when all is well)."""
    alert = read_alert()
    if alert is None:
        return None
    message = alert.get("message") if isinstance(alert.get("message"), dict) else {}
    return {"code": alert.get("code"), "text": pick(lang, str(message.get("zh", "")), str(message.get("en", ""))),
            "first_seen": alert.get("first_seen"), "last_seen": alert.get("last_seen"), "count": alert.get("count", 1)}


def _page_number(value: str) -> int:
    try:
        return max(1, int(value))
    except ValueError:
        return 1


@router.get("/audit")
def audit_log(
    request: Request,
    actor: str = "",
    entity_type: str = "",
    entity_id: str = "",
    action: str = "",
    date_from: str = "",
    date_to: str = "",
    page: str = "1",
    user: User = Depends(auditors),
    db: Session = REQUEST_DB,
):
    lang = request_lang(request)
    filters = {"actor": actor, "entity_type": entity_type, "entity_id": entity_id, "action": action,
               "date_from": date_from, "date_to": date_to}
    message = None
    error_field = None
    result = None
    try:
        day_from = _parse_day(date_from, "date_from")
        day_to = _parse_day(date_to, "date_to")
        if day_from and day_to and day_to < day_from:
            raise Invalid("invalid_range", Text("结束日期早于开始日期", "The end date is before the start date"), "date_to")
        result = search_events(
            db, actor=actor, entity_type=entity_type, entity_id=entity_id, action=action,
            since=local_day_start(day_from) if day_from else None,
            until=local_day_end(day_to) if day_to else None,
            page=_page_number(page), page_size=PAGE_SIZE,
        )
    except DomainError as error:
        message, error_field = error.text(lang), error.field
    active = {k: v.strip() for k, v in filters.items() if v.strip()}

    def page_url(number: int) -> str:
        return "/audit?" + urlencode({**active, "page": number})

    return render(request, "audit/events.html", {
        "filters": filters,
        "filtered": bool(active),
        "result": result,
        "page_url": page_url,
        "message": message,
        "error_field": error_field,
        "summary": payload_summary,
        "role_label": lambda value: role_label(value, lang),
        "audit_alert": audit_alert(lang),
    }, status_code=400 if message else 200)


@router.get("/audit/events/{seq}")
def audit_event(request: Request, seq: EventSeq, user: User = Depends(auditors), db: Session = REQUEST_DB):
    lang = request_lang(request)
    event = get_event(db, seq)
    proof = None
    proof_message = None
    try:
        proof = prove(db, seq)
    except DomainError as error:
        proof_message = error.text(lang)

    return render(request, "audit/event_detail.html", {
        "event": event,
        "payload_pretty": json.dumps(payload_object(event), ensure_ascii=False, indent=2, sort_keys=True),
        "proof": proof,
        "proof_message": proof_message,
        "role_label": lambda value: role_label(value, lang),
        "audit_alert": audit_alert(lang),
    })


def _checkpoints_page(request: Request, db: Session, number: int, *, cosign_text: str = "", cosign_error: str | None = None):
    lang = request_lang(request)
    rows = cps.list_checkpoints(db, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    shown = rows[:PAGE_SIZE]
    key = cps.load_or_create_signing_key()
    try:
        witnesses, witness_error = witness_overview(db), None
    except DomainError as error:
        witnesses, witness_error = [], error.text(lang)
    return render(request, "audit/checkpoints.html", {
        "checkpoints": shown,
        "cosigned": cosignatures_by_checkpoint(db, [c.id for c in shown]),
        "page": number,
        "has_next": len(rows) > PAGE_SIZE,
        "key_id": cps.key_id(key),
        "log_vkey": cps.log_vkey(),
        "witnesses": witnesses,
        "witness_error": witness_error,
        "cosign_text": cosign_text,
        "cosign_error": cosign_error,
        "audit_alert": audit_alert(lang),
    }, status_code=400 if cosign_error else 200)


@router.get("/audit/checkpoints")
def checkpoints_page(request: Request, page: str = "1", user: User = Depends(auditors), db: Session = REQUEST_DB):
    return _checkpoints_page(request, db, _page_number(page))


@router.post("/audit/checkpoints")
def make_checkpoint(request: Request, user: User = Depends(signers), db: Session = REQUEST_DB):
    cps.create_checkpoint(db, actor=actor_of(user))
    return RedirectResponse("/audit/checkpoints?notice=created", status_code=303)


@router.post("/audit/cosignatures")
def import_cosignature(request: Request, cosigned_note: str = Form("", max_length=8192),
                       user: User = Depends(signers), db: Session = REQUEST_DB):
    """An administrator or auditor pastes the cosigned note a witness handed over as a file."""
    text = cosigned_note.replace("\r\n", "\n")
    if text and not text.endswith("\n"):
        text += "\n"
    try:
        accept_cosigned_note(db, actor_of(user), text)
    except (Invalid, NotFound, Conflict) as error:
        return _checkpoints_page(request, db, 1, cosign_text=cosigned_note, cosign_error=error.text(request_lang(request)))
    return RedirectResponse("/audit/checkpoints?notice=cosigned", status_code=303)


@router.get("/audit/public-key.pem")
def public_key_file(user: User = Depends(auditors)):
    pem = cps.public_key_pem()
    return Response(pem, media_type="application/x-pem-file", headers={
        "Content-Disposition": 'attachment; filename="smecredit-audit-ed25519.pub.pem"',
    })
