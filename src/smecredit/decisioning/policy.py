"""The credit policy (统一业务标准) as versioned data: one YAML document, format ``smecredit-policy/1``.

`parse(text)` checks the whole document against the schema written here as code and answers a
`Policy`, or raises `Invalid` listing every problem with its field path
(``segments[1].overrides.limits.caps_by_grade.B``) and its line in the YAML text
(``details["errors"]``: ``field``, ``line``, ``code``, ``message``). docs/credit-policy.md describes
every section; the default policy is ``data/policies/sme-default.yaml``.

Sections:

* ``segments`` (差异化): the first whose CEL ``when`` holds decides the scorecard and may override
  ``grades``, ``limits``, ``pricing`` and ``authority`` (a deep merge: mappings merge key by key,
  lists replace);
* ``knockouts`` (准入条件, a failed one declines) and ``referrals`` (a failed one sends the
  application to a person): each a ``code``, a ``label`` (the requirement in words), a CEL ``when``
  that is *true when the rule fails*, a ``reason`` with ``{placeholders}`` filled with the actual
  values in the variable's unit, and optionally the ``segments`` it applies to. A rule reading data
  the enterprise has none of is *not evaluated* and refers the application with a "data missing"
  reason; a rule that fails at run time likewise — it never raises;
* ``grades``: score bands, best first → grade → probability of default;
* ``limits``: rounding, caps by grade and size class, exposure caps (普惠型小微 单户授信总额 ≤ 1000万元
  including existing exposure; a group cap including related enterprises), what a limit under the
  product's minimum does;
* ``pricing``: spreads by grade, adjustments by guarantee mode and term, floor, cap, penalty markups
  and fees (see `pricing`);
* ``authority``: the approval authority matrix (see `authority`).

**Rules' variables** (`VARIABLES`): every profile feature key (`enterprises.profile_rules`) and
``core_customer_count``; ``application.*`` (amount, term_months, repayment_method, guarantee_mode,
purpose); ``enterprise.*`` (size_class, industry, inclusive); ``product.*`` (code, kind, min_amount,
max_amount, limit); ``exposure.*`` (existing, after, group_existing, group_total, group_members,
bureau_outstanding); and, for rules only (not segments), ``score``, ``grade``, ``pd``. Numbers reach
CEL as doubles (as for products' rules, `products.eligibility`). Expressions are compiled once per
text (`eligibility.program` is cached) and checked at parse: syntax, unknown names and fields,
functions, and a dry run on typed samples.

YAML numbers are read as exact `Decimal`s (never floats). `Policy.sha256` is the SHA-256 of the text.

Pure: no database, no web.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from smecredit.decisioning.authority import AuthorityMatrix
from smecredit.decisioning.pricing import (
    FEE_TIMINGS,
    MISUSE_MARKUP_RANGE,
    PENALTY_MARKUP_RANGE,
    Fee,
    PricingRules,
    TermAdjustment,
)
from smecredit.identity.roles import Role
from smecredit.kernel.errors import Invalid
from smecredit.kernel.money import FEN
from smecredit.kernel.text import Text
from smecredit.products import eligibility
from smecredit.products.fit import format_value
from smecredit.products.vocabulary import GUARANTEE_BASE, KINDS, REPAYMENT_METHODS, guarantee_label, label_of
from smecredit.standards.sme_size import Industry, SizeClass

FORMAT = "smecredit-policy/1"
CODE = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")
GRADE = re.compile(r"^[A-Z][A-Z0-9+-]{0,3}$")
MAX_TEXT_BYTES = 1_000_000
KNOCKOUT, REFERRAL = "knockout", "referral"
DECLINE, REFER = "decline", "refer"
DEFAULT_PATH = Path(__file__).parent / "data" / "policies" / "sme-default.yaml"
INCLUDES = ("enterprise", "group")

# --- the variables a rule may read --------------------------------------------------------------------

APPLICATION_FIELDS: dict[str, tuple[Text, str]] = {
    "amount": (Text("申请金额", "Amount asked for"), "CNY"),
    "term_months": (Text("申请期限", "Term asked for"), "months"),
    "repayment_method": (Text("还款方式", "Repayment method"), "repayment_method"),
    "guarantee_mode": (Text("担保方式", "Guarantee mode"), "guarantee_mode"),
    "purpose": (Text("借款用途", "Purpose"), "text"),
}
ENTERPRISE_FIELDS: dict[str, tuple[Text, str]] = {
    "size_class": (Text("企业规模", "Size class"), "size_class"),
    "industry": (Text("行业", "Industry"), "industry"),
    "inclusive": (Text("普惠型小微企业（小型、微型）", "Small or micro enterprise (普惠型)"), "flag"),
}
PRODUCT_FIELDS: dict[str, tuple[Text, str]] = {
    "code": (Text("产品代码", "Product code"), "text"),
    "kind": (Text("产品类型", "Product kind"), "product_kind"),
    "min_amount": (Text("产品最低额度", "Product's minimum amount"), "CNY"),
    "max_amount": (Text("产品最高额度", "Product's maximum amount"), "CNY"),
    "limit": (Text("产品测算额度", "Product's estimated limit"), "CNY"),
}
EXPOSURE_FIELDS: dict[str, tuple[Text, str]] = {
    "existing": (Text("现有授信余额", "Existing exposure with us"), "CNY"),
    "after": (Text("含本笔申请的授信总额", "Exposure including this application"), "CNY"),
    "group_existing": (Text("关联企业现有授信余额", "Related enterprises' exposure with us"), "CNY"),
    "group_total": (Text("关联企业授信总额（含本企业及本笔）", "Group exposure including this application"), "CNY"),
    "group_members": (Text("关联企业数", "Related enterprises"), "count"),
    "bureau_outstanding": (Text("征信未结清贷款余额", "Outstanding loans in the credit report"), "CNY"),
}
MAPS: dict[str, dict[str, tuple[Text, str]]] = {
    "application": APPLICATION_FIELDS, "enterprise": ENTERPRISE_FIELDS, "product": PRODUCT_FIELDS,
    "exposure": EXPOSURE_FIELDS,
}
SCORE_VARIABLES: dict[str, tuple[Text, str]] = {
    "score": (Text("评分", "Score"), "points"),
    "grade": (Text("评级", "Grade"), "grade"),
    "pd": (Text("违约概率", "Probability of default"), "ratio"),
}


@dataclass(frozen=True)
class Variable:
    key: str  # feature key, "score", or "<map>.<field>"
    label: Text
    unit: str


def _variables() -> dict[str, Variable]:
    found = {k: Variable(k, v.label, v.unit) for k, v in eligibility.VARIABLES.items() if not k.startswith("need.")}
    for name, fields in MAPS.items():
        for key, (label, unit) in fields.items():
            found[f"{name}.{key}"] = Variable(f"{name}.{key}", label, unit)
    for key, (label, unit) in SCORE_VARIABLES.items():
        found[key] = Variable(key, label, unit)
    return found


VARIABLES: dict[str, Variable] = _variables()
_ORDER = {k: i for i, k in enumerate(VARIABLES)}
_SEGMENT_NAMES = frozenset(eligibility.FEATURE_KEYS)
_RULE_NAMES = _SEGMENT_NAMES | frozenset(SCORE_VARIABLES)
_SAMPLE_BY_UNIT: dict[str, Any] = {
    "grade": "B", "code": "active", "flag": False, "text": "x", "repayment_method": "equal_installment",
    "guarantee_mode": "credit", "product_kind": "working_capital", "size_class": "small", "industry": "retail",
}


def _sample(unit: str) -> Any:
    return _SAMPLE_BY_UNIT.get(unit, 1.0)


def _sample_context(with_score: bool) -> dict[str, Any]:
    context = {k: v for k, v in eligibility.sample_context().items() if k != "need"}
    for name, fields in MAPS.items():
        context[name] = {k: _sample(unit) for k, (_label, unit) in fields.items()}
    if with_score:
        context.update(score=600.0, grade="B", pd=0.02)
    return context


_SAMPLES = {False: _sample_context(False), True: _sample_context(True)}


def show(key: str, value: Any) -> Text:
    """A variable's value for people, in its unit (codes by their names)."""
    variable = VARIABLES.get(key)
    unit = variable.unit if variable else ""
    if value is None:
        return Text("（无数据）", "(no data)")
    if unit == "repayment_method":
        return label_of(REPAYMENT_METHODS, str(value))
    if unit == "guarantee_mode":
        return guarantee_label(str(value))
    if unit == "product_kind":
        return label_of(KINDS, str(value))
    if unit == "size_class" and str(value) in SizeClass._value2member_map_:
        size = SizeClass(str(value))
        return Text(size.zh, size.en)
    if unit == "industry" and str(value) in Industry._value2member_map_:
        industry = Industry(str(value))
        return Text(industry.zh, industry.en)
    if unit == "points":
        return Text(f"{value} 分", f"{value} points")
    return format_value(unit, value, key.rsplit(".", 1)[-1])


PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def fill(template: Text, values: Mapping[str, Any]) -> Text:
    """The reason with each ``{variable}`` replaced by its actual value in the variable's unit."""
    def one(text: str, lang: str) -> str:
        return PLACEHOLDER.sub(lambda m: show(m.group(1), values.get(m.group(1))).pick(lang), text)
    return Text(one(template.zh, "zh"), one(template.en, "en"))


@lru_cache(maxsize=4096)
def names_read(expression: str) -> tuple[str, ...]:
    """The variables an expression reads (``tax_credit_grade``, ``application.amount``, ``score``), in
    `VARIABLES` order (cached per expression text)."""
    used = set(eligibility.program(expression).variables())
    keys: set[str] = {k for k in used if k in VARIABLES}
    for name in MAPS:
        if name in used:
            keys.update(f"{name}.{f}" for f in re.findall(rf"(?<![\w.]){name}\.(\w+)", expression)
                        if f"{name}.{f}" in VARIABLES)
    return tuple(sorted(keys, key=_ORDER.__getitem__))


# --- the parsed policy --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    code: str
    kind: str  # knockout | referral
    label: Text  # the requirement in words
    when: str  # CEL: true when the rule fails
    reason: Text  # with {placeholders}
    segments: tuple[str, ...] = ()  # empty: every segment
    reads: tuple[str, ...] = ()  # the variables `when` reads
    shows: tuple[str, ...] = ()  # the variables the reason shows

    def applies_to(self, segment: str | None) -> bool:
        return not self.segments or segment in self.segments


@dataclass(frozen=True)
class GradeBand:
    grade: str
    min_score: int | None  # None: every score below the band above
    pd: Decimal
    label: Text | None = None


@dataclass(frozen=True)
class GradeTable:
    bands: tuple[GradeBand, ...]  # best first

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(b.grade for b in self.bands)

    def band_for(self, score: int) -> GradeBand:
        for band in self.bands:
            if band.min_score is None or score >= band.min_score:
                return band
        return self.bands[-1]


@dataclass(frozen=True)
class ExposureCap:
    code: str
    label: Text
    max_total: Decimal
    includes: str  # enterprise (this enterprise's existing exposure) | group (+ related enterprises')
    when: str | None = None  # CEL over the segment's variables; None: always


