"""流动资金贷款需求量测算 (working-capital loan sizing) — the annex of 《流动资金贷款管理暂行办法》
(银监会令2010年第1号), the method lenders still use under the 2024 《流动资金贷款管理办法》::

    营运资金周转天数 (cycle)  = 存货周转天数 + 应收账款周转天数 − 应付账款周转天数
                               + 预付账款周转天数 − 预收账款周转天数
    营运资金周转次数          = 360 ÷ cycle
    营运资金量                = 上年度销售收入 × (1 − 上年度销售利润率) × (1 + 预计销售收入年增长率)
                               ÷ 营运资金周转次数
    新增流动资金贷款额度      = 营运资金量 − 借款人自有资金 − 现有流动资金贷款 − 其他渠道提供的营运资金

Precision and rounding (decided here, shown on every page that uses it):

* Amounts in are quantised to the fen (0.01) with ROUND_HALF_UP (`kernel.money.to_money`).
* Percentages are Decimal *percent* (``Decimal("10")`` is 10 %), used exactly as given.
* Days are used exactly as given (derived days are first quantised to 0.01, ROUND_HALF_UP, so
  the page shows the very figure the arithmetic used).
* 营运资金周转次数 is kept at full precision; dividing by it is done as ``× cycle ÷ 360`` (the
  same quantity) so no rounded intermediate enters the need. It is *shown* to 0.01 (ROUND_HALF_UP).
* 营运资金量 is computed in one expression at 34 significant digits and quantised once to the fen
  (ROUND_HALF_UP); the deductions and the limit are then exact sums of fen amounts.
* 新增流动资金贷款额度 is never below zero: when the borrower's own and existing funds cover the
  need, there is no new need (``covered`` is then true).

A cycle of zero or fewer days has no turnover to divide by: refused as `Invalid` on ``cycle_days``.

:func:`derive_days` reads the turnover days from two year-end balance sheets and the year's
income statement (stage 1's typed financial statements), each with where it came from.
Pure: standard library and `kernel` only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any, Protocol

from smecredit.kernel.errors import Collector, Invalid
from smecredit.kernel.money import FEN, to_money
from smecredit.kernel.text import Text

#: The annex's year of 360 days.
YEAR_DAYS = Decimal(360)
#: Turnover days above ten years are a typing error, not a business.
MAX_DAYS = Decimal(3650)
#: Growth is at most +1000 % a year; a margin lies within ±100 % of sales.
MAX_GROWTH = Decimal(1000)
MIN_PERCENT = Decimal(-100)
MAX_MARGIN = Decimal(100)
_HUNDRED = Decimal(100)
_PRECISION = 34  # significant digits for the one unrounded expression (decimal128)
TWO_PLACES = Decimal("0.01")

DAY_FIELDS = ("inventory_days", "receivable_days", "payable_days", "prepaid_days", "advance_days")

LABELS: dict[str, Text] = {
    "sales": Text("上年度销售收入", "Last year's sales revenue"),
    "profit_margin": Text("上年度销售利润率", "Last year's profit margin on sales"),
    "growth": Text("预计销售收入年增长率", "Expected annual sales growth"),
    "inventory_days": Text("存货周转天数", "Inventory days"),
    "receivable_days": Text("应收账款周转天数", "Receivable days"),
    "payable_days": Text("应付账款周转天数", "Payable days"),
    "prepaid_days": Text("预付账款周转天数", "Prepayment days"),
    "advance_days": Text("预收账款周转天数", "Customer-advance days"),
    "cycle_days": Text("营运资金周转天数", "Working-capital cycle"),
    "turnover_times": Text("营运资金周转次数", "Working-capital turnover"),
    "working_capital_need": Text("营运资金量", "Working capital needed"),
    "own_funds": Text("借款人自有资金", "Borrower's own funds"),
    "existing_loans": Text("现有流动资金贷款", "Existing working-capital loans"),
    "other_funding": Text("其他渠道提供的营运资金", "Working capital from other sources"),
    "deductions": Text("可用营运资金合计", "Funds already available"),
    "new_loan_limit": Text("新增流动资金贷款额度", "New working-capital loan limit"),
}

UNITS: dict[str, Text] = {
    "money": Text("元", "CNY"),
    "percent": Text("%", "%"),
    "days": Text("天", "days"),
    "times": Text("次/年", "times a year"),
}

ENTERED = Text("输入", "entered")


def _decimal(value: Any, name: str, label: Text) -> Decimal:
    if isinstance(value, (bool, float)):
        raise TypeError(f"{name} must not be a float or bool; pass str, int or Decimal")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise Invalid("invalid_number", Text(f"{label.zh}须为数字：{value!r}", f"{label.en} must be a number: {value!r}"), name)
    return number


def _within(number: Decimal, name: str, low: Decimal, high: Decimal, unit: Text) -> Decimal:
    label = LABELS[name]
    if not low <= number <= high:
        raise Invalid("out_of_range", Text(f"{label.zh}须在 {low}{unit.zh} 至 {high}{unit.zh} 之间（收到 {number}）",
                                           f"{label.en} must be between {low} and {high} {unit.en} (got {number})"), name,
                      {"min": str(low), "max": str(high)})
    return number


def _amount(value: Any, name: str) -> Decimal:
    label = LABELS[name]
    amount = to_money(_decimal(value, name, label), field=name)
    if amount < 0:
        raise Invalid("negative_amount", Text(f"{label.zh}不能为负数（收到 {amount}）", f"{label.en} must not be negative (got {amount})"), name)
    return amount


@dataclass(frozen=True, slots=True)
class WorkingCapitalInputs:
    """What the officer states (or :func:`derive_days` reads from the statements).

    Amounts in yuan, percentages in percent, days in days. Accepts Decimal, int or str (never
    float); every bad field is reported at once (`Invalid`, ``details["errors"]`` when several).
    """

    sales: Decimal
    profit_margin: Decimal
    growth: Decimal
    inventory_days: Decimal
    receivable_days: Decimal
    payable_days: Decimal
    prepaid_days: Decimal
    advance_days: Decimal
    own_funds: Decimal = Decimal("0.00")
    existing_loans: Decimal = Decimal("0.00")
    other_funding: Decimal = Decimal("0.00")

    def __post_init__(self) -> None:
        with localcontext() as ctx:
            ctx.prec = _PRECISION  # quantising 10^15 − 1 to the fen needs 17 digits, whatever the caller set
            self._check()

    def _check(self) -> None:
        errors = Collector()
        clean: dict[str, Decimal | None] = {}
        for name in ("sales", "own_funds", "existing_loans", "other_funding"):
            clean[name] = errors.check(_amount, getattr(self, name), name)
        bounds = {"profit_margin": (MIN_PERCENT, MAX_MARGIN), "growth": (MIN_PERCENT, MAX_GROWTH)}
        for name, (low, high) in bounds.items():
            clean[name] = errors.check(lambda n=name, lo=low, hi=high: _within(
                _decimal(getattr(self, n), n, LABELS[n]), n, lo, hi, UNITS["percent"]))
        for name in DAY_FIELDS:
            clean[name] = errors.check(lambda n=name: _within(
                _decimal(getattr(self, n), n, LABELS[n]), n, Decimal(0), MAX_DAYS, UNITS["days"]))
        errors.raise_if_any()
        for name, value in clean.items():
            object.__setattr__(self, name, value)

    @property
    def cycle_days(self) -> Decimal:
        return (self.inventory_days + self.receivable_days - self.payable_days
                + self.prepaid_days - self.advance_days)


@dataclass(frozen=True, slots=True)
class WorkingCapitalResult:
    """Every figure of the computation; amounts quantised to the fen."""

    inputs: WorkingCapitalInputs
    cycle_days: Decimal  # exact
    turnover_times: Decimal  # full precision (34 digits); `turnover_times_shown` for pages
    working_capital_need: Decimal  # fen, ROUND_HALF_UP
    deductions: Decimal  # own_funds + existing_loans + other_funding
    shortfall: Decimal  # need − deductions; may be negative
    new_loan_limit: Decimal  # max(0, shortfall)

    @property
    def turnover_times_shown(self) -> Decimal:
        return self.turnover_times.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)

    @property
    def covered(self) -> bool:
        """The funds already available cover the need: no new working-capital loan is needed."""
        return self.shortfall <= 0

    def figures(self) -> dict[str, Decimal]:
        """Each input and intermediate by key, as shown (two places; percentages as given)."""
        i = self.inputs
        return {
            "sales": i.sales, "profit_margin": i.profit_margin, "growth": i.growth,
            **{name: getattr(i, name) for name in DAY_FIELDS},
            "cycle_days": self.cycle_days, "turnover_times": self.turnover_times_shown,
            "working_capital_need": self.working_capital_need,
            "own_funds": i.own_funds, "existing_loans": i.existing_loans, "other_funding": i.other_funding,
            "deductions": self.deductions, "new_loan_limit": self.new_loan_limit,
        }

    def as_dict(self) -> dict[str, str]:
        """Decimal strings with two places (JSON, CLI); percentages and days too."""
        return {k: str(v.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)) for k, v in self.figures().items()}


def cycle_not_positive(cycle: Decimal) -> Invalid:
    return Invalid("cycle_not_positive", Text(
        f"营运资金周转天数（存货 + 应收 − 应付 + 预付 − 预收）为 {cycle} 天，须大于零，否则无法按本方法测算",
        f"The working-capital cycle (inventory + receivable − payable + prepayment − advance days) is {cycle} days; "
        "it must be above zero for this method to apply"), "cycle_days", {"cycle_days": str(cycle)})


def compute(inputs: WorkingCapitalInputs) -> WorkingCapitalResult:
    """The annex's arithmetic. Raises `Invalid` (field ``cycle_days``) when the cycle is ≤ 0."""
    cycle = inputs.cycle_days
    if cycle <= 0:
        raise cycle_not_positive(cycle)
    with localcontext() as ctx:
        # The caller's context must not change the answer.
        ctx.prec = _PRECISION
        ctx.rounding = ROUND_HALF_UP
        turnover = YEAR_DAYS / cycle
        # ÷ (360 ÷ cycle) written as × cycle ÷ 360: one division, no rounded divisor.
        need_exact = (inputs.sales * (_HUNDRED - inputs.profit_margin) * (_HUNDRED + inputs.growth) * cycle
                      / (_HUNDRED * _HUNDRED * YEAR_DAYS))
        need = need_exact.quantize(FEN, rounding=ROUND_HALF_UP)
        deductions = inputs.own_funds + inputs.existing_loans + inputs.other_funding
        shortfall = need - deductions
    return WorkingCapitalResult(
        inputs=inputs, cycle_days=cycle, turnover_times=turnover, working_capital_need=need,
        deductions=deductions, shortfall=shortfall, new_loan_limit=max(shortfall, Decimal("0.00")),
    )


