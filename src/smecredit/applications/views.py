"""Applications as the API and the pages read them: labels for every code, the checklist with
what is provided, the open 补件 items, the timeline, and what the reader may do now."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smecredit.applications import products_port, rules, schemas, service, states
from smecredit.applications.models import Application, ApplicationStep
from smecredit.applications.records import allowed_for
from smecredit.identity.models import User
from smecredit.identity.roles import ROLE_LABELS, Role
from smecredit.kernel.clock import utcnow
from smecredit.kernel.text import Text

STEP_LABELS: dict[str, Text] = {
    "create": Text("创建申请", "Application created"),
    "attach_document": Text("上传材料", "Document uploaded"),
    "remove_document": Text("删除材料", "Document removed"),
    **states.ACTION_LABELS,
}


def step_label(action: str) -> Text:
    return STEP_LABELS.get(action, Text(action, action))


def role_label(role: str) -> Text:
    try:
        zh, en = ROLE_LABELS[Role(role)]
    except ValueError:
        return Text("系统", "System")
    return Text(zh, en)


def status_label(application: Application) -> Text:
    return states.state_label(application.status)


def _t(text: Text | None) -> schemas.TextOut | None:
    return None if text is None else schemas.TextOut(zh=text.zh, en=text.en)


def checklist_out(db: Session, application: Application) -> list[schemas.ChecklistItemOut]:
    present = {d.kind for d in application.documents}
    return [schemas.ChecklistItemOut(kind=i.kind, label=_t(i.label), required=i.required, accepted=list(i.accepted),
                                     note=_t(i.note), provided=i.kind in present)
            for i in service.document_items(db, application)]


def requests_out(db: Session, application: Application) -> list[schemas.DocumentRequestOut]:
    known = products_port.known_kinds(db, application)
    out = []
    for request in application.requests:
        answered = {d.kind for d in application.documents if d.request_id == request.id}
        out.append(schemas.DocumentRequestOut(
            id=request.id, created_at=request.created_at, answered_at=request.answered_at,
            items=[schemas.RequestItemOut(kind=i.kind, label=_t(known.get(i.kind, rules.OTHER).label), reason=i.reason,
                                          answered=request.answered_at is not None or i.kind in answered)
                   for i in request.items]))
    return out


def step_out(step: ApplicationStep) -> schemas.StepOut:
    return schemas.StepOut(at=step.at, actor_role=step.actor_role, actor_role_label=_t(role_label(step.actor_role)),
                           actor_name=step.actor_name, action=step.action, action_label=_t(step_label(step.action)),
                           from_status=step.from_status, to_status=step.to_status,
                           to_status_label=_t(states.state_label(step.to_status)), note=step.note)


def product_name(db: Session, application: Application) -> Text:
    return products_port.version_of(db, application).definition.name


def application_out(db: Session, application: Application, *, user: User) -> schemas.ApplicationOut:
    enterprise = service.enterprise_of(db, application)
    return schemas.ApplicationOut(
        id=application.id, no=application.no, status=application.status, status_label=_t(status_label(application)),
        outcome=application.outcome, decision_reason=application.decision_reason, enterprise_id=enterprise.id,
        enterprise_name=enterprise.name, product_code=application.product_code,
        product_version=application.product_version, product_name=_t(product_name(db, application)),
        amount=application.amount, term_months=application.term_months,
        repayment_method=application.repayment_method, guarantee_mode=application.guarantee_mode,
        purpose=application.purpose, assignee_id=application.assignee_id, created_at=application.created_at,
        submitted_at=application.submitted_at, decided_at=application.decided_at, version=application.version,
        checklist=checklist_out(db, application), missing=[i.kind for i in service.missing_items(db, application)],
        documents=[schemas.DocumentOut.model_validate(d) for d in application.documents],
        document_requests=requests_out(db, application),
        allowed_actions=[a.value for a in allowed_for(db, user, application)],
        timeline=[step_out(s) for s in application.steps])


def age_days(application: Application) -> int | None:
    if application.submitted_at is None:
        return None
    return max(0, (utcnow() - application.submitted_at).days)


def list_item(db: Session, application: Application) -> schemas.ApplicationListItem:
    enterprise = service.enterprise_of(db, application)
    return schemas.ApplicationListItem(
        id=application.id, no=application.no, status=application.status, status_label=_t(status_label(application)),
        outcome=application.outcome, enterprise_id=enterprise.id, enterprise_name=enterprise.name,
        product_code=application.product_code, amount=application.amount, term_months=application.term_months,
        submitted_at=application.submitted_at, age_days=age_days(application), assignee_id=application.assignee_id)
