"""Audit pages for auditors and administrators: the log with filters, one event with its proof,
the signed checkpoints with their witnesses, the public key, and the alert raised when the signer
refused a rewritten log (read from the alert file beside the key, which the database cannot hide)."""

from __future__ import annotations

import json
from datetime import date
from typing import Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.requests import Request

from smecredit.audit import checkpoints as cps
from smecredit.audit.cosignatures import accept_cosigned_note, cosignatures_by_checkpoint, witness_overview
from smecredit.audit.keystore import read_alert
from smecredit.audit.proofs import prove
from smecredit.audit import catalogue
from smecredit.audit.catalogue import catalogue_items, label_of
from smecredit.audit.events import EventsExported
from smecredit.audit.log import record
from smecredit.audit.service import (
    count_events,
    event_conditions,
    get_event,
    iter_events,
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
from smecredit.kernel.clock import to_local, utcnow
from smecredit.kernel.db import new_session
from smecredit.kernel.errors import Conflict, DomainError, Invalid, NotFound
from smecredit.kernel.text import Text
from smecredit.web.deps import Allow, REQUEST_DB
from smecredit.web.i18n import pick, request_lang
from smecredit.web.lists import Cell, Column, Filter, ListPage, ListSpec, ListState, Option, export_response, state_from
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


# -- the log as a list (web/lists.py) -----------------------------------------------------------------


def _role_text(value: str) -> Text:
    try:
        role = Role(value)
    except ValueError:
        return Text("系统", "System") if value == "system" else Text(value, value)
    return Text(role.label("zh"), role.label("en"))


def _action_cell(e, lang: str) -> Cell:
    """The action's name for people, with the raw code kept small for auditors."""
    return Cell(label_of(e.action).pick(lang), note=e.action, note_mono=True)


def _actor_cell(e, lang: str) -> Cell:
    return Cell(e.actor, href="/audit?" + urlencode({"actor": e.actor}))


def entity_label(entity_type: str, entity_id: str, lang: str) -> str:
    return f"{catalogue.entity_label(entity_type).pick(lang)} {entity_id}"


def _entity_cell(e, lang: str) -> Cell:
    return Cell(entity_label(e.entity_type, e.entity_id, lang),
                href="/audit?" + urlencode({"entity_type": e.entity_type, "entity_id": e.entity_id}))


def _action_options() -> tuple[Option, ...]:
    return tuple(Option(action, kind.label) for action, kind in catalogue_items())


def _entity_type_options() -> tuple[Option, ...]:
    types = sorted({kind.entity_type for _, kind in catalogue_items()})
    return tuple(Option(t, catalogue.entity_label(t)) for t in types)


EXPORT_TEXT_LIMIT = 32_000  # a spreadsheet cell holds at most 32,767 characters

SPEC = ListSpec(
    name="audit",
    title=Text("审计日志", "Audit log"),
    testid="audit-table",
    empty_testid="audit-empty",
    row_data=("seq", lambda e: e.seq),
    table_class="table-audit",
    columns=(
        Column("seq", Text("序号", "#"), lambda e: e.seq, sort="seq", nowrap=True,
               cell=lambda e, lang: Cell(str(e.seq), href=f"/audit/events/{e.seq}", testid="event-link")),
        Column("time", Text("时间", "Time"), lambda e: e.recorded_at, nowrap=True,
               cell=lambda e, lang: to_local(e.recorded_at).strftime("%Y-%m-%d %H:%M:%S")),
        Column("actor", Text("人员", "Actor"), lambda e: e.actor, cell=_actor_cell),
        Column("actor_id", Text("人员编号", "Actor id"), lambda e: e.actor_id, page=False),
        Column("role", Text("岗位", "Role"), lambda e: _role_text(e.role), wide=True, nowrap=True),
        Column("action", Text("动作", "Action"), lambda e: label_of(e.action), primary=True, cell=_action_cell, nowrap=True),
        Column("action_code", Text("动作代码", "Action code"), lambda e: e.action, page=False),
        Column("entity", Text("对象", "Entity"), lambda e: f"{e.entity_type} {e.entity_id}", cell=_entity_cell,
               export=False),
        Column("entity_type", Text("对象类型", "Entity type"), lambda e: e.entity_type, page=False),
        Column("entity_id", Text("对象编号", "Entity id"), lambda e: e.entity_id, page=False),
        Column("payload", Text("内容", "Payload"), lambda e: e.payload[:EXPORT_TEXT_LIMIT], wide=True, card_wide=True,
               css="payload-cell",
               cell=lambda e, lang: Cell(payload_summary(e))),
        Column("payload_sha256", Text("内容哈希", "Payload SHA-256"), lambda e: e.payload_sha256, page=False),
        Column("leaf_hash", Text("叶哈希", "Leaf hash"), lambda e: e.leaf_hash, page=False),
    ),
    sorts={"seq": "desc"},
    default_sort="seq",
    filters=(
        Filter("actor", Text("人员", "Actor"), kind="text", placeholder=Text("用户名，* 为前缀", "user name, * = prefix")),
        Filter("action", Text("动作", "Action"), kind="text", options=_action_options(),
               placeholder=Text("如 user.create 或 user.*", "e.g. user.create or user.*")),
        Filter("entity_type", Text("对象类型", "Entity type"), kind="text", options=_entity_type_options(),
               placeholder=Text("如 user", "e.g. user")),
        Filter("entity_id", Text("对象编号", "Entity id"), kind="text"),
        Filter("date_from", Text("开始日期", "From"), kind="date"),
        Filter("date_to", Text("结束日期", "To"), kind="date"),
    ),
    page_size=PAGE_SIZE,
    export_path="/audit/export",
    empty=Text("没有符合条件的记录", "No events match"),
)


def _search_args(state: ListState) -> dict:
    """The search's arguments from the list's filters (`Invalid` naming a bad date)."""
    f = state.filters
    day_from = _parse_day(f.get("date_from", ""), "date_from")
    day_to = _parse_day(f.get("date_to", ""), "date_to")
    if day_from and day_to and day_to < day_from:
        raise Invalid("invalid_range", Text("结束日期早于开始日期", "The end date is before the start date"), "date_to")
    return {"actor": f.get("actor"), "entity_type": f.get("entity_type"), "entity_id": f.get("entity_id"),
            "action": f.get("action"), "since": local_day_start(day_from) if day_from else None,
            "until": local_day_end(day_to) if day_to else None}


@router.get("/audit")
def audit_log(request: Request, user: User = Depends(auditors), db: Session = REQUEST_DB):
    lang = request_lang(request)
    state = state_from(request, SPEC)
    view = ListPage(SPEC, state, [], 0, lang, "/audit")
    try:
        args = _search_args(state)
    except DomainError as error:
        view.message, view.error_field = error.text(lang), error.field
    else:
        result = search_events(db, **args, page=state.page, page_size=PAGE_SIZE, ascending=state.sort.startswith("-"))
        view.rows, view.total = result.items, result.total
    return render(request, "audit/events.html", {"view": view, "audit_alert": audit_alert(lang)},
                  status_code=400 if view.message else 200)


@router.get("/audit/export.{fmt}")
def export_log(request: Request, fmt: Literal["xlsx", "csv"], user: User = Depends(auditors), db: Session = REQUEST_DB):
    """The events as filtered and sorted, streamed. Exporting them is recorded in the log: the rows
    carry personal information (staff user names, sign-in addresses)."""
    state = state_from(request, SPEC)
    args = _search_args(state)
    total = count_events(db, event_conditions(**args))
    rows = min(total, SPEC.export_cap)
    record(db, actor_of(user), EventsExported(entity_id="events", format=fmt, filters=dict(state.filters),
                                              rows=rows, total=total))
    ascending = state.sort.startswith("-")

    def events():
        with new_session() as session:  # the request's session has ended by the time the body is written
            yield from iter_events(session, event_conditions(**args), ascending=ascending, limit=SPEC.export_cap)

    return export_response(SPEC, fmt=fmt, lang=request_lang(request), rows=events, total=total, when=utcnow())


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
        "action_label": label_of(event.action),
        "entity": entity_label(event.entity_type, event.entity_id, lang),
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
