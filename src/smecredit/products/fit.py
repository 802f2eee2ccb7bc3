"""Matching (智能匹配) as pure arithmetic: one product definition, the enterprise's features and the
stated need in; eligible or not with every reason (the actual value filled in), the indicative
limit with its inputs, the indicative rate range and the payment mode out. `rank` orders them.

A product is **eligible** when the amount and term asked for are within its ranges, every
eligibility rule holds, and its limit method does not put the limit below the product's minimum.
A rule that reads a feature the enterprise has no data for is not guessed: the product is not
eligible *yet*, and the reason names the data to provide (``kind="missing"``).

**The rate range** is the LPR on the date (1-year, or 5-year-plus for terms over 60 months) plus
the product's spread range.

**The ranking rule** (eligible products only; ineligible ones have no rank):

1. products whose indicative limit covers the amount asked for come first; then those with a
   smaller limit, the larger limit first; then those whose limit needs inputs not given yet;
2. within a group, the lower minimum rate first;
3. then the fewer required documents (for the product's lightest guarantee mode);
4. then the product code, so the order is stable.

Pure: no database, no web.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from smecredit.enterprises.connectors.registry import STATUS_LABELS
from smecredit.enterprises.connectors.vocabulary import SourceKind
from smecredit.kernel.errors import Collector, Invalid
from smecredit.kernel.inputs import clean_text
from smecredit.kernel.money import to_money
from smecredit.kernel.text import Text
from smecredit.products import eligibility, limits
from smecredit.products.definition import MAX_TERM_MONTHS, ProductDefinition
from smecredit.products.eligibility import VARIABLES


@dataclass(frozen=True)
class Need:
    amount: Decimal
    term_months: int
    purpose: str
    inputs: Mapping[str, Decimal] = field(default_factory=dict)  # typed limit inputs (order_value …)


@dataclass(frozen=True)
class Reason:
    code: str
    message: Text
    kind: str  # terms | failed | missing | error | input | note
    missing: tuple[str, ...] = ()  # feature keys (or typed input keys) the enterprise should provide


@dataclass(frozen=True)
class MatchResult:
    product_code: str
    product_version: int
    version_id: int
    name: Text
    kind: str
    eligible: bool
    reasons: tuple[Reason, ...]
    indicative_limit: Decimal | None
    limit: limits.LimitResult | None
    rate_min: Decimal | None
    rate_max: Decimal | None
    tenor: str
    reference_rate: Decimal
    payment_mode: str
    rank: int | None = None

    @property
    def limit_inputs(self) -> tuple[limits.InputValue, ...]:
        return self.limit.inputs if self.limit else ()


# --- the need --------------------------------------------------------------------------------------------

NEED_LABELS = {k: label for k, (label, _unit) in eligibility.NEED_FIELDS.items()}


def need_of(amount: Any, term_months: Any, purpose: Any, inputs: Mapping[str, Any] | None = None) -> Need:
    """The stated need, checked (every bad field at once)."""
    errors = Collector()

    def _amount(value, field_name):
        if value is None or value == "":
            raise Invalid("required", Text(f"请填写{NEED_LABELS['amount'].zh}", "The amount is required"), field_name)
        found = to_money(value, field=field_name, exact=True) if not isinstance(value, float) else None
        if found is None:
            raise Invalid("float_number", Text("金额请写成字符串", "Write amounts as strings"), field_name)
        if found <= 0:
            raise Invalid("amount_not_positive", Text("金额须大于 0", "The amount must be above zero"), field_name)
        return found

    def _term(value):
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
            raise Invalid("invalid_term", Text("期限须为整月数", "The term is a whole number of months"), "term_months")
        months = int(str(value).strip())
        if not 1 <= months <= MAX_TERM_MONTHS:
            raise Invalid("out_of_range", Text(f"期限须在 1 至 {MAX_TERM_MONTHS} 个月之间", f"The term is 1 to {MAX_TERM_MONTHS} months"),
                          "term_months")
        return months

    clean_amount = errors.check(_amount, amount, "amount")
    months = errors.check(_term, term_months)
    text = errors.check(clean_text, purpose if isinstance(purpose, str) or purpose is None else str(purpose), "purpose",
                        required=True, max_len=200, label=NEED_LABELS["purpose"])
    typed: dict[str, Decimal] = {}
    known = {i.key: i for m in limits.METHODS.values() for i in m.typed_inputs}
    for key, value in (inputs or {}).items():
        if value is None or value == "":
            continue
        if key not in known:
            errors.errors.append(Invalid("unknown_field", Text(f"未知的测算要素：{key}", f"Unknown limit input: {key}"), f"inputs.{key}"))
            continue
        if known[key].unit == "days":
            got = errors.check(_days, value, f"inputs.{key}")
        else:
            got = errors.check(_nonnegative, value, f"inputs.{key}")
        if got is not None:
            typed[key] = got
    errors.raise_if_any()
    return Need(clean_amount, months, text, typed)


def _nonnegative(value: Any, field_name: str) -> Decimal:
    if isinstance(value, float):
        raise Invalid("float_number", Text("金额请写成字符串", "Write amounts as strings"), field_name)
    found = to_money(value, field=field_name, exact=True)
    if found < 0:
        raise Invalid("negative_amount", Text("不能为负数", "Must not be negative"), field_name)
    return found


def _days(value: Any, field_name: str) -> Decimal:
    found = _nonnegative(value, field_name)
    if found > 3650:
        raise Invalid("out_of_range", Text("天数须在 0 至 3650 之间", "Days are 0 to 3650"), field_name)
    return found


# --- showing values --------------------------------------------------------------------------------------

def _money(value: Decimal) -> Text:
    return Text(f"{value:,.2f} 元", f"{value:,.2f} yuan")


def format_value(unit: str, value: Any, key: str | None = None) -> Text:
    """A feature's value for people, in both languages (codes by their names)."""
    if value is None:
        return Text("（无数据）", "(no data)")
    if unit == "CNY":
        return _money(Decimal(value))
    if unit == "ratio":
        pct = (Decimal(value) * 100).quantize(Decimal("0.01"))
        return Text(f"{pct}%", f"{pct}%")
    if unit == "percent":
        return Text(f"{value}%", f"{value}%")
    if unit == "years" and key == "controller_age":  # a person's age is counted in 周岁, not 年
        return Text(f"{value} 周岁", f"{value} years old")
    if unit == "years":
        return Text(f"{value} 年", f"{value} years")
    if unit == "days":
        return Text(f"{value} 天", f"{value} days")
    if unit == "months":
        return Text(f"{value} 个月", f"{value} months")
    if unit == "persons":
        return Text(f"{value} 人", f"{value} people")
    if unit == "times":
        return Text(f"{value} 倍", f"{value} times")
    if unit == "flag":
        return Text("是", "yes") if value else Text("否", "no")
    if unit == "code" and key == "registry_status":
        zh, en = STATUS_LABELS.get(str(value), ("（未知）", "(unknown)"))
        return Text(zh, en)
    return Text(str(value), str(value))


