"""Product definitions: the default catalogue parses and round-trips; bad definitions are refused
with every problem's field path; CEL rules that do not compile are refused with their position."""

from __future__ import annotations

from decimal import Decimal

import pytest

from smecredit.kernel.errors import Invalid
from smecredit.products import definition, eligibility, vocabulary
from smecredit.products.definition import parse
from tests.products.helpers import default_dict, default_dicts


def errors_of(data) -> list[dict]:
    with pytest.raises(Invalid) as caught:
        parse(data)
    return caught.value.details["errors"]


def fields(data) -> set[str]:
    return {e["field"] for e in errors_of(data)}


def test_the_default_catalogue_has_the_seven_products_of_the_issue_and_round_trips():
    found = default_dicts()
    kinds = {data["kind"] for data in found.values()}
    assert kinds == set(vocabulary.KINDS)
    for data in found.values():
        parsed = parse(data)
        assert parse(parsed.to_dict()) == parsed
        assert parsed.sha256 == definition.sha256_of(parsed.to_dict())
        assert set(parsed.checklist) == set(parsed.guarantee_modes)
        assert parsed.min_amount <= parsed.max_amount and parsed.min_term_months <= parsed.max_term_months


def test_common_checklist_items_are_merged_into_every_mode():
    parsed = parse(default_dict("working_capital_loan"))
    credit = [i.kind for i in parsed.checklist["credit"]]
    mortgage = [i.kind for i in parsed.checklist["mortgage"]]
    assert "business_licence" in credit and "business_licence" in mortgage
    assert "collateral_valuation" in mortgage and "collateral_valuation" not in credit
    item = parsed.checklist["credit"][0]
    assert item.label == vocabulary.DOCUMENT_KINDS["business_licence"] and item.required and "pdf" in item.accepted


def test_every_problem_is_reported_with_its_path():
    data = default_dict("tax_loan")
    data["min_amount"] = "abc"
    data["max_term_months"] = 0
    data["repayment_methods"] = ["equal_installment", "monthly_magic"]
    data["guarantee_modes"] = ["credit", "guarantee+credit"]
    data["rules"][1]["code"] = "Bad Code"
    data["checklist"]["credit"][0]["accepted"] = ["exe"]
    data["pricing"]["spread_max"] = "99"
    data["colour"] = "red"
    found = fields(data)
    assert {"min_amount", "max_term_months", "repayment_methods[1]", "guarantee_modes[1]", "rules[1].code",
            "checklist.credit[0].accepted[0]", "pricing.spread_max", "colour"} <= found


def test_orders_and_ranges_are_checked():
    data = default_dict("order_financing")
    data["min_amount"], data["max_amount"] = "500000", "100000"
    data["min_term_months"], data["max_term_months"] = 12, 3
    data["pricing"] = {"spread_min": "2.00", "spread_max": "1.00"}
    assert {"max_amount", "max_term_months", "pricing.spread_max"} <= fields(data)


def test_floats_are_refused_and_places_bounded():
    data = default_dict("order_financing")
    data["min_amount"] = 100000.5
    data["pricing"]["spread_min"] = "0.555"
    found = {e["field"]: e["code"] for e in errors_of(data)}
    assert found["min_amount"] == "float_number" and found["pricing.spread_min"] == "too_many_places"


def test_json_text_reads_numbers_as_decimals_and_bad_json_has_a_position():
    with pytest.raises(Invalid) as caught:
        definition.parse_json('{"code": "abc",\n "name": }')
    assert caught.value.code == "invalid_json" and "第 2 行" in caught.value.message.zh
    import json
    text = json.dumps({**default_dict("invoice_loan"), "min_amount": "30000"}).replace('"30000"', "30000.00")
    assert definition.parse_json(text).min_amount == Decimal("30000.00")


def test_guarantee_mode_combinations():
    assert definition.valid_guarantee_mode("credit+guarantee")
    assert definition.valid_guarantee_mode("guarantee+mortgage")
    assert not definition.valid_guarantee_mode("guarantee+credit")  # written in the vocabulary's order
    assert not definition.valid_guarantee_mode("credit+credit")
    assert not definition.valid_guarantee_mode("gold")
    assert vocabulary.guarantee_label("guarantee+mortgage").zh == "保证+抵押"


