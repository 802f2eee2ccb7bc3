"""风险评估报告 (risk assessment report): what a reviewer, an approver or a committee member reads
before acting on an application, as one view model for the page and the PDF.

Pure: no database, no web. The page (`report_pages.py`) reads the stored decision (its inputs and
result as the engine wrote them, `engine.inputs_to_dict` / `result_to_dict`), the application,
the credit profile the decision used (every feature with its source), the red flags of the
officer's summary (`enterprises/summary.py`), the documents, the timeline and what people did
(reviews, committee votes, overrides), and hands them here as plain values; `build` turns them into
ten sections, every code replaced by its name in Chinese and English:

1 申请概况 · 2 企业画像及数据来源 · 3 准入与拒绝规则结果 · 4 评分卡得分明细 · 5 额度测算 ·
6 定价测算 · 7 授信敞口 · 8 审批路径与审批意见 · 9 材料清单 · 10 时间线

with a header naming the decision, the policy and scorecard versions and the time the decision
took. A section whose data the decision does not hold says so instead of showing nothing. The
stored dicts are read defensively (a missing key is "not recorded", never a crash): a report must
open for every decision ever made, including those of older engine versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from smecredit.decisioning import authority, policy, pricing
from smecredit.enterprises.profile_rules import FEATURES_BY_KEY
from smecredit.enterprises.summary import Flag
from smecredit.kernel.clock import to_local
from smecredit.kernel.money import format_yuan
from smecredit.kernel.text import Text, text_of
from smecredit.products import fit, vocabulary

TITLE = Text("风险评估报告", "Risk assessment report")
NOT_RECORDED = Text("未记录", "Not recorded")
NO_DATA = Text("（无数据）", "(no data)")
DASH = Text("—", "—")

OUTCOMES: dict[str, Text] = {
    "approved": Text("自动批准", "Approved automatically"),
    "declined": Text("自动拒绝", "Declined automatically"),
    "referred": Text("转人工审查", "Referred to a reviewer"),
}
ROUTES: dict[str, Text] = {
    authority.AUTOMATIC: Text("自动审批（权限内，无需人工）", "Automatic (within the automatic authority, no human)"),
    authority.REVIEW: Text("审查 → 审批", "Review, then approval"),
    authority.COMMITTEE: Text("审查 → 贷审会", "Review, then the credit committee (贷审会)"),
}
RULE_KINDS: dict[str, Text] = {
    "knockout": Text("准入/拒绝规则", "Knock-out rule"),
    "referral": Text("转人工规则", "Referral rule"),
}
RULE_RESULTS: dict[str, Text] = {
    "passed": Text("通过", "Passed"),
    "failed": Text("未通过", "Failed"),
    "not_evaluated": Text("未评估", "Not evaluated"),
}
#: What a failed rule of each kind means for the application.
FAILED_MEANS: dict[str, Text] = {
    "knockout": Text("拒绝", "Decline"),
    "referral": Text("转人工", "Refer"),
}
STAGES: dict[str, Text] = authority.STAGE_LABELS
REVIEW_ACTIONS: dict[str, Text] = {
    "approve": Text("同意", "Approve"),
    "decline": Text("否决", "Decline"),
    "return": Text("退回", "Return"),
}
HUMAN_RESULTS: dict[str, Text] = {
    "approved": Text("批准", "Approved"),
    "declined": Text("拒绝", "Declined"),
    "referred": Text("转人工", "Referred"),
}
APR_METHODS: dict[str, Text] = {pricing.APR_METHOD: pricing.APR_METHOD_TEXT}
#: Rate steps whose figure is added to the rate (percentage points); the others are rates.
ADDED_RATE_STEPS = frozenset({"grade_spread", "guarantee_adjustment", "term_adjustment"})
#: Where an input of the product's limit method came from.
LIMIT_INPUT_SOURCES: dict[str, Text] = {
    "profile": Text("信用画像", "Credit profile"),
    "record": Text("企业档案", "Enterprise record"),
    "typed": Text("客户填报", "Typed by the applicant"),
    "statements": Text("财务报表推算", "Derived from the financial statements"),
    "parameter": Text("产品参数", "Product parameter"),
    "default": Text("未填报，按 0 计", "Not given: counted as 0"),
}
FEE_TIMINGS: dict[str, Text] = {
    pricing.UPFRONT: Text("放款时从本金中扣收", "Deducted from the principal paid out"),
    pricing.PER_INSTALMENT: Text("每期随还款收取", "With every instalment"),
}
TENORS = vocabulary.TENORS

SECTIONS: tuple[tuple[str, Text], ...] = (
    ("overview", Text("一、申请概况", "1. The application")),
    ("profile", Text("二、企业画像及数据来源", "2. Credit profile and its sources")),
    ("rules", Text("三、准入与拒绝规则结果", "3. Admission and knock-out rules")),
    ("score", Text("四、评分卡得分明细", "4. Scorecard breakdown")),
    ("limit", Text("五、额度测算", "5. Limit computation")),
    ("pricing", Text("六、定价测算", "6. Pricing")),
    ("exposure", Text("七、授信敞口", "7. Credit exposure")),
    ("approval", Text("八、审批路径与审批意见", "8. Approval route and opinions")),
    ("documents", Text("九、材料清单", "9. Documents")),
    ("timeline", Text("十、时间线", "10. Timeline")),
)
SECTION_TITLES: dict[str, Text] = dict(SECTIONS)


# --- what the page hands in -------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationFacts:
    """The application as it stands (labels already resolved by the caller)."""

    id: int
    no: str
    enterprise_name: str
    uscc: str
    product_name: Text
    amount: Decimal
    term_months: int
    repayment_method: str
    guarantee_mode: str
    purpose: str
    status: Text
    submitted_at: datetime | None = None
    size_class: Text | None = None
    industry: Text | None = None


@dataclass(frozen=True)
class DecisionRecord:
    """One stored decision: its row's facts and its stored inputs and result (parsed JSON)."""

    id: int
    sequence: int
    created_at: datetime | None
    decision_date: date | None
    elapsed_ms: Decimal | None
    policy: str  # "sme-default v1"
    policy_sha256: str | None
    scorecard: str | None
    scorecard_sha256: str | None
    inputs: Mapping[str, Any]
    result: Mapping[str, Any]


