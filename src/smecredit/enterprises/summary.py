"""信用画像摘要: a credit profile read as a loan officer reads it — red flags first, then the key
figures, then the trends behind them — built from the profile's stored features and the typed
records of its snapshots (`connectors.load`). Pure: no database, no web; the page formats.

* :func:`red_flags` — what stops or slows a loan: current overdue (enterprise and actual
  controller), non-performing loans, open lawsuits as defendant, the dishonest-debtor list, open
  enforcement, abnormal-operation listings, administrative penalties, a registry status other than
  存续, and every discrepancy between declared and verified facts. :func:`unchecked` names the
  sources whose flags could not be checked (no data), so "no flags" is never read as "clean".
* :func:`key_figures` — annual revenue, tax paid in the last 12 months, average monthly bank
  inflow, leverage, current ratio, years in operation, tax credit grade.
* charts — :func:`bank_chart` (monthly inflow and outflow), :func:`tax_chart` (tax paid and revenue
  declared by quarter), :func:`revenue_chart` (revenue by year and its growth). Values are in 万元
  as decimal strings (a chart draws them; nothing is computed from them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Protocol

from smecredit.enterprises.connectors.fields import month_label
from smecredit.enterprises.connectors.models import BankStatement, FinancialStatements, TaxRecord
from smecredit.enterprises.connectors.registry import STATUS_LABELS
from smecredit.enterprises.connectors.vocabulary import SourceKind
from smecredit.kernel.money import format_yuan
from smecredit.kernel.text import Text

WAN = Decimal(10000)
CHART_QUANTUM = Decimal("0.01")
PERCENT_QUANTUM = Decimal("0.1")


class StoredFeature(Protocol):
    """What a stored profile feature offers (``enterprises.models.ProfileFeature``)."""

    key: str
    label_zh: str
    label_en: str
    value_text: str | None
    value_type: str
    source_kind: str | None
    snapshot_id: int | None


class DiscrepancyLike(Protocol):
    field: str
    label: Text
    declared: str
    verified: str
    source_kind: str
    snapshot_id: int | None
    note: Text


# -- key figures ----------------------------------------------------------------------------------

KEY_FIGURES: tuple[str, ...] = (
    "annual_revenue", "tax_paid_last12m", "bank_monthly_inflow_avg", "leverage", "current_ratio",
    "years_in_operation", "tax_credit_grade",
)


@dataclass(frozen=True)
class KeyFigure:
    key: str
    label: Text
    feature: Any | None  # the stored feature, None when the profile has none of that key

    @property
    def missing(self) -> bool:
        return self.feature is None or self.feature.value_text is None


def figure_text(feature: StoredFeature, lang: str = "zh") -> str | None:
    """A key figure in money as a person reads it at a glance: 万元 in Chinese (2,120.36 万元),
    whole yuan in English; None for anything else (the page formats it as the feature table does)."""
    if getattr(feature, "unit", None) != "CNY" or feature.value_type != "decimal" or feature.value_text is None:
        return None
    value = Decimal(feature.value_text)
    if lang == "en":
        return f"¥{value.quantize(Decimal(1), ROUND_HALF_UP):,}"
    return f"{(value / WAN).quantize(CHART_QUANTUM, ROUND_HALF_UP):,} 万元"


def key_figures(features: Iterable[StoredFeature]) -> list[KeyFigure]:
    by_key = {f.key: f for f in features}
    out = []
    for key in KEY_FIGURES:
        f = by_key.get(key)
        label = Text(f.label_zh, f.label_en) if f is not None else Text(key, key)
        out.append(KeyFigure(key, label, f))
    return out


# -- red flags ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    key: str
    label: Text
    detail: Text
    severity: str  # "high": a knock-out in most policies; "medium": to be explained
    source_kind: str | None
    snapshot_id: int | None


def _int(f: StoredFeature | None) -> int | None:
    if f is None or f.value_text is None:
        return None
    try:
        return int(f.value_text)
    except ValueError:
        return None


def _dec(f: StoredFeature | None) -> Decimal | None:
    if f is None or f.value_text is None:
        return None
    try:
        return Decimal(f.value_text)
    except InvalidOperation:
        return None


def _amount(f: StoredFeature | None) -> tuple[str, str]:
    value = _dec(f)
    if not value:
        return "", ""
    shown = format_yuan(value)
    return f"，金额 {shown}", f", {shown}"


def _flag(key: str, label: Text, detail: Text, severity: str, f: StoredFeature) -> Flag:
    return Flag(key, label, detail, severity, f.source_kind, f.snapshot_id)


# (count feature, amount feature or None, label, detail in zh/en with {n} and {amount}, severity)
_COUNTED = (
    ("current_overdue_count", "current_overdue_amount", Text("企业当前逾期", "Enterprise overdue now"),
     ("征信报告显示当前逾期 {n} 笔{amount}", "the credit report shows {n} overdue now{amount}"), "high"),
    ("controller_current_overdue_count", "controller_current_overdue_amount",
     Text("实际控制人当前逾期", "Actual controller overdue now"),
     ("实际控制人个人征信当前逾期 {n} 笔{amount}", "the controller's personal report shows {n} overdue now{amount}"), "high"),
    ("non_performing_loan_count", None, Text("不良贷款", "Non-performing loans"),
     ("五级分类为次级、可疑或损失的未结清贷款 {n} 笔{amount}", "{n} outstanding loan(s) classified substandard, doubtful or loss{amount}"),
     "high"),
    ("enforcement_count", "enforcement_amount", Text("被执行", "Enforcement"),
     ("未结被执行记录 {n} 条{amount}", "{n} open enforcement record(s){amount}"), "high"),
    ("open_lawsuits_defendant_count", "open_lawsuits_defendant_amount", Text("未结诉讼（被告）", "Open lawsuits as defendant"),
     ("作为被告的未结诉讼 {n} 件{amount}", "{n} open lawsuit(s) as defendant{amount}"), "medium"),
    ("abnormal_operation_count", None, Text("经营异常名录", "Abnormal-operation list"),
     ("在列的经营异常记录 {n} 条{amount}", "{n} abnormal-operation listing(s) in force{amount}"), "medium"),
    ("administrative_penalty_count_24m", None, Text("行政处罚", "Administrative penalties"),
     ("近 24 个月行政处罚 {n} 次{amount}", "{n} administrative penalt(ies) in the last 24 months{amount}"), "medium"),
)
#: The features whose absence means a check could not be made.
CHECKED_BY: dict[str, str] = {
    "current_overdue_count": "credit_bureau",
    "controller_current_overdue_count": "credit_bureau",
    "open_lawsuits_defendant_count": "judicial",
    "dishonest_debtor_flag": "judicial",
    "enforcement_count": "judicial",
    "abnormal_operation_count": "registry",
    "registry_status": "registry",
}


def red_flags(features: Iterable[StoredFeature], discrepancies: Sequence[DiscrepancyLike] = ()) -> list[Flag]:
    """Every red flag, the most serious first (feature flags, then discrepancies)."""
    by_key = {f.key: f for f in features}
    flags: list[Flag] = []
    status = by_key.get("registry_status")
    if status is not None and status.value_text is not None and status.value_text != "active":
        zh, en = STATUS_LABELS.get(status.value_text, (status.value_text, status.value_text))
        flags.append(_flag("registry_status", Text("登记状态异常", "Registry status"),
                           Text(f"工商登记状态为“{zh}”，不是存续（在业）", f"the registry says '{en}', not active"), "high", status))
    dishonest = by_key.get("dishonest_debtor_flag")
    if dishonest is not None and dishonest.value_text == "true":
        flags.append(_flag("dishonest_debtor_flag", Text("失信被执行人", "Dishonest-debtor list"),
                           Text("列入失信被执行人名单（尚未移除）", "on the dishonest-debtor list (not removed)"), "high", dishonest))
    for count_key, amount_key, label, (zh, en), severity in _COUNTED:
        f = by_key.get(count_key)
        n = _int(f)
        if f is None or not n:
            continue
        amount_zh, amount_en = _amount(by_key.get(amount_key)) if amount_key else ("", "")
        flags.append(_flag(count_key, label, Text(zh.format(n=n, amount=amount_zh), en.format(n=n, amount=amount_en)),
                           severity, f))
    flags.sort(key=lambda x: 0 if x.severity == "high" else 1)
    for d in discrepancies:
        flags.append(Flag(f"discrepancy:{d.field}", d.label.prefixed("申报与核验不一致：", "Declared ≠ verified: "),
                          Text(f"申报 {d.declared}，核验 {d.verified}", f"declared {d.declared}, verified {d.verified}"),
                          "medium", d.source_kind, d.snapshot_id))
    return flags


def unchecked(features: Iterable[StoredFeature]) -> list[SourceKind]:
    """The sources whose red flags could not be checked: their features are missing."""
    by_key = {f.key: f for f in features}
    kinds: list[SourceKind] = []
    for key, kind in CHECKED_BY.items():
        f = by_key.get(key)
        if (f is None or f.value_text is None) and SourceKind(kind) not in kinds:
            kinds.append(SourceKind(kind))
    return kinds


# -- charts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    name: Text
    values: tuple[Decimal | None, ...]
    kind: str = "bar"  # bar | line
    axis: int = 0  # 0: the left axis; 1: the right axis
    percent: bool = False  # values are percentages


@dataclass(frozen=True)
class Chart:
    key: str
    title: Text
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    unit: Text  # the left axis
    unit2: Text | None = None  # the right axis, when a series uses it
    note: Text | None = None

    @property
    def empty(self) -> bool:
        return not self.labels or all(v is None for s in self.series for v in s.values)

    def as_json(self, lang: str) -> dict[str, Any]:
        """What `app.js` draws: labels, and each series' values as decimal strings (or null)."""
        return {
            "title": self.title.pick(lang),
            "labels": list(self.labels),
            "unit": self.unit.pick(lang),
            "unit2": self.unit2.pick(lang) if self.unit2 else None,
            "series": [{"name": s.name.pick(lang), "type": s.kind, "axis": s.axis,
                        "values": [None if v is None else f"{v:f}" for v in s.values]} for s in self.series],
        }

    def rows(self) -> list[tuple[str, list[Decimal | None]]]:
        """The chart as a table (label, one value per series), for reading without the picture."""
        return [(label, [s.values[i] for s in self.series]) for i, label in enumerate(self.labels)]


