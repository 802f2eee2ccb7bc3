"""Dues by date (`loans.dues`, the `loan_dues` table, `GET /api/v1/loan-dues`, the 到期还款 page).

Pure first: for random loans and histories (the ledger's own strategy), the dues add up to the
loan's figures, and the end of day's shortcut (`unchanged_since`) never skips a change. Then on a
real database: the stored rows equal the ledger's derived dues after disbursement, scheduled
debits, a backdated payment, a reversal, an extension, a write-off and the end of day; the
backfill of loans paid out before the table existed; the API and page, scoped to the portfolio."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from smecredit.cli import app
from smecredit.identity.roles import Role
from smecredit.loans import dues, eod, ledger, service
from smecredit.loans.due_rows import stored
from smecredit.loans.eod import backfill_dues as backfill
from smecredit.loans.models import Loan, LoanDue, LoanTransaction, SandboxAccount
from tests.conftest import api_token, login
from tests.loans.helpers import START, disbursed, on, reversed_by_two, run, world
from tests.loans.test_ledger import _replay, histories
from tests.loans.test_line_ledger import lines

D = Decimal


# --- pure ------------------------------------------------------------------------------------------

def _check(state: ledger.LoanState, rows: tuple[dues.Due, ...]) -> None:
    assert [r.seq for r in rows] == list(range(1, len(state.instalments) + len(state.drawdowns) + 1))
    by = {status: [r for r in rows if r.status == status] for status in dues.STATUSES}
    owed = lambda rs: sum((r.principal + r.interest - r.paid - r.written_off for r in rs), D(0))
    assert owed(by[dues.OVERDUE]) == state.overdue_principal + state.overdue_interest
    assert owed(by[dues.CURRENT]) == state.current_principal + state.current_interest
    assert sum((r.penalty for r in rows), D(0)) == state.penalty
    assert sum((r.compound for r in rows), D(0)) == state.compound
    assert sum((r.principal - r.paid_principal for r in rows), D(0)) - state.position.principal_written_off \
        == state.outstanding_principal
    for r in rows:
        assert r.outstanding >= 0
        assert r.outstanding == r.principal + r.interest - r.paid - r.written_off + r.penalty + r.compound
        assert (r.status in dues.OPEN) == (r.outstanding > 0)
        if r.status == dues.FUTURE:
            assert r.due_date > state.as_of
        elif r.status == dues.CURRENT:
            assert r.due_date == state.as_of
        elif r.status == dues.OVERDUE:
            assert r.due_date < state.as_of
    if state.penalty or state.compound:
        carriers = [r for r in rows if r.penalty or r.compound]
        assert len(carriers) == 1 and carriers[0].status in (dues.OVERDUE, dues.CURRENT)
        if by[dues.OVERDUE]:
            assert carriers[0] == by[dues.OVERDUE][0]  # the oldest overdue instalment


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_the_dues_of_any_history_add_up_to_the_loan(case):
    terms, txns, as_of, _ = case
    state = _replay(terms, txns, as_of)
    rows = dues.dues_of(state)
    if state.status == ledger.PENDING:
        assert rows == ()
        return
    _check(state, rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(lines(), st.integers(1, 40))
def test_a_lines_dues_add_up_to_the_line_and_its_running_interest_is_rewritten_daily(case, step):
    """A revolving line: a row per interest period (the running one earned so far) and one per
    drawdown's principal at the maturity; they add up to the line's figures, and the end of day's
    shortcut never keeps yesterday's running interest."""
    terms, txns, as_of = case
    state = ledger.state_at(terms, txns, as_of)
    rows = dues.dues_of(state)
    if state.status == ledger.PENDING:
        assert rows == ()
        return
    _check(state, rows)
    drawn = [r for r in rows if r.kind == ledger.DRAWDOWN]
    assert [r.principal for r in drawn] == [d.amount for d in state.drawdowns]
    assert all(r.due_date == state.maturity_date for r in drawn)
    later = ledger.state_at(terms, txns, as_of + timedelta(days=step))
    assert not dues.unchanged_since(later, as_of, state.penalty, state.compound)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.integers(0, 40), st.integers(0, 40))
def test_the_end_of_day_shortcut_never_misses_a_change(case, gap, step):
    """On an unchanged history, when `unchanged_since` says nothing changed from one date to a
    later one, the dues derived on both dates are the same."""
    terms, txns, _, _ = case
    last = max(t.value_date for t in txns)
    first, second = last + timedelta(days=gap), last + timedelta(days=gap + step)
    before, after = _replay(terms, txns, first), _replay(terms, txns, second)
    if dues.unchanged_since(after, first, before.penalty, before.compound):
        assert dues.dues_of(after) == dues.dues_of(before)