def fill(template: Text, values: Mapping[str, Any]) -> Text:
    """The reason with each ``{feature}`` replaced by the enterprise's actual value."""
    def one(text: str, lang: str) -> str:
        def put(match: re.Match) -> str:
            key = match.group(1)
            variable = VARIABLES.get(key)
            return format_value(variable.unit if variable else "", values.get(key), key).pick(lang)
        return re.sub(r"\{([^{}]*)\}", put, text)
    return Text(one(template.zh, "zh"), one(template.en, "en"))


def data_needed(keys: Sequence[str]) -> Text:
    """纳税信用等级（税务数据）、经营年限（工商登记数据） — what to provide, by source."""
    parts = []
    for key in keys:
        variable = VARIABLES.get(key)
        if variable is None:
            continue
        if variable.source_kind:
            source = SourceKind(variable.source_kind)
            parts.append(Text(f"{variable.label.zh}（{source.label_zh}数据）", f"{variable.label.en} ({source.label_en.lower()} data)"))
        elif variable.record:
            parts.append(Text(f"{variable.label.zh}（在企业资料中登记上下游）", f"{variable.label.en} (list counterparties on the enterprise's record)"))
        else:
            parts.append(Text(f"{variable.label.zh}（企业基本信息）", f"{variable.label.en} (the enterprise's facts)"))
    return Text.join(parts, sep_zh="、", sep_en=", ")


