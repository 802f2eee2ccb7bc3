"""Journal lines per money movement: balanced, on the right accounts, and summing to the loan."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from smecredit.loans import accounting
from smecredit.loans.accounting import (ALLOWANCE, CLEARING, COMPOUND_INCOME, COMPOUND_RECEIVABLE, CUSTOMER_CREDIT,
                                        INTEREST_INCOME, INTEREST_RECEIVABLE, LOANS, PENALTY_INCOME, PENALTY_RECEIVABLE,
                                        JournalLine, Unbalanced, entry_lines)
from smecredit.loans.ledger import (DISBURSEMENT, REPAYMENT, REVERSAL, WRITE_OFF, LoanTerms, Position, Transaction,
                                    state_at)

D = Decimal
TERMS = LoanTerms(principal=D("120000"), annual_rate=D("6"), months=12, method="equal_installment")
OUT = Transaction(1, DISBURSEMENT, date(2025, 1, 10), D("120000"))


def position(day, *txns):
    return state_at(TERMS, [OUT, *txns], day).position


def lines_of(before, after):
    return {line.account: (line.debit, line.credit) for line in entry_lines(before, after)}


def test_disbursement_debits_loans_and_credits_the_bank():
    assert lines_of(Position(), position(date(2025, 1, 10))) == {CLEARING: (0, D("120000")), LOANS: (D("120000"), 0)}


def test_a_days_accrual_debits_interest_receivable_and_credits_income():
    lines = lines_of(position(date(2025, 1, 10)), position(date(2025, 1, 11)))
    assert lines == {INTEREST_RECEIVABLE: (D("19.35"), 0), INTEREST_INCOME: (0, D("19.35"))}  # 600 / 31


def test_penalty_and_compound_accrue_to_their_own_accounts():
    lines = lines_of(position(date(2025, 2, 19)), position(date(2025, 2, 20)))
    assert lines[PENALTY_RECEIVABLE][0] > 0 and lines[PENALTY_INCOME][1] == lines[PENALTY_RECEIVABLE][0]
    assert lines[COMPOUND_RECEIVABLE][0] > 0 and lines[COMPOUND_INCOME][1] == lines[COMPOUND_RECEIVABLE][0]


def test_a_repayment_credits_what_it_paid_and_the_credit_held():
    pay = Transaction(2, REPAYMENT, date(2025, 2, 20), D("11000"))
    lines = lines_of(position(date(2025, 2, 20)), position(date(2025, 2, 20), pay))
    assert lines == {CLEARING: (D("11000"), 0), LOANS: (0, D("9727.97")), INTEREST_RECEIVABLE: (0, D("600.00")),
                     PENALTY_RECEIVABLE: (0, D("24.32")), COMPOUND_RECEIVABLE: (0, D("1.50")),
                     CUSTOMER_CREDIT: (0, D("646.21"))}


def test_a_reversal_posts_the_opposite_and_re_derived_penalty():
    pay = Transaction(2, REPAYMENT, date(2025, 2, 10), D("10327.97"))
    before = position(date(2025, 3, 1), pay)
    after = position(date(2025, 3, 1), pay, Transaction(3, REVERSAL, date(2025, 3, 1), reverses=2))
    lines = lines_of(before, after)
    assert lines[CLEARING] == (0, D("10327.97"))
    assert lines[LOANS] == (D("9727.97"), 0) and lines[INTEREST_RECEIVABLE] == (D("600.00"), 0)
    assert lines[PENALTY_INCOME][1] > 0  # the penalty since the due date, now owed after all


def test_write_off_moves_everything_to_the_allowance():
    day = date(2025, 6, 1)
    lines = lines_of(position(day), position(day, Transaction(2, WRITE_OFF, day)))
    written = position(day, Transaction(2, WRITE_OFF, day)).written_off
    assert lines[ALLOWANCE] == (written, 0) and lines[LOANS] == (0, D("120000.00"))


def test_the_journal_sums_to_the_loan_figures():
    steps = [position(date(2025, 1, 10))]
    pay = Transaction(2, REPAYMENT, date(2025, 2, 20), D("11000"))
    for day in (date(2025, 2, 10), date(2025, 2, 20)):
        steps.append(position(day))
    steps.append(position(date(2025, 2, 20), pay))
    lines = [line for a, b in zip([Position(), *steps], steps) for line in entry_lines(a, b)]
    assert accounting.loan_figures(accounting.balances(lines)) == accounting.position_figures(steps[-1])


def test_money_paying_nothing_due_is_held_as_customer_credit():
    assert lines_of(Position(), Position(cash_in=D("1"))) == {CLEARING: (D("1"), 0), CUSTOMER_CREDIT: (0, D("1"))}


def test_a_one_sided_entry_is_never_posted(monkeypatch):
    monkeypatch.setattr(accounting, "_debit_changes", lambda before, after: {LOANS: D("1")})
    with pytest.raises(Unbalanced):
        entry_lines(Position(), Position())


def test_the_trial_balance_lists_every_account_on_its_normal_side():
    rows = accounting.trial_balance({LOANS: (D("100"), D("30")), CUSTOMER_CREDIT: (D("0"), D("5"))})
    by_code = {row.account.code: row for row in rows}
    assert by_code[LOANS].balance == D("70") and by_code[CUSTOMER_CREDIT].balance == D("5")
    assert len(rows) == len(accounting.CHART)
    with pytest.raises(ValueError):
        accounting.trial_balance({"9999": (D("1"), D("0"))})
    assert isinstance(entry_lines(Position(), Position())[:1], tuple)
    assert JournalLine("1002").debit == 0
