"""Decision inputs for tests: a sound small enterprise asking for a working-capital loan, changed
field by field with `inputs(...)`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from smecredit.decisioning import engine, policy, scorecard
from smecredit.kernel.text import Text

D = Decimal
SCORECARDS_DIR = Path(policy.__file__).parent / "data" / "scorecards"

#: A sound enterprise: every feature the default policy and cards read, with good values.
GOOD_FEATURES: dict[str, Any] = {
    "years_in_operation": D("6.25"), "registry_status": "active", "abnormal_operation_count": 0,
    "administrative_penalty_count_24m": 0,
    "annual_revenue": D("8000000.00"), "revenue_growth": D("0.1200"), "tax_credit_grade": "A",
    "tax_paid_last12m": D("240000.00"), "tax_paid_prev12m": D("210000.00"), "tax_paid_growth": D("0.1429"),
    "bank_months_covered": 12, "bank_monthly_inflow_avg": D("700000.00"), "bank_inflow_cv": D("0.2100"),
    "top1_counterparty_share": D("0.2500"), "top5_counterparty_share": D("0.6000"),
    "total_assets": D("5000000.00"), "leverage": D("0.4500"), "current_ratio": D("1.6000"), "quick_ratio": D("1.1000"),
    "net_margin": D("0.0800"),
    "current_overdue_count": 0, "current_overdue_amount": D("0.00"), "overdue_months_24m": 0, "max_dpd_24m": 0,
    "outstanding_loans_total": D("500000.00"), "non_performing_loan_count": 0, "guarantees_given_total": D("0.00"),
    "queries_last_3m": 1, "credit_report_age_days": 5,
    "controller_current_overdue_count": 0, "controller_current_overdue_amount": D("0.00"), "controller_max_dpd_24m": 0,
    "open_lawsuits_defendant_count": 0, "open_lawsuits_defendant_amount": D("0.00"), "dishonest_debtor_flag": False,
    "enforcement_count": 0, "enforcement_amount": D("0.00"),
    "controller_age": 45, "declared_staff": 30, "declared_revenue": D("8000000.00"), "declared_assets": D("5000000.00"),
}

APPLICATION = engine.ApplicationTerms(
    no="SQ2025060100001", amount=D("500000.00"), term_months=12, repayment_method="equal_installment",
    guarantee_mode="credit", purpose="采购原材料", product_code="wc-basic", product_version_id=1, product_kind="working_capital")
PRODUCT = engine.ProductFacts(
    code="wc-basic", kind="working_capital", name=Text("流动资金贷款", "Working-capital loan"), version_id=1,
    min_amount=D("100000.00"), max_amount=D("5000000.00"), spread_min=D("0.30"), spread_max=D("4.00"),
    entrusted_payment_above=D("1000000.00"), limit_amount=D("3000000.00"),
    limit_formula=Text("营运资金量测算", "Working-capital need"),
    limit_inputs=(engine.LimitInput("annual_revenue", Text("上年度销售收入", "Last year's sales"), D("8000000.00"), "CNY", "profile"),
                  engine.LimitInput("tax_credit_grade", Text("纳税信用等级", "Tax credit grade"), "A", "grade", "profile"),
                  engine.LimitInput("receivable_days", Text("应收账款周转天数", "Receivable days"), 45, "days", "typed")))
ENTERPRISE = engine.EnterpriseFacts(id=7, uscc="91310000MA1FL8T53N", name="上海示例贸易有限公司", size_class="small",
                                    industry="wholesale")
RATES = engine.ReferenceRates(one_year=D("3.00"), five_year_plus=D("3.50"), on=date(2025, 5, 20))
DECISION_DATE = date(2025, 6, 1)


def inputs(*, features: dict[str, Any] | None = None, drop: tuple[str, ...] = (), exposure: engine.Exposure | None = None,
           **changes: Any) -> engine.DecisionInputs:
    """The sound case, with ``features`` changed, ``drop`` features missing, and ``application`` /
    ``product`` / ``enterprise`` fields changed by ``application__amount=...`` style keywords."""
    found = {**GOOD_FEATURES, **(features or {})}
    for key in drop:
        found[key] = None
    parts = {"application": APPLICATION, "product": PRODUCT, "enterprise": ENTERPRISE}
    for key, value in changes.items():
        part, field = key.split("__", 1)
        parts[part] = replace(parts[part], **{field: value})
    return engine.DecisionInputs(
        application=parts["application"], product=parts["product"], enterprise=parts["enterprise"], features=found,
        profile_id=11, exposure=exposure or engine.Exposure(existing=D("0.00"), bureau_outstanding=D("500000.00")),
        reference_rates=RATES, decision_date=DECISION_DATE)


@lru_cache(maxsize=1)
def default_policy() -> policy.Policy:
    return policy.load_default()


@lru_cache(maxsize=1)
def scorecards() -> dict[str, scorecard.Scorecard]:
    cards = [scorecard.load(p) for p in sorted(SCORECARDS_DIR.glob("*.json"))]
    return {c.code: c for c in cards}


def decide(inp: engine.DecisionInputs | None = None, pol: policy.Policy | None = None) -> engine.DecisionResult:
    return engine.decide(pol or default_policy(), scorecards(), inp or inputs())
