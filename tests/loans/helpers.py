"""Builders for the stage-5a tests: a borrowing enterprise with its people, an operations user, a
loan awaiting disbursement with its contract accepted, and a movable business date."""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from smecredit.identity.roles import Role
from tests.enterprises.helpers import ready

START = date(2025, 1, 10)


@contextmanager
def on(day: date):
    """The business date is ``day`` inside the block."""
    from smecredit.kernel.settings import get_settings

    before = os.environ.get("SMECREDIT_BUSINESS_DATE")
    os.environ["SMECREDIT_BUSINESS_DATE"] = day.isoformat()
    get_settings.cache_clear()
    try:
        yield day
    finally:
        if before is None:
            os.environ.pop("SMECREDIT_BUSINESS_DATE", None)
        else:
            os.environ["SMECREDIT_BUSINESS_DATE"] = before
        get_settings.cache_clear()


@dataclass
class World:
    enterprise: object
    applicant: object
    officer: object
    approver: object
    operations: object


def world(db, make_user, n: int = 1) -> World:
    enterprise, applicant, officer = ready(db, make_user, n)
    db.commit()
    return World(enterprise, applicant, officer, make_user(Role.APPROVER, f"approver-{n}"),
                 make_user(Role.OPERATIONS, f"operations-{n}"))


def run(db, use_case, **kwargs):
    from smecredit.kernel.db import unit_of_work

    with unit_of_work(db):
        return use_case(db, **kwargs)


def open_loan(db, w: World, *, day: date = START, principal="120000", annual_rate="6", months=12,
              method="equal_installment", markup="50", accept: bool = True, deposit: str | None = None):
    """A loan on ``day`` (contract accepted by the applicant unless told otherwise); optionally money
    in the borrower's repayment account at the sandbox bank."""
    from smecredit.audit.log import Actor
    from smecredit.loans import bank, contract, service

    account = f"6222{w.enterprise.id:08d}"
    with on(day):
        loan = run(db, service.open_loan, actor=Actor("test-setup", "system"), enterprise_id=w.enterprise.id,
                   product_code="WCL", principal=principal, annual_rate=Decimal(annual_rate), months=months,
                   method=method, penalty_markup=Decimal(markup), payment_mode="self", payee_account=account,
                   payee_name=w.enterprise.name, repayment_account=account, approved_by_id=w.approver.id)
        if accept:
            run(db, service.accept_contract, user=w.applicant, loan=loan, contract_sha256=contract.sha256_of(db, loan))
        if deposit is not None:
            run(db, bank.SandboxBank().deposit, account_no=account, holder=w.enterprise.name, amount=Decimal(deposit))
    return loan


def disbursed(db, w: World, *, day: date = START, **terms):
    from smecredit.loans import service

    loan = open_loan(db, w, day=day, **terms)
    with on(day):
        run(db, service.disburse, user=w.operations, loan=loan, idempotency_key=f"disburse-{loan.id}")
    return loan


def reversed_by_two(db, w: World, loan, transaction_id: int, reason: str, checker=None):
    """A reversal as it happens now: operations request it, a second person (by default the loan's
    approver, who may check a reversal) approves it."""
    from smecredit.loans import changes

    change = run(db, changes.request_change, user=w.operations, loan=loan, kind="reversal",
                 transaction_id=transaction_id, reason=reason)
    return run(db, changes.approve, user=checker or w.approver, change=change)
