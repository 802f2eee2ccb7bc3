"""Stage 3 pages: the applicant's 我的申请 and application page (terms within the product's ranges,
the checklist with an upload per item, what is missing, submit / withdraw, 补件 answers, the
progress timeline); `POST /applications` from the match page (one click → a draft); the staff
queue (ListSpec) and the staff view (the application, the profile summary, the matching result
for this product and the documents side by side).

Access to an application is the route's dependency (`PAGES.viewing`, …); what the user may do
with it is the use case's (the state table and the person rules). Errors are shown on the page in
the section the user was in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request

from smecredit.applications import application_list, listing, products_port, rules, service, states, views
from smecredit.applications.deps import PAGES
from smecredit.decisioning.deps import PAGES as DECIDING
from smecredit.applications.models import Application
from smecredit.applications.records import allowed_for
from smecredit.enterprises.records import enterprises_of
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.kernel.clock import business_date
from smecredit.kernel.errors import DomainError, Invalid, NotFound
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text
from smecredit.web import forms, lists
from smecredit.web.deps import REQUEST_DB
from smecredit.web.i18n import request_lang
from smecredit.web.params import EntityId
from smecredit.web.security import csrf_protect
from smecredit.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
templates.env.globals["application_status_label"] = views.status_label
templates.env.globals["application_state_label"] = states.state_label
templates.env.globals["method_label"] = products_port.method_label
templates.env.globals["mode_label"] = products_port.mode_label

REQUEST_ROWS = 3  # blank 补件 rows in the staff form
ACCEPT = {"pdf": ".pdf,application/pdf", "jpeg": ".jpg,.jpeg,image/jpeg", "png": ".png,image/png",
          "xlsx": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def accept_attr(item: rules.Item) -> str:
    """The file input's ``accept`` (a hint for the phone's picker; the server decides by content)."""
    return ",".join(ACCEPT[t] for t in item.accepted if t in ACCEPT)


def _documents_by_kind(application: Application) -> dict[str, list]:
    found: dict[str, list] = {}
    for d in application.documents:
        found.setdefault(d.kind, []).append(d)
    return found


def _match_for(db: Session, application: Application):
    """The matching result for this application's product (staff view): eligible or not, and why."""
    from smecredit.products import matching

    enterprise = service.enterprise_of(db, application)
    try:
        results = matching.match(db, enterprise=enterprise, need=matching.Need(
            amount=application.amount, term_months=application.term_months, purpose=application.purpose),
            on=business_date())
    except DomainError:
        return None
    return next((r for r in results if r.product_code == application.product_code), None)


def _staff_ctx(db: Session, application: Application, lang: str) -> dict[str, Any]:
    from smecredit.enterprises import profile
    from smecredit.enterprises.pages import _summary_ctx

    enterprise = service.enterprise_of(db, application)
    latest = profile.latest_profile(db, enterprise_id=enterprise.id)
    ctx = {"e": enterprise, "profile": latest, "discrepancies": profile.discrepancies_of(latest),
           "format_value": lambda f: profile.format_value(f, lang), "missing_reason": profile.missing_reason,
           "match": _match_for(db, application)}
    ctx.update(_summary_ctx(db, latest))
    return ctx


def _page(request: Request, db: Session, user: User, application: Application, *, extra: dict | None = None,
          status_code: int = 200):
    lang = request_lang(request)
    allowed = allowed_for(db, user, application)
    definition = products_port.definition_of(db, application)
    items = service.document_items(db, application)
    staff = bool(user.roles - {Role.APPLICANT})
    ctx: dict[str, Any] = {
        "a": application, "allowed": {a.value for a in allowed}, "allowed_list": allowed,
        "enterprise": service.enterprise_of(db, application), "definition": definition,
        "product_name": views.product_name(db, application), "items": items,
        "by_kind": _documents_by_kind(application), "missing": service.missing_items(db, application),
        "open_request": service.open_request(application),
        "unanswered": {i.kind for i in service.unanswered(application)},
        "requests": views.requests_out(db, application), "timeline": application.steps,
        "step_label": views.step_label, "role_label": views.role_label, "accepted_text": rules.accepted_text, "accept_attr": accept_attr,
        "max_upload_mb": get_settings().max_upload_mb, "known_kinds": products_port.known_kinds(db, application),
        "request_rows": range(REQUEST_ROWS), "staff": staff,
        "action_labels": states.ACTION_LABELS,
        "methods": [(m, products_port.method_label(m)) for m in definition.repayment_methods],
        "modes": [(m, products_port.mode_label(m)) for m in definition.guarantee_modes],
        "field_errors": {}, "typed": {},
    }
    if staff:
        ctx.update(_staff_ctx(db, application, lang))
    from smecredit.decisioning.views import application_context

    ctx["d"] = application_context(db, application, user, staff=staff)
    ctx.update(extra or {})
    return render(request, "applications/detail.html", ctx, status_code=status_code)


