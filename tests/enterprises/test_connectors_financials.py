"""财务报表 importer: CSV and XLSX long format, balance check, required items."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from smecredit.enterprises.connectors import ImportRejected
from smecredit.enterprises.connectors.fields import parse_amount
from smecredit.enterprises.connectors.financials import REQUIRED_ITEMS, parse_financials

DATA = Path(__file__).parent / "data"


def _errors(exc: ImportRejected) -> list[tuple]:
    return [(e.line, e.field, e.reason_en) for e in exc.errors]


def test_good_csv():
    ps = parse_financials((DATA / "financials_good.csv").read_bytes(), filename="f.csv")
    s = ps.content["statements"]
    (bs,) = s["balance_sheet"]
    assert (bs["period"], bs["as_of"], bs["months"]) == ("2024", "2024-12-31", 12)
    assert bs["items"]["cash"] == "300000.00"  # found by its Chinese name 货币资金
    assert bs["items"]["total_assets"] == "1600000.00"
    assert "other_thing" not in bs["items"]
    assert s["income_statement"][0]["items"] == {
        "cost_of_sales": "1500000.00", "net_profit": "150000.00", "operating_profit": "200000.00", "revenue": "2000000.00",
    }
    assert s["cash_flow"][0]["items"] == {"operating_cash_flow": "180000.00"}
    assert [(w.line, w.reason_en) for w in ps.warning_details] == [(14, "unknown item 'other_thing' ignored")]


def test_unbalanced_balance_sheet_names_the_period_and_difference():
    with pytest.raises(ImportRejected) as exc:
        parse_financials((DATA / "financials_unbalanced.csv").read_bytes(), filename="f.csv")
    (err,) = exc.value.errors
    assert (err.line, err.field) == (7, "amount")  # the file's amount column, on the total_assets line
    assert err.reason_en == (
        "balance sheet 2024 does not balance: total assets 1600000.00 ≠ total liabilities 800000.00 + "
        "total equity 799999.99; difference 0.01"
    )
    assert "差额 0.01" in err.reason_zh


def test_missing_items_duplicates_bad_period_and_mismatched_names():
    with pytest.raises(ImportRejected) as exc:
        parse_financials((DATA / "financials_missing_items.csv").read_bytes(), filename="f.csv")
    errs = _errors(exc.value)
    assert errs[:3] == [
        (6, "item_code", "income statement 2024: item revenue is duplicated (first seen line 5)"),
        (7, "period", "invalid period: 2024-13 (expected YYYY, YYYY-Qn, YYYY-MM or YYYY-MM..YYYY-MM)"),
        (8, "item_name", "item code operating_cash_flow does not match item name '营业收入'"),
    ]
    assert errs[3] == (
        None, "item_code",
        "balance sheet 2024 is missing required item(s): cash, accounts_receivable, prepayments, inventory, "
        "current_assets, accounts_payable, advances_from_customers, current_liabilities",
    )
    assert errs[4] == (None, "item_code", "income statement 2024 is missing required item(s): cost_of_sales, operating_profit, net_profit")
    assert len(errs) == 5


def test_item_in_the_wrong_statement_and_unknown_statement():
    data = "statement,item_code,period,amount\nincome_statement,cash,2024,1\n损益,revenue,2024,1\n".encode()
    with pytest.raises(ImportRejected) as exc:
        parse_financials(data, filename="f.csv")
    errs = _errors(exc.value)
    assert errs[0] == (2, "item_code", "item cash belongs to the balance sheet, not the income statement")
    assert errs[1][0:2] == (3, "statement") and errs[1][2].startswith("invalid statement: 损益")


def test_no_balance_sheet():
    data = "statement,item_code,period,amount\nincome_statement,revenue,2024,1\n".encode()
    with pytest.raises(ImportRejected) as exc:
        parse_financials(data, filename="f.csv")
    assert (None, "资产负债表", "at least one balance sheet is required") in _errors(exc.value)


def test_amount_unit_and_ytd_range_in_gbk():
    text = (DATA / "financials_good.csv").read_text("utf-8").replace(",2024,", ",2024-01..2024-06,")
    ps = parse_financials(text.encode("gbk"), filename="f.csv", amount_unit="ten_thousand")
    bs = ps.content["statements"]["balance_sheet"][0]
    assert bs["period"] == "2024-01..2024-06" and bs["as_of"] == "2024-06-30"
    assert bs["items"]["total_assets"] == "16000000000.00"


def _workbook(per_statement: bool) -> bytes:
    openpyxl = pytest.importorskip("openpyxl")
    rows = [line.split(",") for line in (DATA / "financials_good.csv").read_text("utf-8").splitlines()]
    rows = [r for r in rows if '"' not in ",".join(r)] + [["利润表", "revenue", "营业收入", "2024", "2000000"]]
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if per_statement:
        names = {"balance_sheet": "资产负债表", "资产负债表": "资产负债表", "利润表": "利润表", "现金流量表": "现金流量表"}
        sheets = {}
        for st, code, name, period, amount in rows[1:]:
            title = names[st]
            if title not in sheets:
                sheets[title] = wb.create_sheet(title)
                sheets[title].append(["项目代码", "项目名称", "期间", "金额"])
            sheets[title].append([code, name, int(period), float(amount)])
    else:
        ws = wb.create_sheet("报表")
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_amounts_in_ten_thousand_yuan_are_scaled_before_rounding():
    """123.4567 万元 is 1,234,567.00 yuan: scaling happens on the exact value, rounding once."""
    example = (Path(__file__).resolve().parents[2] / "docs/examples/data/financials.csv").read_text(encoding="utf-8")
    # An odd revenue, so rounding before scaling would show (1234.56789 万元 → 12,345,678.90 元).
    example = "\n".join(
        ",".join([*line.split(",")[:4], "12345678.90"]) if line.startswith("利润表,revenue,") else line
        for line in example.strip().splitlines()
    )
    header, *rows = example.splitlines()
    scaled = [header]
    for row in rows:
        *head, amount = row.split(",")
        scaled.append(",".join([*head, str(Decimal(amount) / 10000)]))  # e.g. 1830000.00 → 183.0000
    in_yuan = parse_financials((example + "\n").encode(), filename="f.csv")
    in_wan = parse_financials(("\n".join(scaled) + "\n").encode(), filename="f.csv", amount_unit="ten_thousand")
    assert in_wan.content == in_yuan.content
    odd = parse_amount("123.4567", scale=Decimal(10000))
    assert odd == Decimal("1234567.00")


@pytest.mark.parametrize("per_statement", [True, False])
def test_xlsx_layouts_match_csv(per_statement):
    csv_ps = parse_financials((DATA / "financials_good.csv").read_bytes(), filename="f.csv")
    xlsx_ps = parse_financials(_workbook(per_statement), filename="f.xlsx")
    assert xlsx_ps.content == csv_ps.content


def test_xlsx_errors_name_the_sheet():
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "资产负债表"
    ws.append(["item_code", "period", "amount"])
    ws.append(["total_assets", "2024", "x"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ImportRejected) as exc:
        parse_financials(buf.getvalue(), filename="f.xlsx")
    err = exc.value.errors[0]
    assert (err.sheet, err.line, err.field, err.reason_en) == ("资产负债表", 2, "amount", "invalid amount: x")


def test_required_items_catalogue():
    assert REQUIRED_ITEMS["balance_sheet"] == (
        "cash", "accounts_receivable", "prepayments", "inventory", "current_assets", "total_assets",
        "accounts_payable", "advances_from_customers", "current_liabilities", "total_liabilities", "total_equity",
    )
    assert REQUIRED_ITEMS["income_statement"] == ("revenue", "cost_of_sales", "operating_profit", "net_profit")
    assert REQUIRED_ITEMS["cash_flow"] == ("operating_cash_flow",)


def test_errors_name_the_files_own_chinese_headers():
    data = "报表,项目名称,期间,期末余额(元)\n资产负债表,货币资金,2024,abc\n资产负债表,存货,2024-13,1\n资产负债表,存货,2024,1\n".encode()
    with pytest.raises(ImportRejected) as exc:
        parse_financials(data, filename="f.csv")
    errs = _errors(exc.value)
    assert errs[0] == (2, "期末余额(元)", "invalid amount: abc")
    assert errs[1][:2] == (3, "期间")
    assert errs[2][:2] == (None, "项目名称")  # required items missing, named by the file's item column
    assert exc.value.errors[0].reason_zh == "金额无效：abc"
