"""The decision (自动审批决策): one application's inputs and the credit policy in; outcome, route, every
rule's result, score, grade, limit, price, 年化利率 and the reasons out. Pure and deterministic: the
same inputs, policy and scorecards always give the same result (no clock, no database; the service
measures the time taken and records the decision).

The steps, in order (docs/credit-policy.md):

1. **segment** — the first of the policy's segments whose ``when`` holds (a segment reading data
   the enterprise lacks does not match); none → the last one, and a person reviews;
2. **score** — the segment's scorecard over the profile's features (missing values score in their
   ``missing`` bin) → score, reason codes; the grade table → grade and PD;
3. **rules** — every knock-out and referral that applies to the segment: passed, failed, or not
   evaluated (data missing, or the rule failed to compute) — never an exception;
4. **limit** — the product's maximum, the product's own limit method (from stage 2), the cap of
   the grade, of the size class, every exposure cap less the exposure it counts, rounded down;
   approved amount = min(amount asked for, limit);
5. **outcome** — a failed knock-out declines; a limit under the product's minimum declines (or
   refers, as the policy says); else a failed referral, a rule not evaluated, a product limit that
   could not be computed or a missing scorecard refers; else the authority matrix decides
   whether the platform may approve on its own (amount and grade) — if not, a person does;
6. **price** — `pricing.price` on the decision date's LPR; fees; the schedule preview and the
   IRR-based 年化利率 (`loans.schedules`) for an approved or referred application.

`inputs_to_dict`/`inputs_from_dict` and `result_to_dict`/`result_from_dict` round-trip exactly
(Decimals as strings, dates ISO, texts as ``{"zh", "en"}``); `replay.compare` compares two
result dicts.

Pure: no database, no web.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import cel

from smecredit.decisioning import authority, pricing
from smecredit.decisioning.policy import (
    DECLINE,
    KNOCKOUT,
    VARIABLES,
    Policy,
    Rule,
    Segment,
    fill,
    names_read,
    show,
)
from smecredit.decisioning.pricing import Step
from smecredit.kernel.money import FEN
from smecredit.kernel.text import Text
from smecredit.products import eligibility
from smecredit.products.fit import data_needed

APPROVED, DECLINED, REFERRED = "approved", "declined", "referred"
OUTCOMES = (APPROVED, DECLINED, REFERRED)
OUTCOME_LABELS: dict[str, Text] = {
    APPROVED: Text("批准", "Approved"), DECLINED: Text("拒绝", "Declined"), REFERRED: Text("转人工审批", "Referred to a person"),
}
PASSED, FAILED, NOT_EVALUATED = "passed", "failed", "not_evaluated"
RESULT_LABELS: dict[str, Text] = {
    PASSED: Text("通过", "Passed"), FAILED: Text("未通过", "Failed"), NOT_EVALUATED: Text("未评估", "Not evaluated"),
}
ENTRUSTED, SELF = "entrusted", "self"
PREVIEW_INSTALMENTS = 3
NUMERIC_UNITS = frozenset({"CNY", "ratio", "years", "days", "months", "count", "persons", "times", "percent", "points"})
INCLUSIVE_SIZES = frozenset({"micro", "small"})  # 普惠型小微企业: small and micro enterprises


# --- the inputs ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ApplicationTerms:
    no: str
    amount: Decimal
    term_months: int
    repayment_method: str
    guarantee_mode: str
    purpose: str
    product_code: str
    product_version_id: int
    product_kind: str


@dataclass(frozen=True)
class LimitInput:
    """One input of the product's limit method as stage 2 computed it (shown in the risk report)."""

    key: str
    label: Text
    value: Any  # Decimal | int | str | None, in `unit`
    unit: str
    source: str  # profile | record | typed | statements | parameter | default


@dataclass(frozen=True)
class ProductFacts:
    code: str
    kind: str
    name: Text
    version_id: int
    min_amount: Decimal
    max_amount: Decimal
    spread_min: Decimal  # percentage points over the reference rate
    spread_max: Decimal
    entrusted_payment_above: Decimal
    limit_amount: Decimal | None  # the product's own limit method (stage 2); None: it could not be computed
    limit_formula: Text | None = None
    limit_inputs: tuple[LimitInput, ...] = ()
    limit_note: Text | None = None