def _act(request: Request, db: Session, user: User, application: Application, section: str, notice: str,
         action: Callable[[], object], *, error_at: str | None = None, typed: dict[str, Any] | None = None):
    """Run one use case from a form on the application page: back to its section with a notice,
    or the page again with the error where the user was (``error_at``: a part of the section, such as
    one checklist item) and what they typed still in the fields (what the use case wrote is undone)."""
    try:
        action()
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        ctx, status = forms.failed(request, db, error)
        db.expire_all()
        fresh = db.get(Application, application.id)
        return _page(request, db, user, fresh, extra={**ctx, "error_section": error_at or section, "typed": typed or {}},
                     status_code=status)
    return RedirectResponse(f"/applications/{application.id}?notice={notice}#{section}", status_code=303)


# --- lists -------------------------------------------------------------------------------------------------


@router.get("/my/applications")
def my_applications(request: Request, user: User = Depends(PAGES.mine), db: Session = REQUEST_DB):
    found = listing.search(db, user=user, filters=listing.Filters(), limit=200, offset=0)
    return render(request, "applications/mine.html", {
        "applications": found.items, "enterprises": enterprises_of(db, user=user),
        "product_name": lambda a: views.product_name(db, a), "enterprise_of": lambda a: service.enterprise_of(db, a)})


