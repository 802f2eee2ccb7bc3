"""Every importer bounds amounts below 10^15, and treats control and invisible characters alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smecredit.enterprises.connectors import ImportRejected, SourceKind, parse_source
from smecredit.enterprises.connectors.fields import clean_text
from smecredit.enterprises.connectors.vocabulary import ImportLimits

DATA = Path(__file__).parent / "data"
BIG = "1000000000000000"  # 10^15
JUST_BELOW = "999999999999999.99"


def _json(name: str) -> dict:
    return json.loads((DATA / name).read_text("utf-8"))


def _registry(amount: str) -> bytes:
    doc = _json("registry_good.json")
    doc["registered_capital"] = amount
    return json.dumps(doc, ensure_ascii=False).encode()


def _tax_json(amount: str) -> bytes:
    doc = _json("tax_good.json")
    doc["periods"][0]["revenue_declared"] = amount
    return json.dumps(doc).encode()


def _tax_csv(amount: str) -> bytes:
    return f"所属期,实缴税额,申报收入\n2024-01,1.00,{amount}\n".encode()


def _bank(amount: str) -> bytes:
    return f"交易日期,交易金额,借贷标志,余额,对方户名,摘要\n2024-01-05,{amount},贷,1.00,甲,货款\n".encode()


def _financials(amount: str) -> bytes:
    text = (DATA / "financials_good.csv").read_text("utf-8")
    return text.replace("\n", f"\n资产负债表,notes_payable,,2024,{amount}\n", 1).encode()


def _credit(amount: str) -> bytes:
    doc = _json("credit_good.json")
    doc["enterprise"]["guarantees"][0]["amount"] = amount
    return json.dumps(doc, ensure_ascii=False).encode()


def _judicial(amount: str) -> bytes:
    doc = _json("judicial_good.json")
    doc["lawsuits"][0]["amount"] = amount
    return json.dumps(doc, ensure_ascii=False).encode()


CASES = [
    (SourceKind.REGISTRY, _registry, "r.json"),
    (SourceKind.TAX, _tax_json, "t.json"),
    (SourceKind.TAX, _tax_csv, "t.csv"),
    (SourceKind.BANK_STATEMENT, _bank, "b.csv"),
    (SourceKind.FINANCIAL_STATEMENTS, _financials, "f.csv"),
    (SourceKind.CREDIT_BUREAU, _credit, "c.json"),
    (SourceKind.JUDICIAL, _judicial, "j.json"),
]


@pytest.mark.parametrize(("kind", "build", "filename"), CASES, ids=[f"{c[0].value}-{c[2]}" for c in CASES])
def test_amounts_are_bounded_at_ten_to_the_fifteen(kind, build, filename):
    with pytest.raises(ImportRejected) as exc:
        parse_source(kind, build(BIG), filename=filename)
    assert any(e.reason_en == f"invalid amount: {BIG}" for e in exc.value.errors), exc.value.errors
    with pytest.raises(ImportRejected):
        parse_source(kind, build("1e999999999"), filename=filename)
    parse_source(kind, build(JUST_BELOW if kind is not SourceKind.FINANCIAL_STATEMENTS else "1.00"), filename=filename)


def test_financial_amounts_in_ten_thousand_yuan_are_bounded_after_scaling():
    with pytest.raises(ImportRejected) as exc:
        parse_source(SourceKind.FINANCIAL_STATEMENTS, _financials("100000000000"), filename="f.csv", amount_unit="ten_thousand")
    assert exc.value.errors[0].reason_en == "invalid amount: 100000000000"


# -- control and invisible characters ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "multiline", "cleaned"),
    [
        ("福州\u200b示例\ufeff贸易有限公司", False, "福州示例贸易有限公司"),
        ("福州示例\r\n贸易有限公司", False, "福州示例 贸易有限公司"),
        ("福州\t示例  公司", False, "福州 示例 公司"),
        ("软件开发；\r\n技术服务\u2028咨询", True, "软件开发；\n技术服务\n咨询"),
        ("平常的名称", False, "平常的名称"),
    ],
)
def test_clean_text_removes_invisibles_and_folds_line_breaks(raw, multiline, cleaned):
    assert clean_text(raw, multiline=multiline) == (cleaned, None)


@pytest.mark.parametrize("ch", ["\x00", "\x07", "\x1b", "\x85", "\u202a", "\u202e", "\u2066", "\u2069"])
def test_clean_text_refuses_control_and_direction_characters(ch):
    text, why = clean_text(f"福州{ch}示例")
    assert why is not None and f"U+{ord(ch):04X}" in why.en and f"U+{ord(ch):04X}" in why.zh


def test_registry_names_are_cleaned_or_refused_with_their_path():
    doc = _json("registry_good.json")
    doc["name"] = "福州\u200b闽江测试贸易有限公司"
    doc["business_scope"] = "贸易；\r\n技术服务"
    doc["shareholders"][0]["name"] = "林晓\u202e明"
    with pytest.raises(ImportRejected) as exc:
        parse_source(SourceKind.REGISTRY, json.dumps(doc).encode(), filename="r.json")
    (err,) = exc.value.errors
    assert err.field == "shareholders[0].name" and "U+202E" in err.reason_en and "伪装" in err.reason_zh
    doc["shareholders"][0]["name"] = "林晓明"
    ps = parse_source(SourceKind.REGISTRY, json.dumps(doc).encode(), filename="r.json")
    assert ps.content["name"] == "福州闽江测试贸易有限公司"
    assert ps.content["business_scope"] == "贸易；\n技术服务"


def test_bank_counterparties_are_cleaned_and_nul_is_refused():
    head = "户名：福州\u200b示例公司\n交易日期,交易金额,借贷标志,余额,对方户名,摘要\n"
    ok = head + '2024-01-05,1.00,贷,1.00,"厦门\n商贸有限公司",货\u200b款\n'
    ps = parse_source(SourceKind.BANK_STATEMENT, ok.encode(), filename="b.csv")
    assert ps.content["rows"][0]["counterparty"] == "厦门 商贸有限公司" and ps.content["rows"][0]["memo"] == "货款"
    assert ps.content["account"]["account_name"] == "福州示例公司"
    bad = head + "2024-01-05,1.00,贷,1.00,厦门\x00商贸,货款\n2024-01-06,1.00,贷,2.00,甲,\u202e款货\n"
    with pytest.raises(ImportRejected) as exc:
        parse_source(SourceKind.BANK_STATEMENT, bad.encode(), filename="b.csv")
    assert [(e.line, e.field) for e in exc.value.errors] == [(3, "对方户名"), (4, "摘要")]
    assert "U+0000" in exc.value.errors[0].reason_en and "U+202E" in exc.value.errors[1].reason_en


def test_zero_width_characters_in_headers_do_not_hide_a_column():
    text = "交易日期,交易\u200b金额,借贷标志,余额,对方户名,摘要\n2024-01-05,1.00,贷,1.00,甲,货款\n"
    assert parse_source(SourceKind.BANK_STATEMENT, text.encode(), filename="b.csv").content["row_count"] == 1


def test_size_limit_comes_from_the_callers_limits():
    data = _bank("1.00")
    with pytest.raises(ImportRejected) as exc:
        parse_source(SourceKind.BANK_STATEMENT, data, filename="b.csv", limits=ImportLimits(max_file_bytes=50))
    assert exc.value.errors[0].reason_en.startswith(f"file too large ({len(data):,} bytes; the limit is 50 bytes")
    assert ImportLimits().max_file_bytes == 20 * 1024 * 1024
    for kind, build, filename in CASES:
        with pytest.raises(ImportRejected):
            parse_source(kind, build("1.00"), filename=filename, limits=ImportLimits(max_file_bytes=10))


def test_csv_rows_are_capped():
    rows = "".join(f"2024-01-{d:02d},1.00,贷,{d}.00,甲,货款\n" for d in range(1, 12))
    data = ("交易日期,交易金额,借贷标志,余额,对方户名,摘要\n" + rows).encode()
    with pytest.raises(ImportRejected) as exc:
        parse_source(SourceKind.BANK_STATEMENT, data, filename="b.csv", limits=ImportLimits(max_rows=5))
    assert exc.value.errors[0].reason_en == "more than 5 rows; split the file and import the parts"
    assert exc.value.errors[0].line == 6


def test_limits_are_checked():
    with pytest.raises(ValueError):
        ImportLimits(max_rows=0)
    with pytest.raises(ValueError):
        ImportLimits(max_columns=16_385)
