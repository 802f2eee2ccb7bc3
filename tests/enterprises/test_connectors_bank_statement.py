"""银行流水 importer: mappings, encodings, XLSX, bad rows, duplicates, aggregates, speed."""

from __future__ import annotations

import io
import json
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smecredit.enterprises.connectors.bank_statement import (
    BUILTIN_MAPPINGS,
    ColumnMapping,
    get_mapping,
    parse_bank_statement,
)
from smecredit.enterprises.connectors import ImportRejected
from smecredit.kernel.errors import DomainError

DATA = Path(__file__).parent / "data"
HEADER = "交易日期,交易金额,借贷标志,余额,对方户名,摘要\n"


def _errors(exc: ImportRejected) -> list[tuple]:
    return [(e.line, e.field, e.reason_en) for e in exc.errors]


def test_generic_file_with_bom_preamble_duplicates_and_footer():
    ps = parse_bank_statement((DATA / "bank_good_generic_zh.csv").read_bytes(), filename="bank.csv")
    c = ps.content
    assert c["account"] == {
        "account_number": "6222020200112233445",
        "account_name": "福州闽江测试贸易有限公司",
        "bank": "测试银行福州分行",
    }
    assert c["row_count"] == 7  # 9 data lines − 1 duplicate − the line after 合计
    assert c["rows"][0] == {
        "date": "2024-01-05", "amount": "50000.00", "direction": "in", "balance": "150000.00",
        "counterparty": "厦门海峡商贸有限公司", "memo": "货款",
    }
    # a time part is ignored, 收入/D are understood
    assert c["rows"][4]["date"] == "2024-02-25" and c["rows"][4]["direction"] == "out"
    assert c["rows"][5]["direction"] == "in" and c["rows"][6]["direction"] == "out"
    assert c["monthly"] == [
        {"month": "2024-01", "inflow": "80000.00", "outflow": "20000.00", "net": "60000.00", "inflow_count": 2, "outflow_count": 1, "count": 3},
        {"month": "2024-02", "inflow": "10000.00", "outflow": "5000.00", "net": "5000.00", "inflow_count": 1, "outflow_count": 1, "count": 2},
        {"month": "2024-03", "inflow": "40000.00", "outflow": "1000.00", "net": "39000.00", "inflow_count": 1, "outflow_count": 1, "count": 2},
    ]
    assert c["totals"] == {"inflow": "130000.00", "outflow": "26000.00", "net": "104000.00"}
    assert (c["first_date"], c["last_date"]) == ("2024-01-05", "2024-03-11")
    assert [(w.line, w.reason_en) for w in ps.warning_details] == [
        (8, "identical to line 7 (date, amount, direction, balance, counterparty, memo): duplicate skipped"),
        (13, "footer row reached; the 1 line(s) after it were not read"),
    ]
    assert ps.summary.zh == "3 个月流水，7 行（2024-01-05 至 2024-03-11），重复 1 行已跳过"
    json.dumps(c)


def test_bad_rows_are_listed_by_line_and_nothing_is_returned():
    with pytest.raises(ImportRejected) as exc:
        parse_bank_statement((DATA / "bank_bad_rows.csv").read_bytes(), filename="bad.csv")
    errs = _errors(exc.value)
    assert [(line, field) for line, field, _r in errs] == [
        (3, "交易日期"), (4, "交易金额"), (5, "借贷标志"), (6, "交易金额"), (7, "余额"),
    ]
    assert errs[0][2].startswith("invalid date: 2024-02-30")
    assert errs[1][2] == "invalid amount: 3O000.00"
    assert errs[2][2].startswith("unrecognised direction: 进账")
    assert errs[3][2] == "amount must not be negative (direction comes from '借贷标志'): -100.00"
    assert errs[4][2] == "invalid balance: 十万"
    assert exc.value.errors[0].reason_zh.startswith("日期无效：2024-02-30")


def test_gbk_file():
    ps = parse_bank_statement((DATA / "bank_gbk.csv").read_bytes(), filename="gbk.csv")
    assert ps.content["rows"][0]["counterparty"] == "厦门海峡商贸有限公司"
    assert ps.content["row_count"] == 3


def test_corrupt_utf8_is_rejected_with_its_line():
    data = (HEADER + "2024-01-05,1.00,贷,1.00,甲,货款\n").encode("utf-8") + b"2024-01-06,1.00,\xe8\xb4,2.00,x,y\n"
    with pytest.raises(ImportRejected) as exc:
        parse_bank_statement(data, filename="x.csv")
    assert _errors(exc.value) == [(3, None, "bad encoding: line 3 contains invalid UTF-8 bytes")]


def test_split_columns_and_zero_rows():
    with pytest.raises(ImportRejected) as exc:
        parse_bank_statement((DATA / "bank_split.csv").read_bytes(), filename="s.csv", mapping="generic_zh_split")
    assert _errors(exc.value) == [(5, None, "'收入金额' and '支出金额' cannot both hold an amount")]
    good = "\n".join((DATA / "bank_split.csv").read_text("utf-8").splitlines()[:4]).encode()
    ps = parse_bank_statement(good, filename="s.csv", mapping="generic_zh_split")
    assert [(r["date"], r["direction"], r["amount"]) for r in ps.content["rows"]] == [
        ("2024-01-05", "in", "1000.00"), ("2024-01-06", "out", "500.00"),
    ]
    assert [(w.line, w.reason_en) for w in ps.warning_details] == [(4, "zero amount; row skipped")]