@router.get("/applications")
def queue(request: Request, filters: listing.Filters = Depends(listing.filters_from_query),
          user: User = Depends(PAGES.queue), db: Session = REQUEST_DB):
    spec = application_list.SPEC
    state = lists.state_from(request, spec, sort=filters.sort, filters=filters.active())
    found = listing.search(db, user=user, filters=filters, limit=spec.page_size, offset=(state.page - 1) * spec.page_size)
    pages = max(1, -(-found.total // spec.page_size))
    if state.page > pages:
        state = replace(state, page=pages)
        found = listing.search(db, user=user, filters=filters, limit=spec.page_size,
                               offset=(state.page - 1) * spec.page_size)
    rows = application_list.rows_of(db, found.items, user=user)
    view = lists.ListPage(spec, state, rows, found.total, request_lang(request), "/applications",
                          options={"product": application_list.product_options(db),
                                   "assignee": application_list.assignee_options(db, user)})
    return render(request, "applications/queue.html", {"view": view})


# --- one click from a match, and the application page ------------------------------------------------------


@router.post("/applications")
async def create(request: Request, user: User = Depends(PAGES.apply), db: Session = REQUEST_DB):
    form = await request.form()
    found = forms.values(form, "enterprise_id", "product_code", "amount", "term_months", "purpose",
                         "repayment_method", "guarantee_mode")
    try:
        raw_id = found.get("enterprise_id") or ""
        if not (raw_id.isascii() and raw_id.isdigit() and 0 < len(raw_id) < 10):
            raise Invalid("required", Text("请选择企业", "Choose the enterprise"), "enterprise_id")
        application = service.create_draft(
            db, user=user, enterprise_id=int(raw_id), product_code=found.get("product_code") or "",
            need=service.Need(amount=found.get("amount"), term_months=found.get("term_months"),
                              purpose=found.get("purpose"), repayment_method=found.get("repayment_method"),
                              guarantee_mode=found.get("guarantee_mode")))
    except DomainError as error:
        if isinstance(error, NotFound) and error.field == "enterprise_id":
            raise
        ctx, status = forms.failed(request, db, error)
        return render(request, "applications/not_created.html", {**ctx, "values": found}, status_code=status)
    return RedirectResponse(f"/applications/{application.id}?notice=draft_created", status_code=303)


@router.get("/applications/{application_id}")
def detail(request: Request, application: Application = PAGES.viewing, user: User = Depends(PAGES.view),
           db: Session = REQUEST_DB):
    return _page(request, db, user, application)


@router.post("/applications/{application_id}/terms")
async def update_terms(request: Request, application: Application = PAGES.applying, user: User = Depends(PAGES.apply),
                       db: Session = REQUEST_DB):
    form = await request.form()
    found = forms.values(form, "amount", "term_months", "purpose", "repayment_method", "guarantee_mode")
    return _act(request, db, user, application, "terms", "terms_saved", lambda: service.update_terms(
        db, user=user, application=application, need=service.Need(**found)), typed=found)


@router.post("/applications/{application_id}/documents")
async def attach_document(request: Request, application: Application = PAGES.applying,
                          user: User = Depends(PAGES.apply), db: Session = REQUEST_DB):
    form = await request.form()
    upload = form.get("file")
    kind = form.get("kind")

    def attach():
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid("required", Text("请选择要上传的文件", "Choose a file to upload"), "file")
        service.attach_document(db, user=user, application=application, kind=kind if isinstance(kind, str) else None,
                                upload=upload, filename=upload.filename)

    # a refused file is said at the checklist item it was chosen for, not at the top of a long list
    kinds = {i.kind for i in service.document_items(db, application)}
    at = f"document-{kind}" if isinstance(kind, str) and kind in kinds else None
    return _act(request, db, user, application, "documents", "document_attached", attach, error_at=at)


@router.post("/applications/{application_id}/documents/{document_id}/remove")
def remove_document(request: Request, document_id: EntityId, application: Application = PAGES.applying,
                    user: User = Depends(PAGES.apply), db: Session = REQUEST_DB):
    return _act(request, db, user, application, "documents", "document_removed", lambda: service.remove_document(
        db, user=user, application=application, document_id=document_id))


@router.get("/applications/{application_id}/documents/{document_id}")
def download_document(document_id: EntityId, application: Application = PAGES.viewing,
                      user: User = Depends(PAGES.view), db: Session = REQUEST_DB):
    return service.download(db, user=user, application=application, document_id=document_id)


@router.post("/applications/{application_id}/submit")
def submit(request: Request, application: Application = PAGES.applying, user: User = Depends(PAGES.apply),
           db: Session = REQUEST_DB):
    return _act(request, db, user, application, "documents", "submitted",
                lambda: service.submit(db, user=user, application=application))


@router.post("/applications/{application_id}/resubmit")
def resubmit(request: Request, application: Application = PAGES.applying, user: User = Depends(PAGES.apply),
             db: Session = REQUEST_DB):
    return _act(request, db, user, application, "documents", "resubmitted",
                lambda: service.resubmit(db, user=user, application=application))


@router.post("/applications/{application_id}/withdraw")
async def withdraw(request: Request, application: Application = PAGES.applying, user: User = Depends(PAGES.apply),
                   db: Session = REQUEST_DB):
    form = await request.form()
    reason = form.get("reason")
    return _act(request, db, user, application, "actions", "withdrawn_application", lambda: service.withdraw(
        db, user=user, application=application, reason=reason if isinstance(reason, str) else None))


@router.post("/applications/{application_id}/claim")
def claim(request: Request, application: Application = PAGES.handling, user: User = Depends(PAGES.handle),
          db: Session = REQUEST_DB):
    return _act(request, db, user, application, "actions", "application_claimed",
                lambda: service.claim(db, user=user, application=application))


@router.post("/applications/{application_id}/release")
def release(request: Request, application: Application = PAGES.handling, user: User = Depends(PAGES.handle),
            db: Session = REQUEST_DB):
    return _act(request, db, user, application, "actions", "application_released",
                lambda: service.release(db, user=user, application=application))


@router.post("/applications/{application_id}/review")
def start_review(request: Request, application: Application = PAGES.handling, user: User = Depends(PAGES.handle),
                 db: Session = REQUEST_DB):
    return _act(request, db, user, application, "actions", "review_started",
                lambda: service.start_review(db, user=user, application=application))


@router.post("/applications/{application_id}/document-requests")
async def request_documents(request: Request, application: Application = PAGES.handling,
                            user: User = Depends(PAGES.handle), db: Session = REQUEST_DB):
    form = await request.form()
    items = []
    for n in range(REQUEST_ROWS):
        kind, reason = form.get(f"items.{n}.kind"), form.get(f"items.{n}.reason")
        kind = kind.strip() if isinstance(kind, str) else ""
        reason = reason.strip() if isinstance(reason, str) else ""
        if kind or reason:
            items.append((kind or None, reason or None))
    return _act(request, db, user, application, "request", "documents_requested",
                lambda: service.request_documents(db, user=user, application=application, items=items))


@router.post("/applications/{application_id}/reviews")
async def review(request: Request, application: Application = DECIDING.reviewing,
                 user: User = Depends(DECIDING.review), db: Session = REQUEST_DB):
    """A reviewer's, approver's or committee member's act (stage 4), from the application page."""
    from smecredit.decisioning import reviews

    form = await request.form()
    action, comment = form.get("action"), form.get("comment")
    return _act(request, db, user, application, "review", "review_recorded", lambda: reviews.review(
        db, user=user, application=application, action=action if isinstance(action, str) else None,
        comment=comment if isinstance(comment, str) else None), typed={"comment": comment if isinstance(comment, str) else ""})


@router.post("/applications/{application_id}/offer/accept")
def accept_offer(request: Request, application: Application = DECIDING.answering,
                 user: User = Depends(DECIDING.answer), db: Session = REQUEST_DB):
    from smecredit.decisioning import reviews

    return _act(request, db, user, application, "offer", "offer_accepted",
                lambda: reviews.accept_offer(db, user=user, application=application))


@router.post("/applications/{application_id}/offer/decline")
async def decline_offer(request: Request, application: Application = DECIDING.answering,
                        user: User = Depends(DECIDING.answer), db: Session = REQUEST_DB):
    from smecredit.decisioning import reviews

    form = await request.form()
    reason = form.get("reason")
    return _act(request, db, user, application, "offer", "offer_declined", lambda: reviews.decline_offer(
        db, user=user, application=application, reason=reason if isinstance(reason, str) else None))

