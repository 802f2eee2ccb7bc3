"""Accepting an offer (stage 4) makes the loan: its terms are the offer's — amount, rate, 年化利率,
repayment method, term, payment mode — and the decision's penalty rate; the approver is whoever
approved the application (automatic approvals have none), who may then not disburse it."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.applications.models import Application
from smecredit.audit.log import Actor
from smecredit.decisioning.models import Decision, DecisionReview, Offer
from smecredit.loans import service
from smecredit.loans.models import Loan

DEFAULT_MARKUP = Decimal(50)  # percent, when the decision does not say (银发〔2003〕251号: 30 %–50 %)


def penalty_markup(decision: Decision | None, annual_rate: Decimal) -> Decimal:
    """The decision's penalty rate as a markup over the contract rate, in percent (9 on 6 → 50)."""
    try:
        penalty = Decimal(json.loads(decision.result_json)["penalty_rate"]) if decision else None
    except (KeyError, ValueError, TypeError, ArithmeticError):
        penalty = None
    if penalty is None or annual_rate <= 0:
        return DEFAULT_MARKUP
    markup = ((penalty / annual_rate - 1) * 100).quantize(Decimal("0.0001"))
    return min(max(markup, Decimal(30)), Decimal(100))


def approver_of(db: Session, application_id: int) -> int | None:
    """The last person who approved the application at the approval or committee stage."""
    return db.execute(select(DecisionReview.user_id).where(
        DecisionReview.application_id == application_id, DecisionReview.action == "approve",
        DecisionReview.stage.in_(("approval", "committee")), DecisionReview.user_id.is_not(None))
        .order_by(DecisionReview.id.desc()).limit(1)).scalar()


def open_from_offer(db: Session, *, actor: Actor, offer: Offer, application: Application) -> Loan:
    existing = db.execute(select(Loan).where(Loan.offer_id == offer.id)).scalar_one_or_none()
    if existing is not None:
        return existing
    decision = db.get(Decision, offer.decision_id)
    return service.open_loan(
        db, actor=actor, enterprise_id=application.enterprise_id, product_code=application.product_code,
        principal=offer.amount, annual_rate=offer.annual_rate, months=offer.term_months,
        method=offer.repayment_method, penalty_markup=penalty_markup(decision, offer.annual_rate),
        payment_mode=offer.payment_mode or "self", application_id=application.id, offer_id=offer.id,
        approved_by_id=approver_of(db, application.id), apr=offer.apr)


def loan_for_application(db: Session, application_id: int) -> Loan | None:
    return db.execute(select(Loan).where(Loan.application_id == application_id)).scalar_one_or_none()
