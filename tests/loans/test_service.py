"""Loan use cases on a real database: disbursement exactly once, payments (backdated ones too),
reversals, the journal in step with the loan, the four-eyes rule between approval and disbursement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from smecredit.audit.models import AuditEvent
from smecredit.kernel.errors import Conflict, Forbidden, Invalid
from smecredit.loans import accounting, contract, ledger, service
from smecredit.loans.models import JournalLine, Loan, LoanTransaction, SandboxAccount, SandboxTransfer
from tests.loans.helpers import START, disbursed, on, open_loan, reversed_by_two, run, world

D = Decimal


def journal_figures(db, loan):
    rows = db.execute(select(JournalLine.account, func.sum(JournalLine.debit) - func.sum(JournalLine.credit))
                      .where(JournalLine.loan_id == loan.id).group_by(JournalLine.account)).all()
    return accounting.loan_figures({account: D(str(amount)).quantize(D("0.01")) for account, amount in rows})


def loan_figures(loan):
    return accounting.position_figures(service.position_from_json(loan.posted_position))


def test_a_disbursement_pays_the_designated_account_once_and_posts_the_journal(db, make_user):
    w = world(db, make_user)
    loan = open_loan(db, w)
    assert loan.status == ledger.PENDING and loan.apr == D("6.00") and loan.no.startswith("JK20250110")
    with on(START):
        first = run(db, service.disburse, user=w.operations, loan=loan, idempotency_key="k-1")
        again = run(db, service.disburse, user=w.operations, loan=loan, idempotency_key="k-1")
        with pytest.raises(Conflict) as refused:
            run(db, service.disburse, user=w.operations, loan=loan, idempotency_key="k-2")
    assert refused.value.code == "already_disbursed"
    assert again.id == first.id
    db.refresh(loan)
    assert loan.status == ledger.ACTIVE and loan.outstanding_principal == D("120000.00")
    assert loan.next_due_date == date(2025, 2, 10) and loan.next_due_amount == D("10327.97")
    transfers = db.execute(select(SandboxTransfer)).scalars().all()
    assert [(t.to_account, t.amount) for t in transfers] == [(loan.payee_account, D("120000.00"))]
    assert db.get(SandboxAccount, loan.payee_account).balance == D("120000.00")
    assert journal_figures(db, loan) == loan_figures(loan)
    assert journal_figures(db, loan)["principal"] == D("120000.00")


def test_the_approver_may_not_disburse_and_the_contract_comes_first(db, make_user):
    from smecredit.identity.roles import Role

    w = world(db, make_user)
    loan = open_loan(db, w, accept=False)
    with on(START), pytest.raises(Conflict) as refused:
        run(db, service.disburse, user=w.operations, loan=loan, idempotency_key="k")
    assert refused.value.code == "contract_not_accepted"
    with on(START), pytest.raises(Forbidden):
        run(db, service.disburse, user=w.officer, loan=loan, idempotency_key="k")
    both = make_user(Role.OPERATIONS, "ops-approver")
    loan.approved_by_id = both.id
    db.commit()
    with on(START), pytest.raises(Forbidden) as refused:
        run(db, service.disburse, user=both, loan=loan, idempotency_key="k")
    assert refused.value.code == "approver_may_not_disburse"


def test_the_contract_accepted_is_the_text_shown(db, make_user):
    w = world(db, make_user)
    loan = open_loan(db, w, accept=False)
    text = contract.render(db, loan)
    assert "年化利率 6.00%" in text and "罚息利率 9.00%" in text and w.enterprise.name in text
    with on(START), pytest.raises(Conflict) as refused:
        run(db, service.accept_contract, user=w.applicant, loan=loan, contract_sha256="0" * 64)
    assert refused.value.code == "contract_changed"
    with on(START), pytest.raises(Forbidden):
        run(db, service.accept_contract, user=w.officer, loan=loan, contract_sha256=contract.sha256_of(db, loan))
    with on(START):
        run(db, service.accept_contract, user=w.applicant, loan=loan, contract_sha256=contract.sha256_of(db, loan))
    db.refresh(loan)
    assert loan.contract_accepted_at is not None and loan.contract_sha256 == contract.sha256_of(db, loan)
    assert db.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "loan.contract_accepted")).scalar_one() == 1


def test_a_backdated_payment_re_derives_the_penalty_and_the_journal_follows(db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)
    with on(date(2025, 2, 20)):
        late = run(db, service.record_payment, user=w.operations, loan=loan, amount="10400", idempotency_key="p1",
                   value_date=date(2025, 2, 20))
    db.refresh(loan)
    assert loan.penalty == 0 and loan.credit == D("10400") - D("10327.97") - D("24.32") - D("1.50")
    with on(date(2025, 2, 21)):
        reversed_by_two(db, w, loan, late.id, "录错日期 wrong date")
        run(db, service.record_payment, user=w.operations, loan=loan, amount="10400", idempotency_key="p2",
            value_date=date(2025, 2, 12))
    db.refresh(loan)
    state = service.state_of(db, loan, date(2025, 2, 21))
    assert state.allocations[-1].penalty == D("4.86") and loan.overdue_principal == 0
    assert loan.credit == D("10400") - D("10327.97") - D("4.86") - D("0.30")
    assert journal_figures(db, loan) == loan_figures(loan)
    kinds = [row.kind for row in db.execute(select(LoanTransaction).where(LoanTransaction.loan_id == loan.id)).scalars()]
    assert kinds == ["disbursement", "repayment", "reversal", "repayment"]


def test_payments_are_checked(db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)
    with on(date(2025, 2, 1)):
        for amount, value_date, field in (("0", None, "amount"), ("1.001", None, "amount"),
                                          ("100", date(2025, 2, 2), "value_date"), ("100", date(2025, 1, 1), "value_date")):
            with pytest.raises(Invalid) as refused:
                run(db, service.record_payment, user=w.operations, loan=loan, amount=amount, value_date=value_date,
                    idempotency_key="x")
            assert refused.value.field == field
        with pytest.raises(Invalid) as refused:
            run(db, service.record_payment, user=w.operations, loan=loan, amount="100", idempotency_key=None)
        assert refused.value.field == "Idempotency-Key"
        run(db, service.record_payment, user=w.operations, loan=loan, amount="100", idempotency_key="same")
        with pytest.raises(Conflict) as refused:
            run(db, service.record_payment, user=w.operations, loan=loan, amount="200", idempotency_key="same")
        assert refused.value.code == "idempotency_key_reused"
        with pytest.raises(Forbidden):
            run(db, service.record_payment, user=w.officer, loan=loan, amount="100", idempotency_key="o")


def test_a_borrower_pays_from_the_repayment_account(db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)  # the principal went to the same account
    with on(date(2025, 2, 10)):
        run(db, service.record_payment, user=w.applicant, loan=loan, amount="10327.97", idempotency_key="b1")
        with pytest.raises(Conflict) as refused:
            run(db, service.record_payment, user=w.applicant, loan=loan, amount="999999", idempotency_key="b2")
    assert refused.value.code == "insufficient_funds"
    db.refresh(loan)
    assert db.get(SandboxAccount, loan.repayment_account).balance == D("120000") - D("10327.97")
    assert loan.current_principal == 0 and loan.next_due_date == date(2025, 3, 10)


def test_prepayment_and_payoff_close_the_loan(db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)
    day = date(2025, 3, 3)
    quote = service.payoff(db, loan=loan, on=day)
    with on(day):
        run(db, service.record_payment, user=w.operations, loan=loan, amount=quote.total, kind=ledger.PREPAYMENT,
            idempotency_key="payoff")
    db.refresh(loan)
    assert loan.status == ledger.CLOSED and loan.outstanding_principal == 0 and loan.credit == 0
    assert journal_figures(db, loan) == loan_figures(loan) == {k: D("0.00") for k in loan_figures(loan)}
    with on(day), pytest.raises(Conflict) as closed:  # money paid to a closed loan would only sit as credit
        run(db, service.record_payment, user=w.operations, loan=loan, amount="100", idempotency_key="after")
    assert closed.value.code == "loan_closed"