@dataclass(frozen=True)
class EnterpriseFacts:
    id: int
    uscc: str
    name: str
    size_class: str  # micro | small | medium | large
    industry: str | None


@dataclass(frozen=True)
class GroupMember:
    """A related enterprise (stage 1 relationships) and its exposure with the lender."""

    enterprise_id: int
    name: str
    relation: Text
    exposure: Decimal


@dataclass(frozen=True)
class Exposure:
    existing: Decimal = Decimal("0.00")  # this enterprise: outstanding and approved-but-undrawn credit with us
    group_members: tuple[GroupMember, ...] = ()
    bureau_outstanding: Decimal | None = None  # outstanding loans in the credit report (all lenders)

    @property
    def group_existing(self) -> Decimal:
        return sum((m.exposure for m in self.group_members), Decimal("0.00"))


@dataclass(frozen=True)
class ReferenceRates:
    """The LPR in force on the decision date: percent, and the date it was published."""

    one_year: Decimal
    five_year_plus: Decimal
    on: date

    def by_tenor(self) -> dict[str, Decimal]:
        return {"1y": self.one_year, "5y+": self.five_year_plus}


@dataclass(frozen=True)
class DecisionInputs:
    application: ApplicationTerms
    product: ProductFacts
    enterprise: EnterpriseFacts
    features: Mapping[str, Any]  # the profile's feature values by key (None: no data)
    profile_id: int | None
    exposure: Exposure
    reference_rates: ReferenceRates
    decision_date: date

    def __post_init__(self) -> None:
        # One form for every feature value (a number written as text becomes a Decimal, by the
        # feature's unit), so the inputs decide exactly as their stored dict does on replay.
        object.__setattr__(self, "features", {k: typed_value(k, v) for k, v in self.features.items()})


def product_facts(*, definition: Any, version_id: int, limit: Any | None) -> ProductFacts:
    """The product facts of a decision from a `products.definition.ProductDefinition` and the
    `products.limits.LimitResult` of its limit method for this application (None: not computed)."""
    d = definition
    return ProductFacts(
        code=d.code, kind=d.kind, name=d.name, version_id=version_id, min_amount=d.min_amount, max_amount=d.max_amount,
        spread_min=d.pricing.spread_min, spread_max=d.pricing.spread_max, entrusted_payment_above=d.entrusted_payment_above,
        limit_amount=None if limit is None else limit.amount, limit_formula=None if limit is None else limit.formula,
        limit_inputs=() if limit is None else tuple(LimitInput(i.key, i.label, i.value, i.unit, i.source) for i in limit.inputs),
        limit_note=None if limit is None else limit.note)


# --- the result ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleResult:
    code: str
    kind: str  # knockout | referral
    label: Text  # the requirement in words
    result: str  # passed | failed | not_evaluated
    message: Text  # the reason with the actual values; for not_evaluated, what is missing
    values: Mapping[str, Any]  # the variables the rule read and shows, as they were
    missing: tuple[str, ...] = ()  # the variables it lacked


@dataclass(frozen=True)
class Reason:
    code: str
    kind: str  # knockout | referral | data_missing | limit | authority | approval | note
    message: Text


@dataclass(frozen=True)
class ScoreLine:
    feature: str
    label: Text
    value: Any
    bin_label: Text
    points: Decimal
    max_points: Decimal
    reason: Text


@dataclass(frozen=True)
class FeeLine:
    code: str
    label: Text
    timing: str  # upfront | per_instalment
    amount: Decimal


@dataclass(frozen=True)
class Instalment:
    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    payment: Decimal
    balance: Decimal


@dataclass(frozen=True)
class SchedulePreview:
    method: str  # the repayment method (a revolving line previews as interest-only by actual days)
    instalments: tuple[Instalment, ...]  # the first few
    count: int
    total_principal: Decimal
    total_interest: Decimal
    total_payment: Decimal
    total_fees: Decimal
    last_due_date: date


