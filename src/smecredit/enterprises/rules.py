"""Stage 1's input rules, pure: names and texts, phones, dates, amounts in 元 and 万元, the size
class of the facts given, and the people of an enterprise (who must have an ID, shares, single
roles). Services call these before they write; every failure is an `Invalid` naming its field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from smecredit.kernel.errors import DomainError, Invalid
from smecredit.kernel.inputs import clean_text
from smecredit.kernel.money import MAX_AMOUNT, to_money
from smecredit.kernel.text import Text
from smecredit.standards import sme_size
from smecredit.standards.resident_id import require_valid_resident_id
from smecredit.standards.uscc import require_valid_uscc

WAN = Decimal(10000)
MAX_WAN = MAX_AMOUNT / WAN  # an amount in 万元 is bounded like one in 元
MAX_EMPLOYEES = 10_000_000
PII_FIELDS = ("name", "id_number", "phone", "address")
SINGLE_ROLES = ("legal_rep", "controller", "contact")
ROLE_LABELS: dict[str, Text] = {
    "legal_rep": Text("法定代表人", "Legal representative"),
    "controller": Text("实际控制人", "Actual controller"),
    "shareholder": Text("股东", "Shareholder"),
    "guarantor": Text("担保人", "Guarantor"),
    "contact": Text("联系人", "Contact"),
}
RELATION_LABELS: dict[str, Text] = {"supplier": Text("上游供应商", "Supplier"), "customer": Text("下游客户", "Customer")}
OWNERSHIP_LABELS: dict[str, Text] = {
    "confirmed": Text("已核实", "Confirmed"),
    "pending": Text("待核实", "Awaiting confirmation"),
    "disputed": Text("有争议", "Disputed"),
}
_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,18}[0-9]$")
_SIZE_FIELDS = {sme_size.EMPLOYEES: "employees", sme_size.REVENUE: "revenue_wan", sme_size.ASSETS: "assets_wan"}


def text(value: str | None, field: str, *, required: bool = False, max_len: int = 200, label: Text | None = None) -> str | None:
    return clean_text(value, field, required=required, max_len=max_len, label=label)


def phone(value: str | None, field: str, *, required: bool = False) -> str | None:
    found = text(value, field, required=required, max_len=30)
    if found is not None and not _PHONE.match(found):
        raise Invalid("invalid_phone", Text("电话号码格式不正确（手机号 11 位，或区号-号码）",
                                            "Not a phone number (11-digit mobile, or area code-number)"), field)
    return found


def past_date(value: date | None, field: str, today: date) -> date | None:
    if value is not None and value > today:
        raise Invalid("future_date", Text("日期不能晚于今天", "The date cannot be in the future"), field)
    if value is not None and value.year < 1900:
        raise Invalid("date_out_of_range", Text("日期须在 1900 年之后", "The date must be after 1900"), field)
    return value


def yuan(value: Decimal | None, field: str) -> Decimal | None:
    """An amount in 元: at least 0, below 10^15, quantised to the fen."""
    if value is None:
        return None
    amount = to_money(value, field=field)
    if amount < 0:
        raise Invalid("negative_amount", Text("金额不能为负数", "The amount cannot be negative"), field)
    return amount


def wan(value: Decimal | None, field: str) -> Decimal | None:
    """An amount in 万元, bounded so that it is below 10^15 元 too."""
    if value is None:
        return None
    if not isinstance(value, Decimal) or not value.is_finite() or value.copy_abs() >= MAX_WAN:
        raise Invalid("amount_out_of_range", Text("金额超出允许范围（须小于 1000 亿万元）",
                                                  "The amount is out of range (must be below 10^11 万元)"), field)
    return yuan(value, field)


def employees(value: int | None, field: str = "employees") -> int:
    if value is None:
        raise Invalid("required", Text("请填写从业人员数", "The number of employees is required"), field)
    if not 0 <= value <= MAX_EMPLOYEES:
        raise Invalid("out_of_range", Text(f"从业人员数须在 0–{MAX_EMPLOYEES:,} 之间", f"Employees must be 0–{MAX_EMPLOYEES:,}"), field)
    return value


def size_of(industry: str, employees_, revenue_wan, assets_wan) -> sme_size.SizeResult:
    """划型 of the facts; a missing indicator names the form's field."""
    try:
        return sme_size.classify(sme_size.Industry.parse(industry), employees=employees_,
                                 revenue_wan=revenue_wan, assets_wan=assets_wan)
    except DomainError as error:
        raise error.with_field(_SIZE_FIELDS.get(error.field, error.field))


