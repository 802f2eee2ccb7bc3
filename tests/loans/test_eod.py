"""End of day on a real database: accrual posted daily and equal to the loan, scheduled debits,
overdue and penalty, idempotent per date, resumable after a kill, catching up over missed dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from smecredit.loans import eod, ledger, service
from smecredit.loans.models import EodRun, JournalEntry, JournalLine, Loan, LoanTransaction, SandboxAccount
from tests.loans.helpers import START, disbursed, on, world
from tests.loans.test_service import journal_figures, loan_figures

D = Decimal


def snapshot(db) -> dict:
    """Everything the end of day decides, without ids or clock times."""
    db.expire_all()
    loans = {loan.no: (loan.status, loan.as_of, loan.eod_date, loan.outstanding_principal, loan.overdue_principal,
                       loan.overdue_interest, loan.accrued_interest, loan.penalty, loan.compound, loan.credit,
                       loan.days_past_due, loan.next_due_date, loan.next_due_amount, tuple(sorted(loan.posted_position.items())))
             for loan in db.execute(select(Loan)).scalars()}
    transactions = sorted((t.loan_id, t.kind, t.value_date, t.amount, t.source)
                          for t in db.execute(select(LoanTransaction)).scalars())
    journal = sorted(db.execute(select(JournalLine.loan_id, JournalLine.posted_on, JournalLine.account,
                                       func.sum(JournalLine.debit), func.sum(JournalLine.credit))
                                .group_by(JournalLine.loan_id, JournalLine.posted_on, JournalLine.account)).all())
    runs = sorted((r.business_date, r.status, r.loans_done) for r in db.execute(select(EodRun)).scalars())
    accounts = sorted((a.account_no, a.balance) for a in db.execute(select(SandboxAccount)).scalars())
    return {"loans": loans, "transactions": transactions, "journal": journal, "runs": runs, "accounts": accounts}


def portfolio(db, make_user, n: int = 4):
    """n loans disbursed on START; odd ones have money for their instalments in the repayment account."""
    loans = []
    for i in range(1, n + 1):
        w = world(db, make_user, i)
        loan = disbursed(db, w, principal=str(60000 * i), months=6 + i)
        if i % 2 == 0:  # spend the principal: nothing left to debit
            from smecredit.loans.bank import SandboxBank
            from tests.loans.helpers import run

            run(db, SandboxBank().collect, idempotency_key=f"spent-{i}", from_account=loan.repayment_account,
                amount=loan.principal, purpose="spent", reference="test")
        loans.append(loan)
    return loans


def test_each_day_posts_the_accrual_and_the_journal_equals_the_loan(db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)
    results = eod.run(START + timedelta(days=3))
    assert [r.business_date for r in results] == [START + timedelta(days=k) for k in range(4)]
    db.refresh(loan)
    assert loan.eod_date == START + timedelta(days=3) and loan.accrued_interest == D("58.06")  # 600 × 3/31
    accruals = db.execute(select(JournalEntry.posted_on).where(JournalEntry.kind == "accrual")
                          .order_by(JournalEntry.posted_on)).scalars().all()
    assert accruals == [START + timedelta(days=k) for k in range(1, 4)]
    assert journal_figures(db, loan) == loan_figures(loan)


def test_the_due_date_debits_the_repayment_account_then_overdue_brings_penalty(db, make_user):
    loans = portfolio(db, make_user, 2)
    eod.run(date(2025, 2, 12))
    db.expire_all()
    paid, unpaid = (db.get(Loan, loan.id) for loan in loans)
    debit = db.execute(select(LoanTransaction).where(LoanTransaction.loan_id == paid.id,
                                                     LoanTransaction.source == "scheduled_debit")).scalar_one()
    assert debit.value_date == date(2025, 2, 10) and paid.status == ledger.ACTIVE and paid.days_past_due == 0
    assert unpaid.status == ledger.OVERDUE and unpaid.days_past_due == 2 and unpaid.penalty > 0
    for loan in (paid, unpaid):
        assert journal_figures(db, loan) == loan_figures(loan)
        assert loan_figures(loan) == {k: v for k, v in (("principal", loan.outstanding_principal),
                                                         ("interest_receivable", loan.overdue_interest + loan.current_interest + loan.accrued_interest),
                                                         ("penalty_receivable", loan.penalty), ("compound_receivable", loan.compound),
                                                         ("credit", loan.credit))}


def test_running_a_date_twice_changes_nothing(db, make_user):
    portfolio(db, make_user, 3)
    eod.run(date(2025, 2, 15))
    once = snapshot(db)
    again = eod.run(date(2025, 2, 15))
    assert again == []
    assert eod.run_day(date(2025, 2, 15)).already_closed
    assert snapshot(db) == once


def test_a_killed_run_resumed_ends_like_an_uninterrupted_one(db, make_user, clean_db):
    from tests.conftest import reset_database

    portfolio(db, make_user, 4)
    eod.run(date(2025, 2, 14), chunk_size=1)
    uninterrupted = snapshot(db)

    db.close()
    reset_database()
    portfolio(db, make_user, 4)
    eod.run(date(2025, 2, 9), chunk_size=1)

    class Killed(Exception):
        pass

    def dies_after_two(day, batches):
        for ids in batches[:2]:
            eod.run_chunk(day, ids)
        raise Killed

    with pytest.raises(Killed):
        eod.run_day(date(2025, 2, 10), chunk_size=1, dispatch=dies_after_two)
    half = snapshot(db)
    assert ("2025-02-10" not in str([r for r in half["runs"] if r[1] == "done"]))
    eod.run(date(2025, 2, 14), chunk_size=1)
    assert snapshot(db) == uninterrupted


def test_missed_dates_are_caught_up_in_order(db, make_user):
    portfolio(db, make_user, 1)
    eod.run(START)
    results = eod.run(START + timedelta(days=5))
    assert [r.business_date for r in results] == [START + timedelta(days=k) for k in range(1, 6)]
    runs = db.execute(select(EodRun.business_date).where(EodRun.status == "done").order_by(EodRun.business_date)).scalars().all()
    assert runs == [START + timedelta(days=k) for k in range(6)]


def test_the_command_runs_the_end_of_day_with_a_progress_bar(db, make_user):
    from smecredit.cli import app

    portfolio(db, make_user, 2)
    result = CliRunner().invoke(app, ["eod", "run", "--date", "2025-01-12"])
    assert result.exit_code == 0, result.output
    assert "2025-01-12: 2" in result.stdout and "日终" in result.stdout
    again = CliRunner().invoke(app, ["eod", "run", "--date", "2025-01-12"])
    assert again.exit_code == 0 and "营业日均已关闭" in again.stdout
    bad = CliRunner().invoke(app, ["eod", "run", "--date", "2025-13-01"])
    assert bad.exit_code == 2 and "日期" in bad.stderr and "Traceback" not in bad.output


def mixed_portfolio(db, make_user):
    """In one chunk: loans due on 2025-02-10 (one with money for the debit, one without), loans
    disbursed later and not due then, and one whose payment was recorded on a later business date
    (2025-02-11) before the end of day caught up, so the loan is already derived beyond the days run."""
    from smecredit.loans.bank import SandboxBank
    from tests.loans.helpers import run

    due = portfolio(db, make_user, 2)
    later = []
    for i in (3, 4):
        w = world(db, make_user, i)
        later.append(disbursed(db, w, day=date(2025, 1, 25), principal=str(50000 * i), months=4 + i))
    w = world(db, make_user, 5)
    ahead = disbursed(db, w, principal="90000", months=6)
    run(db, SandboxBank().collect, idempotency_key="spent-5", from_account=ahead.repayment_account,
        amount=ahead.principal, purpose="spent", reference="test")
    with on(date(2025, 2, 11)):
        run(db, service.record_payment, user=w.operations, loan=ahead, amount="4000", value_date=date(2025, 2, 11),
            idempotency_key="ahead-1")
    return due, later, ahead


@pytest.mark.parametrize("chunk_size", [eod.CHUNK_SIZE, 2])
def test_a_chunk_of_loans_due_and_not_due_ends_as_loan_by_loan(db, make_user, clean_db, chunk_size):
    from tests.conftest import reset_database

    mixed_portfolio(db, make_user)
    eod.run(date(2025, 2, 14), chunk_size=1)
    loan_by_loan = snapshot(db)

    db.close()
    reset_database()
    due, later, ahead = mixed_portfolio(db, make_user)
    eod.run(date(2025, 2, 5), chunk_size=chunk_size)
    db.expire_all()
    ahead = db.get(Loan, ahead.id)
    # the days before its payment's business date leave it derived as of that date, not set back
    assert ahead.eod_date == date(2025, 2, 5) and ahead.as_of == date(2025, 2, 11)
    assert ahead.accrued_interest == service.state_of(db, ahead, date(2025, 2, 11)).accrued_interest
    eod.run(date(2025, 2, 14), chunk_size=chunk_size)
    assert snapshot(db) == loan_by_loan
    db.expire_all()
    paid, unpaid = (db.get(Loan, loan.id) for loan in due)
    assert paid.status == ledger.ACTIVE and unpaid.status == ledger.OVERDUE and unpaid.penalty > 0
    for loan in db.execute(select(Loan)).scalars():
        derived = service.state_of(db, loan, loan.as_of)
        assert (loan.status, loan.outstanding_principal, loan.accrued_interest, loan.penalty, loan.days_past_due) == (
            derived.status, derived.outstanding_principal, derived.accrued_interest, derived.penalty, derived.days_past_due)
        assert journal_figures(db, loan) == loan_figures(loan)


def test_the_command_in_a_fresh_process_knows_every_stages_tables(tmp_path):
    """`smecredit eod run` in its own process (as cron starts it): the loans' foreign keys reach other
    stages' tables (offers, applications), so the command must load every stage's models first — it
    failed at its first scheduled debit with NoReferencedTableError when it did not."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "SMECREDIT_DATA_DIR": str(tmp_path), "SMECREDIT_DATABASE_URL": f"sqlite:///{tmp_path}/eod.db"}
    env.pop("SMECREDIT_BUSINESS_DATE", None)
    migrate = subprocess.run([sys.executable, "-m", "smecredit.cli", "db", "upgrade"], env=env, capture_output=True,
                             text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stderr
    check = ("from typer.testing import CliRunner\n"
             "from smecredit.cli import app\n"
             "result = CliRunner().invoke(app, ['eod', 'dues'])\n"
             "assert result.exit_code == 0, result.output\n"
             "from smecredit.kernel.db import Base\n"
             "for table in list(Base.metadata.tables.values()):\n"
             "    for key in table.foreign_keys:\n"
             "        key.column  # raises NoReferencedTableError when the other stage's table is unknown\n")
    ran = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr


def test_the_command_refuses_a_date_that_has_not_come(db, make_user):
    from smecredit.cli import app

    portfolio(db, make_user, 1)
    with on(date(2025, 1, 12)):
        ahead = CliRunner().invoke(app, ["eod", "run", "--date", "2025-01-13"])
    assert ahead.exit_code == 2 and "尚未到来" in ahead.stderr and "Traceback" not in ahead.output
    assert db.execute(select(EodRun)).first() is None  # nothing closed