def test_signed_amounts():
    data = "交易时间,交易金额,余额,对方名称,用途\n2024-05-01 09:00:00,-120.50,879.50,房东,房租\n2024-05-02 10:00:00,+300,1179.50,客户,货款\n"
    ps = parse_bank_statement(data.encode(), filename="s.csv", mapping="generic_zh_signed")
    assert [(r["direction"], r["amount"]) for r in ps.content["rows"]] == [("out", "120.50"), ("in", "300.00")]


def test_custom_mapping_round_trips_through_json():
    m = ColumnMapping(
        name="demo_bank",
        bank_name="示例银行",
        date_column="记账日期",
        credit_column="贷方发生额",
        debit_column="借方发生额",
        balance_column="余额",
        counterparty_column="对方账户名称",
        memo_column="用途",
        date_formats=("%Y%m%d",),
        header_row=3,
        thousands_separator=",",
        encoding="gb18030",
    )
    saved = m.to_json()
    again = ColumnMapping.from_json(saved)
    assert again == m and json.loads(saved)["date_formats"] == ["%Y%m%d"]
    assert get_mapping(json.loads(saved)) == m
    text = (
        "示例银行对账单\n"
        "账号,1234567890\n"
        "记账日期,借方发生额,贷方发生额,余额,对方账户名称,用途\n"
        '20240105,,"2,000.00",12000.00,客户甲,货款\n'
        "20240106,500.00,,11500.00,供应商乙,采购\n"
    )
    ps = parse_bank_statement(text.encode("gbk"), filename="demo.csv", mapping=again)
    assert ps.content["account"] == {"account_number": "1234567890"}
    assert ps.content["mapping"] == "demo_bank" and ps.content["bank_name"] == "示例银行"
    assert [(r["date"], r["direction"], r["amount"]) for r in ps.content["rows"]] == [
        ("2024-01-05", "in", "2000.00"), ("2024-01-06", "out", "500.00"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"amount_column": None}, "give amount_column, or both credit_column and debit_column"),
        ({"credit_column": "收入"}, "credit_column and debit_column go together"),
        ({"inflow_values": ("借",)}, "values mean both inflow and outflow: 借"),
        ({"header_row": 0}, "header_row must be a positive 1-based number"),
        ({"date_formats": ("YYYY-MM-DD",)}, "invalid date format: YYYY-MM-DD"),
    ],
)
def test_invalid_mappings(kwargs, message):
    base = BUILTIN_MAPPINGS["generic_zh"].to_dict()
    base.update(kwargs)
    with pytest.raises(DomainError) as exc:
        ColumnMapping.from_dict(base)
    assert exc.value.code == "invalid_column_mapping"
    assert exc.value.message_en.endswith(message)
    with pytest.raises(DomainError):
        ColumnMapping.from_dict({**base, "colour": "red"})
    with pytest.raises(DomainError):
        get_mapping("no_such_bank")


def test_header_problems():
    with pytest.raises(ImportRejected) as exc:
        parse_bank_statement("日期,金额\n2024-01-01,1\n".encode(), filename="x.csv")
    assert exc.value.errors[0].reason_en == "header not found: no line contains the column '交易日期' (mapping: generic_zh)"
    with pytest.raises(ImportRejected) as exc:
        parse_bank_statement("交易日期,交易金额,摘要\n2024-01-01,1,x\n".encode(), filename="x.csv")
    (err,) = exc.value.errors
    assert err.line == 1 and err.reason_en.startswith("header is missing column(s): 借贷标志, 余额, 对方户名")
    with pytest.raises(ImportRejected) as exc:
        parse_bank_statement(HEADER.encode(), filename="x.csv")
    assert _errors(exc.value) == [(None, None, "the file contains no transaction rows")]


