"""Applying a result to the application, on the one state table (`applications/states.py`):

* at submission (`decide_submitted`, called by `applications.service.submit` in its transaction):
  the policy's decision approves (an offer is made), declines, or refers the application to people
  (it stays in the queue as *submitted*, with the reasons and the route on its timeline);
* when people finish (`approve` / `decline`, called by `decisioning/reviews.py`): the same, by a
  person or the committee; a human result that differs from what the policy recommended is an
  override and keeps its reason (`DecisionOverride`).

The caller holds the application's row lock. Every change is a step on the timeline, an audit
event and a notice to the applicant's side.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from smecredit.applications import events as application_events
from smecredit.applications import workflow
from smecredit.applications.models import Application
from smecredit.applications.states import Action, Result
from smecredit.audit.log import SYSTEM, Actor, record
from smecredit.decisioning import events, notices, offers, service
from smecredit.decisioning.models import Decision, DecisionOverride
from smecredit.identity.models import User
from smecredit.identity.sessions import actor_of
from smecredit.kernel.clock import utcnow
from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text

ROUTE_LABELS: dict[str, Text] = {
    "automatic": Text("自动审批", "Automatic"),
    "review": Text("审查后审批", "Review, then approval"),
    "committee": Text("贷审会审议", "Credit committee"),
}


def route_label(route: str | None) -> Text:
    return ROUTE_LABELS.get(route or "", Text(route or "—", route or "—"))


def _who(user: User | None) -> Actor:
    return actor_of(user) if user is not None else SYSTEM


def prepare_submitted(db: Session, *, application: Application) -> service.Prepared:
    """The decision computed before the submission is recorded (no audit record yet): the audit
    head, which every `record` locks until the commit, is then held only for the writes."""
    return service.prepare(db, application=application)


def decide_submitted(db: Session, *, user: User, application: Application,
                     prepared: service.Prepared | None = None) -> Decision:
    """Record the decision of a just-submitted application and apply the outcome."""
    prepared = prepared or service.prepare(db, application=application)
    decision = service.record_prepared(db, application=application, prepared=prepared)
    reasons = service.reasons_text(decision)
    if decision.outcome == "approved":
        approve(db, application=application, decision=decision, action=Action.DECIDE, user=None,
                note=Text("授信政策自动批准", "Approved by the credit policy"))
    elif decision.outcome == "declined":
        decline(db, application=application, decision=decision, action=Action.DECIDE, user=None, reason=reasons)
    else:
        before, after = workflow.system_move(application, Action.DECIDE, Result.REFER)
        workflow.move(application, after)
        route = route_label(decision.route)
        workflow.add_step(db, application, None, Action.DECIDE.value, before,
                          f"转人工审核（{route.zh}）：{reasons.zh}")
        workflow.tell(db, application, notices.REFERRED)
    return decision


def recommended(decision: Decision) -> str | None:
    """What the policy recommended, or None when it left the decision to people.

    Its own outcome when it decided; for a referral, the engine's ``recommended_outcome`` when it
    gives one; else *approved* when only the authority (amount, grade) sent it to people, *declined*
    when the limit is under the product's minimum, and None when a referral rule fired or data was
    missing (then no human result differs from the policy's)."""
    if decision.outcome in ("approved", "declined"):
        return decision.outcome
    try:
        result = json.loads(decision.result_json)
    except ValueError:
        return None
    found = result.get("recommended_outcome")
    if found in ("approved", "declined"):
        return found
    kinds = {r.get("kind") for r in result.get("reasons") or [] if isinstance(r, dict)}
    codes = {r.get("code") for r in result.get("reasons") or [] if isinstance(r, dict)}
    if kinds & {"referral", "data_missing"}:
        return None
    if "limit_below_minimum" in codes:
        return "declined"
    return "approved"


def check_override(decision: Decision, human: str, reason: str | None) -> bool:
    """Whether ``human`` differs from the policy's recommendation; then a reason is required."""
    automatic = recommended(decision)
    differs = automatic is not None and automatic != human
    if differs and not (reason or "").strip():
        raise Invalid("override_reason_required", Text(
            "该结果与授信政策的自动结果不同（人工推翻），请写明理由",
            "This differs from the credit policy's result (an override): say why"), "comment")
    return differs


def _override(db: Session, application: Application, decision: Decision, human: str, stage: str, user: User | None,
              reason: str) -> None:
    automatic = recommended(decision) or "referred"
    db.add(DecisionOverride(application_id=application.id, decision_id=decision.id, automatic=automatic, human=human,
                            stage=stage, user_id=user.id if user else None,
                            username=user.username if user else "committee", reason=reason, at=utcnow()))
    db.flush()
    record(db, _who(user), events.DecisionOverridden(entity_id=application.id, no=application.no,
                                                     decision_id=decision.id, automatic=automatic, human=human,
                                                     stage=stage, reason=reason))


def approve(db: Session, *, application: Application, decision: Decision, action: Action, user: User | None,
            note: Text, stage: str | None = None, reason: str | None = None):
    """Approved (by the policy at submission, an approver, or the committee): an offer is made."""
    before, after = workflow.system_move(application, action, Result.APPROVE,
                                         actors=workflow_actors(action))
    application.outcome = "approved"
    application.decision_reason = note.zh
    application.decided_at = utcnow()
    workflow.move(application, after)
    workflow.add_step(db, application, user if action is not Action.RESOLVE else None, action.value, before, note.zh)
    db.flush()
    record(db, _who(user), application_events.ApplicationDecided(**workflow.event_base(application, before),
                                                                  outcome="approved", reason=note.zh))
    if stage is not None and check_override(decision, "approved", reason):
        _override(db, application, decision, "approved", stage, user, reason or "")
    offer = offers.make(db, application=application, decision=decision)
    record(db, _who(user), events.OfferMade(
        entity_id=offer.id, application_id=application.id, no=application.no, decision_id=decision.id,
        amount=str(offer.amount), annual_rate=str(offer.annual_rate), apr=str(offer.apr),
        repayment_method=offer.repayment_method, term_months=offer.term_months, expires_on=offer.expires_on.isoformat()))
    workflow.tell(db, application, notices.APPROVED, amount=f"{offer.amount:,.2f}", apr=f"{offer.apr}",
                  expires=offer.expires_on.isoformat())
    return offer


def decline(db: Session, *, application: Application, decision: Decision, action: Action, user: User | None,
            reason: Text, stage: str | None = None, comment: str | None = None) -> None:
    """Declined (by the policy at submission, a reviewer, an approver or the committee)."""
    before, after = workflow.system_move(application, action, Result.DECLINE, actors=workflow_actors(action))
    application.outcome = "declined"
    application.decision_reason = reason.zh
    application.decided_at = utcnow()
    workflow.move(application, after)
    workflow.add_step(db, application, user if action is not Action.RESOLVE else None, action.value, before, reason.zh)
    db.flush()
    record(db, _who(user), application_events.ApplicationDecided(**workflow.event_base(application, before),
                                                                  outcome="declined", reason=reason.zh))
    if stage is not None and check_override(decision, "declined", comment):
        _override(db, application, decision, "declined", stage, user, comment or "")
    workflow.tell(db, application, notices.DECLINED, reasons=reason)


def workflow_actors(action: Action):
    """The kinds of actor a move is checked as: the policy decides and resolves; people review."""
    from smecredit.applications.states import Actor

    if action in (Action.DECIDE, Action.RESOLVE):
        return (Actor.POLICY,)
    return tuple(Actor)