@dataclass(frozen=True)
class FeatureSource:
    """One feature of the profile the decision used, with where it came from."""

    key: str
    label: Text
    value: str | None  # value_text as stored (None: missing)
    value_type: str = "str"
    unit: str | None = None
    source: Text | None = None  # the kind of source; None: declared by the enterprise
    provider: Text | None = None
    snapshot_id: int | None = None
    captured_at: datetime | None = None
    sandbox: bool = False
    missing_reason: Text | None = None


@dataclass(frozen=True)
class DocumentLine:
    kind: Text
    filename: str
    sha256: str
    size: int
    uploaded_at: datetime | None
    content_type: str = ""
    href: str | None = None


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    role: Text
    name: str
    action: Text
    to_status: Text
    note: str | None = None


@dataclass(frozen=True)
class ReviewLine:
    stage: str
    name: str
    role: Text
    action: str
    comment: str | None
    at: datetime
    round: int = 1

    @property
    def stage_label(self) -> Text:
        return vocabulary.label_of(STAGES, self.stage)

    @property
    def action_label(self) -> Text:
        return vocabulary.label_of(REVIEW_ACTIONS, self.action)


@dataclass(frozen=True)
class VoteLine:
    round: int
    name: str
    role: Text
    vote: str
    comment: str
    at: datetime
    dissent: bool = False  # voted against the committee's resolution

    @property
    def vote_label(self) -> Text:
        return vocabulary.label_of(REVIEW_ACTIONS, self.vote)


@dataclass(frozen=True)
class OverrideLine:
    automatic: str
    human: str
    stage: str
    name: Text  # a user name, or the credit committee
    reason: str
    at: datetime

    @property
    def automatic_label(self) -> Text:
        return vocabulary.label_of(HUMAN_RESULTS, self.automatic)

    @property
    def human_label(self) -> Text:
        return vocabulary.label_of(HUMAN_RESULTS, self.human)

    @property
    def stage_label(self) -> Text:
        return vocabulary.label_of(STAGES, self.stage)


# --- what the report shows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One labelled value; ``key`` names it for tests and styles (never shown)."""

    key: str
    label: Text
    value: Text
    note: Text | None = None
    emphasis: bool = False


@dataclass(frozen=True)
class FeatureLine:
    key: str
    label: Text
    value: Text
    source: Text
    provider: Text | None
    snapshot_id: int | None
    captured_at: datetime | None
    sandbox: bool
    missing_reason: Text | None
    used_by: tuple[Text, ...]  # what used it: the scorecard, rules (by their wording), the limit

    @property
    def missing(self) -> bool:
        return self.value == DASH


