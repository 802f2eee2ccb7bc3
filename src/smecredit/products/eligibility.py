"""Eligibility rules (准入规则) written in CEL, the Common Expression Language, through the
`common-expression-language` package — never Python ``eval``.

A rule is an expression over the credit-profile features (their keys, e.g. ``tax_credit_grade``,
``years_in_operation``), a few features of the enterprise's record (``core_customer_count``) and
the stated need (``need.amount``, ``need.term_months``, ``need.purpose``); it must give true or
false. Every number reaches CEL as a double (CEL has no decimal type and does not mix int and
double in arithmetic), so a rule writes ``need.amount * 2.0``; comparisons between a double and an
integer literal (``years_in_operation >= 2``) are fine. Strings compare as strings (``tax_credit_grade
in ["A", "B"]``), flags as booleans.

Checking a rule when a product is saved (`check_rule`): it must parse (the error gives line and
column), every name it uses must be a known feature (the position of the unknown name is given),
and a dry run on sample values of the right types must give a boolean — so a type error (``"A" +
1``) is caught at save, not when an applicant asks.

Compiled programs are cached per expression text (`program`): compiled once per product version
(a version's expressions never change), not per request.

Pure: no database, no web (the CEL package is a compiled extension).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

import cel

from smecredit.enterprises.profile_rules import FEATURE_CATALOGUE
from smecredit.kernel.text import Text

#: Features of the enterprise's own record (not the profile) that rules may use.
RECORD_FEATURES: dict[str, tuple[Text, str]] = {
    "core_customer_count": (Text("列为下游客户的供应链核心企业数", "Core enterprises listed as customers"), "count"),
}
#: The stated need, as ``need.<field>``.
NEED_FIELDS: dict[str, tuple[Text, str]] = {
    "amount": (Text("申请金额", "Amount asked for"), "CNY"),
    "term_months": (Text("申请期限", "Term asked for"), "months"),
    "purpose": (Text("借款用途", "Purpose"), "text"),
}


@dataclass(frozen=True)
class Variable:
    key: str  # feature key, or "need.<field>"
    label: Text
    unit: str  # CNY | ratio | years | count | days | months | grade | code | flag | persons | text
    source_kind: str | None  # the stage-1 source it comes from ("tax" …); None: declared or typed
    record: bool = False  # from the enterprise's record (e.g. its counterparties)


def _variables() -> dict[str, Variable]:
    found = {s.key: Variable(s.key, Text(s.label_zh, s.label_en), s.unit, s.source_kind.value if s.source_kind else None)
             for s in FEATURE_CATALOGUE}
    for key, (label, unit) in RECORD_FEATURES.items():
        found[key] = Variable(key, label, unit, None, record=True)
    for key, (label, unit) in NEED_FIELDS.items():
        found[f"need.{key}"] = Variable(f"need.{key}", label, unit, None)
    return found


VARIABLES: dict[str, Variable] = _variables()
FEATURE_KEYS = frozenset(k for k in VARIABLES if not k.startswith("need."))
_SAMPLE_BY_UNIT: dict[str, Any] = {"grade": "B", "code": "active", "flag": False, "text": "采购原材料"}


class RuleProblem(Exception):
    """A rule that cannot be saved: the code, a bilingual message and where in the expression."""

    def __init__(self, code: str, message: Text, line: int | None = None, column: int | None = None):
        super().__init__(message.en)
        self.code, self.message, self.line, self.column = code, message, line, column


_POSITION = re.compile(r"<input>:(\d+):(\d+): (.*?)(?:\n|$)")
_UNDEFINED = re.compile(r"Undefined variable or function: '([^']+)'")


def _position_of(expression: str, name: str) -> tuple[int, int] | tuple[None, None]:
    match = re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", expression)
    if not match:
        return None, None
    before = expression[: match.start()]
    return before.count("\n") + 1, match.start() - (before.rfind("\n") + 1) + 1


@lru_cache(maxsize=4096)
def program(expression: str) -> cel.Program:
    """The compiled program of an expression (cached: the same text compiles once per process)."""
    return cel.compile(expression)


def _compile(expression: str) -> cel.Program:
    try:
        return program(expression)
    except ValueError as exc:
        found = _POSITION.search(str(exc))
        if found:
            line, column, reason = int(found.group(1)), int(found.group(2)), found.group(3)
            raise RuleProblem("rule_syntax", Text(f"表达式语法错误（第 {line} 行第 {column} 列）：{reason}",
                                                  f"Syntax error at line {line}, column {column}: {reason}"),
                              line, column) from None
        raise RuleProblem("rule_syntax", Text(f"表达式无法编译：{exc}", f"The expression does not compile: {exc}")) from None


def _sample(unit: str) -> Any:
    return _SAMPLE_BY_UNIT.get(unit, 1.0)


def sample_context() -> dict[str, Any]:
    """Values of the right CEL type for every variable (the dry run at save)."""
    context: dict[str, Any] = {k: _sample(v.unit) for k, v in VARIABLES.items() if not k.startswith("need.")}
    context["need"] = {k: _sample(unit) for k, (_label, unit) in NEED_FIELDS.items()}
    return context


_SAMPLE = sample_context()


#: Functions a rule may call (CEL's standard ones this package implements); operators are always allowed.
FUNCTIONS = frozenset({"size", "contains", "startsWith", "endsWith", "matches", "int", "double", "string", "max"})
_BOUND = re.compile(r"\.(?:all|exists|exists_one|map|filter)\(\s*([A-Za-z_]\w*)\s*,")


def _unknown(expression: str, name: str, what: Text) -> RuleProblem:
    line, column = _position_of(expression, name)
    where = Text(f"（第 {line} 行第 {column} 列）", f" at line {line}, column {column}") if line else Text("", "")
    return RuleProblem("rule_unknown_name", Text(f"未知的{what.zh} {name}{where.zh}", f"Unknown {what.en} {name}{where.en}"),
                       line, column)


#: The maps a product rule may read (``need.amount`` …): map name → its fields.
NEED_MAPS: dict[str, dict] = {"need": NEED_FIELDS}


def _static_check(expression: str, compiled: cel.Program, names: frozenset[str] = FEATURE_KEYS,
                  maps: dict[str, dict] | None = None) -> None:
    """Names and functions, checked on the text: a dry run would not reach the right side of a
    short-circuited ``&&``. ``names`` and ``maps`` (``{"need": NEED_FIELDS}`` for products) are
    what a rule may read; the credit policy (`decisioning.policy`) passes its own."""
    maps = NEED_MAPS if maps is None else maps
    bound = set(_BOUND.findall(expression))
    for name in compiled.variables():
        if name not in names and name not in maps and name not in bound:
            raise _unknown(expression, name, Text("指标", "feature"))
    for map_name, fields in maps.items():
        for field in re.findall(rf"(?<![\w.]){re.escape(map_name)}\.(\w+)", expression):
            if field not in fields:
                raise _unknown(expression, f"{map_name}.{field}", Text("字段", "field") if map_name != "need"
                               else Text("申请要素", "field of the need"))
    for function in compiled.functions():
        if function[:1] not in ("_", "@", "!", "-") and function not in FUNCTIONS:
            raise _unknown(expression, function, Text("函数", "function"))


#: A rule's size, checked before it reaches the CEL compiler: the compiler and the evaluator recurse
#: once per level of an expression, and an expression tens of thousands of levels deep overflows the
#: stack of the process (a crash, not an error). Rules are a line or two.
MAX_EXPRESSION_CHARS = 1000
#: Comprehensions (``list.all(x, …)``, ``exists``, ``exists_one``, ``map``, ``filter``): one per rule.
#: Nested ones multiply (six over twenty items are 64 million steps, at save and at every decision).
MAX_COMPREHENSIONS = 1
_COMPREHENSION = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(")


def check_rule(expression: str, *, names: frozenset[str] = FEATURE_KEYS, maps: dict[str, dict] | None = None,
               sample: dict[str, Any] | None = None) -> cel.Program:
    """Compile and dry-run one rule; `RuleProblem` with the position when it cannot be saved.
    By default a product's rule (features and ``need.*``); the credit policy passes its own
    ``names``, ``maps`` and a ``sample`` context of the right types."""
    if not expression.strip():
        raise RuleProblem("rule_empty", Text("表达式不能为空", "The expression is empty"))
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise RuleProblem("rule_too_long", Text(f"表达式最多 {MAX_EXPRESSION_CHARS} 个字符",
                                                f"An expression is at most {MAX_EXPRESSION_CHARS} characters"))
    if len(_COMPREHENSION.findall(expression)) > MAX_COMPREHENSIONS:
        raise RuleProblem("rule_too_complex", Text(f"一条表达式最多使用 {MAX_COMPREHENSIONS} 个 all/exists/map/filter",
                                                   f"An expression uses all/exists/map/filter at most {MAX_COMPREHENSIONS} time(s)"))
    compiled = _compile(expression)
    _static_check(expression, compiled, names, maps)
    try:
        result = compiled.execute(_SAMPLE if sample is None else sample)
    except Exception as exc:  # the CEL runtime raises RuntimeError, TypeError, ZeroDivisionError …
        undefined = _UNDEFINED.search(str(exc))
        if undefined:
            name = undefined.group(1)
            line, column = _position_of(expression, name)
            where = Text(f"（第 {line} 行第 {column} 列）", f" at line {line}, column {column}") if line else Text("", "")
            raise RuleProblem("rule_unknown_name",
                              Text(f"未知的指标或函数 {name}{where.zh}", f"Unknown feature or function {name}{where.en}"),
                              line, column) from None
        raise RuleProblem("rule_type", Text(f"表达式无法计算：{exc}", f"The expression cannot be evaluated: {exc}")) from None
    if not isinstance(result, bool):
        raise RuleProblem("rule_not_boolean", Text("表达式的结果必须是真或假", "The expression must give true or false"))
    return compiled


@lru_cache(maxsize=4096)
def names_in(expression: str) -> tuple[str, ...]:
    """The features (and ``need.<field>``) an expression reads, in catalogue order."""
    used = set(program(expression).variables())
    keys = [k for k in FEATURE_KEYS if k in used]
    if "need" in used:
        keys += [k for k in VARIABLES if k.startswith("need.") and re.search(rf"\b{re.escape(k)}\b", expression)]
    order = list(VARIABLES)
    return tuple(sorted(keys, key=order.index))


def cel_value(value: Any) -> Any:
    """A feature's value as CEL sees it: every number a double (see the module's note)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, Decimal)):
        return float(value)
    return value


class RuleFailure(Exception):
    """The rule raised while evaluating real values (e.g. a division by zero)."""


def context_of(variables: dict[str, Any]) -> cel.Context:
    """A CEL context built once for many rules: handing a plain dict to each rule converts every
    value again (about 90 µs a rule with a full profile; a shared context, well under 1 µs)."""
    return cel.Context(variables=variables)


def evaluate(expression: str, context: dict[str, Any] | cel.Context) -> bool:
    """Run one rule on a context built by the caller (every name it reads present, values from `cel_value`)."""
    try:
        result = program(expression).execute(context)
    except Exception as exc:  # CEL runtime errors of any kind
        raise RuleFailure(str(exc)) from None
    if not isinstance(result, bool):
        raise RuleFailure("not a boolean")
    return result