@dataclass(frozen=True)
class DecisionResult:
    outcome: str
    route: str
    segment: str
    segment_name: Text
    policy_code: str
    policy_sha256: str
    rule_results: tuple[RuleResult, ...]
    reasons: tuple[Reason, ...]
    scorecard_code: str
    scorecard_sha256: str | None
    score: int | None
    grade: str | None
    pd: Decimal | None
    contributions: tuple[ScoreLine, ...]
    reason_codes: tuple[ScoreLine, ...]
    amount_asked: Decimal
    limit: Decimal
    limit_steps: tuple[Step, ...]
    approved_amount: Decimal | None
    tenor: str
    reference_rate: Decimal
    reference_rate_on: date
    annual_rate: Decimal  # percent, 4 dp
    rate_steps: tuple[Step, ...]
    apr: Decimal | None  # 年化利率, percent, 2 dp (IRR-based)
    apr_method: str
    fees: tuple[FeeLine, ...]
    penalty_rate: Decimal
    misuse_rate: Decimal
    repayment_method: str
    term_months: int
    payment_mode: str | None  # entrusted (受托支付) | self (自主支付); None when declined
    schedule_preview: SchedulePreview | None


# --- the decision -------------------------------------------------------------------------------------

def _values(inputs: DecisionInputs) -> dict[str, Any]:
    """Every variable by its key as people see it (fill, rule values)."""
    a, e, x, p = inputs.application, inputs.enterprise, inputs.exposure, inputs.product
    values: dict[str, Any] = dict(inputs.features)
    values.update({
        "application.amount": a.amount, "application.term_months": a.term_months,
        "application.repayment_method": a.repayment_method, "application.guarantee_mode": a.guarantee_mode,
        "application.purpose": a.purpose,
        "enterprise.size_class": e.size_class, "enterprise.industry": e.industry,
        "enterprise.inclusive": e.size_class in INCLUSIVE_SIZES,
        "product.code": p.code, "product.kind": p.kind, "product.min_amount": p.min_amount, "product.max_amount": p.max_amount,
        "product.limit": p.limit_amount,
        "exposure.existing": x.existing, "exposure.after": x.existing + a.amount,
        "exposure.group_existing": x.group_existing, "exposure.group_total": x.existing + x.group_existing + a.amount,
        "exposure.group_members": len(x.group_members), "exposure.bureau_outstanding": x.bureau_outstanding,
    })
    return values


def _context(values: Mapping[str, Any], keys: tuple[str, ...]) -> cel.Context:
    """The CEL context of the variables ``keys`` that have a value (maps nested). Built once per
    decision with only the names the policy reads (`Policy.variables_read`): a context of every
    variable would cost more than all the rules together."""
    found: dict[str, Any] = {}
    for key in keys:
        value = values.get(key)
        if value is None:
            continue
        if "." in key:
            name, field_name = key.split(".", 1)
            found.setdefault(name, {})[field_name] = eligibility.cel_value(value)
        else:
            found[key] = eligibility.cel_value(value)
    return cel.Context(variables=found)


def _missing(keys, values: Mapping[str, Any]) -> list[str]:
    return [k for k in keys if values.get(k) is None]


def _what_is_missing(keys) -> Text:
    features = [k for k in keys if k in eligibility.VARIABLES]
    others = [VARIABLES[k].label for k in keys if k not in eligibility.VARIABLES and k in VARIABLES]
    parts = ([data_needed(features)] if features else []) + others
    return Text.join(parts, sep_zh="、", sep_en=", ")


def _holds(expression: str, context, values: Mapping[str, Any]) -> tuple[bool | None, list[str]]:
    """(True/False, []) or (None, the missing variables) — (None, []) when the rule failed to compute."""
    absent = _missing(names_read(expression), values)
    if absent:
        return None, absent
    try:
        return eligibility.evaluate(expression, context), []
    except eligibility.RuleFailure:
        return None, []


def _segment(policy: Policy, values: Mapping[str, Any], context) -> tuple[Segment, bool]:
    for segment in policy.segments:
        holds, _absent = _holds(segment.when, context, values)
        if holds:
            return segment, True
    return policy.segments[-1], False