@dataclass(frozen=True)
class RuleLine:
    code: str
    kind: str
    result: str  # passed | failed | not_evaluated
    message: Text  # what was found, with the actual values
    values: tuple[Fact, ...]
    requirement: Text | None = None  # the rule in words

    @property
    def kind_label(self) -> Text:
        return vocabulary.label_of(RULE_KINDS, self.kind)

    @property
    def result_label(self) -> Text:
        return vocabulary.label_of(RULE_RESULTS, self.result)

    @property
    def effect(self) -> Text | None:
        return FAILED_MEANS.get(self.kind) if self.result == "failed" else None


@dataclass(frozen=True)
class ContributionLine:
    feature: str
    label: Text
    value: Text
    bin: Text
    points: Decimal | None
    max_points: Decimal | None
    reason: Text | None
    reason_rank: int | None  # 1 = the feature that cost most points (a reason code), else None

    @property
    def lost(self) -> Decimal | None:
        if self.points is None or self.max_points is None:
            return None
        return self.max_points - self.points


@dataclass(frozen=True)
class Step:
    """One step of a computation (limit or price): what, the figure it brings, the result after it, why."""

    key: str
    label: Text
    value: Text
    after: Text
    note: Text | None = None


@dataclass(frozen=True)
class Instalment:
    number: int
    due_date: str
    principal: Text
    interest: Text
    payment: Text
    balance: Text


@dataclass(frozen=True)
class LimitInput:
    """One input of the product's own limit method (stage 2), with where it came from."""

    key: str
    label: Text
    value: Text
    source: Text


@dataclass(frozen=True)
class GroupMember:
    name: str
    relation: Text | None
    exposure: Text


@dataclass(frozen=True)
class Header:
    title: Text
    application_no: str
    enterprise_name: str
    decision: Fact | None  # "决策编号 #12（第 1 次）"
    outcome: Text | None
    outcome_code: str | None
    facts: tuple[Fact, ...]  # versions, date, elapsed


@dataclass(frozen=True)
class RiskReport:
    header: Header
    generated_at: datetime | None
    decided: bool  # a decision exists (otherwise sections 3–7 say it has not been decided)
    overview: tuple[Fact, ...]
    reasons: tuple[Text, ...]
    profile_facts: tuple[Fact, ...]
    flags: tuple[Flag, ...]
    unchecked: tuple[Text, ...]
    features: tuple[FeatureLine, ...]
    rules: tuple[RuleLine, ...]
    score_facts: tuple[Fact, ...]
    contributions: tuple[ContributionLine, ...]
    limit_steps: tuple[Step, ...]
    limit_facts: tuple[Fact, ...]
    limit_method: Text | None
    limit_inputs: tuple[LimitInput, ...]
    rate_steps: tuple[Step, ...]
    pricing_facts: tuple[Fact, ...]
    schedule: tuple[Instalment, ...]
    schedule_facts: tuple[Fact, ...]
    exposure_facts: tuple[Fact, ...]
    group: tuple[GroupMember, ...]
    route_facts: tuple[Fact, ...]
    reviews: tuple[ReviewLine, ...]
    votes: tuple[VoteLine, ...]
    overrides: tuple[OverrideLine, ...]
    documents: tuple[DocumentLine, ...]
    timeline: tuple[TimelineLine, ...]
    sections: tuple[tuple[str, Text], ...] = field(default=SECTIONS)

    @property
    def failed_rules(self) -> tuple[RuleLine, ...]:
        return tuple(r for r in self.rules if r.result == "failed")

    @property
    def dissent(self) -> tuple[VoteLine, ...]:
        return tuple(v for v in self.votes if v.dissent)


# --- formatting --------------------------------------------------------------------------------------


def _same(value: str) -> Text:
    return Text(value, value)


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, (int, str)):
        try:
            found = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            return None
        return found if found.is_finite() else None
    return None  # floats are never written by the engine; anything else is not a number


def money(value: Any) -> Text:
    """¥1,234.00 in both languages (— when not recorded)."""
    amount = _decimal(value)
    if amount is None or abs(amount) >= Decimal(10) ** 15:
        return DASH
    return _same(format_yuan(amount))


def percent(value: Any, places: int = 2) -> Text:
    """A rate stored in percent ("3.4500") as 3.45%."""
    rate = _decimal(value)
    if rate is None or abs(rate) >= Decimal(10) ** 9:
        return DASH
    return _same(f"{rate.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)}%")


def points_added(value: Any) -> Text:
    """Percentage points added to a rate: +0.50 个百分点 / +0.50 pp."""
    delta = _decimal(value)
    if delta is None or abs(delta) >= Decimal(10) ** 9:
        return DASH
    shown = f"{'+' if delta >= 0 else '−'}{abs(delta).quantize(Decimal('0.0001'), ROUND_HALF_UP)}"
    return Text(f"{shown} 个百分点", f"{shown} pp")


