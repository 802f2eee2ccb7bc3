"""The use cases of an application. Each is keyword-only, takes the session, checks, writes, records
its typed audit event, notifies the applicant's side of a change of state and **flushes**; the edge
commits. Each locks the application row first (before the audit head). Which transitions are legal
is the table's (`states.transition`); which person may take them is `access.refusal`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from smecredit.applications import events, notices, products_port, rules, states, workflow
from smecredit.applications.access import may_apply_for
from smecredit.applications.models import (
    Application,
    ApplicationDocument,
    DocumentRequest,
    DocumentRequestItem,
)
from smecredit.applications.numbering import next_no
from smecredit.applications.states import Action, State
from smecredit.audit.log import record
from smecredit.enterprises.access import Action as EnterpriseAction
from smecredit.enterprises.models import Enterprise
from smecredit.enterprises.records import facts_of as enterprise_facts
from smecredit.enterprises.records import load_for as load_enterprise
from smecredit.enterprises.records import viewer_of
from smecredit.identity.models import User
from smecredit.identity.roles import ROLE_LABELS, Role
from smecredit.identity.sessions import actor_of
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.errors import Forbidden, Invalid, not_found
from smecredit.kernel.inputs import clean_text
from smecredit.kernel.text import Text
from smecredit.standards.resident_id import mask_name

DOCUMENT = Text("材料", "Document")


# --- helpers (shared with stage 4's use cases: `applications/workflow.py`) -------------------------------

_step, _begin, _move, _tell, _event_base = workflow.add_step, workflow.begin, workflow.move, workflow.tell, workflow.event_base
recipients = workflow.recipients


# --- the applicant's side -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Need:
    amount: object
    term_months: object
    purpose: str | None
    repayment_method: str | None = None
    guarantee_mode: str | None = None


def create_draft(db: Session, *, user: User, enterprise_id: int, product_code: str, need: Need) -> Application:
    """A draft under the product's current version, from the stated need; only a member of the
    enterprise or its loan officer (on its behalf) may apply."""
    enterprise = load_enterprise(db, user=user, enterprise_id=enterprise_id, action=EnterpriseAction.VIEW)
    facts = enterprise_facts(enterprise)
    if user.id in facts.pending_claimant_ids and user.id not in facts.member_ids:
        # Their own registration, not yet confirmed: say so, rather than "only a member may apply".
        raise Forbidden("ownership_pending", Text("企业归属尚待客户经理核实，核实后即可申请",
                                                  "The enterprise's ownership awaits an officer's confirmation; "
                                                  "you can apply once it is confirmed"))
    if not may_apply_for(viewer_of(user), facts):
        raise Forbidden("forbidden", Text("只有企业成员或其客户经理可以为企业申请贷款",
                                          "Only a member of the enterprise or its loan officer may apply for it"))
    if not isinstance(product_code, str) or not product_code.strip():
        raise Invalid("required", Text("请选择贷款产品", "Choose a product"), "product_code")
    version = products_port.current_version(db, product_code.strip())
    definition = version.definition
    terms = rules.terms(definition, amount=need.amount, term_months=need.term_months,
                        repayment_method=need.repayment_method, guarantee_mode=need.guarantee_mode,
                        purpose=need.purpose, method_label=products_port.method_label,
                        mode_label=products_port.mode_label)
    now = utcnow()
    application = Application(
        no=next_no(db, day=business_date()), enterprise_id=enterprise.id, applicant_id=user.id,
        product_code=version.product_code, product_version=version.version, product_version_id=version.id,
        amount=terms.amount, term_months=terms.term_months, repayment_method=terms.repayment_method,
        guarantee_mode=terms.guarantee_mode, purpose=terms.purpose, status=states.INITIAL.value,
        created_at=now, updated_at=now, version=1)
    db.add(application)
    db.flush()
    _step(db, application, user, "create", None)
    db.flush()
    record(db, actor_of(user), events.ApplicationCreated(
        **_event_base(application, None), enterprise_id=enterprise.id, product_code=application.product_code,
        product_version=application.product_version, amount=str(application.amount),
        term_months=application.term_months, repayment_method=application.repayment_method,
        guarantee_mode=application.guarantee_mode, on_behalf=Role.APPLICANT not in user.roles))
    return application


def update_terms(db: Session, *, user: User, application: Application, need: Need) -> Application:
    application, before, after = _begin(db, user, application, Action.UPDATE_TERMS)
    definition = products_port.definition_of(db, application)
    terms = rules.terms(definition, amount=need.amount, term_months=need.term_months,
                        repayment_method=need.repayment_method, guarantee_mode=need.guarantee_mode,
                        purpose=need.purpose, method_label=products_port.method_label,
                        mode_label=products_port.mode_label)
    changes: dict[str, list] = {}
    for field in ("amount", "term_months", "repayment_method", "guarantee_mode", "purpose"):
        old, new = getattr(application, field), getattr(terms, field)
        if old != new:
            changes[field] = [str(old), str(new)]
            setattr(application, field, new)
    if not changes:
        return application
    _move(application, after)
    _step(db, application, user, Action.UPDATE_TERMS.value, before, "、".join(changes))
    db.flush()
    record(db, actor_of(user), events.ApplicationTermsUpdated(**_event_base(application, before), changes=changes))
    return application


def open_request(application: Application) -> DocumentRequest | None:
    pending = [r for r in application.requests if r.answered_at is None]
    return pending[-1] if pending else None


def document_items(db: Session, application: Application) -> tuple[rules.Item, ...]:
    """What may be uploaded now: the checklist, and the open 补件 request's kinds."""
    items = list(products_port.checklist_of(db, application))
    request = open_request(application)
    if request is not None:
        known = products_port.known_kinds(db, application)
        for requested in request.items:
            if all(i.kind != requested.kind for i in items):
                items.append(known.get(requested.kind, rules.OTHER))
    return tuple(items)


