"""A product's definition (贷款产品要素): pure, frozen data, parsed and validated from a dict (a
data file, the editor's JSON, the API's body) and written back (`to_dict`) for storage.

`parse` reports *every* problem at once, each with its field path (``rules[2].expression``,
``checklist.credit[0].accepted``) — an `Invalid` whose ``details["errors"]`` lists them; CEL
expressions that do not compile are refused here with their line and column.

Amounts are yuan (Decimal, to the fen), spreads are percentage points over the LPR (Decimal, two
places: ``"0.50"`` is LPR + 0.50 %), ratios are ratios (``"0.70"``). Floats are refused: write
numbers in definitions as strings, or parse the JSON with ``parse_float=Decimal``.

Pure: no database, no web.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from smecredit.kernel.errors import Invalid
from smecredit.kernel.inputs import clean_text
from smecredit.kernel.money import MAX_AMOUNT
from smecredit.kernel.text import Text
from smecredit.products import eligibility, limits
from smecredit.products.vocabulary import DOCUMENT_KINDS, FILE_TYPES, GUARANTEE_BASE, KINDS, REPAYMENT_METHODS

CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
MAX_TERM_MONTHS = 360
MIN_SPREAD, MAX_SPREAD = Decimal("-3.00"), Decimal("10.00")
MAX_RULES, MAX_ITEMS = 40, 40
LONG_TENOR_ABOVE_MONTHS = 60  # a term over five years is priced off the 5-year-plus LPR


@dataclass(frozen=True)
class ChecklistItem:
    kind: str
    label: Text
    required: bool
    accepted: tuple[str, ...]
    note: Text


@dataclass(frozen=True)
class EligibilityRule:
    code: str
    expression: str
    requirement: Text  # the rule in words ("纳税信用等级 B 及以上")
    reason: Text  # why a failing enterprise fails, with {feature} placeholders for its actual values


@dataclass(frozen=True)
class LimitMethod:
    method: str
    params: Mapping[str, Any]  # Decimal values; tax_multiple also "caps": {grade: Decimal}


@dataclass(frozen=True)
class Pricing:
    spread_min: Decimal  # percentage points over the reference rate
    spread_max: Decimal

    @staticmethod
    def tenor_for(term_months: int) -> str:
        return "5y+" if term_months > LONG_TENOR_ABOVE_MONTHS else "1y"


@dataclass(frozen=True)
class ProductDefinition:
    code: str
    name: Text
    kind: str
    summary: Text
    min_amount: Decimal
    max_amount: Decimal
    min_term_months: int
    max_term_months: int
    repayment_methods: tuple[str, ...]
    guarantee_modes: tuple[str, ...]
    rules: tuple[EligibilityRule, ...]
    limit: LimitMethod
    pricing: Pricing
    entrusted_payment_above: Decimal
    checklist: Mapping[str, tuple[ChecklistItem, ...]] = field(default_factory=dict)

    def payment_mode(self, amount: Decimal) -> str:
        """受托支付 above the policy amount, else 自主支付."""
        return "entrusted" if amount > self.entrusted_payment_above else "self"

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @property
    def sha256(self) -> str:
        return sha256_of(self.to_dict())


# --- writing ---------------------------------------------------------------------------------------

def _num(value: Decimal) -> str:
    return f"{value:f}"


def to_dict(d: ProductDefinition) -> dict[str, Any]:
    """The definition as JSON-ready data (numbers as strings); `parse(to_dict(d)) == d`."""
    params: dict[str, Any] = {}
    for name, value in d.limit.params.items():
        params[name] = {g: _num(v) for g, v in value.items()} if isinstance(value, Mapping) else _num(value)
    return {
        "code": d.code, "name": d.name.as_dict(), "kind": d.kind, "summary": d.summary.as_dict(),
        "min_amount": _num(d.min_amount), "max_amount": _num(d.max_amount),
        "min_term_months": d.min_term_months, "max_term_months": d.max_term_months,
        "repayment_methods": list(d.repayment_methods), "guarantee_modes": list(d.guarantee_modes),
        "rules": [{"code": r.code, "expression": r.expression, "requirement": r.requirement.as_dict(),
                   "reason": r.reason.as_dict()} for r in d.rules],
        "limit": {"method": d.limit.method, "params": params},
        "pricing": {"spread_min": _num(d.pricing.spread_min), "spread_max": _num(d.pricing.spread_max)},
        "entrusted_payment_above": _num(d.entrusted_payment_above),
        "checklist": {mode: [{"kind": i.kind, "label": i.label.as_dict(), "required": i.required,
                              "accepted": list(i.accepted), "note": i.note.as_dict()} for i in items]
                      for mode, items in d.checklist.items()},
    }


def canonical_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256_of(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


# --- reading -----------------------------------------------------------------------------------------

class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, path: str, code: str, message: Text, **extra: Any) -> None:
        self.items.append({"field": path, "code": code, "message": message.as_dict(), **extra})

    def raise_if_any(self) -> None:
        if not self.items:
            return
        first = self.items[0]
        count = len(self.items)
        raise Invalid("invalid_definition",
                      Text(f"产品定义有 {count} 处错误：{first['field']}：{first['message']['zh']}",
                           f"The product definition has {count} error(s): {first['field']}: {first['message']['en']}"),
                      first["field"], {"errors": self.items})


_MISSING = object()


def _get(data: Mapping[str, Any], key: str, path: str, errors: _Errors, kind: type | tuple[type, ...], what: Text):
    value = data.get(key, _MISSING) if isinstance(data, Mapping) else _MISSING
    if value is _MISSING or value is None:
        errors.add(path, "required", Text(f"缺少{what.zh}", f"{what.en} is required"))
        return None
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        errors.add(path, "wrong_type", Text(f"{what.zh}的类型不正确", f"{what.en} has the wrong type"))
        return None
    if not isinstance(value, kind):
        errors.add(path, "wrong_type", Text(f"{what.zh}的类型不正确", f"{what.en} has the wrong type"))
        return None
    return value


def _decimal(value: Any, path: str, errors: _Errors, what: Text, *, places: int = 2, low: Decimal | None = None,
             high: Decimal | None = None) -> Decimal | None:
    if isinstance(value, float):
        errors.add(path, "float_number", Text(f"{what.zh}请写成字符串（如 \"0.50\"）以免精度损失",
                                               f"Write {what.en.lower()} as a string (e.g. \"0.50\"): a float loses precision"))
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        errors.add(path, "wrong_type", Text(f"{what.zh}须为数字", f"{what.en} must be a number"))
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number.copy_abs() >= MAX_AMOUNT:
        errors.add(path, "invalid_number", Text(f"{what.zh}不是有效数字：{value}", f"{what.en} is not a number: {value}"))
        return None
    if number != number.quantize(Decimal(1).scaleb(-places)):
        errors.add(path, "too_many_places", Text(f"{what.zh}最多 {places} 位小数", f"{what.en}: at most {places} decimal places"))
        return None
    number = number.quantize(Decimal(1).scaleb(-places))
    if (low is not None and number < low) or (high is not None and number > high):
        errors.add(path, "out_of_range", Text(f"{what.zh}须在 {low} 至 {high} 之间（收到 {number}）",
                                              f"{what.en} must be between {low} and {high} (got {number})"))
        return None
    return number


def _int(value: Any, path: str, errors: _Errors, what: Text, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        else:
            errors.add(path, "wrong_type", Text(f"{what.zh}须为整数", f"{what.en} must be a whole number"))
            return None
    if not low <= value <= high:
        errors.add(path, "out_of_range", Text(f"{what.zh}须在 {low} 至 {high} 之间（收到 {value}）",
                                              f"{what.en} must be between {low} and {high} (got {value})"))
        return None
    return value


def _text(value: Any, path: str, errors: _Errors, what: Text, *, required: bool = True, max_len: int = 200) -> Text:
    if value is None and not required:
        return Text("", "")
    if not isinstance(value, Mapping):
        errors.add(path, "wrong_type", Text(f"{what.zh}须包含中文（zh）和英文（en）", f"{what.en} needs zh and en"))
        return Text("", "")
    parts = []
    for lang in ("zh", "en"):
        raw = value.get(lang)
        if raw is not None and not isinstance(raw, str):
            errors.add(f"{path}.{lang}", "wrong_type", Text(f"{what.zh}须为文字", f"{what.en} must be text"))
            parts.append("")
            continue
        try:
            parts.append(clean_text(raw, f"{path}.{lang}", required=required, max_len=max_len, label=what) or "")
        except Invalid as error:
            errors.add(error.field or path, error.code, error.message)
            parts.append("")
    return Text(*parts)


def _codes(value: Any, path: str, errors: _Errors, what: Text, valid) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        errors.add(path, "required", Text(f"请至少列出一种{what.zh}", f"List at least one {what.en.lower()}"))
        return ()
    found: list[str] = []
    for i, code in enumerate(value):
        if not isinstance(code, str) or not valid(code):
            errors.add(f"{path}[{i}]", "unknown_code", Text(f"未知的{what.zh}：{code}", f"Unknown {what.en.lower()}: {code}"))
        elif code in found:
            errors.add(f"{path}[{i}]", "duplicate", Text(f"重复的{what.zh}：{code}", f"{what.en} listed twice: {code}"))
        else:
            found.append(code)
    return tuple(found)


def valid_guarantee_mode(mode: str) -> bool:
    """"credit", "mortgage", "credit+guarantee" …: known parts, each once, in the vocabulary's order."""
    parts = mode.split("+")
    order = list(GUARANTEE_BASE)
    return (all(p in GUARANTEE_BASE for p in parts) and len(set(parts)) == len(parts)
            and [order.index(p) for p in parts] == sorted(order.index(p) for p in parts))


