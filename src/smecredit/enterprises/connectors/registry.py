"""工商登记 (business registry) importer: JSON.

See docs/data-formats.md §registry for the format. Shareholder percentages must each be in
0–100 and sum to at most 100 (to 0.0001).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from smecredit.kernel.text import Text

from .fields import FieldReader, money_str, read_uscc
from .readers import load_json
from .vocabulary import ErrorCollector, ImportLimits, ParsedSource, SourceKind, make_parsed

SCHEMA = "smecredit.registry/1"

#: Registration status: accepted texts → code.
STATUS_OPTIONS: dict[str, str] = {
    "存续": "active",
    "在业": "active",
    "开业": "active",
    "正常": "active",
    "active": "active",
    "在营": "active",
    "吊销": "revoked",
    "吊销，未注销": "revoked",
    "吊销未注销": "revoked",
    "revoked": "revoked",
    "注销": "cancelled",
    "已注销": "cancelled",
    "cancelled": "cancelled",
    "迁出": "moved_out",
    "moved_out": "moved_out",
    "停业": "suspended",
    "歇业": "suspended",
    "suspended": "suspended",
    "清算": "liquidation",
    "清算中": "liquidation",
    "liquidation": "liquidation",
}

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "active": ("存续（在业）", "Active"),
    "revoked": ("吊销", "Licence revoked"),
    "cancelled": ("注销", "Deregistered"),
    "moved_out": ("迁出", "Moved out"),
    "suspended": ("停业（歇业）", "Suspended"),
    "liquidation": ("清算", "In liquidation"),
}

SHAREHOLDER_TYPES: dict[str, str] = {
    "natural_person": "natural_person",
    "自然人": "natural_person",
    "自然人股东": "natural_person",
    "enterprise": "enterprise",
    "企业法人": "enterprise",
    "法人": "enterprise",
    "法人股东": "enterprise",
    "企业": "enterprise",
    "other": "other",
    "其他": "other",
    "合伙企业": "other",
    "国有": "other",
}

_TOP_KEYS = {
    "format",
    "name",
    "uscc",
    "status",
    "enterprise_type",
    "registered_capital",
    "registered_capital_currency",
    "founding_date",
    "legal_representative",
    "address",
    "business_scope",
    "registration_authority",
    "shareholders",
    "changes",
    "abnormal_operations",
    "administrative_penalties",
}

HUNDRED = Decimal(100)


def parse_registry(data: bytes, *, filename: str, limits: ImportLimits | None = None) -> ParsedSource:
    """Parse a 工商登记 JSON document into a normalised :class:`ParsedSource`."""
    errors = ErrorCollector(SourceKind.REGISTRY, filename)
    doc = load_json(data, errors, limits=limits)
    r = FieldReader(errors)
    top = r.obj(doc, "")
    if top is None:
        raise errors.reject()
    r.unknown_keys(top, _TOP_KEYS, "")

    name = r.string(top, "name", "", max_len=200)
    uscc = read_uscc(r, top, "uscc", "")
    status = r.choice(top, "status", "", STATUS_OPTIONS)
    enterprise_type = r.string(top, "enterprise_type", "", required=False, max_len=100)
    capital = r.amount(top, "registered_capital", "")
    currency = r.string(top, "registered_capital_currency", "", required=False, max_len=10) or "CNY"
    founding = r.date(top, "founding_date", "")
    legal_rep = _legal_rep(r, top)
    address = r.string(top, "address", "", required=False, max_len=300)
    scope = r.string(top, "business_scope", "", required=False, max_len=4000, multiline=True)
    authority = r.string(top, "registration_authority", "", required=False, max_len=200)

    shareholders = []
    total_pct = Decimal(0)
    all_pct_ok = True
    for i, item in enumerate(r.list(top, "shareholders", "")):
        p = f"shareholders[{i}]"
        sh = r.obj(item, p)
        if sh is None:
            all_pct_ok = False
            continue
        sh_name = r.string(sh, "name", p, max_len=200)
        sh_type = r.choice(sh, "type", p, SHAREHOLDER_TYPES, required=False, default="other")
        pct = r.decimal(sh, "share_pct", p, minimum=Decimal(0), maximum=HUNDRED, places=4)
        subscribed = r.amount(sh, "subscribed_capital", p, required=False)
        if pct is None:
            all_pct_ok = False
        else:
            total_pct += pct
        shareholders.append(
            {
                "name": sh_name,
                "type": sh_type,
                "share_pct": None if pct is None else f"{pct:f}",
                "subscribed_capital": None if subscribed is None else money_str(subscribed),
            }
        )
    if total_pct > HUNDRED:
        valid_zh = "" if all_pct_ok else "（仅计有效的比例）"
        valid_en = "" if all_pct_ok else " (valid percentages only)"
        errors.add(
            None,
            "shareholders",
            f"股东持股比例合计 {total_pct.normalize():f}% 超过 100%{valid_zh}",
            f"shareholder percentages add up to {total_pct.normalize():f}%{valid_en}, more than 100%",
        )

    changes = []
    for p, ch in r.objects(top, "changes", ""):
        d = r.date(ch, "date", p)
        changes.append(
            {
                "date": d.isoformat() if d else None,
                "item": r.string(ch, "item", p, max_len=200),
                "before": r.string(ch, "before", p, required=False, max_len=2000, multiline=True),
                "after": r.string(ch, "after", p, required=False, max_len=2000, multiline=True),
            }
        )

    abnormal = []
    for p, ab in r.objects(top, "abnormal_operations", ""):
        listed = r.date(ab, "listed_date", p)
        removed = r.date(ab, "removed_date", p, required=False)
        if listed and removed and removed < listed:
            errors.add(None, f"{p}.removed_date", "移出日期早于列入日期", "removed_date is before listed_date")
        abnormal.append(
            {
                "listed_date": listed.isoformat() if listed else None,
                "reason": r.string(ab, "reason", p, max_len=500, multiline=True),
                "authority": r.string(ab, "authority", p, required=False, max_len=200),
                "removed_date": removed.isoformat() if removed else None,
                "removal_reason": r.string(ab, "removal_reason", p, required=False, max_len=500, multiline=True),
            }
        )

    penalties = []
    for p, pe in r.objects(top, "administrative_penalties", ""):
        d = r.date(pe, "date", p)
        amount = r.amount(pe, "amount", p, required=False)
        penalties.append(
            {
                "decision_no": r.string(pe, "decision_no", p, max_len=200),
                "date": d.isoformat() if d else None,
                "authority": r.string(pe, "authority", p, required=False, max_len=200),
                "reason": r.string(pe, "reason", p, max_len=1000, multiline=True),
                "amount": None if amount is None else money_str(amount),
            }
        )

    if founding:
        for i, ch in enumerate(changes):
            if ch["date"] and ch["date"] < founding.isoformat():
                errors.add(None, f"changes[{i}].date", "变更日期早于成立日期", "change date is before the founding date")

    errors.raise_if_any()
    assert status is not None and founding is not None and capital is not None

    changes.sort(key=lambda c: c["date"])
    abnormal.sort(key=lambda a: a["listed_date"])
    penalties.sort(key=lambda x: x["date"])
    content: dict[str, Any] = {
        "schema": SCHEMA,
        "name": name,
        "uscc": uscc,
        "status": status,
        "status_zh": STATUS_LABELS[status][0],
        "status_en": STATUS_LABELS[status][1],
        "enterprise_type": enterprise_type,
        "registered_capital": money_str(capital),
        "registered_capital_currency": currency.upper(),
        "founding_date": founding.isoformat(),
        "legal_representative": legal_rep,
        "address": address,
        "business_scope": scope,
        "registration_authority": authority,
        "shareholders": shareholders,
        "changes": changes,
        "abnormal_operations": abnormal,
        "administrative_penalties": penalties,
    }
    current_abnormal = sum(1 for a in abnormal if a["removed_date"] is None)
    summary = Text(
        f"{name}，{STATUS_LABELS[status][0]}，成立于 {founding.isoformat()}，股东 {len(shareholders)} 名，"
        f"经营异常 {current_abnormal} 条（未移出），行政处罚 {len(penalties)} 条",
        f"{name}, {STATUS_LABELS[status][1].lower()}, founded {founding.isoformat()}, "
        f"{len(shareholders)} shareholder(s), {current_abnormal} abnormal-operation record(s) in force, "
        f"{len(penalties)} administrative penalt{'y' if len(penalties) == 1 else 'ies'}",
    )
    return make_parsed(SourceKind.REGISTRY, content, summary, errors.warnings, subject_uscc=uscc)


def _legal_rep(r: FieldReader, top: dict) -> str | None:
    value = top.get("legal_representative")
    if isinstance(value, dict):
        return r.string(value, "name", "legal_representative", max_len=100)
    return r.string(top, "legal_representative", "", max_len=100)
