"""A submitted application with everything its risk report shows: the enterprise's data pulled from
the sandbox and its profile computed, a decision made by the engine with the default policy and
scorecards and stored as the service stores it, a review, a committee vote with dissent and an
override."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from smecredit.decisioning import engine, policy, scorecard
from smecredit.decisioning.models import (
    CommitteeVote,
    Decision,
    DecisionOverride,
    DecisionReview,
    PolicyVersion,
    ScorecardVersion,
)
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.db import unit_of_work
from smecredit.kernel.text import Text
from tests.applications.helpers import World, draft, to_review, world

SCORECARDS = Path(policy.__file__).parent / "data" / "scorecards"


@dataclass
class ReportWorld:
    w: World
    application: object
    decision: Decision
    result: dict


def _version(db, model, code: str, text: str) -> object:
    row = model(code=code, version=1, status="approved", effective_from=business_date(), text=text,
                sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), author_id=None, author="system",
                created_at=utcnow(), approver="system", decided_at=utcnow())
    db.add(row)
    db.flush()
    return row


def _inputs(db, w: World, application) -> engine.DecisionInputs:
    from smecredit.enterprises.profile import latest_profile

    profile = latest_profile(db, enterprise_id=w.enterprise.id)
    features = {}
    if profile is not None:
        for f in profile.features:
            features[f.key] = engine.typed_value(f.key, f.value_text) if f.value_type != "bool" else f.value_text == "true"
    e = w.enterprise
    return engine.DecisionInputs(
        application=engine.ApplicationTerms(application.no, application.amount, application.term_months,
                                            application.repayment_method, application.guarantee_mode, application.purpose,
                                            application.product_code, application.product_version_id, "working_capital"),
        product=engine.ProductFacts(application.product_code, "working_capital", Text("流动资金贷款", "Working-capital loan"),
                                    application.product_version_id, Decimal("100000.00"), Decimal("3000000.00"),
                                    Decimal("0.30"), Decimal("4.00"), Decimal("1000000.00"), Decimal("2000000.00"),
                                    Text("营运资金量测算", "Working-capital need")),
        enterprise=engine.EnterpriseFacts(e.id, e.uscc, e.name, e.size_class, e.industry),
        features=features, profile_id=profile.id if profile else None,
        exposure=engine.Exposure(existing=Decimal("300000.00"), bureau_outstanding=Decimal("500000.00"),
                                 group_members=(engine.GroupMember(999, "关联示例贸易有限公司",
                                                                   Text("同一实际控制人", "Same controller"), Decimal("1000000.00")),)),
        reference_rates=engine.ReferenceRates(Decimal("3.00"), Decimal("3.50"), business_date() - timedelta(days=10)),
        decision_date=business_date())


def make(db, make_user, n: int = 1, *, pull: bool = True) -> ReportWorld:
    from smecredit.enterprises import data
    from smecredit.identity.roles import Role

    w = world(db, make_user, n)
    if pull:
        with unit_of_work(db):
            data.pull_all(db, user=w.officer, enterprise=w.enterprise)
    application = to_review(db, w, draft(db, w))
    pol = policy.load_default()
    cards = {c.code: c for c in (scorecard.load(p) for p in sorted(SCORECARDS.glob("*.json")))}
    inputs = _inputs(db, w, application)
    result = engine.decide(pol, cards, inputs)
    inputs_json, result_json = json.dumps(engine.inputs_to_dict(inputs)), json.dumps(engine.result_to_dict(result))
    risk = make_user(Role.RISK_MANAGER, f"risk-{n}")
    with unit_of_work(db):
        policy_row = _version(db, PolicyVersion, pol.code, pol.text)
        card = cards[result.scorecard_code]
        card_row = _version(db, ScorecardVersion, card.code, json.dumps(card.to_dict()))
        decision = Decision(
            application_id=application.id, sequence=1, outcome=result.outcome, route=result.route, segment=result.segment,
            score=result.score, grade=result.grade, pd=result.pd, limit_amount=result.limit,
            approved_amount=result.approved_amount, annual_rate=result.annual_rate, apr=result.apr,
            repayment_method=result.repayment_method, term_months=result.term_months, inputs_json=inputs_json,
            result_json=result_json, inputs_sha256=hashlib.sha256(inputs_json.encode()).hexdigest(),
            result_sha256=hashlib.sha256(result_json.encode()).hexdigest(), policy_version_id=policy_row.id,
            scorecard_version_id=card_row.id, elapsed_ms=Decimal("8.250"), decision_date=business_date(),
            created_at=utcnow())
        db.add(decision)
        db.flush()
        now = utcnow()
        db.add(DecisionReview(application_id=application.id, decision_id=decision.id, stage="review", user_id=w.reviewer.id,
                              username=w.reviewer.username, role="credit_reviewer", action="approve",
                              comment="查询次数偏多系新开户所致，同意", round=1, at=now))
        db.add(CommitteeVote(application_id=application.id, decision_id=decision.id, round=1, user_id=w.approver.id,
                             username=w.approver.username, role="approver", vote="approve", comment="同意", at=now))
        db.add(CommitteeVote(application_id=application.id, decision_id=decision.id, round=1, user_id=risk.id,
                             username=risk.username, role="risk_manager", vote="decline", comment="负债率偏高，不同意", at=now))
        db.add(DecisionReview(application_id=application.id, decision_id=decision.id, stage="committee", user_id=None,
                              username="committee", role="committee", action="approve", comment="多数同意", round=1, at=now))
        db.add(DecisionOverride(application_id=application.id, decision_id=decision.id, automatic="declined", human="approved",
                                stage="committee", user_id=None, username="committee", reason="贷审会多数同意：订单充足", at=now))
    return ReportWorld(w, application, decision, engine.result_to_dict(result))
