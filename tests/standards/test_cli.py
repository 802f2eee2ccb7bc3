"""`smecredit standards` sub-commands, driven through Typer's CliRunner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from smecredit.standards.cli import app
from smecredit.standards.uscc import make_uscc

runner = CliRunner()
VALID = "91350100M000100Y43"
INVALID = "91350100M000100Y4Z"


def test_uscc_all_valid_exits_0():
    other = make_uscc("9", "2", "440300", "L1234567")
    result = runner.invoke(app, ["uscc", VALID, other])
    assert result.exit_code == 0, result.output
    assert VALID in result.stdout and other in result.stdout
    assert "✓" in result.stdout and "✗" not in result.stdout


def test_uscc_any_invalid_exits_1_with_reason_in_both_languages():
    result = runner.invoke(app, ["uscc", VALID, INVALID])
    assert result.exit_code == 1
    assert "✗" in result.stdout and INVALID in result.stdout
    assert "校验码" in result.stdout and "check" in result.stdout


def test_uscc_json():
    result = runner.invoke(app, ["uscc", "--json", VALID, INVALID, "12345"])
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert [r["code"] for r in rows] == [VALID, INVALID, "12345"]
    assert [r["valid"] for r in rows] == [True, False, False]
    assert [r["reason"] for r in rows] == [None, "check_character", "length"]
    assert rows[0]["department"]["name_zh"] == "工商/市场监管"
    assert rows[0]["category"]["name_zh"] == "企业"
    assert rows[0]["region"]["code"] == "350100"
    for key in ("reason_zh", "reason_en", "department", "category", "region"):
        assert all(key in r for r in rows)
    assert rows[1]["reason_zh"] and rows[1]["reason_en"]


def test_uscc_json_all_valid_exits_0():
    result = runner.invoke(app, ["uscc", VALID, "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["valid"] is True


def test_sme_size_human_output():
    result = runner.invoke(
        app, ["sme-size", "--industry", "工业", "--employees", "250", "--revenue", "5000"]
    )
    assert result.exit_code == 0, result.output
    assert "小型" in result.stdout and "small" in result.stdout


def test_sme_size_json():
    result = runner.invoke(
        app,
        ["sme-size", "--industry", "construction", "--revenue", "6000", "--assets", "5000",
         "--json"],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["size"] == "medium" and body["size_zh"] == "中型"
    assert body["industry"] == "construction"
    assert "建筑业" in body["rule_zh"] and "Construction" in body["rule_en"]


def _assert_bad_input(args, *needles):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert "错误" in result.stderr and "Error" in result.stderr
    for needle in needles:
        assert needle in result.stderr


def test_sme_size_unknown_industry():
    _assert_bad_input(["sme-size", "--industry", "mars", "--employees", "3"], "software_it")


def test_sme_size_missing_indicator():
    _assert_bad_input(["sme-size", "--industry", "retail", "--employees", "3"], "营业收入", "revenue")


def test_sme_size_non_numeric():
    _assert_bad_input(
        ["sme-size", "--industry", "retail", "--employees", "3", "--revenue", "lots"], "lots"
    )
    _assert_bad_input(
        ["sme-size", "--industry", "retail", "--employees", "3.5", "--revenue", "10"], "3.5"
    )


def test_sme_size_negative_and_missing_industry():
    _assert_bad_input(["sme-size", "--industry", "other", "--employees", "-3"], "negative")
    _assert_bad_input(["sme-size", "--employees", "3"], "--industry")


# -- working-capital ------------------------------------------------------------------------------

WC = ["working-capital", "--sales", "10,000,000", "--profit-margin", "10", "--growth", "20",
      "--inventory-days", "60", "--receivable-days", "45", "--payable-days", "30", "--prepaid-days", "10",
      "--advance-days", "5", "--own-funds", "1000000", "--existing-loans", "500000"]


def test_working_capital_json_has_every_figure_as_two_place_strings():
    # cycle 60 + 45 − 30 + 10 − 5 = 80; turnover 360 ÷ 80 = 4.5; need 10,000,000 × 0.9 × 1.2 ÷ 4.5 = 2,400,000;
    # limit 2,400,000 − 1,000,000 − 500,000 = 900,000
    result = runner.invoke(app, [*WC, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "sales": "10000000.00", "profit_margin": "10.00", "growth": "20.00",
        "inventory_days": "60.00", "receivable_days": "45.00", "payable_days": "30.00",
        "prepaid_days": "10.00", "advance_days": "5.00", "cycle_days": "80.00", "turnover_times": "4.50",
        "working_capital_need": "2400000.00", "own_funds": "1000000.00", "existing_loans": "500000.00",
        "other_funding": "0.00", "deductions": "1500000.00", "new_loan_limit": "900000.00",
    }


def test_working_capital_plain_prints_every_figure_in_both_languages():
    result = runner.invoke(app, WC)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for label_zh, label_en, value in [
        ("营运资金周转天数", "Working-capital cycle", "80.00"),
        ("营运资金周转次数", "Working-capital turnover", "4.50"),
        ("营运资金量", "Working capital needed", "2,400,000.00"),
        ("可用营运资金合计", "Funds already available", "1,500,000.00"),
        ("新增流动资金贷款额度", "New working-capital loan", "900,000.00"),
    ]:
        line = next(li for li in out.splitlines() if label_zh in li)
        assert value in line, line
        assert label_en in out
    assert "无需新增" not in out


def test_working_capital_covered_says_no_new_loan_is_needed():
    result = runner.invoke(app, [*WC, "--other-funding", "900000.01", "--json"])
    assert json.loads(result.stdout)["new_loan_limit"] == "0.00"
    plain = runner.invoke(app, [*WC, "--other-funding", "900000.01"])
    assert plain.exit_code == 0
    assert "无需新增流动资金贷款" in plain.stdout and "no new working-capital loan" in plain.stdout


def test_working_capital_non_positive_cycle_exits_2():
    args = [a if a != "30" else "120" for a in WC]  # payable days 120: cycle 60 + 45 − 120 + 10 − 5 = −10
    _assert_bad_input(args, "营运资金周转天数", "-10", "must be above zero")
    _assert_bad_input([*args, "--json"], "cycle")


def test_working_capital_bad_and_missing_inputs_exit_2():
    _assert_bad_input([a if a != "10,000,000" else "-5" for a in WC], "销售收入", "must not be negative")
    _assert_bad_input(["working-capital", "--sales", "100"], "--profit-margin", "--advance-days", "预收账款周转天数")
    _assert_bad_input([*WC, "--growth", "lots", "--inventory-days", "4000"], "lots", "3650")
