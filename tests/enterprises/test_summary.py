"""The officer's summary of a credit profile (enterprises/summary.py, pure): red flags first, key
figures, and the series of the trend charts, from typed records."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from smecredit.enterprises import summary
from smecredit.enterprises.connectors import SourceKind, load
from smecredit.enterprises.discrepancies import Discrepancy
from smecredit.kernel.text import Text


@dataclass
class F:
    key: str
    value_text: str | None
    value_type: str = "int"
    label_zh: str = "标签"
    label_en: str = "label"
    source_kind: str | None = "credit_bureau"
    snapshot_id: int | None = 5


def test_clean_profile_has_no_flags_but_says_what_was_not_checked():
    features = [F("current_overdue_count", "0"), F("controller_current_overdue_count", "0"),
                F("registry_status", "active", "str", source_kind="registry"),
                F("abnormal_operation_count", "0", source_kind="registry"),
                F("open_lawsuits_defendant_count", None, source_kind="judicial"),
                F("dishonest_debtor_flag", None, "none", source_kind="judicial")]
    assert summary.red_flags(features) == []
    assert summary.unchecked(features) == [SourceKind.JUDICIAL]


def test_flags_come_most_serious_first_with_amounts_and_discrepancies_last():
    features = [
        F("administrative_penalty_count_24m", "2", source_kind="registry"),
        F("current_overdue_count", "1"), F("current_overdue_amount", "120000.00", "decimal"),
        F("registry_status", "revoked", "str", source_kind="registry"),
        F("dishonest_debtor_flag", "true", "bool", source_kind="judicial"),
        F("open_lawsuits_defendant_count", "3", source_kind="judicial"),
        F("open_lawsuits_defendant_amount", "0.00", "decimal", source_kind="judicial"),
    ]
    found = Discrepancy("revenue", Text("营业收入", "Revenue"), "¥1.00", "¥2.00", "tax", 7, Text("差异", "differs"))
    flags = summary.red_flags(features, [found])
    keys = [f.key for f in flags]
    assert keys == ["registry_status", "dishonest_debtor_flag", "current_overdue_count",
                    "open_lawsuits_defendant_count", "administrative_penalty_count_24m", "discrepancy:revenue"]
    assert [f.severity for f in flags[:3]] == ["high"] * 3
    assert flags[0].detail.zh == "工商登记状态为“吊销”，不是存续（在业）"
    assert flags[2].detail.zh == "征信报告显示当前逾期 1 笔，金额 ¥120,000.00" and flags[2].snapshot_id == 5
    assert flags[3].detail.zh == "作为被告的未结诉讼 3 件"  # no amount said when it is zero
    assert flags[-1].label.zh == "申报与核验不一致：营业收入" and flags[-1].snapshot_id == 7


def test_money_figures_read_in_wan():
    revenue = F("annual_revenue", "21203571.00", "decimal")
    revenue.unit = "CNY"
    assert summary.figure_text(revenue) == "2,120.36 万元" and summary.figure_text(revenue, "en") == "¥21,203,571"
    grade = F("tax_credit_grade", "A", "str")
    grade.unit = "grade"
    assert summary.figure_text(grade) is None


def test_key_figures_keep_their_order_and_mark_what_is_missing():
    figures = summary.key_figures([F("tax_credit_grade", "A", "str"), F("leverage", None, "none"),
                                   F("annual_revenue", "1000.00", "decimal")])
    assert [k.key for k in figures] == list(summary.KEY_FIGURES)
    assert not figures[0].missing and figures[3].missing and figures[4].feature is None


def _bank(months):
    rows = []
    monthly = []
    for label, inflow, outflow in months:
        monthly.append({"month": label, "inflow": inflow, "outflow": outflow, "inflow_count": 1, "outflow_count": 1})
        rows.append({"date": f"{label}-15", "amount": inflow, "direction": "in", "balance": None, "counterparty": "甲",
                     "memo": ""})
    return load(SourceKind.BANK_STATEMENT, {"first_date": f"{months[0][0]}-01", "last_date": f"{months[-1][0]}-28",
                                            "monthly": monthly, "rows": rows})


def test_bank_chart_fills_quiet_months_with_zero_and_keeps_the_last_24():
    statement = _bank([("2024-11", "100000.00", "50000.00"), ("2025-01", "123456.78", "0.00")])
    chart = summary.bank_chart(statement)
    assert chart.labels == ("2024-11", "2024-12", "2025-01")
    assert chart.series[0].values == (Decimal("10.00"), Decimal("0"), Decimal("12.35"))  # 万元
    data = chart.as_json("zh")
    assert data["series"][0]["values"] == ["10.00", "0", "12.35"] and data["unit"] == "金额（万元）"
    long = _bank([(f"{2020 + m // 12}-{m % 12 + 1:02d}", "1.00", "1.00") for m in range(30)])
    assert len(summary.bank_chart(long).labels) == 24 and summary.bank_chart(long).labels[-1] == "2022-06"


def _tax(periods, grade="A"):
    return load(SourceKind.TAX, {"credit_grade": grade, "periods": [
        {"period": p, "tax_paid": paid, "revenue_declared": rev} for p, paid, rev in periods]})


def test_tax_chart_sums_months_into_quarters_and_leaves_out_incomplete_ones():
    record = _tax([("2025-01", "10000.00", "100000.00"), ("2025-02", "10000.00", "100000.00"),
                   ("2025-03", "10000.00", "100000.00"), ("2025-Q2", "50000.00", "400000.00"),
                   ("2025-07", "5000.00", "50000.00"), ("2024", "99999.00", "999999.00")])
    chart = summary.tax_chart(record)
    assert chart.labels == ("2025-Q1", "2025-Q2")
    assert chart.series[0].values == (Decimal("3.00"), Decimal("5.00"))
    assert chart.series[1].values == (Decimal("30.00"), Decimal("40.00")) and chart.series[1].axis == 1
    assert chart.note.zh == "未满三个月的季度未列入：2025-Q3"


def test_revenue_chart_prefers_statements_for_growth_and_uses_full_tax_years():
    statements = load(SourceKind.FINANCIAL_STATEMENTS, {"statements": {"income_statement": [
        {"period": str(year), "items": {"revenue": rev, "cost_of_sales": "0", "operating_profit": "0", "net_profit": "0"}}
        for year, rev in ((2023, "1000000.00"), (2024, "1500000.00"))]}})
    record = _tax([(f"2024-{m:02d}", "100.00", "100000.00") for m in range(1, 13)] + [("2025-01", "1.00", "5.00")])
    chart = summary.revenue_chart(statements, record)
    assert chart.labels == ("2023", "2024")  # 2025 has one month declared: not a year
    names = [s.name.en for s in chart.series]
    assert names == ["Revenue (statements)", "Revenue declared (tax)", "Growth (statements)"]
    assert chart.series[2].values == (None, Decimal("50.0")) and chart.series[2].percent
    assert chart.series[1].values == (None, Decimal("120.00"))
    assert [c.key for c in summary.charts({SourceKind.TAX: record})] == ["tax", "revenue"]
    assert summary.charts({}) == []


def test_summary_is_pure():
    code = ("import sys, smecredit.enterprises.summary, smecredit.enterprises.snapshot_tables\n"
            "print(','.join(m for m in sys.modules if m.split('.')[0] in "
            "('sqlalchemy', 'fastapi', 'starlette', 'jinja2', 'pydantic', 'openpyxl')))\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == ""
    assert date(2026, 1, 1)  # keep the import honest
