"""Repayment schedules (还款计划) and the IRR-based annualised rate (年化利率). Pure: no database, no web.

Conventions (docs/standards.md §5, docs/loans.md):

- ``annual_rate`` is a percentage: ``Decimal("4.35")`` is 4.35 % a year.
- Amortising methods use the monthly rate r = annual / 12 (the instalment formula, and the interest
  of a full period under the default day count ``30/360``). With ``act/360`` (or ``act/365``) a
  period's interest is balance × annual / 360 × its actual days. A *stub* (a period shorter or
  longer than one calendar month, after a prepayment) always counts actual days / 360 (积数计息).
- Every instalment's interest and principal are rounded to the fen with an explicit rounding mode
  (half-up by default); the last instalment takes whatever principal is left, so the principal of
  a schedule sums exactly to the loan and no balance goes below zero.
- Due dates roll by calendar month from the start, always anchored on the start's day: a loan
  started on 31 January falls due on 28/29 February, 31 March, 30 April… (never drifting to the
  28th). An optional working-day calendar moves a due date that is not a working day to the next
  working day; interest still runs to the contractual (unadjusted) date, so moving a payment off a
  holiday neither adds nor removes interest.

Methods: ``equal_installment`` 等额本息, ``equal_principal`` 等额本金, ``interest_only``
按月付息、到期还本 (先息后本), ``bullet`` 到期一次还本付息 (利随本清; interest by actual days ×
annual / 360 unless told otherwise), ``revolving`` 随借随还 — for a preview, a drawdown's schedule
is interest-only by actual days (each drawdown's own interest is worked out by the loan ledger).
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

from smecredit.kernel.errors import Invalid
from smecredit.kernel.money import FEN, MAX_AMOUNT
from smecredit.kernel.text import Text

EQUAL_INSTALLMENT = "equal_installment"
EQUAL_PRINCIPAL = "equal_principal"
INTEREST_ONLY = "interest_only"
BULLET = "bullet"
REVOLVING = "revolving"

METHOD_LABELS: dict[str, Text] = {
    EQUAL_INSTALLMENT: Text("等额本息", "Equal instalments"),
    EQUAL_PRINCIPAL: Text("等额本金", "Equal principal"),
    INTEREST_ONLY: Text("按月付息、到期还本", "Monthly interest, principal at maturity"),
    BULLET: Text("到期一次还本付息", "Principal and interest at maturity"),
    REVOLVING: Text("随借随还", "Revolving (repay any time)"),
}
METHODS = tuple(METHOD_LABELS)

THIRTY_360 = "30/360"
ACT_360 = "act/360"
ACT_365 = "act/365"
DAY_COUNTS = (THIRTY_360, ACT_360, ACT_365)
#: The day count a method uses when the caller names none.
DEFAULT_DAY_COUNT = {EQUAL_INSTALLMENT: THIRTY_360, EQUAL_PRINCIPAL: THIRTY_360, INTEREST_ONLY: THIRTY_360,
                     BULLET: ACT_360, REVOLVING: ACT_360}

MAX_MONTHS = 600  # 50 years: longer than any loan the platform offers
MAX_ANNUAL_RATE = Decimal(100)  # percent; a sanity bound on input, not a legal cap (caps are policy data)
ZERO = Decimal("0.00")
_PRECISION = 40  # digits for the instalment formula: (1 + r)^600 stays exact far past the fen


# --- dates -------------------------------------------------------------------------------------

def add_months(start: date, months: int, *, day: int | None = None) -> date:
    """``start`` moved by whole calendar months, on ``day`` (default the start's own day), or on
    the month's last day when it is shorter: 31 Jan + 1 → 28/29 Feb, 31 Jan + 2 → 31 Mar."""
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    month += 1
    last = (29 if _calendar.isleap(year) else 28) if month == 2 else _MONTH_DAYS[month]
    return date(year, month, min(day or start.day, last))


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Which days are working days: Monday to Friday (when ``weekends``), less ``holidays``, plus
    ``working_weekends`` (调休上班日, the Saturdays and Sundays worked to make up a holiday)."""

    holidays: frozenset[date] = frozenset()
    working_weekends: frozenset[date] = frozenset()
    weekends: bool = True

    def is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return False
        if day in self.working_weekends:
            return True
        return not (self.weekends and day.weekday() >= 5)

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        return _next_working(self.is_working_day)(day)


CalendarLike = WorkingDayCalendar | Collection[date] | Callable[[date], bool] | None


def _next_working(is_working: Callable[[date], bool]) -> Callable[[date], date]:
    def adjust(day: date) -> date:
        for _ in range(366):
            if is_working(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no working day within a year")

    return adjust


def _adjuster(calendar: CalendarLike) -> Callable[[date], date]:
    """A working-day calendar as a function: a ``WorkingDayCalendar``; a collection of the dates that
    are not working days (every other date is one); or a predicate ``is_working_day(date)``."""
    if calendar is None:
        return lambda day: day
    if isinstance(calendar, WorkingDayCalendar):
        return calendar.next_working_day
    if callable(calendar):
        return _next_working(calendar)
    closed = frozenset(calendar)
    return _next_working(lambda day: day not in closed)


@dataclass(frozen=True)
class Period:
    """One interest period: from ``start`` to ``end`` (contractual dates; interest runs over these),
    paid on ``due_date`` (``end`` moved to a working day). ``full``: exactly one calendar month on
    the schedule's anchor day, whose interest under 30/360 is exactly the monthly rate."""

    number: int
    start: date
    end: date
    due_date: date
    full: bool = True

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def periods(start: date, months: int, *, calendar: CalendarLike = None, anchor: date | None = None,
            first_number: int = 1, from_month: int = 1) -> tuple[Period, ...]:
    """The monthly periods of a schedule anchored on ``anchor`` (default ``start``): period k ends
    ``anchor + k months`` for k = ``from_month`` … ``from_month + months - 1``. The first period
    starts at ``start`` (a stub when ``start`` is not the previous anchored date)."""
    anchor = anchor or start
    adjust = _adjuster(calendar)
    ends = [add_months(anchor, k, day=anchor.day) for k in range(from_month - 1, from_month + months)]
    found = []
    previous = start
    for offset in range(months):
        end = ends[offset + 1]
        found.append(Period(first_number + offset, previous, end, adjust(end), previous == ends[offset]))
        previous = end
    return tuple(found)


# --- the schedule ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Instalment:
    """One line of a schedule (Decimals in yuan, to the fen). ``balance`` is the principal still owed
    after this instalment. ``period_start``/``period_end``: the contractual interest period."""

    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    payment: Decimal
    balance: Decimal
    period_start: date | None = None
    period_end: date | None = None

    def as_dict(self) -> dict[str, object]:
        return {"number": self.number, "due_date": self.due_date.isoformat(), "principal": f"{self.principal:.2f}",
                "interest": f"{self.interest:.2f}", "payment": f"{self.payment:.2f}", "balance": f"{self.balance:.2f}"}


def _fen(value: Decimal, rounding: str) -> Decimal:
    return value.quantize(FEN, rounding=rounding)


def year_fraction(period: Period, day_count: str) -> Decimal:
    """The share of a year a period's interest is charged for (exact, unrounded)."""
    if day_count == THIRTY_360 and period.full:
        return Decimal(1) / Decimal(12)
    if day_count == ACT_365:
        return Decimal(period.days) / Decimal(365)
    return Decimal(period.days) / Decimal(360)  # act/360, and stubs under 30/360 (积数计息)


def level_payment(principal: Decimal, annual_rate: Decimal, months: int, *, rounding: str = ROUND_HALF_UP) -> Decimal:
    """等额本息 instalment A = P·r·(1+r)^n / ((1+r)^n − 1), r = annual / 12, to the fen."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        r = Decimal(annual_rate) / Decimal(1200)
        if r == 0:
            return _fen(Decimal(principal) / months, rounding)
        growth = (1 + r) ** months
        return _fen(Decimal(principal) * r * growth / (growth - 1), rounding)


def amortise(*, principal: Decimal, annual_rate: Decimal, periods: Sequence[Period], method: str,
             day_count: str | None = None, rounding: str = ROUND_HALF_UP, payment: Decimal | None = None,
             principal_part: Decimal | None = None) -> tuple[Instalment, ...]:
    """Schedule ``principal`` over ``periods`` (the building block of `build_schedule`, and of a loan's
    schedule after a prepayment). ``payment`` fixes the 等额本息 instalment and ``principal_part`` the
    等额本金 principal (keep the instalment, shorten the term): the schedule then ends as soon as the
    principal is paid, the last instalment taking what is left."""
    _check_method(method)
    day_count = _check_day_count(day_count or DEFAULT_DAY_COUNT[method])
    if not periods:
        raise Invalid("months_out_of_range", Text("期数至少为 1", "At least one instalment"), "months")
    principal = _fen(Decimal(principal), rounding)
    rate = Decimal(annual_rate) / Decimal(100)
    count = len(periods)
    if method == EQUAL_INSTALLMENT and payment is None:
        payment = level_payment(principal, annual_rate, count, rounding=rounding)
    if method == EQUAL_PRINCIPAL and principal_part is None:
        principal_part = _fen(principal / count, rounding)
    balance = principal
    lines: list[Instalment] = []
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        monthly = rate / Decimal(12)
        for index, period in enumerate(periods):
            last = index == count - 1
            factor = monthly if period.full and day_count == THIRTY_360 else rate * year_fraction(period, day_count)
            interest = (balance * factor).quantize(FEN, rounding=rounding)
            if method == EQUAL_INSTALLMENT:
                part = payment - interest
                if part < 0:
                    part = ZERO
            elif method == EQUAL_PRINCIPAL:
                part = principal_part
            else:  # interest_only, bullet, revolving: principal at the end
                part = ZERO
            if last or part >= balance:
                part = balance
            balance -= part
            lines.append(Instalment(period.number, period.due_date, part, interest, part + interest, balance,
                                    period.start, period.end))
            if balance == 0:
                break
    return tuple(lines)


def build_schedule(*, principal: Decimal, annual_rate: Decimal, months: int, method: str, start: date,
                   day_count: str | None = None, calendar: CalendarLike = None,
                   rounding: str = ROUND_HALF_UP) -> tuple[Instalment, ...]:
    """The repayment schedule of a loan of ``principal`` yuan at ``annual_rate`` percent a year over
    ``months`` months, started (disbursed) on ``start``. ``day_count`` defaults to the method's
    (30/360 for monthly methods, act/360 for a bullet). ``calendar``: a `WorkingDayCalendar`, a
    collection of non-working dates, or a predicate; due dates that are not working days move to
    the next working day. Bad terms raise `Invalid` naming the field."""
    principal, annual_rate, months = _check_terms(principal, annual_rate, months, method, start)
    if method == BULLET:
        end = add_months(start, months)
        single = (Period(1, start, end, _adjuster(calendar)(end), full=months == 1),)
        if (day_count or DEFAULT_DAY_COUNT[BULLET]) == THIRTY_360:
            # 30/360 over whole months: the monthly rate times the months, not the actual days.
            interest = _fen(principal * annual_rate / Decimal(1200) * months, rounding)
            return (Instalment(1, single[0].due_date, principal, interest, principal + interest, ZERO, start, end),)
        return amortise(principal=principal, annual_rate=annual_rate, periods=single, method=method,
                        day_count=day_count, rounding=rounding)
    return amortise(principal=principal, annual_rate=annual_rate, periods=periods(start, months, calendar=calendar),
                    method=method, day_count=day_count, rounding=rounding)


def totals(schedule: Sequence[Instalment]) -> dict[str, Decimal]:
    return {"principal": sum((i.principal for i in schedule), ZERO),
            "interest": sum((i.interest for i in schedule), ZERO),
            "payment": sum((i.payment for i in schedule), ZERO)}


def cash_flows(schedule: Sequence[Instalment]) -> list[tuple[date, Decimal]]:
    """What the borrower pays and when: the input of `annual_percentage_rate`."""
    return [(i.due_date, i.payment) for i in schedule]


# --- checks ------------------------------------------------------------------------------------

def _check_method(method: str) -> str:
    if method not in METHOD_LABELS:
        names = ", ".join(METHODS)
        raise Invalid("unknown_repayment_method", Text(f"还款方式须为 {names} 之一：{method!r}",
                                                       f"The repayment method must be one of {names}: {method!r}"), "method")
    return method


def _check_day_count(day_count: str) -> str:
    if day_count not in DAY_COUNTS:
        names = ", ".join(DAY_COUNTS)
        raise Invalid("unknown_day_count", Text(f"计息基准须为 {names} 之一：{day_count!r}",
                                                f"The day count must be one of {names}: {day_count!r}"), "day_count")
    return day_count


def _check_terms(principal, annual_rate, months, method, start) -> tuple[Decimal, Decimal, int]:
    _check_method(method)
    for value, name in ((principal, "principal"), (annual_rate, "annual_rate")):
        if isinstance(value, float | bool) or not isinstance(value, Decimal | int):
            raise TypeError(f"{name} must be a Decimal (or int), not {type(value).__name__}")
    principal, annual_rate = Decimal(principal), Decimal(annual_rate)
    if not principal.is_finite() or principal <= 0 or principal >= MAX_AMOUNT or principal != principal.quantize(FEN):
        raise Invalid("principal_out_of_range", Text("本金须为大于 0、小于 10^15 元、最多两位小数的金额",
                                                     "The principal must be above 0 and below 10^15 yuan, in whole fen"),
                      "principal")
    if not annual_rate.is_finite() or annual_rate < 0 or annual_rate >= MAX_ANNUAL_RATE:
        raise Invalid("annual_rate_out_of_range", Text("年利率须在 0% 到 100% 之间（如 4.35 表示 4.35%）",
                                                       "The annual rate must be from 0 % to below 100 % (4.35 means 4.35 %)"),
                      "annual_rate")
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise Invalid("months_out_of_range", Text(f"期限须为 1 到 {MAX_MONTHS} 个月的整数",
                                                  f"The term must be a whole number of months from 1 to {MAX_MONTHS}"),
                      "months")
    if not isinstance(start, date):
        raise Invalid("invalid_start", Text("起始日须为日期", "The start must be a date"), "start")
    return principal, annual_rate, months


# --- the annualised rate -----------------------------------------------------------------------

def months_between(start: date, end: date) -> float:
    """The time from ``start`` to ``end`` in months, counted as schedules roll (anchored on
    ``start``'s day): whole calendar months, plus the leftover days as a share of the next month."""
    if end < start:
        return -months_between(end, start)
    whole = (end.year - start.year) * 12 + end.month - start.month
    here = add_months(start, whole)
    if here > end:  # the anchored day of ``end``'s month is still to come: one month fewer
        whole -= 1
        here = add_months(start, whole)
    following = add_months(start, whole + 1)
    return whole + (end - here).days / (following - here).days


APR_METHOD = Text("内部收益率法（IRR）：月 IRR × 12，按实际到手本金计算",
                  "IRR method: the monthly internal rate of return × 12, on the principal actually received")


def annual_percentage_rate(received: Decimal, cash_flows: Sequence[tuple[date, Decimal]], *,
                           received_on: date | None = None) -> Decimal:
    """年化利率 (人民银行公告〔2021〕第3号) by the IRR method, in percent to 0.01.

    ``received`` is the principal the borrower actually gets (the loan less any fee kept back at
    disbursement), on ``received_on``; ``cash_flows`` are everything the borrower pays, (date,
    amount), fees included. The monthly rate i solves received = Σ amount_k / (1 + i)^t_k, where t_k
    is the time from ``received_on`` to the k-th date in months (`months_between`: whole calendar
    months plus a share of a month for odd days), and the annual rate is i × 12 (the nominal
    IRR-based rate the notice describes; not compounded to an effective rate). Without
    ``received_on`` the money is taken as received one calendar month before the first payment
    (the first instalment of a monthly schedule). Solved in floats to 1e-13 of a
    month (Newton's method from the simple rate; bisection if it does not settle), then
    rounded half-up to 0.01 %.
    """
    if isinstance(received, float) or not cash_flows:
        raise Invalid("apr_needs_cash_flows", Text("计算年化利率需要到手金额和还款现金流",
                                                   "The annualised rate needs the amount received and the payments"),
                      "cash_flows")
    received_value = float(received)
    if received_value <= 0 or sum(float(a) for _, a in cash_flows) <= 0:
        raise Invalid("apr_needs_cash_flows", Text("到手金额与还款总额须大于 0",
                                                   "The amount received and the payments must be above 0"),
                      "cash_flows")
    origin = received_on or add_months(min(d for d, _ in cash_flows), -1)
    flows = [(months_between(origin, d), float(a)) for d, a in cash_flows]

    def excess(i: float) -> float:  # present value of the payments less the money received: falls as i rises
        return sum(amount * (1 + i) ** -t for t, amount in flows) - received_value

    rate = _newton(flows, received_value)
    if rate is None:  # Newton left the bracket or did not settle: bisect, which always does
        low, high = -0.99, 1.0
        while excess(high) > 0 and high < 1e6:
            high *= 2
        for _ in range(200):
            middle = (low + high) / 2
            if excess(middle) > 0:
                low = middle
            else:
                high = middle
            if high - low < 1e-13:
                break
        rate = (low + high) / 2
    return (Decimal(repr(rate)) * 1200).quantize(FEN, rounding=ROUND_HALF_UP)


def _newton(flows: list[tuple[float, float]], received: float) -> float | None:
    """The monthly IRR by Newton's method from the simple rate (converges in a few steps for loan
    cash flows, whose present value falls smoothly as the rate rises); None if it does not settle."""
    paid = sum(amount for _, amount in flows)
    weighted = sum(t * amount for t, amount in flows)
    i = (paid - received) / weighted if weighted > 0 else 0.0
    for _ in range(50):
        if not -0.99 < i < 1e6:
            return None
        value = slope = 0.0
        base = 1 + i
        for t, amount in flows:
            discounted = amount * base ** -t
            value += discounted
            slope -= t * discounted / base
        if slope == 0:
            return None
        step = (value - received) / slope
        i -= step
        if abs(step) < 1e-14:
            return i if -0.99 < i < 1e6 else None
    return None
