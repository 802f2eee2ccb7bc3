"""The credit policy as data: the default policy loads; a broken policy is refused with every
problem's field path and its line in the YAML text; rules are checked CEL; numbers are exact."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

import pytest

from smecredit.decisioning import policy
from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text
from smecredit.products import eligibility

TEXT = policy.DEFAULT_PATH.read_text(encoding="utf-8")


def errors_of(text: str) -> list[dict]:
    with pytest.raises(Invalid) as caught:
        policy.parse(text)
    return caught.value.details["errors"]


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def test_the_default_policy_loads_with_its_segments_rules_and_hash():
    p = policy.load_default()
    assert p.code == "sme-default"
    assert [s.code for s in p.segments] == ["tax_loan", "micro_small", "medium"]
    assert p.scorecard_codes == ("sme-expert", "sme-expert-medium")
    assert p.sha256 == hashlib.sha256(TEXT.encode()).hexdigest()
    codes = {r.code for r in p.knockouts}
    assert {"registry_not_active", "tax_grade_d", "current_overdue", "dishonest_debtor", "controller_age",
            "non_performing_loans", "operating_under_one_year", "grade_e"} <= codes
    assert {"new_enterprise", "tax_grade_c", "open_lawsuits", "few_bank_statements", "old_credit_report",
            "large_amount"} <= {r.code for r in p.referrals}


def test_segments_override_only_what_they_name():
    p = policy.load_default()
    small, tax, medium = p.segment("micro_small"), p.segment("tax_loan"), p.segment("medium")
    assert small.limits.caps_by_grade["A"] == Decimal("8000000.00")
    assert tax.limits.caps_by_grade["A"] == Decimal("1000000.00")
    assert tax.limits.exposure_caps == small.limits.exposure_caps  # merged, not replaced
    assert tax.authority.automatic_min_grade == "C" and small.authority.automatic_min_grade == "B"
    assert tax.authority.approval_max_amount == small.authority.approval_max_amount == Decimal("5000000.00")
    assert medium.pricing.spread_by_grade["A"] == Decimal("0.30") and medium.pricing.floor == small.pricing.floor


def test_yaml_numbers_are_exact_decimals_never_floats():
    p = policy.parse(TEXT.replace('penalty_markup: "0.50"', "penalty_markup: 0.35"))
    assert p.segment("micro_small").pricing.penalty_markup == Decimal("0.35")
    assert p.segment("micro_small").grades.bands[0].pd == Decimal("0.008")


def test_an_unknown_field_is_named_with_its_line():
    text = TEXT.replace("  round_down_to:", "  rounding: up\n  round_down_to:")
    [error] = errors_of(text)
    assert error["field"] == "limits.rounding" and error["code"] == "unknown_field"
    assert error["line"] == line_of(text, "  rounding: up")


def test_a_syntax_error_in_a_rule_names_the_rule_and_the_line():
    text = TEXT.replace("when: tax_credit_grade == \"D\"", "when: tax_credit_grade == ")
    [error] = errors_of(text)
    assert error["field"] == "knockouts[3].when" and error["code"] == "rule_syntax"
    assert error["line"] == line_of(text, "when: tax_credit_grade == \n")


@pytest.mark.parametrize("expression, code", [
    ("turnover > 3", "rule_unknown_name"),                 # not a feature
    ("application.colour == \"red\"", "rule_unknown_name"),  # not a field of the application
    ("exposure.after > 1", None),                          # a known field: fine
    ("tax_credit_grade + 1 > 2", "rule_type"),             # a type error caught by the dry run
    ("years_in_operation", "rule_not_boolean"),
    ("eval(\"1\")", "rule_unknown_name"),
])
def test_rules_are_checked_cel(expression, code):
    text = TEXT.replace("when: years_in_operation < 1\n", f"when: '{expression}'\n")
    if code is None:
        policy.parse(text)
        return
    errors = errors_of(text)
    assert (errors[0]["field"], errors[0]["code"]) == ("knockouts[2].when", code)


def test_a_segment_may_not_read_the_score_it_chooses_the_scorecard_for():
    text = TEXT.replace('when: product.kind == "tax_loan"', 'when: grade == "A"')
    [error] = errors_of(text)
    assert error["field"] == "segments[0].when"
    assert "score and grade come after the segment" in error["message"]["en"]


def test_placeholders_must_be_known_and_the_same_in_both_languages():
    text = TEXT.replace('"纳税信用等级为 {tax_credit_grade}"', '"纳税信用等级为 {tax_grade}"')
    codes = {(e["field"], e["code"]) for e in errors_of(text)}
    assert codes == {("knockouts[3].reason", "unknown_placeholder"), ("knockouts[3].reason", "placeholders_differ")}


def test_the_penalty_markup_stays_within_30_to_50_percent():
    [error] = errors_of(TEXT.replace('penalty_markup: "0.50"', 'penalty_markup: "0.60"'))
    assert (error["field"], error["code"]) == ("pricing.penalty_markup", "out_of_range")
    assert "0.60" in error["message"]["en"]
    [error] = errors_of(TEXT.replace('penalty_markup: "0.50"', 'penalty_markup: "0.20"'))
    assert error["field"] == "pricing.penalty_markup"


def test_an_error_inside_a_segment_override_is_named_by_the_override_path():
    text = TEXT.replace("caps_by_grade: {A: 1000000, B: 800000,", "caps_by_grade: {A: 1000000, Z: 5, B: 800000,")
    [error] = errors_of(text)
    assert error["field"] == "segments[0].overrides.limits.caps_by_grade.Z"
    assert error["line"] == line_of(text, "caps_by_grade: {A: 1000000, Z: 5")


@pytest.mark.parametrize("old, new, field, code", [
    ("{grade: C, min_score: 620,", "{grade: C, min_score: 680,", "grades[2].min_score", "not_descending"),
    ('{grade: E, pd: "0.150"', '{grade: E, min_score: 100, pd: "0.150"', "grades[4].min_score", "last_band_bounded"),
    ('{grade: D, min_score: 560, pd: "0.060"', '{grade: D, min_score: 560, pd: "1.5"', "grades[3].pd", "out_of_range"),
    ('floor: "3.00"', 'floor: "13.00"', "pricing.floor", "floor_above_cap"),
    ("roles: [credit_reviewer]", "roles: [cashier]", "authority.review.roles[0]", "unknown_role"),
    ("automatic: {max_amount: 1000000, min_grade: B}", "automatic: {max_amount: 1000000, min_grade: Q}",
     "authority.automatic.min_grade", "unknown_grade"),
    ("quorum: 3", "quorum: 0", "authority.committee.quorum", "out_of_range"),
    ("includes: group ", "includes: planet ", "limits.exposure_caps[1].includes", "invalid_choice"),
    ("format: smecredit-policy/1", "format: smecredit-policy/9", "format", "wrong_format"),
    ("      timing: upfront\n      percent: \"1.00\"", "      timing: upfront\n      percent: \"1.00\"\n      amount: 5",
     "pricing.fees[0]", "percent_or_amount"),
])
def test_schema_problems_are_named(old, new, field, code):
    assert old in TEXT
    errors = errors_of(TEXT.replace(old, new, 1))
    assert (field, code) in {(e["field"], e["code"]) for e in errors}


def test_a_spread_is_needed_for_every_grade_a_segment_defines():
    text = TEXT.replace("  spread_by_grade: {A: \"0.40\", B: \"0.80\", C: \"1.40\", D: \"2.20\", E: \"3.50\"}",
                        "  spread_by_grade: {A: \"0.40\", B: \"0.80\", C: \"1.40\", D: \"2.20\"}")
    assert ("pricing.spread_by_grade.E", "required") in {(e["field"], e["code"]) for e in errors_of(text)}


def test_a_repeated_key_and_broken_yaml_are_refused_with_their_lines():
    text = TEXT.replace("code: sme-default\n", "code: sme-default\ncode: other\n")
    errors = errors_of(text)
    assert errors[0]["code"] == "duplicate_key" and errors[0]["line"] == line_of(text, "code: other")
    with pytest.raises(Invalid) as caught:
        policy.parse("format: smecredit-policy/1\nsegments: [\n")
    assert caught.value.code == "invalid_yaml" and "line" in caught.value.message.en


def test_a_rule_naming_an_unknown_segment_is_refused():
    text = TEXT.replace("  - code: new_enterprise\n", "  - code: new_enterprise\n    segments: [retail]\n")
    assert ("referrals[0].segments[0]", "unknown_segment") in {(e["field"], e["code"]) for e in errors_of(text)}


def test_the_message_names_the_count_the_first_field_and_its_line():
    text = TEXT.replace('penalty_markup: "0.50"', 'penalty_markup: "0.60"')
    with pytest.raises(Invalid) as caught:
        policy.parse(text)
    line = line_of(text, 'penalty_markup: "0.60"')
    assert caught.value.message.en.startswith(f"The credit policy has 1 error(s): line {line}, pricing.penalty_markup:")
    assert caught.value.message.zh.startswith(f"信用政策有 1 处错误：第 {line} 行 pricing.penalty_markup：")


def test_reasons_show_values_in_their_units():
    values = {"application.amount": Decimal("1200000.00"), "annual_revenue": Decimal("2000000.00"), "controller_age": 70,
              "top1_counterparty_share": Decimal("0.8123"), "registry_status": "revoked", "enterprise.size_class": "micro",
              "application.guarantee_mode": "credit+guarantee", "score": 612, "pd": Decimal("0.030")}
    text = policy.fill(Text("{application.amount}/{annual_revenue}/{controller_age}/{top1_counterparty_share}/{registry_status}/"
                            "{enterprise.size_class}/{application.guarantee_mode}/{score}/{pd}/{tax_credit_grade}",
                            "{application.amount}/{controller_age}/{registry_status}/{score}/{tax_credit_grade}"), values)
    assert text.zh == "1,200,000.00 元/2,000,000.00 元/70 周岁/81.23%/吊销/微型/信用+保证/612 分/3.00%/（无数据）"
    assert text.en == "1,200,000.00 yuan/70 years old/Licence revoked/612 points/(no data)"


def test_products_rules_still_read_only_features_and_the_need():
    with pytest.raises(eligibility.RuleProblem):
        eligibility.check_rule("application.amount > 1")
    with pytest.raises(eligibility.RuleProblem):
        eligibility.check_rule("score > 1")
    eligibility.check_rule("need.amount > 1.0 && years_in_operation >= 2")


def test_names_read_lists_the_variables_of_an_expression():
    assert policy.names_read('application.amount > annual_revenue * 0.5 && enterprise.size_class == "micro"') == (
        "annual_revenue", "application.amount", "enterprise.size_class")
    assert not re.search(r"\bneed\b", " ".join(policy.VARIABLES))


def test_the_documentation_lists_every_rule_of_the_default_policy_as_it_is():
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "credit-policy.md").read_text(encoding="utf-8")
    for r in policy.load_default().rules:
        assert f"| `{r.code}` |" in doc and f"`{r.when.replace('|', chr(92) + '|')}`" in doc, r.code
