"""Builders for the stage-4 service tests: the default policy and scorecards loaded, an enterprise
with its sandbox data pulled (a profile), staff of every role, applications submitted (decided)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from smecredit.identity.roles import Role


def load_decisioning(db) -> None:
    from smecredit.decisioning import setup
    from smecredit.kernel.db import unit_of_work
    from tests.products.helpers import load_defaults

    load_defaults(db)
    with unit_of_work(db):
        setup.load_defaults(db)


@dataclass
class World:
    enterprise: object
    applicant: object
    officer: object
    reviewer: object
    approver: object
    approver2: object
    risk: object
    risk2: object
    code: str
    definition: object
    mode: str
    others: dict = field(default_factory=dict)

    def required(self):
        from smecredit.applications import rules

        return [i for i in rules.checklist(self.definition, self.mode) if i.required]


def product(db, code: str | None = None):
    from smecredit.applications import rules
    from smecredit.kernel.clock import business_date
    from smecredit.products import catalogue

    for version in catalogue.current_versions(db, on=business_date()):
        definition = version.definition
        if code is not None and version.product_code != code:
            continue
        mode = definition.guarantee_modes[0]
        if code is not None or any(i.required for i in rules.checklist(definition, mode)):
            return version.product_code, definition, mode
    raise AssertionError(f"no product {code}")


def world(db, make_user, n: int = 1, *, code: str | None = None, profiled: bool = True, **overrides) -> World:
    """The defaults loaded; an enterprise (with its sandbox data pulled and profile computed when
    ``profiled``); its applicant and officer; a reviewer, two approvers and two risk managers."""
    from tests.enterprises.helpers import ready
    from tests.products.helpers import profiled as with_profile

    load_decisioning(db)
    if profiled:
        enterprise, applicant, officer = with_profile(db, make_user, n, **overrides)
    else:
        enterprise, applicant, officer = ready(db, make_user, n, **overrides)
        db.commit()
    found_code, definition, mode = product(db, code)
    return World(enterprise, applicant, officer, make_user(Role.CREDIT_REVIEWER, f"reviewer-{n}"),
                 make_user(Role.APPROVER, f"approver-{n}"), make_user(Role.APPROVER, f"approver2-{n}"),
                 make_user(Role.RISK_MANAGER, f"risk-{n}"), make_user(Role.RISK_MANAGER, f"risk2-{n}"),
                 found_code, definition, mode)


def need(w: World, amount: str | Decimal | None = None, **overrides):
    from smecredit.applications.service import Need

    d = w.definition
    wanted = Decimal(amount) if amount is not None else Decimal("300000")
    values = dict(amount=str(max(d.min_amount, min(d.max_amount, wanted))),
                  term_months=max(d.min_term_months, min(d.max_term_months, 12)), purpose="采购原材料 / raw materials",
                  repayment_method=d.repayment_methods[0], guarantee_mode=w.mode)
    values.update(overrides)
    return Need(**values)


def run(db, use_case, **kwargs):
    from smecredit.kernel.db import unit_of_work

    with unit_of_work(db):
        return use_case(db, **kwargs)


def submitted(db, w: World, amount: str | Decimal | None = None, **overrides):
    """A draft with every required document, submitted (and so decided)."""
    from smecredit.applications import service
    from tests.applications.helpers import file_for

    application = run(db, service.create_draft, user=w.applicant, enterprise_id=w.enterprise.id, product_code=w.code,
                      need=need(w, amount, **overrides))
    for n, item in enumerate(w.required()):
        name, data = file_for(item, n)
        run(db, service.attach_document, user=w.applicant, application=application, kind=item.kind, upload=data,
            filename=name)
    return run(db, service.submit, user=w.applicant, application=application)
