"""信用画像 (credit profile), service side: pick the latest snapshot of each kind as of a date, run
the pure `profile_rules.compute_features`, list what was declared but disagrees with verified data
(`discrepancies.find`), and store a new profile version with one row per feature (value, unit,
source kind, snapshot, rule, missing reason). Earlier versions are kept and can be compared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smecredit.audit.log import Actor, record
from smecredit.enterprises import events, schemas
from smecredit.enterprises.connectors import SourceKind
from smecredit.enterprises.connectors.registry import STATUS_LABELS
from smecredit.enterprises.discrepancies import DeclaredFacts, Discrepancy, find
from smecredit.enterprises.models import CreditProfile, DataSnapshot, Enterprise, ProfileFeature
from smecredit.enterprises.profile_rules import EnterpriseFacts, Feature, SourceRef, compute_features
from smecredit.enterprises.records import lock
from smecredit.enterprises.snapshots import latest_snapshots, snapshot_out, snapshots_of
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.errors import not_found
from smecredit.kernel.money import format_yuan, to_money
from smecredit.kernel.text import Text
from smecredit.standards.resident_id import validate_resident_id

WAN = Decimal(10000)


def facts_of(enterprise: Enterprise) -> EnterpriseFacts:
    birth = None
    controller = next((p for p in enterprise.persons if p.role == "controller" and p.party_type == "person"), None)
    if controller is not None and controller.id_number:
        result = validate_resident_id(controller.id_number)
        birth = result.birth_date if result.valid else None
    return EnterpriseFacts(
        founding_date=enterprise.founded_on,
        controller_birth_date=birth,
        declared_staff=enterprise.employees,
        declared_revenue=to_money(enterprise.revenue_wan * WAN) if enterprise.revenue_wan is not None else None,
        declared_assets=to_money(enterprise.assets_wan * WAN) if enterprise.assets_wan is not None else None,
    )


def declared_of(enterprise: Enterprise) -> DeclaredFacts:
    legal = next((p for p in enterprise.persons if p.role == "legal_rep"), None)
    return DeclaredFacts(
        name=enterprise.name, founded_on=enterprise.founded_on,
        registered_capital=to_money(enterprise.registered_capital_wan * WAN) if enterprise.registered_capital_wan is not None else None,
        legal_representative=legal.name if legal is not None else None,
        revenue=to_money(enterprise.revenue_wan * WAN) if enterprise.revenue_wan is not None else None,
    )


def _discrepancies(enterprise: Enterprise, refs: dict[SourceKind, SourceRef], features: list[Feature]) -> list[Discrepancy]:
    registry = refs.get(SourceKind.REGISTRY)
    revenue = next((f for f in features if f.key == "annual_revenue" and f.value is not None), None)
    return find(declared_of(enterprise),
                registry=registry.content if registry else None,
                registry_snapshot_id=int(registry.snapshot_id) if registry else None,
                verified_revenue=revenue.value if revenue is not None else None,
                revenue_source=revenue.source_kind.value if revenue is not None and revenue.source_kind else None,
                revenue_snapshot_id=int(revenue.snapshot_id) if revenue is not None and revenue.snapshot_id else None)


def _value(value) -> tuple[str | None, str]:
    if value is None:
        return None, "none"
    if isinstance(value, bool):
        return ("true" if value else "false"), "bool"
    if isinstance(value, int):
        return str(value), "int"
    if isinstance(value, Decimal):
        return f"{value:f}", "decimal"
    return str(value), "str"


def compute(db: Session, *, enterprise: Enterprise, actor: Actor, as_of: date | None = None,
            trigger: str = "manual") -> CreditProfile:
    """Compute and store a new profile version from the latest snapshots as of ``as_of``.

    The enterprise's row is locked first, so parallel computations take consecutive versions
    instead of colliding on "max + 1"."""
    as_of = as_of or business_date()
    enterprise = lock(db, enterprise)
    snaps = latest_snapshots(db, enterprise_id=enterprise.id, as_of=as_of)
    refs = {kind: SourceRef(snapshot_id=str(s.id), kind=kind, content=json.loads(s.content), captured_at=s.captured_at)
            for kind, s in snaps.items()}
    features: list[Feature] = compute_features(as_of=as_of, sources=refs, facts=facts_of(enterprise))
    version = (db.execute(select(func.max(CreditProfile.version))
                          .where(CreditProfile.enterprise_id == enterprise.id)).scalar() or 0) + 1
    snapshot_ids = sorted(s.id for s in snaps.values())
    found = _discrepancies(enterprise, refs, features)
    profile = CreditProfile(enterprise_id=enterprise.id, version=version, as_of=as_of, computed_at=utcnow(),
                            computed_by=actor.username, trigger=trigger[:40], snapshot_ids=json.dumps(snapshot_ids),
                            discrepancies=json.dumps([d.as_dict() for d in found], ensure_ascii=False))
    for f in features:
        text, kind = _value(f.value)
        profile.features.append(ProfileFeature(
            key=f.key, label_zh=f.label_zh, label_en=f.label_en, value_text=text, value_type=kind, unit=f.unit,
            source_kind=f.source_kind.value if f.source_kind else None,
            snapshot_id=int(f.snapshot_id) if f.snapshot_id else None, rule=f.rule, rule_zh=f.rule_text.zh,
            missing_reason=json.dumps(f.missing_reason.as_dict(), ensure_ascii=False) if f.missing_reason else None,
        ))
    db.add(profile)
    db.flush()
    record(db, actor, events.ProfileComputed(
        entity_id=enterprise.id, profile_id=profile.id, version=version, as_of=as_of.isoformat(), trigger=trigger,
        snapshot_ids=snapshot_ids, feature_count=len(features), missing=[f.key for f in features if f.value is None],
        discrepancies=[d.field for d in found]))
    return profile


def profiles_of(db: Session, *, enterprise_id: int) -> list[CreditProfile]:
    return list(db.execute(select(CreditProfile).where(CreditProfile.enterprise_id == enterprise_id)
                           .order_by(CreditProfile.version.desc())).scalars())


def latest_profile(db: Session, *, enterprise_id: int) -> CreditProfile | None:
    return db.execute(select(CreditProfile).where(CreditProfile.enterprise_id == enterprise_id)
                      .order_by(CreditProfile.version.desc()).limit(1)).scalar_one_or_none()


def get_profile(db: Session, *, enterprise_id: int, version: int) -> CreditProfile:
    row = db.execute(select(CreditProfile).where(CreditProfile.enterprise_id == enterprise_id,
                                                 CreditProfile.version == version)).scalar_one_or_none()
    if row is None:
        raise not_found(Text("信用画像", "Credit profile"), "version")
    return row


def rule_of(feature: ProfileFeature, lang: str = "zh") -> str:
    """The feature's rule in the page's language; rows stored before revision 0006 have only the
    English one."""
    rule = feature.rule_zh if lang != "en" and feature.rule_zh else (feature.rule or "")
    for prefix in (f"{feature.key}：", f"{feature.key}: "):  # the rule id is the feature's key, shown elsewhere
        if rule.startswith(prefix):
            return rule[len(prefix):]
    return rule


def missing_reason(feature: ProfileFeature) -> dict | None:
    return json.loads(feature.missing_reason) if feature.missing_reason else None


def discrepancies_of(profile: CreditProfile | None) -> list[Discrepancy]:
    return [Discrepancy.from_dict(d) for d in json.loads(profile.discrepancies or "[]")] if profile else []


def summary_out(profile: CreditProfile) -> schemas.ProfileSummary:
    return schemas.ProfileSummary.model_validate(profile)


def profile_out(db: Session, profile: CreditProfile) -> schemas.ProfileOut:
    ids = json.loads(profile.snapshot_ids)
    snaps = sorted(snapshots_of(db, enterprise_id=profile.enterprise_id, ids=ids), key=lambda s: s.id) if ids else []
    return schemas.ProfileOut.model_validate(profile).model_copy(update={"snapshots": [snapshot_out(s) for s in snaps]})


@dataclass
class HeldSource:
    """'Data we hold about you': one snapshot, who captured it, and what was computed from it."""

    snapshot: DataSnapshot
    features: list[ProfileFeature]
    used_in_latest: bool


def data_held(db: Session, *, enterprise_id: int) -> list[HeldSource]:
    latest = latest_profile(db, enterprise_id=enterprise_id)
    used = set(json.loads(latest.snapshot_ids)) if latest else set()
    by_snapshot: dict[int, list[ProfileFeature]] = {}
    if latest:
        for f in latest.features:
            if f.snapshot_id is not None:
                by_snapshot.setdefault(f.snapshot_id, []).append(f)
    return [HeldSource(s, by_snapshot.get(s.id, []), s.id in used) for s in snapshots_of(db, enterprise_id=enterprise_id)]


@dataclass(frozen=True)
class FeatureChange:
    key: str
    label: Text
    before: ProfileFeature | None
    after: ProfileFeature | None


def compare(older: CreditProfile, newer: CreditProfile) -> list[FeatureChange]:
    """The features whose value differs between two versions (in the newer one's order)."""
    before = {f.key: f for f in older.features}
    after = {f.key: f for f in newer.features}
    changes = []
    for key in list(after) + [k for k in before if k not in after]:
        a, b = before.get(key), after.get(key)
        if (a.value_text if a else None) != (b.value_text if b else None):
            label = b or a
            changes.append(FeatureChange(key, Text(label.label_zh, label.label_en), a, b))
    return changes


# Ratios a person reads as "times" (流动比率 3.33 倍), not as a percentage.
TIMES = frozenset({"current_ratio", "quick_ratio"})
_UNITS = {"years": Text("年", "years"), "count": Text("", ""), "days": Text("天", "days"), "months": Text("个月", "months"),
          "persons": Text("人", "persons"), "times": Text(" 倍", "×")}


def format_value(feature: ProfileFeature, lang: str = "zh") -> str:
    """A feature value for pages: amounts with thousands separators, shares as percentages,
    current and quick ratios as times, flags as yes/no, codes by their names (存续（在业）)."""
    if feature.value_text is None:
        return "—"
    if feature.value_type == "str" and feature.unit == "code" and feature.key == "registry_status":
        found = STATUS_LABELS.get(feature.value_text)
        return (found[1] if lang == "en" else found[0]) if found else feature.value_text
    if feature.value_type == "bool":
        return Text("是", "Yes").pick(lang) if feature.value_text == "true" else Text("否", "No").pick(lang)
    if feature.value_type == "decimal":
        value = Decimal(feature.value_text)
        if feature.key in TIMES:
            return f"{value.quantize(Decimal('0.01'))}{_UNITS['times'].pick(lang)}"
        if feature.unit == "ratio":
            return f"{(value * 100).quantize(Decimal('0.01'))}%"
        if feature.unit == "CNY":
            return format_yuan(value)
    suffix = _UNITS.get(feature.unit or "", Text("", "")).pick(lang)
    return f"{feature.value_text} {suffix}".strip() if lang == "en" else f"{feature.value_text}{suffix}"
