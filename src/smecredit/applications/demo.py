"""Demo data for stage 3 (first start only; idempotent): applications in every stage-3 state for
the demo enterprises, so a newcomer sees a living queue. Every step goes through the use cases
(audited, notified, on the timeline); the documents are small labelled demo PDFs. Submitting
decides at once by the default credit policy (stage 4), so the sandbox data decides the outcome:

* the demo `applicant`'s enterprise: a draft with part of its documents; a large working-capital
  loan the policy referred, under review by the `officer`, waiting for 补件 (the applicant's inbox
  says what is needed); a small one approved automatically, its offer waiting for the applicant;
* the enterprises the demo `officer` registered on behalf: one referred and unclaimed in the queue
  (above the automatic authority), one withdrawn; one declined automatically (its limit is under
  the product's minimum); one under review by the `reviewer` and one resubmitted after 补件
  (referred: an open lawsuit).

Stage 4's demo (`decisioning/demo.py`) adds the offers answered, the approval, the committee and an
override.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smecredit.applications import products_port, rules, service
from smecredit.applications.models import Application
from smecredit.enterprises.models import Enterprise, EnterpriseMember
from smecredit.identity.models import User

log = logging.getLogger("smecredit.demo")


def demo_pdf(title: str) -> bytes:
    """A one-page PDF with a correct cross-reference table, labelled as demo material."""
    text = f"smecredit demo document: {title}".encode("ascii", "replace")
    stream = b"BT /F1 10 Tf 20 50 Td (" + text + b") Tj ET"
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
               b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 100]/Contents 4 0 R>>",
               b"<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream"]
    body = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(body))
        body += f"{n} 0 obj".encode() + obj + b"endobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    body += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(body)


def _user(db: Session, username: str) -> User | None:
    return db.execute(select(User).where(User.username == username)).scalar_one_or_none()


def _pick_product(db: Session, code: str | None = None):
    """The current product ``code`` (else the first one) with a guarantee mode whose required items
    all accept PDFs."""
    versions = products_port.current_versions(db)
    if code is not None:
        versions = [v for v in versions if v.product_code == code] or versions
    for version in versions:
        definition = version.definition
        for mode in definition.guarantee_modes:
            items = rules.checklist(definition, mode)
            if all("pdf" in i.accepted for i in items if i.required):
                return version, mode
    return None, None


def _need(definition, mode: str, amount: Decimal, purpose: str) -> service.Need:
    low, high = definition.min_amount, definition.max_amount
    amount = max(low, min(high, amount))
    term = max(definition.min_term_months, min(definition.max_term_months, 12))
    return service.Need(amount=amount, term_months=term, purpose=purpose,
                        repayment_method=definition.repayment_methods[0], guarantee_mode=mode)


def _documents(db: Session, user: User, application: Application, *, only_first: bool = False) -> None:
    items = [i for i in service.document_items(db, application) if i.required]
    for item in items[:1] if only_first else items:
        service.attach_document(db, user=user, application=application, kind=item.kind,
                                upload=demo_pdf(f"{item.kind} {application.no}"), filename=f"演示-{item.label.zh}.pdf")


def seed_demo(db: Session) -> int:
    """Create the demo applications unless some exist; returns how many were created."""
    if db.execute(select(func.count()).select_from(Application)).scalar_one():
        return 0
    applicant, officer = _user(db, "applicant"), _user(db, "officer")
    reviewer = _user(db, "reviewer")
    if officer is None or reviewer is None:
        log.info("demo staff missing; skipping the stage 3 demo")
        return 0
    version, mode = _pick_product(db, "working_capital_loan")
    if version is None:
        log.info("no product with a PDF checklist; skipping the stage 3 demo")
        return 0
    definition = version.definition
    own = own_enterprise(db, applicant)
    on_behalf = officers_enterprises(db, officer)
    created = 0

    def new(user: User, enterprise: Enterprise, amount: str, purpose: str) -> Application:
        nonlocal created
        created += 1
        return service.create_draft(db, user=user, enterprise_id=enterprise.id, product_code=version.product_code,
                                    need=_need(definition, mode, Decimal(amount), purpose))

    def submitted(user: User, enterprise: Enterprise, amount: str, purpose: str) -> Application:
        application = new(user, enterprise, amount, purpose)
        _documents(db, user, application)
        return service.submit(db, user=user, application=application)

    def reviewed(user: User, enterprise: Enterprise, amount: str, purpose: str, handler: User) -> Application:
        application = submitted(user, enterprise, amount, purpose)
        if application.status != "submitted":  # decided at once: nothing for a person to review
            return application
        service.claim(db, user=handler, application=application)
        return service.start_review(db, user=handler, application=application)

    def requested(application: Application, handler: User, reason: str) -> Application:
        if application.status != "under_review":
            return application
        kind = next(i.kind for i in service.document_items(db, application) if i.required)
        service.request_documents(db, user=handler, application=application, items=[(kind, reason)])
        return application

    if own is not None and applicant is not None:
        draft = new(applicant, own, "200000", "采购原材料（演示） / raw materials (demo)")
        _documents(db, applicant, draft, only_first=True)
        requested(reviewed(applicant, own, "6000000", "扩建仓库与备货（演示） / a warehouse and stock (demo)", officer),
                  officer, "请上传最近一期盖章版本（演示） / the latest stamped copy (demo)")
        submitted(applicant, own, "300000", "补充流动资金（演示） / working capital (demo)")
    for n, enterprise in enumerate(on_behalf[:3]):
        if n == 0:
            submitted(officer, enterprise, "1500000", "备货（演示） / stock up (demo)")
            withdrawn = new(officer, enterprise, "200000", "设备更新（演示） / equipment (demo)")
            service.withdraw(db, user=officer, application=withdrawn, reason="企业暂不需要（演示） / not needed now (demo)")
        elif n == 1:
            submitted(officer, enterprise, "300000", "扩大经营（演示） / expand (demo)")
        else:
            reviewed(officer, enterprise, "300000", "订单生产（演示） / produce an order (demo)", reviewer)
            again = requested(reviewed(officer, enterprise, "280000", "支付工资（演示） / payroll (demo)", reviewer), reviewer,
                              "流水不完整（演示） / statement incomplete (demo)")
            if again.status == "documents_requested":
                for item in service.unanswered(again):
                    service.attach_document(db, user=officer, application=again, kind=item.kind,
                                            upload=demo_pdf(f"resubmitted {again.no}"), filename="演示-补件.pdf")
                service.resubmit(db, user=officer, application=again)
    return created


def own_enterprise(db: Session, applicant: User | None) -> Enterprise | None:
    """The demo applicant's confirmed enterprise."""
    if applicant is None:
        return None
    return db.execute(select(Enterprise).join(EnterpriseMember).where(EnterpriseMember.user_id == applicant.id)
                      .where(Enterprise.ownership == "confirmed").order_by(Enterprise.id)).scalars().first()