# -- the explanation a page and a download share --------------------------------------------------

_ROW_UNITS = {
    "sales": "money", "profit_margin": "percent", "growth": "percent",
    **{name: "days" for name in DAY_FIELDS},
    "cycle_days": "days", "turnover_times": "times", "working_capital_need": "money",
    "own_funds": "money", "existing_loans": "money", "other_funding": "money",
    "deductions": "money", "new_loan_limit": "money",
}
_FORMULAS: dict[str, Text] = {
    "cycle_days": Text("= 存货 + 应收 − 应付 + 预付 − 预收周转天数", "= inventory + receivable − payable + prepayment − advance days"),
    "turnover_times": Text("= 360 ÷ 营运资金周转天数（显示两位小数，按全精度计算）",
                           "= 360 ÷ cycle (shown to 2 places, computed at full precision)"),
    "working_capital_need": Text("= 销售收入 × (1 − 利润率) × (1 + 增长率) ÷ 周转次数，四舍五入到分",
                                 "= sales × (1 − margin) × (1 + growth) ÷ turnover, rounded half-up to the fen"),
    "deductions": Text("= 自有资金 + 现有流动资金贷款 + 其他渠道营运资金", "= own funds + existing loans + other sources"),
    "new_loan_limit": Text("= 营运资金量 − 可用营运资金合计，不低于零", "= working capital needed − funds available, not below zero"),
}


