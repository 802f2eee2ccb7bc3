"""税务 importer: JSON and CSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from smecredit.enterprises.connectors import ImportRejected
from smecredit.enterprises.connectors.tax import parse_tax

DATA = Path(__file__).parent / "data"


def _errors(exc: ImportRejected) -> list[tuple]:
    return [(e.line, e.field, e.reason_en) for e in exc.errors]


def test_json():
    ps = parse_tax((DATA / "tax_good.json").read_bytes(), filename="tax_good.json")
    c = ps.content
    assert (c["credit_grade"], c["evaluation_year"], c["uscc"]) == ("B", 2023, "91350100M000100Y43")
    assert len(c["periods"]) == 8
    assert c["periods"][0] == {
        "period": "2023-Q1", "granularity": "quarter", "start": "2023-01-01", "end": "2023-03-31", "months": 3,
        "tax_paid": "30000.00", "revenue_declared": "1000000.00",
    }
    assert c["totals"] == {"tax_paid": "264000.00", "revenue_declared": "8800000.00"}
    assert "B 级" in ps.summary.zh


def test_csv_with_chinese_headers_and_mixed_periods():
    ps = parse_tax((DATA / "tax_good_zh.csv").read_bytes(), filename="tax_good_zh.csv")
    c = ps.content
    assert c["credit_grade"] == "A" and c["evaluation_year"] == 2023
    assert [(p["period"], p["revenue_declared"], p["tax_paid"]) for p in c["periods"]] == [
        ("2024-01", "100000.00", "3000.00"),
        ("2024-02", "80000.00", "2400.00"),
        ("2024-03", "120000.50", "3600.02"),
        ("2024-Q2", "330000.00", "9900.00"),
    ]


def test_csv_in_gbk_gives_the_same_content():
    text = (DATA / "tax_good_zh.csv").read_text("utf-8")
    utf8 = parse_tax(text.encode("utf-8"), filename="a.csv")
    gbk = parse_tax(text.encode("gbk"), filename="b.csv")
    assert gbk.content == utf8.content and gbk.content_sha256 == utf8.content_sha256


def test_bad_csv_lists_every_line():
    with pytest.raises(ImportRejected) as exc:
        parse_tax((DATA / "tax_bad.csv").read_bytes(), filename="tax_bad.csv")
    assert _errors(exc.value) == [
        (3, "period", "invalid period (expected YYYY-MM, YYYY-Qn or YYYY): 2024-13"),
        (4, "tax_paid", "invalid amount: abc"),
        (5, "period", "period 2024-Q1 overlaps 2024-01 (see line 2)"),
        (6, "tax_paid", "amount must not be negative: -5"),
        (6, "credit_grade", "invalid tax credit grade: E (allowed A/B/M/C/D)"),
    ]


def test_missing_column():
    with pytest.raises(ImportRejected) as exc:
        parse_tax((DATA / "tax_missing_column.csv").read_bytes(), filename="t.csv")
    (err,) = exc.value.errors
    assert err.line == 1
    assert err.reason_en.startswith("header is missing column(s): revenue_declared (申报收入)")


def test_conflicts_duplicates_and_grade_without_year():
    csv = (
        "period,tax_paid,revenue_declared,credit_grade,evaluation_year\n"
        "2024-01,1,10,A,2023\n"
        "2024-01,1,10,B,2022\n"
    ).encode()
    with pytest.raises(ImportRejected) as exc:
        parse_tax(csv, filename="t.csv")
    assert _errors(exc.value) == [
        (3, "credit_grade", "credit grade B conflicts with A on line 2"),
        (3, "evaluation_year", "evaluation year 2022 conflicts with 2023 on line 2"),
        (3, "period", "period 2024-01 is duplicated (see line 2)"),
    ]
    with pytest.raises(ImportRejected) as exc:
        parse_tax(b'{"credit_grade": "A", "periods": [{"period": "2024", "tax_paid": 1, "revenue_declared": 2}]}', filename="t.json")
    assert _errors(exc.value) == [(None, "evaluation_year", "an evaluation year is required with the credit grade")]


def test_json_errors_by_path():
    doc = b'{"credit_grade": "Z", "evaluation_year": 1999, "periods": [{"period": "2024-Q9", "tax_paid": "x"}]}'
    with pytest.raises(ImportRejected) as exc:
        parse_tax(doc, filename="t.json")
    fields = [e.field for e in exc.value.errors]
    assert fields == ["credit_grade", "evaluation_year", "periods[0].period", "periods[0].tax_paid", "periods[0].revenue_declared"]


def test_no_grade_is_allowed():
    ps = parse_tax(b"period,tax_paid,revenue_declared\n2024,100,1000\n", filename="t.csv")
    assert ps.content["credit_grade"] is None and ps.content["evaluation_year"] is None
    assert "no tax credit grade" in ps.summary.en


def test_errors_name_the_files_own_chinese_headers():
    text = (DATA / "tax_good_zh.csv").read_text("utf-8").replace('"100,000.00"', "十万", 1).replace("2024-02", "2024-14", 1)
    with pytest.raises(ImportRejected) as exc:
        parse_tax(text.encode("gbk"), filename="t.csv")
    assert [(e.line, e.field) for e in exc.value.errors] == [(2, "申报收入(元)"), (3, "所属期")]
    assert exc.value.errors[0].reason_zh == "金额无效：十万" and exc.value.errors[0].reason_en == "invalid amount: 十万"
    csv = "所属期,实缴税额,申报收入,纳税信用等级\n2024-01,1,10,A\n".encode()
    with pytest.raises(ImportRejected) as exc:
        parse_tax(csv, filename="t.csv")
    assert _errors(exc.value) == [(None, "评价年度", "an evaluation year is required with the credit grade")]