@dataclass(frozen=True)
class LimitRules:
    caps_by_grade: Mapping[str, Decimal]
    caps_by_size_class: Mapping[str, Decimal]
    exposure_caps: tuple[ExposureCap, ...]
    round_down_to: Decimal
    below_minimum: str  # decline | refer


@dataclass(frozen=True)
class Segment:
    code: str
    name: Text
    when: str
    scorecard: str
    grades: GradeTable
    limits: LimitRules
    pricing: PricingRules
    authority: AuthorityMatrix


@dataclass(frozen=True)
class Policy:
    code: str
    name: Text
    description: Text | None
    segments: tuple[Segment, ...]
    knockouts: tuple[Rule, ...]
    referrals: tuple[Rule, ...]
    text: str

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.knockouts + self.referrals

    @property
    def scorecard_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.scorecard for s in self.segments))

    @cached_property
    def segment_variables(self) -> tuple[str, ...]:
        """Every variable the segments' conditions read."""
        return tuple(dict.fromkeys(k for s in self.segments for k in names_read(s.when)))

    @cached_property
    def variables_read(self) -> tuple[str, ...]:
        """Every variable the rules, exposure caps and fees read (what a decision's CEL context holds)."""
        expressions = [r.when for r in self.rules]
        for s in self.segments:
            expressions += [c.when for c in s.limits.exposure_caps if c.when] + [f.when for f in s.pricing.fees if f.when]
        return tuple(dict.fromkeys(k for e in expressions for k in names_read(e)))

    def segment(self, code: str) -> Segment:
        return next(s for s in self.segments if s.code == code)


# --- reading YAML with lines ------------------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    """Safe YAML where a number with a fraction is an exact Decimal, never a float."""


def _decimal(loader: _Loader, node: yaml.ScalarNode) -> Any:
    raw = loader.construct_scalar(node).replace("_", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return raw  # .inf / .nan: left as text, refused as "not a number" by the schema
    return value if value.is_finite() else raw


_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)