def test_known_loan_dues_through_the_due_date_and_overdue():
    terms = ledger.LoanTerms(principal=D("120000"), annual_rate=D("6"), months=12, method="equal_installment")
    paid_out = ledger.Transaction(1, ledger.DISBURSEMENT, START, D("120000"))
    future = dues.dues_of(ledger.state_at(terms, [paid_out], START))
    assert [r.status for r in future] == [dues.FUTURE] * 12
    assert future[0].due_date == date(2025, 2, 10) and future[0].amount == D("10327.97")
    due = dues.dues_of(ledger.state_at(terms, [paid_out], date(2025, 2, 10)))
    assert due[0].status == dues.CURRENT and due[0].outstanding == D("10327.97") and due[1].status == dues.FUTURE
    late = ledger.state_at(terms, [paid_out], date(2025, 3, 20))
    rows = dues.dues_of(late)
    assert [r.status for r in rows[:3]] == [dues.OVERDUE, dues.OVERDUE, dues.FUTURE]
    assert rows[0].penalty == late.penalty > 0 and rows[1].penalty == 0
    assert rows[0].outstanding == D("10327.97") + late.penalty + late.compound
    paid = ledger.Transaction(2, ledger.REPAYMENT, date(2025, 3, 20), D("30000"))
    settled = dues.dues_of(ledger.state_at(terms, [paid_out, paid], date(2025, 3, 20)))
    assert [r.status for r in settled[:3]] == [dues.PAID, dues.PAID, dues.FUTURE]


# --- on a database ----------------------------------------------------------------------------------

def _empty(db, loan):
    db.execute(update(SandboxAccount).where(SandboxAccount.account_no == loan.repayment_account).values(balance=D("0")))
    db.commit()


def assert_stored_as_derived(db, loan):
    """The loan's stored dues are the ledger's, derived now from the whole history as of the loan's
    own date (the same one its figures are as of)."""
    db.expire_all()
    loan = db.get(Loan, loan.id)
    assert loan.dues_as_of == loan.as_of
    derived = dues.dues_of(service.state_of(db, loan, loan.as_of))
    assert stored(db, loan.id) == list(derived)
    return derived


def test_the_stored_dues_follow_every_change_and_every_end_of_day(db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)  # paid into the account it is repaid from
    rows = assert_stored_as_derived(db, loan)
    assert len(rows) == 12 and {r.status for r in rows} == {dues.FUTURE}
    for day in (date(2025, 1, 11), date(2025, 2, 9), date(2025, 2, 10), date(2025, 2, 11)):
        with on(day):
            eod.run(day)
        assert_stored_as_derived(db, loan)
    assert stored(db, loan.id)[0].status == dues.PAID  # collected by the scheduled debit on its due date
    _empty(db, loan)
    with on(date(2025, 3, 15)):  # nothing in the account on 10 March: overdue, penalty accruing
        eod.run(date(2025, 3, 15))
        rows = assert_stored_as_derived(db, loan)
        assert rows[1].status == dues.OVERDUE and rows[1].penalty > 0
        # a payment backdated to the due date: no penalty after all
        row = run(db, service.record_payment, user=w.operations, loan=loan, amount="10327.97",
                  value_date=date(2025, 3, 10), idempotency_key="late")
        rows = assert_stored_as_derived(db, loan)
        assert rows[1].status == dues.PAID and sum(r.penalty for r in rows) == 0
        reversed_by_two(db, w, loan, row.id, "录错 / entered by mistake")
        rows = assert_stored_as_derived(db, loan)
        assert rows[1].status == dues.OVERDUE and rows[1].penalty > 0
        eod.run(date(2025, 3, 15))  # closed already: nothing changes
        assert_stored_as_derived(db, loan)
    with on(date(2025, 3, 20)):
        eod.run(date(2025, 3, 20))
        assert_stored_as_derived(db, loan)
        from smecredit.loans import changes

        change = run(db, changes.request_change, user=w.operations, loan=loan, kind="extension", extra_months=6,
                     reason="回款延迟 / receivables late")
        risk = make_user(Role.RISK_MANAGER, "risk-dues")
        run(db, changes.approve, user=risk, change=change)
        rows = assert_stored_as_derived(db, loan)
        assert rows[-1].due_date == date(2026, 7, 10)  # 18 months from the disbursement
        change = run(db, changes.request_change, user=w.operations, loan=loan, kind="write_off",
                     reason="无法收回 / cannot be recovered")
        run(db, changes.approve, user=risk, change=change)
        rows = assert_stored_as_derived(db, loan)
        assert {r.status for r in rows} <= {dues.PAID, dues.WRITTEN_OFF} and sum(r.outstanding for r in rows) == 0


def test_a_shorter_schedule_leaves_no_stale_rows(db, make_user):
    """A prepayment keeping the instalment shortens the schedule: the rows it no longer has go."""
    w = world(db, make_user)
    loan = disbursed(db, w)
    with on(date(2025, 1, 20)):
        run(db, service.record_payment, user=w.operations, loan=loan, amount="60000", kind="prepayment",
            mode="keep_instalment", idempotency_key="pre")
    rows = assert_stored_as_derived(db, loan)
    assert len(rows) < 13


