"""Builders for the stage-3 tests: a confirmed enterprise with its applicant and officer, staff,
a product of the default catalogue, drafts, and real files of every accepted type."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from smecredit.identity.roles import Role
from tests.enterprises.helpers import ready


@dataclass
class World:
    enterprise: object
    applicant: object
    officer: object
    reviewer: object
    approver: object
    code: str
    definition: object
    mode: str

    def required(self):
        from smecredit.applications import rules

        return [i for i in rules.checklist(self.definition, self.mode) if i.required]


def a_product(db):
    """A current product of the default catalogue whose checklist (first guarantee mode) has required items."""
    from smecredit.applications import rules
    from smecredit.kernel.clock import business_date
    from smecredit.products import catalogue
    from tests.products.helpers import load_defaults

    if not catalogue.current_versions(db, on=business_date()):
        load_defaults(db)
        from tests.decisioning.helpers import load_decisioning

        load_decisioning(db)  # submitting decides by the credit policy (stage 4)
    for version in catalogue.current_versions(db, on=business_date()):
        definition = version.definition
        mode = definition.guarantee_modes[0]
        if any(i.required for i in rules.checklist(definition, mode)):
            return version.product_code, definition, mode
    raise AssertionError("the default catalogue has no product with a required checklist item")


def world(db, make_user, n: int = 1) -> World:
    enterprise, applicant, officer = ready(db, make_user, n)
    db.commit()
    code, definition, mode = a_product(db)
    return World(enterprise, applicant, officer, make_user(Role.CREDIT_REVIEWER, f"reviewer-{n}"),
                 make_user(Role.APPROVER, f"approver-{n}"), code, definition, mode)


def need(w: World, **overrides):
    from smecredit.applications.service import Need

    d = w.definition
    values = dict(amount=str(max(d.min_amount, min(d.max_amount, Decimal("500000")))),
                  term_months=max(d.min_term_months, min(d.max_term_months, 12)), purpose="采购原材料 / raw materials",
                  repayment_method=d.repayment_methods[0], guarantee_mode=w.mode)
    values.update(overrides)
    return Need(**values)


def body(w: World, **overrides) -> dict:
    n = need(w)
    values = {"enterprise_id": w.enterprise.id, "product_code": w.code, "amount": str(n.amount),
              "term_months": n.term_months, "repayment_method": n.repayment_method, "guarantee_mode": n.guarantee_mode,
              "purpose": n.purpose}
    values.update(overrides)
    return values


def file_for(item, n: int = 0) -> tuple[str, bytes]:
    """A real file of the first type the item accepts (different bytes for each n)."""
    from tests.documents import samples

    kind = item.accepted[0]
    if kind == "pdf":
        return f"材料-{n}.pdf", samples.pdf(f"{item.kind} {n}")
    if kind == "png":
        return f"材料-{n}.png", samples.png(4 + n, 3)
    if kind == "jpeg":
        return f"材料-{n}.jpg", samples.jpeg(16 + n, 8)
    return f"材料-{n}.xlsx", samples.xlsx(3 + n)


def draft(db, w: World, **overrides):
    from smecredit.applications import service
    from smecredit.kernel.db import unit_of_work

    with unit_of_work(db):
        return service.create_draft(db, user=w.applicant, enterprise_id=w.enterprise.id, product_code=w.code,
                                    need=need(w, **overrides))


def fill(db, w: World, application, items=None):
    """Upload one file for every required item (committed)."""
    from smecredit.applications import service
    from smecredit.kernel.db import unit_of_work

    for n, item in enumerate(items if items is not None else w.required()):
        name, data = file_for(item, n)
        with unit_of_work(db):
            service.attach_document(db, user=w.applicant, application=application, kind=item.kind, upload=data,
                                    filename=name)
    return application


def run(db, use_case, **kwargs):
    from smecredit.kernel.db import unit_of_work

    with unit_of_work(db):
        return use_case(db, **kwargs)


def to_review(db, w: World, application):
    """draft → submitted → claimed by the officer → under review."""
    from smecredit.applications import service

    fill(db, w, application)
    run(db, service.submit, user=w.applicant, application=application)
    run(db, service.claim, user=w.officer, application=application)
    run(db, service.start_review, user=w.officer, application=application)
    return application


def reviewed(db, w: World, application):
    """Under review by the officer → handed to the reviewer, who approves it (审查): awaiting approval."""
    from smecredit.applications import service
    from smecredit.decisioning import reviews

    if application.assignee_id == w.officer.id:
        run(db, service.release, user=w.officer, application=application)
    if application.assignee_id is None:
        run(db, service.claim, user=w.reviewer, application=application)
    run(db, reviews.review, user=w.reviewer, application=application, action="approve", comment="同意 / agreed")
    return application


def decide(db, w: World, application, outcome: str, reason: str = "理由 / the reason"):
    """Under review → the reviewer (审查) then the approver (审批) approve or decline."""
    from smecredit.decisioning import reviews

    reviewed(db, w, application)
    run(db, reviews.review, user=w.approver, application=application,
        action="approve" if outcome == "approved" else "decline", comment=reason)
    return application
