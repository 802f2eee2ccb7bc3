"""Every example file documented in docs/data-formats.md imports cleanly (the docs stay true)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smecredit.enterprises.connectors.bank_statement import ColumnMapping
from smecredit.enterprises.connectors import SourceKind, parse_source

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples" / "data"
DOC = ROOT / "docs" / "data-formats.md"


def _mapping() -> ColumnMapping:
    return ColumnMapping.from_json((EXAMPLES / "column_mapping_example.json").read_text("utf-8"))


CASES = [
    ("registry.json", SourceKind.REGISTRY, {}),
    ("tax.json", SourceKind.TAX, {}),
    ("tax.csv", SourceKind.TAX, {}),
    ("bank_statement_generic_zh.csv", SourceKind.BANK_STATEMENT, {"mapping": "generic_zh"}),
    ("bank_statement_generic_zh.xlsx", SourceKind.BANK_STATEMENT, {"mapping": "generic_zh"}),
    ("bank_statement_example_bank_gbk.csv", SourceKind.BANK_STATEMENT, {"mapping": "__example__"}),
    ("financials.csv", SourceKind.FINANCIAL_STATEMENTS, {}),
    ("financials.xlsx", SourceKind.FINANCIAL_STATEMENTS, {}),
    ("credit_bureau.json", SourceKind.CREDIT_BUREAU, {}),
    ("judicial.json", SourceKind.JUDICIAL, {}),
]


@pytest.mark.parametrize(("name", "kind", "options"), CASES, ids=[c[0] for c in CASES])
def test_example_imports(name, kind, options):
    if options.get("mapping") == "__example__":
        options = {"mapping": _mapping()}
    ps = parse_source(kind, (EXAMPLES / name).read_bytes(), filename=name, **options)
    assert ps.kind is kind
    json.dumps(ps.content)
    assert name in DOC.read_text("utf-8"), f"{name} is not mentioned in docs/data-formats.md"


def test_xlsx_examples_match_their_csv_twins():
    a = parse_source(SourceKind.FINANCIAL_STATEMENTS, (EXAMPLES / "financials.csv").read_bytes(), filename="financials.csv")
    b = parse_source(SourceKind.FINANCIAL_STATEMENTS, (EXAMPLES / "financials.xlsx").read_bytes(), filename="financials.xlsx")
    assert a.content_sha256 == b.content_sha256
    c = parse_source(SourceKind.BANK_STATEMENT, (EXAMPLES / "bank_statement_generic_zh.csv").read_bytes(), filename="b.csv")
    d = parse_source(SourceKind.BANK_STATEMENT, (EXAMPLES / "bank_statement_generic_zh.xlsx").read_bytes(), filename="b.xlsx")
    assert c.content_sha256 == d.content_sha256


def test_every_example_file_is_documented():
    doc = DOC.read_text("utf-8")
    for path in EXAMPLES.iterdir():
        if path.suffix in (".json", ".csv", ".xlsx", ".py"):
            assert path.name in doc, path.name