def uscc(code: str, field: str = "uscc") -> str:
    try:
        return require_valid_uscc(code).code
    except DomainError as error:
        raise error.with_field(field)


def person(role: str, party_type: str, name: str | None, id_number: str | None, phone_: str | None,
           address: str | None, share_pct: Decimal | None, guarantee_amount: Decimal | None,
           *, prefix: str = "") -> dict:
    """A person (or enterprise party) as it will be stored, checked field by field."""
    clean = {
        "role": role, "party_type": party_type,
        "name": text(name, prefix + "name", required=True, max_len=200),
        "phone": phone(phone_, prefix + "phone", required=role == "contact"),
        "address": text(address, prefix + "address", max_len=300),
        "share_pct": share_pct, "guarantee_amount": yuan(guarantee_amount, prefix + "guarantee_amount"),
    }
    number = (id_number or "").strip().upper() or None
    if party_type == "enterprise":
        if role in ("legal_rep", "contact"):
            raise Invalid("person_required", Text("法定代表人和联系人须为自然人",
                                                  "The legal representative and the contact must be natural persons"),
                          prefix + "party_type")
        if number:
            number = uscc(number, prefix + "id_number")
    else:
        if role in ("legal_rep", "controller", "shareholder", "guarantor") and not number:
            raise Invalid("required", Text("须填写公民身份号码", "The resident identity number is required"),
                          prefix + "id_number")
        if number:
            require_valid_resident_id(number, field=prefix + "id_number")
    clean["id_number"] = number
    if role == "shareholder":
        if share_pct is None or not (Decimal(0) < share_pct <= Decimal(100)):
            raise Invalid("invalid_share", Text("持股比例须大于 0 且不超过 100", "Share must be above 0 and at most 100"),
                          prefix + "share_pct")
    elif share_pct is not None:
        raise Invalid("share_not_applicable", Text("只有股东填写持股比例", "Only shareholders have a share"),
                      prefix + "share_pct")
    if role != "guarantor" and clean["guarantee_amount"] is not None:
        raise Invalid("guarantee_not_applicable", Text("只有担保人填写担保金额", "Only guarantors have a guarantee amount"),
                      prefix + "guarantee_amount")
    return clean


def people_invariants(people: Iterable[tuple[str, Decimal | None]], *, changed_role: str) -> None:
    """What must hold for an enterprise's people after any change: one legal representative (at
    least and at most), at most one controller and one contact, shares adding up to at most 100 %.
    ``people``: (role, share) of everyone after the change."""
    rows = list(people)
    counts = {role: sum(1 for r, _ in rows if r == role) for role in SINGLE_ROLES}
    for role in SINGLE_ROLES:
        if counts[role] > 1:
            label = ROLE_LABELS[role]
            raise Invalid("role_taken", Text(f"已登记{label.zh}，请修改现有记录", f"A {label.en.lower()} is already recorded; edit it instead"),
                          "role")
    if counts["legal_rep"] == 0:
        raise Invalid("legal_rep_required", Text("企业须有一名法定代表人：请修改现有法定代表人，而不是删除或改为其他身份",
                                                 "The enterprise must keep one legal representative: edit them instead of "
                                                 "removing them or changing their role"),
                      "role" if changed_role else "person_id")
    total = sum((share or Decimal(0)) for role, share in rows if role == "shareholder")
    if total > Decimal(100):
        raise Invalid("shares_over_100", Text(f"股东持股比例合计 {total}% 超过 100%", f"Shares add up to {total}%, more than 100%"),
                      "share_pct")
