"""信用画像 (credit profile) features: pure functions over typed source records.

:func:`compute_features` turns the latest snapshot of each source (its normalised content, e.g.
read back from the database, loaded into the typed record of its kind by
:func:`smecredit.enterprises.connectors.models.load`) plus the facts the enterprise typed in,
into a list of :class:`Feature` s — one per entry of :data:`FEATURE_CATALOGUE`, always in
catalogue order. Every feature names where it came from (``source_kind`` + ``snapshot_id``, or
``source_kind=None`` for declared facts) and the rule used, in English (``rule``, stored) and in
both languages (``rule_text``); when the data needed is missing the value is ``None`` and
``missing_reason`` says what is missing. Values are never invented.

Stored content that does not have its kind's shape (``MalformedContent``) makes that kind's
features missing with the reason; nothing else is caught, so a programming error still fails.

Arithmetic: ``Decimal`` only. Amounts are quantised to 0.01 yuan and ratios to 4 decimal places,
both ROUND_HALF_UP; years in operation are rounded *down* to 0.01 (never overstated).

Windows (``as_of`` is the business date; the month of ``as_of`` itself is never counted, it is
not complete):

* tax "last 12 months" ends at the latest declared month before ``as_of``'s month (the *anchor*;
  it must be no more than 12 months before the last complete month); the previous 12 months are
  the 12 before that. A window counts only when the declared periods inside it cover all 12
  months exactly.
* bank statements: the 12 calendar months before ``as_of``'s month, intersected with the months
  the statement spans (first to last transaction). Months inside that span with no inflow count
  as zero.
* credit bureau: 24 months before ``as_of``'s month; queries in the 3 months up to ``as_of``.
* judicial and registry records are taken *as at* ``as_of`` using their dates (a case closed
  after ``as_of`` was open on ``as_of``).

Pure: standard library only (imports the connectors' vocabulary and typed records).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from smecredit.enterprises.connectors.fields import money, month_index, month_label
from smecredit.enterprises.connectors.models import (
    BankStatement,
    CreditReport,
    CreditSubject,
    FinancialStatements,
    JudicialRecord,
    MalformedContent,
    RegistryRecord,
    StatementEntry,
    TaxRecord,
    load,
)
from smecredit.enterprises.connectors.vocabulary import CENT, RATIO_QUANTUM, SourceKind
from smecredit.kernel.text import Text

__all__ = [
    "BANK_MIN_MONTHS_FOR_CV",
    "FEATURE_CATALOGUE",
    "FEATURES_BY_KEY",
    "TAX_MAX_LAG_MONTHS",
    "EnterpriseFacts",
    "Feature",
    "FeatureSpec",
    "SourceRef",
    "compute_features",
]

#: The tax anchor month may lag the last complete month before as_of by at most this much.
TAX_MAX_LAG_MONTHS = 12
#: Coefficient of variation needs at least this many months of statements.
BANK_MIN_MONTHS_FOR_CV = 3

FeatureValue = Decimal | int | str | bool | None


@dataclass(frozen=True)
class SourceRef:
    """One stored snapshot of a source: its id, kind, normalised content and capture time."""

    snapshot_id: str
    kind: SourceKind
    content: Mapping[str, Any]
    captured_at: datetime

    __hash__ = None  # type: ignore[assignment]  # content is a dict


@dataclass(frozen=True)
class EnterpriseFacts:
    """Facts typed in by the enterprise (or the loan officer), not from a data source."""

    founding_date: date | None = None
    controller_birth_date: date | None = None
    declared_staff: int | None = None
    declared_revenue: Decimal | None = None  # yuan, last full year
    declared_assets: Decimal | None = None  # yuan


@dataclass(frozen=True)
class Feature:
    key: str
    label_zh: str
    label_en: str
    value: FeatureValue
    unit: str
    source_kind: SourceKind | None  # None: a fact declared by the enterprise
    snapshot_id: str | None
    rule: str  # "<rule id>: <formula> [data used]", English (what profiles store)
    rule_text: Text  # the same rule and data used, in Chinese and English
    missing_reason: Text | None = None  # set exactly when value is None


@dataclass(frozen=True)
class FeatureSpec:
    key: str
    label_zh: str
    label_en: str
    unit: str  # CNY | ratio | years | count | days | months | grade | code | flag | persons
    source_kind: SourceKind | None  # the source it needs (None: declared facts)
    rule_zh: str  # the formula in Chinese
    rule_en: str  # the formula in English

    @property
    def rule(self) -> str:
        """``"<rule id>: <formula>"`` in English."""
        return f"{self.key}: {self.rule_en}"

    @property
    def rule_text(self) -> Text:
        """``"<rule id>：<公式>"`` / ``"<rule id>: <formula>"``."""
        return Text(f"{self.key}：{self.rule_zh}", self.rule)


_R = SourceKind.REGISTRY
_T = SourceKind.TAX
_B = SourceKind.BANK_STATEMENT
_F = SourceKind.FINANCIAL_STATEMENTS
_C = SourceKind.CREDIT_BUREAU
_J = SourceKind.JUDICIAL

FEATURE_CATALOGUE: tuple[FeatureSpec, ...] = (
    # -- registry / facts
    FeatureSpec("years_in_operation", "经营年限", "Years in operation", "years", _R,
                "成立日期至评估日的完整月数 ÷ 12，向下取整到 0.01（无工商登记时用企业填报的成立日期）",
                "completed months from founding_date to as_of ÷ 12, rounded down to 0.01"),
    FeatureSpec("registry_status", "登记状态", "Registration status", "code", _R,
                "工商登记的登记状态（存续、吊销、注销、迁出、停业、清算中）",
                "status code from the registry (active/revoked/cancelled/moved_out/suspended/liquidation)"),
    FeatureSpec("abnormal_operation_count", "经营异常名录（在列）", "Abnormal-operation listings in force", "count", _R,
                "列入日期 ≤ 评估日且评估日尚未移出的经营异常记录数",
                "records with listed_date ≤ as_of and no removed_date ≤ as_of"),
    FeatureSpec("administrative_penalty_count_24m", "近24个月行政处罚", "Administrative penalties, last 24 months", "count", _R,
                "处罚日期在（评估日 − 24 个月，评估日］内的行政处罚数",
                "penalties dated in (as_of − 24 months, as_of]"),
    # -- tax / financial statements
    FeatureSpec("annual_revenue", "年营业收入", "Annual revenue", "CNY", _T,
                "近 12 个月纳税申报的申报收入合计；没有时取最近一期 12 个月利润表的营业收入",
                "Σ revenue_declared over the last 12 months of tax declarations; "
                "else revenue of the latest 12-month income statement"),
    FeatureSpec("revenue_growth", "营业收入增长率", "Revenue growth", "ratio", _T,
                "（近 12 个月申报收入 − 前 12 个月申报收入）÷ 前 12 个月申报收入；没有时取最近两期相邻的 12 个月利润表",
                "(rev_last12m − rev_prev12m) / rev_prev12m from tax declarations; "
                "else from the two latest consecutive 12-month income statements"),
    FeatureSpec("tax_credit_grade", "纳税信用等级", "Tax credit grade", "grade", _T,
                "评价年度公布的纳税信用等级 A/B/M/C/D",
                "grade A/B/M/C/D as published for the evaluation year"),
    FeatureSpec("tax_paid_last12m", "近12个月纳税额", "Tax paid, last 12 months", "CNY", _T,
                "近 12 个申报月的实缴税额合计",
                "Σ tax_paid over the last 12 declared months"),
    FeatureSpec("tax_paid_prev12m", "前12个月纳税额", "Tax paid, previous 12 months", "CNY", _T,
                "近 12 个月之前 12 个月的实缴税额合计",
                "Σ tax_paid over the 12 months before the last 12"),
    FeatureSpec("tax_paid_growth", "纳税额增长率", "Tax paid trend", "ratio", _T,
                "（近 12 个月纳税额 − 前 12 个月纳税额）÷ 前 12 个月纳税额",
                "(tax_last12m − tax_prev12m) / tax_prev12m"),
    # -- bank statements
    FeatureSpec("bank_months_covered", "流水覆盖月数", "Months of bank statements", "months", _B,
                "评估日所在月之前 12 个月中，落在流水首末交易月份之间的月数",
                "months of the 12 before as_of's month within the statement's first..last transaction month"),
    FeatureSpec("bank_monthly_inflow_avg", "月均流入", "Average monthly inflow", "CNY", _B,
                "覆盖月份的月流入合计 ÷ 覆盖月数",
                "Σ monthly inflow ÷ months covered"),
    FeatureSpec("bank_inflow_cv", "月流入变异系数", "Monthly inflow coefficient of variation", "ratio", _B,
                "覆盖月份月流入的总体标准差 ÷ 均值（至少 3 个月）",
                "population standard deviation ÷ mean of monthly inflow over the months covered (≥ 3 months)"),
    FeatureSpec("top1_counterparty_share", "第一大来款方占比", "Top counterparty share of inflow", "ratio", _B,
                "覆盖月份内按对方户名汇总的最大来款 ÷ 总流入",
                "largest inflow by counterparty ÷ total inflow, months covered"),
    FeatureSpec("top5_counterparty_share", "前五大来款方占比", "Top-5 counterparties share of inflow", "ratio", _B,
                "覆盖月份内按对方户名汇总的前五大来款合计 ÷ 总流入",
                "Σ five largest inflows by counterparty ÷ total inflow, months covered"),
    # -- financial statements
    FeatureSpec("total_assets", "资产总额", "Total assets", "CNY", _F,
                "评估日及之前最近一期资产负债表的资产总计",
                "total_assets of the latest balance sheet dated on or before as_of"),
    FeatureSpec("leverage", "资产负债率", "Leverage (liabilities / assets)", "ratio", _F,
                "负债合计 ÷ 资产总计，最近一期资产负债表",
                "total_liabilities ÷ total_assets, latest balance sheet"),
    FeatureSpec("current_ratio", "流动比率", "Current ratio", "ratio", _F,
                "流动资产合计 ÷ 流动负债合计，最近一期资产负债表",
                "current_assets ÷ current_liabilities, latest balance sheet"),
    FeatureSpec("quick_ratio", "速动比率", "Quick ratio", "ratio", _F,
                "（流动资产合计 − 存货）÷ 流动负债合计，最近一期资产负债表",
                "(current_assets − inventory) ÷ current_liabilities, latest balance sheet"),
    FeatureSpec("net_margin", "销售净利率", "Net margin", "ratio", _F,
                "净利润 ÷ 营业收入，最近一期利润表（同日截止的取期间最长者）",
                "net_profit ÷ revenue, latest income statement (longest if several end together)"),
    # -- credit bureau
    FeatureSpec("current_overdue_count", "当前逾期笔数", "Current overdue count", "count", _C,
                "企业征信报告的当前逾期笔数",
                "enterprise report, current_overdue.count"),
    FeatureSpec("current_overdue_amount", "当前逾期金额", "Current overdue amount", "CNY", _C,
                "企业征信报告的当前逾期金额",
                "enterprise report, current_overdue.amount"),
    FeatureSpec("overdue_months_24m", "近24个月逾期月数", "Months overdue in last 24", "months", _C,
                "评估日所在月之前 24 个月中最长逾期天数大于 0 的月数（报告未列的月份视为未逾期）",
                "months in the 24 before as_of's month with max_dpd > 0 (months absent from the report count as not overdue)"),
    FeatureSpec("max_dpd_24m", "近24个月最长逾期天数", "Max days past due, last 24 months", "days", _C,
                "评估日所在月之前 24 个月的最长逾期天数（没有记录为 0）",
                "max of max_dpd over the 24 months before as_of's month (0 when none reported)"),
    FeatureSpec("outstanding_loans_total", "未结清贷款余额", "Outstanding loans", "CNY", _C,
                "企业征信报告中未结清贷款的余额合计",
                "Σ balance of outstanding loans in the enterprise report"),
    FeatureSpec("non_performing_loan_count", "不良贷款笔数", "Non-performing loans", "count", _C,
                "五级分类为次级、可疑或损失的未结清贷款笔数",
                "outstanding loans classified 次级/可疑/损失"),
    FeatureSpec("guarantees_given_total", "对外担保余额", "Guarantees given", "CNY", _C,
                "对外担保余额合计（未报告余额的取担保金额）",
                "Σ guarantee balance (the guaranteed amount where no balance is reported)"),
    FeatureSpec("queries_last_3m", "近3个月征信查询次数", "Credit queries, last 3 months", "count", _C,
                "查询日期在（评估日 − 3 个月，评估日］内的查询次数",
                "queries dated in (as_of − 3 months, as_of]"),
    FeatureSpec("credit_report_age_days", "征信报告距今天数", "Credit report age", "days", _C,
                "评估日 − 报告日期（天）",
                "as_of − report_date"),
    FeatureSpec("controller_current_overdue_count", "实控人当前逾期笔数", "Controller current overdue count", "count", _C,
                "实际控制人征信报告的当前逾期笔数",
                "controller report, current_overdue.count"),
    FeatureSpec("controller_current_overdue_amount", "实控人当前逾期金额", "Controller current overdue amount", "CNY", _C,
                "实际控制人征信报告的当前逾期金额",
                "controller report, current_overdue.amount"),
    FeatureSpec("controller_max_dpd_24m", "实控人近24个月最长逾期天数", "Controller max days past due, last 24 months", "days", _C,
                "实际控制人征信报告中评估日所在月之前 24 个月的最长逾期天数",
                "controller report, max of max_dpd over the 24 months before as_of's month"),
    # -- judicial
    FeatureSpec("open_lawsuits_defendant_count", "未结诉讼（被告）件数", "Open lawsuits as defendant", "count", _J,
                "作为被告、立案日 ≤ 评估日且评估日尚未结案的诉讼件数",
                "lawsuits as defendant filed ≤ as_of and not closed on as_of"),
    FeatureSpec("open_lawsuits_defendant_amount", "未结诉讼（被告）涉案金额", "Open lawsuits as defendant, amount", "CNY", _J,
                "上述诉讼的涉案金额合计（没有金额的按 0 计）",
                "Σ amount of those lawsuits (cases without an amount add 0)"),
    FeatureSpec("dishonest_debtor_flag", "失信被执行人", "On the dishonest-debtor list", "flag", _J,
                "存在发布日 ≤ 评估日且评估日尚未移除的失信被执行人记录",
                "any entry published ≤ as_of and not removed on as_of"),
    FeatureSpec("enforcement_count", "被执行（未结）条数", "Open enforcement records", "count", _J,
                "立案日 ≤ 评估日且评估日尚未结案的被执行记录条数",
                "enforcement records filed ≤ as_of and not closed on as_of"),
    FeatureSpec("enforcement_amount", "被执行（未结）金额", "Open enforcement amount", "CNY", _J,
                "上述被执行记录的金额合计",
                "Σ amount of those enforcement records"),
    # -- declared facts
    FeatureSpec("controller_age", "实际控制人年龄", "Controller age", "years", None,
                "实际控制人出生日期至评估日的周岁",
                "completed years (周岁) from controller_birth_date to as_of"),
    FeatureSpec("declared_staff", "申报从业人员", "Declared staff", "persons", None,
                "企业申报", "as declared by the enterprise"),
    FeatureSpec("declared_revenue", "申报营业收入", "Declared revenue", "CNY", None,
                "企业申报", "as declared by the enterprise"),
    FeatureSpec("declared_assets", "申报资产总额", "Declared total assets", "CNY", None,
                "企业申报", "as declared by the enterprise"),
)
FEATURES_BY_KEY: dict[str, FeatureSpec] = {s.key: s for s in FEATURE_CATALOGUE}


# ------------------------------------------------------------------------------------------------
# Building features
# ------------------------------------------------------------------------------------------------


def _same(text: str) -> Text:
    """A detail that reads the same in both languages (dates, spans)."""
    return Text(text, text)


_NO_DETAIL = Text("", "")


def _feature(
    key: str,
    value: FeatureValue,
    ref: SourceRef | None,
    detail: Text,
    *,
    kind: SourceKind | None = None,
    missing_reason: Text | None = None,
) -> Feature:
    """A catalogue feature; source from ``ref`` (``kind`` when there is none)."""
    spec = FEATURES_BY_KEY[key]
    base = spec.rule_text
    return Feature(
        key=key,
        label_zh=spec.label_zh,
        label_en=spec.label_en,
        value=value,
        unit=spec.unit,
        source_kind=ref.kind if ref is not None else kind,
        snapshot_id=ref.snapshot_id if ref is not None else None,
        rule=f"{spec.rule} [{detail.en}]" if detail.en else spec.rule,
        rule_text=Text(
            f"{base.zh}［{detail.zh}］" if detail.zh else base.zh,
            f"{base.en} [{detail.en}]" if detail.en else base.en,
        ),
        missing_reason=missing_reason,
    )


def _ok(key: str, value: FeatureValue, ref: SourceRef | None, detail: Text = _NO_DETAIL) -> Feature:
    return _feature(key, value, ref, detail)


_SPEC = object()  # "use the catalogue's source kind"


def _missing(
    key: str,
    zh: str,
    en: str,
    *,
    ref: SourceRef | None = None,
    kind: SourceKind | None | object = _SPEC,
    detail: Text = _NO_DETAIL,
) -> Feature:
    if kind is _SPEC:
        kind = FEATURES_BY_KEY[key].source_kind
    return _feature(key, None, ref, detail, kind=kind, missing_reason=Text(zh, en))  # type: ignore[arg-type]


def _no_source(key: str, kind: SourceKind) -> Feature:
    return _missing(key, f"缺少{kind.label_zh}数据", f"no {kind.label_en.lower()} data", kind=kind)


def _ratio(num: Decimal, den: Decimal) -> Decimal:
    q = (num / den).quantize(RATIO_QUANTUM, rounding=ROUND_HALF_UP)
    return q if q else abs(q)


def _months_before(d: date, n: int) -> date:
    """The same day ``n`` months earlier (clamped to the month's last day)."""
    idx = month_index(d) - n
    y, m = divmod(idx, 12)
    m += 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _completed_months(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return months


def _completed_years(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


# ------------------------------------------------------------------------------------------------
# Registry and declared facts
# ------------------------------------------------------------------------------------------------


def _registry_features(as_of: date, ref: SourceRef | None, reg: RegistryRecord | None, facts: EnterpriseFacts) -> list[Feature]:
    out: list[Feature] = []
    founding: date | None = None
    founding_ref: SourceRef | None = None
    if reg is not None and reg.founding_date is not None:
        founding, founding_ref = reg.founding_date, ref
    elif facts.founding_date is not None:
        founding = facts.founding_date
    key = "years_in_operation"
    if founding is None:
        if ref is not None:
            out.append(_missing(key, "工商登记中没有成立日期，企业也未填写", "no founding date in the registry data or the declared facts", ref=ref))
        else:
            out.append(_missing(key, "缺少工商登记数据，企业也未填写成立日期", "no registry data and no declared founding date", kind=_R))
    elif founding > as_of:
        out.append(_missing(key, f"成立日期 {founding} 晚于评估日期", f"founding date {founding} is after as_of", ref=founding_ref, kind=None))
    else:
        months = _completed_months(founding, as_of)
        years = (Decimal(months) / 12).quantize(CENT, rounding=ROUND_DOWN)
        src = (Text("工商登记", "registry") if founding_ref is not None
               else Text("企业填报的成立日期（无工商登记数据）", "declared founding_date (no registry data)"))
        out.append(_ok(key, years, founding_ref, Text(
            f"成立日期 {founding.isoformat()}，{months} 个月；{src.zh}",
            f"founding_date {founding.isoformat()}, {months} months; {src.en}")))

    if ref is None or reg is None:
        for key in ("registry_status", "abnormal_operation_count", "administrative_penalty_count_24m"):
            out.append(_no_source(key, _R))
        return out
    if reg.status:
        out.append(_ok("registry_status", reg.status, ref))
    else:
        out.append(_missing("registry_status", "工商登记中没有登记状态", "no status in the registry data", ref=ref))
    out.append(_ok("abnormal_operation_count", sum(1 for a in reg.abnormal_operations if a.in_force_on(as_of)), ref))
    since = _months_before(as_of, 24)
    n = sum(1 for p in reg.administrative_penalties if p.date is not None and since < p.date <= as_of)
    out.append(_ok("administrative_penalty_count_24m", n, ref, _same(f"({since.isoformat()}, {as_of.isoformat()}]")))
    return out


def _facts_features(as_of: date, facts: EnterpriseFacts) -> list[Feature]:
    out: list[Feature] = []
    b = facts.controller_birth_date
    if b is None:
        out.append(_missing("controller_age", "未填写实际控制人出生日期", "controller's date of birth not given", kind=None))
    elif b > as_of:
        out.append(_missing("controller_age", "出生日期晚于评估日期", "date of birth is after as_of", kind=None))
    else:
        out.append(_ok("controller_age", _completed_years(b, as_of), None, Text(f"出生于 {b.isoformat()}", f"born {b.isoformat()}")))
    for key, value, zh in (
        ("declared_staff", facts.declared_staff, "从业人员"),
        ("declared_revenue", facts.declared_revenue, "营业收入"),
        ("declared_assets", facts.declared_assets, "资产总额"),
    ):
        if value is None:
            out.append(_missing(key, f"企业未申报{zh}", f"{key.removeprefix('declared_')} not declared", kind=None))
        elif key == "declared_staff":
            out.append(_ok(key, int(value), None))
        else:
            out.append(_ok(key, money(Decimal(value)), None))
    return out


# ------------------------------------------------------------------------------------------------
# Tax and financial statements
# ------------------------------------------------------------------------------------------------


@dataclass
class _TaxWindows:
    anchor: int | None
    reason: Text | None
    last: tuple[Decimal, Decimal] | None  # (revenue, tax)
    last_reason: Text | None
    prev: tuple[Decimal, Decimal] | None
    prev_reason: Text | None

    def span(self, offset: int) -> str:
        assert self.anchor is not None
        hi = self.anchor - offset
        return f"{month_label(hi - 11)}..{month_label(hi)}"


def _tax_windows(as_of: date, tax: TaxRecord) -> _TaxWindows:
    last_complete = month_index(as_of) - 1
    periods = [p for p in tax.periods if p.period.last_month <= last_complete]
    if not periods:
        r = Text("税务数据中没有评估日期之前的申报期", "no tax periods before as_of")
        return _TaxWindows(None, r, None, r, None, r)
    anchor = max(p.period.last_month for p in periods)
    if anchor < last_complete - TAX_MAX_LAG_MONTHS:
        r = Text(
            f"税务数据过旧：最近申报期止于 {month_label(anchor)}",
            f"tax data too old: the latest period ends {month_label(anchor)}",
        )
        return _TaxWindows(anchor, r, None, r, None, r)

    def window(hi: int) -> tuple[tuple[Decimal, Decimal] | None, Text | None]:
        lo = hi - 11
        covered = 0
        rev = paid = Decimal(0)
        for p in periods:
            if p.period.first_month >= lo and p.period.last_month <= hi:
                covered += p.period.months
                rev += p.revenue_declared
                paid += p.tax_paid
        if covered != 12:
            span = f"{month_label(lo)}..{month_label(hi)}"
            return None, Text(
                f"税务申报仅覆盖 {span} 中的 {covered} 个月（需 12 个月）",
                f"tax declarations cover only {covered} of the 12 months {span}",
            )
        return (rev, paid), None

    last, last_reason = window(anchor)
    prev, prev_reason = window(anchor - 12)
    return _TaxWindows(anchor, None, last, last_reason, prev, prev_reason)


def _latest_statements(fin: FinancialStatements, statement: str, as_of: date) -> list[StatementEntry]:
    """Entries of ``statement`` ending on or before ``as_of``, by end date then length."""
    return [e for e in fin.of(statement) if e.end <= as_of]


def _annual_income_statements(fin: FinancialStatements, as_of: date) -> list[StatementEntry]:
    return [e for e in _latest_statements(fin, "income_statement", as_of) if e.months == 12]


def _revenue_missing(key: str, tax: SourceRef | None, fin: SourceRef | None, tw: _TaxWindows | None, which: str) -> Feature:
    zh: list[str] = []
    en: list[str] = []
    if tw is None:
        zh.append("缺少税务数据")
        en.append("no tax data")
    else:
        r = tw.last_reason if which == "last" or tw.last is None else tw.prev_reason
        if r is not None:
            zh.append(r.zh)
            en.append(r.en)
    if fin is None:
        zh.append("缺少财务报表")
        en.append("no financial statements")
    else:
        zh.append("财务报表中没有" + ("完整年度的利润表" if which == "last" else "连续两个完整年度的利润表"))
        en.append("no " + ("full-year income statement" if which == "last" else "two consecutive full-year income statements") + " in the financial statements")
    ref = tax if tax is not None else fin
    return _missing(key, "；".join(zh), "; ".join(en), ref=ref, kind=_T)


def _tax_and_revenue_features(
    as_of: date, tax: SourceRef | None, tax_rec: TaxRecord | None, fin: SourceRef | None, fin_rec: FinancialStatements | None
) -> list[Feature]:
    out: list[Feature] = []
    tw = _tax_windows(as_of, tax_rec) if tax_rec is not None else None
    annual_fs = _annual_income_statements(fin_rec, as_of) if fin_rec is not None else []

    # annual revenue
    key = "annual_revenue"
    if tw is not None and tw.last is not None:
        span = tw.span(0)
        out.append(_ok(key, money(tw.last[0]), tax, Text(f"纳税申报 {span}", f"tax declarations {span}")))
    elif annual_fs:
        e = annual_fs[-1]
        if tw is not None and tw.last_reason:
            why = Text(f"；税务：{tw.last_reason.zh}", f"; tax: {tw.last_reason.en}")
        else:
            why = Text("；无税务数据", "; no tax data")
        label = e.period.label
        out.append(_ok(key, money(e.items["revenue"]), fin, Text(f"利润表 {label}{why.zh}", f"income statement {label}{why.en}")))
    else:
        out.append(_revenue_missing(key, tax, fin, tw, "last"))

    # revenue growth
    key = "revenue_growth"
    if tw is not None and tw.last is not None and tw.prev is not None and tw.prev[0] != 0:
        a, b = tw.span(0), tw.span(12)
        out.append(_ok(key, _ratio(tw.last[0] - tw.prev[0], tw.prev[0]), tax,
                       Text(f"纳税申报 {a} 对比 {b}", f"tax declarations {a} vs {b}")))
    else:
        pair = None
        for i in range(len(annual_fs) - 1, 0, -1):
            older, newer = annual_fs[i - 1], annual_fs[i]
            if newer.period.first_month - older.period.first_month == 12:
                pair = (older, newer)
                break
        if pair is not None and pair[0].items["revenue"] != 0:
            older, newer = pair
            ra, rb = older.items["revenue"], newer.items["revenue"]
            a, b = newer.period.label, older.period.label
            out.append(_ok(key, _ratio(rb - ra, ra), fin, Text(f"利润表 {a} 对比 {b}", f"income statements {a} vs {b}")))
        elif tw is not None and tw.last is not None and tw.prev is not None:
            out.append(_missing(key, "前12个月申报收入为零，无法计算增长率", "previous 12 months' declared revenue is zero", ref=tax))
        else:
            out.append(_revenue_missing(key, tax, fin, tw, "prev"))

    # tax credit grade
    key = "tax_credit_grade"
    if tax is None or tax_rec is None:
        out.append(_no_source(key, _T))
    elif tax_rec.credit_grade:
        year = tax_rec.evaluation_year
        out.append(_ok(key, tax_rec.credit_grade, tax, Text(f"评价年度 {year}", f"evaluation year {year}")))
    else:
        out.append(_missing(key, "税务数据中没有纳税信用等级（可能尚未评价）", "no tax credit grade in the tax data (possibly not yet evaluated)", ref=tax))

    # tax paid trend
    if tax is None or tw is None:
        for key in ("tax_paid_last12m", "tax_paid_prev12m", "tax_paid_growth"):
            out.append(_no_source(key, _T))
        return out
    if tw.last is not None:
        out.append(_ok("tax_paid_last12m", money(tw.last[1]), tax, _same(tw.span(0))))
    else:
        assert tw.last_reason is not None
        out.append(_missing("tax_paid_last12m", tw.last_reason.zh, tw.last_reason.en, ref=tax))
    if tw.prev is not None:
        out.append(_ok("tax_paid_prev12m", money(tw.prev[1]), tax, _same(tw.span(12))))
    else:
        assert tw.prev_reason is not None
        out.append(_missing("tax_paid_prev12m", tw.prev_reason.zh, tw.prev_reason.en, ref=tax))
    if tw.last is not None and tw.prev is not None:
        if tw.prev[1] == 0:
            out.append(_missing("tax_paid_growth", "前12个月纳税额为零，无法计算增长率", "previous 12 months' tax paid is zero", ref=tax))
        else:
            a, b = tw.span(0), tw.span(12)
            out.append(_ok("tax_paid_growth", _ratio(tw.last[1] - tw.prev[1], tw.prev[1]), tax, Text(f"{a} 对比 {b}", f"{a} vs {b}")))
    else:
        r = tw.last_reason if tw.last is None else tw.prev_reason
        assert r is not None
        out.append(_missing("tax_paid_growth", r.zh, r.en, ref=tax))
    return out


def _balance_sheet_features(as_of: date, fin: SourceRef | None, rec: FinancialStatements | None) -> list[Feature]:
    keys = ("total_assets", "leverage", "current_ratio", "quick_ratio", "net_margin")
    if fin is None or rec is None:
        return [_no_source(k, _F) for k in keys]
    out: list[Feature] = []
    sheets = _latest_statements(rec, "balance_sheet", as_of)
    if not sheets:
        for k in keys[:4]:
            out.append(_missing(k, "没有评估日期之前的资产负债表", "no balance sheet dated on or before as_of", ref=fin))
    else:
        it = sheets[-1].items
        end = sheets[-1].end.isoformat()
        where = Text(f"资产负债表（截至 {end}）", f"balance sheet as at {end}")
        out.append(_ok("total_assets", money(it["total_assets"]), fin, where))

        def ratio(key: str, num: Decimal, den_key: str) -> Feature:
            den = it[den_key]
            if den == 0:
                return _missing(key, f"{where.zh}：{den_key} 为零", f"{where.en}: {den_key} is zero", ref=fin)
            return _ok(key, _ratio(num, den), fin, where)

        out.append(ratio("leverage", it["total_liabilities"], "total_assets"))
        out.append(ratio("current_ratio", it["current_assets"], "current_liabilities"))
        out.append(ratio("quick_ratio", it["current_assets"] - it["inventory"], "current_liabilities"))
    stmts = _latest_statements(rec, "income_statement", as_of)
    if not stmts:
        out.append(_missing("net_margin", "没有评估日期之前的利润表", "no income statement ending on or before as_of", ref=fin))
    else:
        e = stmts[-1]
        label = e.period.label
        rev, net = e.items["revenue"], e.items["net_profit"]
        if rev == 0:
            out.append(_missing("net_margin", f"利润表 {label} 营业收入为零", f"income statement {label}: revenue is zero", ref=fin))
        else:
            out.append(_ok("net_margin", _ratio(net, rev), fin, Text(f"利润表 {label}", f"income statement {label}")))
    return out


# ------------------------------------------------------------------------------------------------
# Bank statements
# ------------------------------------------------------------------------------------------------


def _bank_features(as_of: date, ref: SourceRef | None, st: BankStatement | None) -> list[Feature]:
    keys = ("bank_months_covered", "bank_monthly_inflow_avg", "bank_inflow_cv", "top1_counterparty_share", "top5_counterparty_share")
    if ref is None or st is None:
        return [_no_source(k, _B) for k in keys]
    hi = month_index(as_of) - 1
    lo = hi - 11
    first = month_index(st.first_date)
    last = month_index(st.last_date)
    a, b = max(lo, first), min(hi, last)
    if a > b:
        f, t = st.first_date.isoformat(), st.last_date.isoformat()
        reason = Text(
            f"流水（{f} 至 {t}）不在评估日期前 12 个月（{month_label(lo)}..{month_label(hi)}）内",
            f"the statement ({f} to {t}) does not overlap the 12 months {month_label(lo)}..{month_label(hi)}",
        )
        out = [_ok("bank_months_covered", 0, ref, Text("无重叠", "no overlap"))]
        out += [_missing(k, reason.zh, reason.en, ref=ref) for k in keys[1:]]
        return out
    span = f"{month_label(a)}..{month_label(b)}"
    n = b - a + 1
    inflow = {m: Decimal(0) for m in range(a, b + 1)}
    for row in st.monthly:
        if a <= row.month <= b:
            inflow[row.month] = row.inflow
    out = [_ok("bank_months_covered", n, ref, _same(span))]
    total = sum(inflow.values(), Decimal(0))
    mean = total / n
    covered = Text(f"{span}，{n} 个月", f"{span}, {n} month(s)")
    out.append(_ok("bank_monthly_inflow_avg", money(mean), ref, covered))
    if n < BANK_MIN_MONTHS_FOR_CV:
        out.append(_missing("bank_inflow_cv", f"流水仅 {n} 个月，至少需要 {BANK_MIN_MONTHS_FOR_CV} 个月",
                            f"only {n} month(s) of statements, {BANK_MIN_MONTHS_FOR_CV} needed", ref=ref, detail=_same(span)))
    elif mean == 0:
        out.append(_missing("bank_inflow_cv", "期间内没有流入", "no inflow in the months covered", ref=ref, detail=_same(span)))
    else:
        with localcontext() as ctx:
            ctx.prec = 34
            var = sum(((x - mean) ** 2 for x in inflow.values()), Decimal(0)) / n
            cv = var.sqrt() / mean
        out.append(_ok("bank_inflow_cv", cv.quantize(RATIO_QUANTUM, rounding=ROUND_HALF_UP), ref, covered))

    by_cp: dict[str, Decimal] = {}
    total_in = Decimal(0)
    for row in st.rows:
        if row.direction != "in" or not (a <= month_index(row.date) <= b):
            continue
        total_in += row.amount
        if row.counterparty:
            by_cp[row.counterparty] = by_cp.get(row.counterparty, Decimal(0)) + row.amount
    if total_in == 0:
        for k in keys[3:]:
            out.append(_missing(k, "期间内没有流入", "no inflow in the months covered", ref=ref, detail=_same(span)))
    else:
        top = sorted(by_cp.values(), reverse=True)
        note = Text(f"{span}；无对方户名的流入只计入总额", f"{span}; inflows without a counterparty count in the total only")
        out.append(_ok("top1_counterparty_share", _ratio(sum(top[:1], Decimal(0)), total_in), ref, note))
        out.append(_ok("top5_counterparty_share", _ratio(sum(top[:5], Decimal(0)), total_in), ref, note))
    return out


# ------------------------------------------------------------------------------------------------
# Credit bureau
# ------------------------------------------------------------------------------------------------


def _history_stats(subject: CreditSubject, as_of: date) -> tuple[int, int]:
    hi = month_index(as_of) - 1
    lo = hi - 23
    months = 0
    max_dpd = 0
    for h in subject.overdue_history:
        if lo <= h.month <= hi:
            if h.max_dpd > 0:
                months += 1
            max_dpd = max(max_dpd, h.max_dpd)
    return months, max_dpd


def _credit_features(as_of: date, ref: SourceRef | None, rep: CreditReport | None) -> list[Feature]:
    keys = (
        "current_overdue_count",
        "current_overdue_amount",
        "overdue_months_24m",
        "max_dpd_24m",
        "outstanding_loans_total",
        "non_performing_loan_count",
        "guarantees_given_total",
        "queries_last_3m",
        "credit_report_age_days",
        "controller_current_overdue_count",
        "controller_current_overdue_amount",
        "controller_max_dpd_24m",
    )
    if ref is None or rep is None:
        return [_no_source(k, _C) for k in keys]
    e = rep.enterprise
    rd = rep.report_date.isoformat()
    report = Text(f"报告日期 {rd}", f"report {rd}")
    window = _same(f"{month_label(month_index(as_of) - 24)}..{month_label(month_index(as_of) - 1)}")
    out = [
        _ok("current_overdue_count", e.current_overdue_count, ref, report),
        _ok("current_overdue_amount", money(e.current_overdue_amount), ref, report),
    ]
    months, max_dpd = _history_stats(e, as_of)
    out.append(_ok("overdue_months_24m", months, ref, window))
    out.append(_ok("max_dpd_24m", max_dpd, ref, window))
    n = len(e.loans)
    out.append(_ok("outstanding_loans_total", money(sum((x.balance for x in e.loans), Decimal(0))), ref,
                   Text(f"{n} 笔贷款", f"{n} loan(s)")))
    npl = sum(1 for x in e.loans if x.classification in ("substandard", "doubtful", "loss"))
    out.append(_ok("non_performing_loan_count", npl, ref))
    g = len(e.guarantees)
    out.append(_ok("guarantees_given_total", money(sum((x.exposure for x in e.guarantees), Decimal(0))), ref,
                   Text(f"{g} 笔担保", f"{g} guarantee(s)")))
    since = _months_before(as_of, 3)
    q = sum(1 for x in e.queries if x.date is not None and since < x.date <= as_of)
    out.append(_ok("queries_last_3m", q, ref, _same(f"({since.isoformat()}, {as_of.isoformat()}]")))
    age = (as_of - rep.report_date).days
    if age < 0:
        out.append(_missing("credit_report_age_days", f"报告日期 {rd} 晚于评估日期", f"report date {rd} is after as_of", ref=ref))
    else:
        out.append(_ok("credit_report_age_days", age, ref, report))
    ctl = rep.controller
    if ctl is None:
        for k in keys[9:]:
            out.append(_missing(k, "征信数据中没有实际控制人报告", "no controller report in the credit bureau data", ref=ref))
    else:
        out.append(_ok("controller_current_overdue_count", ctl.current_overdue_count, ref, report))
        out.append(_ok("controller_current_overdue_amount", money(ctl.current_overdue_amount), ref, report))
        out.append(_ok("controller_max_dpd_24m", _history_stats(ctl, as_of)[1], ref, window))
    return out


# ------------------------------------------------------------------------------------------------
# Judicial
# ------------------------------------------------------------------------------------------------


def _judicial_features(as_of: date, ref: SourceRef | None, rec: JudicialRecord | None) -> list[Feature]:
    keys = ("open_lawsuits_defendant_count", "open_lawsuits_defendant_amount", "dishonest_debtor_flag", "enforcement_count", "enforcement_amount")
    if ref is None or rec is None:
        return [_no_source(k, _J) for k in keys]
    suits = [x for x in rec.lawsuits if x.role == "defendant" and x.open_on(as_of)]
    without = sum(1 for x in suits if not x.amount)
    out = [
        _ok("open_lawsuits_defendant_count", len(suits), ref),
        _ok("open_lawsuits_defendant_amount", money(sum((x.amount for x in suits if x.amount), Decimal(0))), ref,
            Text(f"{without} 件无涉案金额", f"{without} case(s) without an amount")),
    ]
    out.append(_ok("dishonest_debtor_flag", any(x.listed_on(as_of) for x in rec.dishonest_debtor), ref))
    enf = [x for x in rec.enforcements if x.open_on(as_of)]
    out.append(_ok("enforcement_count", len(enf), ref))
    out.append(_ok("enforcement_amount", money(sum((x.amount for x in enf if x.amount), Decimal(0))), ref))
    return out


# ------------------------------------------------------------------------------------------------
# Entry point
# ------------------------------------------------------------------------------------------------


def _keys_for(*kinds: SourceKind) -> tuple[str, ...]:
    return tuple(s.key for s in FEATURE_CATALOGUE if s.source_kind in kinds)


def _malformed(keys: tuple[str, ...], ref: SourceRef, exc: MalformedContent) -> list[Feature]:
    """Every feature of a group, missing because its stored content has the wrong shape."""
    return [
        _missing(
            k,
            f"数据内容格式不符，无法计算（{exc.path or '顶层'}：{exc.problem}）",
            f"source content is malformed; cannot compute ({exc.path or 'top level'}: {exc.problem})",
            ref=ref,
        )
        for k in keys
    ]


def compute_features(
    *,
    as_of: date,
    sources: Mapping[SourceKind, SourceRef],
    facts: EnterpriseFacts,
) -> list[Feature]:
    """All catalogue features, in catalogue order, as at ``as_of``.

    ``sources`` maps each kind to the snapshot to use (typically the latest captured on or
    before ``as_of``); kinds may be absent. Each snapshot's content is loaded into its typed
    record first; content of the wrong shape makes that kind's features missing, with the
    path that is wrong. Raises ValueError when a key does not match its snapshot's kind.
    """
    refs: dict[SourceKind, SourceRef] = {}
    for k, ref in sources.items():
        kind = SourceKind(k)
        if SourceKind(ref.kind) is not kind:
            raise ValueError(f"sources[{kind.value}] holds a {SourceKind(ref.kind).value} snapshot ({ref.snapshot_id})")
        refs[kind] = ref
    records: dict[SourceKind, Any] = {}
    bad: dict[SourceKind, MalformedContent] = {}
    for kind, ref in refs.items():
        try:
            records[kind] = load(kind, ref.content)
        except MalformedContent as exc:
            bad[kind] = exc
    reg, tax, bank, fin, cb, jud = (refs.get(k) for k in (_R, _T, _B, _F, _C, _J))

    def group(kinds: tuple[SourceKind, ...], compute) -> list[Feature]:
        keys = _keys_for(*kinds[:1])
        for kind in kinds:
            if kind in bad:
                return _malformed(keys, refs[kind], bad[kind])
        return compute()

    features: list[Feature] = []
    features += group((_R,), lambda: _registry_features(as_of, reg, records.get(_R), facts))
    features += group((_T, _F), lambda: _tax_and_revenue_features(as_of, tax, records.get(_T), fin, records.get(_F)))
    features += group((_B,), lambda: _bank_features(as_of, bank, records.get(_B)))
    features += group((_F,), lambda: _balance_sheet_features(as_of, fin, records.get(_F)))
    features += group((_C,), lambda: _credit_features(as_of, cb, records.get(_C)))
    features += group((_J,), lambda: _judicial_features(as_of, jud, records.get(_J)))
    features += _facts_features(as_of, facts)

    by_key = {f.key: f for f in features}
    missing = [s.key for s in FEATURE_CATALOGUE if s.key not in by_key]
    if missing or len(by_key) != len(features):  # pragma: no cover - programming error
        raise AssertionError(f"feature set does not match the catalogue: missing {missing}")
    return [by_key[s.key] for s in FEATURE_CATALOGUE]
