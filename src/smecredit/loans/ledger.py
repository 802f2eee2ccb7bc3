"""A loan's state, recomputed from its contract terms and its transaction history — never patched.

Pure: no database, no web. `state_at(terms, transactions, as_of)` replays the history in value-date
order (ties by transaction id) from the disbursement to ``as_of``; a backdated payment or the
reversal of a wrongly entered one is simply another history, so everything after it is re-derived
(docs/loans.md, "The loan ledger").

The rules:

- **Schedule.** Built by `schedules.build_schedule` from the disbursement's value date. An
  instalment falls due on its due date ("current" that day) and is overdue from the day after.
- **Allocation.** A repayment pays, in one configurable order (`LoanTerms.allocation`; default
  penalty interest, compound interest, overdue interest, overdue principal, current interest,
  current principal; oldest instalment first within a kind), what is due on its value date.
  Anything left is held as a credit (溢缴款) and pays the next instalments on their due dates
  (the scheduled debit), or is refunded.
- **罚息.** Overdue principal bears the penalty rate = contract rate × (1 + markup) (30 %–50 %
  by policy) and overdue interest bears compound interest (复利) at the same rate, by actual days
  over ``accrual_days`` (360), from the day after the due date up to and including the day it is
  paid. Sums of balance × days (积数) are kept exactly and rounded to the fen once, so the figure
  does not depend on how often it is looked at.
- **Interest accrual.** A period's interest is earned day by day (its scheduled interest × days
  elapsed / days in the period, to the fen) and falls due with its instalment.
- **Prepayment.** Pays what is due, then the interest earned in the current period so far, then
  principal; the schedule is rebuilt from the value date on the same due dates, keeping the term
  (lower instalment) or keeping the instalment (shorter term). Paying the payoff quote of a date
  on that date closes the loan.
- **Write-off (核销)** writes off everything outstanding on its date; later payments are
  recoveries. **Reschedule (展期/重组)** replaces the schedule from the current period with a new
  term (and optionally rate and method).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from smecredit.kernel.errors import Conflict, DomainError, Invalid
from smecredit.kernel.money import FEN
from smecredit.kernel.text import Text
from smecredit.loans import schedules
from smecredit.loans.schedules import EQUAL_INSTALLMENT, EQUAL_PRINCIPAL, Instalment, WorkingDayCalendar

ZERO = Decimal("0.00")

# --- buckets a payment is allocated to ---------------------------------------------------------
PENALTY = "penalty"
COMPOUND = "compound"
OVERDUE_INTEREST = "overdue_interest"
OVERDUE_PRINCIPAL = "overdue_principal"
CURRENT_INTEREST = "current_interest"
CURRENT_PRINCIPAL = "current_principal"
BUCKETS = (PENALTY, COMPOUND, OVERDUE_INTEREST, OVERDUE_PRINCIPAL, CURRENT_INTEREST, CURRENT_PRINCIPAL)
DEFAULT_ALLOCATION = BUCKETS

# --- kinds of transaction ----------------------------------------------------------------------
DISBURSEMENT = "disbursement"
REPAYMENT = "repayment"
PREPAYMENT = "prepayment"
REVERSAL = "reversal"
REFUND = "refund"
WRITE_OFF = "write_off"
RESCHEDULE = "reschedule"
DRAWDOWN = "drawdown"  # 提款: a revolving line's money paid out (the line's principal is its limit)
KINDS = (DISBURSEMENT, REPAYMENT, PREPAYMENT, REVERSAL, REFUND, WRITE_OFF, RESCHEDULE, DRAWDOWN)
REVERSIBLE = (REPAYMENT, PREPAYMENT, REFUND)

KEEP_TERM = "keep_term"  # 缩短期限不变：lower the instalment
KEEP_INSTALMENT = "keep_instalment"  # 月供不变：shorten the term
PREPAYMENT_MODES = (KEEP_TERM, KEEP_INSTALMENT)

# --- loan statuses -----------------------------------------------------------------------------
PENDING = "pending"  # contract signed, not disbursed
ACTIVE = "active"
OVERDUE = "overdue"
CLOSED = "closed"  # paid off
WRITTEN_OFF = "written_off"
STATUSES = (PENDING, ACTIVE, OVERDUE, CLOSED, WRITTEN_OFF)

_PREC = 60


class LedgerConflict(ValueError):
    """The history cannot happen (two disbursements, a payment before the disbursement, a refund
    larger than the credit). Use cases refuse such a change before it is stored."""


@dataclass(frozen=True)
class LoanTerms:
    principal: Decimal
    annual_rate: Decimal  # percent a year
    months: int
    method: str
    penalty_markup: Decimal = Decimal("0.50")  # 罚息 = rate × (1 + markup)
    day_count: str | None = None  # of the schedule; None → the method's default
    accrual_days: int = 360  # the year of penalty and compound interest (积数 / 360)
    allocation: tuple[str, ...] = DEFAULT_ALLOCATION
    rounding: str = ROUND_HALF_UP
    calendar: WorkingDayCalendar | None = None
    # A revolving line (method ``revolving``): the date its term runs from — the anchor of its
    # monthly interest days; it matures ``months`` later. None: the first drawdown's date.
    line_start: date | None = None

    @property
    def revolving(self) -> bool:
        return self.method == schedules.REVOLVING

    def __post_init__(self):
        if sorted(self.allocation) != sorted(BUCKETS):
            raise ValueError(f"allocation must order exactly {BUCKETS}")
        if not Decimal(0) <= self.penalty_markup <= Decimal(2):
            raise ValueError("penalty markup is a fraction of the rate, 0 … 2")

    def penalty_rate(self, annual_rate: Decimal | None = None) -> Decimal:
        return (self.annual_rate if annual_rate is None else annual_rate) * (1 + self.penalty_markup)


@dataclass(frozen=True)
class Transaction:
    """One entry of a loan's history. ``id`` orders entries of the same value date (entry order)."""

    id: int
    kind: str
    value_date: date
    amount: Decimal = ZERO
    reverses: int | None = None  # REVERSAL: the id of the repayment, prepayment or refund it undoes
    mode: str = KEEP_TERM  # PREPAYMENT
    months: int | None = None  # RESCHEDULE: the new whole term in months, counted from the start
    annual_rate: Decimal | None = None  # RESCHEDULE: a new rate (percent), or the same
    method: str | None = None  # RESCHEDULE: a new method, or the same


