"""Pricing (定价): the annual rate of an offer, its penalty rates, its fees and its 年化利率.

The rate, step by step (every step is shown to the reviewer and kept in the decision):

1. the reference rate (LPR) on the decision date for the tenor of the term (1-year; 5-year-plus for
   terms over 60 months, as products price);
2. plus the spread of the grade (percentage points);
3. plus the adjustment of the guarantee mode: the mode's own entry when the policy lists it (e.g.
   ``credit+guarantee``), else the lowest adjustment of its parts (the strongest security counts),
   a part not listed counting 0;
4. plus the adjustment of the term band the term falls in;
5. kept within the product's rate range (reference + the product's spread range) when the policy
   says so;
6. kept within the policy's floor and cap (and, when set, ``cap_times_reference`` × the reference).

Rates are percent a year, rounded half-up to 4 decimal places at the end. The penalty rate (罚息,
银发〔2003〕251号) is the contract rate × (1 + markup), markup 30 %–50 % for overdue amounts and
50 %–100 % for funds used against the agreed purpose.

**年化利率 (APR).** 人民银行公告〔2021〕第3号 asks every offer to show the annualised rate of all
borrowing costs on the principal actually received. smecredit computes it as an **IRR**: the
monthly internal rate of return of the cash flows (principal received = approved amount less
fees paid up front; then each instalment of the repayment schedule of `loans.schedules`, plus
fees charged with each instalment) × 12 (`loans.schedules.annual_percentage_rate`), rounded to
2 decimal places. Without fees it equals the nominal rate (up to the rounding of instalments to
the fen); fees make it higher.

Pure: no database, no web.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from smecredit.kernel.money import FEN
from smecredit.kernel.text import Text
from smecredit.products.definition import Pricing as ProductPricing
from smecredit.products.vocabulary import TENORS, guarantee_label

RATE_QUANTUM = Decimal("0.0001")
APR_QUANTUM = Decimal("0.01")
HUNDRED = Decimal(100)
#: How the 年化利率 is computed (kept in every decision; the pages explain it).
APR_METHOD = "irr"
APR_METHOD_TEXT = Text("内部收益率法（IRR）：按实际到手本金与各期还款（含费用）计算月内部收益率 × 12",
                       "IRR: the monthly internal rate of return of the principal received and every payment (fees included) × 12")
UPFRONT, PER_INSTALMENT = "upfront", "per_instalment"
FEE_TIMINGS = (UPFRONT, PER_INSTALMENT)
#: Bounds of the penalty markups (银发〔2003〕251号).
PENALTY_MARKUP_RANGE = (Decimal("0.30"), Decimal("0.50"))
MISUSE_MARKUP_RANGE = (Decimal("0.50"), Decimal("1.00"))


@dataclass(frozen=True)
class Step:
    """One step of a computation (limit or rate): what it is, the figure it brings, the result after it."""

    code: str
    label: Text
    value: Decimal | None  # the cap, the amount, the points added …
    after: Decimal | None  # the limit or rate after this step
    note: Text | None = None


@dataclass(frozen=True)
class TermAdjustment:
    up_to_months: int | None  # None: every longer term
    add: Decimal  # percentage points


@dataclass(frozen=True)
class Fee:
    code: str
    label: Text
    timing: str  # upfront (deducted from the principal received) | per_instalment
    percent: Decimal | None = None  # percent of the approved amount
    amount: Decimal | None = None  # or a fixed amount in yuan
    when: str | None = None  # CEL over the policy's variables; None: always


@dataclass(frozen=True)
class PricingRules:
    spread_by_grade: Mapping[str, Decimal]
    guarantee_adjustments: Mapping[str, Decimal]
    term_adjustments: tuple[TermAdjustment, ...]
    floor: Decimal
    cap: Decimal
    penalty_markup: Decimal
    misuse_markup: Decimal
    cap_times_reference: Decimal | None = None
    within_product_range: bool = True
    fees: tuple[Fee, ...] = ()


@dataclass(frozen=True)
class Price:
    tenor: str
    reference_rate: Decimal
    annual_rate: Decimal  # percent, 4 dp
    steps: tuple[Step, ...]
    penalty_rate: Decimal  # overdue
    misuse_rate: Decimal  # funds used against the purpose


@dataclass(frozen=True)
class FeeCharge:
    code: str
    label: Text
    timing: str
    amount: Decimal  # yuan: once (upfront) or with each instalment


def _pp(value: Decimal) -> str:
    return f"{value:+.2f}"


def _rate(value: Decimal) -> str:
    return f"{value.quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)}%"


def tenor_for(term_months: int) -> str:
    return ProductPricing.tenor_for(term_months)


def guarantee_adjustment(rules: PricingRules, mode: str) -> tuple[Decimal, str | None]:
    """The adjustment of a (combined) guarantee mode and the entry it came from (None: none listed)."""
    if mode in rules.guarantee_adjustments:
        return rules.guarantee_adjustments[mode], mode
    listed = [(rules.guarantee_adjustments[p], p) for p in mode.split("+") if p in rules.guarantee_adjustments]
    if not listed:
        return Decimal("0"), None
    return min(listed)


def term_adjustment(rules: PricingRules, months: int) -> TermAdjustment | None:
    for band in rules.term_adjustments:
        if band.up_to_months is None or months <= band.up_to_months:
            return band
    return None


def penalty(annual_rate: Decimal, markup: Decimal) -> Decimal:
    return (annual_rate * (1 + markup)).quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)


def price(rules: PricingRules, *, grade: str, guarantee_mode: str, term_months: int,
          reference_rates: Mapping[str, Decimal], product_spread: tuple[Decimal, Decimal] | None = None) -> Price:
    """The annual rate for a grade, a guarantee mode and a term on the given reference rates
    (``{"1y": Decimal, "5y+": Decimal}``, percent), every step recorded."""
    tenor = tenor_for(term_months)
    reference = reference_rates[tenor]
    steps: list[Step] = []
    tenor_label = TENORS.get(tenor, Text(tenor, tenor))
    rate = reference
    steps.append(Step("reference_rate", Text(f"{tenor_label.zh}贷款市场报价利率（LPR）", f"{tenor_label.en} loan prime rate (LPR)"),
                      reference, rate))
    spread = rules.spread_by_grade[grade]
    rate += spread
    steps.append(Step("grade_spread", Text(f"评级 {grade} 加点", f"Spread for grade {grade}"), spread, rate))
    adjust, entry = guarantee_adjustment(rules, guarantee_mode)
    rate += adjust
    mode_label = guarantee_label(guarantee_mode)
    note = None if entry is not None else Text("政策未列该担保方式，不调整", "The policy lists no adjustment for this mode")
    if entry is not None and entry != guarantee_mode:
        part = guarantee_label(entry)
        note = Text(f"组合担保取其中最优的「{part.zh}」", f"A combination takes its strongest part: {part.en}")
    steps.append(Step("guarantee_adjustment", Text(f"担保方式「{mode_label.zh}」调整", f"Adjustment for {mode_label.en}"),
                      adjust, rate, note))
    band = term_adjustment(rules, term_months)
    add = band.add if band else Decimal("0")
    rate += add
    steps.append(Step("term_adjustment", Text(f"期限 {term_months} 个月调整", f"Adjustment for a term of {term_months} months"), add, rate))
    if rules.within_product_range and product_spread is not None:
        low, high = reference + product_spread[0], reference + product_spread[1]
        if rate < low or rate > high:
            bound = low if rate < low else high
            rate = bound
            steps.append(Step("product_range", Text("按产品利率区间调整", "Kept within the product's rate range"), bound, rate,
                              Text(f"产品利率区间 {_rate(low)}—{_rate(high)}", f"The product's range is {_rate(low)} to {_rate(high)}")))
    if rate < rules.floor:
        rate = rules.floor
        steps.append(Step("floor", Text("政策利率下限", "The policy's floor"), rules.floor, rate))
    cap, cap_note = rules.cap, None
    if rules.cap_times_reference is not None and reference * rules.cap_times_reference < cap:
        cap = reference * rules.cap_times_reference
        cap_note = Text(f"上限为 LPR 的 {rules.cap_times_reference} 倍", f"The cap is {rules.cap_times_reference} × the LPR")
    if rate > cap:
        rate = cap
        steps.append(Step("cap", Text("政策利率上限", "The policy's cap"), cap, rate, cap_note))
    rate = rate.quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)
    return Price(tenor=tenor, reference_rate=reference, annual_rate=rate, steps=tuple(steps),
                 penalty_rate=penalty(rate, rules.penalty_markup), misuse_rate=penalty(rate, rules.misuse_markup))


def charge(fee: Fee, amount: Decimal) -> FeeCharge:
    if fee.percent is not None:
        value = (amount * fee.percent / HUNDRED).quantize(FEN, rounding=ROUND_HALF_UP)
    else:
        value = (fee.amount or Decimal("0")).quantize(FEN, rounding=ROUND_HALF_UP)
    return FeeCharge(fee.code, fee.label, fee.timing, value)


def schedule(*, principal: Decimal, annual_rate: Decimal, months: int, method: str, start: date) -> tuple[Any, ...]:
    """The repayment schedule of the offer, drawn on ``start`` (`loans.schedules`; a revolving line
    previews as interest-only by actual days)."""
    from smecredit.loans.schedules import build_schedule  # stage 5a's pure schedule arithmetic

    return build_schedule(principal=principal, annual_rate=annual_rate, months=months, method=method, start=start)


def apr(*, principal: Decimal, fees: Sequence[FeeCharge], instalments: Sequence[Any], received_on: date) -> Decimal:
    """The 年化利率 (IRR-based, see the module's note) of a schedule and its fees, percent, 2 dp."""
    from smecredit.loans.schedules import annual_percentage_rate

    upfront = sum((f.amount for f in fees if f.timing == UPFRONT), Decimal("0.00"))
    each = sum((f.amount for f in fees if f.timing == PER_INSTALMENT), Decimal("0.00"))
    flows = [(i.due_date, i.payment + each) for i in instalments]
    found = annual_percentage_rate(principal - upfront, flows, received_on=received_on)
    return Decimal(found).quantize(APR_QUANTUM, rounding=ROUND_HALF_UP)