_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def placeholders(template: str) -> list[str]:
    return _PLACEHOLDER.findall(template)


def _rules(value: Any, errors: _Errors) -> tuple[EligibilityRule, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        errors.add("rules", "wrong_type", Text("准入规则须为列表", "Rules must be a list"))
        return ()
    if len(value) > MAX_RULES:
        errors.add("rules", "too_many", Text(f"准入规则最多 {MAX_RULES} 条", f"At most {MAX_RULES} rules"))
        return ()
    found: list[EligibilityRule] = []
    codes: set[str] = set()
    for i, raw in enumerate(value):
        path = f"rules[{i}]"
        if not isinstance(raw, Mapping):
            errors.add(path, "wrong_type", Text("每条规则须为对象", "Each rule must be an object"))
            continue
        code = _get(raw, "code", f"{path}.code", errors, str, Text("规则代码", "The rule's code"))
        if code is not None and not CODE.match(code):
            errors.add(f"{path}.code", "invalid_code", Text("规则代码须为小写字母开头的字母、数字或下划线（2—40 位）",
                                                            "A rule code is 2–40 lower-case letters, digits or _ starting with a letter"))
        elif code is not None and code in codes:
            errors.add(f"{path}.code", "duplicate", Text(f"规则代码重复：{code}", f"Rule code used twice: {code}"))
        codes.add(code or "")
        expression = _get(raw, "expression", f"{path}.expression", errors, str, Text("表达式", "The expression"))
        if expression is not None:
            if len(expression) > 1000:
                errors.add(f"{path}.expression", "too_long", Text("表达式最多 1000 个字符", "At most 1000 characters"))
            else:
                try:
                    eligibility.check_rule(expression)
                except eligibility.RuleProblem as problem:
                    extra = {"line": problem.line, "column": problem.column} if problem.line else {}
                    errors.add(f"{path}.expression", problem.code, problem.message, **extra)
        requirement = _text(raw.get("requirement"), f"{path}.requirement", errors, Text("规则说明", "The rule in words"))
        reason = _text(raw.get("reason"), f"{path}.reason", errors, Text("不符合时的原因", "The reason given"), max_len=300)
        for lang in ("zh", "en"):
            for name in placeholders(getattr(reason, lang)):
                if name not in eligibility.VARIABLES:
                    errors.add(f"{path}.reason.{lang}", "unknown_placeholder",
                               Text(f"原因中的占位符 {{{name}}} 不是已知指标", f"Placeholder {{{name}}} is not a known feature"))
        if code and expression is not None:
            found.append(EligibilityRule(code, expression, requirement, reason))
    return tuple(found)


def _limit(value: Any, errors: _Errors) -> LimitMethod | None:
    if not isinstance(value, Mapping):
        errors.add("limit", "required", Text("缺少额度测算方法", "The limit method is required"))
        return None
    code = value.get("method")
    method = limits.METHODS.get(code) if isinstance(code, str) else None
    if method is None:
        errors.add("limit.method", "unknown_code", Text(f"未知的额度测算方法：{code}", f"Unknown limit method: {code}"))
        return None
    raw = value.get("params") or {}
    if not isinstance(raw, Mapping):
        errors.add("limit.params", "wrong_type", Text("参数须为对象", "Parameters must be an object"))
        return None
    params: dict[str, Any] = {}
    for p in method.params:
        if p.name not in raw:
            errors.add(f"limit.params.{p.name}", "required", Text(f"缺少{p.label.zh}", f"{p.label.en} is required"))
            continue
        number = _decimal(raw[p.name], f"limit.params.{p.name}", errors, p.label, places=2, low=p.low, high=p.high)
        if number is not None:
            params[p.name] = number
    known = {p.name for p in method.params} | ({"caps"} if method.caps_by_grade else set())
    for extra in raw:
        if extra not in known:
            errors.add(f"limit.params.{extra}", "unknown_field", Text(f"该方法没有参数 {extra}", f"The method has no parameter {extra}"))
    if method.caps_by_grade:
        caps = raw.get("caps")
        if not isinstance(caps, Mapping) or not caps:
            errors.add("limit.params.caps", "required", Text("请列出各纳税信用等级的额度上限",
                                                             "List the cap for each tax credit grade lent to"))
        else:
            clean: dict[str, Decimal] = {}
            for grade, amount in caps.items():
                if grade not in limits.GRADES:
                    errors.add(f"limit.params.caps.{grade}", "unknown_code", Text(f"未知的纳税信用等级：{grade}",
                                                                                  f"Unknown tax credit grade: {grade}"))
                    continue
                number = _decimal(amount, f"limit.params.caps.{grade}", errors, Text("等级上限", "The grade's cap"),
                                  low=Decimal("0.01"))
                if number is not None:
                    clean[grade] = number
            params["caps"] = {g: clean[g] for g in limits.GRADES if g in clean}
    return LimitMethod(method.code, params)


def _checklist(value: Any, modes: tuple[str, ...], errors: _Errors) -> dict[str, tuple[ChecklistItem, ...]]:
    if not isinstance(value, Mapping):
        errors.add("checklist", "required", Text("缺少材料清单", "The document checklist is required"))
        return {}
    common = value.get("all", [])
    out: dict[str, tuple[ChecklistItem, ...]] = {}
    for mode in value:
        if mode != "all" and mode not in modes:
            errors.add(f"checklist.{mode}", "unknown_mode", Text(f"本产品没有担保方式 {mode}",
                                                                 f"The product offers no guarantee mode {mode}"))
    for mode in modes:
        own = value.get(mode)
        if own is None and "all" not in value:
            errors.add(f"checklist.{mode}", "required", Text("每种担保方式都须有材料清单",
                                                             "Every guarantee mode needs its checklist"))
            continue
        items: list[ChecklistItem] = []
        kinds: set[str] = set()
        for key, raw_items in (("all", common), (mode, own or [])):
            if not isinstance(raw_items, list):
                errors.add(f"checklist.{key}", "wrong_type", Text("材料清单须为列表", "A checklist must be a list"))
                continue
            for i, raw in enumerate(raw_items):
                item = _item(raw, f"checklist.{key}[{i}]", errors)
                if item is None:
                    continue
                if item.kind in kinds and item.kind != "other":
                    errors.add(f"checklist.{key}[{i}].kind", "duplicate", Text(f"材料重复：{item.label.zh}",
                                                                               f"Listed twice: {item.label.en}"))
                    continue
                kinds.add(item.kind)
                items.append(item)
        if len(items) > MAX_ITEMS:
            errors.add(f"checklist.{mode}", "too_many", Text(f"材料最多 {MAX_ITEMS} 项", f"At most {MAX_ITEMS} documents"))
        out[mode] = tuple(items)
    return out


def _item(raw: Any, path: str, errors: _Errors) -> ChecklistItem | None:
    if not isinstance(raw, Mapping):
        errors.add(path, "wrong_type", Text("每项材料须为对象", "Each document must be an object"))
        return None
    kind = raw.get("kind")
    if kind not in DOCUMENT_KINDS:
        errors.add(f"{path}.kind", "unknown_code", Text(f"未知的材料类型：{kind}", f"Unknown document kind: {kind}"))
        return None
    label = (_text(raw["label"], f"{path}.label", errors, Text("材料名称", "The document's name"), max_len=60)
             if raw.get("label") is not None else DOCUMENT_KINDS[kind])
    required = raw.get("required", True)
    if not isinstance(required, bool):
        errors.add(f"{path}.required", "wrong_type", Text("是否必需须为 true 或 false", "required must be true or false"))
        return None
    accepted = _codes(raw.get("accepted"), f"{path}.accepted", errors, Text("文件类型", "File type"), FILE_TYPES.__contains__)
    note = _text(raw.get("note"), f"{path}.note", errors, Text("说明", "The note"), required=False, max_len=300)
    if not accepted:
        return None
    return ChecklistItem(kind, label, required, accepted, note)


def parse(data: Any) -> ProductDefinition:
    """A validated definition, or `Invalid` listing every problem with its field path."""
    errors = _Errors()
    if not isinstance(data, Mapping):
        errors.add("definition", "wrong_type", Text("产品定义须为 JSON 对象", "A product definition must be a JSON object"))
        errors.raise_if_any()
    code = _get(data, "code", "code", errors, str, Text("产品代码", "The product code"))
    if code is not None and not CODE.match(code):
        errors.add("code", "invalid_code", Text("产品代码须为小写字母开头的字母、数字或下划线（2—40 位）",
                                                "A product code is 2–40 lower-case letters, digits or _ starting with a letter"))
    name = _text(data.get("name"), "name", errors, Text("产品名称", "The product's name"), max_len=60)
    kind = data.get("kind")
    if kind not in KINDS:
        errors.add("kind", "unknown_code", Text(f"未知的产品类型：{kind}", f"Unknown product kind: {kind}"))
    summary = _text(data.get("summary"), "summary", errors, Text("产品简介", "The summary"), required=False, max_len=400)
    amount_label = (Text("最低金额", "The minimum amount"), Text("最高金额", "The maximum amount"))
    min_amount = _decimal(data.get("min_amount"), "min_amount", errors, amount_label[0], low=Decimal("0.01"))
    max_amount = _decimal(data.get("max_amount"), "max_amount", errors, amount_label[1], low=Decimal("0.01"))
    if min_amount is not None and max_amount is not None and min_amount > max_amount:
        errors.add("max_amount", "out_of_order", Text("最高金额不能低于最低金额", "The maximum amount is below the minimum"))
    min_term = _int(data.get("min_term_months"), "min_term_months", errors, Text("最短期限（月）", "The shortest term (months)"),
                    1, MAX_TERM_MONTHS)
    max_term = _int(data.get("max_term_months"), "max_term_months", errors, Text("最长期限（月）", "The longest term (months)"),
                    1, MAX_TERM_MONTHS)
    if min_term is not None and max_term is not None and min_term > max_term:
        errors.add("max_term_months", "out_of_order", Text("最长期限不能短于最短期限", "The longest term is shorter than the shortest"))
    methods = _codes(data.get("repayment_methods"), "repayment_methods", errors, Text("还款方式", "Repayment method"),
                     REPAYMENT_METHODS.__contains__)
    modes = _codes(data.get("guarantee_modes"), "guarantee_modes", errors, Text("担保方式", "Guarantee mode"),
                   valid_guarantee_mode)
    rules = _rules(data.get("rules"), errors)
    limit = _limit(data.get("limit"), errors)
    pricing_raw = data.get("pricing")
    spread_min = spread_max = None
    if not isinstance(pricing_raw, Mapping):
        errors.add("pricing", "required", Text("缺少定价（利差）", "Pricing (the spread) is required"))
    else:
        spread_min = _decimal(pricing_raw.get("spread_min"), "pricing.spread_min", errors, Text("最低加点", "The lowest spread"),
                              low=MIN_SPREAD, high=MAX_SPREAD)
        spread_max = _decimal(pricing_raw.get("spread_max"), "pricing.spread_max", errors, Text("最高加点", "The highest spread"),
                              low=MIN_SPREAD, high=MAX_SPREAD)
        if spread_min is not None and spread_max is not None and spread_min > spread_max:
            errors.add("pricing.spread_max", "out_of_order", Text("最高加点不能低于最低加点", "The highest spread is below the lowest"))
    entrusted = _decimal(data.get("entrusted_payment_above"), "entrusted_payment_above", errors,
                         Text("受托支付起点金额", "The entrusted-payment threshold"), low=Decimal("0"))
    checklist = _checklist(data.get("checklist"), modes, errors)
    known = {"code", "name", "kind", "summary", "min_amount", "max_amount", "min_term_months", "max_term_months",
             "repayment_methods", "guarantee_modes", "rules", "limit", "pricing", "entrusted_payment_above", "checklist"}
    for extra in data:
        if extra not in known:
            errors.add(str(extra), "unknown_field", Text(f"未知字段：{extra}", f"Unknown field: {extra}"))
    errors.raise_if_any()
    return ProductDefinition(
        code=code, name=name, kind=kind, summary=summary, min_amount=min_amount, max_amount=max_amount,
        min_term_months=min_term, max_term_months=max_term, repayment_methods=methods, guarantee_modes=modes,
        rules=rules, limit=limit, pricing=Pricing(spread_min, spread_max), entrusted_payment_above=entrusted,
        checklist=checklist)


@lru_cache(maxsize=512)
def cached_definition(text: str, sha256: str) -> ProductDefinition:
    """A stored version's definition, parsed (and its rules compiled) once per process: a version's
    definition never changes, and its SHA-256 is part of the key."""
    return parse_json(text)


def parse_json(text: str) -> ProductDefinition:
    """A definition from JSON text (numbers read as Decimal), refusing bad JSON with line and column."""
    from smecredit.kernel.inputs import json_syntax_error

    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise Invalid("invalid_json", json_syntax_error("产品定义", "The product definition", exc), "definition") from None
    except RecursionError:
        raise Invalid("invalid_json", Text("产品定义嵌套过深", "The product definition is nested too deeply"), "definition") from None
    return parse(data)
