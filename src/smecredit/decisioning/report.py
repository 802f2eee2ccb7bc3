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

from smecredit.enterprises.connectors.registry import STATUS_LABELS
from smecredit.enterprises.profile_rules import FEATURES_BY_KEY
from smecredit.enterprises.summary import Flag
from smecredit.kernel.money import format_yuan
from smecredit.kernel.text import Text, text_of
from smecredit.products import vocabulary

TITLE = Text("风险评估报告", "Risk assessment report")
NOT_RECORDED = Text("未记录", "Not recorded")
DASH = Text("—", "—")

OUTCOMES: dict[str, Text] = {
    "approved": Text("自动批准", "Approved automatically"),
    "declined": Text("自动拒绝", "Declined automatically"),
    "referred": Text("转人工审查", "Referred to a reviewer"),
}
ROUTES: dict[str, Text] = {
    "automatic": Text("自动审批（权限内，无需人工）", "Automatic (within the automatic authority, no human)"),
    "review": Text("审查 → 审批", "Review, then approval"),
    "committee": Text("审查 → 贷审会", "Review, then the credit committee (贷审会)"),
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
STAGES: dict[str, Text] = {
    "review": Text("审查", "Review"),
    "approval": Text("审批", "Approval"),
    "committee": Text("贷审会", "Credit committee"),
}
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
APR_METHODS: dict[str, Text] = {
    "irr": Text("内部收益率法（IRR，按月现金流，月利率×12）", "Internal rate of return (monthly cash flows, monthly rate × 12)"),
    "simple": Text("单利法", "Simple interest"),
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
    name: str
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
    message: Text
    values: tuple[Fact, ...]

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
    """One step of a computation (limit or price): what, the value, why."""

    key: str
    label: Text
    value: Text
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
    rate_steps: tuple[Step, ...]
    pricing_facts: tuple[Fact, ...]
    schedule: tuple[Instalment, ...]
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
        return value
    if isinstance(value, (int, str)):
        try:
            return Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            return None
    if isinstance(value, float):  # never written by the engine; read as its shortest decimal text
        return Decimal(repr(value))
    return None


def money(value: Any) -> Text:
    """¥1,234.00 in both languages (— when not recorded)."""
    amount = _decimal(value)
    return DASH if amount is None else _same(format_yuan(amount))


def percent(value: Any, places: int = 2) -> Text:
    """A rate stored in percent ("3.4500") as 3.45%."""
    rate = _decimal(value)
    if rate is None:
        return DASH
    return _same(f"{rate.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)}%")


def probability(value: Any) -> Text:
    """A probability (0.0123) as a percentage with two places (1.23%)."""
    p = _decimal(value)
    if p is None:
        return DASH
    return _same(f"{(p * 100).quantize(Decimal('0.01'), ROUND_HALF_UP)}%")


def _points(value: Any) -> Decimal | None:
    return _decimal(value)


def _text(value: Any) -> Text | None:
    """A stored text: a {"zh","en"} dict (or a Text); anything else is not a text for people."""
    if isinstance(value, Text):
        return value
    if isinstance(value, Mapping) and ("zh" in value or "en" in value):
        return text_of(dict(value))
    return None


_UNITS: dict[str, Text] = {
    "years": Text("年", " years"), "days": Text("天", " days"), "months": Text("个月", " months"),
    "persons": Text("人", " persons"), "count": Text("", ""),
}


def feature_value(key: str, value: Any, *, unit: str | None = None, value_type: str | None = None) -> Text:
    """A feature's value as people read it, by the unit of the feature catalogue: amounts in yuan,
    ratios as percentages, flags as 是/否, registry codes by their names; — when missing."""
    if value is None or value == "":
        return DASH
    spec = FEATURES_BY_KEY.get(key)
    unit = unit or (spec.unit if spec else None)
    if isinstance(value, bool) or value in ("true", "false") or unit == "flag":
        truthy = value is True or str(value).lower() == "true"
        return Text("是", "Yes") if truthy else Text("否", "No")
    if key == "registry_status":
        found = STATUS_LABELS.get(str(value))
        return Text(found[0], found[1]) if found else _same(str(value))
    number = _decimal(value) if not isinstance(value, str) or value_type != "str" else None
    if number is not None:
        if unit == "CNY":
            return _same(format_yuan(number))
        if unit == "ratio":
            if key in ("current_ratio", "quick_ratio"):
                return Text(f"{number.quantize(Decimal('0.01'), ROUND_HALF_UP)}倍", f"{number.quantize(Decimal('0.01'), ROUND_HALF_UP)}×")
            return _same(f"{(number * 100).quantize(Decimal('0.01'), ROUND_HALF_UP)}%")
        suffix = _UNITS.get(unit or "", Text("", ""))
        shown = f"{number.normalize():f}" if number == number.to_integral_value() else f"{number:f}"
        return Text(f"{shown}{suffix.zh}", f"{shown}{suffix.en}")
    return _same(str(value))


def feature_label(key: str) -> Text:
    spec = FEATURES_BY_KEY.get(key)
    return Text(spec.label_zh, spec.label_en) if spec else Text("其他数据项", "Other item")


def _fact(key: str, zh: str, en: str, value: Text | str | None, *, note: Text | None = None, emphasis: bool = False) -> Fact:
    if value is None:
        shown = NOT_RECORDED
    elif isinstance(value, str):
        shown = _same(value)
    else:
        shown = value
    return Fact(key, Text(zh, en), shown, note, emphasis)


def _months(n: Any) -> Text:
    return Text(f"{n} 个月", f"{n} months") if n is not None else NOT_RECORDED


def _list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _first(data: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in data and data[key] is not None:
            return data[key]
    return None


# --- the sections --------------------------------------------------------------------------------------


def _header(app: ApplicationFacts, decision: DecisionRecord | None) -> Header:
    if decision is None:
        return Header(TITLE, app.no, app.enterprise_name, None, None, None,
                      (_fact("decision", "决策", "Decision", Text("尚未决策", "Not decided yet")),))
    result = decision.result
    outcome_code = str(result.get("outcome") or "")
    elapsed = decision.elapsed_ms
    facts = (
        _fact("policy", "授信政策版本", "Credit policy version", decision.policy,
              note=_same(f"SHA-256 {decision.policy_sha256[:12]}") if decision.policy_sha256 else None),
        _fact("scorecard", "评分卡版本", "Scorecard version",
              decision.scorecard if decision.scorecard else Text("未使用评分卡", "No scorecard used"),
              note=_same(f"SHA-256 {decision.scorecard_sha256[:12]}") if decision.scorecard_sha256 else None),
        _fact("decision_date", "决策日期", "Decision date",
              decision.decision_date.isoformat() if decision.decision_date else None),
        _fact("elapsed", "决策耗时", "Time taken",
              Text(f"{elapsed.quantize(Decimal('0.1'), ROUND_HALF_UP)} 毫秒", f"{elapsed.quantize(Decimal('0.1'), ROUND_HALF_UP)} ms")
              if elapsed is not None else None),
    )
    return Header(TITLE, app.no, app.enterprise_name,
                  _fact("decision", "决策编号", "Decision", Text(f"#{decision.id}（第 {decision.sequence} 次决策）",
                                                                  f"#{decision.id} (decision {decision.sequence})")),
                  vocabulary.label_of(OUTCOMES, outcome_code), outcome_code, facts)


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
        _fact("repayment_method", "还款方式", "Repayment method", vocabulary.label_of(vocabulary.REPAYMENT_METHODS, app.repayment_method)),
        _fact("guarantee_mode", "担保方式", "Guarantee", vocabulary.guarantee_label(app.guarantee_mode)),
        _fact("purpose", "借款用途", "Purpose", app.purpose),
        _fact("status", "当前状态", "Status", app.status),
        _fact("submitted_at", "提交时间", "Submitted", app.submitted_at.isoformat(sep=" ", timespec="minutes")
              if app.submitted_at else None),
    ]
    if result:
        outcome = str(result.get("outcome") or "")
        facts.append(_fact("outcome", "自动决策结果", "Automatic decision", vocabulary.label_of(OUTCOMES, outcome), emphasis=True))
        if result.get("approved_amount") is not None:
            facts.append(_fact("approved_amount", "建议批准金额", "Amount recommended", money(result.get("approved_amount")),
                               emphasis=True))
    return tuple(facts)


def _reasons(result: Mapping[str, Any]) -> tuple[Text, ...]:
    out = []
    for reason in _list(result.get("reasons")):
        message = _text(_map(reason).get("message")) if isinstance(reason, Mapping) else _text(reason)
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
        kind = vocabulary.label_of(RULE_KINDS, str(rule.get("kind") or ""))
        for key in _map(rule.get("values")):
            if key in FEATURES_BY_KEY and kind not in used.setdefault(key, []):
                used[key].append(kind)
    return used


def _features(features: Sequence[FeatureSource], inputs: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[FeatureLine, ...]:
    """Every feature the decision had, with its source; the ones the policy used first. A feature
    in the decision's inputs that the profile does not list (or the other way round) still shows."""
    used = _used_by(result)
    decided_with = _map(inputs.get("features"))
    by_key = {f.key: f for f in features}
    keys = list(dict.fromkeys([*decided_with.keys(), *by_key.keys()]))
    lines = []
    for key in keys:
        stored = by_key.get(key)
        if key in decided_with:
            value = feature_value(key, decided_with[key], unit=stored.unit if stored else None,
                                  value_type=stored.value_type if stored else None)
        elif stored is not None:
            value = feature_value(key, stored.value, unit=stored.unit, value_type=stored.value_type)
        else:
            value = DASH
        if stored is not None:
            source = stored.source or Text("企业申报", "Declared by the enterprise")
            lines.append(FeatureLine(key, stored.label, value, source, stored.provider, stored.snapshot_id,
                                     stored.captured_at, stored.sandbox, stored.missing_reason if value == DASH else None,
                                     tuple(used.get(key, ()))))
        else:
            lines.append(FeatureLine(key, feature_label(key), value, Text("决策输入", "Decision input"), None, None, None,
                                     False, None, tuple(used.get(key, ()))))
    lines.sort(key=lambda line: 0 if line.used_by else 1)
    return tuple(lines)


def _rules(result: Mapping[str, Any]) -> tuple[RuleLine, ...]:
    out = []
    for r in _list(result.get("rule_results")):
        rule = _map(r)
        values = tuple(
            Fact(str(name), feature_label(str(name)) if str(name) in FEATURES_BY_KEY else Text("取值", "Value"),
                 feature_value(str(name), value))
            for name, value in _map(rule.get("values")).items())
        out.append(RuleLine(str(rule.get("code") or ""), str(rule.get("kind") or ""), str(rule.get("result") or ""),
                            _text(rule.get("message")) or NOT_RECORDED, values))
    order = {"failed": 0, "not_evaluated": 1, "passed": 2}
    out.sort(key=lambda r: (order.get(r.result, 3), 0 if r.kind == "knockout" else 1))
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
    facts = (
        _fact("scorecard", "评分卡", "Scorecard", scorecard or (str(result["scorecard_code"]) if result.get("scorecard_code") else None)),
        _fact("segment", "客群", "Segment", _text(result.get("segment_label")) or
              (str(result["segment"]) if result.get("segment") else None)),
        _fact("score", "评分", "Score", str(result["score"]) if result.get("score") is not None else None, emphasis=True),
        _fact("grade", "信用等级", "Grade", str(result["grade"]) if result.get("grade") else None, emphasis=True),
        _fact("pd", "违约概率（PD）", "Probability of default", probability(result.get("pd"))),
    )
    ranks = {key: i + 1 for i, key in enumerate(_reason_keys(result))}
    lines = []
    for c in _list(result.get("contributions")):
        item = _map(c)
        key = str(item.get("feature") or "")
        lines.append(ContributionLine(
            key, _text(item.get("label")) or feature_label(key), feature_value(key, item.get("value")),
            _text(_first(item, "bin", "bin_label")) or DASH, _points(item.get("points")), _points(item.get("max_points")),
            _text(item.get("reason")), ranks.get(key)))
    return facts, tuple(lines)


def _step_value(step: Mapping[str, Any]) -> Text:
    if step.get("amount") is not None:
        return money(step["amount"])
    if step.get("rate") is not None:
        return percent(step["rate"], 4)
    if step.get("delta") is not None:
        delta = _decimal(step["delta"])
        if delta is not None:
            sign = "+" if delta >= 0 else "−"
            shown = f"{sign}{abs(delta).quantize(Decimal('0.0001'), ROUND_HALF_UP)}%"
            return _same(shown)
    shown = _text(step.get("value"))
    if shown is not None:
        return shown
    if step.get("value") is not None:
        return _same(str(step["value"]))
    return DASH


def _steps(items: Iterable[Any]) -> tuple[Step, ...]:
    out = []
    for raw in items:
        step = _map(raw)
        label = _text(step.get("label")) or _text(step.get("message"))
        if label is None:
            continue
        out.append(Step(str(step.get("code") or step.get("key") or ""), label, _step_value(step),
                        _text(_first(step, "note", "detail", "source"))))
    return tuple(out)


def _limit(app: ApplicationFacts, result: Mapping[str, Any]) -> tuple[tuple[Step, ...], tuple[Fact, ...]]:
    if not result:
        return (), ()
    facts = (
        _fact("asked", "申请金额", "Amount asked for", money(app.amount)),
        _fact("limit", "测算额度", "Limit computed", money(result.get("limit")), emphasis=True),
        _fact("approved_amount", "建议批准金额", "Amount recommended", money(result.get("approved_amount")), emphasis=True),
    )
    return _steps(_list(result.get("limit_steps"))), facts


def _pricing(inputs: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[tuple[Step, ...], tuple[Fact, ...], tuple[Instalment, ...]]:
    if not result:
        return (), (), ()
    rates = _map(inputs.get("reference_rates"))
    facts: list[Fact] = []
    on = rates.get("on")
    for tenor in ("1y", "5y+"):
        if rates.get(tenor) is not None:
            facts.append(_fact(f"lpr_{tenor}", f"贷款市场报价利率（LPR，{TENORS[tenor].zh}）",
                               f"Loan prime rate (LPR, {TENORS[tenor].en})", percent(rates[tenor]),
                               note=Text(f"{on} 公布", f"published {on}") if on else None))
    method = str(result.get("apr_method") or "")
    facts += [
        _fact("annual_rate", "执行年利率", "Annual interest rate", percent(result.get("annual_rate"), 4), emphasis=True),
        _fact("apr", "年化利率（含全部借款成本）", "Annualised rate of all borrowing costs (APR)", percent(result.get("apr")),
              note=(APR_METHODS.get(method) or _text(result.get("apr_method_label")) or
                    Text("按实际到手本金计算（人民银行公告〔2021〕第3号）", "On the principal actually received (PBoC notice 2021 No. 3)")),
              emphasis=True),
        _fact("penalty_rate", "罚息利率", "Penalty interest rate", percent(result.get("penalty_rate"), 4)),
        _fact("repayment_method", "还款方式", "Repayment method",
              vocabulary.label_of(vocabulary.REPAYMENT_METHODS, str(result.get("repayment_method") or ""))
              if result.get("repayment_method") else None),
        _fact("term", "期限", "Term", _months(result.get("term_months")) if result.get("term_months") else None),
        _fact("payment_mode", "支付方式", "Payment mode",
              vocabulary.label_of(vocabulary.PAYMENT_MODES, str(result["payment_mode"])) if result.get("payment_mode") else None),
    ]
    fees = result.get("fees")
    fee_items = _list(fees) or [{"label": k, "amount": v} for k, v in _map(fees).items()]
    for i, fee in enumerate(fee_items):
        fee = _map(fee)
        label = _text(fee.get("label")) or Text("费用", "Fee")
        facts.append(Fact(f"fee_{i}", label.prefixed("费用：", "Fee: "), money(fee.get("amount"))))
    schedule = []
    for raw in _list(result.get("schedule_preview")):
        row = _map(raw)
        schedule.append(Instalment(int(row.get("number") or len(schedule) + 1), str(row.get("due_date") or ""),
                                   money(row.get("principal")), money(row.get("interest")), money(row.get("payment")),
                                   money(row.get("balance"))))
    return _steps(_list(result.get("rate_steps"))), tuple(facts), tuple(schedule)


def _exposure(app: ApplicationFacts, inputs: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[tuple[Fact, ...], tuple[GroupMember, ...]]:
    exposure = _map(inputs.get("exposure"))
    if not exposure and not result:
        return (), ()
    existing = _decimal(_first(exposure, "enterprise", "existing", "enterprise_exposure"))
    recommended = _decimal(result.get("approved_amount"))
    facts = [
        _fact("existing", "本企业现有授信敞口（本平台）", "This enterprise's exposure with us now", money(existing)),
        _fact("bureau", "征信报告未结清贷款余额", "Outstanding loans in the credit report",
              money(_first(exposure, "bureau_outstanding", "bureau"))),
        _fact("this", "本笔建议金额", "This application (recommended)", money(recommended)),
    ]
    if existing is not None and recommended is not None:
        facts.append(_fact("after", "本笔后单户授信总额", "The enterprise's total after this one", money(existing + recommended),
                           emphasis=True))
    group = []
    for raw in _list(_first(exposure, "group", "group_members")):
        member = _map(raw)
        group.append(GroupMember(str(member.get("name") or member.get("uscc") or "—"), _text(member.get("relation")),
                                 money(_first(member, "exposure", "amount"))))
    group_total = _first(exposure, "group_total", "group_exposure")
    if group or group_total is not None:
        facts.append(_fact("group_total", "关联企业集团授信敞口合计", "Exposure of the group of related enterprises",
                           money(group_total)))
    return tuple(facts), tuple(group)


def _route(result: Mapping[str, Any], reviews: Sequence[ReviewLine], votes: Sequence[VoteLine]) -> tuple[Fact, ...]:
    if not result:
        return ()
    route = str(result.get("route") or "")
    facts = [_fact("route", "审批路径", "Route", vocabulary.label_of(ROUTES, route), emphasis=True)]
    authority = _text(result.get("authority_reason")) or _text(result.get("route_reason"))
    if authority:
        facts.append(_fact("authority", "权限依据", "Authority", authority))
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
    limit_steps, limit_facts = _limit(application, result)
    rate_steps, pricing_facts, schedule = _pricing(inputs, result)
    exposure_facts, group = _exposure(application, inputs, result)
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
        rate_steps=rate_steps,
        pricing_facts=pricing_facts,
        schedule=schedule,
        exposure_facts=exposure_facts,
        group=group,
        route_facts=_route(result, reviews, votes),
        reviews=tuple(sorted(reviews, key=lambda r: r.at)),
        votes=tuple(sorted(votes, key=lambda v: (v.round, v.at))),
        overrides=tuple(sorted(overrides, key=lambda o: o.at)),
        documents=tuple(documents),
        timeline=tuple(sorted(timeline, key=lambda t: t.at)),
    )
