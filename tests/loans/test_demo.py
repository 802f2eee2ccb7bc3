"""The demo loans `make run` seeds on first start: one in every state, each reached through the use
cases on its own business date, the end of day closed for every date since the first disbursement;
the same start date gives the same loans, a second start changes nothing, the demo borrower sees
theirs under 我的贷款 and operations the 待放款 queue."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from smecredit.identity.demo import DEMO_PASSWORD
from smecredit.loans.models import EodRun, JournalLine, Loan, LoanTransaction, SandboxTransfer
from tests.conftest import login
from tests.loans.helpers import on

START = date(2026, 3, 16)


def _seed():
    from smecredit.demo import seed_all, setup_all

    with on(START):
        setup_all()
        return seed_all()


def _kinds(db, loan: Loan) -> list[tuple[str, str]]:
    rows = db.execute(select(LoanTransaction).where(LoanTransaction.loan_id == loan.id)
                      .order_by(LoanTransaction.id)).scalars()
    return [(t.kind, t.source) for t in rows]


def test_the_demo_has_loans_in_every_state_through_the_use_cases(client, db):
    results = _seed()
    assert results["loans"] == 7
    loans = db.execute(select(Loan).order_by(Loan.id)).scalars().all()
    by_state = {}
    for loan in loans:
        kinds = _kinds(db, loan)
        if loan.is_line:
            by_state["line"] = loan
        elif loan.status == "pending":
            by_state["awaiting_disbursement" if loan.contract_accepted_at else "awaiting_contract"] = loan
            assert kinds == []
        elif ("reversal", "page") in kinds:
            by_state["reversed"] = loan
        else:
            by_state.setdefault(loan.status, loan)
    assert set(by_state) == {"awaiting_contract", "awaiting_disbursement", "active", "overdue", "closed", "reversed",
                             "line"}

    waiting = by_state["awaiting_disbursement"]
    assert waiting.payee_account and waiting.repayment_account and len(waiting.contract_sha256) == 64
    assert by_state["awaiting_contract"].payee_account is None

    current = by_state["active"]
    assert _kinds(db, current).count(("repayment", "scheduled_debit")) >= 2
    assert current.days_past_due == 0 and Decimal(0) < current.outstanding_principal < current.principal

    overdue = by_state["overdue"]
    assert overdue.days_past_due > 0 and overdue.overdue_principal > 0 and overdue.overdue_interest > 0
    assert overdue.penalty > 0 and overdue.compound > 0  # 罚息 on the principal, 复利 on the interest

    closed = by_state["closed"]
    assert ("prepayment", "page") in _kinds(db, closed) and closed.outstanding_principal == 0

    reversed_ = by_state["reversed"]
    reversal = db.execute(select(LoanTransaction).where(LoanTransaction.loan_id == reversed_.id,
                                                        LoanTransaction.kind == "reversal")).scalar_one()
    assert reversal.note and db.get(LoanTransaction, reversal.reverses_id).kind == "repayment"
    assert reversed_.status == "active"

    line = by_state["line"]  # 随借随还: two drawdowns, the month's interest collected, part repaid and available again
    assert line.status == "active" and line.days_past_due == 0
    assert _kinds(db, line).count(("drawdown", "page")) == 2 and ("repayment", "page") in _kinds(db, line)
    assert ("repayment", "scheduled_debit") in _kinds(db, line)
    # 130,000 drawn; the 60,000 repaid paid the interest since the last interest day first, then principal
    assert Decimal("70000") < line.outstanding_principal < Decimal("70200")
    assert line.line_available == line.principal - line.outstanding_principal

    # every disbursed loan on a business date in the past; the end of day closed each date since up to yesterday
    first = min(loan.disbursed_on for loan in loans if loan.disbursed_on)
    assert first < START - timedelta(days=30)
    closed_days = db.execute(select(EodRun.business_date).where(EodRun.status == "done")
                             .order_by(EodRun.business_date)).scalars().all()
    assert closed_days == [first + timedelta(days=n) for n in range((START - first).days)]
    assert all(loan.as_of == START - timedelta(days=1) for loan in loans if loan.status in ("active", "overdue"))
    # the journal balances; every disbursement went through the sandbox bank
    debit, credit = db.execute(select(func.sum(JournalLine.debit), func.sum(JournalLine.credit))).one()
    assert debit == credit and debit > 0
    paid_out = db.execute(select(func.count()).select_from(SandboxTransfer)
                          .where(SandboxTransfer.purpose.like("贷款发放%"))).scalar_one()
    assert paid_out == sum(1 for loan in loans if loan.disbursed_on and not loan.is_line)
    drawn = db.execute(select(func.count()).select_from(SandboxTransfer)
                       .where(SandboxTransfer.purpose.like("额度提款%"))).scalar_one()
    assert drawn == 2

    # a second start makes nothing; the numbers follow the start date (the same date, the same loans)
    assert _seed()["loans"] == 0
    assert db.execute(select(func.count()).select_from(Loan)).scalar_one() == len(loans)
    assert {loan.no[2:10] for loan in loans} >= {(START - timedelta(days=65)).strftime("%Y%m%d"), START.strftime("%Y%m%d")}

    # the demo borrower sees theirs under 我的贷款; operations see the 待放款 queue
    with on(START):
        assert login(client, "applicant", DEMO_PASSWORD).status_code == 303
        mine = client.get("/my/loans").text
        assert all(loan.no in mine for loan in loans if loan.enterprise_id == current.enterprise_id)
        client.cookies.clear()
        assert login(client, "operations", DEMO_PASSWORD).status_code == 303
        queue = client.get("/loans?status=pending").text
        assert waiting.no in queue and overdue.no not in queue and line.no not in queue
        assert "逾期" in client.get(f"/loans/{overdue.id}").text