def _lines_of(node: yaml.Node, path: str, lines: dict[str, int], duplicates: list[tuple[str, int]]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in seen:
                duplicates.append((child, key_node.start_mark.line + 1))
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _lines_of(value_node, child, lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines_of(item, f"{path}[{i}]", lines, duplicates)


class _Errors:
    def __init__(self, lines: Mapping[str, int]):
        self.lines = lines
        self.items: list[dict[str, Any]] = []

    def line_of(self, path: str) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = re.sub(r"(\[\d+\]|\.[^.\[\]]+|^[^.\[\]]+)$", "", path)
        return self.lines.get("")

    def add(self, path: str, code: str, message: Text) -> None:
        self.items.append({"field": path, "line": self.line_of(path), "code": code, "message": message.as_dict()})

    def raise_if_any(self) -> None:
        if not self.items:
            return
        first, count = self.items[0], len(self.items)
        where_zh = f"第 {first['line']} 行 " if first["line"] else ""
        where_en = f"line {first['line']}, " if first["line"] else ""
        raise Invalid("invalid_policy",
                      Text(f"信用政策有 {count} 处错误：{where_zh}{first['field']}：{first['message']['zh']}",
                           f"The credit policy has {count} error(s): {where_en}{first['field']}: {first['message']['en']}"),
                      first["field"], {"errors": self.items})


def _load(text: str) -> tuple[Any, dict[str, int], list[tuple[str, int]]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: dict[str, int] = {}
        duplicates: list[tuple[str, int]] = []
        if node is None:
            return None, lines, duplicates
        _lines_of(node, "", lines, duplicates)
        return loader.construct_document(node), lines, duplicates
    finally:
        loader.dispose()


# --- checking values ----------------------------------------------------------------------------------

def _join(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else str(key))


def _mapping(value: Any, path: str, errors: _Errors, what: Text, *, required: bool = True) -> Mapping[str, Any] | None:
    if value is None and not required:
        return None
    if not isinstance(value, Mapping):
        errors.add(path, "required" if value is None else "wrong_type",
                   Text(f"{what.zh}须为映射（键: 值）", f"{what.en} must be a mapping (key: value)"))
        return None
    return value


def _list(value: Any, path: str, errors: _Errors, what: Text, *, required: bool = True) -> list[Any]:
    if value is None and not required:
        return []
    if not isinstance(value, list):
        errors.add(path, "required" if value is None else "wrong_type", Text(f"{what.zh}须为列表", f"{what.en} must be a list"))
        return []
    return value


def _unknown_keys(data: Mapping[str, Any], allowed: set[str], path: str, errors: _Errors) -> None:
    for key in data:
        if key not in allowed:
            errors.add(_join(path, str(key)), "unknown_field",
                       Text(f"未知字段 {key}（可用：{', '.join(sorted(allowed))}）", f"Unknown field {key} (known: {', '.join(sorted(allowed))})"))


def _number(value: Any, path: str, errors: _Errors, what: Text, *, low: Decimal | None = None,
            high: Decimal | None = None, low_open: bool = False) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        errors.add(path, "required" if value is None else "wrong_type", Text(f"{what.zh}须为数字", f"{what.en} must be a number"))
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace("_", ""))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number.copy_abs() >= Decimal("1e15"):
        errors.add(path, "invalid_number", Text(f"{what.zh}不是有效数字：{value}", f"{what.en} is not a valid number: {value}"))
        return None
    below = low is not None and (number <= low if low_open else number < low)
    if below or (high is not None and number > high):
        lo = "" if low is None else f"{'>' if low_open else '≥'} {low}"
        hi = "" if high is None else f"≤ {high}"
        rng = "，".join(p for p in (lo, hi) if p)
        errors.add(path, "out_of_range", Text(f"{what.zh}须 {rng}（现为 {number}）", f"{what.en} must be {rng.replace('，', ' and ')} (is {number})"))
        return None
    return number


def _yuan(amount: Decimal) -> Decimal:
    """An amount of the policy in whole fen (a cap of 10000000 is 10000000.00)."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def _integer(value: Any, path: str, errors: _Errors, what: Text, *, low: int | None = None) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(path, "required" if value is None else "wrong_type", Text(f"{what.zh}须为整数", f"{what.en} must be a whole number"))
        return None
    if low is not None and value < low:
        errors.add(path, "out_of_range", Text(f"{what.zh}须 ≥ {low}", f"{what.en} must be at least {low}"))
        return None
    return value


def _text(value: Any, path: str, errors: _Errors, what: Text, *, required: bool = True, max_len: int = 500) -> Text | None:
    if value is None and not required:
        return None
    if not isinstance(value, Mapping):
        errors.add(path, "required" if value is None else "wrong_type",
                   Text(f"{what.zh}须包含中文（zh）和英文（en）", f"{what.en} needs zh and en"))
        return None
    _unknown_keys(value, {"zh", "en"}, path, errors)
    parts = []
    for lang in ("zh", "en"):
        raw = value.get(lang)
        if not isinstance(raw, str) or not raw.strip():
            errors.add(_join(path, lang), "required" if raw is None else "wrong_type",
                       Text(f"{what.zh}缺少{'中文' if lang == 'zh' else '英文'}", f"{what.en} needs {lang} text"))
            return None
        if len(raw) > max_len:
            errors.add(_join(path, lang), "too_long", Text(f"{what.zh}最多 {max_len} 字", f"{what.en} is at most {max_len} characters"))
            return None
        parts.append(raw.strip())
    return Text(*parts)


def _code(value: Any, path: str, errors: _Errors, what: Text) -> str | None:
    if not isinstance(value, str) or not CODE.match(value):
        errors.add(path, "required" if value is None else "invalid_code",
                   Text(f"{what.zh}须为小写字母开头的 2—40 位字母、数字、_ 或 -", f"{what.en} must be 2–40 lowercase letters, digits, _ or -, starting with a letter"))
        return None
    return value


def _expression(value: Any, path: str, errors: _Errors, *, with_score: bool) -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors.add(path, "required", Text("请填写 CEL 表达式", "A CEL expression is required"))
        return None
    names = _RULE_NAMES if with_score else _SEGMENT_NAMES
    try:
        eligibility.check_rule(value, names=names, maps=MAPS, sample=_SAMPLES[with_score])
    except eligibility.RuleProblem as problem:
        message = problem.message
        if not with_score and any(re.search(rf"(?<![\w.]){k}(?!\w)", value) for k in SCORE_VARIABLES):
            message = Text(f"{message.zh}（评分与评级在确定客群之后才有）", f"{message.en} (score and grade come after the segment)")
        errors.add(path, problem.code, message)
        return None
    return value


def _placeholders(reason: Text, path: str, errors: _Errors) -> tuple[str, ...]:
    zh, en = PLACEHOLDER.findall(reason.zh), PLACEHOLDER.findall(reason.en)
    for key in dict.fromkeys(zh + en):
        if key not in VARIABLES:
            errors.add(path, "unknown_placeholder", Text(f"原因中的占位符 {{{key}}} 不是已知变量", f"The placeholder {{{key}}} is not a known variable"))
    if set(zh) != set(en):
        errors.add(path, "placeholders_differ", Text("中英文原因须使用相同的占位符", "The Chinese and English reasons must use the same placeholders"))
    return tuple(k for k in dict.fromkeys(zh + en) if k in VARIABLES)


# --- the sections -------------------------------------------------------------------------------------

def _grades(value: Any, path: str, errors: _Errors) -> GradeTable | None:
    items = _list(value, path, errors, Text("评级表", "The grade table"))
    if not items:
        if isinstance(value, list):
            errors.add(path, "required", Text("评级表至少要有一个等级", "The grade table needs at least one grade"))
        return None
    bands: list[GradeBand] = []
    ok = True
    for i, item in enumerate(items):
        p = _join(path, i)
        data = _mapping(item, p, errors, Text("等级", "A grade"))
        if data is None:
            ok = False
            continue
        _unknown_keys(data, {"grade", "min_score", "pd", "label"}, p, errors)
        grade = data.get("grade")
        if not isinstance(grade, str) or not GRADE.match(grade):
            errors.add(_join(p, "grade"), "invalid_grade", Text("等级须为大写字母开头的 1—4 位代码（A、B+…）", "A grade is an uppercase code of 1–4 characters (A, B+ …)"))
            ok = False
        last = i == len(items) - 1
        min_score = data.get("min_score")
        if last and min_score is not None:
            errors.add(_join(p, "min_score"), "last_band_bounded", Text("最后一个等级不设最低分（覆盖其余所有分数）", "The last grade has no min_score (it takes every lower score)"))
            ok = False
        elif not last:
            min_score = _integer(min_score, _join(p, "min_score"), errors, Text("最低分", "min_score"))
            ok = ok and min_score is not None
        pd = _number(data.get("pd"), _join(p, "pd"), errors, Text("违约概率", "pd"), low=Decimal(0), high=Decimal(1), low_open=True)
        label = _text(data.get("label"), _join(p, "label"), errors, Text("等级说明", "The grade's label"), required=False)
        ok = ok and pd is not None
        if ok:
            bands.append(GradeBand(grade, min_score, pd, label))
    if not ok:
        return None
    for i in range(1, len(bands)):
        p = _join(path, i)
        if bands[i].grade in {b.grade for b in bands[:i]}:
            errors.add(_join(p, "grade"), "duplicate", Text(f"等级 {bands[i].grade} 重复", f"Grade {bands[i].grade} is listed twice"))
        if bands[i].min_score is not None and bands[i].min_score >= bands[i - 1].min_score:
            errors.add(_join(p, "min_score"), "not_descending", Text("最低分须自上而下递减（最好的等级在前）", "min_score must decrease down the table (best grade first)"))
        if bands[i].pd < bands[i - 1].pd:
            errors.add(_join(p, "pd"), "not_ascending", Text("违约概率须自上而下不减", "pd must not decrease down the table"))
    return GradeTable(tuple(bands))


def _amount_table(value: Any, path: str, errors: _Errors, what: Text, keys: Sequence[str], *, every: bool) -> dict[str, Decimal]:
    data = _mapping(value, path, errors, what)
    if data is None:
        return {}
    out = {}
    for key, raw in data.items():
        if str(key) not in keys:
            errors.add(_join(path, str(key)), "unknown_key", Text(f"{key} 不在 {', '.join(keys)} 之中", f"{key} is not one of {', '.join(keys)}"))
            continue
        got = _number(raw, _join(path, str(key)), errors, what, low=Decimal(0))
        if got is not None:
            out[str(key)] = _yuan(got)
    if every:
        for key in keys:
            if key not in data:
                errors.add(_join(path, key), "required", Text(f"缺少 {key} 的值", f"A value for {key} is required"))
    return out


def _limits(value: Any, path: str, errors: _Errors, grades: Sequence[str]) -> LimitRules | None:
    data = _mapping(value, path, errors, Text("额度规则", "The limit rules"))
    if data is None:
        return None
    count = len(errors.items)
    _unknown_keys(data, {"caps_by_grade", "caps_by_size_class", "exposure_caps", "round_down_to", "below_minimum"}, path, errors)
    caps_grade = _amount_table(data.get("caps_by_grade"), _join(path, "caps_by_grade"), errors, Text("评级上限", "Cap by grade"), grades, every=True)
    caps_size = _amount_table(data.get("caps_by_size_class", {}), _join(path, "caps_by_size_class"), errors, Text("规模上限", "Cap by size class"),
                              [s.value for s in SizeClass], every=False)
    caps: list[ExposureCap] = []
    seen: set[str] = set()
    for i, item in enumerate(_list(data.get("exposure_caps", []), _join(path, "exposure_caps"), errors, Text("授信总额上限", "Exposure caps"))):
        p = _join(_join(path, "exposure_caps"), i)
        cap = _mapping(item, p, errors, Text("授信总额上限", "An exposure cap"))
        if cap is None:
            continue
        _unknown_keys(cap, {"code", "label", "when", "max_total", "includes"}, p, errors)
        code = _code(cap.get("code"), _join(p, "code"), errors, Text("代码", "The code"))
        if code in seen:
            errors.add(_join(p, "code"), "duplicate", Text(f"代码 {code} 重复", f"The code {code} is used twice"))
        seen.add(code or "")
        label = _text(cap.get("label"), _join(p, "label"), errors, Text("名称", "The label"))
        total = _number(cap.get("max_total"), _join(p, "max_total"), errors, Text("授信总额上限", "max_total"), low=Decimal(0))
        includes = cap.get("includes")
        if includes not in INCLUDES:
            errors.add(_join(p, "includes"), "invalid_choice", Text("includes 须为 enterprise（本企业）或 group（含关联企业）",
                                                                    "includes is enterprise (this enterprise) or group (with related enterprises)"))
        when = cap.get("when")
        if when is not None:
            when = _expression(when, _join(p, "when"), errors, with_score=False)
        if code and label and total is not None and includes in INCLUDES:
            caps.append(ExposureCap(code, label, _yuan(total), includes, when))
    round_to = _number(data.get("round_down_to", Decimal("0.01")), _join(path, "round_down_to"), errors, Text("取整单位", "round_down_to"),
                       low=Decimal("0.01"))
    if round_to is not None and round_to != round_to.quantize(Decimal("0.01")):
        errors.add(_join(path, "round_down_to"), "below_fen", Text("取整单位须为整分", "round_down_to is whole fen"))
    below = data.get("below_minimum", DECLINE)
    if below not in (DECLINE, REFER):
        errors.add(_join(path, "below_minimum"), "invalid_choice", Text("below_minimum 须为 decline 或 refer", "below_minimum is decline or refer"))
    if len(errors.items) > count:
        return None
    return LimitRules(caps_grade, caps_size, tuple(caps), _yuan(round_to), below)


def _pricing(value: Any, path: str, errors: _Errors, grades: Sequence[str]) -> PricingRules | None:
    data = _mapping(value, path, errors, Text("定价规则", "The pricing rules"))
    if data is None:
        return None
    count = len(errors.items)
    _unknown_keys(data, {"spread_by_grade", "guarantee_adjustments", "term_adjustments", "floor", "cap", "cap_times_reference",
                         "within_product_range", "penalty_markup", "misuse_markup", "fees"}, path, errors)
    spreads: dict[str, Decimal] = {}
    table = _mapping(data.get("spread_by_grade"), _join(path, "spread_by_grade"), errors, Text("评级加点", "spread_by_grade"))
    for grade in grades if table is not None else ():
        if grade not in table:
            errors.add(_join(_join(path, "spread_by_grade"), grade), "required", Text(f"缺少评级 {grade} 的加点", f"A spread for grade {grade} is required"))
    for key, raw in (table or {}).items():
        if str(key) not in grades:
            errors.add(_join(_join(path, "spread_by_grade"), str(key)), "unknown_key", Text(f"评级表中没有等级 {key}", f"The grade table has no grade {key}"))
            continue
        got = _number(raw, _join(_join(path, "spread_by_grade"), str(key)), errors, Text("加点", "A spread"), low=Decimal(-10), high=Decimal(30))
        if got is not None:
            spreads[str(key)] = got
    adjustments: dict[str, Decimal] = {}
    table = _mapping(data.get("guarantee_adjustments", {}), _join(path, "guarantee_adjustments"), errors, Text("担保方式调整", "guarantee_adjustments"))
    for key, raw in (table or {}).items():
        p = _join(_join(path, "guarantee_adjustments"), str(key))
        if any(part not in GUARANTEE_BASE for part in str(key).split("+")):
            errors.add(p, "unknown_key", Text(f"未知的担保方式 {key}", f"Unknown guarantee mode {key}"))
            continue
        got = _number(raw, p, errors, Text("调整", "An adjustment"), low=Decimal(-10), high=Decimal(10))
        if got is not None:
            adjustments[str(key)] = got
    bands: list[TermAdjustment] = []
    items = _list(data.get("term_adjustments", []), _join(path, "term_adjustments"), errors, Text("期限调整", "term_adjustments"))
    for i, item in enumerate(items):
        p = _join(_join(path, "term_adjustments"), i)
        band = _mapping(item, p, errors, Text("期限档", "A term band"))
        if band is None:
            continue
        _unknown_keys(band, {"up_to_months", "add"}, p, errors)
        up_to = band.get("up_to_months")
        if up_to is not None:
            up_to = _integer(up_to, _join(p, "up_to_months"), errors, Text("期限上限（月）", "up_to_months"), low=1)
        elif i != len(items) - 1:
            errors.add(_join(p, "up_to_months"), "required", Text("只有最后一档可以不设期限上限", "Only the last band may leave up_to_months out"))
        add = _number(band.get("add"), _join(p, "add"), errors, Text("调整", "add"), low=Decimal(-10), high=Decimal(10))
        if bands and up_to is not None and bands[-1].up_to_months is not None and up_to <= bands[-1].up_to_months:
            errors.add(_join(p, "up_to_months"), "not_ascending", Text("期限档须自短到长", "Term bands go from short to long"))
        if add is not None:
            bands.append(TermAdjustment(up_to, add))
    floor = _number(data.get("floor"), _join(path, "floor"), errors, Text("利率下限", "floor"), low=Decimal(0), high=Decimal(100))
    cap = _number(data.get("cap"), _join(path, "cap"), errors, Text("利率上限", "cap"), low=Decimal(0), high=Decimal(100))
    if floor is not None and cap is not None and floor > cap:
        errors.add(_join(path, "floor"), "floor_above_cap", Text(f"利率下限 {floor}% 高于上限 {cap}%", f"The floor {floor}% is above the cap {cap}%"))
    times = data.get("cap_times_reference")
    if times is not None:
        times = _number(times, _join(path, "cap_times_reference"), errors, Text("LPR 倍数上限", "cap_times_reference"), low=Decimal(0), low_open=True)
    within = data.get("within_product_range", True)
    if not isinstance(within, bool):
        errors.add(_join(path, "within_product_range"), "wrong_type", Text("须为 true 或 false", "Must be true or false"))
    penalty = _number(data.get("penalty_markup"), _join(path, "penalty_markup"), errors, Text("逾期罚息上浮比例", "penalty_markup"),
                      low=PENALTY_MARKUP_RANGE[0], high=PENALTY_MARKUP_RANGE[1])
    misuse = _number(data.get("misuse_markup", MISUSE_MARKUP_RANGE[0]), _join(path, "misuse_markup"), errors,
                     Text("挪用罚息上浮比例", "misuse_markup"), low=MISUSE_MARKUP_RANGE[0], high=MISUSE_MARKUP_RANGE[1])
    fees: list[Fee] = []
    seen: set[str] = set()
    for i, item in enumerate(_list(data.get("fees", []), _join(path, "fees"), errors, Text("费用", "fees"))):
        p = _join(_join(path, "fees"), i)
        fee = _mapping(item, p, errors, Text("费用", "A fee"))
        if fee is None:
            continue
        _unknown_keys(fee, {"code", "label", "timing", "percent", "amount", "when"}, p, errors)
        code = _code(fee.get("code"), _join(p, "code"), errors, Text("代码", "The code"))
        if code in seen:
            errors.add(_join(p, "code"), "duplicate", Text(f"代码 {code} 重复", f"The code {code} is used twice"))
        seen.add(code or "")
        label = _text(fee.get("label"), _join(p, "label"), errors, Text("名称", "The label"))
        timing = fee.get("timing")
        if timing not in FEE_TIMINGS:
            errors.add(_join(p, "timing"), "invalid_choice", Text("timing 须为 upfront（放款时扣收）或 per_instalment（随每期还款）",
                                                                  "timing is upfront (deducted at drawdown) or per_instalment (with each instalment)"))
        if ("percent" in fee) == ("amount" in fee):
            errors.add(p, "percent_or_amount", Text("费用须且只能设 percent（占批准金额的百分比）或 amount（固定金额）之一",
                                                    "A fee has exactly one of percent (of the approved amount) or amount (fixed)"))
            continue
        percent = amount = None
        if "percent" in fee:
            percent = _number(fee.get("percent"), _join(p, "percent"), errors, Text("费率", "percent"), low=Decimal(0), high=Decimal(100))
        else:
            amount = _number(fee.get("amount"), _join(p, "amount"), errors, Text("金额", "amount"), low=Decimal(0))
        when = fee.get("when")
        if when is not None:
            when = _expression(when, _join(p, "when"), errors, with_score=True)
        if code and label and timing in FEE_TIMINGS and (percent is not None or amount is not None):
            fees.append(Fee(code, label, timing, percent, None if amount is None else _yuan(amount), when))
    if len(errors.items) > count:
        return None
    return PricingRules(spreads, adjustments, tuple(bands), floor, cap, penalty, misuse, times, within, tuple(fees))


def _roles(value: Any, path: str, errors: _Errors) -> frozenset[str]:
    items = _list(value, path, errors, Text("岗位", "roles"))
    out = set()
    for i, role in enumerate(items):
        if role not in Role._value2member_map_ or role == Role.APPLICANT.value:
            errors.add(_join(path, i), "unknown_role", Text(f"未知或不可用的岗位 {role}", f"Unknown or unusable role {role}"))
        else:
            out.add(role)
    if isinstance(value, list) and not items:
        errors.add(path, "required", Text("至少要有一个岗位", "At least one role is required"))
    return frozenset(out)


def _grade_ref(value: Any, path: str, errors: _Errors, grades: Sequence[str], *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if value not in grades:
        errors.add(path, "unknown_grade", Text(f"评级表中没有等级 {value}", f"The grade table has no grade {value}"))
        return None
    return value


def _authority(value: Any, path: str, errors: _Errors, grades: Sequence[str]) -> AuthorityMatrix | None:
    data = _mapping(value, path, errors, Text("审批权限", "The authority matrix"))
    if data is None:
        return None
    count = len(errors.items)
    _unknown_keys(data, {"automatic", "review", "approval", "committee"}, path, errors)
    parts = {}
    for name, keys in (("automatic", {"max_amount", "min_grade"}), ("review", {"roles"}),
                       ("approval", {"roles", "max_amount", "min_grade"}), ("committee", {"roles", "quorum", "approve_share"})):
        part = _mapping(data.get(name), _join(path, name), errors, Text(f"权限 {name}", f"The {name} authority"))
        if part is not None:
            _unknown_keys(part, keys, _join(path, name), errors)
        parts[name] = part or {}
    auto, review, approval, committee = parts["automatic"], parts["review"], parts["approval"], parts["committee"]
    p = lambda *keys: ".".join([path, *keys])  # noqa: E731
    auto_max = _number(auto.get("max_amount"), p("automatic", "max_amount"), errors, Text("自动审批金额上限", "automatic.max_amount"), low=Decimal(0))
    auto_grade = _grade_ref(auto.get("min_grade"), p("automatic", "min_grade"), errors, grades, required=True)
    review_roles = _roles(review.get("roles"), p("review", "roles"), errors)
    approval_roles = _roles(approval.get("roles"), p("approval", "roles"), errors)
    approval_max = _number(approval.get("max_amount"), p("approval", "max_amount"), errors, Text("审批金额上限", "approval.max_amount"), low=Decimal(0))
    approval_grade = _grade_ref(approval.get("min_grade"), p("approval", "min_grade"), errors, grades, required=False)
    committee_roles = _roles(committee.get("roles"), p("committee", "roles"), errors)
    quorum = _integer(committee.get("quorum"), p("committee", "quorum"), errors, Text("法定人数", "quorum"), low=1)
    share = _number(committee.get("approve_share", Decimal("0.5")), p("committee", "approve_share"), errors, Text("通过比例", "approve_share"),
                    low=Decimal(0), high=Decimal("0.99"))
    if auto_max is not None and approval_max is not None and approval_max < auto_max:
        errors.add(p("approval", "max_amount"), "below_automatic", Text("审批金额上限不能低于自动审批金额上限", "approval.max_amount cannot be below automatic.max_amount"))
    if len(errors.items) > count:
        return None
    return AuthorityMatrix(tuple(grades), _yuan(auto_max), auto_grade, review_roles, approval_roles, _yuan(approval_max), committee_roles,
                           quorum, share, approval_grade)


def _rules(value: Any, path: str, kind: str, errors: _Errors, seen: set[str]) -> list[tuple[Rule, str]]:
    out = []
    for i, item in enumerate(_list(value, path, errors, Text("规则", "The rules"), required=False)):
        p = _join(path, i)
        data = _mapping(item, p, errors, Text("规则", "A rule"))
        if data is None:
            continue
        _unknown_keys(data, {"code", "label", "when", "reason", "segments"}, p, errors)
        code = _code(data.get("code"), _join(p, "code"), errors, Text("规则代码", "The rule's code"))
        if code is not None and code in seen:
            errors.add(_join(p, "code"), "duplicate", Text(f"规则代码 {code} 重复", f"The rule code {code} is used twice"))
        seen.add(code or "")
        label = _text(data.get("label"), _join(p, "label"), errors, Text("规则说明", "The rule's label"))
        when = _expression(data.get("when"), _join(p, "when"), errors, with_score=True)
        reason = _text(data.get("reason"), _join(p, "reason"), errors, Text("原因", "The reason"))
        shows = _placeholders(reason, _join(p, "reason"), errors) if reason else ()
        segments = data.get("segments", [])
        if not isinstance(segments, list) or not all(isinstance(s, str) for s in segments):
            errors.add(_join(p, "segments"), "wrong_type", Text("segments 须为客群代码列表", "segments is a list of segment codes"))
            segments = []
        if code and label and when and reason:
            out.append((Rule(code, kind, label, when, reason, tuple(segments), names_read(when), shows), _join(p, "segments")))
    return out


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base.get(key), value) if key in base else value
        return merged
    return override


_TOP = {"format", "code", "name", "description", "segments", "knockouts", "referrals", "grades", "limits", "pricing", "authority"}
_SECTIONS = ("grades", "limits", "pricing", "authority")


def parse(text: str) -> Policy:
    """The policy in a YAML text; `Invalid` listing every problem (field path and line) otherwise."""
    if not isinstance(text, str):
        raise TypeError("parse() takes the YAML text")
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise Invalid("too_large", Text("信用政策文件过大（最多 1 MB）", "The policy file is too large (1 MB at most)"))
    try:
        data, lines, duplicates = _load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise Invalid("invalid_yaml", Text(f"信用政策不是有效的 YAML（第 {line} 行）：{problem}",
                                           f"The policy is not valid YAML (line {line}): {problem}"),
                      None, {"errors": [{"field": "", "line": line, "code": "invalid_yaml", "message": {"zh": problem, "en": problem}}]}) from None
    errors = _Errors(lines)
    for path, line in duplicates:
        errors.add(path, "duplicate_key", Text(f"字段重复（第 {line} 行）", f"The key is repeated (line {line})"))
    top = _mapping(data, "", errors, Text("信用政策", "The policy"))
    if top is None:
        errors.raise_if_any()
        raise AssertionError  # pragma: no cover
    _unknown_keys(top, _TOP, "", errors)
    if top.get("format") != FORMAT:
        errors.add("format", "wrong_format", Text(f"format 须为 {FORMAT}", f"format must be {FORMAT}"))
    code = _code(top.get("code"), "code", errors, Text("政策代码", "The policy's code"))
    name = _text(top.get("name"), "name", errors, Text("政策名称", "The policy's name"))
    description = _text(top.get("description"), "description", errors, Text("政策说明", "The description"), required=False, max_len=4000)
    grades = _grades(top.get("grades"), "grades", errors)
    order = grades.order if grades else ()
    limits = _limits(top.get("limits"), "limits", errors, order)
    pricing = _pricing(top.get("pricing"), "pricing", errors, order)
    authority = _authority(top.get("authority"), "authority", errors, order)
    seen: set[str] = set()
    rules = _rules(top.get("knockouts"), "knockouts", KNOCKOUT, errors, seen) + _rules(top.get("referrals"), "referrals", REFERRAL, errors, seen)
    errors.raise_if_any()
    assert grades and limits and pricing and authority and code and name  # every section checked above

    segments: list[Segment] = []
    codes: set[str] = set()
    items = _list(top.get("segments"), "segments", errors, Text("客群", "The segments"))
    if isinstance(top.get("segments"), list) and not items:
        errors.add("segments", "required", Text("至少要有一个客群", "At least one segment is required"))
    for i, item in enumerate(items):
        p = _join("segments", i)
        seg = _mapping(item, p, errors, Text("客群", "A segment"))
        if seg is None:
            continue
        _unknown_keys(seg, {"code", "name", "when", "scorecard", "overrides"}, p, errors)
        seg_code = _code(seg.get("code"), _join(p, "code"), errors, Text("客群代码", "The segment's code"))
        if seg_code in codes:
            errors.add(_join(p, "code"), "duplicate", Text(f"客群代码 {seg_code} 重复", f"The segment code {seg_code} is used twice"))
        codes.add(seg_code or "")
        seg_name = _text(seg.get("name"), _join(p, "name"), errors, Text("客群名称", "The segment's name"))
        when = _expression(seg.get("when"), _join(p, "when"), errors, with_score=False)
        card = _code(seg.get("scorecard"), _join(p, "scorecard"), errors, Text("评分卡代码", "The scorecard code"))
        overrides = _mapping(seg.get("overrides", {}), _join(p, "overrides"), errors, Text("覆盖项", "The overrides")) or {}
        _unknown_keys(overrides, set(_SECTIONS), _join(p, "overrides"), errors)
        o = lambda s: _join(_join(p, "overrides"), s)  # noqa: E731
        seg_grades = _grades(_merge(top["grades"], overrides["grades"]), o("grades"), errors) if "grades" in overrides else grades
        seg_order = seg_grades.order if seg_grades else order
        parts = {}
        for section, check in (("limits", _limits), ("pricing", _pricing), ("authority", _authority)):
            if section in overrides or seg_order != order:
                parts[section] = check(_merge(top[section], overrides.get(section, {})), o(section), errors, seg_order)
            else:
                parts[section] = {"limits": limits, "pricing": pricing, "authority": authority}[section]
        if seg_code and seg_name and when and card and seg_grades and all(parts.values()):
            segments.append(Segment(seg_code, seg_name, when, card, seg_grades, parts["limits"], parts["pricing"], parts["authority"]))
    for rule, path in rules:
        for i, segment in enumerate(rule.segments):
            if segment not in codes:
                errors.add(_join(path, i), "unknown_segment", Text(f"没有客群 {segment}", f"There is no segment {segment}"))
    errors.raise_if_any()
    return Policy(code, name, description, tuple(segments), tuple(r for r, _ in rules if r.kind == KNOCKOUT),
                  tuple(r for r, _ in rules if r.kind == REFERRAL), text)


def load(path: str | Path) -> Policy:
    return parse(Path(path).read_text(encoding="utf-8"))


def load_default() -> Policy:
    """The policy that ships (``data/policies/sme-default.yaml``)."""
    return load(DEFAULT_PATH)


__all__ = ["FORMAT", "VARIABLES", "Policy", "Segment", "Rule", "GradeTable", "GradeBand", "LimitRules", "ExposureCap",
           "parse", "load", "load_default", "fill", "show", "names_read"]