def _wan(value: Decimal) -> Decimal:
    return (value / WAN).quantize(CHART_QUANTUM, ROUND_HALF_UP)


def _growth(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    if current is None or previous is None or previous <= 0:
        return None
    return ((current - previous) / previous * 100).quantize(PERCENT_QUANTUM, ROUND_HALF_UP)


WAN_UNIT = Text("万元", "10k CNY")
PERCENT_UNIT = Text("%", "%")


def bank_chart(statement: BankStatement, *, months: int = 24) -> Chart:
    """Monthly inflow and outflow of the last ``months`` months of the statement; months inside the
    statement's span without a transaction are zero."""
    by_month = {m.month: m for m in statement.monthly}
    if not by_month:
        return Chart("bank", Text("银行流水月度流入流出", "Monthly bank inflow and outflow"), (), (), WAN_UNIT)
    last = max(by_month)
    first = max(min(by_month), last - months + 1)
    span = range(first, last + 1)
    zero = Decimal(0)
    inflow = tuple(_wan(by_month[m].inflow) if m in by_month else zero for m in span)
    outflow = tuple(_wan(by_month[m].outflow) if m in by_month else zero for m in span)
    return Chart(
        "bank", Text("银行流水月度流入流出", "Monthly bank inflow and outflow"), tuple(month_label(m) for m in span),
        (Series(Text("流入", "Inflow"), inflow), Series(Text("流出", "Outflow"), outflow)), Text("金额（万元）", "Amount (10k CNY)"),
        note=Text(f"{statement.first_date.isoformat()} 至 {statement.last_date.isoformat()}",
                  f"{statement.first_date.isoformat()} to {statement.last_date.isoformat()}"),
    )


def _quarter_label(quarter: int) -> str:
    year, q = divmod(quarter, 4)
    return f"{year}-Q{q + 1}"


def tax_chart(record: TaxRecord, *, quarters: int = 8) -> Chart:
    """Tax paid (bars) and revenue declared (line, right axis) by calendar quarter, monthly
    declarations summed. Only quarters whose three months are all declared are drawn (a quarter in
    progress would look like a fall); yearly declarations cannot be split and are left out."""
    paid: dict[int, Decimal] = {}
    revenue: dict[int, Decimal] = {}
    covered: dict[int, int] = {}
    for p in record.periods:
        first_q, last_q = p.period.first_month // 3, p.period.last_month // 3
        if first_q != last_q:  # a year or a range across quarters
            continue
        paid[first_q] = paid.get(first_q, Decimal(0)) + p.tax_paid
        revenue[first_q] = revenue.get(first_q, Decimal(0)) + p.revenue_declared
        covered[first_q] = covered.get(first_q, 0) + p.period.months
    complete = [q for q in sorted(paid) if covered[q] >= 3]
    shown = complete[-quarters:]
    left_out = [_quarter_label(q) for q in sorted(paid) if covered[q] < 3 and (not shown or q > shown[0])]
    return Chart(
        "tax", Text("纳税额与申报收入（按季度）", "Tax paid and revenue declared, by quarter"),
        tuple(_quarter_label(q) for q in shown),
        (Series(Text("实缴税额", "Tax paid"), tuple(_wan(paid[q]) for q in shown)),
         Series(Text("申报收入", "Revenue declared"), tuple(_wan(revenue[q]) for q in shown), kind="line", axis=1)),
        Text("税额（万元）", "Tax (10k CNY)"), Text("收入（万元）", "Revenue (10k CNY)"),
        note=Text(f"未满三个月的季度未列入：{'、'.join(left_out)}", f"Quarters not yet complete are left out: {', '.join(left_out)}")
        if left_out else None,
    )


def _tax_years(record: TaxRecord | None) -> dict[int, Decimal]:
    """Revenue declared per calendar year, for years whose 12 months are all declared."""
    if record is None:
        return {}
    months: dict[int, set[int]] = {}
    total: dict[int, Decimal] = {}
    for p in record.periods:
        year_first, year_last = p.period.first_month // 12, p.period.last_month // 12
        if year_first != year_last:
            continue
        months.setdefault(year_first, set()).update(range(p.period.first_month, p.period.last_month + 1))
        total[year_first] = total.get(year_first, Decimal(0)) + p.revenue_declared
    return {year: total[year] for year, seen in months.items() if len(seen) == 12}


def _statement_years(statements: FinancialStatements | None) -> dict[int, Decimal]:
    """Revenue of each 12-month income statement covering one calendar year."""
    if statements is None:
        return {}
    out: dict[int, Decimal] = {}
    for entry in statements.of("income_statement"):
        period = entry.period
        if period.months == 12 and period.first_month % 12 == 0 and "revenue" in entry.items:
            out[period.first_month // 12] = entry.items["revenue"]
    return out


def revenue_chart(statements: FinancialStatements | None, tax: TaxRecord | None, *, years: int = 5) -> Chart:
    """Revenue by calendar year from the income statements and from tax declarations, and the
    year-on-year growth of the first of them that has two years."""
    by_statement = _statement_years(statements)
    by_tax = _tax_years(tax)
    all_years = sorted(set(by_statement) | set(by_tax))[-years:]
    series = []
    if by_statement:
        series.append(Series(Text("财报营业收入", "Revenue (statements)"),
                             tuple(_wan(by_statement[y]) if y in by_statement else None for y in all_years)))
    if by_tax:
        series.append(Series(Text("纳税申报收入", "Revenue declared (tax)"),
                             tuple(_wan(by_tax[y]) if y in by_tax else None for y in all_years)))
    base, name = (by_statement, Text("增长率（财报）", "Growth (statements)")) if len(by_statement) >= 2 else \
        (by_tax, Text("增长率（申报）", "Growth (tax)"))
    unit2 = None
    if len(base) >= 2:
        growth = tuple(_growth(base.get(y), base.get(y - 1)) for y in all_years)
        if any(g is not None for g in growth):
            series.append(Series(name, growth, kind="line", axis=1, percent=True))
            unit2 = PERCENT_UNIT
    return Chart("revenue", Text("年度营业收入与增长", "Revenue by year and growth"), tuple(str(y) for y in all_years),
                 tuple(series), Text("收入（万元）", "Revenue (10k CNY)"), Text("增长率（%）", "Growth (%)") if unit2 else None)


def charts(records: Mapping[SourceKind, Any]) -> list[Chart]:
    """The charts the profile's records allow, in reading order (empty ones left out)."""
    out = []
    bank = records.get(SourceKind.BANK_STATEMENT)
    tax = records.get(SourceKind.TAX)
    fin = records.get(SourceKind.FINANCIAL_STATEMENTS)
    if isinstance(bank, BankStatement):
        out.append(bank_chart(bank))
    if isinstance(tax, TaxRecord):
        out.append(tax_chart(tax))
    if isinstance(fin, FinancialStatements) or isinstance(tax, TaxRecord):
        out.append(revenue_chart(fin if isinstance(fin, FinancialStatements) else None,
                                 tax if isinstance(tax, TaxRecord) else None))
    return [c for c in out if not c.empty]


CHART_KINDS = (SourceKind.BANK_STATEMENT, SourceKind.TAX, SourceKind.FINANCIAL_STATEMENTS)