def test_loans_paid_out_before_the_table_are_backfilled(db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)
    with on(date(2025, 3, 1)):
        eod.run(date(2025, 3, 1))
    expected = assert_stored_as_derived(db, loan)
    db.execute(delete(LoanDue).where(LoanDue.loan_id == loan.id))  # as migration 0015 leaves it
    db.execute(update(Loan).where(Loan.id == loan.id).values(dues_as_of=None))
    db.commit()

    done = CliRunner().invoke(app, ["eod", "dues"])  # what an upgrade runs once
    assert done.exit_code == 0 and "1 笔贷款" in done.output, done.output
    assert stored(db, loan.id) == list(expected)
    assert backfill() == 0  # done once
    before = db.execute(select(Loan.version).where(Loan.id == loan.id)).scalar_one()
    assert backfill(everything=True) == 1  # a check: rewrites nothing that is right
    db.expire_all()
    assert stored(db, loan.id) == list(expected)
    assert db.execute(select(Loan.version).where(Loan.id == loan.id)).scalar_one() == before  # figures untouched


def test_the_api_lists_dues_by_date_in_the_callers_portfolio(client, db, make_user):
    mine, other = world(db, make_user, 1), world(db, make_user, 2)
    a = disbursed(db, mine)
    b = disbursed(db, other, principal="50000")
    headers = api_token(client, mine.officer.username)
    with on(date(2025, 1, 20)):
        got = client.get("/api/v1/loan-dues?from=2025-02-01&to=2025-03-31", headers=headers)
        assert got.status_code == 200, got.text
        body = got.json()
        assert body["total"] == 2 and {i["loan_id"] for i in body["items"]} == {a.id}  # not the other portfolio's
        first = body["items"][0]
        assert (first["due_date"], first["number"], first["status"], first["outstanding"]) == \
            ("2025-02-10", 1, "future", "10327.97")
        ops = api_token(client, mine.operations.username)
        everyone = client.get("/api/v1/loan-dues?from=2025-02-10&to=2025-02-10", headers=ops).json()
        assert {i["loan_id"] for i in everyone["items"]} == {a.id, b.id}
        one = client.get(f"/api/v1/loan-dues?from=2025-02-10&to=2025-02-10&enterprise={other.enterprise.id}",
                         headers=ops).json()
        assert {i["loan_id"] for i in one["items"]} == {b.id}
        assert client.get("/api/v1/loan-dues?from=2025-01-01&to=2026-12-31&status=overdue", headers=ops).json()["total"] == 0
        bad = client.get("/api/v1/loan-dues?from=2025-03-01&to=2025-02-01", headers=ops)
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "to"
        assert client.get("/api/v1/loan-dues?from=2025-03-01", headers=ops).status_code == 422
        borrower = api_token(client, mine.applicant.username)
        assert client.get("/api/v1/loan-dues?from=2025-02-01&to=2025-03-31", headers=borrower).status_code == 403


def test_the_page_tabs_and_export(client, db, make_user):
    w = world(db, make_user)
    loan = disbursed(db, w)
    login(client, w.officer.username)
    with on(date(2025, 2, 10)):
        _empty(db, loan)
        eod.run(date(2025, 2, 10))  # no money in the account: due today, not collected
        today = client.get("/loan-dues")
        assert today.status_code == 200 and loan.no in today.text and "当期" in today.text
        assert 'data-testid="tab-today"' in today.text and "10,327.97" in today.text
        week = client.get("/loan-dues?from=2025-02-11&to=2025-02-17")
        assert loan.no not in week.text and "没有符合条件的到期还款" in week.text
        month = client.get("/loan-dues?from=2025-03-01&to=2025-03-31")
        assert loan.no in month.text and "未到期" in month.text
        bad = client.get("/loan-dues?from=2025-03-31&to=2025-03-01")
        assert bad.status_code == 400 and "结束日期早于开始日期" in bad.text
        export = client.get("/loan-dues/export.csv?from=2025-01-01&to=2026-01-31")
        assert export.status_code == 200 and export.text.count(loan.no) == 12 and "未还金额" in export.text
    assert stored(db, loan.id)[0].status == dues.CURRENT  # as of the 10th, the last end of day
    with on(date(2025, 2, 11)):  # the next day, before its end of day: overdue already
        overdue = client.get("/loan-dues?status=overdue")
        assert loan.no in overdue.text and "逾期" in overdue.text
        assert loan.no not in client.get("/loan-dues?status=current&from=2025-02-01&to=2025-02-28").text
    assert db.execute(select(LoanTransaction).where(LoanTransaction.loan_id == loan.id,
                                                    LoanTransaction.kind == "repayment")).first() is None
