"""Offers (授信方案): made when an application is approved — the decision's approved amount, rate,
年化利率, repayment method and term, open until a date — and answered once by the applicant."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.applications.models import Application
from smecredit.decisioning.models import Decision, Offer
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.errors import Conflict
from smecredit.kernel.text import Text

#: How long an offer stays open when the policy does not say.
OFFER_VALID_DAYS = 30

OFFER_STATUSES: dict[str, Text] = {
    "open": Text("待确认", "Open"),
    "accepted": Text("已接受", "Accepted"),
    "declined": Text("已放弃", "Declined"),
    "expired": Text("已过期", "Expired"),
}


def offer_of(db: Session, application_id: int) -> Offer | None:
    return db.execute(select(Offer).where(Offer.application_id == application_id)).scalar_one_or_none()


def status_of(offer: Offer, on: date | None = None) -> str:
    """The offer's status as people read it: an open offer past its date is expired."""
    if offer.status == "open" and offer.expires_on < (on or business_date()):
        return "expired"
    return offer.status


def make(db: Session, *, application: Application, decision: Decision, valid_days: int = OFFER_VALID_DAYS) -> Offer:
    """The offer for an approved application, from its decision."""
    amount = decision.approved_amount
    if amount is None and decision.limit_amount is not None:
        amount = min(application.amount, decision.limit_amount)
    if amount is None or amount <= 0 or decision.annual_rate is None or decision.apr is None:
        raise Conflict("no_offer_terms", Text("该决策没有可批准的额度或价格，不能发出授信方案；请退回审查",
                                              "The decision has no amount or price to offer: return it to the review"),
                       "decision_id")
    payment_mode = None
    try:
        import json

        payment_mode = json.loads(decision.result_json).get("payment_mode")
    except ValueError:  # pragma: no cover - the record is JSON
        pass
    today = business_date()
    offer = Offer(application_id=application.id, decision_id=decision.id, enterprise_id=application.enterprise_id,
                  amount=amount, annual_rate=decision.annual_rate, apr=decision.apr,
                  repayment_method=decision.repayment_method, term_months=decision.term_months,
                  payment_mode=payment_mode if isinstance(payment_mode, str) else None, status="open",
                  created_at=utcnow(), expires_on=today + timedelta(days=valid_days))
    db.add(offer)
    db.flush()
    return offer
