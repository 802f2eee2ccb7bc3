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