def officers_enterprises(db: Session, officer: User) -> list[Enterprise]:
    """The confirmed enterprises the demo officer registered on behalf (no members of their own)."""
    return list(db.execute(select(Enterprise).where(Enterprise.officer_id == officer.id, Enterprise.ownership == "confirmed",
                                                    ~Enterprise.id.in_(select(EnterpriseMember.enterprise_id)))
                           .order_by(Enterprise.id)).scalars().all())


def new_application(db: Session, user: User, enterprise: Enterprise, code: str, amount: str, purpose: str,
                    *, submit: bool = True, term_months: int | None = None,
                    repayment_method: str | None = None) -> Application | None:
    """One application of product ``code`` with every required document, submitted (and so
    decided); None when the product has no guarantee mode with PDF-only required documents. The
    term and repayment method are the product's when it offers them (else 12 months, its first)."""
    version, mode = _pick_product(db, code)
    if version is None or version.product_code != code:
        return None
    definition = version.definition
    need = _need(definition, mode, Decimal(amount), purpose)
    if term_months is not None and definition.min_term_months <= term_months <= definition.max_term_months:
        need = replace(need, term_months=term_months)
    if repayment_method in definition.repayment_methods:
        need = replace(need, repayment_method=repayment_method)
    application = service.create_draft(db, user=user, enterprise_id=enterprise.id, product_code=code, need=need)
    _documents(db, user, application)
    return service.submit(db, user=user, application=application) if submit else application


__all__ = ["seed_demo", "demo_pdf", "own_enterprise", "officers_enterprises", "new_application"]
