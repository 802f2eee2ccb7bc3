"""展期 / 重组 in the pure ledger: the interest earned so far in the current period stays at the old
rate and falls due with the first new instalment — nothing falls due on the day of the approval,
and with the rate unchanged the current period's interest is unchanged.

Then a property over random histories: a payment of what is due on a day pays exactly that (the
scheduled debit on a due date pays the due, nothing goes to credit while something is due)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings

from smecredit.loans import schedules
from smecredit.loans.ledger import (ACTIVE, CLOSED, DISBURSEMENT, PENDING, REPAYMENT, RESCHEDULE, WRITTEN_OFF,
                                    LedgerConflict, LoanTerms, Transaction, state_at)
from tests.loans.test_ledger import _check_state, histories

D = Decimal

# 先息后本: 150,000 at 3.8 %, 12 months from 20 Oct 2026; the period 20 Dec → 20 Jan (31 days) earns 475.00.
IO_TERMS = LoanTerms(principal=D("150000"), annual_rate=D("3.8"), months=12, method="interest_only")
IO_START = date(2026, 10, 20)
IO_PAID_OUT = Transaction(1, DISBURSEMENT, IO_START, D("150000"))
IO_PAID = (Transaction(10, REPAYMENT, date(2026, 11, 20), D("475.00")),  # the interest due so far, paid
           Transaction(11, REPAYMENT, date(2026, 12, 20), D("475.00")))
MID_PERIOD = date(2027, 1, 5)  # 16 days into the period
EXTENDED = Transaction(2, RESCHEDULE, MID_PERIOD, months=18)  # 展期 6 months, same rate and method


def io_at(day, *txns):
    return state_at(IO_TERMS, [IO_PAID_OUT, *IO_PAID, *txns], day)


def test_an_extension_mid_period_makes_nothing_due_on_the_day_of_approval():
    state = io_at(MID_PERIOD, EXTENDED)
    assert state.current_interest == 0 and state.due_now == 0
    assert not [i for i in state.instalments if i.due_date == MID_PERIOD]
    assert state.next_due_date == date(2027, 1, 20) and state.next_due_amount == D("475.00")
    assert state.maturity_date == date(2028, 4, 20)
    after = io_at(date(2027, 1, 6), EXTENDED)
    assert after.status == ACTIVE and after.days_past_due == 0 and after.overdue_interest == 0


def test_an_extension_at_the_same_rate_leaves_the_current_period_interest_unchanged():
    state = io_at(MID_PERIOD, EXTENDED)
    running = [i for i in state.instalments if i.period_start <= MID_PERIOD < i.period_end]
    assert len(running) == 1
    (period,) = running
    assert (period.period_start, period.period_end, period.due_date) == (date(2026, 12, 20), date(2027, 1, 20),
                                                                         date(2027, 1, 20))
    assert period.interest == D("475.00") and period.principal == 0
    # every later month too: 150,000 × 3.8 % / 12; the principal at the new maturity
    later = [i for i in state.instalments if i.due_date > date(2027, 1, 20)]
    assert [i.interest for i in later] == [D("475.00")] * 15 and later[-1].principal == D("150000")
    # the interest earned so far is not changed by the extension (16/31 of 475.00)
    assert state.accrued_interest == io_at(MID_PERIOD).accrued_interest == D("245.16")
    assert io_at(date(2027, 1, 19), EXTENDED).accrued_interest == io_at(date(2027, 1, 19)).accrued_interest


def test_the_scheduled_debit_on_the_first_new_due_date_pays_the_period():
    debit = Transaction(3, REPAYMENT, date(2027, 1, 20), D("475.00"))
    state = io_at(date(2027, 1, 20), EXTENDED, debit)
    paid = state.allocations[-1]
    assert (paid.interest, paid.principal, paid.to_credit) == (D("475.00"), 0, 0)
    assert state.credit == 0 and state.due_now == 0 and state.current_interest == 0
    assert io_at(date(2027, 1, 21), EXTENDED, debit).status == ACTIVE


# 等额本息: 120,000 at 6 %, 12 months from 10 Jan 2025; instalment 1 paid; the period 10 Feb → 10 Mar
# (28 days) earns 110,272.03 × 0.5 % = 551.36.
EI_TERMS = LoanTerms(principal=D("120000"), annual_rate=D("6"), months=12, method="equal_installment")
EI_HISTORY = [Transaction(1, DISBURSEMENT, date(2025, 1, 10), D("120000")),
              Transaction(2, REPAYMENT, date(2025, 2, 10), D("10327.97"))]
MARCH_1 = date(2025, 3, 1)  # 19 days into the period


def test_an_equal_instalment_extension_keeps_the_period_interest_and_pays_it_with_the_first_new_instalment():
    state = state_at(EI_TERMS, [*EI_HISTORY, Transaction(3, RESCHEDULE, MARCH_1, months=24)], MARCH_1)
    assert state.due_now == 0 and not [i for i in state.instalments if i.due_date == MARCH_1]
    first = next(i for i in state.instalments if i.due_date > MARCH_1)
    assert (first.number, first.due_date, first.period_start) == (2, date(2025, 3, 10), date(2025, 2, 10))
    assert first.interest == D("551.36")
    level = schedules.level_payment(D("110272.03"), D("6"), 23)
    assert first.payment == level and state.next_due_amount == level
    assert state.maturity_date == date(2027, 1, 10)
    assert sum(i.principal for i in state.instalments) == D("120000")
    assert state.accrued_interest == state_at(EI_TERMS, EI_HISTORY, MARCH_1).accrued_interest == D("374.14")


def test_a_restructuring_at_a_new_rate_charges_the_old_rate_until_the_day_and_the_new_rate_after():
    cut = Transaction(3, RESCHEDULE, MARCH_1, months=24, annual_rate=D("4.8"))
    state = state_at(EI_TERMS, [*EI_HISTORY, cut], MARCH_1)
    first = next(i for i in state.instalments if i.due_date > MARCH_1)
    # earned at 6 %: 551.36 × 19/28 = 374.14; at 4.8 % the period is 441.09, of which 9/28 is left:
    # 441.09 − 441.09 × 19/28 (299.31) = 141.78
    assert first.interest == D("374.14") + D("141.78")
    assert state.due_now == 0 and state.accrued_interest == D("374.14") and state.annual_rate == D("4.8")
    # day by day after the approval, at the new rate: 141.78 × 4/9 more by 5 March
    assert state_at(EI_TERMS, [*EI_HISTORY, cut], date(2025, 3, 5)).accrued_interest == D("374.14") + D("63.01")
    on_due = state_at(EI_TERMS, [*EI_HISTORY, cut, Transaction(4, REPAYMENT, date(2025, 3, 10), first.payment)],
                      date(2025, 3, 10))
    assert on_due.credit == 0 and on_due.due_now == 0 and on_due.allocations[-1].interest == D("515.92")


def test_a_reschedule_on_a_due_date_starts_the_new_schedule_there():
    on_due = Transaction(3, RESCHEDULE, date(2025, 3, 10), months=24)
    state = state_at(EI_TERMS, [*EI_HISTORY, on_due], date(2025, 3, 10))
    second = next(i for i in state.instalments if i.number == 2)
    assert second.due_date == date(2025, 3, 10) and second.interest == D("551.36")  # the old instalment 2, due today
    third = next(i for i in state.instalments if i.number == 3)
    assert third.period_start == date(2025, 3, 10) and third.due_date == date(2025, 4, 10)


# --- property ------------------------------------------------------------------------------------

@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_paying_what_is_due_on_a_day_pays_it_and_nothing_goes_to_credit(case):
    """The end of day's scheduled debit collects ``due_now`` on the date: it must pay exactly that."""
    terms, txns, as_of, _ = case
    try:
        state = state_at(terms, txns, as_of)
    except LedgerConflict:
        assume(False)
    assume(state.status not in (PENDING, WRITTEN_OFF, CLOSED) and state.due_now > 0)
    debit = Transaction(999, REPAYMENT, as_of, state.due_now)
    after = state_at(terms, [*txns, debit], as_of)
    paid = after.allocations[-1]
    assert paid.transaction_id == 999 and paid.to_credit == 0, (state, paid)
    assert after.due_now == 0 and after.credit == state.credit
    _check_state(terms, after)


def test_days_after_any_reschedule_nothing_is_due_before_the_first_new_due_date():
    for day in (date(2026, 12, 21), MID_PERIOD, date(2027, 1, 18)):
        txn = Transaction(2, RESCHEDULE, day, months=18)
        for later in (day, day + timedelta(days=1), date(2027, 1, 19)):
            state = io_at(later, txn)
            assert state.due_now == 0 and state.next_due_date == date(2027, 1, 20), (day, later)
