"""征信 JSON importer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smecredit.enterprises.connectors import ImportRejected
from smecredit.enterprises.connectors.credit_bureau import parse_credit_bureau

DATA = Path(__file__).parent / "data"


def test_good_report():
    ps = parse_credit_bureau((DATA / "credit_good.json").read_bytes(), filename="c.json")
    e = ps.content["enterprise"]
    assert ps.content["report_date"] == "2025-03-10"
    assert e["current_overdue"] == {"count": 1, "amount": "12000.50"}
    assert e["overdue_history"][0] == {"month": "2023-02", "max_dpd": 45}
    assert [x["classification"] for x in e["loans"]] == ["substandard", "normal", "special_mention"]  # sorted by lender
    assert e["totals"] == {"loan_balance": "900000.00", "guarantee_exposure": "250000.00", "worst_classification": "substandard"}
    assert e["queries"][-1] == {"date": "2025-03-01", "reason": "担保资格审查", "institution": None}
    ctl = ps.content["controller"]
    assert ctl["name"] == "林晓明" and ctl["uscc"] is None
    assert ctl["loans"][0]["classification"] == "normal"
    assert "当前逾期 1 笔" in ps.summary.zh


def test_bad_report_lists_every_problem():
    with pytest.raises(ImportRejected) as exc:
        parse_credit_bureau((DATA / "credit_bad.json").read_bytes(), filename="c.json")
    assert [(e.field, e.reason_en) for e in exc.value.errors] == [
        ("enterprise.current_overdue.amount", "amount must be 0 when count is 0"),
        ("enterprise.overdue_history[0].month", "invalid month (expected YYYY-MM): 2025-13"),
        ("enterprise.overdue_history[1].max_dpd", "value -1 out of range 0–100000"),
        ("enterprise.overdue_history[2].month", "month 2025-04 is after the report date"),
        ("enterprise.overdue_history[4].month", "month 2024-02 is duplicated"),
        ("enterprise.loans[0].balance", "invalid amount: 1e999999"),
        ("enterprise.loans[0].classification",
         "invalid value: 很差 (allowed: doubtful, loss, normal, special_mention, substandard)"),
        ("enterprise.queries[0].date", "query date is after the report date"),
    ]


def test_enterprise_part_is_required_controller_optional():
    with pytest.raises(ImportRejected) as exc:
        parse_credit_bureau(b'{"report_date": "2025-01-01"}', filename="c.json")
    assert [(e.field, e.reason_en) for e in exc.value.errors] == [("enterprise", "required field is missing")]
    doc = json.loads((DATA / "credit_good.json").read_text("utf-8"))
    del doc["controller"]
    ps = parse_credit_bureau(json.dumps(doc).encode(), filename="c.json")
    assert ps.content["controller"] is None
