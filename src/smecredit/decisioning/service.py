"""The decision service: gathers what the credit policy decides from, runs the pure engine, and
keeps the record.

`decide(db, application=…)` reads, on the decision date, the application's terms and its product
version, the enterprise's latest credit profile (features) and facts, its exposure and group
(`exposure.py`) and the LPR (`products.rates.reference_rate`); picks the policy version in force
and the scorecard versions it names; calls `engine.decide` (pure and deterministic); measures the
time the engine took with `perf_counter`; stores an immutable `Decision` with the inputs and the
result as JSON (and their SHA-256) and the versions used; and records `decision.made` in the audit
log, linking the decision by id. It changes no state: `decisioning/outcomes.py` applies the
outcome to the application (same transaction).

Parsed policies and scorecards are cached per version id (`versions.parsed`): parsing YAML and
compiling CEL every time would miss the target of 1,000 decisions a second.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from time import perf_counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smecredit.applications.models import Application
from smecredit.audit.log import SYSTEM, Actor, record
from smecredit.decisioning import events, versions
from smecredit.decisioning.exposure import exposure_of
from smecredit.decisioning.models import Decision, PolicyVersion, ScorecardVersion
from smecredit.decisioning.record_check import record_differences
from smecredit.enterprises.models import CreditProfile, Enterprise, ProfileFeature
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.errors import Unavailable, not_found
from smecredit.kernel.text import Text
from smecredit.products.models import ProductVersion
from smecredit.products.rates import reference_rate
from smecredit.products.vocabulary import TENORS

DECISION = Text("授信决策", "Credit decision")


# --- reading ---------------------------------------------------------------------------------------------

def latest_decision(db: Session, application_id: int) -> Decision | None:
    return db.execute(select(Decision).where(Decision.application_id == application_id)
                      .order_by(Decision.sequence.desc()).limit(1)).scalar_one_or_none()


def decision_by_id(db: Session, decision_id: int) -> Decision:
    row = db.get(Decision, decision_id)
    if row is None:
        raise not_found(DECISION, "decision_id")
    return row


def decision_of(db: Session, application: Application) -> Decision:
    """The application's latest decision; NotFound when it has none yet (a draft)."""
    found = latest_decision(db, application.id)
    if found is None:
        raise not_found(DECISION, "application_id")
    return found


def damaged(decision: Decision) -> Unavailable:
    return Unavailable("decision_damaged", Text(
        f"授信决策 {decision.id} 的记录与写入时不一致或已损坏，暂停使用；复现（replay）可列出差异",
        f"Decision {decision.id} no longer matches what was recorded, or is damaged: it is not used; "
        f"replaying it lists the differences"), "decision_id", {"decision_id": decision.id})


def intact_result(decision: Decision) -> dict[str, Any]:
    """The stored result, when the record still reads as it was written: inputs and result match
    their SHA-256 and the columns say what the result says. Otherwise `Unavailable` (503, like a
    damaged policy version): a record changed by hand is neither shown as the platform's decision
    nor acted on; replay lists what changed."""
    try:
        result = json.loads(decision.result_json)
    except ValueError:
        raise damaged(decision) from None
    if not isinstance(result, dict) or record_differences(decision, result):
        raise damaged(decision)
    return result


def inputs_of(decision: Decision) -> dict[str, Any]:
    return json.loads(decision.inputs_json)


def result_of(decision: Decision) -> dict[str, Any]:
    return json.loads(decision.result_json)


def reasons_of(decision: Decision) -> list[dict[str, Any]]:
    """The reasons for the outcome, as stored: ``[{"code", "message": {"zh", "en"}}]``."""
    return list(result_of(decision).get("reasons") or [])


def reasons_text(decision: Decision, limit: int = 4) -> Text:
    reasons = reasons_of(decision)[:limit]
    if not reasons:
        return Text("详见审批意见", "see the decision")
    return Text("；".join(r["message"]["zh"] for r in reasons), "; ".join(r["message"]["en"] for r in reasons))


