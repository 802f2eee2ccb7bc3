"""Demo data for stage 3 (first start only; idempotent): applications in every state for the demo
enterprises, so a newcomer sees a living queue. Every step goes through the use cases (audited,
notified, on the timeline); the documents are small labelled demo PDFs.

* the demo `applicant`'s enterprise: a draft with part of its documents, one waiting for 补件
  (the applicant's inbox says what is needed), one approved;
* the enterprises the demo `officer` registered on behalf: one submitted and unclaimed (the
  queue), one under review by the `reviewer`, one resubmitted after 补件, one withdrawn, one declined.
"""

from __future__ import annotations

import logging
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


def _pick_product(db: Session):
    """The first current product whose first guarantee mode accepts PDFs for its required items."""
    for version in products_port.current_versions(db):
        definition = version.definition
        for mode in definition.guarantee_modes:
            items = rules.checklist(definition, mode)
            if all("pdf" in i.accepted for i in items if i.required):
                return version, mode
    return None, None


def _need(definition, mode: str, share: Decimal, purpose: str) -> service.Need:
    low, high = definition.min_amount, definition.max_amount
    amount = (low + (high - low) * share).quantize(Decimal("10000")) if high > low else low
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
    reviewer, approver = _user(db, "reviewer"), _user(db, "approver")
    if officer is None or reviewer is None or approver is None:
        log.info("demo staff missing; skipping the stage 3 demo")
        return 0
    version, mode = _pick_product(db)
    if version is None:
        log.info("no product with a PDF checklist; skipping the stage 3 demo")
        return 0
    definition = version.definition
    own = db.execute(select(Enterprise).join(EnterpriseMember).where(EnterpriseMember.user_id == applicant.id)
                     .where(Enterprise.ownership == "confirmed").order_by(Enterprise.id)).scalars().first() \
        if applicant is not None else None
    on_behalf = db.execute(select(Enterprise).where(Enterprise.officer_id == officer.id, Enterprise.ownership == "confirmed",
                                                    ~Enterprise.id.in_(select(EnterpriseMember.enterprise_id)))
                           .order_by(Enterprise.id)).scalars().all()
    created = 0

    def new(user: User, enterprise: Enterprise, share: str, purpose: str) -> Application:
        nonlocal created
        created += 1
        return service.create_draft(db, user=user, enterprise_id=enterprise.id, product_code=version.product_code,
                                    need=_need(definition, mode, Decimal(share), purpose))

    def submitted(user: User, enterprise: Enterprise, share: str, purpose: str) -> Application:
        application = new(user, enterprise, share, purpose)
        _documents(db, user, application)
        return service.submit(db, user=user, application=application)

    def reviewed(user: User, enterprise: Enterprise, share: str, purpose: str, handler: User) -> Application:
        application = submitted(user, enterprise, share, purpose)
        service.claim(db, user=handler, application=application)
        return service.start_review(db, user=handler, application=application)

    def requested(application: Application, handler: User, reason: str) -> Application:
        kind = next(i.kind for i in service.document_items(db, application) if i.required)
        service.request_documents(db, user=handler, application=application, items=[(kind, reason)])
        return application

    if own is not None and applicant is not None:
        draft = new(applicant, own, "0.2", "采购原材料（演示） / raw materials (demo)")
        _documents(db, applicant, draft, only_first=True)
        requested(reviewed(applicant, own, "0.3", "支付货款（演示） / pay suppliers (demo)", officer), officer,
                  "请上传最近一期盖章版本（演示） / the latest stamped copy (demo)")
        approved = reviewed(applicant, own, "0.1", "补充流动资金（演示） / working capital (demo)", officer)
        service.decide(db, user=approver, application=approved, outcome="approved",
                       reason="经营稳定、纳税记录良好（演示） / stable business, good tax record (demo)")
    for n, enterprise in enumerate(on_behalf[:3]):
        if n == 0:
            submitted(officer, enterprise, "0.4", "备货（演示） / stock up (demo)")
            withdrawn = new(officer, enterprise, "0.2", "设备更新（演示） / equipment (demo)")
            service.withdraw(db, user=officer, application=withdrawn, reason="企业暂不需要（演示） / not needed now (demo)")
        elif n == 1:
            reviewed(officer, enterprise, "0.5", "订单生产（演示） / produce an order (demo)", reviewer)
            declined = reviewed(officer, enterprise, "0.6", "扩大经营（演示） / expand (demo)", reviewer)
            service.decide(db, user=approver, application=declined, outcome="declined",
                           reason="负债率偏高（演示） / debt ratio too high (demo)")
        else:
            again = requested(reviewed(officer, enterprise, "0.3", "支付工资（演示） / payroll (demo)", reviewer), reviewer,
                              "流水不完整（演示） / statement incomplete (demo)")
            for item in service.unanswered(again):
                service.attach_document(db, user=officer, application=again, kind=item.kind,
                                        upload=demo_pdf(f"resubmitted {again.no}"), filename="演示-补件.pdf")
            service.resubmit(db, user=officer, application=again)
    return created


__all__ = ["seed_demo", "demo_pdf"]
