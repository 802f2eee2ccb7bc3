"""Typed records of stored content: one per kind, tolerant of older snapshots, strict about shape."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from smecredit.enterprises.connectors import SourceKind, parse_source
from smecredit.enterprises.connectors.models import (
    BankStatement,
    CreditReport,
    FinancialStatements,
    JudicialRecord,
    MalformedContent,
    RegistryRecord,
    TaxRecord,
    load,
)
from smecredit.enterprises.connectors.sandbox import SandboxProvider

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "data"


def _stored(kind: SourceKind, path: Path, **options) -> dict:
    """Content as the database gives it back (JSON text, read again)."""
    return json.loads(json.dumps(parse_source(kind, path.read_bytes(), filename=path.name, **options).content))


def test_registry_record_has_what_a_declared_vs_verified_check_needs():
    rec = load(SourceKind.REGISTRY, _stored(SourceKind.REGISTRY, DATA / "registry_good.json"))
    assert isinstance(rec, RegistryRecord)
    assert rec.founding_date == date(2018, 6, 20)
    assert rec.registered_capital == Decimal("2000000.00")
    assert rec.legal_representative == "林晓明" and rec.status == "active"
    assert rec.name and rec.address is not None
    assert rec.shareholders[0].share_pct == Decimal("60.0000") and rec.shareholders[0].type == "natural_person"
    assert rec.abnormal_operations[0].in_force_on(date(2022, 1, 1)) in (True, False)


def test_tax_record_gives_declared_revenue_per_period():
    rec = load("tax", _stored(SourceKind.TAX, DATA / "tax_good.json"))
    assert isinstance(rec, TaxRecord)
    assert (rec.credit_grade, rec.evaluation_year, rec.uscc) == ("B", 2023, "91350100M000100Y43")
    by_period = rec.revenue_declared_by_period()
    assert by_period["2023-Q1"] == Decimal("1000000.00") and len(by_period) == 8
    assert [p.period.label for p in rec.periods] == sorted(by_period, key=lambda x: (x[:4], x))


def test_every_kind_loads_from_the_examples_and_the_sandbox():
    kinds = {
        SourceKind.REGISTRY: (RegistryRecord, "registry.json", {}),
        SourceKind.TAX: (TaxRecord, "tax.csv", {}),
        SourceKind.BANK_STATEMENT: (BankStatement, "bank_statement_generic_zh.xlsx", {"mapping": "generic_zh"}),
        SourceKind.FINANCIAL_STATEMENTS: (FinancialStatements, "financials.xlsx", {}),
        SourceKind.CREDIT_BUREAU: (CreditReport, "credit_bureau.json", {}),
        SourceKind.JUDICIAL: (JudicialRecord, "judicial.json", {}),
    }
    for kind, (cls, name, options) in kinds.items():
        rec = load(kind, _stored(kind, EXAMPLES / name, **options))
        assert isinstance(rec, cls) and rec.sandbox is False
        sandbox = load(kind, SandboxProvider().fetch(kind, "91350100M000100Y43", as_of=date(2025, 3, 15)).content)
        assert isinstance(sandbox, cls) and sandbox.sandbox is True
    bank = load(SourceKind.BANK_STATEMENT, _stored(SourceKind.BANK_STATEMENT, EXAMPLES / "bank_statement_generic_zh.csv"))
    assert bank.rows[0].amount > 0 and bank.rows[0].direction in ("in", "out")
    assert sum(m.inflow for m in bank.monthly) == sum(r.amount for r in bank.rows if r.direction == "in")
    fin = load(SourceKind.FINANCIAL_STATEMENTS, _stored(SourceKind.FINANCIAL_STATEMENTS, EXAMPLES / "financials.csv"))
    assert fin.of("balance_sheet")[-1].items["total_assets"] > 0


def test_older_content_without_optional_fields_loads():
    rec = load(SourceKind.REGISTRY, {"name": "旧快照有限公司", "founding_date": "2010-01-01"})
    assert rec.status is None and rec.shareholders == () and rec.registered_capital_currency == "CNY"
    rec = load(SourceKind.REGISTRY, {"legal_representative": {"name": "林晓明", "id_number": "x"}})
    assert rec.legal_representative == "林晓明"
    assert load(SourceKind.JUDICIAL, {}).lawsuits == ()
    credit = {"report_date": "2025-01-01", "enterprise": {"current_overdue": {"count": 0, "amount": "0.00"}}, "controller": {}}
    assert load(SourceKind.CREDIT_BUREAU, credit).controller is None


@pytest.mark.parametrize(
    ("kind", "content", "path", "problem"),
    [
        (SourceKind.BANK_STATEMENT, {"rows": "??"}, "rows", "not a list"),
        (SourceKind.BANK_STATEMENT, {"first_date": "2024-01-01"}, "last_date", "missing"),
        (SourceKind.TAX, {"periods": [{"period": "2024-13", "tax_paid": "1", "revenue_declared": "1"}]}, "periods[0].period", "not a period: '2024-13'"),
        (SourceKind.TAX, {"periods": [{"period": "2024", "tax_paid": 1.5, "revenue_declared": "1"}]}, "periods[0].tax_paid", "not an amount"),
        (SourceKind.CREDIT_BUREAU, {"report_date": "2025-01-01"}, "enterprise", "missing"),
        (SourceKind.FINANCIAL_STATEMENTS, {"statements": {"balance_sheet": [{"period": "2024", "items": {"cash": "1"}}]}},
         "statements.balance_sheet[0].items", "required item(s) missing: accounts_receivable, prepayments, inventory, "
         "current_assets, total_assets, accounts_payable, advances_from_customers, current_liabilities, total_liabilities, total_equity"),
        (SourceKind.REGISTRY, ["not", "an", "object"], "", "not an object"),
    ],
)
def test_malformed_content_names_the_path(kind, content, path, problem):
    with pytest.raises(MalformedContent) as exc:
        load(kind, content)
    assert (exc.value.path, exc.value.problem) == (path, problem)
    assert exc.value.kind is kind
