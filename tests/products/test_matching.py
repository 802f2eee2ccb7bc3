"""The pure matching core: terms, rules with the actual value in the reason, missing data named,
limits within the product's range, rate = LPR + spread by tenor, and the ranking rule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from smecredit.kernel.errors import Invalid
from smecredit.products import fit
from smecredit.products.definition import parse
from tests.products.helpers import default_dict, default_dicts

D = Decimal
RATES = {"1y": D("3.00"), "5y+": D("3.50")}
GOOD = {  # a clean enterprise, every feature present
    "years_in_operation": D("6.50"), "registry_status": "active", "current_overdue_count": 0, "non_performing_loan_count": 0,
    "dishonest_debtor_flag": False, "controller_age": 45, "tax_credit_grade": "A", "leverage": D("0.4500"),
    "open_lawsuits_defendant_amount": D("0.00"), "tax_paid_last12m": D("56789.12"), "core_customer_count": 1,
    "annual_revenue": D("12000000.00"), "net_margin": D("0.0800"), "revenue_growth": D("0.1000"),
}


def run(code: str, features=None, amount="300000", term=12, inputs=None, data=None):
    definition = parse(data or default_dict(code))
    need = fit.need_of(amount, term, "采购原材料", inputs or {})
    return fit.evaluate(version_id=1, version=1, definition=definition, features=GOOD if features is None else features,
                        need=need, reference_rates=RATES)


def test_a_failed_rule_gives_the_actual_value():
    result = run("tax_loan", {**GOOD, "tax_credit_grade": "C"})
    assert not result.eligible and result.rank is None and result.indicative_limit is None and result.rate_min is None
    reason = next(r for r in result.reasons if r.code == "tax_credit_grade")
    assert reason.kind == "failed"
    assert reason.message.zh == "纳税信用等级为 C，本产品要求 B 及以上"
    assert reason.message.en == "Tax credit grade is C; the product needs B or better"


def test_values_are_shown_in_their_units_and_codes_by_name():
    result = run("working_capital_loan", {**GOOD, "leverage": D("0.9100"), "registry_status": "revoked",
                                          "dishonest_debtor_flag": True, "years_in_operation": D("1.25")})
    by_code = {r.code: r.message.zh for r in result.reasons}
    assert by_code["leverage"] == "资产负债率为 91.00%，本产品要求不高于 75%"
    assert by_code["registry_active"] == "登记状态为 吊销，本产品要求存续（在业）"
    assert by_code["not_dishonest_debtor"].startswith("失信被执行人：是")
    assert by_code["years_in_operation"].startswith("经营年限为 1.25 年")


def test_a_persons_age_reads_in_zhousui():
    result = run("working_capital_loan", {**GOOD, "controller_age": 76})
    reason = next(r for r in result.reasons if r.code == "controller_age")
    assert reason.message.zh.startswith("实际控制人年龄为 76 周岁")
    assert "76 years old" in reason.message.en


def test_missing_data_names_what_to_provide_and_is_not_eligible_yet():
    features = {k: v for k, v in GOOD.items() if k not in ("tax_credit_grade", "tax_paid_last12m")}
    result = run("tax_loan", features)
    missing = [r for r in result.reasons if r.kind == "missing"]
    assert {r.code for r in missing} == {"tax_credit_grade", "tax_paid"}
    assert not result.eligible
    grade = next(r for r in missing if r.code == "tax_credit_grade")
    assert grade.missing == ("tax_credit_grade",) and "纳税信用等级（税务数据）" in grade.message.zh
    assert "tax data" in grade.message.en


def test_no_profile_at_all_means_every_rule_asks_for_data():
    result = run("order_financing", {"core_customer_count": 0})
    assert not result.eligible and all(r.kind == "missing" for r in result.reasons)
    assert len(result.reasons) == len(parse(default_dict("order_financing")).rules)


def test_amount_and_term_outside_the_product():
    result = run("tax_loan", amount="2000000", term=24)
    codes = {r.code for r in result.reasons if r.kind == "terms"}
    assert codes == {"amount_above_max", "term_out_of_range"}
    assert "2,000,000.00" in next(r for r in result.reasons if r.code == "amount_above_max").message.zh
    assert run("tax_loan", amount="1000").reasons[0].code == "amount_below_min"


def test_an_eligible_product_has_its_limit_inputs_and_rate_range():
    result = run("tax_loan")  # grade A: 56,789.12 × 10 = 567,891.20 (below A's cap of 1,000,000)
    assert result.eligible and result.indicative_limit == D("567891.20")
    assert {i.key: i.source for i in result.limit_inputs}["tax_paid_last12m"] == "profile"
    assert (result.rate_min, result.rate_max) == (D("3.80"), D("5.80"))  # 1y LPR 3.00 + 0.80 … 2.80
    assert result.tenor == "1y" and result.payment_mode == "self"


def test_long_terms_price_off_the_five_year_lpr():
    result = run("fixed_asset_loan", amount="3000000", term=72, inputs={"project_cost": "5000000"})
    assert result.eligible and result.tenor == "5y+"
    assert (result.rate_min, result.rate_max) == (D("4.00"), D("5.50"))  # 3.50 + 0.50 … 2.00
    assert result.indicative_limit == D("4000000.00")  # 5,000,000 × (1 − 0.20)
    assert result.payment_mode == "self"  # 3,000,000 is not above the 5,000,000 threshold
    assert run("fixed_asset_loan", amount="6000000", term=72, inputs={"project_cost": "9000000"}).payment_mode == "entrusted"


def test_a_typed_input_not_given_is_asked_for():
    result = run("order_financing")
    assert result.eligible and result.indicative_limit is None
    ask = next(r for r in result.reasons if r.kind == "input")
    assert ask.missing == ("order_value",) and "已确认订单金额" in ask.message.zh


def test_the_limit_is_capped_by_the_maximum_and_refused_below_the_minimum():
    big = run("order_financing", amount="5000000", inputs={"order_value": "90000000"})
    assert big.indicative_limit == D("5000000.00")
    small = run("order_financing", inputs={"order_value": "100000"})  # 70,000 < minimum 100,000
    assert not small.eligible and any(r.code == "limit_below_min" for r in small.reasons)
    short = run("order_financing", amount="800000", inputs={"order_value": "1000000"})  # 700,000 < 800,000 asked
    assert short.eligible and any(r.code == "limit_below_amount" for r in short.reasons)


def test_the_tax_cap_by_grade_shows_in_the_note():
    result = run("tax_loan", {**GOOD, "tax_credit_grade": "B", "tax_paid_last12m": D("90000.00")})
    assert result.indicative_limit == D("800000.00")
    assert any(r.kind == "note" and "800,000.00" in r.message.zh for r in result.reasons)


def test_ranking_covers_the_amount_first_then_the_lower_rate():
    products = [(i, 1, parse(d)) for i, d in enumerate(default_dicts().values(), 1)]
    need = fit.need_of("500000", 12, "采购", {"order_value": "1000000", "invoiced_sales_12m": "2000000",
                                             "confirmed_receivables": "400000", "appraised_value": "3000000"})
    results = fit.match_all(products, GOOD, need, RATES)
    ranked = [r for r in results if r.rank]
    assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
    assert all(not r.eligible for r in results[len(ranked):])
    groups = [0 if r.indicative_limit is not None and r.indicative_limit >= need.amount else
              (1 if r.indicative_limit is not None else 2) for r in ranked]
    assert groups == sorted(groups)
    covering = [r for r in ranked if groups[ranked.index(r)] == 0]
    assert [r.rate_min for r in covering] == sorted(r.rate_min for r in covering)
    # receivables 400,000 × 0.80 = 320,000 < 500,000: ranked after every product that covers the amount
    receivables = next(r for r in ranked if r.product_code == "supply_chain_receivables")
    assert receivables.indicative_limit == D("320000.00") and groups[ranked.index(receivables)] == 1
    # 流动资金贷款: its limit is not computed (working-capital inputs not typed) → last group
    working = next(r for r in ranked if r.product_code == "working_capital_loan")
    assert groups[ranked.index(working)] == 2


def test_the_need_is_checked_with_every_field():
    with pytest.raises(Invalid) as caught:
        fit.need_of("-5", 0, "", {"order_value": "x", "magic": "1"})
    fields = {e["field"] for e in caught.value.details["errors"]}
    assert {"amount", "term_months", "purpose", "inputs.order_value", "inputs.magic"} <= fields
    with pytest.raises(Invalid):
        fit.need_of("1e999", 12, "x")
    with pytest.raises(Invalid):
        fit.need_of("100", 12, "x", {"inventory_days": "5000"})


def test_a_rule_that_fails_at_run_time_is_reported_not_raised():
    data = default_dict("order_financing")
    # passes the dry run at save (samples are 1), divides by zero for an enterprise with no overdue
    data["rules"].append({"code": "ratio", "expression": "int(years_in_operation) / int(current_overdue_count) > 0",
                          "requirement": {"zh": "测试规则", "en": "test rule"}, "reason": {"zh": "x", "en": "x"}})
    result = run("order_financing", data=data)
    failed = next(r for r in result.reasons if r.code == "ratio")
    assert failed.kind == "error" and "测试规则" in failed.message.zh and not result.eligible