def _rule_result(rule: Rule, context, values: Mapping[str, Any]) -> RuleResult:
    shown = {k: values.get(k) for k in dict.fromkeys(rule.reads + rule.shows)}
    holds, absent = _holds(rule.when, context, values)
    if holds is None and absent:
        what = _what_is_missing(absent)
        message = Text(f"无法判断「{rule.label.zh}」：缺少{what.zh}，需人工核实",
                       f"Cannot check \u201c{rule.label.en}\u201d: {what.en} missing; a person checks")
        return RuleResult(rule.code, rule.kind, rule.label, NOT_EVALUATED, message, shown, tuple(absent))
    if holds is None:
        message = Text(f"无法判断「{rule.label.zh}」：规则计算出错，需人工核实",
                       f"Cannot check \u201c{rule.label.en}\u201d: the rule failed to compute; a person checks")
        return RuleResult(rule.code, rule.kind, rule.label, NOT_EVALUATED, message, shown)
    if holds:
        return RuleResult(rule.code, rule.kind, rule.label, FAILED, fill(rule.reason, values), shown)
    return RuleResult(rule.code, rule.kind, rule.label, PASSED, rule.label, shown)


def _yuan(amount: Decimal) -> Text:
    return Text(f"{amount:,.2f} 元", f"{amount:,.2f} yuan")


def _limit(segment: Segment, inputs: DecisionInputs, grade: str | None, values: Mapping[str, Any], context
           ) -> tuple[Decimal, list[Step], list[Reason]]:
    rules, product, exposure = segment.limits, inputs.product, inputs.exposure
    steps: list[Step] = []
    problems: list[Reason] = []
    limit = product.max_amount
    steps.append(Step("product_max", Text("产品最高额度", "The product's maximum"), product.max_amount, limit))
    if product.limit_amount is not None:
        limit = min(limit, product.limit_amount)
        steps.append(Step("product_method", product.limit_formula or Text("产品额度测算", "The product's limit method"),
                          product.limit_amount, limit, product.limit_note))
    else:
        note = product.limit_note or Text("测算所需数据不全", "Data the method needs is missing")
        steps.append(Step("product_method", product.limit_formula or Text("产品额度测算", "The product's limit method"), None, limit, note))
        problems.append(Reason("product_limit_not_computed", "data_missing",
                               note.prefixed("产品额度无法测算，需人工核定：", "The product's limit could not be computed; a person sets it: ")))
    if grade is not None:
        cap = rules.caps_by_grade[grade]
        limit = min(limit, cap)
        steps.append(Step("grade_cap", Text(f"评级 {grade} 的额度上限", f"Cap for grade {grade}"), cap, limit))
    size = inputs.enterprise.size_class
    if size in rules.caps_by_size_class:
        cap = rules.caps_by_size_class[size]
        limit = min(limit, cap)
        label = show("enterprise.size_class", size)
        steps.append(Step("size_class_cap", Text(f"{label.zh}企业额度上限", f"Cap for {label.en} enterprises"), cap, limit))
    for cap in segment.limits.exposure_caps:
        if cap.when is not None:
            applies, _absent = _holds(cap.when, context, values)
            if applies is False:
                continue
            # unknown whether it applies: apply it (a cap is never waived for lack of data)
        counted = exposure.existing + (exposure.group_existing if cap.includes == "group" else Decimal("0.00"))
        room = max(cap.max_total - counted, Decimal("0.00"))
        limit = min(limit, room)
        total, used, left = _yuan(cap.max_total), _yuan(counted), _yuan(room)
        counted_what = Text("本企业及关联企业现有授信", "existing exposure of this enterprise and related enterprises") \
            if cap.includes == "group" else Text("现有授信", "existing exposure")
        steps.append(Step(cap.code, cap.label, room, limit,
                          Text(f"上限 {total.zh} − {counted_what.zh} {used.zh} = {left.zh}",
                               f"{total.en} cap − {counted_what.en} {used.en} = {left.en}")))
    rounded = ((limit / rules.round_down_to).to_integral_value(rounding=ROUND_FLOOR) * rules.round_down_to).quantize(FEN)
    if rounded != limit:
        steps.append(Step("round_down", Text(f"按 {rules.round_down_to:,.2f} 元向下取整", f"Rounded down to {rules.round_down_to:,.2f} yuan"),
                          rules.round_down_to, rounded))
    return max(rounded, Decimal("0.00")), steps, problems


