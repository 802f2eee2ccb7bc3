"""Every amount a loan has falling due, instalment by instalment, as the rows of the stored dues table
(`loan_dues`): pure, from a `ledger.LoanState` (no database, no web).

A loan's schedule is derived from its history (`ledger.state_at`); `service.settle` — the one writer
of a loan's figures, after every change and every end of day — also writes these rows, so the
amounts due on a date can be queried across loans (`GET /api/v1/loan-dues`, the 到期还款 page) without
deriving each loan. They are the ledger's answer as of the loan's ``as_of``, like the figures on the
loan row; only the rows that differ from what is stored are written, and the end of day does not
even look when nothing can have changed (``unchanged_since``).

One row per instalment of the derived schedule, in its order (``seq`` 1, 2, …): a prepayment and a
write-off are instalments of the schedule too, so ``number`` (the number people read) can repeat and
``seq`` is the key. (A reschedule makes no row of its own: the interest earned before it is part of
the first new instalment; ``reschedule`` rows were written before that and go when the loan is next
settled.) A revolving line (随借随还) has a row per
interest period (the running one with the interest earned so far, so the end of day rewrites it
daily) and then one per drawdown (``kind`` drawdown, numbered 1, 2, … in drawing order) for its
principal, due at the line's maturity and repaid oldest first.

* ``principal``, ``interest``: the instalment's amounts; ``paid_principal``, ``paid_interest``: paid
  so far (by payments and by the credit held); ``written_off``: principal and interest written off.
* ``penalty``, ``compound`` (罚息, 复利): the ledger charges them on the loan as a whole (积数 of all
  overdue principal and interest) and a payment pays them before any instalment's interest, so
  they are not split by instalment: the loan's *open* penalty and compound interest are carried on
  the oldest overdue instalment (the one a payment pays first); every other row has 0. The rows of
  a loan therefore sum to exactly the loan's own open figures.
* ``outstanding``: principal + interest − paid − written off, + penalty + compound.
* ``status`` as of ``as_of``: ``future`` 未到期 (falls due later), ``current`` 当期 (due on ``as_of``,
  not yet overdue), ``overdue`` 逾期 (due before ``as_of``, not all paid), ``paid`` 已结清, and
  ``written_off`` 已核销 (closed by the write-off).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from smecredit.kernel.text import Text
from smecredit.loans import ledger

ZERO = Decimal("0.00")

FUTURE, CURRENT, OVERDUE, PAID, WRITTEN_OFF = "future", "current", "overdue", "paid", "written_off"
STATUSES = (FUTURE, CURRENT, OVERDUE, PAID, WRITTEN_OFF)
STATUS_LABELS: dict[str, Text] = {
    FUTURE: Text("未到期", "Not yet due"),
    CURRENT: Text("当期（今日应还）", "Due today"),
    OVERDUE: Text("逾期", "Overdue"),
    PAID: Text("已结清", "Paid"),
    WRITTEN_OFF: Text("已核销", "Written off"),
}
STATUS_TONES = {FUTURE: "light", CURRENT: "warning", OVERDUE: "danger", PAID: "success", WRITTEN_OFF: "dark"}
OPEN = (FUTURE, CURRENT, OVERDUE)  # something is still owed

KIND_LABELS: dict[str, Text] = {
    "scheduled": Text("计划还款", "Scheduled"),
    "prepayment": Text("提前还款", "Prepayment"),
    "reschedule": Text("展期/重组前利息", "Interest before the reschedule"),
    "write_off": Text("核销", "Write-off"),
    "interest": Text("随借随还结息", "Line interest"),
    ledger.DRAWDOWN: Text("提款本金（额度到期还本）", "Drawdown principal (due at the line's maturity)"),
}


class Due(NamedTuple):
    seq: int
    number: int
    kind: str  # ledger.InstalmentState.kind: scheduled | prepayment | reschedule | write_off
    due_date: date
    principal: Decimal
    interest: Decimal
    penalty: Decimal
    compound: Decimal
    paid_principal: Decimal
    paid_interest: Decimal
    written_off: Decimal
    outstanding: Decimal
    status: str

    @property
    def amount(self) -> Decimal:
        """Everything this instalment asks for (its penalty and compound interest included)."""
        return self.principal + self.interest + self.penalty + self.compound

    @property
    def paid(self) -> Decimal:
        return self.paid_principal + self.paid_interest


FIELDS = Due._fields  # the stored columns, in order (loan_id aside)


class _Owed(NamedTuple):
    """What one row asks for, before its status and any penalty it carries."""

    number: int
    kind: str
    due_date: date
    principal: Decimal
    interest: Decimal
    paid_principal: Decimal
    paid_interest: Decimal
    written_off: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.principal + self.interest - self.paid_principal - self.paid_interest - self.written_off


def _status(row: _Owed, as_of: date) -> str:
    if row.outstanding > 0:
        if row.due_date > as_of:
            return FUTURE
        return CURRENT if row.due_date == as_of else OVERDUE
    if row.written_off:
        return WRITTEN_OFF
    return PAID


def _owed(state: ledger.LoanState) -> list[_Owed]:
    """The instalments; for a revolving line its interest periods (the running one: earned so far),
    then each drawdown's principal, due at the line's maturity."""
    rows = [_Owed(i.number, i.kind, i.due_date, i.principal, i.interest, i.paid_principal, i.paid_interest,
                  i.written_off_principal + i.written_off_interest) for i in state.instalments]
    rows += [_Owed(n, ledger.DRAWDOWN, d.due_date, d.amount, ZERO, d.repaid, ZERO, d.written_off)
             for n, d in enumerate(state.drawdowns, start=1)]
    return rows


def dues_of(state: ledger.LoanState) -> tuple[Due, ...]:
    """The loan's dues as of ``state.as_of`` (none before the disbursement, or a line's first drawdown)."""
    if state.status == ledger.PENDING:
        return ()
    rows = _owed(state)
    as_of = state.as_of
    statuses = [_status(row, as_of) for row in rows]
    # the open penalty and compound interest go on the oldest overdue row; failing one (an
    # allocation order that pays them last), on the latest row already due
    carrier = None
    if state.penalty or state.compound:
        carrier = next((i for i, s in enumerate(statuses) if s == OVERDUE), None)
        if carrier is None:
            due = [i for i, row in enumerate(rows) if row.due_date <= as_of]
            carrier = due[-1] if due else 0
    out = []
    for index, (row, status) in enumerate(zip(rows, statuses, strict=True)):
        penalty, compound = (state.penalty, state.compound) if index == carrier else (ZERO, ZERO)
        outstanding = row.outstanding + penalty + compound
        if outstanding > 0 and status not in OPEN:  # paid, but the penalty it carries is not
            status = CURRENT if row.due_date == as_of else OVERDUE
        out.append(Due(index + 1, row.number, row.kind, row.due_date, row.principal, row.interest, penalty, compound,
                       row.paid_principal, row.paid_interest, row.written_off, outstanding, status))
    return tuple(out)


def unchanged_since(state: ledger.LoanState, before: date, penalty: Decimal, compound: Decimal) -> bool:
    """On the same history, are the dues as of ``state.as_of`` those as of ``before`` (≤ it), when
    the loan's open penalty and compound interest were ``penalty`` and ``compound`` then?

    Between two dates a history replays the same, except that instalments falling due in between
    change status and take the credit held, and penalty and compound interest accrue. So: no
    instalment due after ``before`` up to ``state.as_of``, none due on ``before`` still owed (当期
    then, 逾期 now; an instalment owed at the end of a day is still owed the next, as the credit held
    pays what falls due on the day it does), and the same open penalty and compound interest. The end of day asks this first and writes nothing on most
    days (`service.settle`)."""
    if state.penalty != penalty or state.compound != compound:
        return False
    if state.drawdowns:  # a revolving line: the running period's interest (earned so far) grows every day
        return False
    as_of = state.as_of
    for row in state.instalments:
        due = row.due_date
        if before < due <= as_of:
            return False
        if due == before and before < as_of and row.outstanding > 0:  # 当期 then, 逾期 now (paid ones stay paid)
            return False
    return True