def test_each_guarantee_mode_needs_a_checklist_and_no_stray_modes():
    data = default_dict("ip_pledge_loan")
    del data["checklist"]["all"]
    data["checklist"]["mortgage"] = []
    del data["checklist"]["ip_pledge"]
    assert {"checklist.ip_pledge", "checklist.mortgage"} <= fields(data)


def test_limit_method_and_parameters_are_validated():
    data = default_dict("order_financing")
    data["limit"]["params"] = {"advance_rate": "1.50", "magic": "1"}
    assert {"limit.params.advance_rate", "limit.params.magic"} <= fields(data)
    data["limit"] = {"method": "astrology", "params": {}}
    assert "limit.method" in fields(data)
    data = default_dict("tax_loan")
    data["limit"]["params"]["caps"] = {"Z": "100"}
    assert "limit.params.caps.Z" in fields(data)


# --- CEL ---------------------------------------------------------------------------------------------

def rule_error(expression: str) -> dict:
    data = default_dict("tax_loan")
    data["rules"][0]["expression"] = expression
    found = [e for e in errors_of(data) if e["field"] == "rules[0].expression"]
    assert found, expression
    return found[0]


def test_a_syntax_error_is_refused_with_line_and_column():
    error = rule_error("years_in_operation >= ")
    assert error["code"] == "rule_syntax" and error["line"] == 1 and error["column"] == 23
    assert "第 1 行第 23 列" in error["message"]["zh"]
    error = rule_error("years_in_operation >= 2 &&\n  tax_credit_grade in [\"A\" \"B\"]")
    assert error["line"] == 2 and error["column"] == 28  # the second string, where a comma was due


def test_an_unknown_feature_is_refused_with_its_position():
    error = rule_error("years_in_operation >= 2 && turnover_magic > 3")
    assert error["code"] == "rule_unknown_name" and (error["line"], error["column"]) == (1, 28)
    assert "turnover_magic" in error["message"]["en"]


def test_type_errors_and_non_boolean_results_are_refused_at_save():
    assert rule_error('tax_credit_grade + 1 > 2')["code"] == "rule_type"
    assert rule_error("years_in_operation * 2 > 3")["code"] == "rule_type"  # a double times an int literal
    assert rule_error("years_in_operation")["code"] == "rule_not_boolean"
    assert rule_error("")["code"] in ("rule_empty", "required")


def test_good_rules_over_features_and_the_need_compile():
    for expression in ("years_in_operation * 2.0 > 3.0", "need.amount <= tax_paid_last12m * 10.0",
                       "need.purpose != \"\"", "!dishonest_debtor_flag && current_overdue_count == 0",
                       "core_customer_count >= 1"):
        eligibility.check_rule(expression)
    assert eligibility.names_in("need.amount <= tax_paid_last12m * 10.0") == ("tax_paid_last12m", "need.amount")


def test_reason_placeholders_must_be_known_features():
    data = default_dict("tax_loan")
    data["rules"][0]["reason"]["zh"] = "经营年限 {years_magic}"
    assert "rules[0].reason.zh" in fields(data)


def test_rules_are_compiled_once_per_expression():
    eligibility.program.cache_clear()
    parse(default_dict("tax_loan"))
    misses = eligibility.program.cache_info().misses
    parse(default_dict("tax_loan"))
    assert eligibility.program.cache_info().misses == misses


def test_names_behind_a_short_circuit_and_unknown_functions_are_caught_too():
    assert rule_error("false && need.colour == 1")["code"] == "rule_unknown_name"
    error = rule_error("true || launch(years_in_operation)")
    assert error["code"] == "rule_unknown_name" and (error["line"], error["column"]) == (1, 9)
    eligibility.check_rule('[1.0, 2.0].exists(x, x > years_in_operation)')  # a bound name is not a feature