def policy_version_of(db: Session, decision: Decision) -> PolicyVersion:
    row = db.get(PolicyVersion, decision.policy_version_id)
    assert row is not None  # a foreign key
    return row


def scorecard_version_of(db: Session, decision: Decision) -> ScorecardVersion | None:
    return db.get(ScorecardVersion, decision.scorecard_version_id) if decision.scorecard_version_id else None


def authority_of(db: Session, decision: Decision):
    """The approval authority matrix that applies to this decision (its policy version, its segment)."""
    policy = versions.parsed(policy_version_of(db, decision))
    code = intact_result(decision).get("segment") or decision.segment
    # a decision without a segment (made before segments): the policy's first segment's matrix
    found = next((s for s in policy.segments if s.code == code), policy.segments[0])
    return found.authority


# --- gathering the inputs ----------------------------------------------------------------------------------

def _typed(value_text: str | None, value_type: str) -> Any:
    if value_text is None:
        return None
    if value_type == "decimal":
        return Decimal(value_text)
    if value_type == "int":
        return int(value_text)
    if value_type == "bool":
        return value_text == "true"
    return value_text


@dataclass(frozen=True)
class ProfileRef:
    id: int
    version: int


@dataclass(frozen=True)
class Gathered:
    """What was read from the database for one decision (before the engine's inputs are built)."""

    application: Application
    product: ProductVersion
    enterprise: Any  # EnterpriseRow
    profile: ProfileRef | None
    features: dict[str, Any]
    exposure: Any  # exposure.Exposure
    reference_rates: dict[str, Decimal]
    on: date


def reference_rates(db: Session, on: date) -> dict[str, Decimal]:
    """The LPR of every tenor in force on ``on``, in one read (`products.rates.reference_rate` per tenor
    otherwise; the same answer, and the same refusal before the first LPR)."""
    from smecredit.products.models import ReferenceRate
    from smecredit.products.rates import PLACES

    found: dict[str, Decimal] = {}
    rows = db.execute(select(ReferenceRate.tenor, ReferenceRate.rate).where(ReferenceRate.effective_from <= on)
                      .order_by(ReferenceRate.effective_from.desc()).limit(4 * len(TENORS))).all()
    for tenor, rate in rows:
        found.setdefault(tenor, rate.quantize(PLACES))
    for tenor in TENORS:
        if tenor not in found:
            found[tenor] = reference_rate(db, on=on, tenor=tenor)  # raises the refusal with its reason
    return found


@dataclass(frozen=True)
class EnterpriseRow:
    """The enterprise's facts the decision reads (a plain row: no ORM object, no related loads)."""

    id: int
    uscc: str
    name: str
    size_class: str
    industry: str | None


def gather(db: Session, application: Application, on: date) -> Gathered:
    """Everything the policy reads, in a few plain reads. The enterprise's row and its related
    enterprises' rows are locked (in id order) before their exposure is read, so two decisions
    that could together pass an exposure cap are decided one after the other."""
    from smecredit.decisioning.exposure import lock_enterprises, related
    from smecredit.enterprises.models import Counterparty

    product = db.get(ProductVersion, application.product_version_id)
    found = db.execute(select(Enterprise.id, Enterprise.uscc, Enterprise.name, Enterprise.size_class, Enterprise.industry)
                       .where(Enterprise.id == application.enterprise_id)).one()
    assert product is not None  # a foreign key
    enterprise = EnterpriseRow(*found)
    group = related(db, enterprise)
    lock_enterprises(db, [enterprise.id, *group])
    latest = db.execute(select(CreditProfile.id, CreditProfile.version).where(CreditProfile.enterprise_id == enterprise.id)
                        .order_by(CreditProfile.version.desc()).limit(1)).first()
    profile = ProfileRef(latest.id, latest.version) if latest else None
    features: dict[str, Any] = {}
    if profile is not None:
        for key, value_text, value_type in db.execute(
                select(ProfileFeature.key, ProfileFeature.value_text, ProfileFeature.value_type)
                .where(ProfileFeature.profile_id == profile.id)):
            features[key] = _typed(value_text, value_type)
    features["core_customer_count"] = db.execute(
        select(func.count()).select_from(Counterparty).where(Counterparty.enterprise_id == enterprise.id,
                                                             Counterparty.relation == "customer",
                                                             Counterparty.is_core_enterprise.is_(True))).scalar_one()
    exposure = exposure_of(db, enterprise, on=on, features=features, exclude_application_id=application.id, group=group)
    return Gathered(application, product, enterprise, profile, features, exposure, reference_rates(db, on), on)