def _binding(steps: list[Step]) -> Step | None:
    """The step that brought the limit to its lowest (before rounding): what bounds it."""
    bound, lowest = None, None
    for step in steps:
        if step.code == "round_down" or step.after is None:
            continue
        if lowest is None or step.after < lowest:
            bound, lowest = step, step.after
    return bound


def _score_line(c: Any) -> ScoreLine:
    return ScoreLine(c.feature, c.label, c.value, c.bin_label, c.points, c.max_points, c.reason)


def _preview(schedule: tuple[Any, ...], method: str, fees: tuple[FeeLine, ...]) -> SchedulePreview:
    each = sum((f.amount for f in fees if f.timing == pricing.PER_INSTALMENT), Decimal("0.00"))
    upfront = sum((f.amount for f in fees if f.timing == pricing.UPFRONT), Decimal("0.00"))
    return SchedulePreview(
        method=method,
        instalments=tuple(Instalment(i.number, i.due_date, i.principal, i.interest, i.payment, i.balance)
                          for i in schedule[:PREVIEW_INSTALMENTS]),
        count=len(schedule),
        total_principal=sum((i.principal for i in schedule), Decimal("0.00")),
        total_interest=sum((i.interest for i in schedule), Decimal("0.00")),
        total_payment=sum((i.payment for i in schedule), Decimal("0.00")),
        total_fees=upfront + each * len(schedule),
        last_due_date=schedule[-1].due_date)


