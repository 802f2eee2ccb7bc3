"""Money moves exactly once under parallel requests: disbursements with the same or different
Idempotency-Keys, and repeated repayments. Proven on PostgreSQL (row locks); SQLite passes too
(one writer at a time)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select

from smecredit.identity.models import User
from smecredit.kernel.db import new_session, unit_of_work
from smecredit.loans import service
from smecredit.loans.models import JournalEntry, LoanTransaction, SandboxTransfer
from smecredit.loans.records import load_for
from tests.enterprises.test_concurrency import _parallel
from tests.loans.helpers import START, disbursed, on, open_loan, world

WORKERS = 8


def _as_edge(username: str, loan_id: int, use_case):
    with new_session() as db, unit_of_work(db):
        user = db.execute(select(User).where(User.username == username)).scalar_one()
        use_case(db, user, load_for(db, user=user, loan_id=loan_id))


def _count(db, model, *where):
    return db.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_parallel_disbursements_pay_out_once(db, make_user):
    w = world(db, make_user)
    same, different = open_loan(db, w), open_loan(db, w)
    with on(START):
        made = []  # per request: was the disbursement given back (the API's 200) rather than made (201)?
        outcomes = _parallel(WORKERS, lambda i: _as_edge(w.operations.username, same.id, lambda s, u, loan: made.append(
            service.replayed(s, service.disburse(s, user=u, loan=loan, idempotency_key="one-key")))))
        assert outcomes == ["ok"] * WORKERS, outcomes
        assert sorted(made) == [False] + [True] * (WORKERS - 1), made
        outcomes = _parallel(WORKERS, lambda i: _as_edge(w.operations.username, different.id, lambda s, u, loan: service.disburse(
            s, user=u, loan=loan, idempotency_key=f"key-{i}")))
        assert Counter(outcomes) == {"ok": 1, "already_disbursed": WORKERS - 1}, outcomes
    for loan in (same, different):
        assert _count(db, SandboxTransfer, SandboxTransfer.reference == loan.no) == 1
        assert _count(db, LoanTransaction, LoanTransaction.loan_id == loan.id) == 1
        assert _count(db, JournalEntry, JournalEntry.loan_id == loan.id, JournalEntry.kind == "disbursement") == 1


def test_a_repeated_repayment_is_recorded_once(db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)
    with on(date(2025, 2, 10)):
        made = []
        outcomes = _parallel(WORKERS, lambda i: _as_edge(w.applicant.username, loan.id, lambda s, u, l: made.append(
            service.replayed(s, service.record_payment(s, user=u, loan=l, amount="10327.97", idempotency_key="pay-feb")))))
    assert outcomes == ["ok"] * WORKERS, outcomes
    assert sorted(made) == [False] + [True] * (WORKERS - 1), made  # one 201, the rest 200
    assert _count(db, LoanTransaction, LoanTransaction.loan_id == loan.id, LoanTransaction.kind == "repayment") == 1
    assert _count(db, SandboxTransfer, SandboxTransfer.from_account == loan.repayment_account) == 1


def test_parallel_drawdowns_on_a_line_pay_only_what_the_limit_allows(db, make_user):
    """Drawdowns racing for one line's headroom: the loan row is locked before the line is read, so of
    eight drawdowns of 30,000 on a 100,000 line exactly three are paid; eight with one key pay once."""
    w = world(db, make_user)
    line = open_loan(db, w, principal="100000", annual_rate="3.6", months=12, method="revolving")
    with on(START):
        outcomes = _parallel(WORKERS, lambda i: _as_edge(w.applicant.username, line.id, lambda s, u, l: service.draw(
            s, user=u, loan=l, amount="30000", idempotency_key=f"draw-{i}")))
        assert Counter(outcomes) == {"ok": 3, "over_limit": WORKERS - 3}, outcomes
        made = []
        outcomes = _parallel(WORKERS, lambda i: _as_edge(w.operations.username, line.id, lambda s, u, l: made.append(
            service.replayed(s, service.draw(s, user=u, loan=l, amount="10000", idempotency_key="one-key")))))
        assert outcomes == ["ok"] * WORKERS, outcomes
        assert sorted(made) == [False] + [True] * (WORKERS - 1), made
    assert _count(db, SandboxTransfer, SandboxTransfer.reference == line.no) == 4
    assert _count(db, LoanTransaction, LoanTransaction.loan_id == line.id, LoanTransaction.kind == "drawdown") == 4
    assert _count(db, JournalEntry, JournalEntry.loan_id == line.id, JournalEntry.kind == "drawdown") == 4
    db.expire_all()
    db.refresh(line)
    assert line.outstanding_principal == 100000 and line.line_available == 0


def test_two_checkers_approving_at_once_apply_the_change_once(db, make_user):
    """Maker-checker: of checkers deciding the same request at once, exactly one decision is taken
    (the loan row, then the request row, locked before the status is read); requests racing for the
    one pending slot of a kind leave exactly one."""
    from smecredit.identity.roles import Role
    from smecredit.loans import changes
    from smecredit.loans.models import LoanChangeRequest

    w = world(db, make_user)
    loan = disbursed(db, w)
    checkers = [make_user(Role.RISK_MANAGER, f"risk-{i}").username for i in range(WORKERS // 2)] + \
               [make_user(Role.APPROVER, f"approver-x{i}").username for i in range(WORKERS // 2)]
    with on(date(2025, 3, 20)):
        outcomes = _parallel(WORKERS, lambda i: _as_edge(w.officer.username, loan.id, lambda s, u, l: changes.request_change(
            s, user=u, loan=l, kind="extension", extra_months=6, reason=f"request {i}")))
        assert Counter(outcomes) == {"ok": 1, "pending_exists": WORKERS - 1}, outcomes
        change_id = db.execute(select(LoanChangeRequest.id).where(LoanChangeRequest.loan_id == loan.id)).scalar_one()

        def decide(i):
            with new_session() as s, unit_of_work(s):
                user = s.execute(select(User).where(User.username == checkers[i])).scalar_one()
                change = changes.load_change_for(s, user=user, change_id=change_id)
                changes.approve(s, user=user, change=change, comment=f"checker {i}")

        outcomes = _parallel(WORKERS, decide)
    assert Counter(outcomes) == {"ok": 1, "already_decided": WORKERS - 1}, outcomes
    db.expire_all()
    change = db.get(LoanChangeRequest, change_id)
    assert change.status == "approved" and change.decided_by_id is not None
    assert _count(db, LoanTransaction, LoanTransaction.loan_id == loan.id, LoanTransaction.kind == "reschedule") == 1
    db.refresh(loan)
    assert loan.maturity_date == date(2026, 7, 10)  # extended by 6 months once, not 6 × 8


def test_checkers_approving_a_refund_at_once_pay_it_once(db, make_user):
    """溢缴款退还: of checkers approving the same refund at once, one applies it; the bank pays the
    repayment account once (and would under the request's key even if asked twice)."""
    from smecredit.identity.roles import Role
    from smecredit.loans import changes
    from smecredit.loans.models import Loan, LoanChangeRequest
    from tests.loans.test_refunds import CREDIT, with_credit

    w, loan = with_credit(db, make_user)
    checkers = [make_user(Role.RISK_MANAGER, f"risk-r{i}").username for i in range(WORKERS // 2)] + \
               [make_user(Role.APPROVER, f"approver-r{i}").username for i in range(WORKERS // 2)]
    with on(date(2025, 2, 12)):
        with unit_of_work(db):
            change_id = changes.request_change(db, user=w.operations, loan=loan, kind="refund", reason="多缴").id

        def decide(i):
            with new_session() as s, unit_of_work(s):
                user = s.execute(select(User).where(User.username == checkers[i])).scalar_one()
                changes.approve(s, user=user, change=changes.load_change_for(s, user=user, change_id=change_id))

        outcomes = _parallel(WORKERS, decide)
    assert Counter(outcomes) == {"ok": 1, "already_decided": WORKERS - 1}, outcomes
    db.expire_all()
    assert db.get(LoanChangeRequest, change_id).status == "approved"
    assert _count(db, LoanTransaction, LoanTransaction.loan_id == loan.id, LoanTransaction.kind == "refund") == 1
    assert _count(db, SandboxTransfer, SandboxTransfer.idempotency_key == f"loan-{loan.id}-refund-{change_id}") == 1
    assert db.execute(select(func.sum(SandboxTransfer.amount)).where(
        SandboxTransfer.idempotency_key.like(f"loan-{loan.id}-refund-%"))).scalar_one() == CREDIT
    assert db.get(Loan, loan.id).credit == 0


def test_staff_completing_the_guarantee_contracts_at_once_make_them_once(db, make_user):
    """补充生成保证合同 and 重新发送链接 in parallel: the loan row, then the contract row, are locked;
    one set of contracts, one new link per contract a minute."""
    from datetime import timedelta

    from smecredit.kernel.clock import utcnow
    from smecredit.loans import guarantees
    from smecredit.loans.models import GuaranteeContract, Loan
    from tests.loans.test_guarantee_staff import accepted_before_guarantee_contracts

    w, loan = accepted_before_guarantee_contracts(db, make_user)
    username, loan_id = w.operations.username, loan.id
    outcomes = _parallel(WORKERS, lambda i: _as_edge(username, loan_id, lambda s, u, l: guarantees.complete(
        s, user=u, loan=l)))
    assert Counter(outcomes) == {"ok": 1, "guarantees_complete": WORKERS - 1}, outcomes
    db.expire_all()
    assert _count(db, GuaranteeContract, GuaranteeContract.loan_id == loan.id) == 2
    first = db.execute(select(GuaranteeContract).where(GuaranteeContract.loan_id == loan.id)
                       .order_by(GuaranteeContract.id)).scalars().first()
    first.created_at = utcnow() - timedelta(minutes=2)
    first_id, before, loan_id, username = first.id, first.token_hash, loan.id, w.operations.username
    db.commit()  # (the threads get plain values: the test's session is not theirs to use)
    outcomes = _parallel(WORKERS, lambda i: _as_edge(username, loan_id, lambda s, u, l: guarantees.resend_link(
        s, user=u, loan=l, guarantee_id=first_id)))
    assert Counter(outcomes) == {"ok": 1, "link_sent_recently": WORKERS - 1}, outcomes
    db.expire_all()
    assert db.get(GuaranteeContract, first_id).token_hash != before and db.get(Loan, loan_id).status == "pending"