def product_limit(db: Session, gathered: Gathered):
    """The product's own limit (stage 2's method) for this enterprise: `products.limits.LimitResult`."""
    from smecredit.products import limits, matching

    definition = gathered.product.definition
    features = dict(gathered.features)
    if definition.limit.method == "working_capital":
        features.update(matching.statement_days(db, gathered.enterprise, gathered.on))
    return limits.compute(definition.limit.method, definition.limit.params, features, {})


def build_inputs(db: Session, gathered: Gathered):
    """The engine's `DecisionInputs` from what was gathered."""
    from smecredit.decisioning import engine
    from smecredit.decisioning.exposure import RELATIONS

    a, version, e, x = gathered.application, gathered.product, gathered.enterprise, gathered.exposure
    d = version.definition
    limit = product_limit(db, gathered)
    return engine.DecisionInputs(
        application=engine.ApplicationTerms(
            no=a.no, amount=a.amount, term_months=a.term_months, repayment_method=a.repayment_method,
            guarantee_mode=a.guarantee_mode, purpose=a.purpose, product_code=a.product_code,
            product_version_id=a.product_version_id, product_kind=d.kind),
        product=engine.ProductFacts(
            code=d.code, kind=d.kind, name=d.name, version_id=version.id, min_amount=d.min_amount,
            max_amount=d.max_amount, spread_min=d.pricing.spread_min, spread_max=d.pricing.spread_max,
            entrusted_payment_above=d.entrusted_payment_above, limit_amount=limit.amount, limit_formula=limit.formula,
            limit_inputs=tuple(engine.LimitInput(i.key, i.label, _plain(i.value), i.unit, i.source) for i in limit.inputs),
            limit_note=limit.note),
        enterprise=engine.EnterpriseFacts(id=e.id, uscc=e.uscc, name=e.name, size_class=e.size_class,
                                          industry=e.industry),
        features=gathered.features,
        profile_id=gathered.profile.id if gathered.profile else None,
        exposure=engine.Exposure(
            existing=x.own,
            group_members=tuple(engine.GroupMember(m.enterprise_id, m.name,
                                                   Text.join([RELATIONS[r] for r in m.relations], sep_zh="、", sep_en="; "),
                                                   m.exposure) for m in x.group),
            bureau_outstanding=x.bureau_outstanding),
        reference_rates=engine.ReferenceRates(one_year=gathered.reference_rates["1y"],
                                              five_year_plus=gathered.reference_rates["5y+"], on=gathered.on),
        decision_date=gathered.on)


def _plain(value: Any) -> Any:
    """A limit input's value as the record keeps it (numbers exact; anything else as text)."""
    if value is None or isinstance(value, (bool, int, str, Decimal)):
        return value
    return str(value)


# --- deciding ----------------------------------------------------------------------------------------------

