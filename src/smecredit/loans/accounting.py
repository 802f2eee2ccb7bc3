"""Chart of accounts and balanced journal lines for loans (会计核算). Pure: no database, no web.

Every money movement posts one balanced entry: the change, account by account, between the loan's
`ledger.Position` before and after the movement (a disbursement, a repayment, a day's accrual, a
backdated payment's re-derivation, a reversal, a write-off). Because an entry is a difference of
positions, the journal of a loan sums to its latest position: the balances derived from the journal
equal the loan's own figures by construction, and `loan_figures` / `position_figures` let a test
(and the trial balance) check that they do.

Why an entry always balances: with P = principal, R = the three receivables, C = the credit held,
I = income earned, W = written off and K = recoveries, the ledger's own definitions give
P + R − C = disbursed − cash in + cash out + I − W + K, so Δclearing + ΔP + ΔR − ΔC − ΔI + (ΔW − ΔK) = 0.
`entry_lines` still checks it and raises `Unbalanced` rather than ever post a one-sided entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from smecredit.kernel.text import Text
from smecredit.loans.ledger import Position

ZERO = Decimal("0.00")

ASSET, LIABILITY, INCOME = "asset", "liability", "income"


@dataclass(frozen=True)
class Account:
    code: str
    name: Text
    kind: str  # asset | liability | income

    @property
    def debit_normal(self) -> bool:
        return self.kind == ASSET


CLEARING = "1002"
LOANS = "1303.01"
ALLOWANCE = "1304"
INTEREST_RECEIVABLE = "1132.01"
PENALTY_RECEIVABLE = "1132.02"
COMPOUND_RECEIVABLE = "1132.03"
CUSTOMER_CREDIT = "2241.01"
INTEREST_INCOME = "6011.01"
PENALTY_INCOME = "6011.02"
COMPOUND_INCOME = "6011.03"

CHART: tuple[Account, ...] = (
    Account(CLEARING, Text("银行存款（清算）", "Bank clearing account"), ASSET),
    Account(INTEREST_RECEIVABLE, Text("应收利息—贷款利息", "Interest receivable"), ASSET),
    Account(PENALTY_RECEIVABLE, Text("应收利息—罚息", "Penalty interest receivable"), ASSET),
    Account(COMPOUND_RECEIVABLE, Text("应收利息—复利", "Compound interest receivable"), ASSET),
    Account(LOANS, Text("贷款—本金", "Loans — principal"), ASSET),
    # Written-off amounts are debited here; provisioning (its credit side) is not built yet, so
    # until it is the balance shows what was written off less what was recovered.
    Account(ALLOWANCE, Text("贷款损失准备（核销）", "Loan loss allowance (write-offs)"), ASSET),
    Account(CUSTOMER_CREDIT, Text("其他应付款—溢缴款", "Customer credit (overpayments)"), LIABILITY),
    Account(INTEREST_INCOME, Text("利息收入—贷款利息", "Interest income"), INCOME),
    Account(PENALTY_INCOME, Text("利息收入—罚息", "Penalty interest income"), INCOME),
    Account(COMPOUND_INCOME, Text("利息收入—复利", "Compound interest income"), INCOME),
)
ACCOUNTS: dict[str, Account] = {account.code: account for account in CHART}


class Unbalanced(ArithmeticError):
    """An entry whose debits and credits differ: never posted."""


@dataclass(frozen=True)
class JournalLine:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO


def _debit_changes(before: Position, after: Position) -> dict[str, Decimal]:
    """The change of every account, debit positive."""
    def change(name: str) -> Decimal:
        return getattr(after, name) - getattr(before, name)

    return {
        CLEARING: change("cash_in") - change("cash_out") - change("disbursed"),
        LOANS: change("principal"),
        INTEREST_RECEIVABLE: change("interest_receivable"),
        PENALTY_RECEIVABLE: change("penalty_receivable"),
        COMPOUND_RECEIVABLE: change("compound_receivable"),
        ALLOWANCE: change("written_off") - change("recovered"),
        CUSTOMER_CREDIT: -change("credit"),
        INTEREST_INCOME: -change("interest_earned"),
        PENALTY_INCOME: -change("penalty_charged"),
        COMPOUND_INCOME: -change("compound_charged"),
    }


def entry_lines(before: Position, after: Position) -> tuple[JournalLine, ...]:
    """The balanced lines that move the books from ``before`` to ``after`` (empty if nothing moved)."""
    lines = tuple(JournalLine(code, debit=amount if amount > 0 else ZERO, credit=-amount if amount < 0 else ZERO)
                  for code, amount in _debit_changes(before, after).items() if amount != 0)
    debits = sum((line.debit for line in lines), ZERO)
    credits = sum((line.credit for line in lines), ZERO)
    if debits != credits:
        raise Unbalanced(f"debits {debits} != credits {credits}")
    return lines


def balances(lines: Iterable[JournalLine]) -> dict[str, Decimal]:
    """Debit-positive balance of every account the lines touch."""
    found: dict[str, Decimal] = {}
    for line in lines:
        found[line.account] = found.get(line.account, ZERO) + line.debit - line.credit
    return found


def loan_figures(balances_by_account: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """A loan's balances as the journal has them."""
    get = lambda code: balances_by_account.get(code, ZERO)  # noqa: E731
    return {"principal": get(LOANS), "interest_receivable": get(INTEREST_RECEIVABLE),
            "penalty_receivable": get(PENALTY_RECEIVABLE), "compound_receivable": get(COMPOUND_RECEIVABLE),
            "credit": -get(CUSTOMER_CREDIT)}


def position_figures(position: Position) -> dict[str, Decimal]:
    """The same balances as the loan has them."""
    return {"principal": position.principal, "interest_receivable": position.interest_receivable,
            "penalty_receivable": position.penalty_receivable, "compound_receivable": position.compound_receivable,
            "credit": position.credit}


@dataclass(frozen=True)
class TrialBalanceRow:
    account: Account
    debit: Decimal  # total debits
    credit: Decimal  # total credits

    @property
    def balance(self) -> Decimal:
        """On the account's normal side: debit − credit for assets, credit − debit otherwise."""
        return self.debit - self.credit if self.account.debit_normal else self.credit - self.debit


def trial_balance(totals: Mapping[str, tuple[Decimal, Decimal]]) -> tuple[TrialBalanceRow, ...]:
    """Rows for every account of the chart from (debit total, credit total) per account code."""
    unknown = set(totals) - set(ACCOUNTS)
    if unknown:
        raise ValueError(f"accounts not in the chart: {sorted(unknown)}")
    return tuple(TrialBalanceRow(account, *totals.get(account.code, (ZERO, ZERO))) for account in CHART)