def probability(value: Any) -> Text:
    """A probability (0.0123) as a percentage with two places (1.23%)."""
    p = _decimal(value)
    if p is None or abs(p) > 1:
        return DASH
    return _same(f"{(p * 100).quantize(Decimal('0.01'), ROUND_HALF_UP)}%")


def _text(value: Any) -> Text | None:
    """A stored text: a {"zh","en"} dict (or a Text); anything else is not a text for people."""
    if isinstance(value, Text):
        return value
    if isinstance(value, Mapping) and ("zh" in value or "en" in value):
        return text_of({"zh": str(value.get("zh", "")), "en": str(value.get("en", ""))})
    return None


def variable_label(key: str) -> Text:
    """A variable a rule or the scorecard reads (a feature, ``application.amount`` …) by its name."""
    found = policy.VARIABLES.get(key)
    if found is not None:
        return found.label
    spec = FEATURES_BY_KEY.get(key)
    return Text(spec.label_zh, spec.label_en) if spec else Text("其他数据项", "Other item")


def feature_value(key: str, value: Any) -> Text:
    """A variable's stored value as people read it, in its unit (the engine's own `policy.show`:
    amounts in yuan, ratios as percentages, flags 是/否, codes by their names); — when missing."""
    if value is None or value == "":
        return DASH
    variable = policy.VARIABLES.get(key)
    unit = variable.unit if variable else ""
    typed: Any = value
    if isinstance(value, str) and unit in NUMERIC_UNITS:
        typed = _decimal(value)
        if typed is None:
            return _same(value)
    if unit == "flag" and not isinstance(typed, bool):
        typed = str(typed).lower() == "true"
    if key in TIMES and isinstance(typed, Decimal):  # current and quick ratios read as times, not percentages
        shown = typed.quantize(Decimal("0.01"), ROUND_HALF_UP)
        return Text(f"{shown} 倍", f"{shown} times")
    if isinstance(typed, (list, dict)):
        return _same(str(typed))
    try:
        return policy.show(key, typed)
    except (InvalidOperation, ValueError, TypeError, ArithmeticError):
        return _same(str(value))


TIMES = frozenset({"current_ratio", "quick_ratio"})
NUMERIC_UNITS = frozenset({"CNY", "ratio", "years", "days", "months", "count", "persons", "times", "percent", "points"})


def _fact(key: str, zh: str, en: str, value: Text | str | None, *, note: Text | None = None, emphasis: bool = False) -> Fact:
    if value is None:
        shown = NOT_RECORDED
    elif isinstance(value, str):
        shown = _same(value)
    else:
        shown = value
    return Fact(key, Text(zh, en), shown, note, emphasis)


def _months(n: Any) -> Text:
    return Text(f"{n} 个月", f"{n} months") if isinstance(n, int) and not isinstance(n, bool) else NOT_RECORDED


def _list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _label(table: Mapping[str, Text], code: Any) -> Text:
    return vocabulary.label_of(dict(table), str(code or ""))


# --- the sections --------------------------------------------------------------------------------------


def _header(app: ApplicationFacts, decision: DecisionRecord | None) -> Header:
    if decision is None:
        return Header(TITLE, app.no, app.enterprise_name, None, None, None,
                      (_fact("decision", "决策", "Decision", Text("尚未决策", "Not decided yet")),))
    result = _map(decision.result)
    outcome_code = str(result.get("outcome") or "")
    elapsed = decision.elapsed_ms
    tenth = Decimal("0.1")
    facts = (
        _fact("policy", "授信政策版本", "Credit policy version", decision.policy,
              note=_same(f"SHA-256 {decision.policy_sha256[:12]}") if decision.policy_sha256 else None),
        _fact("scorecard", "评分卡版本", "Scorecard version",
              decision.scorecard if decision.scorecard else Text("未使用评分卡", "No scorecard used"),
              note=_same(f"SHA-256 {decision.scorecard_sha256[:12]}") if decision.scorecard_sha256 else None),
        _fact("segment", "适用客群", "Segment", _text(result.get("segment_name"))),
        _fact("decision_date", "决策日期", "Decision date",
              decision.decision_date.isoformat() if decision.decision_date else None),
        _fact("elapsed", "决策耗时", "Time taken",
              Text(f"{elapsed.quantize(tenth, ROUND_HALF_UP)} 毫秒", f"{elapsed.quantize(tenth, ROUND_HALF_UP)} ms")
              if elapsed is not None else None),
    )
    return Header(TITLE, app.no, app.enterprise_name,
                  _fact("decision", "决策编号", "Decision", Text(f"#{decision.id}（第 {decision.sequence} 次决策）",
                                                                  f"#{decision.id} (decision {decision.sequence})")),
                  _label(OUTCOMES, outcome_code), outcome_code, facts)