def test_xlsx_with_native_dates_and_numbers():
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "流水"
    ws.append(["账号", "6222000011112222"])
    ws.append(["交易日期", "交易金额", "借贷标志", "余额", "对方户名", "摘要"])
    ws.append([date(2024, 1, 5), 1234.56, "贷", 11234.56, "客户甲", "货款"])
    ws.append(["2024-01-06", "500", "借", 10734.56, "供应商乙", "采购"])
    ws.append([date(2024, 1, 7), "abc", "借", 10734.56, "供应商乙", "采购"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ImportRejected) as exc:
        parse_bank_statement(buf.getvalue(), filename="s.xlsx")
    (err,) = exc.value.errors
    assert (err.line, err.sheet, err.reason_en) == (5, "流水", "invalid amount: abc")
    ws.delete_rows(5)
    buf = io.BytesIO()
    wb.save(buf)
    ps = parse_bank_statement(buf.getvalue(), filename="s.xlsx")
    assert ps.content["account"] == {"account_number": "6222000011112222"}
    assert [(r["date"], r["amount"], r["balance"]) for r in ps.content["rows"]] == [
        ("2024-01-05", "1234.56", "11234.56"), ("2024-01-06", "500.00", "10734.56"),
    ]


def test_not_an_xlsx():
    with pytest.raises(ImportRejected) as exc:
        parse_bank_statement(b"PK\x03\x04garbage", filename="s.xlsx")
    assert exc.value.errors[0].reason_en.startswith("not a valid XLSX file")


_rows = st.lists(
    st.tuples(
        st.dates(min_value=date(2023, 1, 1), max_value=date(2024, 12, 31)),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2),
        st.sampled_from(["贷", "借", "C", "D", "收入", "支出"]),
        st.sampled_from(["甲公司", "乙公司", "", "丙,有限公司"]),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rows)
def test_monthly_aggregates_add_up_to_the_rows(rows):
    lines = [HEADER.strip()]
    for i, (d, amt, flag, cp) in enumerate(rows):
        lines.append(f'{d.isoformat()},"{amt:,}",{flag},{i}.00,"{cp}",m{i}')
    ps = parse_bank_statement("\n".join(lines).encode("utf-8"), filename="h.csv")
    c = ps.content
    inflow = sum(Decimal(r["amount"]) for r in c["rows"] if r["direction"] == "in")
    outflow = sum(Decimal(r["amount"]) for r in c["rows"] if r["direction"] == "out")
    assert sum(Decimal(m["inflow"]) for m in c["monthly"]) == inflow == Decimal(c["totals"]["inflow"])
    assert sum(Decimal(m["outflow"]) for m in c["monthly"]) == outflow == Decimal(c["totals"]["outflow"])
    assert sum(m["count"] for m in c["monthly"]) == len(c["rows"]) == len(rows) == c["row_count"]
    for m in c["monthly"]:
        rows_m = [r for r in c["rows"] if r["date"][:7] == m["month"]]
        assert m["count"] == len(rows_m)
        assert Decimal(m["net"]) == Decimal(m["inflow"]) - Decimal(m["outflow"])


def test_duplicates_are_kept_once_with_a_warning_each():
    line = "2024-01-05,100.00,贷,200.00,甲,货款\n"
    ps = parse_bank_statement((HEADER + line * 4 + "2024-01-05,100.00,贷,300.00,甲,货款\n").encode(), filename="d.csv")
    assert ps.content["row_count"] == 2
    assert [w.line for w in ps.warning_details] == [3, 4, 5]
    assert all("identical to line 2" in w for w in ps.warnings)


def test_hundred_thousand_rows_in_gb18030_with_thousands_separators():
    """Correctness at size (timings are in bench/: ``python -m bench bank_statement_gbk``)."""
    rng = random.Random(7)
    out = [HEADER]
    balance = Decimal("1000000.00")
    day0 = date(2024, 1, 1)
    total_in = Decimal(0)
    for i in range(100_000):
        amt = Decimal(rng.randrange(100, 5_000_000)) / 100
        flag = "贷" if rng.random() < 0.5 else "借"
        balance += amt if flag == "贷" else -amt
        total_in += amt if flag == "贷" else 0
        d = day0 + timedelta(days=i * 365 // 100_000)
        out.append(f'{d.isoformat()},"{amt:,.2f}",{flag},{balance:.2f},客户{rng.randrange(800)}有限公司,货款{i % 7}\n')
    ps = parse_bank_statement("".join(out).encode("gb18030"), filename="big.csv")
    assert ps.content["row_count"] == 100_000
    assert len(ps.content["monthly"]) == 12
    assert Decimal(ps.content["totals"]["inflow"]) == total_in
    assert ps.content["rows"][-1]["balance"] == f"{balance:.2f}"


def test_tab_separated_export_with_a_chinese_comma_in_the_preamble():
    text = (
        "户名：示例公司，账号：6222\n"
        "交易日期\t交易金额\t借贷标志\t余额\t对方户名\t摘要\n"
        "2024-01-05\t1,000.00\t贷\t1000.00\t客户，甲\t货款\n"
    )
    ps = parse_bank_statement(text.encode("gb18030"), filename="x.txt")
    assert ps.content["rows"][0]["counterparty"] == "客户，甲"
    assert ps.content["rows"][0]["amount"] == "1000.00"
    assert ps.content["account"] == {"account_name": "示例公司", "account_number": "6222"}


def test_gbk_export_with_a_title_line_is_detected_on_the_whole_file():
    """A few GBK characters happen to be valid UTF-8 (示 is CA BE): the first line alone misleads."""
    text = (
        "示例银行企业账户交易明细\n"
        "交易日期,交易金额,借贷标志,余额,对方户名,摘要\n"
        "2024-01-05,100.00,贷,100.00,福州客户有限公司,货款\n"
    )
    ps = parse_bank_statement(text.encode("gbk"), filename="b.csv")
    assert ps.content["rows"][0]["counterparty"] == "福州客户有限公司"