@dataclass(frozen=True)
class Allocation:
    """How one payment (or, on a due date, the credit held) was applied: ``amount`` paid now plus
    ``from_credit`` taken from the credit held always equal the sum of the parts — nothing is lost
    or invented."""

    transaction_id: int | None  # None: the credit held paid instalments that fell due
    value_date: date
    amount: Decimal
    from_credit: Decimal = ZERO
    penalty: Decimal = ZERO
    compound: Decimal = ZERO
    interest: Decimal = ZERO
    principal: Decimal = ZERO
    to_credit: Decimal = ZERO  # held as a credit
    recovered: Decimal = ZERO  # paid after the write-off

    @property
    def parts_total(self) -> Decimal:  # == amount + from_credit
        return self.penalty + self.compound + self.interest + self.principal + self.to_credit + self.recovered


@dataclass(frozen=True)
class InstalmentState:
    number: int
    kind: str  # "scheduled" | "prepayment" | "write_off"
    due_date: date
    period_start: date
    period_end: date
    principal: Decimal
    interest: Decimal
    paid_principal: Decimal
    paid_interest: Decimal
    written_off_principal: Decimal
    written_off_interest: Decimal
    status: str  # paid | written_off | overdue | due | partly_paid | future

    @property
    def payment(self) -> Decimal:
        return self.principal + self.interest

    @property
    def outstanding(self) -> Decimal:
        return (self.principal + self.interest - self.paid_principal - self.paid_interest
                - self.written_off_principal - self.written_off_interest)


@dataclass(frozen=True)
class DrawdownState:
    """One drawdown of a revolving line: its principal falls due at the line's maturity and is
    repaid oldest drawdown first."""

    transaction_id: int
    value_date: date
    amount: Decimal
    repaid: Decimal
    written_off: Decimal
    due_date: date

    @property
    def balance(self) -> Decimal:
        return self.amount - self.repaid - self.written_off


@dataclass(frozen=True)
class Position:
    """Cumulative money figures to a date: what the journal posts the changes of. The loan's own
    balances follow from these (see the properties), and so do the journal's."""

    disbursed: Decimal = ZERO
    cash_in: Decimal = ZERO
    cash_out: Decimal = ZERO  # refunds of credit
    interest_earned: Decimal = ZERO
    penalty_charged: Decimal = ZERO
    compound_charged: Decimal = ZERO
    principal_paid: Decimal = ZERO
    interest_paid: Decimal = ZERO
    penalty_paid: Decimal = ZERO
    compound_paid: Decimal = ZERO
    principal_written_off: Decimal = ZERO
    interest_written_off: Decimal = ZERO
    penalty_written_off: Decimal = ZERO
    compound_written_off: Decimal = ZERO
    recovered: Decimal = ZERO

    @property
    def principal(self) -> Decimal:
        return self.disbursed - self.principal_paid - self.principal_written_off

    @property
    def interest_receivable(self) -> Decimal:
        return self.interest_earned - self.interest_paid - self.interest_written_off

    @property
    def penalty_receivable(self) -> Decimal:
        return self.penalty_charged - self.penalty_paid - self.penalty_written_off

    @property
    def compound_receivable(self) -> Decimal:
        return self.compound_charged - self.compound_paid - self.compound_written_off

    @property
    def credit(self) -> Decimal:
        return (self.cash_in - self.cash_out - self.principal_paid - self.interest_paid - self.penalty_paid
                - self.compound_paid - self.recovered)

    @property
    def written_off(self) -> Decimal:
        return (self.principal_written_off + self.interest_written_off + self.penalty_written_off
                + self.compound_written_off)


@dataclass(frozen=True)
class LoanState:
    as_of: date
    status: str
    principal: Decimal  # as contracted
    annual_rate: Decimal  # the rate now (a reschedule may change it)
    outstanding_principal: Decimal  # all principal still owed, due or not
    overdue_principal: Decimal
    overdue_interest: Decimal
    current_principal: Decimal  # due today, not yet overdue
    current_interest: Decimal
    accrued_interest: Decimal  # earned, not yet due
    penalty: Decimal
    compound: Decimal
    credit: Decimal
    days_past_due: int
    next_due_date: date | None
    next_due_amount: Decimal
    maturity_date: date | None
    disbursed_on: date | None
    instalments: tuple[InstalmentState, ...] = ()
    allocations: tuple[Allocation, ...] = ()
    position: Position = field(default_factory=Position)
    # a revolving line: its drawdowns, and what may be drawn now (the limit less the principal
    # outstanding while the line is open for drawing: valid, nothing overdue, not written off; else 0)
    drawdowns: tuple[DrawdownState, ...] = ()
    available: Decimal = ZERO

    @property
    def interest(self) -> Decimal:
        """Interest owed now: overdue and current (what a repayment today pays)."""
        return self.overdue_interest + self.current_interest

    @property
    def due_now(self) -> Decimal:
        """Everything a repayment today must pay before any of it is held as credit."""
        return (self.penalty + self.compound + self.overdue_interest + self.overdue_principal
                + self.current_interest + self.current_principal)


@dataclass(frozen=True)
class PayoffQuote:
    """What pays the loan off on ``on`` exactly (valid for that date only)."""

    on: date
    principal: Decimal
    interest: Decimal  # overdue + current + earned in the current period
    penalty: Decimal
    compound: Decimal
    credit: Decimal
    total: Decimal  # the sum less the credit held (never below zero)


# --- the replay --------------------------------------------------------------------------------

class _Row:
    __slots__ = ("number", "kind", "month", "period_start", "period_end", "due_date", "principal", "interest",
                 "paid_principal", "paid_interest", "wo_principal", "wo_interest", "carried", "carried_to")

    def __init__(self, number, kind, month, period_start, period_end, due_date, principal, interest):
        self.number, self.kind, self.month = number, kind, month
        self.period_start, self.period_end, self.due_date = period_start, period_end, due_date
        self.principal, self.interest = principal, interest
        self.paid_principal = self.paid_interest = self.wo_principal = self.wo_interest = ZERO
        # A reschedule inside the period: ``carried`` of ``interest`` was earned by ``carried_to`` (at
        # the old rate); the rest is earned day by day from then to the period's end.
        self.carried, self.carried_to = ZERO, None

    @property
    def open_principal(self) -> Decimal:
        return self.principal - self.paid_principal - self.wo_principal

    @property
    def open_interest(self) -> Decimal:
        return self.interest - self.paid_interest - self.wo_interest


