"""`smecredit schedule`, through the whole command line (as a user types it)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from smecredit.cli import app

runner = CliRunner()
BASE = ["schedule", "--principal", "670000", "--annual-rate", "4.9", "--months", "360", "--start", "2024-01-15"]


def test_json_lists_every_instalment_with_two_place_strings():
    result = runner.invoke(app, [*BASE, "--method", "equal_installment", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 360
    assert rows[0] == {"number": 1, "due_date": "2024-02-15", "principal": "820.04", "interest": "2735.83",
                       "payment": "3555.87", "balance": "669179.96"}
    assert rows[-1]["balance"] == "0.00"


def test_the_table_shows_the_schedule_totals_and_the_apr():
    result = runner.invoke(app, ["schedule", "--principal", "120000", "--annual-rate", "6", "--months", "12",
                                 "--method", "equal_principal", "--start", "2025-03-10"])
    assert result.exit_code == 0, result.output
    assert "10,600.00" in result.stdout and "120,000.00" in result.stdout
    assert "年化利率" in result.stdout and "6.00%" in result.stdout and "IRR" in result.stdout


@pytest.mark.parametrize(("arguments", "zh", "en"), [
    (["--principal", "abc"], "本金", "principal"),
    (["--annual-rate", "4.9%"], "年利率", "annual rate"),
    (["--annual-rate", "-1"], "年利率", "annual rate"),
    (["--months", "twelve"], "期限", "term"),
    (["--months", "0"], "期限", "term"),
    (["--start", "2024-02-30"], "起始日", "start"),
    (["--method", "balloon"], "还款方式", "repayment method"),
    (["--principal", "100.005"], "本金", "principal"),
])
def test_bad_arguments_get_a_bilingual_error_and_exit_2(arguments, zh, en):
    given = dict(zip(BASE[1::2], BASE[2::2]))
    given.update(dict(zip(arguments[::2], arguments[1::2])))
    result = runner.invoke(app, ["schedule", *[part for pair in given.items() for part in pair]])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert zh in result.stderr and en in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_option_is_named():
    result = runner.invoke(app, ["schedule", "--principal", "1000", "--annual-rate", "4", "--months", "12"])
    assert result.exit_code == 2
    assert "--start" in result.stderr and "起始日" in result.stderr