def attach_document(db: Session, *, user: User, application: Application, kind: str | None, upload,
                    filename: str | None) -> ApplicationDocument:
    """Store the file (type decided by its content, within the item's accepted types) and attach it."""
    from smecredit.documents import store
    from smecredit.documents.content import FileType

    application, before, after = _begin(db, user, application, Action.EDIT_DOCUMENTS)
    if not kind:
        raise Invalid("required", Text("请选择材料类别", "Choose the kind of document"), "kind")
    item = rules.item_for(document_items(db, application), kind)
    stored = store.accept(db, upload=upload, filename=filename or "upload", allowed=tuple(FileType(t) for t in item.accepted),
                          field="file")
    request = open_request(application)
    document = ApplicationDocument(
        application_id=application.id, kind=item.kind, stored_file_id=stored.id,
        filename=getattr(stored, "filename", None) or (filename or "upload")[:255], sha256=stored.sha256,
        size=stored.size, content_type=stored.content_type,
        request_id=request.id if request is not None and any(i.kind == item.kind for i in request.items) else None,
        uploaded_by_id=user.id, uploaded_at=utcnow())
    db.add(document)
    application.documents.append(document)
    _move(application, after)
    _step(db, application, user, "attach_document", before, item.label.zh)
    db.flush()
    record(db, actor_of(user), events.DocumentAttached(
        **_event_base(application, before), document_id=document.id, kind=document.kind,
        stored_file_id=stored.id, sha256=stored.sha256, size=stored.size, content_type=stored.content_type,
        request_id=document.request_id))
    return document


def remove_document(db: Session, *, user: User, application: Application, document_id: int) -> None:
    application, before, after = _begin(db, user, application, Action.EDIT_DOCUMENTS)
    document = next((d for d in application.documents if d.id == document_id), None)
    if document is None:
        raise not_found(DOCUMENT, "document_id")
    request = open_request(application)
    if application.status == State.DOCUMENTS_REQUESTED and (request is None or document.request_id != request.id):
        # What was submitted and reviewed stays; while answering 补件 only the new files can go.
        raise Forbidden("document_submitted", Text("已提交的材料不能删除，只能删除本次补件上传的材料",
                                                   "Submitted documents stay; only files uploaded for this request can be removed"))
    application.documents.remove(document)
    db.delete(document)
    _move(application, after)
    _step(db, application, user, "remove_document", before, document.kind)
    db.flush()
    record(db, actor_of(user), events.DocumentRemoved(**_event_base(application, before), document_id=document_id,
                                                      kind=document.kind, sha256=document.sha256))


