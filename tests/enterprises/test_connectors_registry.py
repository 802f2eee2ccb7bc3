"""工商登记 JSON importer."""

from __future__ import annotations
from smecredit.kernel.errors import Invalid

import json
from pathlib import Path

import pytest

from smecredit.enterprises.connectors import ImportRejected, SourceKind
from smecredit.enterprises.connectors.registry import parse_registry

DATA = Path(__file__).parent / "data"


def _errors(exc: ImportRejected) -> list[tuple]:
    return [(e.line, e.field, e.reason_en) for e in exc.errors]


def test_good_registry_is_normalised():
    ps = parse_registry((DATA / "registry_good.json").read_bytes(), filename="registry_good.json")
    c = ps.content
    assert ps.kind is SourceKind.REGISTRY
    assert c["schema"] == "smecredit.registry/1"
    assert c["uscc"] == "91350100M000100Y43"
    assert c["status"] == "active" and c["status_zh"] == "存续（在业）"
    assert c["registered_capital"] == "2000000.00"
    assert c["founding_date"] == "2018-06-20"
    assert c["legal_representative"] == "林晓明"
    assert c["shareholders"] == [
        {"name": "林晓明", "type": "natural_person", "share_pct": "60.0000", "subscribed_capital": "1200000.00"},
        {"name": "陈芳", "type": "natural_person", "share_pct": "40.0000", "subscribed_capital": "800000.00"},
    ]
    assert c["abnormal_operations"][1]["removed_date"] is None
    assert c["administrative_penalties"][0]["amount"] == "5000.00"
    assert "经营异常 1 条" in ps.summary.zh and "1 abnormal-operation record(s) in force" in ps.summary.en
    json.dumps(c)  # JSON-serialisable as is
    assert ps.warnings == ()


def test_bad_values_are_all_reported():
    with pytest.raises(ImportRejected) as exc:
        parse_registry((DATA / "registry_bad_shares.json").read_bytes(), filename="registry_bad_shares.json")
    errs = _errors(exc.value)
    fields = [f for _l, f, _r in errs]
    assert fields == [
        "uscc", "status", "registered_capital", "founding_date", "shareholders[2].share_pct", "shareholders",
    ]
    assert "check character at position 18" in errs[0][2]
    assert errs[1][2].startswith("invalid value: 营业中")
    assert errs[3][2] == "invalid date (expected YYYY-MM-DD): 2018/06/20"
    assert errs[4][2] == "value 120 out of range 0–100"
    assert errs[5][2] == "shareholder percentages add up to 110% (valid percentages only), more than 100%"
    assert isinstance(exc.value, Invalid) and exc.value.details["kind"] == "registry"


def test_shares_over_100_percent_in_total():
    doc = json.loads((DATA / "registry_good.json").read_text("utf-8"))
    doc["shareholders"][1]["share_pct"] = "40.0001"
    with pytest.raises(ImportRejected) as exc:
        parse_registry(json.dumps(doc).encode(), filename="r.json")
    assert _errors(exc.value) == [
        (None, "shareholders", "shareholder percentages add up to 100.0001%, more than 100%"),
    ]


def test_json_syntax_error_gives_the_line_and_reads_in_chinese():
    with pytest.raises(ImportRejected) as exc:
        parse_registry((DATA / "registry_bad_syntax.json").read_bytes(), filename="x.json")
    (err,) = exc.value.errors
    assert err.line == 6
    assert "Expecting ',' delimiter" in err.reason_en
    assert "第 6 行" in err.reason_zh and "缺少英文逗号" in err.reason_zh
    assert "Expecting" not in err.reason_zh  # the parser's English stays in the English text


@pytest.mark.parametrize("doc", [b'{"a": NaN}', b'{"a": 1' + b"0" * 5000 + b"}"])
def test_json_disallowed_numbers_read_in_chinese(doc):
    with pytest.raises(ImportRejected) as exc:
        parse_registry(doc, filename="x.json")
    (err,) = exc.value.errors
    assert "不允许的数值" in err.reason_zh and "NaN" in err.reason_zh
    assert not any(c.isascii() and c.isalpha() for c in err.reason_zh.replace("JSON", "").replace("NaN", "")
                   .replace("Infinity", ""))


def test_missing_fields():
    with pytest.raises(ImportRejected) as exc:
        parse_registry((DATA / "registry_missing_fields.json").read_bytes(), filename="x.json")
    assert _errors(exc.value) == [
        (None, "status", "required field is missing"),
        (None, "registered_capital", "required field is missing"),
        (None, "founding_date", "required field is missing"),
        (None, "legal_representative", "required field is missing"),
        (None, "shareholders[1].name", "required field is missing"),
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"[1, 2]", "must be a JSON object"),
        (b'{"registered_capital": NaN}', "JSON contains a disallowed value: NaN is not allowed"),
        ("{\"name\": \"中\"}".encode("gbk"), "JSON must be UTF-8; line 1 contains invalid bytes"),
    ],
)
def test_not_json_objects(data, reason):
    with pytest.raises(ImportRejected) as exc:
        parse_registry(data, filename="x.json")
    assert exc.value.errors[0].reason_en == reason


def test_unknown_fields_are_warned_and_dates_checked():
    doc = json.loads((DATA / "registry_good.json").read_text("utf-8"))
    doc["legal_rep_phone"] = "13800000000"
    ps = parse_registry(json.dumps(doc, ensure_ascii=False).encode(), filename="r.json")
    assert ps.warning_details[0].field == "legal_rep_phone"
    assert "legal_rep_phone" not in ps.content
    doc["changes"][0]["date"] = "2017-01-01"
    doc["abnormal_operations"][0]["removed_date"] = "2022-06-01"
    with pytest.raises(ImportRejected) as exc:
        parse_registry(json.dumps(doc, ensure_ascii=False).encode(), filename="r.json")
    assert {e.field for e in exc.value.errors} == {"changes[0].date", "abnormal_operations[0].removed_date"}


def test_same_content_same_hash_regardless_of_key_order():
    raw = json.loads((DATA / "registry_good.json").read_text("utf-8"))
    a = parse_registry(json.dumps(raw).encode(), filename="a.json")
    b = parse_registry(json.dumps(dict(reversed(list(raw.items()))), indent=4).encode(), filename="b.json")
    assert a.content_sha256 == b.content_sha256