def decide(policy: Policy, scorecards: Mapping[str, Any], inputs: DecisionInputs) -> DecisionResult:
    """The decision for one application (see the module's note). Never raises for data: missing or
    odd values become rule results and reasons; a programming error still raises."""
    a, product = inputs.application, inputs.product
    values = _values(inputs)
    segment, matched = _segment(policy, values, _context(values, policy.segment_variables))
    reasons_data: list[Reason] = []
    if not matched:
        reasons_data.append(Reason("no_segment", "data_missing",
                                   Text(f"没有适用的客群，按「{segment.name.zh}」处理，需人工审查",
                                        f"No segment applies; treated as \u201c{segment.name.en}\u201d, a person reviews")))

    # score
    card = scorecards.get(segment.scorecard)
    score = grade = pd = None
    contributions: tuple[ScoreLine, ...] = ()
    reason_codes: tuple[ScoreLine, ...] = ()
    if card is not None:
        scored = card.score(inputs.features)
        score = scored.score
        band = segment.grades.band_for(score)
        grade, pd = band.grade, band.pd
        values.update(score=score, grade=grade, pd=pd)
        contributions = tuple(_score_line(c) for c in scored.contributions)
        reason_codes = tuple(_score_line(c) for c in scored.reason_codes(4))
    else:
        reasons_data.append(Reason("scorecard_unavailable", "data_missing",
                                   Text(f"评分卡 {segment.scorecard} 不可用，需人工审查",
                                        f"The scorecard {segment.scorecard} is not available; a person reviews")))

    # rules
    context = _context(values, policy.variables_read)
    results = tuple(_rule_result(rule, context, values) for rule in policy.rules if rule.applies_to(segment.code))

    # limit
    limit, limit_steps, limit_problems = _limit(segment, inputs, grade, values, context)
    approved = min(a.amount, limit)

    # outcome
    knocked = [r for r in results if r.kind == KNOCKOUT and r.result == FAILED]
    referred = [r for r in results if r.result == FAILED and r.kind != KNOCKOUT]
    unknown = [r for r in results if r.result == NOT_EVALUATED]
    reasons: list[Reason] = []
    matrix = segment.authority
    below_minimum = approved <= 0 or limit < product.min_amount
    if below_minimum:
        lim, least = _yuan(limit), _yuan(product.min_amount)
        bound = _binding(limit_steps)
        why = Text("", "") if bound is None else Text(
            f"（额度受「{bound.label.zh}」限制" + (f"：{bound.note.zh}" if bound.note else "") + "）",
            f" (bound by: {bound.label.en}" + (f": {bound.note.en}" if bound.note else "") + ")")
        below = Reason("limit_below_minimum", "limit",
                       Text(f"核定额度 {lim.zh}低于产品最低额度 {least.zh}{why.zh}",
                            f"The limit, {lim.en}, is below the product's minimum of {least.en}{why.en}"))
    if knocked:
        outcome, route = DECLINED, authority.AUTOMATIC
        reasons += [Reason(r.code, KNOCKOUT, r.message) for r in knocked]
    elif below_minimum and segment.limits.below_minimum == DECLINE:
        outcome, route = DECLINED, authority.AUTOMATIC
        reasons.append(below)
    else:
        reasons += [Reason(r.code, "referral", r.message) for r in referred]
        reasons += [Reason(r.code, "data_missing", r.message) for r in unknown]
        reasons += reasons_data + limit_problems
        if below_minimum:
            reasons.append(below)
        route = authority.route_for(matrix, amount=max(approved, a.amount) if below_minimum else approved, grade=grade,
                                    referred=bool(reasons))
        if route == authority.AUTOMATIC:
            outcome = APPROVED
            reasons.append(Reason("automatic_approval", "approval",
                                  Text(f"符合全部准入条件，评分 {score} 分、评级 {grade}，在自动审批权限内",
                                       f"Every admission rule holds; a score of {score}, grade {grade}, within the automatic authority")))
        else:
            outcome = REFERRED
            if not reasons:
                why = authority.automatic_refusal(matrix, amount=approved, grade=grade)
                if why is not None:
                    reasons.append(Reason(why.code, "authority", why.message))
            route_label = authority.ROUTE_LABELS[route]
            reasons.append(Reason("route", "authority", Text(f"审批路径：{route_label.zh}", f"Route: {route_label.en}")))
    if outcome != DECLINED and approved < a.amount:
        got, asked = _yuan(approved), _yuan(a.amount)
        # referred: people decide, so the applicant is not told it is approved
        then = Text("按核定额度批准", "the limit is offered") if outcome == APPROVED else \
            Text("如获批准，按核定额度发放", "if approved, the limit is offered")
        reasons.append(Reason("approved_below_asked", "limit",
                              Text(f"核定额度 {got.zh}低于申请金额 {asked.zh}，{then.zh}",
                                   f"The limit, {got.en}, is below the amount asked for ({asked.en}); {then.en}")))

    # price
    rules = segment.pricing
    price_grade = grade if grade is not None else segment.grades.order[-1]
    price = pricing.price(rules, grade=price_grade, guarantee_mode=a.guarantee_mode, term_months=a.term_months,
                          reference_rates=inputs.reference_rates.by_tenor(), product_spread=(product.spread_min, product.spread_max))
    rate_steps = price.steps
    if grade is None:
        rate_steps = rate_steps + (Step("no_grade", Text("无评级，按最低等级定价", "No grade: priced at the lowest grade"), None, None),)
    fees: tuple[FeeLine, ...] = ()
    apr = preview = payment_mode = None
    if outcome != DECLINED and approved > 0:
        charged = []
        for fee in rules.fees:
            if fee.when is not None:
                applies, _absent = _holds(fee.when, context, values)
                if not applies:
                    continue
            charged.append(pricing.charge(fee, approved))
        fees = tuple(FeeLine(c.code, c.label, c.timing, c.amount) for c in charged)
        schedule = pricing.schedule(principal=approved, annual_rate=price.annual_rate, months=a.term_months,
                                    method=a.repayment_method, start=inputs.decision_date)
        apr = pricing.apr(principal=approved, fees=charged, instalments=schedule, received_on=inputs.decision_date)
        preview = _preview(schedule, a.repayment_method, fees)
        payment_mode = ENTRUSTED if approved > product.entrusted_payment_above else SELF

    return DecisionResult(
        outcome=outcome, route=route, segment=segment.code, segment_name=segment.name, policy_code=policy.code,
        policy_sha256=policy.sha256, rule_results=results, reasons=tuple(reasons), scorecard_code=segment.scorecard,
        scorecard_sha256=card.sha256 if card is not None else None, score=score, grade=grade, pd=pd,
        contributions=contributions, reason_codes=reason_codes, amount_asked=a.amount, limit=limit,
        limit_steps=tuple(limit_steps), approved_amount=approved if outcome != DECLINED else None, tenor=price.tenor,
        reference_rate=price.reference_rate, reference_rate_on=inputs.reference_rates.on, annual_rate=price.annual_rate,
        rate_steps=rate_steps, apr=apr, apr_method=pricing.APR_METHOD, fees=fees, penalty_rate=price.penalty_rate,
        misuse_rate=price.misuse_rate, repayment_method=a.repayment_method, term_months=a.term_months,
        payment_mode=payment_mode, schedule_preview=preview)