def missing_items(db: Session, application: Application) -> list[rules.Item]:
    return rules.missing(products_port.checklist_of(db, application), (d.kind for d in application.documents))


def _incomplete(items: Sequence[rules.Item], code: str, zh: str, en: str) -> Invalid:
    names = Text.join([i.label for i in items], sep_zh="、", sep_en=", ")
    return Invalid(code, Text(f"{zh}：{names.zh}", f"{en}: {names.en}"), "documents",
                   {"missing": [{"kind": i.kind, "label": i.label.as_dict()} for i in items]})


def submit(db: Session, *, user: User, application: Application) -> Application:
    """Submit, and decide at once in the same transaction (stage 4's credit policy): approved (an
    offer is made), declined, or referred to people — it stays in the queue with the reasons."""
    from smecredit.decisioning import outcomes

    application, before, after = _begin(db, user, application, Action.SUBMIT)
    missing = missing_items(db, application)
    if missing:
        raise _incomplete(missing, "checklist_incomplete", "还缺少必备材料", "Required documents are missing")
    # The reads and the engine first, before the first `record` takes the audit head (held to the commit).
    prepared = outcomes.prepare_submitted(db, application=application)
    _move(application, after)
    application.submitted_at = utcnow()
    _step(db, application, user, Action.SUBMIT.value, before)
    db.flush()
    record(db, actor_of(user), events.ApplicationSubmitted(**_event_base(application, before),
                                                           document_sha256=sorted(d.sha256 for d in application.documents)))
    outcomes.decide_submitted(db, user=user, application=application, prepared=prepared)
    return application


def withdraw(db: Session, *, user: User, application: Application, reason: str | None = None) -> Application:
    application, before, after = _begin(db, user, application, Action.WITHDRAW)
    reason = clean_text(reason, "reason", max_len=rules.REASON_MAX)
    _move(application, after)
    _step(db, application, user, Action.WITHDRAW.value, before, reason)
    db.flush()
    record(db, actor_of(user), events.ApplicationWithdrawn(**_event_base(application, before), reason=reason))
    _tell(db, application, notices.WITHDRAWN)
    return application


def unanswered(application: Application) -> list[DocumentRequestItem]:
    request = open_request(application)
    if request is None:
        return []
    answered = {d.kind for d in application.documents if d.request_id == request.id}
    return [i for i in request.items if i.kind not in answered]


def resubmit(db: Session, *, user: User, application: Application) -> Application:
    application, before, after = _begin(db, user, application, Action.RESUBMIT)
    request = open_request(application)
    known = products_port.known_kinds(db, application)
    left = [known.get(i.kind, rules.OTHER) for i in unanswered(application)]
    if left:
        raise _incomplete(left, "request_unanswered", "还有补件要求未上传材料", "Requested documents not uploaded yet")
    missing = missing_items(db, application)
    if missing:
        raise _incomplete(missing, "checklist_incomplete", "还缺少必备材料", "Required documents are missing")
    now = utcnow()
    assert request is not None  # documents_requested always has one (request_documents makes it)
    request.answered_at = now
    _move(application, after)
    _step(db, application, user, Action.RESUBMIT.value, before)
    db.flush()
    record(db, actor_of(user), events.ApplicationResubmitted(
        **_event_base(application, before), request_id=request.id,
        document_sha256=sorted(d.sha256 for d in application.documents if d.request_id == request.id)))
    _tell(db, application, notices.RESUBMITTED)
    return application


# --- the lender's side -------------------------------------------------------------------------------

