"""Deciding an application with the default policy and scorecards: every knock-out and referral
with the actual values in its reason; missing data refers, never crashes; the limit within every
cap (普惠型小微 1000万 including existing exposure, the group cap); the route by authority; the
offer (rate, 年化利率, schedule preview); exact round trips and replay."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smecredit.decisioning import engine, policy, replay
from smecredit.decisioning.engine import Exposure, GroupMember
from smecredit.kernel.text import Text

from .engine_helpers import GOOD_FEATURES, decide, default_policy, inputs, scorecards

D = Decimal
BAD_FINANCIALS = {"revenue_growth": D("-0.3"), "leverage": D("0.95"), "current_ratio": D("0.5"), "net_margin": D("-0.1"),
                  "bank_inflow_cv": D("1.2"), "quick_ratio": D("0.3")}
GRADE_C = {"revenue_growth": D("-0.1"), "leverage": D("0.7"), "current_ratio": D("0.9"), "net_margin": D("0.01"),
           "tax_credit_grade": "B", "bank_inflow_cv": D("0.5"), "queries_last_3m": 4}


def rule(result: engine.DecisionResult, code: str) -> engine.RuleResult:
    return next(r for r in result.rule_results if r.code == code)


def codes(result: engine.DecisionResult) -> list[str]:
    return [r.code for r in result.reasons]


# --- the sound case ----------------------------------------------------------------------------------

def test_a_sound_small_enterprise_is_approved_automatically_with_an_offer():
    r = decide()
    assert (r.outcome, r.route, r.segment, r.scorecard_code) == ("approved", "automatic", "micro_small", "sme-expert")
    assert r.grade == "A" and r.pd == D("0.008") and r.score >= 700
    assert all(x.result == "passed" for x in r.rule_results)
    assert codes(r) == ["automatic_approval"] and f"{r.score}" in r.reasons[0].message.zh
    assert r.limit == D("3000000.00") and r.approved_amount == D("500000.00")
    assert r.annual_rate == D("3.7000")  # LPR 3.00 + A 0.40 + unsecured 0.30 + 12 months 0.00
    assert r.apr == D("3.70") and r.apr_method == "irr" and r.fees == ()
    assert r.penalty_rate == D("5.5500") and r.payment_mode == "self"
    preview = r.schedule_preview
    assert len(preview.instalments) == 3 and preview.count == 12 and preview.total_principal == D("500000.00")
    assert preview.instalments[0].payment == preview.instalments[1].payment  # 等额本息
    assert preview.total_payment == preview.total_principal + preview.total_interest
    assert r.policy_sha256 == default_policy().sha256 and r.scorecard_sha256 == scorecards()["sme-expert"].sha256


def test_the_decision_is_deterministic():
    assert engine.result_to_dict(decide()) == engine.result_to_dict(decide())


def test_score_contributions_and_reason_codes_come_from_the_scorecard():
    r = decide(inputs(features={"queries_last_3m": 8, "leverage": D("0.8")}))
    assert len(r.contributions) == len(scorecards()["sme-expert"].characteristics)
    assert {c.feature for c in r.reason_codes} >= {"queries_last_3m", "leverage"}
    lost = [c.max_points - c.points for c in r.reason_codes]
    assert lost == sorted(lost, reverse=True)


# --- knock-outs and referrals: the actual value in the reason ---------------------------------------

KNOCKOUTS = [
    ("registry_not_active", {"registry_status": "revoked"}, {}, "工商登记状态为吊销", "Licence revoked"),
    ("operating_under_one_year", {"years_in_operation": D("0.50")}, {}, "经营年限 0.50 年", "0.50 years"),
    ("tax_grade_d", {"tax_credit_grade": "D"}, {}, "纳税信用等级为 D", "grade is D"),
    ("current_overdue", {"current_overdue_count": 2, "current_overdue_amount": D("35000.00")}, {},
     "当前逾期 2 笔，金额 35,000.00 元", "(35,000.00 yuan)"),
    ("controller_current_overdue", {"controller_current_overdue_count": 1, "controller_current_overdue_amount": D("8000.00")}, {},
     "实际控制人当前逾期 1 笔，金额 8,000.00 元", "8,000.00 yuan"),
    ("non_performing_loans", {"non_performing_loan_count": 1}, {}, "不良贷款（次级、可疑或损失）1 笔", "1 non-performing"),
    ("severe_delinquency", {"max_dpd_24m": 120}, {}, "最长逾期 120 天", "120 days"),
    ("dishonest_debtor", {"dishonest_debtor_flag": True}, {}, "失信被执行人名单（是）", "list (yes)"),
    ("controller_age", {"controller_age": 19}, {}, "实际控制人年龄 19 周岁", "19 years old"),
    ("controller_age", {"controller_age": 66}, {}, "实际控制人年龄 66 周岁", "66 years old"),
    ("large_enterprise", {}, {"enterprise__size_class": "large"}, "企业规模为大型", "large: outside"),
    ("grade_e", {**BAD_FINANCIALS, "overdue_months_24m": 7, "queries_last_3m": 12, "open_lawsuits_defendant_count": 3,
                 "top1_counterparty_share": D("0.8"), "controller_max_dpd_24m": 100}, {}, "评级 E（违约概率 15.00%）", "grade E"),
]


@pytest.mark.parametrize("code, features, changes, zh, en", KNOCKOUTS, ids=[f"{k[0]}-{i}" for i, k in enumerate(KNOCKOUTS)])
def test_each_knockout_declines_with_the_actual_value(code, features, changes, zh, en):
    r = decide(inputs(features=features, **changes))
    assert (r.outcome, r.route) == ("declined", "automatic")
    assert rule(r, code).result == "failed"
    reason = next(x for x in r.reasons if x.code == code)
    assert reason.kind == "knockout" and zh in reason.message.zh and en in reason.message.en
    assert r.approved_amount is None and r.schedule_preview is None and r.apr is None and r.payment_mode is None


REFERRALS = [
    ("new_enterprise", {"years_in_operation": D("1.50")}, {}, "经营年限 1.50 年，不满 2 年", "1.50 years"),
    ("tax_grade_c", {"tax_credit_grade": "C"}, {}, "纳税信用等级为 C", "grade is C"),
    ("open_lawsuits", {"open_lawsuits_defendant_count": 1, "open_lawsuits_defendant_amount": D("50000.00")}, {},
     "未结诉讼 1 件，涉案金额 50,000.00 元", "50,000.00 yuan at stake"),
    ("open_enforcement", {"enforcement_count": 1, "enforcement_amount": D("20000.00")}, {}, "1 条，金额 20,000.00 元", "20,000.00 yuan"),
    ("abnormal_operation", {"abnormal_operation_count": 1}, {}, "经营异常名录 1 次", "1 times"),
    ("controller_delinquency", {"controller_max_dpd_24m": 45}, {}, "最长逾期 45 天", "45 days"),
    ("many_credit_queries", {"queries_last_3m": 8}, {}, "征信查询 8 次", "8 credit queries"),
    ("few_bank_statements", {"bank_months_covered": 4}, {}, "仅覆盖 4 个月", "only 4 months"),
    ("old_credit_report", {"credit_report_age_days": 45}, {}, "已出具 45 天", "45 days old"),
    ("amount_vs_revenue", {"annual_revenue": D("800000.00")}, {}, "500,000.00 元超过年营业收入 800,000.00 元的一半", "(800,000.00 yuan)"),
    ("large_amount", {}, {"application__amount": D("3000000.00")}, "申请金额 3,000,000.00 元", "3,000,000.00 yuan"),
    ("grade_d", BAD_FINANCIALS, {}, "评级 D（违约概率 6.00%）", "grade D"),
    ("concentrated_customers", {"top1_counterparty_share": D("0.80")}, {}, "占流入的 80.00%", "80.00% of inflow"),
]


@pytest.mark.parametrize("code, features, changes, zh, en", REFERRALS, ids=[r[0] for r in REFERRALS])
def test_each_referral_sends_the_application_to_a_person_with_the_actual_value(code, features, changes, zh, en):
    r = decide(inputs(features=features, **changes))
    assert r.outcome == "referred" and r.route in ("review", "committee")
    assert rule(r, code).result == "failed"
    reason = next(x for x in r.reasons if x.code == code)
    assert reason.kind == "referral" and zh in reason.message.zh and en in reason.message.en
    assert r.approved_amount is not None and r.schedule_preview is not None and r.apr is not None
    assert r.reasons[-1].code == "route"


def test_the_default_policy_has_a_test_for_every_rule():
    tested = {k[0] for k in KNOCKOUTS} | {k[0] for k in REFERRALS}
    assert tested == {r.code for r in default_policy().rules}


# --- missing data refers, never crashes ---------------------------------------------------------------

DATA_RULES = [r for r in default_policy().rules if not set(r.reads) & {"score", "grade", "pd"}
              and any(k in GOOD_FEATURES for k in r.reads)]


@pytest.mark.parametrize("code", [r.code for r in DATA_RULES])
def test_a_rule_without_its_data_is_not_evaluated_and_refers(code):
    target = next(r for r in DATA_RULES if r.code == code)
    missing = tuple(k for k in target.reads if k in GOOD_FEATURES)
    r = decide(inputs(drop=missing))
    result = rule(r, code)
    assert result.result == "not_evaluated" and result.missing == missing
    assert r.outcome == "referred"
    reason = next(x for x in r.reasons if x.code == code)
    assert reason.kind == "data_missing" and target.label.zh in reason.message.zh and "missing" in reason.message.en


def test_an_enterprise_with_no_data_at_all_is_referred_not_declined():
    r = decide(inputs(features={k: None for k in GOOD_FEATURES}))
    assert r.outcome == "referred" and r.grade == "D"
    reading_features = {x.code for x in default_policy().rules if set(x.reads) & set(GOOD_FEATURES)}
    assert reading_features and all(x.result == "not_evaluated" for x in r.rule_results if x.code in reading_features)
    assert {x.kind for x in r.reasons} >= {"data_missing"}


def test_a_rule_that_fails_to_compute_is_not_evaluated_and_refers():
    text = policy.DEFAULT_PATH.read_text(encoding="utf-8").replace(
        "when: queries_last_3m > 6", "when: int(annual_revenue) / int(tax_paid_last12m) > 1000")
    custom = policy.parse(text)
    r = decide(inputs(features={"tax_paid_last12m": D("0.00")}), custom)
    result = rule(r, "many_credit_queries")
    assert result.result == "not_evaluated" and "failed to compute" in result.message.en
    assert r.outcome == "referred"


def test_a_missing_scorecard_refers_and_prices_at_the_lowest_grade():
    r = engine.decide(default_policy(), {}, inputs())
    assert r.outcome == "referred" and r.score is None and r.grade is None
    assert "scorecard_unavailable" in codes(r)
    assert rule(r, "grade_e").result == "not_evaluated"
    assert r.rate_steps[-1].code == "no_grade" and any(s.code == "grade_spread" and "E" in s.label.en for s in r.rate_steps)


def test_a_product_limit_that_could_not_be_computed_refers():
    r = decide(inputs(product__limit_amount=None, product__limit_note=Text("请填写应收账款周转天数", "Enter receivable days")))
    assert r.outcome == "referred"
    reason = next(x for x in r.reasons if x.code == "product_limit_not_computed")
    assert "请填写应收账款周转天数" in reason.message.zh
    assert r.limit == D("5000000.00")  # the other caps still apply


# --- the limit ------------------------------------------------------------------------------------------

def step(r: engine.DecisionResult, code: str) -> engine.Step:
    return next(s for s in r.limit_steps if s.code == code)


def test_the_inclusive_single_borrower_total_counts_existing_exposure():
    r = decide(inputs(exposure=Exposure(existing=D("9800000.00"))))
    assert r.limit == D("200000.00") and r.approved_amount == D("200000.00")
    s = step(r, "inclusive_single_borrower")
    assert s.value == D("200000.00") and "9,800,000.00" in s.note.zh and "10,000,000.00" in s.note.en
    assert r.outcome == "approved" and "approved_below_asked" in codes(r)
    below = next(x for x in r.reasons if x.code == "approved_below_asked")
    assert "200,000.00" in below.message.zh and "500,000.00" in below.message.en


def test_a_limit_under_the_product_minimum_declines():
    r = decide(inputs(exposure=Exposure(existing=D("9950000.00"))))
    assert (r.outcome, codes(r)) == ("declined", ["limit_below_minimum"])
    assert "50,000.00" in r.reasons[0].message.zh and "100,000.00" in r.reasons[0].message.en
    # and says what bound it: the single-borrower cap, with its arithmetic
    cap = step(r, "inclusive_single_borrower")
    assert f"受「{cap.label.zh}」限制" in r.reasons[0].message.zh and "9,950,000.00" in r.reasons[0].message.zh
    assert f"bound by: {cap.label.en}" in r.reasons[0].message.en


def test_a_referred_decision_below_the_amount_asked_does_not_tell_the_applicant_it_is_approved():
    # 3,000,000 asked is above the automatic authority: people decide
    r = decide(inputs(exposure=Exposure(existing=D("9800000.00")), application__amount=D("3000000.00")))
    assert r.outcome == "referred", codes(r)
    below = next(x for x in r.reasons if x.code == "approved_below_asked")
    assert "如获批准，按核定额度发放" in below.message.zh and "按核定额度批准" not in below.message.zh
    assert "if approved" in below.message.en


def test_a_medium_enterprise_is_not_bound_by_the_inclusive_cap():
    r = decide(inputs(exposure=Exposure(existing=D("9800000.00")), enterprise__size_class="medium"))
    assert r.segment == "medium" and r.scorecard_code == "sme-expert-medium"
    assert all(s.code != "inclusive_single_borrower" for s in r.limit_steps)
    assert r.approved_amount == D("500000.00")


def test_the_group_cap_counts_related_enterprises():
    members = (GroupMember(8, "上海示例物流有限公司", Text("同一实际控制人", "Same controller"), D("20000000.00")),
               GroupMember(9, "上海示例仓储有限公司", Text("控股子公司", "Subsidiary"), D("8500000.00")))
    r = decide(inputs(exposure=Exposure(existing=D("500000.00"), group_members=members), application__amount=D("2000000.00")))
    s = step(r, "group_total")
    assert s.value == D("1000000.00")  # 30,000,000 − (500,000 + 28,500,000)
    assert "29,000,000.00" in s.note.zh
    assert r.limit == D("1000000.00") and r.approved_amount == D("1000000.00")


def test_caps_by_grade_and_size_class():
    r = decide(inputs(features=GRADE_C, application__amount=D("4000000.00"), enterprise__size_class="micro",
                      product__limit_amount=D("4500000.00")))
    assert r.grade == "C"
    assert step(r, "grade_cap").value == D("3000000.00") and step(r, "size_class_cap").value == D("3000000.00")
    assert r.limit == D("3000000.00")


def test_the_limit_is_rounded_down():
    r = decide(inputs(product__limit_amount=D("123456.78"), application__amount=D("200000.00")))
    assert r.limit == D("123000.00") and step(r, "round_down").after == D("123000.00")


# --- authority -----------------------------------------------------------------------------------------

def test_above_the_automatic_authority_a_person_decides():
    r = decide(inputs(application__amount=D("1500000.00")))
    assert (r.outcome, r.route) == ("referred", "review")
    assert codes(r) == ["above_automatic_authority", "route"]
    assert r.payment_mode == "entrusted"  # above the product's 1,000,000 受托支付 threshold


def test_above_the_approvers_authority_the_committee_decides():
    r = decide(inputs(application__amount=D("6000000.00"), product__max_amount=D("10000000.00"),
                      product__limit_amount=D("8000000.00")))
    assert r.limit == D("6000000.00") and (r.outcome, r.route) == ("referred", "committee")


def test_a_grade_below_the_automatic_grade_is_referred():
    r = decide(inputs(features=GRADE_C))
    assert r.grade == "C" and (r.outcome, r.route) == ("referred", "review")
    assert codes(r)[0] == "below_automatic_grade"


def test_tax_loans_are_automatic_from_grade_c():
    r = decide(inputs(features=GRADE_C, product__kind="tax_loan", application__product_kind="tax_loan"))
    assert r.segment == "tax_loan" and (r.outcome, r.route) == ("approved", "automatic")
    assert step(r, "grade_cap").value == D("500000.00")


def test_a_guarantee_fee_is_in_the_annual_percentage_rate():
    r = decide(inputs(application__guarantee_mode="credit+guarantee"))
    assert [(f.code, f.amount) for f in r.fees] == [("guarantee_fee", D("5000.00"))]
    assert r.annual_rate == D("3.4000")  # the guarantee part's 0.00 instead of unsecured's 0.30
    assert r.apr > r.annual_rate + 1
    assert r.schedule_preview.total_fees == D("5000.00")


# --- round trips and replay ------------------------------------------------------------------------

CASES = {
    "approved": inputs(),
    "referred": inputs(drop=("dishonest_debtor_flag",), features={"tax_credit_grade": "C"},
                       application__guarantee_mode="credit+guarantee"),
    "declined": inputs(features={"registry_status": "revoked"}),
    "group": inputs(exposure=Exposure(D("1.00"), (GroupMember(3, "甲", Text("关联", "Related"), D("5.00")),), None)),
    "revolving": inputs(application__repayment_method="revolving", application__term_months=12),
}


@pytest.mark.parametrize("name", CASES)
def test_inputs_and_results_round_trip_exactly_through_json(name):
    given_inputs = CASES[name]
    stored_inputs = json.loads(json.dumps(engine.inputs_to_dict(given_inputs)))
    assert engine.inputs_from_dict(stored_inputs) == given_inputs
    result = decide(given_inputs)
    stored = json.loads(json.dumps(engine.result_to_dict(result)))
    assert engine.result_from_dict(stored) == result
    assert engine.result_to_dict(engine.result_from_dict(stored)) == stored
    again = decide(engine.inputs_from_dict(stored_inputs))
    assert replay.compare(stored, engine.result_to_dict(again)) == ()


def test_replay_names_every_difference():
    stored = engine.result_to_dict(decide())
    now = json.loads(json.dumps(stored))
    now["annual_rate"] = "3.9000"
    now["rule_results"][0]["result"] = "failed"
    now["limit_steps"].pop()
    now["extra"] = 1
    found = {d.path: (d.stored, d.now) for d in replay.compare(stored, now)}
    assert found["annual_rate"] == ("3.7000", "3.9000")
    assert found["rule_results[0].result"] == ("passed", "failed")
    assert found[f"limit_steps[{len(stored['limit_steps']) - 1}]"][1] == replay.MISSING
    assert found["extra"] == (replay.MISSING, 1)


def test_a_changed_policy_changes_the_replay():
    text = policy.DEFAULT_PATH.read_text(encoding="utf-8").replace('{A: "0.40", B: "0.80"', '{A: "0.50", B: "0.80"')
    stored = engine.result_to_dict(decide())
    now = engine.result_to_dict(decide(pol=policy.parse(text)))
    paths = {d.path for d in replay.compare(stored, now)}
    assert {"policy_sha256", "annual_rate", "rate_steps[1].value"} <= paths


def test_every_reason_is_bilingual_with_no_placeholder_left():
    for case in [*CASES.values(), *(inputs(features=f, **c) for _, f, c, _, _ in KNOCKOUTS + REFERRALS)]:
        r = decide(case)
        for text in [x.message for x in r.reasons] + [x.message for x in r.rule_results]:
            assert text.zh and text.en and "{" not in text.zh + text.en


# --- invariants --------------------------------------------------------------------------------------

CAP_STEPS = {"product_max", "product_method", "grade_cap", "size_class_cap", "inclusive_single_borrower", "group_total"}
money = st.decimals("0", "15000000", places=2)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amount=st.decimals("100000", "5000000", places=2), existing=money, group=st.lists(money, max_size=3),
       size=st.sampled_from(["micro", "small", "medium"]), kind=st.sampled_from(["working_capital", "tax_loan"]),
       product_limit=st.one_of(st.none(), money), months=st.integers(1, 60),
       method=st.sampled_from(["equal_installment", "equal_principal", "interest_only", "bullet", "revolving"]),
       mode=st.sampled_from(["credit", "guarantee", "mortgage", "credit+guarantee"]),
       drop=st.sets(st.sampled_from(sorted(GOOD_FEATURES)), max_size=8), grade_c=st.booleans())
def test_the_limit_is_within_every_cap_and_the_rate_within_floor_and_cap(amount, existing, group, size, kind, product_limit, months,
                                                                         method, mode, drop, grade_c):
    members = tuple(GroupMember(i + 100, f"关联{i}", Text("关联", "Related"), e) for i, e in enumerate(group))
    r = decide(inputs(features=GRADE_C if grade_c else None, drop=tuple(drop), exposure=Exposure(existing, members),
                      application__amount=amount, application__term_months=months, application__repayment_method=method,
                      application__guarantee_mode=mode, application__product_kind=kind, product__kind=kind,
                      enterprise__size_class=size, product__limit_amount=product_limit))
    seg = default_policy().segment(r.segment)
    for s in r.limit_steps:
        if s.code in CAP_STEPS and s.value is not None:
            assert r.limit <= s.value, s.code
    assert r.limit % seg.limits.round_down_to == 0
    if size != "medium":
        assert r.limit + existing <= D("10000000.00") or r.limit == 0
    assert r.limit + existing + sum(group, D(0)) <= D("30000000.00") or r.limit == 0
    if r.outcome != "declined":
        assert r.approved_amount == min(amount, r.limit)
        assert r.schedule_preview.total_principal == r.approved_amount
        assert r.apr is not None
        if method in ("equal_installment", "equal_principal", "interest_only"):  # monthly flows: the IRR is the nominal rate
            assert r.apr >= r.annual_rate.quantize(D("0.01")) - D("0.01")
    if r.outcome == "approved":
        assert r.route == "automatic" and r.approved_amount <= seg.authority.automatic_max_amount
        assert all(x.result == "passed" for x in r.rule_results)
    rules = seg.pricing
    assert rules.floor <= r.annual_rate <= rules.cap
    low, high = r.reference_rate + D("0.30"), r.reference_rate + D("4.00")
    assert low <= r.annual_rate <= high or r.annual_rate in (rules.floor, rules.cap)


def test_product_facts_come_from_the_product_definition_and_its_limit_method():
    from pathlib import Path

    from smecredit import products
    from smecredit.products import limits
    from smecredit.products.definition import parse as parse_product

    path = Path(products.__file__).parent / "data" / "products" / "04_tax_loan.json"
    definition = parse_product(json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal))
    result = limits.compute(definition.limit.method, definition.limit.params, GOOD_FEATURES, {})
    facts = engine.product_facts(definition=definition, version_id=42, limit=result)
    assert (facts.code, facts.version_id, facts.min_amount, facts.spread_max) == (
        definition.code, 42, definition.min_amount, definition.pricing.spread_max)
    assert facts.limit_amount == result.amount is not None and len(facts.limit_inputs) == len(result.inputs) > 0
    stored = json.loads(json.dumps(engine.encode(facts)))
    decided = inputs(product__limit_amount=facts.limit_amount)
    assert engine.inputs_from_dict(engine.inputs_to_dict(replace(decided, product=facts))).product == facts
    assert stored["version_id"] == 42


def test_numbers_given_as_text_decide_as_numbers_and_replay_identically():
    as_text = inputs(features={"leverage": "0.95", "queries_last_3m": 8, "tax_credit_grade": "C"})
    assert as_text.features["leverage"] == D("0.95")
    result = decide(as_text)
    assert rule(result, "many_credit_queries").result == "failed" and result.contributions
    stored = json.loads(json.dumps(engine.inputs_to_dict(as_text)))
    assert replay.compare(engine.result_to_dict(result), engine.result_to_dict(decide(engine.inputs_from_dict(stored)))) == ()


def test_a_float_is_refused_when_the_record_is_written():
    with pytest.raises(TypeError):
        engine.inputs_to_dict(inputs(features={"leverage": 0.95}))
