"""Every example file in docs/examples/data imports with the kind and mapping docs/data-formats.md names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from smecredit.enterprises.connectors import SourceKind, parse_source
from smecredit.enterprises.connectors.bank_statement import BUILTIN_MAPPINGS, ColumnMapping

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples" / "data"
DOC = ROOT / "docs" / "data-formats.md"
DATA_SUFFIXES = (".json", ".csv", ".xlsx")
#: Files in docs/examples/data that are not data to import.
NOT_DATA = {"column_mapping_example.json", "make_xlsx_examples.py"}


def _documented() -> dict[str, tuple[SourceKind, str | None]]:
    """``file → (kind, mapping)`` from the table of example files in docs/data-formats.md.

    Rows look like: | `bank_statement_generic_zh.csv` | `bank_statement` | `generic_zh` |
    """
    rows: dict[str, tuple[SourceKind, str | None]] = {}
    for m in re.finditer(r"^\| `([^`]+\.(?:json|csv|xlsx))` \| `(\w+)` \| (?:`(\w+)`|—) \|", DOC.read_text("utf-8"), re.M):
        rows[m.group(1)] = (SourceKind(m.group(2)), m.group(3))
    return rows


def _data_files() -> list[str]:
    return sorted(p.name for p in EXAMPLES.iterdir() if p.suffix in DATA_SUFFIXES and p.name not in NOT_DATA)


def test_every_example_data_file_is_in_the_docs_table():
    documented = _documented()
    assert sorted(documented) == _data_files()


@pytest.mark.parametrize("name", _data_files())
def test_example_imports_with_the_documented_kind_and_mapping(name):
    kind, mapping = _documented()[name]
    options = {}
    if kind is SourceKind.BANK_STATEMENT:
        assert mapping in BUILTIN_MAPPINGS, f"{name}: the docs must name a built-in mapping"
        options["mapping"] = mapping
    else:
        assert mapping is None
    ps = parse_source(kind, (EXAMPLES / name).read_bytes(), filename=name, **options)
    assert ps.kind is kind and ps.content["row_count" if kind is SourceKind.BANK_STATEMENT else "schema"]
    json.dumps(ps.content)


def test_the_gbk_bank_export_with_a_title_line_imports_with_a_built_in_mapping_and_the_saved_one():
    data = (EXAMPLES / "bank_statement_example_bank_gbk.csv").read_bytes()
    assert data.splitlines()[0].decode("gb18030") == "示例银行企业账户交易明细"  # a title line above everything
    builtin = parse_source(SourceKind.BANK_STATEMENT, data, filename="b.csv", mapping="generic_zh_debit_credit")
    saved = ColumnMapping.from_json((EXAMPLES / "column_mapping_example.json").read_text("utf-8"))
    custom = parse_source(SourceKind.BANK_STATEMENT, data, filename="b.csv", mapping=saved)
    assert builtin.content["rows"] == custom.content["rows"]
    assert builtin.content["account"]["account_name"] == "上海浦江示例科技有限公司"


def test_xlsx_examples_match_their_csv_twins():
    a = parse_source(SourceKind.FINANCIAL_STATEMENTS, (EXAMPLES / "financials.csv").read_bytes(), filename="financials.csv")
    b = parse_source(SourceKind.FINANCIAL_STATEMENTS, (EXAMPLES / "financials.xlsx").read_bytes(), filename="financials.xlsx")
    assert a.content_sha256 == b.content_sha256
    c = parse_source(SourceKind.BANK_STATEMENT, (EXAMPLES / "bank_statement_generic_zh.csv").read_bytes(), filename="b.csv")
    d = parse_source(SourceKind.BANK_STATEMENT, (EXAMPLES / "bank_statement_generic_zh.xlsx").read_bytes(), filename="b.xlsx")
    assert c.content_sha256 == d.content_sha256


def test_every_example_file_is_mentioned_in_the_docs():
    doc = DOC.read_text("utf-8")
    for path in EXAMPLES.iterdir():
        if path.suffix in (".json", ".csv", ".xlsx", ".py"):
            assert path.name in doc, path.name