def _role_name(user: User) -> Text:
    zh, en = ROLE_LABELS[user.primary_role]
    name = mask_name(user.display_name)
    return Text(f"{zh}{name}", f"{en} {name}")


def claim(db: Session, *, user: User, application: Application) -> Application:
    """The handler takes the application; under the row lock, so of two at once one gets it and the
    other is told it is taken."""
    application, before, after = _begin(db, user, application, Action.CLAIM)
    application.assignee_id = user.id
    _move(application, after)
    _step(db, application, user, Action.CLAIM.value, before)
    db.flush()
    record(db, actor_of(user), events.ApplicationClaimed(**_event_base(application, before), assignee_id=user.id))
    _tell(db, application, notices.CLAIMED, handler=_role_name(user))
    return application


def release(db: Session, *, user: User, application: Application) -> Application:
    """The assignee hands the application back to the queue where it stands (a hand-over: another
    officer or a reviewer claims it). The applicant is not told: nothing changed for them."""
    application, before, after = _begin(db, user, application, Action.RELEASE)
    application.assignee_id = None
    _move(application, after)
    _step(db, application, user, Action.RELEASE.value, before)
    db.flush()
    record(db, actor_of(user), events.ApplicationReleased(**_event_base(application, before), previous_assignee_id=user.id))
    return application


def start_review(db: Session, *, user: User, application: Application) -> Application:
    application, before, after = _begin(db, user, application, Action.START_REVIEW)
    _move(application, after)
    _step(db, application, user, Action.START_REVIEW.value, before)
    db.flush()
    record(db, actor_of(user), events.ReviewStarted(**_event_base(application, before)))
    _tell(db, application, notices.UNDER_REVIEW)
    return application


def request_documents(db: Session, *, user: User, application: Application,
                      items: Sequence[tuple[str | None, str | None]]) -> DocumentRequest:
    """补件: what more is needed, each with a reason; the applicant is told."""
    application, before, after = _begin(db, user, application, Action.REQUEST_DOCUMENTS)
    known = products_port.known_kinds(db, application)
    clean = rules.request_items(items, known)
    now = utcnow()
    request = DocumentRequest(application_id=application.id, requested_by_id=user.id, created_at=now)
    for item in clean:
        request.items.append(DocumentRequestItem(kind=item.kind, reason=item.reason))
    db.add(request)
    application.requests.append(request)
    _move(application, after)
    listed = [(known[i.kind].label, i.reason) for i in clean]
    _step(db, application, user, Action.REQUEST_DOCUMENTS.value, before,
          "；".join(f"{label.zh}：{reason}" for label, reason in listed))
    db.flush()
    record(db, actor_of(user), events.DocumentsRequested(
        **_event_base(application, before), request_id=request.id,
        items=[{"kind": i.kind, "reason": i.reason} for i in clean]))
    _tell(db, application, notices.DOCUMENTS_REQUESTED,
          items=Text("；".join(f"{label.zh}（{reason}）" for label, reason in listed),
                     "; ".join(f"{label.en} ({reason})" for label, reason in listed)))
    return request


def enterprise_of(db: Session, application: Application) -> Enterprise:
    enterprise = db.get(Enterprise, application.enterprise_id)
    assert enterprise is not None
    return enterprise


def download(db: Session, *, user: User, application: Application, document_id: int):
    """The original file (decrypted), recorded in the audit log: documents carry licences, ID
    cards and statements."""
    from smecredit.documents import store
    from smecredit.documents.models import StoredFile

    document = next((d for d in application.documents if d.id == document_id), None)
    if document is None:
        raise not_found(DOCUMENT, "document_id")
    stored = db.get(StoredFile, document.stored_file_id)
    if stored is None:  # pragma: no cover - stored files are never deleted while referenced
        raise not_found(DOCUMENT, "document_id")
    record(db, actor_of(user), events.DocumentDownloaded(entity_id=application.id, no=application.no,
                                                         document_id=document.id, kind=document.kind,
                                                         sha256=document.sha256))
    return store.download_response(stored, document.filename)
