"""Stage 1 pages: applicants register their enterprise (prefilled from the registry), authorise data
enquiries and see the data held about them; staff search their portfolio, take enterprises from
the queue, confirm ownership, register on behalf, and work on one enterprise (facts, people with
audited reveal, counterparties, authorisations, data sources, profile).

Access to the enterprise is declared by the route's dependency (`PAGES.viewing`, `PAGES.editing`,
…); nothing here re-checks it. Every use case's error is shown in the section the user was in.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request

from smecredit.enterprises import (
    consent,
    counterparties,
    data,
    enterprise_list,
    listing,
    mappings,
    people,
    profile,
    registration,
    rules,
    schemas,
    snapshot_tables,
    summary,
)
from smecredit.enterprises.access import Action
from smecredit.enterprises.connectors import MalformedContent, SourceKind
from smecredit.enterprises.connectors import load as load_record
from smecredit.enterprises.connectors.models import BankStatement
from smecredit.enterprises.connectors.registry import STATUS_LABELS
from smecredit.enterprises.deps import PAGES
from smecredit.enterprises.models import CreditProfile, DataSnapshot, Enterprise
from smecredit.enterprises.records import enterprises_of, may
from smecredit.enterprises.snapshots import snapshot_of, snapshots_of
from smecredit.enterprises.stage import STAGE
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.identity.service import actor_of
from smecredit.kernel.clock import utcnow
from smecredit.kernel.db import new_session
from smecredit.kernel.errors import DomainError, Forbidden, Invalid, NotFound
from smecredit.kernel.text import Text
from smecredit.standards import sme_size
from smecredit.web import forms, lists
from smecredit.web.deps import REQUEST_DB
from smecredit.web.i18n import request_lang
from smecredit.web.params import EntityId
from smecredit.web.security import csrf_protect
from smecredit.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
templates.env.globals["kind_labels"] = {k.value: Text(k.label_zh, k.label_en) for k in SourceKind}

PROVIDER_LABELS = {
    "sandbox": Text("演示沙箱", "Sandbox"),
    "file": Text("文件导入", "File import"),
}


def provider_label(code: str) -> Text:
    """A provider's name for people (a bank's own adapter names itself)."""
    return PROVIDER_LABELS.get(code, Text(code, code))


templates.env.globals["provider_label"] = provider_label


def trigger_label(trigger: str) -> Text:
    """Why a profile version was computed: manual, pull_all, pull:<kind>, upload:<kind>."""
    kind, _, source = (trigger or "").partition(":")
    try:
        label = SourceKind(source) if source else None
    except ValueError:
        label = None
    if kind == "manual":
        return Text("手动重新计算", "Recomputed by hand")
    if kind == "pull_all":
        return Text("全部采集后", "After pulling every source")
    if kind == "pull" and label is not None:
        return Text(f"采集{label.label_zh}后", f"After pulling {label.label_en.lower()}")
    if kind == "upload" and label is not None:
        return Text(f"导入{label.label_zh}后", f"After importing {label.label_en.lower()}")
    return Text(trigger, trigger)


templates.env.globals["trigger_label"] = trigger_label
templates.env.globals["figure_text"] = summary.figure_text


def registry_status(code: str) -> Text:
    """存续（在业）, 吊销 … for a registry status code."""
    found = STATUS_LABELS.get(code)
    return Text(*found) if found else Text(code, code)


templates.env.globals["registry_status"] = registry_status

ORIGIN_LABELS = {
    "provider": Text("机构采集", "Pulled by the lender"),
    "applicant_upload": Text("企业上传", "Uploaded by the applicant"),
    "staff_upload": Text("客户经理上传", "Uploaded by staff"),
}
AUTH_STATUS = {"valid": Text("有效", "In force"), "expired": Text("已过期", "Expired"), "withdrawn": Text("已撤回", "Withdrawn")}
PAGE_SIZE = 50


def _party(form, prefix: str) -> dict[str, Any] | None:
    found = {k: form.get(f"{prefix}.{k}") for k in ("name", "id_number", "phone", "address")}
    found = {k: (v.strip() if isinstance(v, str) and v.strip() else None) for k, v in found.items()}
    return found if any(found.values()) else None


# --- applicant home and staff list -------------------------------------------------------------------


@router.get("/my/enterprises")
def my_enterprises(request: Request, user: User = Depends(PAGES.mine), db: Session = REQUEST_DB):
    from smecredit.enterprises.models import EnterpriseClaim
    from sqlalchemy import select

    claims = list(db.execute(select(EnterpriseClaim).where(EnterpriseClaim.user_id == user.id)
                             .order_by(EnterpriseClaim.id.desc())).scalars())
    return render(request, "enterprises/mine.html", {"enterprises": enterprises_of(db, user=user),
                                                     "claims": claims, "ownership_labels": rules.OWNERSHIP_LABELS})


@router.get("/enterprises")
def search(request: Request, filters: listing.Filters = Depends(listing.filters_from_query),
           user: User = Depends(PAGES.list), db: Session = REQUEST_DB):
    spec = enterprise_list.SPEC
    state = lists.state_from(request, spec, sort=filters.sort, filters=filters.active())
    total = listing.count(db, user=user, filters=filters)
    pages = max(1, -(-total // spec.page_size))
    if state.page > pages:
        state = replace(state, page=pages)
    found = listing.search(db, user=user, filters=filters, limit=spec.page_size, offset=(state.page - 1) * spec.page_size)
    officers = registration.officers(db)
    is_officer = Role.LOAN_OFFICER in user.roles
    view = lists.ListPage(spec, state, enterprise_list.rows_of(found.items, enterprise_list.officer_names(officers)),
                          found.total, request_lang(request), "/enterprises",
                          options={"officer": enterprise_list.officer_options(officers, is_officer=is_officer)})
    return render(request, "enterprises/list.html", {"view": view, "can_register": is_officer})


@router.get("/enterprises/export.{fmt}")
def export(request: Request, fmt: Literal["xlsx", "csv"], filters: listing.Filters = Depends(listing.filters_from_query),
           user: User = Depends(PAGES.list), db: Session = REQUEST_DB):
    """The list as filtered and sorted, streamed. Not audited: it holds no personal information
    (see `enterprise_list`)."""
    spec = enterprise_list.SPEC
    total = listing.count(db, user=user, filters=filters)
    names = enterprise_list.officer_names(registration.officers(db))
    user_id = user.id

    def rows():
        with new_session() as session:  # the request's session has ended by the time the body is written
            viewer = session.get(User, user_id)
            for e in listing.iterate(session, user=viewer, filters=filters, cap=spec.export_cap):
                yield enterprise_list.row_of(e, names)

    return lists.export_response(spec, fmt=fmt, lang=request_lang(request), rows=rows, total=total, when=utcnow())


# --- registration -------------------------------------------------------------------------------------


# The form fields of the 划型 indicators (standards/sme_size.py: X employees, Y revenue, Z assets).
SIZE_FIELDS = {sme_size.EMPLOYEES: "employees", sme_size.REVENUE: "revenue_wan", sme_size.ASSETS: "assets_wan"}
#: Fields a form requires whatever the industry (the service needs them to store an enterprise).
ALWAYS_REQUIRED = ("employees", "revenue_wan")


def required_by_industry() -> dict[str, list[str]]:
    """For each industry, the form fields its row of the 2011 table needs (as the page's data)."""
    return {ind.value: [SIZE_FIELDS[k] for k in sme_size.indicators_for(ind)] for ind in sme_size.Industry}


def industry_hints(lang: str) -> dict[str, str]:
    """"建筑业划型需要：营业收入、资产总额" for each industry, in the page's language."""
    out = {}
    for ind in sme_size.Industry:
        used = sme_size.indicators_for(ind)
        if lang == "en":
            out[ind.value] = f"{ind.en} is classified by " + ", ".join(sme_size.INDICATOR_LABELS[k][1] for k in used)
        else:
            out[ind.value] = f"{ind.zh}划型需要：" + "、".join(sme_size.INDICATOR_LABELS[k][0] for k in used)
    return out


def _size_form_ctx(lang: str, industry: str | None) -> dict[str, Any]:
    table = required_by_industry()
    needed = set(table.get(industry or "", [])) | set(ALWAYS_REQUIRED)
    return {"required_by_industry": table, "industry_hints": industry_hints(lang),
            "size_required": {name: name in needed for name in SIZE_FIELDS.values()}}


def _form_ctx(user: User, form: dict | None = None, lang: str = "zh") -> dict[str, Any]:
    form = form or {}
    industry = form.get("industry") or next(iter(sme_size.Industry)).value
    return {"form": form, "industries": list(sme_size.Industry), "on_behalf": Role.LOAN_OFFICER in user.roles,
            **_size_form_ctx(lang, industry)}


@router.get("/enterprises/new")
def new_form(request: Request, user: User = Depends(PAGES.register)):
    return render(request, "enterprises/form.html", _form_ctx(user, lang=request_lang(request)))


@router.get("/enterprises/check-uscc")
def check_uscc(request: Request, uscc: str = "", user: User = Depends(PAGES.view), db: Session = REQUEST_DB):
    """htmx: says which check of the code failed, or (staff) that it is registered."""
    result = registration.check_code(db, uscc[:40], user=user) if uscc.strip() else None
    return render(request, "enterprises/_uscc_check.html", {"check": result})


@router.get("/enterprises/prefill")
def prefill(request: Request, uscc: str = "", user: User = Depends(PAGES.register)):
    """htmx: the registry's public facts for the code, to fill the form (the applicant confirms)."""
    try:
        found = registration.prefill(uscc[:40])
    except DomainError as error:
        return render(request, "enterprises/_prefill.html", {"found": None, "message": error.text(request_lang(request))})
    return render(request, "enterprises/_prefill.html", {"found": found})


@router.post("/enterprises")
async def register(request: Request, user: User = Depends(PAGES.register), db: Session = REQUEST_DB):
    form = await request.form()
    flat = {k: v for k, v in form.items() if isinstance(v, str)}
    found = forms.values(form, "uscc", "name", "industry", "address", "founded_on", "employees", "revenue_wan",
                         "assets_wan", "registered_capital_wan", "applicant_username")
    found["legal_rep"] = _party(form, "legal_rep") or {}
    controller = _party(form, "controller")
    if controller and form.get("controller_same") != "on":
        found["controller"] = controller
    contact = _party(form, "contact")
    if contact:
        found["contact"] = {k: v for k, v in contact.items() if k != "id_number"}
    try:
        errors = []
        for key, label in (("uscc", Text("统一社会信用代码", "Unified social credit code")), ("name", Text("名称", "Name")),
                           ("industry", Text("行业", "Industry"))):
            if not found.get(key):
                errors.append({"field": key, "code": "required",
                               "message": {"zh": f"请填写{label.zh}", "en": f"{label.en} is required"}})
        if errors:
            raise Invalid("required", Text(errors[0]["message"]["zh"], errors[0]["message"]["en"]), errors[0]["field"],
                          {"errors": errors})
        done = registration.register(db, user=user, data=forms.build(schemas.EnterpriseCreate, found))
    except DomainError as error:
        if isinstance(error, Forbidden):
            raise
        ctx, status = forms.failed(request, db, error)
        return render(request, "enterprises/form.html", {**_form_ctx(user, flat, request_lang(request)), **ctx},
                      status_code=status)
    if done.enterprise is None:
        return RedirectResponse("/my/enterprises?notice=claimed", status_code=303)
    return RedirectResponse(f"/enterprises/{done.enterprise.id}?notice=registered", status_code=303)


# --- one enterprise ---------------------------------------------------------------------------------------


def _detail_ctx(db: Session, user: User, enterprise: Enterprise, lang: str) -> dict[str, Any]:
    history = profile.profiles_of(db, enterprise_id=enterprise.id)  # newest version first
    snapshots = snapshots_of(db, enterprise_id=enterprise.id)
    authorisations = consent.authorisations_of(db, enterprise_id=enterprise.id)
    officer = db.get(User, enterprise.officer_id) if enterprise.officer_id else None
    return {
        "e": enterprise,
        "industry": sme_size.Industry(enterprise.industry),
        "size": sme_size.SizeClass(enterprise.size_class),
        "persons": [(p, people.masked(p)) for p in enterprise.persons],
        "counterparties": list(enterprise.counterparties),
        "snapshots": snapshots,
        "snap_by_id": {s.id: s for s in snapshots},
        "kinds": list(SourceKind),
        "profile": history[0] if history else None,
        "history": history,
        "discrepancies": profile.discrepancies_of(history[0] if history else None),
        "format_value": lambda f: profile.format_value(f, lang),
        "missing_reason": profile.missing_reason,
        "rule_of": lambda f: profile.rule_of(f, lang),
        "authorisation": consent.current(db, enterprise_id=enterprise.id),
        "authorisations": [(a, consent.status_of(a)) for a in authorisations],
        "auth_status": AUTH_STATUS,
        "can_edit": may(user, enterprise, Action.EDIT),
        "can_pull": may(user, enterprise, Action.PULL),
        "can_reveal": may(user, enterprise, Action.REVEAL),
        "can_take": may(user, enterprise, Action.TAKE),
        "can_reassign": may(user, enterprise, Action.REASSIGN),
        "can_confirm": may(user, enterprise, Action.CONFIRM),
        "is_officer": Role.LOAN_OFFICER in user.roles,
        "is_member": Role.APPLICANT in user.roles,
        "officer": officer,
        "officers": registration.officers(db) if may(user, enterprise, Action.REASSIGN) else [],
        "branches": registration.branches(db),
        "claims": [c for c in enterprise.claims if c.status == "pending"] if may(user, enterprise, Action.CONFIRM) else [],
        "mappings": mappings.options(db),
        "role_labels": rules.ROLE_LABELS,
        "relation_labels": rules.RELATION_LABELS,
        "ownership_labels": rules.OWNERSHIP_LABELS,
        "origin_labels": ORIGIN_LABELS,
        "industries": list(sme_size.Industry),
        "revealed": {},
        "members": enterprise.member_usernames,
        "max_upload_mb": data.max_upload_bytes() // (1024 * 1024),
        "paper_text": consent.authorisation_text(),
        **_size_form_ctx(lang, enterprise.industry),
    }


# Typed records behind a profile's charts, by snapshot id and content hash (snapshots never change).
# Bank statements are kept without their transactions: the charts use the monthly totals.
_RECORDS: OrderedDict[tuple[int, str], Any] = OrderedDict()
_RECORDS_KEPT = 256


def _chart_records(db: Session, row: CreditProfile) -> dict[SourceKind, Any]:
    ids = json.loads(row.snapshot_ids or "[]")
    found: dict[SourceKind, Any] = {}
    if not ids:
        return found
    for snap in snapshots_of(db, enterprise_id=row.enterprise_id, ids=ids):
        kind = SourceKind(snap.kind)
        if kind not in summary.CHART_KINDS or kind in found:
            continue
        key = (snap.id, snap.content_sha256)
        if key not in _RECORDS:
            content = db.execute(select(DataSnapshot.content).where(DataSnapshot.id == snap.id)).scalar_one()
            try:
                record = load_record(kind, json.loads(content))
            except MalformedContent:
                record = None
            if isinstance(record, BankStatement):
                record = replace(record, rows=())
            _RECORDS[key] = record
            while len(_RECORDS) > _RECORDS_KEPT:
                _RECORDS.popitem(last=False)
        _RECORDS.move_to_end(key)
        if _RECORDS[key] is not None:
            found[kind] = _RECORDS[key]
    return found


def _summary_ctx(db: Session, row: CreditProfile | None) -> dict[str, Any]:
    """Red flags, key figures and charts of one profile version (empty without a profile)."""
    if row is None:
        return {"flags": [], "feature_flags": [], "unchecked": [], "figures": [], "charts": []}
    flags = summary.red_flags(row.features, profile.discrepancies_of(row))
    return {"flags": flags, "feature_flags": [f for f in flags if not f.key.startswith("discrepancy:")],
            "unchecked": summary.unchecked(row.features), "figures": summary.key_figures(row.features),
            "charts": summary.charts(_chart_records(db, row))}


def _detail(request: Request, db: Session, user: User, enterprise: Enterprise, *, extra: dict | None = None,
            status_code: int = 200):
    ctx = _detail_ctx(db, user, enterprise, request_lang(request))
    ctx.update(_summary_ctx(db, ctx["profile"]))
    ctx.update(extra or {})
    return render(request, "enterprises/detail.html", ctx, status_code=status_code)


def _error_page(request: Request, db: Session, user: User, enterprise: Enterprise, section: str, error: DomainError):
    """The detail page again with the error in the section the user was in (what the use case
    wrote is undone); access errors are answered as such."""
    if isinstance(error, (Forbidden, NotFound)):
        raise error
    ctx, status = forms.failed(request, db, error)
    db.refresh(enterprise)
    return _detail(request, db, user, enterprise, extra={**ctx, "error_section": section}, status_code=status)


def _act(request: Request, db: Session, user: User, enterprise: Enterprise, section: str, notice: str,
         action: Callable[[], object]):
    """Run one use case from a form on the detail page: back to its section with a notice."""
    try:
        action()
    except DomainError as error:
        return _error_page(request, db, user, enterprise, section, error)
    return RedirectResponse(f"/enterprises/{enterprise.id}?notice={notice}#{section}", status_code=303)


@router.get("/enterprises/{enterprise_id}")
def detail(request: Request, enterprise: Enterprise = PAGES.viewing, user: User = Depends(PAGES.view),
           db: Session = REQUEST_DB):
    return _detail(request, db, user, enterprise)


@router.post("/enterprises/{enterprise_id}/facts")
async def update_facts(request: Request, enterprise: Enterprise = PAGES.editing, user: User = Depends(PAGES.edit),
                       db: Session = REQUEST_DB):
    form = await request.form()
    found = forms.values(form, "name", "industry", "address", "founded_on", "employees", "revenue_wan", "assets_wan",
                         "registered_capital_wan")
    return _act(request, db, user, enterprise, "facts", "saved", lambda: registration.update(
        db, user=user, enterprise=enterprise, data=forms.build(schemas.EnterpriseUpdate, found)))


# --- ownership and portfolio ------------------------------------------------------------------------


@router.post("/enterprises/{enterprise_id}/ownership/{decision}")
async def decide_ownership(request: Request, decision: str, enterprise: Enterprise = PAGES.confirming,
                           user: User = Depends(PAGES.confirm), db: Session = REQUEST_DB):
    if decision not in ("confirm", "reject"):
        raise NotFound("not_found", Text("页面不存在", "Not found"))
    form = await request.form()
    claim = str(form.get("claim_id") or "")
    return _act(request, db, user, enterprise, "ownership", f"ownership_{decision}", lambda: registration.decide_claim(
        db, user=user, enterprise=enterprise, confirm=decision == "confirm", checked=str(form.get("checked") or ""),
        claim_id=int(claim) if claim.isascii() and claim.isdigit() and len(claim) < 10 else None))


@router.post("/enterprises/{enterprise_id}/take")
def take(request: Request, enterprise: Enterprise = PAGES.assigning, user: User = Depends(PAGES.assign),
         db: Session = REQUEST_DB):
    return _act(request, db, user, enterprise, "facts", "taken",
                lambda: registration.take(db, user=user, enterprise=enterprise))


@router.post("/enterprises/{enterprise_id}/assign")
async def assign(request: Request, enterprise: Enterprise = PAGES.assigning, user: User = Depends(PAGES.assign),
                 db: Session = REQUEST_DB):
    form = await request.form()
    return _act(request, db, user, enterprise, "facts", "assigned", lambda: registration.reassign(
        db, user=user, enterprise=enterprise, officer_username=str(form.get("officer") or ""),
        branch_code=str(form.get("branch_code") or "")))


# --- authorisation -----------------------------------------------------------------------------------


def _authorise_page(request: Request, db: Session, enterprise: Enterprise, extra: dict | None = None, status: int = 200):
    return render(request, "enterprises/authorise.html", {
        "e": enterprise, "text": consent.authorisation_text(), "auth_status": AUTH_STATUS,
        "history": [(a, consent.status_of(a)) for a in consent.authorisations_of(db, enterprise_id=enterprise.id)],
        **(extra or {})}, status_code=status)


@router.get("/enterprises/{enterprise_id}/authorise")
def authorise_form(request: Request, enterprise: Enterprise = PAGES.editing, user: User = Depends(PAGES.edit),
                   db: Session = REQUEST_DB):
    return _authorise_page(request, db, enterprise)


@router.post("/enterprises/{enterprise_id}/authorise")
async def authorise(request: Request, enterprise: Enterprise = PAGES.editing, user: User = Depends(PAGES.edit),
                    db: Session = REQUEST_DB):
    form = await request.form()
    try:
        if form.get("agree") != "on":
            raise Invalid("not_agreed", Text("请勾选“我已阅读并同意”", "Tick 'I have read and agree'"), "agree")
        consent.authorise_online(db, user=user, enterprise=enterprise, text_version=str(form.get("text_version", "")),
                                 text_sha256=str(form.get("text_sha256", "")), lang=request_lang(request))
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        ctx, status = forms.failed(request, db, error)
        return _authorise_page(request, db, enterprise, ctx, status)
    return RedirectResponse(f"/enterprises/{enterprise.id}?notice=authorised#data", status_code=303)


@router.post("/enterprises/{enterprise_id}/authorisations/paper")
async def authorise_on_paper(request: Request, enterprise: Enterprise = PAGES.editing, user: User = Depends(PAGES.edit),
                             db: Session = REQUEST_DB):
    form = await request.form()

    async def record() -> None:
        raw = str(form.get("signed_on") or "")
        try:
            signed = date.fromisoformat(raw)
        except ValueError:
            raise Invalid("invalid_date", Text("请填写签署日期（YYYY-MM-DD）", "Give the signing date (YYYY-MM-DD)"), "signed_on") from None
        scan = form.get("scan")
        content = await scan.read(data.max_upload_bytes() + 1) if isinstance(scan, UploadFile) else b""
        if len(content) > data.max_upload_bytes():
            raise data.too_large()
        consent.record_paper(db, user=user, enterprise=enterprise, signed_on=signed, scan=content,
                             scan_filename=scan.filename if isinstance(scan, UploadFile) else None)

    try:
        await record()
    except DomainError as error:
        return _error_page(request, db, user, enterprise, "authorisations", error)
    return RedirectResponse(f"/enterprises/{enterprise.id}?notice=authorised#authorisations", status_code=303)


@router.post("/enterprises/{enterprise_id}/authorisations/{authorisation_id}/withdraw")
async def withdraw(request: Request, authorisation_id: EntityId, enterprise: Enterprise = PAGES.editing,
                   user: User = Depends(PAGES.edit), db: Session = REQUEST_DB):
    form = await request.form()
    return _act(request, db, user, enterprise, "authorisations", "withdrawn", lambda: consent.withdraw(
        db, user=user, enterprise=enterprise, authorisation_id=authorisation_id, reason=str(form.get("reason") or "")))


@router.get("/enterprises/{enterprise_id}/authorisations/{authorisation_id}/scan")
def authorisation_scan(authorisation_id: EntityId, enterprise: Enterprise = PAGES.revealing,
                       user: User = Depends(PAGES.reveal), db: Session = REQUEST_DB):
    from smecredit.documents import store
    from smecredit.enterprises.api import download
    from smecredit.enterprises.models import QueryAuthorisation

    auth = db.get(QueryAuthorisation, authorisation_id)
    if auth is None or auth.enterprise_id != enterprise.id:
        raise NotFound("not_found", Text("授权不存在", "Authorisation not found"), "authorisation_id")
    if auth.scan_file is not None:  # its own content type, nosniff, a safe name
        return store.download_response(auth.scan_file, auth.scan_filename)
    return download(auth.scan_filename or "scan", consent.scan_of(auth))


# --- people -------------------------------------------------------------------------------------------------


def _person_values(form) -> dict[str, Any]:
    found = forms.values(form, "role", "party_type", "name", "id_number", "phone", "address", "share_pct",
                         "guarantee_amount")
    found["party_type"] = found.get("party_type") or "person"
    return found


@router.post("/enterprises/{enterprise_id}/persons")
async def add_person(request: Request, enterprise: Enterprise = PAGES.editing, user: User = Depends(PAGES.edit),
                     db: Session = REQUEST_DB):
    form = await request.form()
    return _act(request, db, user, enterprise, "persons", "saved", lambda: people.add(
        db, user=user, enterprise=enterprise, data=forms.build(schemas.PersonIn, _person_values(form))))


def _person_page(request: Request, db: Session, enterprise: Enterprise, person_id: int,
                 extra: dict | None = None, status: int = 200):
    person = people.person_of(db, enterprise, person_id)
    return render(request, "enterprises/person_form.html", {
        "e": enterprise, "person": person, "masked": people.masked(person), "role_labels": rules.ROLE_LABELS,
        **(extra or {})}, status_code=status)


@router.get("/enterprises/{enterprise_id}/persons/{person_id}/edit")
def edit_person(request: Request, person_id: EntityId, enterprise: Enterprise = PAGES.editing,
                user: User = Depends(PAGES.edit), db: Session = REQUEST_DB):
    return _person_page(request, db, enterprise, person_id)


@router.post("/enterprises/{enterprise_id}/persons/{person_id}")
async def update_person(request: Request, person_id: EntityId, enterprise: Enterprise = PAGES.editing,
                        user: User = Depends(PAGES.edit), db: Session = REQUEST_DB):
    form = await request.form()
    try:
        person = people.person_of(db, enterprise, person_id)
        found = _person_values(form)
        # Masked fields left untouched keep their stored value (the form never shows full values).
        for key in rules.PII_FIELDS:
            if found.get(key) is None or "*" in found[key]:
                found[key] = getattr(person, key)
        people.update(db, user=user, enterprise=enterprise, person_id=person_id, data=forms.build(schemas.PersonIn, found))
    except DomainError as error:
        if isinstance(error, (Forbidden, NotFound)):
            raise
        ctx, status = forms.failed(request, db, error)
        return _person_page(request, db, enterprise, person_id, ctx, status)
    return RedirectResponse(f"/enterprises/{enterprise.id}?notice=saved#persons", status_code=303)


@router.post("/enterprises/{enterprise_id}/persons/{person_id}/delete")
def delete_person(request: Request, person_id: EntityId, enterprise: Enterprise = PAGES.editing,
                  user: User = Depends(PAGES.edit), db: Session = REQUEST_DB):
    return _act(request, db, user, enterprise, "persons", "removed",
                lambda: people.remove(db, user=user, enterprise=enterprise, person_id=person_id))


@router.post("/enterprises/{enterprise_id}/persons/{person_id}/reveal")
async def reveal(request: Request, person_id: EntityId, enterprise: Enterprise = PAGES.revealing,
                 user: User = Depends(PAGES.reveal), db: Session = REQUEST_DB):
    form = await request.form()
    wanted = [str(f) for f in form.getlist("fields")] or list(rules.PII_FIELDS)  # the button reveals every field
    values = people.reveal(db, user=user, enterprise=enterprise, person_id=person_id, fields=wanted)
    if request.headers.get("hx-request"):
        return render(request, "enterprises/_revealed.html", {"values": values, "person_id": person_id})
    return _detail(request, db, user, enterprise, extra={"revealed": {person_id: values}})


# --- counterparties ------------------------------------------------------------------------------------------


def _counterparty_values(form) -> dict[str, Any]:
    found = forms.values(form, "relation", "name", "uscc", "annual_amount")
    found["is_core_enterprise"] = form.get("is_core_enterprise") == "on"
    return found


@router.post("/enterprises/{enterprise_id}/counterparties")
async def add_counterparty(request: Request, enterprise: Enterprise = PAGES.editing, user: User = Depends(PAGES.edit),
                           db: Session = REQUEST_DB):
    form = await request.form()
    return _act(request, db, user, enterprise, "counterparties", "saved", lambda: counterparties.add(
        db, user=user, enterprise=enterprise, data=forms.build(schemas.CounterpartyIn, _counterparty_values(form))))


@router.get("/enterprises/{enterprise_id}/counterparties/{counterparty_id}/edit")
def edit_counterparty(request: Request, counterparty_id: EntityId, enterprise: Enterprise = PAGES.editing,
                      user: User = Depends(PAGES.edit), db: Session = REQUEST_DB):
    row = counterparties.counterparty_of(enterprise, counterparty_id, db)
    return render(request, "enterprises/counterparty_form.html", {"e": enterprise, "c": row,
                                                                  "relation_labels": rules.RELATION_LABELS})


@router.post("/enterprises/{enterprise_id}/counterparties/{counterparty_id}")
async def update_counterparty(request: Request, counterparty_id: EntityId, enterprise: Enterprise = PAGES.editing,
                              user: User = Depends(PAGES.edit), db: Session = REQUEST_DB):
    form = await request.form()
    return _act(request, db, user, enterprise, "counterparties", "saved", lambda: counterparties.update(
        db, user=user, enterprise=enterprise, counterparty_id=counterparty_id,
        data=forms.build(schemas.CounterpartyIn, _counterparty_values(form))))


@router.post("/enterprises/{enterprise_id}/counterparties/{counterparty_id}/delete")
def delete_counterparty(request: Request, counterparty_id: EntityId, enterprise: Enterprise = PAGES.editing,
                        user: User = Depends(PAGES.edit), db: Session = REQUEST_DB):
    return _act(request, db, user, enterprise, "counterparties", "removed", lambda: counterparties.remove(
        db, user=user, enterprise=enterprise, counterparty_id=counterparty_id))


# --- data ------------------------------------------------------------------------------------------------------


@router.post("/enterprises/{enterprise_id}/data/pull-all")
def pull_all(request: Request, enterprise: Enterprise = PAGES.editing, user: User = Depends(PAGES.edit),
             db: Session = REQUEST_DB):
    try:
        outcome = data.pull_all(db, user=user, enterprise=enterprise)
    except DomainError as error:
        return _error_page(request, db, user, enterprise, "data", error)
    if outcome.skipped:
        lang = request_lang(request)
        return _detail(request, db, user, enterprise, extra={
            "notice": STAGE.notices["pulled"].pick(lang) if outcome.snapshots else None,
            "message": outcome.skipped[0].text(lang), "error_section": "data"})
    return RedirectResponse(f"/enterprises/{enterprise.id}?notice=pulled#data", status_code=303)


@router.post("/enterprises/{enterprise_id}/data/{kind}/pull")
def pull(request: Request, kind: str, enterprise: Enterprise = PAGES.editing, user: User = Depends(PAGES.edit),
         db: Session = REQUEST_DB):
    return _act(request, db, user, enterprise, "data", "pulled",
                lambda: data.pull(db, user=user, enterprise=enterprise, kind=kind))


@router.post("/enterprises/{enterprise_id}/data/{kind}/upload")
async def upload(request: Request, kind: str, enterprise: Enterprise = PAGES.editing, user: User = Depends(PAGES.edit),
                 db: Session = REQUEST_DB):
    form = await request.form()
    file = form.get("file")
    content = b""
    if isinstance(file, UploadFile) and file.filename:
        content = await file.read(data.max_upload_bytes() + 1)

    def run() -> None:
        if not isinstance(file, UploadFile) or not file.filename:
            raise Invalid("file_required", Text("请选择要上传的文件", "Choose a file to upload"), "file")
        if len(content) > data.max_upload_bytes():
            raise data.too_large()
        choice = str(form.get("mapping") or "")
        # isascii: str.isdigit() also accepts digits such as '²' that int() refuses.
        digits = choice[3:] if choice.startswith("id:") else ""
        mapping_id = int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 10 else None
        data.upload(db, user=user, enterprise=enterprise, kind=kind, data=content, filename=file.filename,
                    mapping_id=mapping_id, mapping=choice if choice and mapping_id is None else None,
                    amount_unit=str(form.get("amount_unit") or "") or None)

    return _act(request, db, user, enterprise, f"upload-{kind}", "uploaded", run)


@router.get("/enterprises/{enterprise_id}/snapshots/{snapshot_id}")
def snapshot(request: Request, snapshot_id: EntityId, enterprise: Enterprise = PAGES.viewing,
             user: User = Depends(PAGES.view), db: Session = REQUEST_DB):
    snap = snapshot_of(db, enterprise, snapshot_id)
    return _snapshot_page(request, enterprise, snap, data.content_for(user, enterprise, snap), revealed=False,
                          can_reveal=may(user, enterprise, Action.REVEAL))


@router.post("/enterprises/{enterprise_id}/snapshots/{snapshot_id}/reveal")
def reveal_snapshot(request: Request, snapshot_id: EntityId, enterprise: Enterprise = PAGES.revealing,
                    user: User = Depends(PAGES.reveal), db: Session = REQUEST_DB):
    content = data.reveal_content(db, user=user, enterprise=enterprise, snapshot_id=snapshot_id)
    return _snapshot_page(request, enterprise, snapshot_of(db, enterprise, snapshot_id), content, revealed=True,
                          can_reveal=True)


@router.get("/enterprises/{enterprise_id}/snapshots/{snapshot_id}/original")
def original_file(snapshot_id: EntityId, enterprise: Enterprise = PAGES.revealing, user: User = Depends(PAGES.reveal),
                  db: Session = REQUEST_DB):
    from smecredit.enterprises.api import download

    return download(*data.original(db, user=user, enterprise=enterprise, snapshot_id=snapshot_id))


def _tx_cell_direction(row, lang: str) -> lists.Cell:
    found = snapshot_tables.DIRECTIONS.get(row.get("direction"))
    tone = "success" if row.get("direction") == "in" else "secondary"
    return lists.Cell("", badges=((found.pick(lang) if found else str(row.get("direction") or ""), tone),))


TRANSACTIONS = lists.ListSpec(
    name="transactions",
    title=Text("交易明细", "Transactions"),
    columns=(
        lists.Column("date", Text("交易日期", "Date"), lambda r: r.get("date"), sort="date", primary=True, nowrap=True),
        lists.Column("direction", Text("方向", "Direction"), lambda r: r.get("direction"), cell=_tx_cell_direction),
        lists.Column("amount", Text("金额", "Amount"), lambda r: r.get("amount"), numeric=True,
                     cell=lambda r, lang: snapshot_tables.money(r.get("amount"))),
        lists.Column("balance", Text("余额", "Balance"), lambda r: r.get("balance"), numeric=True,
                     cell=lambda r, lang: snapshot_tables.money(r.get("balance"))),
        lists.Column("counterparty", Text("对方户名", "Counterparty"), lambda r: r.get("counterparty")),
        lists.Column("memo", Text("摘要", "Memo"), lambda r: r.get("memo")),
    ),
    sorts={"date": "desc"},
    default_sort="date",
    filters=(lists.Filter("direction", Text("方向", "Direction"),
                          options=tuple(lists.Option(k, v) for k, v in snapshot_tables.DIRECTIONS.items())),),
    page_size=50,
    empty=Text("没有交易", "No transactions"),
)


def _snapshot_page(request: Request, enterprise: Enterprise, snap, content: dict, *, revealed: bool, can_reveal: bool):
    """A snapshot as tables (and, for a bank statement, a chart and its paged transactions), with the
    normalised JSON folded below. ``content`` is what this user may see: masked unless revealed."""
    lang = request_lang(request)
    kind = SourceKind(snap.kind)
    text = json.dumps(content, ensure_ascii=False, indent=2)
    ctx: dict[str, Any] = {
        "e": enterprise, "s": snap, "kind": kind, "content": text[:200_000], "data": content,
        "truncated": len(text) > 200_000, "warnings": json.loads(snap.warnings or "[]"), "revealed": revealed,
        "can_reveal": can_reveal, "origin_labels": ORIGIN_LABELS, "view": snapshot_tables.view_of(kind, content),
        "charts": [], "transactions": None,
    }
    if kind is SourceKind.BANK_STATEMENT:
        try:
            ctx["charts"] = [c for c in [summary.bank_chart(load_record(kind, content))] if not c.empty]
        except MalformedContent:
            pass
        state = lists.state_from(request, TRANSACTIONS)
        rows = snapshot_tables.transactions(content)
        if state.sort.startswith("-"):
            rows.reverse()
        if state.filters.get("direction"):
            rows = [r for r in rows if r.get("direction") == state.filters["direction"]]
        size = TRANSACTIONS.page_size
        page = min(state.page, max(1, -(-len(rows) // size)))
        state = replace(state, page=page)
        ctx["transactions"] = lists.ListPage(TRANSACTIONS, state, rows[(page - 1) * size: page * size], len(rows), lang,
                                             f"/enterprises/{enterprise.id}/snapshots/{snap.id}")
    return render(request, "enterprises/snapshot.html", ctx)


# --- profile -------------------------------------------------------------------------------------------------------


@router.get("/enterprises/{enterprise_id}/profiles/{version}")
def profile_version(request: Request, version: EntityId, compare_to: str = "",
                    enterprise: Enterprise = PAGES.viewing, user: User = Depends(PAGES.view), db: Session = REQUEST_DB):
    row = profile.get_profile(db, enterprise_id=enterprise.id, version=version)
    other = None
    wanted = compare_to.strip()
    if wanted.isascii() and wanted.isdigit() and 0 < len(wanted) < 10 and int(wanted) != version:
        other = profile.get_profile(db, enterprise_id=enterprise.id, version=int(wanted))
    lang = request_lang(request)
    return render(request, "enterprises/profile.html", {
        "e": enterprise, "profile": row, "snap_by_id": {s.id: s for s in snapshots_of(db, enterprise_id=enterprise.id)},
        "format_value": lambda f: profile.format_value(f, lang), "missing_reason": profile.missing_reason,
        "rule_of": lambda f: profile.rule_of(f, lang),
        "history": profile.profiles_of(db, enterprise_id=enterprise.id), "discrepancies": profile.discrepancies_of(row),
        "other": other, "changes": profile.compare(other, row) if other else None,
        **_summary_ctx(db, row),
    })


@router.post("/enterprises/{enterprise_id}/profile/compute")
def compute(request: Request, enterprise: Enterprise = PAGES.computing, user: User = Depends(PAGES.compute),
            db: Session = REQUEST_DB):
    profile.compute(db, enterprise=enterprise, actor=actor_of(user), trigger="manual")
    return RedirectResponse(f"/enterprises/{enterprise.id}?notice=computed#profile", status_code=303)


@router.get("/enterprises/{enterprise_id}/data-held")
def data_held(request: Request, enterprise: Enterprise = PAGES.viewing, user: User = Depends(PAGES.view),
              db: Session = REQUEST_DB):
    lang = request_lang(request)
    return render(request, "enterprises/data_held.html", {
        "e": enterprise, "held": profile.data_held(db, enterprise_id=enterprise.id),
        "format_value": lambda f: profile.format_value(f, lang),
        "authorisation": consent.current(db, enterprise_id=enterprise.id),
        "persons": [people.masked(p) for p in enterprise.persons], "role_labels": rules.ROLE_LABELS,
        "origin_labels": ORIGIN_LABELS,
    })


# --- the guide for the people who prepare the files ------------------------------------------------------------------

GUIDE = Path(__file__).resolve().parent / "guide" / "data-preparation.md"


@lru_cache(maxsize=1)
def _guide_html() -> str:
    from markdown_it import MarkdownIt

    # html=False: the guide's text is escaped, never trusted as markup.
    return MarkdownIt("commonmark", {"html": False}).enable("table").render(GUIDE.read_text(encoding="utf-8"))


@router.get("/guide/data-preparation")
def guide(request: Request, user: User = Depends(PAGES.view)):
    return render(request, "enterprises/guide.html", {"body": _guide_html()})
