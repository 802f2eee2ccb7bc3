"""Matching for one enterprise on a date: the products in force, the enterprise's latest credit
profile (and its record: core-enterprise customers), the LPR of the date — handed to the pure core
(`products.fit`), which decides eligibility, reasons, limits, rates and rank."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from smecredit.enterprises.models import Enterprise, ProfileFeature
from smecredit.enterprises.profile import latest_profile
from smecredit.enterprises.connectors import MalformedContent, SourceKind
from smecredit.enterprises.connectors import load
from smecredit.enterprises.snapshots import latest_snapshots
from smecredit.kernel.clock import business_date
from smecredit.products import catalogue, fit, limits
from smecredit.standards.working_capital import DAY_FIELDS, derive_days
from smecredit.products.fit import MatchResult, Need, Reason, need_of  # noqa: F401  (the interface other stages use)
from smecredit.products.rates import reference_rate
from smecredit.products.vocabulary import TENORS


def _typed(feature: ProfileFeature) -> Any:
    if feature.value_text is None:
        return None
    if feature.value_type == "decimal":
        return Decimal(feature.value_text)
    if feature.value_type == "int":
        return int(feature.value_text)
    if feature.value_type == "bool":
        return feature.value_text == "true"
    return feature.value_text


def features_of(db: Session, enterprise: Enterprise) -> dict[str, Any]:
    """The latest profile's features (typed; None when missing) and the record's own features."""
    profile = latest_profile(db, enterprise_id=enterprise.id)
    found: dict[str, Any] = {f.key: _typed(f) for f in profile.features} if profile else {}
    found["core_customer_count"] = sum(1 for c in enterprise.counterparties if c.relation == "customer" and c.is_core_enterprise)
    return found


def reference_rates(db: Session, on: date) -> dict[str, Decimal]:
    return {tenor: reference_rate(db, on=on, tenor=tenor) for tenor in TENORS}


def statement_days(db: Session, enterprise: Enterprise, on: date) -> dict[str, Any]:
    """Turnover days derived from the latest financial statements (``statements.<key>``), for the
    working-capital method when the applicant leaves them empty."""
    snaps = latest_snapshots(db, enterprise_id=enterprise.id, as_of=on)
    snap = snaps.get(SourceKind.FINANCIAL_STATEMENTS)
    if snap is None:
        return {}
    try:
        record = load(SourceKind.FINANCIAL_STATEMENTS, json.loads(snap.content))
    except MalformedContent:
        return {}
    derived = derive_days(record)
    return {limits.STATEMENT_PREFIX + key: value for key, value in derived.values().items() if key in DAY_FIELDS}


def match(db: Session, *, enterprise: Enterprise, need: Need, on: date | None = None) -> list[MatchResult]:
    """Every product in force on ``on`` for the enterprise and the need, eligible first by rank."""
    on = on or business_date()
    versions = catalogue.current_versions(db, on)
    products = [(v.id, v.version, v.definition) for v in versions]
    features = features_of(db, enterprise)
    if any(v.definition.limit.method == "working_capital" for v in versions):
        features.update(statement_days(db, enterprise, on))
    return fit.match_all(products, features, need, reference_rates(db, on))
