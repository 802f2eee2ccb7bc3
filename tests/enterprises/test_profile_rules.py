"""信用画像 features: hand-computed values, provenance, as-at dating and missing data."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from smecredit.enterprises.connectors import SourceKind
from smecredit.enterprises.connectors.bank_statement import parse_bank_statement
from smecredit.enterprises.connectors.credit_bureau import parse_credit_bureau
from smecredit.enterprises.connectors.financials import parse_financials
from smecredit.enterprises.connectors.judicial import parse_judicial
from smecredit.enterprises.connectors.registry import parse_registry
from smecredit.enterprises.connectors.sandbox import SandboxProvider
from smecredit.enterprises.connectors.tax import parse_tax
from smecredit.enterprises.profile_rules import (
    FEATURE_CATALOGUE,
    FEATURES_BY_KEY,
    EnterpriseFacts,
    SourceRef,
    compute_features,
)

DATA = Path(__file__).parent / "data"
AS_OF = date(2025, 3, 15)
CAPTURED = datetime(2025, 3, 14, 9, 30)

# Bank fixture, as_of 2025-03-15 → window 2024-03..2025-02, statement spans 2024-10..2025-03,
# so 5 months count: inflow Oct 20,000, Nov 30,000, Dec 0, Jan 20,000, Feb 30,000 (the March row
# is in the as_of month and is not counted).
BANK_CSV = """交易日期,交易金额,借贷标志,余额,对方户名,摘要
2024-10-05,10000.00,贷,110000.00,甲公司,货款
2024-10-20,10000.00,贷,120000.00,乙公司,货款
2024-11-05,30000.00,贷,150000.00,甲公司,货款
2024-12-10,5000.00,借,145000.00,供应商,采购
2025-01-08,20000.00,贷,165000.00,丙公司,货款
2025-02-14,20000.00,贷,185000.00,甲公司,货款
2025-02-20,10000.00,贷,195000.00,,现金存入
2025-03-02,99999.00,贷,294999.00,丁公司,货款
"""


def _ref(kind: SourceKind, parsed) -> SourceRef:
    return SourceRef(snapshot_id=f"snap-{kind.value}", kind=kind, content=parsed.content, captured_at=CAPTURED)


@pytest.fixture(scope="module")
def sources() -> dict[SourceKind, SourceRef]:
    return {
        SourceKind.REGISTRY: _ref(SourceKind.REGISTRY, parse_registry((DATA / "registry_good.json").read_bytes(), filename="r.json")),
        SourceKind.TAX: _ref(SourceKind.TAX, parse_tax((DATA / "tax_good.json").read_bytes(), filename="t.json")),
        SourceKind.BANK_STATEMENT: _ref(SourceKind.BANK_STATEMENT, parse_bank_statement(BANK_CSV.encode(), filename="b.csv")),
        SourceKind.FINANCIAL_STATEMENTS: _ref(
            SourceKind.FINANCIAL_STATEMENTS, parse_financials((DATA / "financials_good.csv").read_bytes(), filename="f.csv")
        ),
        SourceKind.CREDIT_BUREAU: _ref(SourceKind.CREDIT_BUREAU, parse_credit_bureau((DATA / "credit_good.json").read_bytes(), filename="c.json")),
        SourceKind.JUDICIAL: _ref(SourceKind.JUDICIAL, parse_judicial((DATA / "judicial_good.json").read_bytes(), filename="j.json")),
    }


FACTS = EnterpriseFacts(
    founding_date=date(2018, 6, 1),  # the registry's 2018-06-20 wins
    controller_birth_date=date(1980, 3, 16),
    declared_staff=25,
    declared_revenue=Decimal("5000000"),
)

EXPECTED = {
    # 2018-06-20 → 2025-03-15: 80 completed months → 80/12 = 6.666… rounded down
    "years_in_operation": Decimal("6.66"),
    "registry_status": "active",
    "abnormal_operation_count": 1,  # the 2022 listing was removed
    "administrative_penalty_count_24m": 1,  # 2023-05-18 is inside (2023-03-15, 2025-03-15]
    # tax: anchor 2024-12; last 12 = 2024-Q1..Q4, previous 12 = 2023-Q1..Q4
    "annual_revenue": Decimal("4800000.00"),
    "revenue_growth": Decimal("0.2000"),  # (4.8M − 4.0M) / 4.0M
    "tax_credit_grade": "B",
    "tax_paid_last12m": Decimal("144000.00"),
    "tax_paid_prev12m": Decimal("120000.00"),
    "tax_paid_growth": Decimal("0.2000"),
    "bank_months_covered": 5,
    "bank_monthly_inflow_avg": Decimal("20000.00"),  # 100,000 / 5
    # deviations 0, 10k, −20k, 0, 10k → variance 1.2e8 → sd 10954.45… → cv 0.54772…
    "bank_inflow_cv": Decimal("0.5477"),
    "top1_counterparty_share": Decimal("0.6000"),  # 甲 60,000 / 100,000
    "top5_counterparty_share": Decimal("0.9000"),  # 甲 + 丙 + 乙; the 10,000 without counterparty is not a group
    "total_assets": Decimal("1600000.00"),
    "leverage": Decimal("0.5000"),  # 800,000 / 1,600,000
    "current_ratio": Decimal("2.0000"),  # 1,000,000 / 500,000
    "quick_ratio": Decimal("1.5000"),  # (1,000,000 − 250,000) / 500,000
    "net_margin": Decimal("0.0750"),  # 150,000 / 2,000,000
    "current_overdue_count": 1,
    "current_overdue_amount": Decimal("12000.50"),
    "overdue_months_24m": 2,  # 2024-06 and 2025-01 (2023-02 is outside 2023-03..2025-02)
    "max_dpd_24m": 31,
    "outstanding_loans_total": Decimal("900000.00"),
    "non_performing_loan_count": 1,
    "guarantees_given_total": Decimal("250000.00"),  # balance 150,000 + amount 100,000
    "queries_last_3m": 2,  # 2025-01-15 and 2025-03-01
    "credit_report_age_days": 5,
    "controller_current_overdue_count": 0,
    "controller_current_overdue_amount": Decimal("0.00"),
    "controller_max_dpd_24m": 5,
    "open_lawsuits_defendant_count": 2,  # 1001 and 1002; 0999 closed 2025-02-01; 0500 as plaintiff
    "open_lawsuits_defendant_amount": Decimal("80000.00"),  # 1002 has no amount
    "dishonest_debtor_flag": False,
    "enforcement_count": 1,
    "enforcement_amount": Decimal("45000.00"),
    "controller_age": 44,  # turns 45 the day after as_of
    "declared_staff": 25,
    "declared_revenue": Decimal("5000000.00"),
    "declared_assets": None,
}


def test_catalogue_lists_every_feature_once_with_labels():
    keys = [s.key for s in FEATURE_CATALOGUE]
    assert len(keys) == len(set(keys)) == len(EXPECTED)
    assert set(keys) == set(EXPECTED)
    for s in FEATURE_CATALOGUE:
        assert s.label_zh and s.label_en and s.unit
        assert s.rule.startswith(f"{s.key}:")
        assert s.rule_text.en == s.rule and s.rule_text.zh.startswith(f"{s.key}：")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in s.rule_zh), s.key  # really Chinese
        assert s.source_kind is None or isinstance(s.source_kind, SourceKind)
    assert FEATURES_BY_KEY["controller_age"].source_kind is None


def test_hand_computed_values(sources):
    features = compute_features(as_of=AS_OF, sources=sources, facts=FACTS)
    assert [f.key for f in features] == [s.key for s in FEATURE_CATALOGUE]
    got = {f.key: f.value for f in features}
    assert got == EXPECTED
    for f in features:
        if isinstance(f.value, Decimal) and f.unit == "ratio":
            assert f.value.as_tuple().exponent == -4, f.key
        if isinstance(f.value, Decimal) and f.unit == "CNY":
            assert f.value.as_tuple().exponent == -2, f.key


def test_every_feature_names_its_source_and_rule(sources):
    features = compute_features(as_of=AS_OF, sources=sources, facts=FACTS)
    for f in features:
        spec = FEATURES_BY_KEY[f.key]
        assert f.rule.startswith(f"{f.key}:"), f.key
        assert f.label_zh == spec.label_zh and f.unit == spec.unit
        if spec.source_kind is None:
            assert f.source_kind is None and f.snapshot_id is None, f.key
        else:
            assert f.source_kind is spec.source_kind, f.key
            assert f.snapshot_id == f"snap-{spec.source_kind.value}", f.key
        assert (f.value is None) == (f.missing_reason is not None), f.key
        assert f.rule_text.en == f.rule and f.rule_text.zh.startswith(spec.rule_text.zh), f.key
    by_key = {f.key: f for f in features}
    assert "tax declarations 2024-01..2024-12 vs 2023-01..2023-12" in by_key["revenue_growth"].rule
    assert "balance sheet as at 2024-12-31" in by_key["leverage"].rule
    assert "2024-10..2025-02" in by_key["bank_inflow_cv"].rule
    # the data used is named in Chinese too
    assert by_key["revenue_growth"].rule_text.zh.endswith("［纳税申报 2024-01..2024-12 对比 2023-01..2023-12］")
    assert by_key["leverage"].rule_text.zh.endswith("［资产负债表（截至 2024-12-31）］")
    assert by_key["bank_monthly_inflow_avg"].rule_text.zh.endswith("［2024-10..2025-02，5 个月］")
    assert by_key["declared_assets"].missing_reason.en == "assets not declared"


def test_judicial_and_registry_features_are_dated_as_at(sources):
    features = {f.key: f.value for f in compute_features(as_of=date(2025, 1, 15), sources=sources, facts=FACTS)}
    # 0999 closed on 2025-02-01, so on 2025-01-15 it was still open
    assert features["open_lawsuits_defendant_count"] == 3
    assert features["open_lawsuits_defendant_amount"] == Decimal("100000.00")
    features = {f.key: f.value for f in compute_features(as_of=date(2021, 7, 1), sources=sources, facts=FACTS)}
    assert features["dishonest_debtor_flag"] is True  # listed 2021-06-01, removed 2021-08-05
    assert features["enforcement_count"] == 1 and features["enforcement_amount"] == Decimal("10000.00")
    assert features["abnormal_operation_count"] == 0


def test_nothing_at_all_gives_only_missing_values():
    features = compute_features(as_of=AS_OF, sources={}, facts=EnterpriseFacts())
    assert len(features) == len(FEATURE_CATALOGUE)
    for f in features:
        spec = FEATURES_BY_KEY[f.key]
        assert f.value is None, f.key
        assert f.missing_reason is not None and f.missing_reason.zh and f.missing_reason.en
        assert f.snapshot_id is None
        assert f.source_kind is spec.source_kind
    by_key = {f.key: f for f in features}
    assert by_key["leverage"].missing_reason.en == "no financial statements data"
    assert by_key["years_in_operation"].missing_reason.en == "no registry data and no declared founding date"
    assert by_key["controller_age"].missing_reason.zh == "未填写实际控制人出生日期"


def test_declared_founding_date_is_used_without_registry_and_marked_as_a_fact():
    f = compute_features(as_of=AS_OF, sources={}, facts=EnterpriseFacts(founding_date=date(2023, 3, 15)))[0]
    assert f.key == "years_in_operation" and f.value == Decimal("2.00")
    assert f.source_kind is None and f.snapshot_id is None
    assert "declared founding_date" in f.rule


def test_revenue_falls_back_to_financial_statements(sources):
    only_fin = {SourceKind.FINANCIAL_STATEMENTS: sources[SourceKind.FINANCIAL_STATEMENTS]}
    by_key = {f.key: f for f in compute_features(as_of=AS_OF, sources=only_fin, facts=EnterpriseFacts())}
    rev = by_key["annual_revenue"]
    assert rev.value == Decimal("2000000.00")
    assert rev.source_kind is SourceKind.FINANCIAL_STATEMENTS and rev.snapshot_id == "snap-financial_statements"
    assert "income statement 2024" in rev.rule
    growth = by_key["revenue_growth"]
    assert growth.value is None
    assert growth.missing_reason.en == "no tax data; no two consecutive full-year income statements in the financial statements"
    assert by_key["tax_credit_grade"].missing_reason.en == "no tax data"


def _tax_ref(periods: list[tuple[str, str, str]], grade: str | None = "A") -> SourceRef:
    doc = {"periods": [{"period": p, "tax_paid": t, "revenue_declared": r} for p, t, r in periods]}
    if grade:
        doc |= {"credit_grade": grade, "evaluation_year": 2024}
    return _ref(SourceKind.TAX, parse_tax(json.dumps(doc).encode(), filename="t.json"))


def test_tax_windows_need_full_coverage_and_fresh_data():
    ref = _tax_ref([("2024-Q1", "10", "100"), ("2024-Q2", "10", "100"), ("2024-Q3", "10", "100")])
    by_key = {f.key: f for f in compute_features(as_of=AS_OF, sources={SourceKind.TAX: ref}, facts=EnterpriseFacts())}
    assert by_key["annual_revenue"].value is None
    assert by_key["annual_revenue"].missing_reason.en.startswith(
        "tax declarations cover only 9 of the 12 months 2023-10..2024-09; no financial statements"
    )
    assert by_key["annual_revenue"].snapshot_id == "snap-tax"
    assert by_key["tax_paid_last12m"].missing_reason.en == "tax declarations cover only 9 of the 12 months 2023-10..2024-09"
    assert by_key["tax_credit_grade"].value == "A"

    old = _tax_ref([("2022", "10", "100"), ("2023", "12", "150")])
    by_key = {f.key: f for f in compute_features(as_of=date(2025, 3, 15), sources={SourceKind.TAX: old}, facts=EnterpriseFacts())}
    assert by_key["tax_paid_last12m"].missing_reason.en == "tax data too old: the latest period ends 2023-12"
    fresh = {f.key: f for f in compute_features(as_of=date(2024, 6, 1), sources={SourceKind.TAX: old}, facts=EnterpriseFacts())}
    assert fresh["annual_revenue"].value == Decimal("150.00")
    assert fresh["revenue_growth"].value == Decimal("0.5000")
    assert fresh["tax_paid_growth"].value == Decimal("0.2000")

    zero = _tax_ref([("2023", "0", "0"), ("2024", "5", "50")], grade=None)
    by_key = {f.key: f for f in compute_features(as_of=AS_OF, sources={SourceKind.TAX: zero}, facts=EnterpriseFacts())}
    assert by_key["revenue_growth"].missing_reason.en == "previous 12 months' declared revenue is zero"
    assert by_key["tax_paid_growth"].missing_reason.en == "previous 12 months' tax paid is zero"
    assert by_key["tax_credit_grade"].missing_reason.en.startswith("no tax credit grade in the tax data")


def test_short_statements_and_zero_denominators():
    csv = "交易日期,交易金额,借贷标志,余额,对方户名,摘要\n2025-02-03,100.00,贷,100.00,甲,货款\n"
    bank = _ref(SourceKind.BANK_STATEMENT, parse_bank_statement(csv.encode(), filename="b.csv"))
    by_key = {f.key: f for f in compute_features(as_of=AS_OF, sources={SourceKind.BANK_STATEMENT: bank}, facts=EnterpriseFacts())}
    assert by_key["bank_months_covered"].value == 1
    assert by_key["bank_monthly_inflow_avg"].value == Decimal("100.00")
    assert by_key["bank_inflow_cv"].missing_reason.en == "only 1 month(s) of statements, 3 needed"
    assert by_key["top1_counterparty_share"].value == Decimal("1.0000")
    late = {f.key: f for f in compute_features(as_of=date(2027, 1, 1), sources={SourceKind.BANK_STATEMENT: bank}, facts=EnterpriseFacts())}
    assert late["bank_months_covered"].value == 0
    assert late["bank_monthly_inflow_avg"].value is None
    assert "does not overlap the 12 months 2026-01..2026-12" in late["bank_monthly_inflow_avg"].missing_reason.en

    fin_csv = (DATA / "financials_good.csv").read_text("utf-8").replace(
        "balance_sheet,current_liabilities,流动负债合计,2024,500000.00", "balance_sheet,current_liabilities,流动负债合计,2024,0"
    )
    fin = _ref(SourceKind.FINANCIAL_STATEMENTS, parse_financials(fin_csv.encode(), filename="f.csv"))
    by_key = {f.key: f for f in compute_features(as_of=AS_OF, sources={SourceKind.FINANCIAL_STATEMENTS: fin}, facts=EnterpriseFacts())}
    assert by_key["current_ratio"].value is None
    assert by_key["current_ratio"].missing_reason.en == "balance sheet as at 2024-12-31: current_liabilities is zero"
    assert by_key["leverage"].value == Decimal("0.5000")
    # statements dated after as_of are not used
    early = {f.key: f for f in compute_features(as_of=date(2024, 6, 30), sources={SourceKind.FINANCIAL_STATEMENTS: fin}, facts=EnterpriseFacts())}
    assert early["leverage"].missing_reason.en == "no balance sheet dated on or before as_of"


def test_controller_part_missing_and_malformed_content(sources):
    doc = json.loads((DATA / "credit_good.json").read_text("utf-8"))
    del doc["controller"]
    cb = _ref(SourceKind.CREDIT_BUREAU, parse_credit_bureau(json.dumps(doc).encode(), filename="c.json"))
    by_key = {f.key: f for f in compute_features(as_of=AS_OF, sources={SourceKind.CREDIT_BUREAU: cb}, facts=EnterpriseFacts())}
    assert by_key["current_overdue_count"].value == 1
    assert by_key["controller_max_dpd_24m"].value is None
    assert by_key["controller_max_dpd_24m"].missing_reason.en == "no controller report in the credit bureau data"
    assert by_key["controller_max_dpd_24m"].snapshot_id == "snap-credit_bureau"

    broken = SourceRef("snap-x", SourceKind.BANK_STATEMENT, {"rows": "??"}, CAPTURED)
    by_key = {f.key: f for f in compute_features(as_of=AS_OF, sources={SourceKind.BANK_STATEMENT: broken}, facts=EnterpriseFacts())}
    f = by_key["bank_monthly_inflow_avg"]
    assert f.value is None and f.snapshot_id == "snap-x"
    assert f.missing_reason.en == "source content is malformed; cannot compute (rows: not a list)"
    assert f.missing_reason.zh == "数据内容格式不符，无法计算（rows：not a list）"


def test_malformed_content_names_its_path_and_only_its_own_features(sources):
    content = json.loads(json.dumps(sources[SourceKind.CREDIT_BUREAU].content))
    content["enterprise"]["loans"][1]["balance"] = "lots"
    refs = {**sources, SourceKind.CREDIT_BUREAU: SourceRef("snap-c", SourceKind.CREDIT_BUREAU, content, CAPTURED)}
    by_key = {f.key: f for f in compute_features(as_of=AS_OF, sources=refs, facts=FACTS)}
    assert by_key["outstanding_loans_total"].missing_reason.en == (
        "source content is malformed; cannot compute (enterprise.loans[1].balance: not an amount: 'lots')"
    )
    assert by_key["controller_max_dpd_24m"].value is None
    assert by_key["leverage"].value == EXPECTED["leverage"]  # other kinds are untouched


def test_a_programming_error_is_not_hidden_as_missing_data(sources, monkeypatch):
    from smecredit.enterprises import profile_rules

    def broken(*_args):
        raise KeyError("a bug")

    monkeypatch.setattr(profile_rules, "_judicial_features", broken)
    with pytest.raises(KeyError):
        compute_features(as_of=AS_OF, sources=sources, facts=FACTS)


def test_older_snapshots_without_newer_fields_still_compute(sources):
    """Content stored before a field existed (no status labels, totals, account) still loads."""
    reg = {k: v for k, v in sources[SourceKind.REGISTRY].content.items() if k not in ("status_zh", "status_en", "address")}
    bank = {k: v for k, v in sources[SourceKind.BANK_STATEMENT].content.items() if k not in ("account", "totals", "currency")}
    old = {
        SourceKind.REGISTRY: SourceRef("r", SourceKind.REGISTRY, reg, CAPTURED),
        SourceKind.BANK_STATEMENT: SourceRef("b", SourceKind.BANK_STATEMENT, bank, CAPTURED),
    }
    by_key = {f.key: f.value for f in compute_features(as_of=AS_OF, sources=old, facts=FACTS)}
    assert by_key["registry_status"] == "active" and by_key["bank_inflow_cv"] == EXPECTED["bank_inflow_cv"]


def test_kind_mismatch_is_refused(sources):
    with pytest.raises(ValueError):
        compute_features(as_of=AS_OF, sources={SourceKind.TAX: sources[SourceKind.JUDICIAL]}, facts=FACTS)


def test_sandbox_features_are_flagged():
    provider = SandboxProvider()
    code = "91350100M000100Y43"
    refs = {k: SourceRef(f"sb-{k.value}", k, provider.fetch(k, code, as_of=AS_OF).content, CAPTURED) for k in SourceKind}
    features = compute_features(as_of=AS_OF, sources=refs, facts=EnterpriseFacts())
    for f in features:  # every sourced feature names a sandbox snapshot, whose content says so
        assert (f.snapshot_id or "sb-").startswith("sb-"), f.key
        assert f.source_kind is None or refs[f.source_kind].content["sandbox"] is True
    values = {f.key: f.value for f in features}
    assert values["annual_revenue"] is not None and values["bank_inflow_cv"] is not None
    assert values["leverage"] is not None and values["years_in_operation"] is not None