# --- to and from JSON-ready dicts ---------------------------------------------------------------------

_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def encode(value: Any) -> Any:
    """Decimals as strings, dates ISO, texts ``{"zh", "en"}``, tuples as lists, dataclasses as dicts."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:
        return value
    if kind is Decimal:
        return str(value)
    if kind is Text:
        return {"zh": value.zh, "en": value.en}
    if kind is tuple or kind is list:
        return [encode(v) for v in value]
    if kind is dict:
        return {str(k): encode(v) for k, v in value.items()}
    names = _FIELD_NAMES.get(kind)
    if names is not None:
        out = {}
        for name in names:  # the leaves inline: a call per leaf is most of the cost of a record
            item = getattr(value, name)
            item_kind = type(item)
            if item is None or item_kind is str or item_kind is int or item_kind is bool:
                out[name] = item
            elif item_kind is Decimal:
                out[name] = str(item)
            elif item_kind is Text:
                out[name] = {"zh": item.zh, "en": item.en}
            else:
                out[name] = encode(item)
        return out
    if is_dataclass(value):
        _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
        return encode(value)
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        raise TypeError("decisions hold no floats")
    raise TypeError(f"cannot encode {kind.__name__}")


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _date(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _text(value: Any) -> Text | None:
    return None if value is None else Text(value["zh"], value["en"])


def typed_value(key: str, value: Any, unit: str | None = None) -> Any:
    """A stored value back in its type: a number written as a string is a Decimal when its unit is numeric."""
    if unit is None:
        variable = VARIABLES.get(key)
        unit = variable.unit if variable else ""
    if isinstance(value, str) and unit in NUMERIC_UNITS:
        return Decimal(value)
    return value


def _step(d: Mapping[str, Any]) -> Step:
    return Step(d["code"], _text(d["label"]), _dec(d["value"]), _dec(d["after"]), _text(d.get("note")))


def inputs_to_dict(inputs: DecisionInputs) -> dict[str, Any]:
    return encode(inputs)


def inputs_from_dict(data: Mapping[str, Any]) -> DecisionInputs:
    a, p, e, x, r = data["application"], data["product"], data["enterprise"], data["exposure"], data["reference_rates"]
    return DecisionInputs(
        application=ApplicationTerms(a["no"], Decimal(a["amount"]), a["term_months"], a["repayment_method"], a["guarantee_mode"],
                                     a["purpose"], a["product_code"], a["product_version_id"], a["product_kind"]),
        product=ProductFacts(p["code"], p["kind"], _text(p["name"]), p["version_id"], Decimal(p["min_amount"]), Decimal(p["max_amount"]),
                             Decimal(p["spread_min"]), Decimal(p["spread_max"]), Decimal(p["entrusted_payment_above"]),
                             _dec(p["limit_amount"]), _text(p.get("limit_formula")),
                             tuple(LimitInput(i["key"], _text(i["label"]), typed_value(i["key"], i["value"], i["unit"]), i["unit"], i["source"])
                                   for i in p.get("limit_inputs", ())),
                             _text(p.get("limit_note"))),
        enterprise=EnterpriseFacts(e["id"], e["uscc"], e["name"], e["size_class"], e["industry"]),
        features={k: typed_value(k, v) for k, v in data["features"].items()},
        profile_id=data["profile_id"],
        exposure=Exposure(Decimal(x["existing"]),
                          tuple(GroupMember(m["enterprise_id"], m["name"], _text(m["relation"]), Decimal(m["exposure"]))
                                for m in x["group_members"]),
                          _dec(x["bureau_outstanding"])),
        reference_rates=ReferenceRates(Decimal(r["one_year"]), Decimal(r["five_year_plus"]), date.fromisoformat(r["on"])),
        decision_date=date.fromisoformat(data["decision_date"]))


def result_to_dict(result: DecisionResult) -> dict[str, Any]:
    return encode(result)


def _score_line_from(d: Mapping[str, Any]) -> ScoreLine:
    return ScoreLine(d["feature"], _text(d["label"]), typed_value(d["feature"], d["value"]), _text(d["bin_label"]),
                     Decimal(d["points"]), Decimal(d["max_points"]), _text(d["reason"]))


def result_from_dict(data: Mapping[str, Any]) -> DecisionResult:
    preview = data["schedule_preview"]
    return DecisionResult(
        outcome=data["outcome"], route=data["route"], segment=data["segment"], segment_name=_text(data["segment_name"]),
        policy_code=data["policy_code"], policy_sha256=data["policy_sha256"],
        rule_results=tuple(RuleResult(r["code"], r["kind"], _text(r["label"]), r["result"], _text(r["message"]),
                                      {k: typed_value(k, v) for k, v in r["values"].items()}, tuple(r["missing"]))
                           for r in data["rule_results"]),
        reasons=tuple(Reason(r["code"], r["kind"], _text(r["message"])) for r in data["reasons"]),
        scorecard_code=data["scorecard_code"], scorecard_sha256=data["scorecard_sha256"], score=data["score"],
        grade=data["grade"], pd=_dec(data["pd"]),
        contributions=tuple(_score_line_from(c) for c in data["contributions"]),
        reason_codes=tuple(_score_line_from(c) for c in data["reason_codes"]),
        amount_asked=Decimal(data["amount_asked"]), limit=Decimal(data["limit"]),
        limit_steps=tuple(_step(s) for s in data["limit_steps"]), approved_amount=_dec(data["approved_amount"]),
        tenor=data["tenor"], reference_rate=Decimal(data["reference_rate"]), reference_rate_on=date.fromisoformat(data["reference_rate_on"]),
        annual_rate=Decimal(data["annual_rate"]), rate_steps=tuple(_step(s) for s in data["rate_steps"]), apr=_dec(data["apr"]),
        apr_method=data["apr_method"], fees=tuple(FeeLine(f["code"], _text(f["label"]), f["timing"], Decimal(f["amount"])) for f in data["fees"]),
        penalty_rate=Decimal(data["penalty_rate"]), misuse_rate=Decimal(data["misuse_rate"]),
        repayment_method=data["repayment_method"], term_months=data["term_months"], payment_mode=data["payment_mode"],
        schedule_preview=None if preview is None else SchedulePreview(
            preview["method"],
            tuple(Instalment(i["number"], date.fromisoformat(i["due_date"]), Decimal(i["principal"]), Decimal(i["interest"]),
                             Decimal(i["payment"]), Decimal(i["balance"])) for i in preview["instalments"]),
            preview["count"], Decimal(preview["total_principal"]), Decimal(preview["total_interest"]),
            Decimal(preview["total_payment"]), Decimal(preview["total_fees"]), date.fromisoformat(preview["last_due_date"])))


__all__ = ["DecisionInputs", "DecisionResult", "ApplicationTerms", "ProductFacts", "EnterpriseFacts", "Exposure", "GroupMember",
           "ReferenceRates", "LimitInput", "product_facts", "RuleResult", "Reason", "ScoreLine", "FeeLine", "Instalment", "SchedulePreview", "Step",
           "decide", "inputs_to_dict", "inputs_from_dict", "result_to_dict", "result_from_dict", "encode", "typed_value",
           "OUTCOMES", "APPROVED", "DECLINED", "REFERRED"]
