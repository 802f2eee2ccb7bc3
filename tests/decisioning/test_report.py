"""The risk report's view model (decisioning/report.py): every section a reviewer reads, built from a
stored decision, with every code named and nothing raised for a decision that lacks a part."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from smecredit.decisioning import report
from smecredit.kernel.text import Text
from tests.decisioning import report_samples as samples


def _texts(value, seen=None):
    """Every Text in the report (what a person reads), walking dataclasses, tuples and lists."""
    if isinstance(value, Text):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _texts(getattr(value, f.name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)


def test_header_names_the_decision_versions_and_time_taken():
    r = samples.full_report()
    facts = {f.key: f for f in r.header.facts}
    assert r.header.title.zh == "风险评估报告"
    assert facts["policy"].value.zh == "sme-default v1" and facts["policy"].note.zh == "SHA-256 " + "ab" * 6
    assert facts["scorecard"].value.zh == "sme-expert v1"
    assert facts["segment"].value.zh == "小型、微型企业"
    assert facts["elapsed"].value.zh == "12.3 毫秒" and facts["elapsed"].value.en == "12.3 ms"
    assert r.header.decision.value.zh == "#5（第 1 次决策）"
    assert r.header.outcome == Text("转人工审查", "Referred to a reviewer") and r.header.outcome_code == "referred"


def test_the_ten_sections_are_there_in_order():
    assert [title.zh for _, title in samples.full_report().sections] == [
        "一、申请概况", "二、企业画像及数据来源", "三、准入与拒绝规则结果", "四、评分卡得分明细", "五、额度测算",
        "六、定价测算", "七、授信敞口", "八、审批路径与审批意见", "九、材料清单", "十、时间线"]


def test_overview_shows_terms_in_words_and_the_reasons():
    r = samples.full_report()
    facts = {f.key: f.value for f in r.overview}
    assert facts["amount"].zh == "¥800,000.00"
    assert facts["repayment_method"].zh == "等额本息"
    assert facts["guarantee_mode"].zh == "信用"
    assert facts["outcome"].zh == "转人工审查"
    assert facts["approved_amount"].zh == "¥800,000.00"
    assert facts["submitted_at"].zh == "2026-03-02 17:30"  # Asia/Shanghai
    reasons = [t.zh for t in r.reasons]
    assert "近 3 个月征信查询 9 次，可能多头借贷" in reasons
    assert any("失信被执行人" in t for t in reasons)


def test_every_feature_the_decision_used_has_its_source_and_snapshot():
    r = samples.full_report()
    by_key = {f.key: f for f in r.features}
    used = [f for f in r.features if f.used_by]
    # the scorecard's and the rules' features come first, each with its source and snapshot date
    assert [f.key for f in r.features[:len(used)]] == [f.key for f in used]
    assert {"years_in_operation", "tax_credit_grade", "leverage", "current_overdue_count", "queries_last_3m"} <= {f.key for f in used}
    lev = by_key["leverage"]
    assert lev.value.zh == "45.00%" and lev.source.zh == "财务报表" and lev.snapshot_id == 24 and lev.captured_at == samples.AT
    assert [t.zh for t in lev.used_by] == ["评分卡"]
    assert [t.zh for t in by_key["queries_last_3m"].used_by] == ["评分卡", "转人工规则"]
    # the value is the one the decision used (9), not the profile row's (7)
    assert by_key["queries_last_3m"].value.zh == "9"
    assert by_key["current_ratio"].value.zh == "1.60 倍"
    # a feature of the decision the profile rows do not list is still shown, from the decision's inputs
    assert by_key["controller_age"].value.zh == "45 周岁" and by_key["controller_age"].source.zh == "决策输入"
    # a feature with no data at decision time shows as missing, with the profile's reason
    assert by_key["dishonest_debtor_flag"].missing


def test_rules_failed_first_with_their_actual_values_in_words():
    r = samples.full_report()
    assert [(x.code, x.result) for x in r.rules[:2]] == [("many_credit_queries", "failed"), ("dishonest_debtor", "not_evaluated")]
    assert all(x.result == "passed" for x in r.rules[2:]) and len(r.rules) > 10
    failed = r.rules[0]
    assert failed.result_label.zh == "未通过" and failed.kind_label.zh == "转人工规则" and failed.effect.zh == "转人工"
    assert failed.message.zh == "近 3 个月征信查询 9 次，可能多头借贷"
    assert [(v.label, v.value.zh) for v in failed.values] == [(report.variable_label("queries_last_3m"), "9")]
    unknown = r.rules[1]
    assert unknown.result_label.zh == "未评估" and unknown.effect is None
    assert [v.value.zh for v in unknown.values] == ["（无数据）"]
    assert r.failed_rules == (failed,)
    size = next(x for x in r.rules if x.code == "large_enterprise")
    assert [(v.label.zh, v.value.zh) for v in size.values] == [("企业规模", "小型")]


def test_score_breakdown_with_bins_points_and_reason_codes():
    r = samples.full_report()
    facts = {f.key: f.value.zh for f in r.score_facts}
    assert facts["score"] == str(samples.result()["score"]) and facts["grade"] == samples.result()["grade"]
    assert facts["pd"].endswith("%")
    lines = {c.feature: c for c in r.contributions}
    queries = lines["queries_last_3m"]
    assert queries.value.zh == "9" and queries.bin.zh and queries.points < queries.max_points
    assert queries.reason_rank == 1  # cost the most points
    ranked = sorted((c for c in r.contributions if c.reason_rank), key=lambda c: c.reason_rank)
    assert [c.lost for c in ranked] == sorted((c.lost for c in ranked), reverse=True)
    assert sum(c.points for c in r.contributions) <= int(facts["score"])


def test_limit_computation_step_by_step_with_the_product_method_inputs():
    r = samples.full_report()
    steps = {s.key: s for s in r.limit_steps}
    assert steps["product_max"].value.zh == "¥5,000,000.00"
    assert steps["product_method"].label.zh == "营运资金量测算" and steps["product_method"].after.zh == "¥3,000,000.00"
    single = steps["inclusive_single_borrower"]
    assert single.value.zh == "¥8,500,000.00" and "10,000,000.00" in single.note.zh and "1,500,000.00" in single.note.zh
    assert {f.key: f.value.zh for f in r.limit_facts} == {
        "asked": "¥800,000.00", "product_limit": "¥3,000,000.00", "limit": "¥3,000,000.00", "approved_amount": "¥800,000.00"}
    assert r.limit_method.zh == "营运资金量测算"
    assert [(i.label.zh, i.value.zh, i.source.zh) for i in r.limit_inputs] == [
        ("上年度销售收入", "¥8,000,000.00", "信用画像"), ("纳税信用等级", "A", "信用画像"), ("应收账款周转天数", "45 天", "客户填报")]


def test_pricing_from_the_lpr_with_every_adjustment_and_the_apr_method():
    r = samples.full_report()
    assert [s.key for s in r.rate_steps][:2] == ["reference_rate", "grade_spread"]
    assert r.rate_steps[0].value.zh == "3.0000%"
    assert r.rate_steps[1].value.zh.startswith("+") and r.rate_steps[1].value.zh.endswith("个百分点")
    assert r.rate_steps[-1].after.zh == f"{samples.result()['annual_rate']}%"
    pricing = {f.key: f for f in r.pricing_facts}
    assert pricing["lpr_1y"].value.zh == "3.00%" and pricing["lpr_1y"].note.zh == "2025-05-20 公布"
    assert pricing["apr"].value.zh == f"{samples.result()['apr']}%" and "内部收益率" in pricing["apr"].note.zh
    assert pricing["payment_mode"].value.zh == "自主支付"
    assert pricing["penalty_rate"].value.zh.endswith("%")
    assert len(r.schedule) == 3 and r.schedule[0].number == 1
    totals = {f.key: f.value.zh for f in r.schedule_facts}
    assert totals["count"] == "12" and totals["total_payment"].startswith("¥")


def test_exposure_of_the_enterprise_and_its_group():
    r = samples.full_report()
    facts = {f.key: f.value.zh for f in r.exposure_facts}
    assert facts["existing"] == "¥1,500,000.00" and facts["this"] == "¥800,000.00"
    assert facts["after"] == "¥2,300,000.00" and facts["bureau"] == "¥2,300,000.00"
    assert facts["group_existing"] == "¥2,000,000.00" and facts["group_total"] == "¥4,300,000.00"
    assert [(g.name, g.relation.zh, g.exposure.zh) for g in r.group] == [
        ("福州青禾贸易有限公司", "同一实际控制人", "¥2,000,000.00")]


def test_route_reviews_votes_dissent_and_overrides():
    r = samples.full_report()
    facts = {f.key: f.value.zh for f in r.route_facts}
    assert facts["route"] == "审查 → 审批" and facts["votes"] == "同意 1 票，否决 1 票"
    assert r.reviews[0].stage_label.zh == "审查" and r.reviews[0].action_label.zh == "同意"
    assert [v.name for v in r.dissent] == ["risk"]
    o = r.overrides[0]
    assert (o.automatic_label.zh, o.human_label.zh, o.reason) == ("拒绝", "批准", "贷审会多数同意")


def test_no_code_is_shown_as_text():
    r = samples.full_report()
    shown = " ".join(f"{t.zh} {t.en}" for t in _texts(r))
    for code in ("knockout", "referral", "not_evaluated", "many_credit_queries", "dishonest_debtor", "equal_installment",
                 "micro_small", "queries_last_3m", "tax_credit_grade", "irr", "(unknown)", "（未知）", "Other item",
                 "working_capital", "inclusive_single_borrower"):
        assert code not in shown, code


def test_an_application_not_yet_decided_still_has_a_report():
    r = samples.full_report(decision=None, reviews=[], votes=[], overrides=[])
    assert not r.decided
    assert r.header.facts[0].value.zh == "尚未决策"
    assert r.rules == () and r.contributions == () and r.limit_steps == () and r.pricing_facts == ()
    assert r.exposure_facts == ()
    assert {f.key for f in r.overview} >= {"no", "enterprise", "amount"}
    assert len(r.features) == len(samples.feature_sources())


def test_a_decision_missing_parts_says_not_recorded():
    r = samples.full_report(decision=samples.decision_record(result={"outcome": "declined", "route": "automatic"},
                                                             inputs={}, scorecard=None, scorecard_sha256=None))
    assert r.header.outcome.zh == "自动拒绝"
    assert {f.key: f.value.zh for f in r.score_facts}["score"] == "未记录"
    assert {f.key: f.value.zh for f in r.limit_facts}["limit"] == "—"
    assert {f.key: f.value.zh for f in r.header.facts}["scorecard"] == "未使用评分卡"


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=8)
    | st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["zh", "en", "code", "kind", "result", "label", "amount", "after", "value", "feature", "missing",
                         "points", "max_points", "bin_label", "message", "values", "note", "name", "exposure", "instalments",
                         "existing", "group_members", "limit_inputs", "unit", "source", "timing", "number"]), inner, max_size=5),
    max_leaves=20)
_keys = st.sampled_from(["outcome", "route", "rule_results", "reasons", "contributions", "reason_codes", "limit",
                         "limit_steps", "rate_steps", "fees", "schedule_preview", "approved_amount", "apr", "pd", "score",
                         "exposure", "reference_rates", "features", "product", "segment_name", "grade", "term_months",
                         "reference_rate_on", "tenor"])


@settings(max_examples=150, deadline=None)
@given(result=st.dictionaries(_keys, _json, max_size=8), inputs=st.dictionaries(_keys, _json, max_size=4))
def test_any_stored_shape_builds_a_report_without_raising(result, inputs):
    """Older or damaged records must still open: odd shapes are "not recorded", never an error."""
    json.dumps(result)
    r = samples.full_report(decision=samples.decision_record(result=result, inputs=inputs))
    assert all(isinstance(t.zh, str) for t in _texts(r))


def test_feature_values_in_their_units():
    assert report.feature_value("annual_revenue", "1234.5").zh == "1,234.50 元"
    assert report.feature_value("revenue_growth", "0.125").zh == "12.50%"
    assert report.feature_value("current_ratio", "1.5").en == "1.50 times"
    assert report.feature_value("max_dpd_24m", 30) == Text("30 天", "30 days")
    assert report.feature_value("dishonest_debtor_flag", True).zh == "是"
    assert report.feature_value("dishonest_debtor_flag", "false").zh == "否"
    assert report.feature_value("registry_status", "active").zh == "存续（在业）"
    assert report.feature_value("enterprise.size_class", "micro").zh == "微型"
    assert report.feature_value("application.amount", "500000.00").zh == "500,000.00 元"
    assert report.feature_value("tax_credit_grade", "A").zh == "A"
    assert report.feature_value("annual_revenue", "not a number").zh == "not a number"
    assert report.feature_value("anything", None).zh == "—"
    assert report.money(Decimal("10")).zh == "¥10.00" and report.money("bad").zh == "—"
    assert report.points_added("0.5").zh == "+0.5000 个百分点" and report.points_added("-0.25").en == "−0.2500 pp"
