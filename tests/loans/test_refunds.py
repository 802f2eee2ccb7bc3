"""Refunds of credit held (溢缴款退还) as a change a second person approves: operations ask (all the
credit by default, at most what is held, only when there is some), an approver or risk manager
approves, the sandbox bank pays the repayment account once under a key derived from the request, the
journal moves 2241.01 to 1002, an audit event, the borrower told; the API and the loan page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from smecredit.audit.models import AuditEvent
from smecredit.identity.roles import Role
from smecredit.kernel.errors import Conflict, Forbidden, Invalid
from smecredit.loans import accounting, bank, change_rules, changes, eod, service
from smecredit.loans.models import (
    JournalEntry,
    JournalLine,
    Loan,
    LoanChangeRequest,
    LoanTransaction,
    SandboxTransfer,
)
from smecredit.notifications.models import Notification
from tests.conftest import api_token, csrf_of, login
from tests.loans.helpers import disbursed, on, run, world
from tests.loans.test_changes import assert_journal_matches_the_loan, both_roles

D = Decimal
PAID = date(2025, 2, 10)  # the first instalment (10,327.97) falls due
CREDIT = D("15000.00") - D("10327.97")


def with_credit(db, make_user, n: int = 1):
    """A loan on which operations recorded 15,000 against a 10,327.97 instalment: 4,672.03 held."""
    w = world(db, make_user, n)
    loan = disbursed(db, w)
    with on(PAID):
        run(db, service.record_payment, user=w.operations, loan=loan, amount="15000", idempotency_key="over")
    db.refresh(loan)
    assert loan.credit == CREDIT
    return w, loan


def _transfers(db, loan):
    return db.execute(select(SandboxTransfer).where(SandboxTransfer.idempotency_key.like(f"loan-{loan.id}-refund-%"))
                      ).scalars().all()


def test_who_may_ask_for_a_refund_and_decide_it():
    assert change_rules.request_refusal("refund", frozenset({Role.OPERATIONS})) is None
    for role in (Role.LOAN_OFFICER, Role.APPROVER, Role.RISK_MANAGER, Role.APPLICANT):
        assert change_rules.request_refusal("refund", frozenset({role})) is not None, role
    assert change_rules.decision_refusal("refund", user_id=1, roles=frozenset({Role.APPROVER}), requested_by_id=2,
                                         loan_approved_by_id=1) is None  # not a credit change: the loan's approver may check it
    assert change_rules.decision_refusal("refund", user_id=2, roles=frozenset({Role.RISK_MANAGER}), requested_by_id=2,
                                         loan_approved_by_id=None).code == "four_eyes_requester"


def test_a_refund_is_asked_for_then_paid_once_by_a_second_person(db, make_user):
    w, loan = with_credit(db, make_user)
    with on(date(2025, 2, 12)):
        change = run(db, changes.request_change, user=w.operations, loan=loan, kind="refund",
                     reason="客户多缴 / paid too much")
        assert change.amount == CREDIT and change.status == "pending"  # all of it by default
        assert _transfers(db, loan) == []  # nothing moves before a second person approves
        with pytest.raises(Conflict) as again:
            run(db, changes.request_change, user=w.operations, loan=loan, kind="refund", amount="10", reason="again")
        assert again.value.code == "pending_exists"
        with pytest.raises(Forbidden):  # operations are not checkers
            run(db, changes.approve, user=w.operations, change=change)
        done = run(db, changes.approve, user=w.approver, change=change, comment="核实无误 / checked")
    assert done.status == "approved" and done.effective_on == date(2025, 2, 12)
    row = db.get(LoanTransaction, done.applied_transaction_id)
    assert (row.kind, row.amount, row.value_date) == ("refund", CREDIT, date(2025, 2, 12))
    [transfer] = _transfers(db, loan)
    assert (transfer.from_account, transfer.to_account, transfer.amount) == (bank.LENDER_ACCOUNT, loan.repayment_account, CREDIT)
    assert row.bank_reference == f"SBX{transfer.id:010d}"
    db.refresh(loan)
    assert loan.credit == 0
    entry = db.execute(select(JournalEntry).where(JournalEntry.transaction_id == row.id)).scalar_one()
    lines = {(line.account, line.debit, line.credit) for line in
             db.execute(select(JournalLine).where(JournalLine.entry_id == entry.id)).scalars()}
    assert lines == {(accounting.CUSTOMER_CREDIT, CREDIT, D("0.00")), (accounting.CLEARING, D("0.00"), CREDIT)}
    assert_journal_matches_the_loan(db, loan)
    event = db.execute(select(AuditEvent).where(AuditEvent.action == "loan.credit_refunded")).scalar_one()
    assert f'"amount":"{CREDIT}"' in event.payload and loan.repayment_account not in event.payload  # masked
    notice = db.execute(select(Notification).where(Notification.recipient_id == w.applicant.id,
                                                   Notification.kind == "loan.credit_refunded")).scalar_one()
    assert "4,672.03" in notice.body_zh and loan.repayment_account[-4:] in notice.body_zh
    with on(date(2025, 2, 12)), pytest.raises(Conflict) as none_left:
        run(db, changes.request_change, user=w.operations, loan=loan, kind="refund", reason="again")
    assert none_left.value.code == "no_credit"
    # the bank paid it out: undoing its entry would claim the money came back — not a reversal
    with on(date(2025, 2, 13)), pytest.raises(Conflict) as refused:
        run(db, changes.request_change, user=w.operations, loan=loan, kind="reversal", transaction_id=row.id,
            reason="想撤回退款 / undo the refund")
    assert refused.value.code == "not_reversible"


def test_a_refund_within_the_credit_held(db, make_user):
    w, loan = with_credit(db, make_user)
    checker = both_roles(db, make_user, "ops-and-approver", Role.OPERATIONS, Role.APPROVER)
    with on(date(2025, 2, 12)):
        for amount, code in (("5000", "refund_above_credit"), ("0", "amount_not_positive"), ("1.234", None)):
            with pytest.raises(Invalid) as refused:
                run(db, changes.request_change, user=w.operations, loan=loan, kind="refund", amount=amount, reason="r")
            assert refused.value.field == "amount" and (code is None or refused.value.code == code)
        change = run(db, changes.request_change, user=checker, loan=loan, kind="refund", amount="1000.00", reason="part")
        with pytest.raises(Forbidden) as own:  # nobody approves what they asked for
            run(db, changes.approve, user=checker, change=change)
        assert own.value.code == "four_eyes_requester"
        run(db, changes.approve, user=w.approver, change=change)
    db.refresh(loan)
    assert loan.credit == CREDIT - D("1000.00")


def test_credit_used_since_the_request_is_not_refunded(db, make_user):
    """The credit held pays the next instalment on its due date; a refund asked for before it is
    refused at approval, and nothing is paid."""
    w, loan = with_credit(db, make_user)
    with on(date(2025, 2, 20)):
        change = run(db, changes.request_change, user=w.operations, loan=loan, kind="refund", reason="多缴")
    from smecredit.loans.models import SandboxAccount

    db.execute(SandboxAccount.__table__.update().values(balance=0))  # the debit takes nothing: the credit pays
    db.commit()
    with on(date(2025, 3, 10)):
        eod.run(date(2025, 3, 10))
        db.refresh(loan)
        assert loan.credit == 0
        with pytest.raises(Conflict) as refused:
            run(db, changes.approve, user=w.approver, change=change)
    assert refused.value.code == "no_credit"
    assert _transfers(db, loan) == [] and db.get(LoanChangeRequest, change.id).status == "pending"


def test_the_api_and_the_loan_page(client, db, make_user):
    w, loan = with_credit(db, make_user)
    ops, checker = api_token(client, w.operations.username), api_token(client, w.approver.username)
    with on(date(2025, 2, 12)):
        path = f"/api/v1/loans/{loan.id}/change-requests"
        bad = client.post(path, json={"kind": "refund", "reason": "r", "amount": "9999.00"}, headers=ops)
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "refund_above_credit"
        officer = api_token(client, w.officer.username)
        assert client.post(path, json={"kind": "refund", "reason": "r"}, headers=officer).status_code == 403
        made = client.post(path, json={"kind": "refund", "reason": "多缴 / overpaid", "amount": "4000.00"}, headers=ops)
        assert made.status_code == 201 and made.json()["amount"] == "4000.00"
        login(client, w.operations.username)
        page = client.get(f"/loans/{loan.id}")
        assert 'data-testid="credit-held"' in page.text and "¥4,672.03" in page.text
        assert "退还溢缴款 ¥4,000.00 至还款账户 ****" in page.text
        approved = client.post(f"/api/v1/loan-change-requests/{made.json()['id']}/approve", json={}, headers=checker)
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
        page = client.get(f"/loans/{loan.id}")
        assert "¥672.03" in page.text and 'value="refund"' in page.text  # still some credit: still offered
        change = db.execute(select(LoanChangeRequest).where(LoanChangeRequest.loan_id == loan.id)).scalar_one()
        rest = client.post(f"/loans/{loan.id}/change-requests",
                           data={"csrf_token": csrf_of(client), "kind": "refund", "reason": "余额 / the rest", "amount": ""},
                           follow_redirects=False)
        assert rest.status_code == 303
        assert db.execute(select(func.count()).select_from(LoanChangeRequest).where(
            LoanChangeRequest.loan_id == loan.id, LoanChangeRequest.amount == D("672.03"))).scalar_one() == 1
        assert change.status == "approved"


def test_no_refund_offered_without_credit(client, db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)
    login(client, w.operations.username)
    with on(date(2025, 1, 20)):
        page = client.get(f"/loans/{loan.id}")
        assert page.status_code == 200 and 'value="refund"' not in page.text and 'data-testid="credit-held"' not in page.text
        refused = client.post(f"/loans/{loan.id}/change-requests",
                              data={"csrf_token": csrf_of(client), "kind": "refund", "reason": "r"}, follow_redirects=False)
        assert refused.status_code == 409 and "没有溢缴款" in refused.text
    assert 'data-show-when="kind=refund"' not in page.text
    assert db.get(Loan, loan.id).credit == 0