# --- one product -----------------------------------------------------------------------------------------

def _terms(d: ProductDefinition, need: Need) -> list[Reason]:
    out = []
    if need.amount > d.max_amount:
        out.append(Reason("amount_above_max", Text(f"申请金额 {need.amount:,.2f} 元超过本产品最高额度 {d.max_amount:,.2f} 元",
                                                   f"The amount asked for, {need.amount:,.2f} yuan, is above the product's maximum {d.max_amount:,.2f}"),
                          "terms"))
    if need.amount < d.min_amount:
        out.append(Reason("amount_below_min", Text(f"申请金额 {need.amount:,.2f} 元低于本产品最低额度 {d.min_amount:,.2f} 元",
                                                   f"The amount asked for, {need.amount:,.2f} yuan, is below the product's minimum {d.min_amount:,.2f}"),
                          "terms"))
    if not d.min_term_months <= need.term_months <= d.max_term_months:
        out.append(Reason("term_out_of_range", Text(f"申请期限 {need.term_months} 个月，本产品期限为 {d.min_term_months}—{d.max_term_months} 个月",
                                                    f"A term of {need.term_months} months; the product lends for {d.min_term_months} to {d.max_term_months} months"),
                          "terms"))
    return out


def context_of(features: Mapping[str, Any], need: Need):
    """The CEL context of one enterprise and one need (built once for every product's rules)."""
    context = {k: eligibility.cel_value(v) for k, v in features.items() if v is not None and k in eligibility.FEATURE_KEYS}
    context["need"] = {"amount": eligibility.cel_value(need.amount), "term_months": eligibility.cel_value(need.term_months),
                       "purpose": need.purpose}
    return eligibility.context_of(context)


def _rules(d: ProductDefinition, features: Mapping[str, Any], need: Need, context) -> list[Reason]:
    out = []
    values = {**features, "need.amount": need.amount, "need.term_months": need.term_months, "need.purpose": need.purpose}
    for rule in d.rules:
        absent = [k for k in eligibility.names_in(rule.expression) if not k.startswith("need.") and features.get(k) is None]
        if absent:
            what = data_needed(absent)
            out.append(Reason(rule.code, Text(f"无法判断「{rule.requirement.zh}」：缺少{what.zh}，请补充后再匹配",
                                              f"Cannot check \u201c{rule.requirement.en}\u201d: {what.en} missing; provide it and match again"),
                              "missing", tuple(absent)))
            continue
        try:
            holds = eligibility.evaluate(rule.expression, context)
        except eligibility.RuleFailure:
            out.append(Reason(rule.code, Text(f"无法判断「{rule.requirement.zh}」：规则计算出错，请联系客户经理",
                                              f"Cannot check \u201c{rule.requirement.en}\u201d: the rule failed; ask a loan officer"), "error"))
            continue
        if not holds:
            out.append(Reason(rule.code, fill(rule.reason, values), "failed"))
    return out


def _limit_reasons(d: ProductDefinition, result: limits.LimitResult) -> list[Reason]:
    out = []
    typed = [m for m in result.missing if m.source == limits.TYPED]
    held = [m for m in result.missing if m.source != limits.TYPED]
    if typed:
        names = Text.join([m.label for m in typed], sep_zh="、", sep_en=", ")
        # Only the first letter lowered: "the IP" stays "the IP".
        en = names.en[:1].lower() + names.en[1:]
        out.append(Reason("limit_input_needed", Text(f"请填写{names.zh}以测算额度", f"Enter {en} to estimate the limit"),
                          "input", tuple(m.key for m in typed)))
    if held:
        what = data_needed([m.key for m in held])
        out.append(Reason("limit_data_missing", Text(f"测算额度缺少{what.zh}", f"The limit needs {what.en}"), "missing",
                          tuple(m.key for m in held)))
    if result.note is not None:
        out.append(Reason("limit_note", result.note, "note"))
    return out


