"""信用画像 (credit profile), service side: pick the latest snapshot of each kind as of a date,
run the pure `profile_rules.compute_features`, and store a new profile version with one row per
feature (value, unit, source kind, snapshot, rule, missing reason). Earlier versions are kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from smecredit.audit.log import Actor, record
from smecredit.enterprises import events, schemas, service
from smecredit.enterprises.connectors import SourceKind
from smecredit.enterprises.models import CreditProfile, DataSnapshot, Enterprise, ProfileFeature
from smecredit.enterprises.profile_rules import EnterpriseFacts, Feature, SourceRef, compute_features
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.errors import not_found
from smecredit.kernel.text import Text
from smecredit.kernel.money import format_yuan, to_money
from smecredit.standards.resident_id import validate_resident_id

WAN = Decimal(10000)


def latest_snapshots(db: Session, *, enterprise_id: int, as_of: date) -> dict[SourceKind, DataSnapshot]:
    """The newest snapshot of each kind captured on or before the business date `as_of`.

    Content is deferred: only the chosen snapshot of each kind is loaded and decrypted, not every
    older one."""
    rows = db.execute(
        select(DataSnapshot)
        .options(defer(DataSnapshot.content))
        .where(DataSnapshot.enterprise_id == enterprise_id, DataSnapshot.business_date <= as_of)
        .order_by(DataSnapshot.captured_at.desc(), DataSnapshot.id.desc())
    ).scalars()
    latest: dict[SourceKind, DataSnapshot] = {}
    for snap in rows:
        latest.setdefault(SourceKind(snap.kind), snap)
    return latest


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


def compute_profile(db: Session, *, enterprise_id: int, actor: Actor, as_of: date | None = None,
                    trigger: str = "manual") -> CreditProfile:
    """Compute and store a new profile version from the latest snapshots as of `as_of`."""
    as_of = as_of or business_date()
    enterprise = db.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise not_found(Text("企业", "Enterprise"), "enterprise_id")
    snaps = latest_snapshots(db, enterprise_id=enterprise.id, as_of=as_of)
    refs = {kind: SourceRef(snapshot_id=str(s.id), kind=kind, content=json.loads(s.content), captured_at=s.captured_at)
            for kind, s in snaps.items()}
    features: list[Feature] = compute_features(as_of=as_of, sources=refs, facts=facts_of(enterprise))
    version = (db.execute(select(func.max(CreditProfile.version))
                          .where(CreditProfile.enterprise_id == enterprise.id)).scalar() or 0) + 1
    snapshot_ids = sorted(s.id for s in snaps.values())
    profile = CreditProfile(enterprise_id=enterprise.id, version=version, as_of=as_of, computed_at=utcnow(),
                            computed_by=actor.username, trigger=trigger[:40], snapshot_ids=json.dumps(snapshot_ids))
    for f in features:
        text, kind = _value(f.value)
        profile.features.append(ProfileFeature(
            key=f.key, label_zh=f.label_zh, label_en=f.label_en, value_text=text, value_type=kind, unit=f.unit,
            source_kind=f.source_kind.value if f.source_kind else None,
            snapshot_id=int(f.snapshot_id) if f.snapshot_id else None, rule=f.rule,
            missing_reason=json.dumps(f.missing_reason.as_dict(), ensure_ascii=False) if f.missing_reason else None,
        ))
    db.add(profile)
    db.flush()
    record(db, actor, events.ProfileComputed(
        entity_id=enterprise.id, profile_id=profile.id, version=version, as_of=as_of.isoformat(), trigger=trigger,
        snapshot_ids=snapshot_ids, feature_count=len(features), missing=[f.key for f in features if f.value is None]))
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


def missing_reason(feature: ProfileFeature) -> dict | None:
    return json.loads(feature.missing_reason) if feature.missing_reason else None


def summary_out(profile: CreditProfile) -> schemas.ProfileSummary:
    return schemas.ProfileSummary(
        id=profile.id, version=profile.version, as_of=profile.as_of, computed_at=profile.computed_at,
        computed_by=profile.computed_by, trigger=profile.trigger, snapshot_ids=json.loads(profile.snapshot_ids),
        feature_count=len(profile.features), missing_count=sum(1 for f in profile.features if f.value_text is None),
    )


def profile_out(db: Session, profile: CreditProfile) -> schemas.ProfileOut:
    ids = json.loads(profile.snapshot_ids)
    snaps = list(db.execute(select(DataSnapshot).options(defer(DataSnapshot.content))
                            .where(DataSnapshot.id.in_(ids)).order_by(DataSnapshot.id)).scalars()) if ids else []
    features = []
    for f in profile.features:
        reason = missing_reason(f)
        features.append(schemas.FeatureOut(
            key=f.key, label_zh=f.label_zh, label_en=f.label_en, value=f.value_text, value_type=f.value_type,
            unit=f.unit, source_kind=f.source_kind, snapshot_id=f.snapshot_id, rule=f.rule,
            missing_reason=(f"{reason['zh']} / {reason['en']}" if reason else None),
        ))
    base = summary_out(profile).model_dump()
    return schemas.ProfileOut(**base, features=features, snapshots=[service.snapshot_out(s) for s in snaps])


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
    snaps = service.snapshots_of(db, enterprise_id=enterprise_id)
    return [HeldSource(s, by_snapshot.get(s.id, []), s.id in used) for s in snaps]


_UNITS = {"years": ("年", "years"), "count": ("", ""), "days": ("天", "days"), "months": ("个月", "months"),
          "persons": ("人", "persons")}


def format_value(feature: ProfileFeature, lang: str = "zh") -> str:
    """A feature value for pages: amounts with thousands separators, ratios as percentages."""
    if feature.value_text is None:
        return "—"
    if feature.value_type == "bool":
        yes = feature.value_text == "true"
        return ("Yes" if yes else "No") if lang == "en" else ("是" if yes else "否")
    if feature.value_type == "decimal":
        value = Decimal(feature.value_text)
        if feature.unit == "ratio":
            return f"{(value * 100).quantize(Decimal('0.01'))}%"
        if feature.unit == "CNY":
            return format_yuan(value)
    zh, en = _UNITS.get(feature.unit or "", ("", ""))
    suffix = en if lang == "en" else zh
    return f"{feature.value_text} {suffix}".strip() if lang == "en" else f"{feature.value_text}{suffix}"


__all__ = ["compute_profile", "data_held", "facts_of", "format_value", "get_profile", "latest_profile",
           "latest_snapshots", "profile_out", "profiles_of", "summary_out"]