def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dumps(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def scorecards_for(db: Session, policy_row: PolicyVersion, on: date) -> tuple[dict[str, Any], dict[str, ScorecardVersion]]:
    """The parsed scorecards the policy names, each the version in force on ``on``."""
    policy = versions.parsed(policy_row)
    in_force = versions.scorecards_in_force(db, on)  # one read for every code
    rows = {code: in_force.get(code) or versions.scorecard_in_force(db, code, on) for code in policy.scorecard_codes}
    return {code: versions.parsed(row) for code, row in rows.items()}, rows


@dataclass(frozen=True)
class Prepared:
    """A decision computed but not yet recorded: everything `store` writes. Holding ``product``
    keeps the product version in the session's identity map for the rest of the use case."""

    inputs: Any
    result: Any
    policy_row: PolicyVersion
    card_row: ScorecardVersion | None
    elapsed_ms: Decimal
    on: date
    product: ProductVersion


def prepare(db: Session, *, application: Application, on: date | None = None) -> Prepared:
    """Read the inputs, pick the versions and run the engine — no writes, no audit record, so a use
    case can do this before it takes the audit head (the caller holds the application's row lock;
    this locks the enterprise's and its group's rows)."""
    from smecredit.decisioning import engine

    on = on or business_date()
    policy_row = versions.policy_in_force(db, on)
    policy = versions.parsed(policy_row)
    cards, card_rows = scorecards_for(db, policy_row, on)
    gathered = gather(db, application, on)
    inputs = build_inputs(db, gathered)
    started = perf_counter()
    result = engine.decide(policy, cards, inputs)
    elapsed = Decimal(str(round((perf_counter() - started) * 1000, 3)))
    return Prepared(inputs, result, policy_row, card_rows.get(result.scorecard_code), elapsed, on, gathered.product)


def record_prepared(db: Session, *, application: Application, prepared: Prepared, actor: Actor = SYSTEM) -> Decision:
    return store(db, application=application, inputs=prepared.inputs, result=prepared.result,
                 policy_row=prepared.policy_row, card_row=prepared.card_row, elapsed_ms=prepared.elapsed_ms,
                 on=prepared.on, actor=actor)


def decide(db: Session, *, application: Application, actor: Actor = SYSTEM, on: date | None = None) -> Decision:
    """Decide the application now (the caller holds its row lock) and keep the record."""
    return record_prepared(db, application=application, prepared=prepare(db, application=application, on=on), actor=actor)


def store(db: Session, *, application: Application, inputs, result, policy_row: PolicyVersion,
          card_row: ScorecardVersion | None, elapsed_ms: Decimal, on: date, actor: Actor = SYSTEM) -> Decision:
    from smecredit.decisioning import engine

    inputs_json = dumps(engine.inputs_to_dict(inputs))
    result_json = dumps(engine.result_to_dict(result))
    sequence = (db.execute(select(func.max(Decision.sequence)).where(Decision.application_id == application.id))
                .scalar() or 0) + 1
    row = Decision(
        application_id=application.id, sequence=sequence, outcome=result.outcome, route=result.route,
        segment=result.segment, score=result.score, grade=result.grade, pd=result.pd, limit_amount=result.limit,
        approved_amount=result.approved_amount, annual_rate=result.annual_rate, apr=result.apr,
        repayment_method=result.repayment_method, term_months=result.term_months, inputs_json=inputs_json,
        result_json=result_json, inputs_sha256=_sha(inputs_json), result_sha256=_sha(result_json),
        policy_version_id=policy_row.id, scorecard_version_id=card_row.id if card_row else None,
        elapsed_ms=elapsed_ms, decision_date=on, created_at=utcnow())
    db.add(row)
    db.flush()
    record(db, actor, events.DecisionMade(
        entity_id=row.id, application_id=application.id, no=application.no, sequence=sequence, outcome=row.outcome,
        route=row.route, score=row.score, grade=row.grade, limit=_s(row.limit_amount),
        approved_amount=_s(row.approved_amount), annual_rate=_s(row.annual_rate), apr=_s(row.apr),
        policy_version_id=policy_row.id, policy_sha256=policy_row.sha256,
        scorecard_version_id=card_row.id if card_row else None, scorecard_sha256=card_row.sha256 if card_row else None,
        inputs_sha256=row.inputs_sha256, result_sha256=row.result_sha256, elapsed_ms=str(row.elapsed_ms),
        reason_codes=[r["code"] for r in reasons_of(row)]))
    return row


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def ensure_decision(db: Session, *, application: Application) -> Decision:
    """The application's latest decision; one made now for an application submitted before the
    credit policy decided at submission (stage 3's, migrated)."""
    return latest_decision(db, application.id) or decide(db, application=application)
