"""Decisions, offers and versions as the API and the pages read them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from smecredit.decisioning import schemas, service
from smecredit.decisioning.models import Decision, PolicyVersion, ScorecardVersion


def _ref(row: PolicyVersion | ScorecardVersion | None) -> schemas.VersionRef | None:
    if row is None:
        return None
    return schemas.VersionRef(id=row.id, code=row.code, version=row.version, sha256=row.sha256)


def decision_fields(db: Session, decision: Decision) -> dict:
    return dict(
        id=decision.id, application_id=decision.application_id, outcome=decision.outcome, route=decision.route,
        score=decision.score, grade=decision.grade, pd=decision.pd, limit=decision.limit_amount,
        approved_amount=decision.approved_amount, annual_rate=decision.annual_rate, apr=decision.apr,
        repayment_method=decision.repayment_method, term_months=decision.term_months,
        reasons=[schemas.ReasonOut(code=r["code"], message=schemas.TextOut(**r["message"]))
                 for r in service.reasons_of(decision)],
        policy_version=_ref(service.policy_version_of(db, decision)),
        scorecard_version=_ref(service.scorecard_version_of(db, decision)),
        elapsed_ms=decision.elapsed_ms, decision_date=decision.decision_date, created_at=decision.created_at)


def decision_out(db: Session, decision: Decision) -> schemas.DecisionOut:
    return schemas.DecisionOut(**decision_fields(db, decision))


def decision_record_out(db: Session, decision: Decision) -> schemas.DecisionRecordOut:
    return schemas.DecisionRecordOut(**decision_fields(db, decision), inputs=service.inputs_of(decision),
                                     result=service.result_of(decision), inputs_sha256=decision.inputs_sha256,
                                     result_sha256=decision.result_sha256)
