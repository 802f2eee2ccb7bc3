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
        outcomes = _parallel(WORKERS, lambda i: _as_edge(w.operations.username, same.id, lambda s, u, loan: service.disburse(
            s, user=u, loan=loan, idempotency_key="one-key")))
        assert outcomes == ["ok"] * WORKERS, outcomes
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
        outcomes = _parallel(WORKERS, lambda i: _as_edge(w.applicant.username, loan.id, lambda s, u, l: service.record_payment(
            s, user=u, loan=l, amount="10327.97", idempotency_key="pay-feb")))
    assert outcomes == ["ok"] * WORKERS, outcomes
    assert _count(db, LoanTransaction, LoanTransaction.loan_id == loan.id, LoanTransaction.kind == "repayment") == 1
    assert _count(db, SandboxTransfer, SandboxTransfer.from_account == loan.repayment_account) == 1
