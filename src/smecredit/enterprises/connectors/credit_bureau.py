"""征信 (credit bureau report) importer: JSON for the enterprise and (optionally) its controller.

Per subject: current overdue (count, amount), overdue history (per month, the maximum days past
due, typically 24 months), outstanding loans (lender, balance, 五级分类), guarantees given and
recent queries (date, reason). See docs/data-formats.md §credit_bureau.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from smecredit.kernel.text import Text

from .fields import FieldReader, money_str, month_index, month_label, read_uscc
from .readers import load_json
from .vocabulary import ErrorCollector, ImportLimits, ParsedSource, SourceKind, make_parsed

SCHEMA = "smecredit.credit_bureau/1"

#: 五级分类: accepted texts → code, in order of severity.
CLASSIFICATIONS: dict[str, str] = {
    "正常": "normal",
    "normal": "normal",
    "关注": "special_mention",
    "special_mention": "special_mention",
    "次级": "substandard",
    "substandard": "substandard",
    "可疑": "doubtful",
    "doubtful": "doubtful",
    "损失": "loss",
    "loss": "loss",
}
CLASSIFICATION_ORDER: tuple[str, ...] = ("normal", "special_mention", "substandard", "doubtful", "loss")

_SUBJECT_KEYS = ("name", "uscc", "current_overdue", "overdue_history", "loans", "guarantees", "queries")
_LOAN_KEYS = ("lender", "type", "balance", "classification", "start_date", "maturity_date", "overdue_amount")
_GUARANTEE_KEYS = ("debtor", "creditor", "amount", "balance", "maturity_date")
_QUERY_KEYS = ("date", "reason", "institution")


def parse_credit_bureau(data: bytes, *, filename: str, limits: ImportLimits | None = None) -> ParsedSource:
    """Parse a 征信 report JSON (``enterprise`` required, ``controller`` optional)."""
    errors = ErrorCollector(SourceKind.CREDIT_BUREAU, filename)
    doc = load_json(data, errors, limits=limits)
    r = FieldReader(errors)
    top = r.obj(doc, "")
    if top is None:
        raise errors.reject()
    r.unknown_keys(top, ("format", "report_date", "report_no", "enterprise", "controller"), "")
    report_date = r.date(top, "report_date", "")
    report_no = r.string(top, "report_no", "", required=False, max_len=100)
    enterprise = _subject(r, top.get("enterprise"), "enterprise", report_date, is_enterprise=True, required=True)
    controller = _subject(r, top.get("controller"), "controller", report_date, is_enterprise=False, required=False)
    errors.raise_if_any()
    assert report_date is not None and enterprise is not None

    content: dict[str, Any] = {
        "schema": SCHEMA,
        "report_date": report_date.isoformat(),
        "report_no": report_no,
        "enterprise": enterprise,
        "controller": controller,
    }
    e = enterprise
    summary = Text(
        f"征信报告 {report_date.isoformat()}：当前逾期 {e['current_overdue']['count']} 笔，"
        f"未结清贷款 {len(e['loans'])} 笔，对外担保 {len(e['guarantees'])} 笔，查询 {len(e['queries'])} 次"
        + ("，含实际控制人报告" if controller else ""),
        f"credit report {report_date.isoformat()}: {e['current_overdue']['count']} current overdue, "
        f"{len(e['loans'])} outstanding loan(s), {len(e['guarantees'])} guarantee(s) given, {len(e['queries'])} query(ies)"
        + ("; includes the controller's report" if controller else ""),
    )
    return make_parsed(
        SourceKind.CREDIT_BUREAU,
        content,
        summary,
        errors.warnings,
        subject_uscc=enterprise.get("uscc"),
        subject_note=Text("征信报告的企业部分没有统一社会信用代码", "the enterprise part of the credit report has no USCC"),
    )


def _subject(
    r: FieldReader,
    raw: Any,
    path: str,
    report_date,
    *,
    is_enterprise: bool,
    required: bool,
) -> dict[str, Any] | None:
    obj = r.obj(raw, path, required=required)
    if obj is None:
        return None
    r.unknown_keys(obj, _SUBJECT_KEYS, path)
    name = r.string(obj, "name", path, required=is_enterprise, max_len=200)
    uscc = read_uscc(r, obj, "uscc", path, required=False) if is_enterprise else None

    co_path = f"{path}.current_overdue"
    co = r.obj(obj.get("current_overdue"), co_path)
    count = amount = None
    if co is not None:
        count = r.integer(co, "count", co_path, minimum=0)
        amount = r.amount(co, "amount", co_path)
        if count == 0 and amount:
            r.errors.add(None, f"{co_path}.amount", "逾期笔数为 0 时逾期金额须为 0", "amount must be 0 when count is 0")
        if count and amount == 0:
            r.errors.add(None, f"{co_path}.amount", "有逾期笔数时逾期金额须大于 0", "amount must be above 0 when count is above 0")

    history: dict[int, int] = {}
    for p, h in r.objects(obj, "overdue_history", path):
        m = r.month(h, "month", p)
        dpd = r.integer(h, "max_dpd", p, minimum=0, maximum=100000)
        if m is None or dpd is None:
            continue
        if report_date is not None and m > month_index(report_date):
            r.errors.add(None, f"{p}.month", f"月份 {month_label(m)} 晚于报告日期", f"month {month_label(m)} is after the report date")
            continue
        if m in history:
            r.errors.add(None, f"{p}.month", f"月份 {month_label(m)} 重复", f"month {month_label(m)} is duplicated")
            continue
        history[m] = dpd

    loans = []
    for p, ln in r.objects(obj, "loans", path, _LOAN_KEYS):
        balance = r.amount(ln, "balance", p)
        overdue_amount = r.amount(ln, "overdue_amount", p, required=False)
        start = r.date(ln, "start_date", p, required=False)
        maturity = r.date(ln, "maturity_date", p, required=False)
        if start and maturity and maturity < start:
            r.errors.add(None, f"{p}.maturity_date", "到期日早于发放日", "maturity_date is before start_date")
        loans.append(
            {
                "lender": r.string(ln, "lender", p, max_len=200),
                "type": r.string(ln, "type", p, required=False, max_len=100),
                "balance": money_str(balance) if balance is not None else None,
                "classification": r.choice(ln, "classification", p, CLASSIFICATIONS),
                "start_date": start.isoformat() if start else None,
                "maturity_date": maturity.isoformat() if maturity else None,
                "overdue_amount": money_str(overdue_amount) if overdue_amount is not None else None,
            }
        )

    guarantees = []
    for p, g in r.objects(obj, "guarantees", path, _GUARANTEE_KEYS):
        amount_g = r.amount(g, "amount", p)
        balance_g = r.amount(g, "balance", p, required=False)
        maturity = r.date(g, "maturity_date", p, required=False)
        guarantees.append(
            {
                "debtor": r.string(g, "debtor", p, max_len=200),
                "creditor": r.string(g, "creditor", p, required=False, max_len=200),
                "amount": money_str(amount_g) if amount_g is not None else None,
                "balance": money_str(balance_g) if balance_g is not None else None,
                "maturity_date": maturity.isoformat() if maturity else None,
            }
        )

    queries = []
    for p, q in r.objects(obj, "queries", path, _QUERY_KEYS):
        d = r.date(q, "date", p)
        if d and report_date and d > report_date:
            r.errors.add(None, f"{p}.date", "查询日期晚于报告日期", "query date is after the report date")
        queries.append(
            {
                "date": d.isoformat() if d else None,
                "reason": r.string(q, "reason", p, max_len=200),
                "institution": r.string(q, "institution", p, required=False, max_len=200),
            }
        )

    if count is None or amount is None:
        return {}
    worst = max((CLASSIFICATION_ORDER.index(x["classification"]) for x in loans if x["classification"]), default=None)
    total_balance = sum((Decimal(x["balance"]) for x in loans if x["balance"] is not None), Decimal(0))
    total_guar = sum(
        (Decimal(g["balance"] if g["balance"] is not None else g["amount"]) for g in guarantees if g["amount"] is not None),
        Decimal(0),
    )
    return {
        "name": name,
        "uscc": uscc,
        "current_overdue": {"count": count, "amount": money_str(amount)},
        "overdue_history": [{"month": month_label(m), "max_dpd": history[m]} for m in sorted(history)],
        "loans": sorted(loans, key=lambda x: (x["lender"] or "", x["start_date"] or "", x["balance"] or "")),
        "guarantees": guarantees,
        "queries": sorted(queries, key=lambda x: x["date"] or ""),
        "totals": {
            "loan_balance": money_str(total_balance),
            "guarantee_exposure": money_str(total_guar),
            "worst_classification": CLASSIFICATION_ORDER[worst] if worst is not None else None,
        },
    }
