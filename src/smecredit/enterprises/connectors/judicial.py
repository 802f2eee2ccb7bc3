"""司法 (judicial records) importer: JSON.

Lawsuits (诉讼), enforcement records (被执行人) and dishonest-debtor entries (失信被执行人).
See docs/data-formats.md §judicial.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from smecredit.kernel.text import Text

from .fields import FieldReader, money_str, read_uscc
from .readers import load_json
from .vocabulary import ErrorCollector, ImportLimits, ParsedSource, SourceKind, make_parsed

SCHEMA = "smecredit.judicial/1"

ROLES: dict[str, str] = {
    "plaintiff": "plaintiff",
    "原告": "plaintiff",
    "上诉人": "plaintiff",
    "申请人": "plaintiff",
    "defendant": "defendant",
    "被告": "defendant",
    "被上诉人": "defendant",
    "被申请人": "defendant",
    "third_party": "third_party",
    "第三人": "third_party",
}
CASE_STATUS: dict[str, str] = {
    "open": "open",
    "审理中": "open",
    "未结案": "open",
    "执行中": "open",
    "未结": "open",
    "closed": "closed",
    "已结案": "closed",
    "结案": "closed",
    "已结": "closed",
    "终本": "closed",
    "执行完毕": "closed",
}

_TOP_KEYS = ("format", "uscc", "name", "lawsuits", "enforcements", "dishonest_debtor")
_LAWSUIT_KEYS = ("case_no", "role", "cause", "amount", "status", "filed_date", "closed_date", "court")
_ENFORCEMENT_KEYS = ("case_no", "court", "amount", "filed_date", "status", "closed_date")
_DISHONEST_KEYS = ("case_no", "court", "published_date", "obligation", "performance", "removed_date")


def parse_judicial(data: bytes, *, filename: str, limits: ImportLimits | None = None) -> ParsedSource:
    """Parse judicial records JSON. Every list may be empty (a clean record)."""
    errors = ErrorCollector(SourceKind.JUDICIAL, filename)
    doc = load_json(data, errors, limits=limits)
    r = FieldReader(errors)
    top = r.obj(doc, "")
    if top is None:
        raise errors.reject()
    r.unknown_keys(top, _TOP_KEYS, "")
    uscc = read_uscc(r, top, "uscc", "", required=False)
    name = r.string(top, "name", "", required=False, max_len=200)
    for key in ("lawsuits", "enforcements", "dishonest_debtor"):
        if key not in top:
            errors.add(None, key, "缺少必填字段（没有记录时请给出空数组 []）", "required field is missing (use [] when there are no records)")

    lawsuits = []
    for p, o in r.objects(top, "lawsuits", "", _LAWSUIT_KEYS):
        filed, closed, status = _case_dates(r, o, p)
        amount = r.amount(o, "amount", p, required=False)
        lawsuits.append(
            {
                "case_no": r.string(o, "case_no", p, max_len=100),
                "role": r.choice(o, "role", p, ROLES),
                "cause": r.string(o, "cause", p, max_len=200),
                "amount": money_str(amount) if amount is not None else None,
                "status": status,
                "filed_date": filed.isoformat() if filed else None,
                "closed_date": closed.isoformat() if closed else None,
                "court": r.string(o, "court", p, required=False, max_len=200),
            }
        )
    _unique_case_nos(r, lawsuits, "lawsuits")

    enforcements = []
    for p, o in r.objects(top, "enforcements", "", _ENFORCEMENT_KEYS):
        filed, closed, status = _case_dates(r, o, p)
        amount = r.amount(o, "amount", p)
        enforcements.append(
            {
                "case_no": r.string(o, "case_no", p, max_len=100),
                "court": r.string(o, "court", p, required=False, max_len=200),
                "amount": money_str(amount) if amount is not None else None,
                "status": status,
                "filed_date": filed.isoformat() if filed else None,
                "closed_date": closed.isoformat() if closed else None,
            }
        )
    _unique_case_nos(r, enforcements, "enforcements")

    dishonest = []
    for p, o in r.objects(top, "dishonest_debtor", "", _DISHONEST_KEYS):
        published = r.date(o, "published_date", p)
        removed = r.date(o, "removed_date", p, required=False)
        if published and removed and removed < published:
            errors.add(None, f"{p}.removed_date", "移除日期早于发布日期", "removed_date is before published_date")
        dishonest.append(
            {
                "case_no": r.string(o, "case_no", p, max_len=100),
                "court": r.string(o, "court", p, required=False, max_len=200),
                "published_date": published.isoformat() if published else None,
                "obligation": r.string(o, "obligation", p, required=False, max_len=1000, multiline=True),
                "performance": r.string(o, "performance", p, required=False, max_len=100),
                "removed_date": removed.isoformat() if removed else None,
            }
        )
    _unique_case_nos(r, dishonest, "dishonest_debtor")
    errors.raise_if_any()

    content: dict[str, Any] = {
        "schema": SCHEMA,
        "uscc": uscc,
        "name": name,
        "lawsuits": sorted(lawsuits, key=lambda x: (x["filed_date"], x["case_no"])),
        "enforcements": sorted(enforcements, key=lambda x: (x["filed_date"], x["case_no"])),
        "dishonest_debtor": sorted(dishonest, key=lambda x: (x["published_date"], x["case_no"])),
    }
    open_def = [x for x in lawsuits if x["status"] == "open" and x["role"] == "defendant"]
    open_def_amount = sum((Decimal(x["amount"]) for x in open_def if x["amount"]), Decimal(0))
    current_dishonest = sum(1 for x in dishonest if x["removed_date"] is None)
    summary = Text(
        f"诉讼 {len(lawsuits)} 件（作为被告未结 {len(open_def)} 件，涉案 {open_def_amount:,.2f} 元），"
        f"被执行 {len(enforcements)} 条，失信被执行人 {current_dishonest} 条（未移除）",
        f"{len(lawsuits)} lawsuit(s) ({len(open_def)} open as defendant, {open_def_amount:,.2f} yuan), "
        f"{len(enforcements)} enforcement record(s), {current_dishonest} dishonest-debtor entr{'y' if current_dishonest == 1 else 'ies'} in force",
    )
    return make_parsed(
        SourceKind.JUDICIAL,
        content,
        summary,
        errors.warnings,
        subject_uscc=uscc,
        subject_note=Text("司法数据没有给出统一社会信用代码", "the judicial records give no USCC"),
    )


def _case_dates(r: FieldReader, o: dict, p: str) -> tuple[date | None, date | None, str | None]:
    """``(filed_date, closed_date, status)`` of a lawsuit or enforcement record, checked together."""
    filed = r.date(o, "filed_date", p)
    closed = r.date(o, "closed_date", p, required=False)
    status = r.choice(o, "status", p, CASE_STATUS)
    if filed and closed and closed < filed:
        r.errors.add(None, f"{p}.closed_date", "结案日期早于立案日期", "closed_date is before filed_date")
    if closed and status == "open":
        r.errors.add(None, f"{p}.status", "有结案日期的案件状态不能为未结", "a case with a closed_date cannot be open")
    return filed, closed, status


def _unique_case_nos(r: FieldReader, items: list[dict[str, Any]], path: str) -> None:
    seen: dict[str, int] = {}
    for i, x in enumerate(items):
        no = x.get("case_no")
        if not no:
            continue
        if no in seen:
            r.errors.add(
                None,
                f"{path}[{i}].case_no",
                f"案号 {no} 与 {path}[{seen[no]}] 重复",
                f"case number {no} duplicates {path}[{seen[no]}]",
            )
        else:
            seen[no] = i