def _limit_key(d: ProductDefinition) -> tuple:
    return d.limit.method, tuple(sorted((k, repr(v)) for k, v in d.limit.params.items()))


def evaluate(*, version_id: int, version: int, definition: ProductDefinition, features: Mapping[str, Any], need: Need,
             reference_rates: Mapping[str, Decimal], context=None, limit_cache: dict | None = None) -> MatchResult:
    """One product. ``context`` (from `context_of`) and ``limit_cache`` let `match_all` share the
    CEL context and the limits of products with the same method and parameters."""
    d = definition
    reasons = _terms(d, need) + _rules(d, features, need, context if context is not None else context_of(features, need))
    eligible = not reasons
    tenor = d.pricing.tenor_for(need.term_months)
    reference = reference_rates[tenor]
    key = _limit_key(d)
    if limit_cache is not None and key in limit_cache:
        limit_result = limit_cache[key]
    else:
        limit_result = limits.compute(d.limit.method, d.limit.params, features, need.inputs)
        if limit_cache is not None:
            limit_cache[key] = limit_result
    indicative = None
    if eligible:
        reasons += _limit_reasons(d, limit_result)
        if limit_result.amount is not None:
            indicative = min(limit_result.amount, d.max_amount)
            if indicative < d.min_amount:
                eligible = False
                reasons.append(Reason("limit_below_min", Text(f"测算额度 {indicative:,.2f} 元低于本产品最低额度 {d.min_amount:,.2f} 元",
                                                              f"The estimated limit, {indicative:,.2f} yuan, is below the product's minimum {d.min_amount:,.2f}"),
                                      "failed"))
                indicative = None
            elif indicative < need.amount:
                reasons.append(Reason("limit_below_amount", Text(f"测算额度 {indicative:,.2f} 元低于申请金额 {need.amount:,.2f} 元",
                                                                 f"The estimated limit, {indicative:,.2f} yuan, is below the amount asked for ({need.amount:,.2f})"),
                                      "note"))
    return MatchResult(
        product_code=d.code, product_version=version, version_id=version_id, name=d.name, kind=d.kind, eligible=eligible,
        reasons=tuple(reasons), indicative_limit=indicative, limit=limit_result if eligible else None,
        rate_min=reference + d.pricing.spread_min if eligible else None,
        rate_max=reference + d.pricing.spread_max if eligible else None,
        tenor=tenor, reference_rate=reference, payment_mode=d.payment_mode(need.amount))


def _documents(d: ProductDefinition) -> int:
    return min((sum(1 for i in items if i.required) for items in d.checklist.values()), default=0)


def rank(results: Sequence[MatchResult], definitions: Mapping[str, ProductDefinition], need: Need) -> list[MatchResult]:
    """Eligible products ranked 1, 2, … by the rule in the module's note, then the ineligible ones
    (no rank) in product-code order."""
    def key(r: MatchResult):
        if r.indicative_limit is None:
            group, size = 2, Decimal(0)
        elif r.indicative_limit >= need.amount:
            group, size = 0, Decimal(0)
        else:
            group, size = 1, -r.indicative_limit
        return (group, size, r.rate_min, _documents(definitions[r.product_code]), r.product_code)

    eligible = sorted((r for r in results if r.eligible), key=key)
    others = sorted((r for r in results if not r.eligible), key=lambda r: r.product_code)
    return [replace(r, rank=i) for i, r in enumerate(eligible, 1)] + others


def match_all(products: Sequence[tuple[int, int, ProductDefinition]], features: Mapping[str, Any], need: Need,
              reference_rates: Mapping[str, Decimal]) -> list[MatchResult]:
    """Every product (version id, version number, definition) for one enterprise and one need."""
    context, cache = context_of(features, need), {}
    results = [evaluate(version_id=vid, version=number, definition=d, features=features, need=need,
                        reference_rates=reference_rates, context=context, limit_cache=cache)
               for vid, number, d in products]
    return rank(results, {d.code: d for _, _, d in products}, need)