def _overview(app: ApplicationFacts, result: Mapping[str, Any]) -> tuple[Fact, ...]:
    facts = [
        _fact("no", "申请编号", "Application no.", app.no),
        _fact("enterprise", "申请企业", "Enterprise", app.enterprise_name),
        _fact("uscc", "统一社会信用代码", "Unified social credit code", app.uscc),
    ]
    if app.size_class:
        facts.append(_fact("size_class", "企业划型", "Size class", app.size_class))
    if app.industry:
        facts.append(_fact("industry", "行业", "Industry", app.industry))
    facts += [
        _fact("product", "申请产品", "Product", app.product_name),
        _fact("amount", "申请金额", "Amount asked for", money(app.amount), emphasis=True),
        _fact("term", "申请期限", "Term", _months(app.term_months)),
        _fact("repayment_method", "还款方式", "Repayment method", _label(vocabulary.REPAYMENT_METHODS, app.repayment_method)),
        _fact("guarantee_mode", "担保方式", "Guarantee", vocabulary.guarantee_label(app.guarantee_mode)),
        _fact("purpose", "借款用途", "Purpose", app.purpose),
        _fact("status", "当前状态", "Status", app.status),
        _fact("submitted_at", "提交时间", "Submitted", _same(to_local(app.submitted_at).strftime("%Y-%m-%d %H:%M"))
              if app.submitted_at else None),
    ]
    if result:
        facts.append(_fact("outcome", "自动决策结果", "Automatic decision", _label(OUTCOMES, result.get("outcome")), emphasis=True))
        if result.get("approved_amount") is not None:
            facts.append(_fact("approved_amount", "建议批准金额", "Amount recommended", money(result.get("approved_amount")),
                               emphasis=True))
    return tuple(facts)


def _reasons(result: Mapping[str, Any]) -> tuple[Text, ...]:
    out = []
    for reason in _list(result.get("reasons")):
        message = _text(_map(reason).get("message"))
        if message is not None:
            out.append(message)
    return tuple(out)


def _used_by(result: Mapping[str, Any]) -> dict[str, list[Text]]:
    used: dict[str, list[Text]] = {}
    for c in _list(result.get("contributions")):
        key = str(_map(c).get("feature") or "")
        if key:
            used.setdefault(key, []).append(Text("评分卡", "Scorecard"))
    for r in _list(result.get("rule_results")):
        rule = _map(r)
        kind = _label(RULE_KINDS, rule.get("kind"))
        for key in [*_map(rule.get("values")), *_list(rule.get("missing"))]:
            if key in FEATURES_BY_KEY and kind not in used.setdefault(key, []):
                used[key].append(kind)
    return used


