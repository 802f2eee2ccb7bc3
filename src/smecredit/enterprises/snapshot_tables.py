"""A data snapshot read as tables, not JSON: for each source kind the facts and the lists a person
checks (registry facts and shareholders; tax periods; financial statements by period; credit
report loans, guarantees and queries; judicial cases; a bank statement's account and totals —
its transactions are paged by the list component). Built from the content *as the viewer may see
it* (masked by `data.content_for` unless revealed): what was masked stays masked here, and a
withheld record says so. Pure: no database, no web; codes are shown by their names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from smecredit.enterprises.connectors.financials import ITEMS_BY_CODE, STATEMENTS
from smecredit.enterprises.connectors.registry import STATUS_LABELS
from smecredit.enterprises.connectors.vocabulary import SourceKind
from smecredit.kernel.money import format_yuan
from smecredit.kernel.text import Text

WITHHELD = Text("已隐藏（个人信用记录，需“查看完整个人信息”）", "Withheld (a person's credit history; reveal to see it)")
NONE = Text("无", "None")

SHAREHOLDER_TYPES = {"natural_person": Text("自然人", "Natural person"), "enterprise": Text("企业", "Enterprise"),
                     "other": Text("其他", "Other")}
CASE_ROLES = {"plaintiff": Text("原告", "Plaintiff"), "defendant": Text("被告", "Defendant"),
              "third_party": Text("第三人", "Third party")}
CASE_STATUS = {"open": Text("未结", "Open"), "closed": Text("已结", "Closed")}
CLASSIFICATIONS = {"normal": Text("正常", "Normal"), "special_mention": Text("关注", "Special mention"),
                   "substandard": Text("次级", "Substandard"), "doubtful": Text("可疑", "Doubtful"), "loss": Text("损失", "Loss")}
DIRECTIONS = {"in": Text("流入", "Inflow"), "out": Text("流出", "Outflow")}
UNITS = {"yuan": Text("元", "yuan"), "thousand": Text("千元", "thousand yuan"), "ten_thousand": Text("万元", "10k yuan")}


@dataclass(frozen=True)
class Table:
    key: str
    title: Text
    columns: tuple[Text, ...]
    rows: tuple[tuple[str | Text, ...], ...]
    numeric: frozenset[int] = frozenset()  # right-aligned columns
    empty: Text = NONE
    note: Text | None = None


@dataclass(frozen=True)
class Facts:
    title: Text
    items: tuple[tuple[Text, str | Text], ...]


@dataclass
class SnapshotView:
    facts: list[Facts] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def money(value: Any) -> str:
    """An amount as stored (a decimal string) with separators; empty when there is none."""
    if value is None or value == "":
        return ""
    try:
        return format_yuan(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _label(labels: Mapping[str, Text], code: Any) -> str | Text:
    return labels.get(code, _s(code)) if code is not None else ""


def _list(content: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = content.get(key)
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def registry(content: Mapping[str, Any]) -> SnapshotView:
    status = content.get("status")
    status_text: str | Text = Text(content.get("status_zh") or STATUS_LABELS.get(status, (status, status))[0] or "",
                                   content.get("status_en") or STATUS_LABELS.get(status, (status, status))[1] or "")
    capital = money(content.get("registered_capital"))
    currency = content.get("registered_capital_currency")
    if capital and currency and currency != "CNY":
        capital = f"{capital} ({currency})"
    view = SnapshotView(facts=[Facts(Text("工商登记信息", "Registry facts"), (
        (Text("名称", "Name"), _s(content.get("name"))),
        (Text("统一社会信用代码", "Unified social credit code"), _s(content.get("uscc"))),
        (Text("企业类型", "Type"), _s(content.get("enterprise_type"))),
        (Text("登记状态", "Status"), status_text),
        (Text("成立日期", "Founded"), _s(content.get("founding_date"))),
        (Text("注册资本", "Registered capital"), capital),
        (Text("法定代表人", "Legal representative"), _s(content.get("legal_representative"))),
        (Text("住所", "Address"), _s(content.get("address"))),
        (Text("经营范围", "Business scope"), _s(content.get("business_scope"))),
        (Text("登记机关", "Registration authority"), _s(content.get("registration_authority"))),
    ))])
    view.tables.append(Table("shareholders", Text("股东", "Shareholders"),
                             (Text("股东", "Shareholder"), Text("类型", "Type"), Text("持股比例", "Share"),
                              Text("认缴出资", "Subscribed capital")),
                             tuple((_s(s.get("name")), _label(SHAREHOLDER_TYPES, s.get("type")),
                                    f"{Decimal(str(s['share_pct'])).normalize():f}%" if s.get("share_pct") not in (None, "") else "",
                                    money(s.get("subscribed_capital"))) for s in _list(content, "shareholders")),
                             numeric=frozenset({2, 3})))
    view.tables.append(Table("abnormal_operations", Text("经营异常名录", "Abnormal-operation listings"),
                             (Text("列入日期", "Listed"), Text("原因", "Reason"), Text("决定机关", "Authority"),
                              Text("移出日期", "Removed"), Text("移出原因", "Removal reason")),
                             tuple((_s(a.get("listed_date")), _s(a.get("reason")), _s(a.get("authority")),
                                    _s(a.get("removed_date")), _s(a.get("removal_reason")))
                                   for a in _list(content, "abnormal_operations"))))
    view.tables.append(Table("administrative_penalties", Text("行政处罚", "Administrative penalties"),
                             (Text("决定书文号", "Decision no."), Text("日期", "Date"), Text("机关", "Authority"),
                              Text("事由", "Reason"), Text("罚款金额", "Fine")),
                             tuple((_s(p.get("decision_no")), _s(p.get("date")), _s(p.get("authority")), _s(p.get("reason")),
                                    money(p.get("amount"))) for p in _list(content, "administrative_penalties")),
                             numeric=frozenset({4})))
    view.tables.append(Table("changes", Text("变更记录", "Changes"),
                             (Text("日期", "Date"), Text("事项", "Item"), Text("变更前", "Before"), Text("变更后", "After")),
                             tuple((_s(c.get("date")), _s(c.get("item")), _s(c.get("before")), _s(c.get("after")))
                                   for c in _list(content, "changes"))))
    return view


def tax(content: Mapping[str, Any]) -> SnapshotView:
    periods = sorted(_list(content, "periods"), key=lambda p: str(p.get("start") or p.get("period") or ""), reverse=True)
    view = SnapshotView(facts=[Facts(Text("纳税信息", "Tax facts"), (
        (Text("统一社会信用代码", "Unified social credit code"), _s(content.get("uscc"))),
        (Text("纳税信用等级", "Tax credit grade"), _s(content.get("credit_grade"))),
        (Text("评价年度", "Evaluation year"), _s(content.get("evaluation_year"))),
        (Text("申报期数", "Periods declared"), str(len(periods))),
    ))])
    view.tables.append(Table("periods", Text("各期申报（最近的在前）", "Declarations (newest first)"),
                             (Text("所属期", "Period"), Text("申报收入", "Revenue declared"), Text("实缴税额", "Tax paid")),
                             tuple((_s(p.get("period")), money(p.get("revenue_declared")), money(p.get("tax_paid")))
                                   for p in periods), numeric=frozenset({1, 2})))
    return view


def financial_statements(content: Mapping[str, Any]) -> SnapshotView:
    unit = content.get("unit")
    view = SnapshotView(facts=[Facts(Text("财务报表", "Financial statements"), (
        (Text("原始金额单位", "Unit in the file"), UNITS.get(unit, _s(unit)) if unit else ""),
        (Text("币种", "Currency"), _s(content.get("currency") or "CNY")),
    ))])
    statements = content.get("statements") if isinstance(content.get("statements"), Mapping) else {}
    for code, (zh, en) in STATEMENTS.items():
        entries = [e for e in statements.get(code, []) if isinstance(e, Mapping)]
        entries.sort(key=lambda e: (str(e.get("end") or ""), int(e.get("months") or 0)), reverse=True)
        if not entries:
            view.tables.append(Table(code, Text(zh, en), (Text("项目", "Item"),), ()))
            continue
        items: list[str] = []
        for e in entries:
            for item in (e.get("items") or {}):
                if item not in items:
                    items.append(item)
        order = {c: i for i, c in enumerate(ITEMS_BY_CODE)}
        items.sort(key=lambda c: order.get(c, len(order)))
        columns = (Text("项目", "Item"),) + tuple(Text(_s(e.get("period")), _s(e.get("period"))) for e in entries)
        rows = tuple((Text(ITEMS_BY_CODE[c].name_zh, ITEMS_BY_CODE[c].name_en) if c in ITEMS_BY_CODE else c,
                      *(money((e.get("items") or {}).get(c)) for e in entries)) for c in items)
        view.tables.append(Table(code, Text(zh, en), columns, rows, numeric=frozenset(range(1, len(columns))),
                                 note=Text("金额单位：元", "Amounts in yuan")))
    return view


def _subject(view: SnapshotView, subject: Mapping[str, Any] | None, *, who: Text, prefix: str) -> None:
    if not isinstance(subject, Mapping):
        return
    withheld = set(subject.get("masked_fields") or ())
    overdue = subject.get("current_overdue")
    if "current_overdue" in withheld or not isinstance(overdue, Mapping):
        overdue_text: str | Text = WITHHELD if "current_overdue" in withheld else ""
    else:
        overdue_text = Text(f"{overdue.get('count', 0)} 笔，{money(overdue.get('amount')) or '¥0.00'}",
                            f"{overdue.get('count', 0)}, {money(overdue.get('amount')) or '¥0.00'}")
    totals = subject.get("totals") if isinstance(subject.get("totals"), Mapping) else {}
    worst = totals.get("worst_classification")
    view.facts.append(Facts(who, (
        (Text("名称", "Name"), _s(subject.get("name"))),
        (Text("统一社会信用代码", "Unified social credit code"), _s(subject.get("uscc"))),
        (Text("当前逾期", "Overdue now"), overdue_text),
        (Text("贷款余额合计", "Loan balance"), money(totals.get("loan_balance"))),
        (Text("对外担保余额", "Guarantees given"), money(totals.get("guarantee_exposure"))),
        (Text("最差五级分类", "Worst classification"), _label(CLASSIFICATIONS, worst) if worst else ""),
    )))

    def records(key: str) -> tuple[list[Mapping[str, Any]], Text | None]:
        if key in withheld:
            return [], WITHHELD
        return _list(subject, key), None

    loans, note = records("loans")
    view.tables.append(Table(f"{prefix}loans", Text(f"{who.zh}：贷款", f"{who.en}: loans"),
                             (Text("贷款机构", "Lender"), Text("类型", "Type"), Text("余额", "Balance"),
                              Text("五级分类", "Classification"), Text("发放日", "Start"), Text("到期日", "Maturity"),
                              Text("逾期金额", "Overdue")),
                             tuple((_s(x.get("lender")), _s(x.get("type")), money(x.get("balance")),
                                    _label(CLASSIFICATIONS, x.get("classification")), _s(x.get("start_date")),
                                    _s(x.get("maturity_date")), money(x.get("overdue_amount"))) for x in loans),
                             numeric=frozenset({2, 6}), empty=note or NONE))
    guarantees, note = records("guarantees")
    view.tables.append(Table(f"{prefix}guarantees", Text(f"{who.zh}：对外担保", f"{who.en}: guarantees given"),
                             (Text("被担保人", "Debtor"), Text("债权人", "Creditor"), Text("担保金额", "Amount"),
                              Text("余额", "Balance"), Text("到期日", "Maturity")),
                             tuple((_s(g.get("debtor")), _s(g.get("creditor")), money(g.get("amount")), money(g.get("balance")),
                                    _s(g.get("maturity_date"))) for g in guarantees),
                             numeric=frozenset({2, 3}), empty=note or NONE))
    history, note = records("overdue_history")
    late = [h for h in history if (h.get("max_dpd") or 0) > 0]
    view.tables.append(Table(f"{prefix}overdue_history", Text(f"{who.zh}：逾期月份", f"{who.en}: months overdue"),
                             (Text("月份", "Month"), Text("最长逾期天数", "Max days past due")),
                             tuple((_s(h.get("month")), _s(h.get("max_dpd"))) for h in late), numeric=frozenset({1}),
                             empty=note or Text(f"报告期内 {len(history)} 个月无逾期", f"No month overdue in the {len(history)} reported")))
    queries, note = records("queries")
    view.tables.append(Table(f"{prefix}queries", Text(f"{who.zh}：查询记录", f"{who.en}: queries"),
                             (Text("日期", "Date"), Text("原因", "Reason"), Text("查询机构", "Institution")),
                             tuple((_s(q.get("date")), _s(q.get("reason")), _s(q.get("institution"))) for q in queries),
                             empty=note or NONE))


def credit_bureau(content: Mapping[str, Any]) -> SnapshotView:
    view = SnapshotView(facts=[Facts(Text("征信报告", "Credit report"), (
        (Text("报告日期", "Report date"), _s(content.get("report_date"))),
        (Text("报告编号", "Report no."), _s(content.get("report_no"))),
    ))])
    _subject(view, content.get("enterprise"), who=Text("企业", "Enterprise"), prefix="")
    _subject(view, content.get("controller"), who=Text("实际控制人", "Actual controller"), prefix="controller_")
    return view


def judicial(content: Mapping[str, Any]) -> SnapshotView:
    view = SnapshotView(facts=[Facts(Text("司法信息", "Judicial records"), (
        (Text("名称", "Name"), _s(content.get("name"))),
        (Text("统一社会信用代码", "Unified social credit code"), _s(content.get("uscc"))),
    ))])
    view.tables.append(Table("lawsuits", Text("诉讼", "Lawsuits"),
                             (Text("案号", "Case no."), Text("身份", "Role"), Text("案由", "Cause"), Text("金额", "Amount"),
                              Text("状态", "Status"), Text("立案日", "Filed"), Text("结案日", "Closed"), Text("法院", "Court")),
                             tuple((_s(x.get("case_no")), _label(CASE_ROLES, x.get("role")), _s(x.get("cause")),
                                    money(x.get("amount")), _label(CASE_STATUS, x.get("status")), _s(x.get("filed_date")),
                                    _s(x.get("closed_date")), _s(x.get("court"))) for x in _list(content, "lawsuits")),
                             numeric=frozenset({3})))
    view.tables.append(Table("enforcements", Text("被执行", "Enforcement"),
                             (Text("案号", "Case no."), Text("法院", "Court"), Text("金额", "Amount"), Text("状态", "Status"),
                              Text("立案日", "Filed"), Text("结案日", "Closed")),
                             tuple((_s(x.get("case_no")), _s(x.get("court")), money(x.get("amount")),
                                    _label(CASE_STATUS, x.get("status")), _s(x.get("filed_date")), _s(x.get("closed_date")))
                                   for x in _list(content, "enforcements")), numeric=frozenset({2})))
    view.tables.append(Table("dishonest_debtor", Text("失信被执行人", "Dishonest-debtor list"),
                             (Text("案号", "Case no."), Text("法院", "Court"), Text("发布日", "Published"),
                              Text("义务", "Obligation"), Text("履行情况", "Performance"), Text("移除日", "Removed")),
                             tuple((_s(x.get("case_no")), _s(x.get("court")), _s(x.get("published_date")),
                                    _s(x.get("obligation")), _s(x.get("performance")), _s(x.get("removed_date")))
                                   for x in _list(content, "dishonest_debtor"))))
    return view


def bank_statement(content: Mapping[str, Any]) -> SnapshotView:
    account = content.get("account") if isinstance(content.get("account"), Mapping) else {}
    totals = content.get("totals") if isinstance(content.get("totals"), Mapping) else {}
    return SnapshotView(facts=[Facts(Text("账户与汇总", "Account and totals"), (
        (Text("开户行", "Bank"), _s(account.get("bank") or content.get("bank_name"))),
        (Text("户名", "Account name"), _s(account.get("account_name"))),
        (Text("账号", "Account number"), _s(account.get("account_number"))),
        (Text("币种", "Currency"), _s(content.get("currency") or account.get("currency") or "CNY")),
        (Text("期间", "Period"), Text(f"{_s(content.get('first_date'))} 至 {_s(content.get('last_date'))}",
                                      f"{_s(content.get('first_date'))} to {_s(content.get('last_date'))}")),
        (Text("交易笔数", "Transactions"), _s(content.get("row_count"))),
        (Text("流入合计", "Total inflow"), money(totals.get("inflow"))),
        (Text("流出合计", "Total outflow"), money(totals.get("outflow"))),
        (Text("净流入", "Net"), money(totals.get("net"))),
    ))])


VIEWS = {
    SourceKind.REGISTRY: registry, SourceKind.TAX: tax, SourceKind.FINANCIAL_STATEMENTS: financial_statements,
    SourceKind.CREDIT_BUREAU: credit_bureau, SourceKind.JUDICIAL: judicial, SourceKind.BANK_STATEMENT: bank_statement,
}


def view_of(kind: SourceKind | str, content: Mapping[str, Any]) -> SnapshotView:
    """The facts and tables of one snapshot's (possibly masked) content."""
    return VIEWS[SourceKind(kind)](content if isinstance(content, Mapping) else {})


def transactions(content: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A bank statement's transactions, newest first (file order kept within a day)."""
    rows = _list(content, "rows")
    indexed = list(enumerate(rows))
    indexed.sort(key=lambda pair: (str(pair[1].get("date") or ""), pair[0]), reverse=True)
    return [row for _, row in indexed]


def row_cells(table: Table, lang: str) -> Sequence[Sequence[str]]:
    return [[c.pick(lang) if isinstance(c, Text) else c for c in row] for row in table.rows]