@dataclass(frozen=True, slots=True)
class ExplainRow:
    key: str
    label: Text
    value: Decimal  # as shown (two places)
    unit: Text
    source: Text  # where an input came from, or the formula of a computed figure
    computed: bool


def explain(result: WorkingCapitalResult, sources: Mapping[str, Text] | None = None) -> list[ExplainRow]:
    """The rows a page, an XLSX and a CSV show alike, in reading order.

    ``sources`` maps an input's key to where it came from (e.g. from :func:`derive_days`);
    inputs not in it read "输入 / entered".
    """
    sources = sources or {}
    rows = []
    for key, value in result.figures().items():
        computed = key in _FORMULAS
        source = _FORMULAS[key] if computed else sources.get(key, ENTERED)
        rows.append(ExplainRow(key, LABELS[key], value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP),
                               UNITS[_ROW_UNITS[key]], source, computed))
    return rows


# -- turnover days from the financial statements --------------------------------------------------


class _Period(Protocol):
    @property
    def end(self) -> date: ...
    @property
    def months(self) -> int: ...


class _Entry(Protocol):
    # `enterprises.connectors.models.StatementEntry`, read without importing the stage.
    @property
    def period(self) -> _Period: ...
    @property
    def items(self) -> Mapping[str, Decimal]: ...


class _Statements(Protocol):
    def of(self, statement: str) -> Sequence[_Entry]: ...


# day figure → (balance-sheet item, its average's divisor in the income statement)
DAY_BASES: dict[str, tuple[str, str]] = {
    "inventory_days": ("inventory", "cost_of_sales"),
    "receivable_days": ("accounts_receivable", "revenue"),
    "payable_days": ("accounts_payable", "cost_of_sales"),
    "prepaid_days": ("prepayments", "cost_of_sales"),
    "advance_days": ("advances_from_customers", "revenue"),
}
_ITEM_NAMES = {
    "inventory": Text("存货", "inventory"), "accounts_receivable": Text("应收账款", "accounts receivable"),
    "accounts_payable": Text("应付账款", "accounts payable"), "prepayments": Text("预付账款", "prepayments"),
    "advances_from_customers": Text("预收账款", "advances from customers"),
    "revenue": Text("营业收入", "revenue"), "cost_of_sales": Text("营业成本", "cost of sales"),
}