def _features(features: Sequence[FeatureSource], inputs: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[FeatureLine, ...]:
    """Every feature the decision had, with its source; the ones the policy used first. A feature
    in the decision's inputs that the profile rows do not list still shows (from the inputs)."""
    used = _used_by(result)
    decided_with = _map(inputs.get("features"))
    by_key = {f.key: f for f in features}
    lines = []
    for key in dict.fromkeys([*decided_with.keys(), *by_key.keys()]):
        stored = by_key.get(key)
        value = feature_value(key, decided_with[key] if key in decided_with else (stored.value if stored else None))
        if stored is not None:
            lines.append(FeatureLine(key, stored.label, value, stored.source or Text("企业申报", "Declared by the enterprise"),
                                     stored.provider, stored.snapshot_id, stored.captured_at, stored.sandbox,
                                     stored.missing_reason if value == DASH else None, tuple(used.get(key, ()))))
        else:
            lines.append(FeatureLine(key, variable_label(key), value, Text("决策输入", "Decision input"), None, None, None,
                                     False, None, tuple(used.get(key, ()))))
    lines.sort(key=lambda line: 0 if line.used_by else 1)
    return tuple(lines)


def _rules(result: Mapping[str, Any]) -> tuple[RuleLine, ...]:
    out = []
    for r in _list(result.get("rule_results")):
        rule = _map(r)
        shown = [Fact(str(name), variable_label(str(name)), feature_value(str(name), value) if value is not None else NO_DATA)
                 for name, value in _map(rule.get("values")).items()]
        shown += [Fact(str(name), variable_label(str(name)), NO_DATA)
                  for name in _list(rule.get("missing")) if str(name) not in _map(rule.get("values"))]
        out.append(RuleLine(str(rule.get("code") or ""), str(rule.get("kind") or ""), str(rule.get("result") or ""),
                            _text(rule.get("message")) or _text(rule.get("label")) or NOT_RECORDED, tuple(shown),
                            _text(rule.get("label"))))
    order = {"failed": 0, "not_evaluated": 1, "passed": 2}
    out.sort(key=lambda r: (order.get(r.result, 3), 0 if r.kind == policy.KNOCKOUT else 1))
    return tuple(out)


def _reason_keys(result: Mapping[str, Any]) -> list[str]:
    keys = []
    for item in _list(result.get("reason_codes")):
        key = item if isinstance(item, str) else _map(item).get("feature")
        if key:
            keys.append(str(key))
    return keys


def _score(result: Mapping[str, Any], scorecard: str | None) -> tuple[tuple[Fact, ...], tuple[ContributionLine, ...]]:
    if not result:
        return (), ()
    score = result.get("score")
    facts = (
        _fact("scorecard", "评分卡", "Scorecard", scorecard),
        _fact("score", "评分", "Score", str(score) if isinstance(score, int) and not isinstance(score, bool) else None,
              emphasis=True),
        _fact("grade", "信用等级", "Grade", str(result["grade"]) if isinstance(result.get("grade"), str) else None, emphasis=True),
        _fact("pd", "违约概率（PD）", "Probability of default", probability(result.get("pd"))),
    )
    ranks = {key: i + 1 for i, key in enumerate(_reason_keys(result))}
    lines = []
    for c in _list(result.get("contributions")):
        item = _map(c)
        key = str(item.get("feature") or "")
        lines.append(ContributionLine(
            key, _text(item.get("label")) or variable_label(key), feature_value(key, item.get("value")),
            _text(item.get("bin_label")) or _text(item.get("bin")) or DASH, _decimal(item.get("points")),
            _decimal(item.get("max_points")), _text(item.get("reason")), ranks.get(key)))
    return facts, tuple(lines)


def _steps(items: Iterable[Any], *, rates: bool) -> tuple[Step, ...]:
    out = []
    for raw in items:
        step = _map(raw)
        label = _text(step.get("label"))
        if label is None:
            continue
        code = str(step.get("code") or "")
        if rates:
            value = points_added(step.get("value")) if code in ADDED_RATE_STEPS else percent(step.get("value"), 4)
            after = percent(step.get("after"), 4)
        else:
            value, after = money(step.get("value")), money(step.get("after"))
        out.append(Step(code, label, value, after, _text(step.get("note"))))
    return tuple(out)


def _limit(app: ApplicationFacts, inputs: Mapping[str, Any], result: Mapping[str, Any]
           ) -> tuple[tuple[Step, ...], tuple[Fact, ...], Text | None, tuple[LimitInput, ...]]:
    if not result:
        return (), (), None, ()
    product = _map(inputs.get("product"))
    facts = (
        _fact("asked", "申请金额", "Amount asked for", money(result.get("amount_asked") or app.amount)),
        _fact("product_limit", "产品额度测算结果", "The product's own limit", money(product.get("limit_amount")),
              note=_text(product.get("limit_note"))),
        _fact("limit", "核定额度", "Limit", money(result.get("limit")), emphasis=True),
        _fact("approved_amount", "建议批准金额", "Amount recommended", money(result.get("approved_amount")), emphasis=True),
    )
    inputs_used = []
    for raw in _list(product.get("limit_inputs")):
        item = _map(raw)
        key = str(item.get("key") or "")
        unit = str(item.get("unit") or "")
        value = item.get("value")
        if value is None:
            shown = DASH
        elif unit == "CNY":
            shown = money(value)
        elif key in policy.VARIABLES:
            shown = feature_value(key, value)
        else:
            number = _decimal(value) if unit in NUMERIC_UNITS else None
            try:
                shown = fit.format_value(unit, number if number is not None else value, key)
            except (InvalidOperation, ValueError, TypeError, ArithmeticError):
                shown = _same(str(value))
        inputs_used.append(LimitInput(key, _text(item.get("label")) or variable_label(key), shown,
                                      _label(LIMIT_INPUT_SOURCES, item.get("source"))))
    return (_steps(_list(result.get("limit_steps")), rates=False), facts, _text(product.get("limit_formula")),
            tuple(inputs_used))


def _pricing(inputs: Mapping[str, Any], result: Mapping[str, Any]
             ) -> tuple[tuple[Step, ...], tuple[Fact, ...], tuple[Instalment, ...], tuple[Fact, ...]]:
    if not result:
        return (), (), (), ()
    rates = _map(inputs.get("reference_rates"))
    on = rates.get("on") or result.get("reference_rate_on")
    published = Text(f"{on} 公布", f"published {on}") if isinstance(on, str) else None
    facts: list[Fact] = []
    for key, tenor in (("one_year", "1y"), ("five_year_plus", "5y+")):
        if rates.get(key) is not None:
            facts.append(_fact(f"lpr_{tenor}", f"{TENORS[tenor].zh}贷款市场报价利率（LPR）",
                               f"{TENORS[tenor].en} loan prime rate (LPR)", percent(rates[key]), note=published))
    tenor = str(result.get("tenor") or "")
    if tenor in TENORS:
        facts.append(_fact("tenor", "定价基准", "Priced on", Text(f"{TENORS[tenor].zh} LPR {percent(result.get('reference_rate')).zh}",
                                                                   f"{TENORS[tenor].en} LPR {percent(result.get('reference_rate')).en}")))
    facts += [
        _fact("annual_rate", "执行年利率", "Annual interest rate", percent(result.get("annual_rate"), 4), emphasis=True),
        _fact("apr", "年化利率（含全部借款成本）", "Annualised rate of all borrowing costs (APR)", percent(result.get("apr")),
              note=(APR_METHODS.get(str(result.get("apr_method") or "")) or
                    Text("按实际到手本金计算（人民银行公告〔2021〕第3号）", "On the principal actually received (PBoC notice 2021 No. 3)")),
              emphasis=True),
        _fact("penalty_rate", "逾期罚息利率", "Penalty rate when overdue", percent(result.get("penalty_rate"), 4)),
        _fact("misuse_rate", "挪用罚息利率", "Penalty rate for misuse of funds", percent(result.get("misuse_rate"), 4)),
        _fact("repayment_method", "还款方式", "Repayment method",
              _label(vocabulary.REPAYMENT_METHODS, result.get("repayment_method")) if result.get("repayment_method") else None),
        _fact("term", "期限", "Term", _months(result.get("term_months"))),
        _fact("payment_mode", "支付方式", "Payment mode",
              _label(vocabulary.PAYMENT_MODES, result.get("payment_mode")) if result.get("payment_mode") else None),
    ]
    for i, raw in enumerate(_list(result.get("fees"))):
        fee = _map(raw)
        label = _text(fee.get("label")) or Text("费用", "Fee")
        timing = FEE_TIMINGS.get(str(fee.get("timing") or ""))
        facts.append(Fact(f"fee_{i}", label.prefixed("费用：", "Fee: "), money(fee.get("amount")), timing))
    preview = _map(result.get("schedule_preview"))
    schedule = []
    for raw in _list(preview.get("instalments")):
        row = _map(raw)
        number = row.get("number")
        schedule.append(Instalment(number if isinstance(number, int) and not isinstance(number, bool) else len(schedule) + 1,
                                   str(row.get("due_date") or ""), money(row.get("principal")), money(row.get("interest")),
                                   money(row.get("payment")), money(row.get("balance"))))
    totals: tuple[Fact, ...] = ()
    if preview:
        count = preview.get("count")
        totals = (
            _fact("count", "期数", "Instalments", str(count) if isinstance(count, int) else None),
            _fact("total_interest", "利息合计", "Total interest", money(preview.get("total_interest"))),
            _fact("total_fees", "费用合计", "Total fees", money(preview.get("total_fees"))),
            _fact("total_payment", "还款合计（本息）", "Total repaid (principal and interest)", money(preview.get("total_payment"))),
            _fact("last_due_date", "到期日", "Last due date", str(preview["last_due_date"]) if preview.get("last_due_date") else None),
        )
    return _steps(_list(result.get("rate_steps")), rates=True), tuple(facts), tuple(schedule), totals


def _exposure(inputs: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[tuple[Fact, ...], tuple[GroupMember, ...]]:
    exposure = _map(inputs.get("exposure"))
    if not exposure:
        return (), ()
    existing = _decimal(exposure.get("existing"))
    recommended = _decimal(result.get("approved_amount"))
    group = []
    group_existing = Decimal("0.00")
    for raw in _list(exposure.get("group_members")):
        member = _map(raw)
        amount = _decimal(member.get("exposure"))
        group_existing += amount or 0
        group.append(GroupMember(str(member.get("name") or "—"), _text(member.get("relation")), money(amount)))
    facts = [
        _fact("existing", "本企业现有授信敞口（本行）", "This enterprise's exposure with us now", money(existing)),
        _fact("this", "本笔建议金额", "This application (recommended)", money(recommended)),
    ]
    if existing is not None and recommended is not None:
        facts.append(_fact("after", "本笔后单户授信总额", "The enterprise's total after this one", money(existing + recommended),
                           emphasis=True))
    facts.append(_fact("bureau", "征信报告未结清贷款余额（全部机构）", "Outstanding loans in the credit report (all lenders)",
                       money(exposure.get("bureau_outstanding"))))
    facts.append(_fact("group_existing", "关联企业现有授信敞口", "Related enterprises' exposure with us",
                       money(group_existing) if group else Text("无关联企业", "No related enterprises")))
    if existing is not None and recommended is not None and group:
        facts.append(_fact("group_total", "关联企业集团授信总额（含本笔）", "Group exposure including this one",
                           money(existing + recommended + group_existing), emphasis=True))
    return tuple(facts), tuple(group)


def _route(result: Mapping[str, Any], votes: Sequence[VoteLine]) -> tuple[Fact, ...]:
    if not result:
        return ()
    facts = [_fact("route", "审批路径", "Route", _label(ROUTES, result.get("route")), emphasis=True)]
    why = [_text(_map(r).get("message")) for r in _list(result.get("reasons"))
           if _map(r).get("kind") == "authority" and _map(r).get("code") != "route"]
    if [w for w in why if w]:
        facts.append(_fact("authority", "权限依据", "Authority", Text.join([w for w in why if w])))
    if votes:
        approve = sum(1 for v in votes if v.vote == "approve")
        facts.append(_fact("votes", "贷审会表决", "Committee votes",
                           Text(f"同意 {approve} 票，否决 {len(votes) - approve} 票", f"{approve} for, {len(votes) - approve} against")))
    return tuple(facts)


def build(*, application: ApplicationFacts, decision: DecisionRecord | None = None,
          features: Sequence[FeatureSource] = (), profile_facts: Sequence[Fact] = (), flags: Sequence[Flag] = (),
          unchecked: Sequence[Text] = (), documents: Sequence[DocumentLine] = (), timeline: Sequence[TimelineLine] = (),
          reviews: Sequence[ReviewLine] = (), votes: Sequence[VoteLine] = (), overrides: Sequence[OverrideLine] = (),
          generated_at: datetime | None = None) -> RiskReport:
    """The report of one application and its latest decision (None: not decided yet)."""
    inputs = _map(decision.inputs) if decision else {}
    result = _map(decision.result) if decision else {}
    score_facts, contributions = _score(result, decision.scorecard if decision else None)
    limit_steps, limit_facts, limit_method, limit_inputs = _limit(application, inputs, result)
    rate_steps, pricing_facts, schedule, schedule_facts = _pricing(inputs, result)
    exposure_facts, group = _exposure(inputs, result)
    return RiskReport(
        header=_header(application, decision),
        generated_at=generated_at,
        decided=decision is not None,
        overview=_overview(application, result),
        reasons=_reasons(result),
        profile_facts=tuple(profile_facts),
        flags=tuple(flags),
        unchecked=tuple(unchecked),
        features=_features(features, inputs, result),
        rules=_rules(result),
        score_facts=score_facts,
        contributions=contributions,
        limit_steps=limit_steps,
        limit_facts=limit_facts,
        limit_method=limit_method,
        limit_inputs=limit_inputs,
        rate_steps=rate_steps,
        pricing_facts=pricing_facts,
        schedule=schedule,
        schedule_facts=schedule_facts,
        exposure_facts=exposure_facts,
        group=group,
        route_facts=_route(result, votes),
        reviews=tuple(sorted(reviews, key=lambda r: r.at)),
        votes=tuple(sorted(votes, key=lambda v: (v.round, v.at))),
        overrides=tuple(sorted(overrides, key=lambda o: o.at)),
        documents=tuple(documents),
        timeline=tuple(sorted(timeline, key=lambda t: t.at)),
    )


#: Column headers of the step tables (page and PDF).
COLUMN_LABELS: dict[str, Text] = {
    "step_figure": Text("本步数值", "Figure"),
    "limit_after": Text("测算后额度", "Limit after"),
    "rate_after": Text("调整后利率", "Rate after"),
}