def _fen(value: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    return value.quantize(FEN, rounding=rounding)


class _Book:
    def __init__(self, terms: LoanTerms, start: date):
        self.terms = terms
        self.start = start
        self.rate = Decimal(terms.annual_rate)
        self.method = terms.method
        self.t = start
        self.rows: list[_Row] = []
        self.first_open = 0  # rows before this are settled
        self.cursor = 0  # the first row not yet due (due date after t)
        self.due_principal = ZERO  # open principal of rows due on or before t
        self.due_interest = ZERO
        self.penalty_base = Decimal(0)  # Σ overdue principal × days, since the last rate change
        self.compound_base = Decimal(0)
        self.penalty_frozen = ZERO  # penalty charged before the last rate change
        self.compound_frozen = ZERO
        self.credit = ZERO
        self.cleared_at = (Decimal(0), Decimal(0), ZERO, ZERO)  # the penalty bases when penalty was last all paid
        self.written_off = False
        self.allocations: list[Allocation] = []
        self.p = dict.fromkeys(Position.__dataclass_fields__, ZERO)
        self.p["disbursed"] = Decimal(terms.principal)
        schedule = schedules.build_schedule(principal=Decimal(terms.principal), annual_rate=self.rate,
                                            months=terms.months, method=terms.method, start=start,
                                            day_count=terms.day_count, calendar=terms.calendar,
                                            rounding=terms.rounding)
        months = [terms.months] if terms.method == schedules.BULLET else range(1, len(schedule) + 1)
        self._install(schedule, months)
        self._set_level(Decimal(terms.principal), len(schedule))

    # -- schedule rows ------------------------------------------------------------------------

    def _install(self, schedule: Iterable[Instalment], months: Iterable[int], kind: str = "scheduled") -> None:
        for line, month in zip(schedule, months, strict=False):
            self.rows.append(_Row(line.number, kind, month, line.period_start, line.period_end, line.due_date,
                                  line.principal, line.interest))

    def _set_level(self, principal: Decimal, count: int) -> None:
        if self.method == EQUAL_INSTALLMENT:
            self.level = schedules.level_payment(principal, self.rate, count, rounding=self.terms.rounding)
        elif self.method == EQUAL_PRINCIPAL:
            self.level = _fen(principal / count, self.terms.rounding)
        else:
            self.level = None

    def _rebuild(self, balance: Decimal, begin: date, first_month: int, last_month: int, number: int,
                 keep_level: bool) -> None:
        """Schedule ``balance`` from ``begin`` over the anchored periods ``first_month … last_month``."""
        if balance <= 0:
            return
        count = last_month - first_month + 1
        if self.method == schedules.BULLET:
            end = schedules.add_months(self.start, last_month)
            adjust = schedules._adjuster(self.terms.calendar)
            periods = (schedules.Period(number, begin, end, adjust(end), full=False),)
            months = [last_month]
        else:
            periods = schedules.periods(begin, count, calendar=self.terms.calendar, anchor=self.start,
                                        first_number=number, from_month=first_month)
            months = range(first_month, last_month + 1)
        if not keep_level or self.level is None:
            self._set_level(balance, count)
        extra = {}
        if self.method == EQUAL_INSTALLMENT:
            extra["payment"] = self.level
        elif self.method == EQUAL_PRINCIPAL:
            extra["principal_part"] = self.level
        lines = schedules.amortise(principal=balance, annual_rate=self.rate, periods=periods, method=self.method,
                                   day_count=self.terms.day_count, rounding=self.terms.rounding, **extra)
        self._install(lines, months)

    def _current_index(self, on: date) -> int | None:
        """The row whose period runs over ``on`` (start ≤ on < end), if the loan has not matured."""
        for index in range(self.cursor, len(self.rows)):
            row = self.rows[index]
            if row.period_start <= on < row.period_end:
                return index
        return None

    def _earned(self, row: _Row, on: date) -> Decimal:
        """The interest of ``row``'s period earned by the end of ``on``."""
        if on >= row.period_end:
            return row.interest
        if on <= row.period_start:
            return ZERO
        with localcontext() as ctx:
            ctx.prec = _PREC
            if row.carried_to is not None and on >= row.carried_to:
                rest = ((row.interest - row.carried) * (on - row.carried_to).days
                        / (row.period_end - row.carried_to).days)
                return row.carried + _fen(rest, self.terms.rounding)
            share = row.interest * (on - row.period_start).days / (row.period_end - row.period_start).days
        return _fen(share, self.terms.rounding)

    # -- time -----------------------------------------------------------------------------------

    def advance(self, to: date) -> None:
        """Run the days after ``t`` up to and including ``to``: accrue, fall due, use the credit."""
        rows = self.rows
        while self.t < to:
            following = min(rows[self.cursor].due_date, to) if self.cursor < len(rows) else to
            if not self.written_off:
                days = (following - self.t).days
                self.penalty_base += self.due_principal * days
                self.compound_base += self.due_interest * days
            self.t = following
            while self.cursor < len(rows) and rows[self.cursor].due_date <= following:
                row = rows[self.cursor]  # falls due today
                self.due_principal += row.open_principal
                self.due_interest += row.open_interest
                self.cursor += 1
            if self.credit > 0:
                self._use_credit()
        if self.cursor < len(rows) and rows[self.cursor].due_date <= self.t:  # a row due today, added today
            while self.cursor < len(rows) and rows[self.cursor].due_date <= self.t:
                row = rows[self.cursor]
                self.due_principal += row.open_principal
                self.due_interest += row.open_interest
                self.cursor += 1
            if self.credit > 0:
                self._use_credit()

    def _accrued_penalty(self) -> tuple[Decimal, Decimal]:
        with localcontext() as ctx:
            ctx.prec = _PREC
            yearly = Decimal(100) * self.terms.accrual_days
            rate = self.terms.penalty_rate(self.rate)
            penalty = self.penalty_frozen + _fen(self.penalty_base * rate / yearly, self.terms.rounding)
            compound = self.compound_frozen + _fen(self.compound_base * rate / yearly, self.terms.rounding)
        return penalty, compound

    def _freeze_penalty(self) -> None:
        """Before a rate change: what has accrued stays charged at the old rate."""
        self.penalty_frozen, self.compound_frozen = self._accrued_penalty()
        self.penalty_base = self.compound_base = Decimal(0)

    # -- paying -----------------------------------------------------------------------------------

    def _settle_prefix(self) -> None:
        while self.first_open < len(self.rows) and self.rows[self.first_open].due_date <= self.t and \
                self.rows[self.first_open].open_principal == 0 and self.rows[self.first_open].open_interest == 0:
            self.first_open += 1

    def _pay(self, amount: Decimal) -> dict[str, Decimal]:
        """Apply ``amount`` to what is due at ``t`` in the allocation order; returns the parts."""
        parts = {"penalty": ZERO, "compound": ZERO, "interest": ZERO, "principal": ZERO}
        bases = (self.penalty_base, self.compound_base, self.penalty_frozen, self.compound_frozen)
        if self.due_principal == 0 and self.due_interest == 0 and bases == self.cleared_at:
            return parts  # nothing due, and no penalty accrued since it was last paid off
        left = amount
        penalty, compound = self._accrued_penalty()
        for bucket in self.terms.allocation:
            if left <= 0:
                break
            if bucket == PENALTY:
                take = min(left, penalty - self.p["penalty_paid"])
                self.p["penalty_paid"] += take
                parts["penalty"] += take
                left -= take
                continue
            if bucket == COMPOUND:
                take = min(left, compound - self.p["compound_paid"])
                self.p["compound_paid"] += take
                parts["compound"] += take
                left -= take
                continue
            interest = bucket in (OVERDUE_INTEREST, CURRENT_INTEREST)
            overdue = bucket in (OVERDUE_INTEREST, OVERDUE_PRINCIPAL)
            for index in range(self.first_open, self.cursor):
                row = self.rows[index]
                if left <= 0:
                    break
                if (row.due_date < self.t) != overdue:
                    continue
                if interest:
                    take = min(left, row.open_interest)
                    row.paid_interest += take
                    self.due_interest -= take
                    self.p["interest_paid"] += take
                    parts["interest"] += take
                else:
                    take = min(left, row.open_principal)
                    row.paid_principal += take
                    self.due_principal -= take
                    self.p["principal_paid"] += take
                    parts["principal"] += take
                left -= take
        if penalty == self.p["penalty_paid"] and compound == self.p["compound_paid"]:
            self.cleared_at = bases
        self._settle_prefix()
        return parts

    def _use_credit(self) -> None:
        parts = self._pay(self.credit)
        used = sum(parts.values(), ZERO)
        if used > 0:
            self.credit -= used
            self.allocations.append(Allocation(None, self.t, ZERO, used, parts["penalty"], parts["compound"],
                                               parts["interest"], parts["principal"]))

    def repay(self, txn: Transaction) -> None:
        self.p["cash_in"] += txn.amount
        if self.written_off:
            self.p["recovered"] += txn.amount
            self.allocations.append(Allocation(txn.id, txn.value_date, txn.amount, recovered=txn.amount))
            return
        # A prepayment counts the credit held too (it would otherwise wait for the next due date).
        from_credit = self.credit if txn.kind == PREPAYMENT else ZERO
        self.credit -= from_credit
        parts = self._pay(txn.amount + from_credit)
        left = txn.amount + from_credit - sum(parts.values(), ZERO)
        if txn.kind == PREPAYMENT and left > 0:
            taken = self._prepay(left, txn.mode)
            parts["interest"] += taken[0]
            parts["principal"] += taken[1]
            left -= taken[0] + taken[1]
        self.credit += left
        self.allocations.append(Allocation(txn.id, txn.value_date, txn.amount, from_credit, parts["penalty"],
                                           parts["compound"], parts["interest"], parts["principal"], to_credit=left))

    def _bring_forward(self) -> None:
        """Instalments whose period has ended but whose due date a holiday moved later fall due now."""
        while self.cursor < len(self.rows) and self.rows[self.cursor].period_end <= self.t:
            row = self.rows[self.cursor]
            row.due_date = self.t
            self.due_principal += row.open_principal
            self.due_interest += row.open_interest
            self.cursor += 1

    def _cut(self, kind: str, principal_paid: Decimal) -> tuple[_Row, Decimal, int, int] | None:
        """End the current period at ``t``: the row for it earns its interest so far and carries
        ``principal_paid``; the later rows go. Returns (the new row, the principal they held, the
        current period's month, the last month), or None when the loan has matured."""
        index = self._current_index(self.t)
        if index is None:
            return None
        current = self.rows[index]
        remaining = sum((row.open_principal for row in self.rows[index:]), ZERO)
        earned = self._earned(current, self.t)
        first_month, last_month = current.month, self.rows[-1].month
        del self.rows[index:]
        row = _Row(current.number, kind, first_month, current.period_start, self.t, self.t, principal_paid, earned)
        self.rows.append(row)
        self.cursor = len(self.rows)  # the new row is due today; its amounts are settled by the caller
        return row, remaining, first_month, last_month

    def _prepay(self, left: Decimal, mode: str) -> tuple[Decimal, Decimal]:
        """After everything due is paid: the interest earned so far this period, then principal."""
        self._bring_forward()
        parts = self._pay(left)  # instalments brought forward
        paid_now = parts["interest"], parts["principal"]
        left -= sum(parts.values(), ZERO)
        index = self._current_index(self.t)
        if index is None:
            return paid_now
        current = self.rows[index]
        earned = self._earned(current, self.t)
        future = sum((row.open_principal for row in self.rows[index:]), ZERO)
        if future <= 0 or left <= earned:
            return paid_now  # not enough to prepay: held as credit
        prepaid = min(left - earned, future)
        row, remaining, first_month, last_month = self._cut("prepayment", prepaid)
        row.paid_interest, row.paid_principal = earned, prepaid
        self.p["interest_paid"] += earned
        self.p["principal_paid"] += prepaid
        self._rebuild(remaining - prepaid, self.t, first_month, last_month, row.number, keep_level=mode == KEEP_INSTALMENT)
        self._settle_prefix()
        return paid_now[0] + earned, paid_now[1] + prepaid

    def refund(self, txn: Transaction) -> None:
        if txn.amount > self.credit:
            raise LedgerConflict(f"refund {txn.amount} exceeds the credit held {self.credit} on {txn.value_date}")
        self.credit -= txn.amount
        self.p["cash_out"] += txn.amount

    def write_off(self, txn: Transaction) -> None:
        if self.written_off:
            raise LedgerConflict("written off twice")
        self._bring_forward()
        cut = self._cut("write_off", ZERO)
        if cut:
            row, remaining, _, _ = cut
            row.principal = remaining
        penalty, compound = self._accrued_penalty()
        self.p["penalty_written_off"] = penalty - self.p["penalty_paid"]
        self.p["compound_written_off"] = compound - self.p["compound_paid"]
        for row in self.rows[self.first_open:]:
            row.wo_principal, row.wo_interest = row.open_principal, row.open_interest
            self.p["principal_written_off"] += row.wo_principal
            self.p["interest_written_off"] += row.wo_interest
        self.due_principal = self.due_interest = ZERO
        self.written_off = True
        self.first_open = self.cursor = len(self.rows)

    def reschedule(self, txn: Transaction) -> None:
        """A new term (and rate, method) from ``t``: the principal not yet due is scheduled again over
        the anchored months up to the new term, from the start of the current period. That period
        stays one instalment: the interest earned in it so far stays at the old rate and the rest of
        the period is charged at the new one (its interest at the new rate less the share already
        run), so the whole falls due with the first new instalment — nothing falls due today, and at
        an unchanged rate the period's interest is unchanged."""
        index = self._current_index(self.t)
        if index is None or self.written_off:
            raise LedgerConflict("nothing left to reschedule")
        current = self.rows[index]
        remaining = sum((row.open_principal for row in self.rows[index:]), ZERO)
        if remaining <= 0:
            raise LedgerConflict("nothing left to reschedule")
        months = txn.months or self.rows[-1].month
        first_month = 1  # the first anchored month ending after today
        while schedules.add_months(self.start, first_month) <= self.t:
            first_month += 1
        if months < first_month:
            raise LedgerConflict("the new term ends before the current period")
        earned = self._earned(current, self.t)
        if txn.annual_rate is not None and txn.annual_rate != self.rate:
            self._freeze_penalty()
            self.rate = Decimal(txn.annual_rate)
        self.method = txn.method or self.method
        del self.rows[index:]
        self._rebuild(remaining, current.period_start, first_month, months, current.number, keep_level=False)
        first = self.rows[index]
        if self.t > first.period_start:
            with localcontext() as ctx:
                ctx.prec = _PREC
                ran = (first.interest * (self.t - first.period_start).days
                       / (first.period_end - first.period_start).days)
            first.interest = earned + first.interest - _fen(ran, self.terms.rounding)
            first.carried, first.carried_to = earned, self.t
        for row in self.rows[self.cursor:index]:  # not yet due (holiday-moved rows):
            row.due_date = min(row.due_date, first.due_date)  # paid with the first new instalment at the latest

    # -- the answer -------------------------------------------------------------------------------

    def state(self, as_of: date, terms: LoanTerms) -> LoanState:
        self.p["penalty_charged"], self.p["compound_charged"] = self._accrued_penalty()
        earned = ZERO
        overdue_p = overdue_i = current_p = current_i = accrued = ZERO
        oldest_overdue = next_due = None
        next_amount = ZERO
        instalments = []
        for row in self.rows:
            earned_here = self._earned(row, as_of)
            earned += earned_here
            open_p, open_i = row.open_principal, row.open_interest
            if row.due_date < as_of and (open_p or open_i):
                overdue_p += open_p
                overdue_i += open_i
                oldest_overdue = oldest_overdue or row.due_date
                status = "overdue"
            elif row.due_date == as_of and (open_p or open_i):
                current_p += open_p
                current_i += open_i
                status = "due"
            elif row.due_date > as_of:
                accrued += earned_here
                status = "partly_paid" if row.paid_principal or row.paid_interest else "future"
            else:
                status = "written_off" if row.wo_principal or row.wo_interest else "paid"
            if row.due_date >= as_of and (open_p or open_i) and not self.written_off:
                if next_due is None:
                    next_due = row.due_date
                if row.due_date == next_due:
                    next_amount += open_p + open_i
            instalments.append(InstalmentState(row.number, row.kind, row.due_date, row.period_start, row.period_end,
                                               row.principal, row.interest, row.paid_principal, row.paid_interest,
                                               row.wo_principal, row.wo_interest, status))
        self.p["interest_earned"] = earned
        position = Position(**self.p)
        outstanding = sum((row.open_principal for row in self.rows), ZERO)
        penalty_open, compound_open = position.penalty_receivable, position.compound_receivable
        if self.written_off:
            status = WRITTEN_OFF
        elif outstanding == 0 and penalty_open == 0 and compound_open == 0 and \
                all(row.open_interest == 0 for row in self.rows):
            status = CLOSED
        elif oldest_overdue is not None:
            status = OVERDUE
        else:
            status = ACTIVE
        return LoanState(
            as_of=as_of, status=status, principal=Decimal(terms.principal), annual_rate=self.rate,
            outstanding_principal=outstanding, overdue_principal=overdue_p, overdue_interest=overdue_i,
            current_principal=current_p, current_interest=current_i, accrued_interest=accrued,
            penalty=penalty_open, compound=compound_open, credit=self.credit,
            days_past_due=(as_of - oldest_overdue).days if oldest_overdue and not self.written_off else 0,
            next_due_date=next_due, next_due_amount=next_amount,
            maturity_date=self.rows[-1].due_date if self.rows else None, disbursed_on=self.start,
            instalments=tuple(instalments), allocations=tuple(self.allocations), position=position)


# --- a revolving line (随借随还) -----------------------------------------------------------------

def line_maturity(terms: LoanTerms, start: date) -> date:
    """The contractual date a line started on ``start`` ends: no drawdown on or after it."""
    return schedules.add_months(start, terms.months)


def line_available(limit: Decimal, outstanding: Decimal, status: str, on: date, maturity: date) -> Decimal:
    """What may be drawn on a line on ``on``: the limit less the principal outstanding while the
    line is open for drawing (before its maturity, nothing overdue, not written off), else 0."""
    if status not in (PENDING, ACTIVE) or on >= maturity:
        return ZERO
    return max(Decimal(limit) - Decimal(outstanding), ZERO)


class _Draw:
    __slots__ = ("id", "value_date", "amount", "paid", "wo")

    def __init__(self, txn_id: int, value_date: date, amount: Decimal):
        self.id, self.value_date, self.amount = txn_id, value_date, amount
        self.paid = self.wo = ZERO

    @property
    def open(self) -> Decimal:
        return self.amount - self.paid - self.wo


class _Line:
    """The replay of a revolving line (随借随还).

    - Interest runs on the principal drawn and not repaid, by actual days over 360 (365 under
      ``act/365``) at the contract rate: the period's 积数 (Σ balance × days) is kept exactly and its
      interest rounded to the fen once, when the period ends. Periods run monthly on the line's
      anchor day (``line_start``) and the interest falls due at each period's end (moved to a
      working day by the calendar, if any); the last period ends at the maturity.
    - Every drawdown's principal falls due at the line's maturity.
    - A payment (repayment or prepayment alike) pays what is due in the allocation order, then the
      interest earned so far and not yet due, then principal, oldest drawdown first; anything left
      is held as credit, which pays interest and principal as they fall due. A payment also uses
      the credit held.
    - Overdue interest and principal bear compound and penalty interest exactly as a loan's do.
    """

    def __init__(self, terms: LoanTerms, anchor: date, first_day: date):
        self.terms = terms
        self.rate = Decimal(terms.annual_rate)
        self.anchor = anchor
        self.maturity = line_maturity(terms, anchor)
        self.adjust = schedules._adjuster(terms.calendar)
        self.maturity_due = self.adjust(self.maturity)
        self.year = 365 if terms.day_count == schedules.ACT_365 else 360
        self.t = first_day
        self.rows: list[_Row] = []
        self.draws: list[_Draw] = []
        self.first_open = 0
        self.cursor = 0  # the first row not yet due
        self.due_interest = ZERO
        self.principal_open = ZERO
        self.principal_due = False
        self.base = Decimal(0)  # 积数 of the running period
        self.running: _Row | None = None
        self.penalty_base = Decimal(0)
        self.compound_base = Decimal(0)
        self.credit = ZERO
        self.written_off = False
        self.allocations: list[Allocation] = []
        self.p = dict.fromkeys(Position.__dataclass_fields__, ZERO)
        month = 1
        while schedules.add_months(anchor, month) <= first_day and month < terms.months:
            month += 1
        self._open_period(month)

    # -- periods --------------------------------------------------------------------------------

    def _open_period(self, month: int) -> None:
        start = schedules.add_months(self.anchor, month - 1)
        end = schedules.add_months(self.anchor, month)
        self.running = _Row(month, "interest", month, start, end, self.adjust(end), ZERO, ZERO)
        self.rows.append(self.running)
        self.base = Decimal(0)

    def _interest_of(self, base: Decimal) -> Decimal:
        with localcontext() as ctx:
            ctx.prec = _PREC
            return _fen(base * self.rate / (Decimal(100) * self.year), self.terms.rounding)

    def _refresh(self) -> None:
        """The running period's interest so far (it only grows: its 积数 only grows)."""
        if self.running is not None:
            self.running.interest = self._interest_of(self.base)

    def _accrued_penalty(self) -> tuple[Decimal, Decimal]:
        with localcontext() as ctx:
            ctx.prec = _PREC
            yearly = Decimal(100) * self.terms.accrual_days
            rate = self.terms.penalty_rate(self.rate)
            return (_fen(self.penalty_base * rate / yearly, self.terms.rounding),
                    _fen(self.compound_base * rate / yearly, self.terms.rounding))

    @property
    def due_principal(self) -> Decimal:
        return self.principal_open if self.principal_due else ZERO

    # -- time -----------------------------------------------------------------------------------

    def advance(self, to: date) -> None:
        while self.t < to:
            following = to
            if self.running is not None:
                following = min(following, self.running.period_end)
            if self.cursor < len(self.rows) and self.rows[self.cursor] is not self.running:
                following = min(following, self.rows[self.cursor].due_date)
            if not self.principal_due:
                following = min(following, self.maturity_due)
            if not self.written_off:
                days = (following - self.t).days
                self.penalty_base += self.due_principal * days
                self.compound_base += self.due_interest * days
                if self.running is not None:
                    self.base += self.principal_open * days
            self.t = following
            if self.running is not None and self.running.period_end <= following:
                self._refresh()  # the period's interest, rounded once
                ended = self.running
                self.running = None
                if ended.month < self.terms.months:
                    self._open_period(ended.month + 1)
            while self.cursor < len(self.rows) and self.rows[self.cursor] is not self.running and \
                    self.rows[self.cursor].due_date <= following:
                self.due_interest += self.rows[self.cursor].open_interest
                self.cursor += 1
            if not self.principal_due and following >= self.maturity_due:
                self.principal_due = True
            if self.credit > 0:
                self._use_credit()

    # -- money ----------------------------------------------------------------------------------

    def draw(self, txn: Transaction) -> None:
        if self.written_off:
            raise LedgerConflict(f"drawdown {txn.id} after the write-off")
        if txn.amount <= 0:
            raise LedgerConflict(f"drawdown {txn.id} of {txn.amount}")
        if not self.anchor <= txn.value_date < self.maturity:
            raise LedgerConflict(f"drawdown {txn.id} on {txn.value_date} outside the line's term "
                                 f"{self.anchor} … {self.maturity}")
        self.draws.append(_Draw(txn.id, txn.value_date, txn.amount))
        self.principal_open += txn.amount
        self.p["disbursed"] += txn.amount

    def _settle_prefix(self) -> None:
        while self.first_open < self.cursor and self.rows[self.first_open].open_interest == 0:
            self.first_open += 1

    def _take_interest(self, row: _Row, left: Decimal, parts: dict[str, Decimal], *, due: bool) -> Decimal:
        take = min(left, row.open_interest)
        row.paid_interest += take
        if due:
            self.due_interest -= take
        self.p["interest_paid"] += take
        parts["interest"] += take
        return take

    def _take_principal(self, left: Decimal, parts: dict[str, Decimal]) -> Decimal:
        taken = ZERO
        for draw in self.draws:  # oldest drawdown first
            if left - taken <= 0:
                break
            take = min(left - taken, draw.open)
            draw.paid += take
            taken += take
        self.principal_open -= taken
        self.p["principal_paid"] += taken
        parts["principal"] += taken
        return taken

    def _pay_due(self, amount: Decimal) -> dict[str, Decimal]:
        """``amount`` to what is due at ``t``, in the allocation order."""
        parts = {"penalty": ZERO, "compound": ZERO, "interest": ZERO, "principal": ZERO}
        left = amount
        penalty, compound = self._accrued_penalty()
        for bucket in self.terms.allocation:
            if left <= 0:
                break
            if bucket == PENALTY:
                take = min(left, penalty - self.p["penalty_paid"])
                self.p["penalty_paid"] += take
                parts["penalty"] += take
                left -= take
            elif bucket == COMPOUND:
                take = min(left, compound - self.p["compound_paid"])
                self.p["compound_paid"] += take
                parts["compound"] += take
                left -= take
            elif bucket in (OVERDUE_INTEREST, CURRENT_INTEREST):
                overdue = bucket == OVERDUE_INTEREST
                for index in range(self.first_open, self.cursor):
                    row = self.rows[index]
                    if left <= 0:
                        break
                    if (row.due_date < self.t) == overdue:
                        left -= self._take_interest(row, left, parts, due=True)
            elif self.principal_due and (self.maturity_due < self.t) == (bucket == OVERDUE_PRINCIPAL):
                left -= self._take_principal(left, parts)
        self._settle_prefix()
        return parts

    def _use_credit(self) -> None:
        if self.due_interest == 0 and self.due_principal == 0:
            penalty, compound = self._accrued_penalty()
            if penalty == self.p["penalty_paid"] and compound == self.p["compound_paid"]:
                return
        parts = self._pay_due(self.credit)
        used = sum(parts.values(), ZERO)
        if used > 0:
            self.credit -= used
            self.allocations.append(Allocation(None, self.t, ZERO, used, parts["penalty"], parts["compound"],
                                               parts["interest"], parts["principal"]))

    def repay(self, txn: Transaction) -> None:
        self.p["cash_in"] += txn.amount
        if self.written_off:
            self.p["recovered"] += txn.amount
            self.allocations.append(Allocation(txn.id, txn.value_date, txn.amount, recovered=txn.amount))
            return
        money = txn.amount + self.credit
        parts = self._pay_due(money)
        left = money - sum(parts.values(), ZERO)
        self._refresh()
        for row in self.rows[self.cursor:]:  # the interest earned so far, not yet due
            if left <= 0:
                break
            left -= self._take_interest(row, left, parts, due=False)
        if left > 0:
            left -= self._take_principal(left, parts)
        used = money - left
        from_credit = max(used - txn.amount, ZERO)
        to_credit = max(txn.amount - used, ZERO)
        self.credit += to_credit - from_credit
        self.allocations.append(Allocation(txn.id, txn.value_date, txn.amount, from_credit, parts["penalty"],
                                           parts["compound"], parts["interest"], parts["principal"],
                                           to_credit=to_credit))

    def refund(self, txn: Transaction) -> None:
        if txn.amount > self.credit:
            raise LedgerConflict(f"refund {txn.amount} exceeds the credit held {self.credit} on {txn.value_date}")
        self.credit -= txn.amount
        self.p["cash_out"] += txn.amount

    def write_off(self, txn: Transaction) -> None:
        if self.written_off:
            raise LedgerConflict("written off twice")
        self._refresh()
        if self.running is not None:  # the running period ends today with the interest earned so far
            self.running.kind, self.running.period_end, self.running.due_date = WRITE_OFF, self.t, self.t
            self.running = None
        penalty, compound = self._accrued_penalty()
        self.p["penalty_written_off"] = penalty - self.p["penalty_paid"]
        self.p["compound_written_off"] = compound - self.p["compound_paid"]
        for row in self.rows[self.first_open:]:
            row.wo_interest = row.open_interest
            self.p["interest_written_off"] += row.wo_interest
        for draw in self.draws:
            draw.wo = draw.open
            self.p["principal_written_off"] += draw.wo
        self.principal_open = self.due_interest = ZERO
        self.written_off = True
        self.first_open = self.cursor = len(self.rows)

    # -- the answer -----------------------------------------------------------------------------

    def state(self, as_of: date, terms: LoanTerms) -> LoanState:
        self._refresh()
        self.p["penalty_charged"], self.p["compound_charged"] = self._accrued_penalty()
        self.p["interest_earned"] = sum((row.interest for row in self.rows), ZERO)
        position = Position(**self.p)
        overdue_i = current_i = accrued = ZERO
        oldest_overdue = None
        instalments = []
        dues: dict[date, Decimal] = {}
        for row in self.rows:
            open_i = row.open_interest
            if row.due_date < as_of and open_i:
                overdue_i += open_i
                oldest_overdue = oldest_overdue or row.due_date
                status = "overdue"
            elif row.due_date == as_of and open_i:
                current_i += open_i
                status = "due"
            elif row.due_date > as_of:
                accrued += open_i
                status = "partly_paid" if row.paid_interest else "future"
            else:
                status = "written_off" if row.wo_interest else "paid"
            if row.due_date >= as_of and not self.written_off:
                owed = open_i
                if row is self.running:  # the period's interest if the balance stays as it is
                    owed = self._interest_of(self.base + self.principal_open * (row.period_end - self.t).days) \
                        - row.paid_interest
                if owed > 0:
                    dues[row.due_date] = dues.get(row.due_date, ZERO) + owed
            if row.interest or row is self.running or row.kind == WRITE_OFF:
                instalments.append(InstalmentState(row.number, row.kind, row.due_date, row.period_start,
                                                   row.period_end, ZERO, row.interest, ZERO, row.paid_interest,
                                                   ZERO, row.wo_interest, status))
        overdue_p = current_p = ZERO
        if self.principal_open > 0 and self.principal_due:
            if self.maturity_due < as_of:
                overdue_p = self.principal_open
                oldest_overdue = min(oldest_overdue or self.maturity_due, self.maturity_due)
            else:
                current_p = self.principal_open
        if self.principal_open > 0 and self.maturity_due >= as_of and not self.written_off:
            dues[self.maturity_due] = dues.get(self.maturity_due, ZERO) + self.principal_open
        next_due = min(dues) if dues else None
        penalty_open, compound_open = position.penalty_receivable, position.compound_receivable
        owed = self.principal_open or penalty_open or compound_open or any(row.open_interest for row in self.rows)
        if self.written_off:
            status = WRITTEN_OFF
        elif oldest_overdue is not None:
            status = OVERDUE
        elif not owed and as_of >= self.maturity:
            status = CLOSED
        else:
            status = ACTIVE
        return LoanState(
            as_of=as_of, status=status, principal=Decimal(terms.principal), annual_rate=self.rate,
            outstanding_principal=self.principal_open, overdue_principal=overdue_p, overdue_interest=overdue_i,
            current_principal=current_p, current_interest=current_i, accrued_interest=accrued,
            penalty=penalty_open, compound=compound_open, credit=self.credit,
            days_past_due=(as_of - oldest_overdue).days if oldest_overdue and not self.written_off else 0,
            next_due_date=next_due, next_due_amount=dues.get(next_due, ZERO) if next_due else ZERO,
            maturity_date=self.maturity_due, disbursed_on=self.draws[0].value_date if self.draws else None,
            instalments=tuple(instalments), allocations=tuple(self.allocations), position=position,
            drawdowns=tuple(DrawdownState(d.id, d.value_date, d.amount, d.paid, d.wo, self.maturity_due)
                            for d in self.draws),
            available=line_available(terms.principal, self.principal_open, status, as_of, self.maturity))


def drawdown_refusal(terms: LoanTerms, state: LoanState, amount: Decimal, on: date) -> DomainError | None:
    """Why a drawdown of ``amount`` on ``on`` may not be made on a line whose state that day is
    ``state`` (None: it may). The line draws from its start until the day before its maturity,
    not while anything is overdue nor once written off, and never beyond what is available."""
    if not terms.revolving:
        return Conflict("not_a_line", Text("该笔贷款不是随借随还额度，不能提款（贷款一次放款）",
                                           "This loan is not a revolving line: it is disbursed once, not drawn"))
    start = terms.line_start or on
    maturity = line_maturity(terms, start)
    if on < start:
        return Conflict("line_not_open", Text(f"额度自 {start} 起生效，尚不能提款",
                                              f"The line opens on {start}: nothing can be drawn yet"))
    if on >= maturity:
        return Conflict("line_expired", Text(f"额度已于 {maturity} 到期，不能再提款",
                                             f"The line expired on {maturity}: nothing more can be drawn"))
    if state.status == WRITTEN_OFF:
        return Conflict("line_written_off", Text("额度已核销，不能提款", "The line was written off: nothing can be drawn"))
    if state.status == OVERDUE:
        return Conflict("line_overdue", Text("额度项下有逾期欠款，请先归还逾期款项再提款",
                                             "Something on the line is overdue: repay it before drawing again"))
    if amount > state.available:
        return Invalid("over_limit", Text(f"提款金额超过可用额度（¥{state.available:,.2f}）",
                                          f"The amount is above what is available on the line (¥{state.available:,.2f})"),
                       "amount", details={"available": f"{state.available:.2f}"})
    return None


def _line_state(terms: LoanTerms, history: list[Transaction], as_of: date) -> LoanState:
    if not history:
        state = _pending(terms, as_of)
        start = terms.line_start
        if start is None or start <= as_of < line_maturity(terms, start):
            state = replace(state, available=Decimal(terms.principal),
                            maturity_date=line_maturity(terms, start) if start else None)
        return state
    first = history[0]
    if first.kind not in (DRAWDOWN, DISBURSEMENT):
        raise LedgerConflict(f"{first.kind} {first.id} before the first drawdown")
    line = _Line(terms, terms.line_start or first.value_date, first.value_date)
    for txn in history:
        line.advance(txn.value_date)
        if txn.kind in (DRAWDOWN, DISBURSEMENT):  # a disbursement on a line (before drawdowns existed): one drawdown
            line.draw(txn)
        elif txn.kind in (REPAYMENT, PREPAYMENT):
            line.repay(txn)
        elif txn.kind == REFUND:
            line.refund(txn)
        elif txn.kind == WRITE_OFF:
            line.write_off(txn)
        else:
            raise LedgerConflict(f"{txn.kind} {txn.id}: a revolving line is not rescheduled")
    line.advance(as_of)
    return line.state(as_of, terms)


def effective(transactions: Iterable[Transaction]) -> list[Transaction]:
    """The history that counts: reversals and what they reverse left out, in value-date order."""
    listed = list(transactions)
    by_id = {txn.id: txn for txn in listed}
    if len(by_id) != len(listed):
        raise LedgerConflict("two transactions with one id")
    reversed_ids = set()
    for txn in listed:
        if txn.kind == REVERSAL:
            target = by_id.get(txn.reverses)
            if target is None or target.kind not in REVERSIBLE or txn.reverses in reversed_ids:
                raise LedgerConflict(f"reversal {txn.id} does not undo one repayment, prepayment or refund")
            reversed_ids.add(txn.reverses)
    return sorted((txn for txn in listed if txn.kind != REVERSAL and txn.id not in reversed_ids),
                  key=lambda txn: (txn.value_date, txn.id))


def _pending(terms: LoanTerms, as_of: date) -> LoanState:
    return LoanState(as_of=as_of, status=PENDING, principal=Decimal(terms.principal), annual_rate=Decimal(terms.annual_rate),
                     outstanding_principal=ZERO, overdue_principal=ZERO, overdue_interest=ZERO, current_principal=ZERO,
                     current_interest=ZERO, accrued_interest=ZERO, penalty=ZERO, compound=ZERO, credit=ZERO,
                     days_past_due=0, next_due_date=None, next_due_amount=ZERO, maturity_date=None, disbursed_on=None)


def state_at(terms: LoanTerms, transactions: Sequence[Transaction], as_of: date) -> LoanState:
    """The loan at the end of ``as_of``: every transaction with a value date up to then counted."""
    history = [txn for txn in effective(transactions) if txn.value_date <= as_of]
    if terms.revolving:
        return _line_state(terms, history, as_of)
    if not history:
        return _pending(terms, as_of)
    first = history[0]
    if first.kind != DISBURSEMENT:
        raise LedgerConflict(f"{first.kind} {first.id} before the disbursement")
    if first.amount != Decimal(terms.principal):
        raise LedgerConflict("the disbursement must pay out the contract's principal")
    book = _Book(terms, first.value_date)
    for txn in history[1:]:
        book.advance(txn.value_date)
        if txn.kind in (REPAYMENT, PREPAYMENT):
            book.repay(txn)
        elif txn.kind == REFUND:
            book.refund(txn)
        elif txn.kind == WRITE_OFF:
            book.write_off(txn)
        elif txn.kind == RESCHEDULE:
            book.reschedule(txn)
        else:
            raise LedgerConflict(f"{txn.kind} {txn.id} cannot come after the disbursement")  # a drawdown: lines only
    book.advance(as_of)
    return book.state(as_of, terms)


def terms_now(terms: LoanTerms, transactions: Iterable[Transaction]) -> tuple[Decimal, int, str]:
    """The rate (percent), the whole term (months from the start) and the method as they stand: each
    reschedule (展期/重组) in value-date order replaces what it names; else the contract's."""
    rate, months, method = Decimal(terms.annual_rate), terms.months, terms.method
    for txn in sorted((t for t in transactions if t.kind == RESCHEDULE), key=lambda t: (t.value_date, t.id)):
        rate = Decimal(txn.annual_rate) if txn.annual_rate is not None else rate
        months, method = txn.months or months, txn.method or method
    return rate, months, method


def payoff_quote(terms: LoanTerms, transactions: Sequence[Transaction], on: date) -> PayoffQuote:
    """What closes the loan if paid on ``on`` (a prepayment of this amount with that value date)."""
    state = state_at(terms, transactions, on)
    interest = state.overdue_interest + state.current_interest + state.accrued_interest
    gross = state.outstanding_principal + interest + state.penalty + state.compound
    if state.status in (PENDING, WRITTEN_OFF):
        gross = interest = ZERO
    return PayoffQuote(on=on, principal=state.outstanding_principal if state.status != PENDING else ZERO,
                       interest=interest, penalty=state.penalty, compound=state.compound, credit=state.credit,
                       total=max(gross - state.credit, ZERO))


