"""Shared connector vocabulary: kinds, errors, canonical JSON, money, periods, decoding, purity."""

from __future__ import annotations
from smecredit.kernel.errors import Invalid

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from smecredit.kernel.text import Text
from smecredit.enterprises.connectors.fields import money_str, parse_amount, parse_period
from smecredit.enterprises.connectors.readers import decode_text
from smecredit.enterprises.connectors.vocabulary import (
    DataProvider,
    ErrorCollector,
    ImportRejected,
    LineError,
    SourceKind,
    canonical_json,
    content_sha256,
    make_parsed,
)
from smecredit.kernel.errors import DomainError


def test_source_kinds_have_labels():
    assert [k.value for k in SourceKind] == [
        "registry", "tax", "bank_statement", "financial_statements", "credit_bureau", "judicial",
    ]
    assert SourceKind.BANK_STATEMENT.label_zh == "银行流水"
    assert SourceKind.CREDIT_BUREAU.label_en == "Credit bureau"
    assert SourceKind("judicial").label("zh") == "司法"
    assert all(k.label_zh and k.label_en for k in SourceKind)


def test_import_rejected_is_a_422_domain_error_listing_every_error():
    errs = [LineError(3, "amount", "金额无效", "invalid amount"), LineError(None, "uscc", "缺少", "missing")]
    exc = ImportRejected(errs, kind=SourceKind.TAX, filename="t.csv")
    assert isinstance(exc, DomainError)
    assert exc.code == "import_rejected" and isinstance(exc, Invalid)
    assert exc.details["errors"] == [e.as_dict() for e in errs]
    assert exc.details["errors"][0] == {"line": 3, "field": "amount", "reason_zh": "金额无效", "reason_en": "invalid amount"}
    assert exc.details["kind"] == "tax" and exc.details["filename"] == "t.csv"
    assert "2" in exc.message_zh and "nothing was imported" in exc.message_en
    assert exc.as_dict()["details"]["error_count"] == 2
    json.dumps(exc.as_dict(), ensure_ascii=False)


def test_error_collector_sorts_by_line_and_caps_the_list():
    c = ErrorCollector(SourceKind.BANK_STATEMENT, "x.csv")
    c.add(None, "f", "a", "a")
    c.add(9, None, "b", "b")
    c.add(2, None, "c", "c")
    assert [e.line for e in c.reject().errors] == [2, 9, None]
    c2 = ErrorCollector(SourceKind.BANK_STATEMENT, "x.csv")
    for i in range(c2.MAX_LISTED + 5):
        c2.add(i + 1, None, "坏", "bad")
    errors = c2.reject().errors
    assert len(errors) == c2.MAX_LISTED + 1
    assert errors[-1].reason_en == "5 more error(s) not listed"


def test_parsed_source_hash_is_sha256_of_rfc8785():
    content = {"b": "1.00", "a": [1, "中文", None, True], "schema": "x/1"}
    ps = make_parsed(SourceKind.TAX, content, Text("摘要", "summary"), [LineError(4, None, "重复", "dup")],
                     subject_uscc="91350100M000100Y43")
    import hashlib

    assert ps.content_sha256 == hashlib.sha256(rfc8785.dumps(content)).hexdigest()
    assert ps.warnings == ("第 4 行：重复 / line 4: dup",)
    assert ps.warning_details[0].line == 4
    assert ps.as_dict()["summary"] == {"zh": "摘要", "en": "summary"}
    assert ps.subject_uscc == "91350100M000100Y43" and ps.subject_note is None


def test_a_result_without_a_subject_must_say_why():
    with pytest.raises(ValueError):
        make_parsed(SourceKind.TAX, {}, Text("摘要", "summary"), subject_uscc=None)
    ps = make_parsed(SourceKind.TAX, {}, Text("摘要", "summary"), subject_uscc=None, subject_note=Text("没有", "none"))
    assert ps.subject_uscc is None and ps.subject_note == Text("没有", "none")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_fast_canonical_json_matches_rfc8785(value):
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:  # lone surrogates etc.: both must refuse
        with pytest.raises(rfc8785.CanonicalizationError):
            canonical_json(value)
        return
    assert canonical_json(value) == expected


def test_canonical_json_key_order_outside_the_bmp_follows_utf16():
    value = {"\U0001f600": 1, "\uff61": 2, "a": 3}
    assert canonical_json(value) == rfc8785.dumps(value)
    assert content_sha256(value) == content_sha256(dict(reversed(list(value.items()))))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12,345.675", "12345.68"),
        ("0.005", "0.01"),
        ("-0.005", "-0.01"),
        ("-0.004", "0.00"),
        ("¥1,000", "1000.00"),
        ("RMB 88.1", "88.10"),
        ("200元", "200.00"),
        (Decimal("1E+3"), "1000.00"),
        (7, "7.00"),
    ],
)
def test_amounts_are_quantised_half_up(raw, expected):
    assert money_str(parse_amount(raw)) == expected


@pytest.mark.parametrize("raw", ["abc", "", "NaN", "Infinity", True, None, 1.5, "1e20"])
def test_bad_amounts_are_refused(raw):
    with pytest.raises(ValueError):
        parse_amount(raw)