@dataclass(frozen=True, slots=True)
class DerivedFigure:
    key: str
    value: Decimal | None  # None: could not be derived (see `source`)
    source: Text


@dataclass(frozen=True, slots=True)
class DerivedInputs:
    """What the statements give: ``sales`` (the year's revenue) and the five day figures."""

    year: int | None
    figures: Mapping[str, DerivedFigure] = field(default_factory=dict)

    def values(self) -> dict[str, Decimal]:
        """The derived values only (to merge with what the officer types)."""
        return {k: f.value for k, f in self.figures.items() if f.value is not None}

    def sources(self) -> dict[str, Text]:
        return {k: f.source for k, f in self.figures.items()}


def _year_end(entries: Sequence[_Entry], year: int, *, months: int | None = None) -> _Entry | None:
    # A balance sheet "as at 31 December" (year, Q4 or December period); an income statement of
    # exactly 12 months to 31 December. The longest such entry wins if several end together.
    found = [e for e in entries if e.period.end == date(year, 12, 31) and (months is None or e.period.months == months)]
    return max(found, key=lambda e: e.period.months) if found else None


def derive_days(statements: _Statements, *, year: int | None = None) -> DerivedInputs:
    """Turnover days for ``year`` (default: the latest year with a 12-month income statement to
    31 December): days = 360 × (balance at the end of year − 1 + balance at the end of year) ÷ 2
    ÷ revenue (receivables, advances) or cost of sales (inventory, prepayments, payables).

    Each figure says where it came from, or why it is missing (no opening balance sheet, a zero
    divisor, a negative average). Derived days are quantised to 0.01, ROUND_HALF_UP.
    """
    income = statements.of("income_statement")
    if year is None:
        years = sorted({e.period.end.year for e in income if e.period.months == 12 and e.period.end.month == 12
                        and e.period.end.day == 31})
        if not years:
            reason = Text("缺少全年利润表（1–12 月）", "no full-year income statement (January–December)")
            return DerivedInputs(None, {k: DerivedFigure(k, None, reason) for k in ("sales", *DAY_FIELDS)})
        year = years[-1]
    balances = statements.of("balance_sheet")
    closing = _year_end(balances, year)
    opening = _year_end(balances, year - 1)
    annual = _year_end(income, year, months=12)
    figures: dict[str, DerivedFigure] = {}
    if annual is None:
        figures["sales"] = DerivedFigure("sales", None, Text(f"缺少 {year} 年全年利润表", f"no full-year {year} income statement"))
    else:
        figures["sales"] = DerivedFigure("sales", to_money(annual.items["revenue"]),
                                         Text(f"{year} 年利润表营业收入", f"revenue, income statement {year}"))
    missing = [Text(f"{y} 年末资产负债表", f"the balance sheet at the end of {y}")
               for y, e in ((year - 1, opening), (year, closing)) if e is None]
    if annual is None:
        missing.append(Text(f"{year} 年全年利润表", f"the full-year {year} income statement"))
    for key, (item, base) in DAY_BASES.items():
        if missing:
            figures[key] = DerivedFigure(key, None, Text("缺少" + "、".join(m.zh for m in missing),
                                                         "missing " + " and ".join(m.en for m in missing)))
            continue
        assert opening is not None and closing is not None and annual is not None
        divisor = annual.items[base]
        average = (opening.items[item] + closing.items[item]) / 2
        if divisor <= 0:
            why = Text(f"{year} 年{_ITEM_NAMES[base].zh}不大于零，无法计算", f"{_ITEM_NAMES[base].en} {year} is not above zero")
            figures[key] = DerivedFigure(key, None, why)
            continue
        if average < 0:
            why = Text(f"{_ITEM_NAMES[item].zh}平均余额为负，无法计算", f"the average {_ITEM_NAMES[item].en} is negative")
            figures[key] = DerivedFigure(key, None, why)
            continue
        with localcontext() as ctx:
            ctx.prec = _PRECISION
            days = (YEAR_DAYS * average / divisor).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
        figures[key] = DerivedFigure(key, days, Text(
            f"由 {year - 1}、{year} 年末资产负债表及 {year} 年利润表计算：360 × {_ITEM_NAMES[item].zh}平均余额 ÷ {_ITEM_NAMES[base].zh}",
            f"derived from statements {year - 1} and {year}: 360 × average {_ITEM_NAMES[item].en} ÷ {_ITEM_NAMES[base].en}"))
    return DerivedInputs(year, figures)
