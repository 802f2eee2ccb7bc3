"""司法 JSON importer."""

from __future__ import annotations

from pathlib import Path

import pytest

from smecredit.enterprises.connectors import ImportRejected
from smecredit.enterprises.connectors.judicial import parse_judicial

DATA = Path(__file__).parent / "data"


def test_good_records():
    ps = parse_judicial((DATA / "judicial_good.json").read_bytes(), filename="j.json")
    c = ps.content
    assert [x["case_no"] for x in c["lawsuits"]] == [
        "（2022）闽0102民初0500号", "（2023）闽0102民初0999号", "（2024）闽0102民初1001号", "（2024）闽0102民初1002号",
    ]
    assert c["lawsuits"][2] == {
        "case_no": "（2024）闽0102民初1001号", "role": "defendant", "cause": "买卖合同纠纷", "amount": "80000.00",
        "status": "open", "filed_date": "2024-10-08", "closed_date": None, "court": "福州市鼓楼区人民法院",
    }
    assert c["enforcements"][1]["status"] == "open" and c["enforcements"][1]["amount"] == "45000.00"
    assert c["dishonest_debtor"][0]["removed_date"] == "2021-08-05"
    assert ps.summary.en.startswith("4 lawsuit(s) (2 open as defendant, 80,000.00 yuan)")


def test_clean_record_needs_explicit_empty_lists():
    ps = parse_judicial(b'{"lawsuits": [], "enforcements": [], "dishonest_debtor": []}', filename="j.json")
    assert ps.content["lawsuits"] == []


def test_bad_records():
    with pytest.raises(ImportRejected) as exc:
        parse_judicial((DATA / "judicial_bad.json").read_bytes(), filename="j.json")
    assert [(e.field, e.reason_en) for e in exc.value.errors] == [
        ("dishonest_debtor", "required field is missing (use [] when there are no records)"),
        ("lawsuits[0].role", "invalid value: 被告人 (allowed: defendant, plaintiff, third_party)"),
        ("lawsuits[1].closed_date", "closed_date is before filed_date"),
        ("lawsuits[1].status", "a case with a closed_date cannot be open"),
        ("lawsuits[1].case_no", "case number A1 duplicates lawsuits[0]"),
        ("enforcements[0].amount", "required field is missing"),
    ]