@pytest.mark.parametrize(
    ("raw", "label", "start", "end"),
    [
        ("2024", "2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024年", "2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-Q1", "2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024q4", "2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("2024年第2季度", "2024-Q2", date(2024, 4, 1), date(2024, 6, 30)),
        ("2024-02", "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024年3月", "2024-03", date(2024, 3, 1), date(2024, 3, 31)),
        ("202411", "2024-11", date(2024, 11, 1), date(2024, 11, 30)),
        ("2024/07", "2024-07", date(2024, 7, 1), date(2024, 7, 31)),
    ],
)
def test_periods(raw, label, start, end):
    p = parse_period(raw)
    assert (p.label, p.start, p.end) == (label, start, end)


def test_period_ranges_only_when_allowed():
    with pytest.raises(ValueError):
        parse_period("2024-01..2024-06")
    p = parse_period("2024-01..2024-06", allow_range=True)
    assert (p.label, p.granularity, p.months) == ("2024-01..2024-06", "range", 6)
    for bad in ("2024-13", "2024-Q5", "24-01", "", "2024-06..2024-01"):
        with pytest.raises(ValueError):
            parse_period(bad, allow_range=True)


def test_decoding_utf8_bom_gbk_and_bad_bytes():
    c = ErrorCollector(SourceKind.BANK_STATEMENT, "x.csv")
    assert decode_text("\ufeff交易日期".encode("utf-8"), c) == ("交易日期", "utf-8-sig")
    assert decode_text("交易日期,摘要".encode("gbk"), c) == ("交易日期,摘要", "gb18030")
    # clearly UTF-8 (Chinese before the fault) with a corrupt byte on line 3
    bad = "交易日期\n货款\n".encode("utf-8") + b"\xe8\xb4\n"
    with pytest.raises(ImportRejected) as exc:
        decode_text(bad, ErrorCollector(SourceKind.BANK_STATEMENT, "x.csv"))
    assert exc.value.errors[0].line == 3
    assert "UTF-8" in exc.value.errors[0].reason_en
    # neither UTF-8 nor GB18030
    with pytest.raises(ImportRejected) as exc:
        decode_text(b"date\nok\n\xff\xff\xff", ErrorCollector(SourceKind.BANK_STATEMENT, "x.csv"))
    assert exc.value.errors[0].line == 3
    assert "GBK" in exc.value.errors[0].reason_en
    with pytest.raises(ImportRejected) as exc:
        decode_text(b"", ErrorCollector(SourceKind.BANK_STATEMENT, "x.csv"))
    assert exc.value.errors[0].reason_en == "the file is empty"


def test_sandbox_provider_satisfies_the_protocol():
    from smecredit.enterprises.connectors.sandbox import SandboxProvider

    p = SandboxProvider()
    assert isinstance(p, DataProvider)
    assert p.name == "sandbox" and p.is_sandbox is True


CONNECTOR_MODULES = (
    "vocabulary", "fields", "readers", "spreadsheet", "registry", "tax", "bank_statement", "financials",
    "credit_bureau", "judicial", "dispatch", "models", "personal", "sandbox",
)


def test_connectors_and_profile_rules_are_pure():
    imports = ", ".join(f"smecredit.enterprises.connectors.{m}" for m in CONNECTOR_MODULES)
    code = (
        "import sys\n"
        f"import smecredit.enterprises.connectors, {imports}\n"
        "import smecredit.enterprises.profile_rules\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'fastapi', 'starlette', 'jinja2', 'pydantic', 'celery', 'alembic', 'openpyxl')]\n"
        "print(','.join(bad))\n"
    )
    import os

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == ""


def test_connector_modules_import_only_lower_layers():
    """No cycle: each module imports (within connectors) only modules of a lower layer."""
    import ast
    from pathlib import Path

    import smecredit.enterprises.connectors as pkg

    layer = {
        "vocabulary": 0, "fields": 1, "readers": 2, "spreadsheet": 3,
        "registry": 4, "tax": 4, "bank_statement": 4, "financials": 4, "credit_bureau": 4, "judicial": 4,
        "dispatch": 5, "models": 5, "personal": 5, "sandbox": 6, "__init__": 7,
    }
    folder = Path(pkg.__file__).parent
    assert {p.stem for p in folder.glob("*.py")} == set(layer)
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1:
                    names = [node.module] if node.module else [a.name for a in node.names]
                elif (node.module or "").startswith("smecredit.enterprises.connectors."):
                    names = [node.module.rsplit(".", 1)[1]]
                elif node.module == "smecredit.enterprises.connectors":
                    names = ["__init__"]
                else:
                    continue
                for name in names:
                    assert layer[name] < layer[path.stem], f"{path.stem} imports {name}"


def test_import_rejected_survives_pickling():
    import pickle

    exc = ImportRejected([LineError(2, "amount", "坏", "bad", "表1")], kind=SourceKind.BANK_STATEMENT, filename="b.xlsx")
    again = pickle.loads(pickle.dumps(exc))
    assert isinstance(again, ImportRejected)
    assert again.errors == exc.errors and again.details == exc.details and again.kind is SourceKind.BANK_STATEMENT
