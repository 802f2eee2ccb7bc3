"""What people do with a referred application, and the applicant with the offer: the use cases
behind `POST /api/v1/applications/{id}/reviews` and `…/offer/accept|decline`.

* **审查 (review)** — the reviewer who claimed the application (state *under review*) approves it
  (an approver is next), declines it, or returns it to the applicant with what is needed (补件).
* **审批 (approval)** — an approver (state *awaiting approval*) approves within their authority
  (an offer is made) — or, when the amount or grade is above it, sends it to the committee —,
  declines it, or returns it to the reviewer.
* **贷审会 (committee)** — members (approvers and risk managers) vote approve or decline with a
  comment, once a round; when the votes reach the quorum, the majority decides and the members
  who voted against are the recorded dissent.

Who may act is checked here, in the service, not only in the pages: the state table and the
person rules (`applications/access.py`: the assignee reviews; four-eyes), then the policy's
authority matrix (`authority.may_act`: roles, amount and grade, four-eyes) — 403 with the reason.
A human result that differs from the policy's needs a reason (an override, kept and listed).

Every use case locks the application row first (before the audit head): two approvers at once,
a member voting twice, an accept racing a decline end in one result and a 409 for the others.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smecredit.applications import rules, workflow
from smecredit.applications import states
from smecredit.applications.access import actor_kinds, refusal
from smecredit.applications.models import Application, DocumentRequest, DocumentRequestItem
from smecredit.applications.records import facts_of, lock, voters_this_round
from smecredit.applications.states import Action, Result, State
from smecredit.audit.log import record
from smecredit.decisioning import authority, events, notices, offers, outcomes, service
from smecredit.decisioning.models import CommitteeVote, Decision, DecisionReview
from smecredit.enterprises.records import viewer_of
from smecredit.identity.models import User
from smecredit.identity.sessions import actor_of
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.errors import Conflict, Forbidden, Invalid
from smecredit.kernel.inputs import clean_text
from smecredit.kernel.text import Text

ACTIONS = ("approve", "decline", "return")
STAGE_OF_STATE = {State.UNDER_REVIEW.value: "review", State.AWAITING_APPROVAL.value: "approval",
                  State.COMMITTEE.value: "committee"}
COMMENT_MAX = 1000
#: Refusals at the approval stage that mean "this goes to the committee", not "you may not".
TO_COMMITTEE = frozenset({"above_approval_authority", "below_approval_grade"})

ACTION_LABELS: dict[str, Text] = {
    "approve": Text("同意", "Approve"),
    "decline": Text("否决", "Decline"),
    "return": Text("退回", "Return"),
}
STAGE_LABELS: dict[str, Text] = {
    "review": Text("审查", "Review"),
    "approval": Text("审批", "Approval"),
    "committee": Text("贷审会", "Committee"),
}


def _action(value: object) -> str:
    if value not in ACTIONS:
        raise Invalid("invalid_action", Text("请选择同意、否决或退回", "Choose approve, decline or return"), "action")
    return str(value)


def _comment(value: object, *, required: bool) -> str | None:
    if value is not None and not isinstance(value, str):
        raise Invalid("invalid_comment", Text("意见须为文字", "The comment must be text"), "comment")
    return clean_text(value, "comment", required=required, max_len=COMMENT_MAX, name=False,
                      label=Text("审批意见", "The comment"))


def _prepared_by(application: Application, *, everyone: bool) -> set[int]:
    """Who prepared the application: the applicant's side and the loan officers who handled it
    (``everyone``: every handler, the reviewer too — for approval and the committee)."""
    from smecredit.applications.records import APPLICANT_STEPS, HANDLER_STEPS

    ids = {s.actor_id for s in application.steps if s.actor_id and s.action in APPLICANT_STEPS}
    if application.applicant_id:
        ids.add(application.applicant_id)
    ids |= {s.actor_id for s in application.steps if s.actor_id and s.action in HANDLER_STEPS
            and (everyone or s.actor_role == "loan_officer")}
    return ids


def _reviewed_by(db: Session, application: Application, stage: str = "review") -> set[int]:
    """Who acted on the application in ``stage`` (审查, or 审批)."""
    return set(db.execute(select(DecisionReview.user_id).where(DecisionReview.application_id == application.id,
                                                               DecisionReview.stage == stage,
                                                               DecisionReview.user_id.is_not(None))).scalars())


def _round(application: Application) -> int:
    return max(1, sum(1 for s in application.steps if s.to_status == State.COMMITTEE and s.from_status != State.COMMITTEE))


def _refuse(refused: authority.Refusal) -> Forbidden:
    return Forbidden(refused.code, refused.message, "action")


def review(db: Session, *, user: User, application: Application, action: object, comment: object = None) -> Application:
    """One reviewer's, approver's or committee member's act on a referred application."""
    action = _action(action)
    application = lock(db, application)
    stage = STAGE_OF_STATE.get(application.status)
    viewer = viewer_of(user)
    facts = facts_of(db, application)
    kinds = actor_kinds(viewer, facts)
    if stage is None:
        raise states.illegal(application.status, Action.REVIEW, kinds)
    decision = service.ensure_decision(db, application=application)
    matrix = service.authority_of(db, decision)
    _check_role(matrix, stage, user, decision, application)
    if stage == "committee":
        return _vote(db, user=user, application=application, action=action, comment=comment, kinds=kinds)
    comment = _comment(comment, required=action != "approve")
    states.transition(application.status, Action.REVIEW, kinds, Result.APPROVE if action == "approve"
                      else Result.DECLINE if action == "decline" else Result.RETURN)
    refused = refusal(viewer, facts, Action.REVIEW)
    if refused is not None:
        raise refused
    amount = decision.approved_amount or application.amount
    check = authority.may_act(matrix, stage=stage, roles=[r.value for r in user.roles], amount=amount,
                              grade=decision.grade, user_id=user.id,
                              prepared_by=_prepared_by(application, everyone=stage != "review"),
                              reviewed_by=_reviewed_by(db, application) if stage != "review" else ())
    to_committee = False
    if check is not None:
        if stage == "approval" and check.code in TO_COMMITTEE:
            to_committee = action == "approve"  # declining or returning needs no more authority
        else:
            raise _refuse(check)
    before = application.status
    _review_row(db, application, decision, stage, user, action, comment)
    note = f"{STAGE_LABELS[stage].zh}{ACTION_LABELS[action].zh}" + (f"：{comment}" if comment else "")
    if action == "approve" and stage == "review":
        _simple_move(db, application, user, Result.APPROVE, note)
    elif action == "approve" and to_committee:
        _simple_move(db, application, user, Result.TO_COMMITTEE,
                     f"{note}（{check.message.zh}）" if check is not None else note)
    elif action == "approve":
        outcomes.approve(db, application=application, decision=decision, action=Action.REVIEW, user=user,
                         note=Text(note, f"{STAGE_LABELS[stage].en}: approved" + (f": {comment}" if comment else "")),
                         stage=stage, reason=comment)
    elif action == "decline":
        outcomes.decline(db, application=application, decision=decision, action=Action.REVIEW, user=user,
                         reason=Text(comment or "", comment or ""), stage=stage, comment=comment)
    elif stage == "review":
        _return_to_applicant(db, application, user, comment or "", note)
    else:
        _simple_move(db, application, user, Result.RETURN, note)
    record(db, actor_of(user), events.DecisionReviewed(entity_id=application.id, no=application.no,
                                                       decision_id=decision.id, stage=stage, review_action=action,
                                                       comment=comment, from_status=before, to_status=application.status))
    return application


def _check_role(matrix, stage: str, user: User, decision: Decision, application: Application) -> None:
    """First: is this stage the person's at all (审查 is the reviewer's, 审批 the approver's, the
    committee its members')? 403 with the reason, before anything else is checked."""
    check = authority.may_act(matrix, stage=stage, roles=[r.value for r in user.roles],
                              amount=decision.approved_amount or application.amount, grade=decision.grade, user_id=user.id)
    if check is not None and check.code == "not_your_role":
        raise _refuse(check)


def _review_row(db: Session, application: Application, decision: Decision, stage: str, user: User | None, action: str,
                comment: str | None, round_: int = 1) -> DecisionReview:
    row = DecisionReview(application_id=application.id, decision_id=decision.id, stage=stage,
                         user_id=user.id if user else None, username=user.username if user else "committee",
                         role=user.primary_role.value if user else "committee", action=action, comment=comment,
                         round=round_, at=utcnow())
    db.add(row)
    return row


def _simple_move(db: Session, application: Application, user: User, result: Result, note: str) -> None:
    before = application.status
    after = states.transition(before, Action.REVIEW, states.Actor, result)
    workflow.move(application, after)
    workflow.add_step(db, application, user, Action.REVIEW.value, before, note)
    db.flush()


def _return_to_applicant(db: Session, application: Application, user: User, comment: str, note: str) -> None:
    """The reviewer returns it to the applicant: a 补件 request (其他材料) with the comment as reason."""
    from smecredit.applications import notices as application_notices

    now = utcnow()
    request = DocumentRequest(application_id=application.id, requested_by_id=user.id, created_at=now)
    request.items.append(DocumentRequestItem(kind=rules.OTHER_KIND, reason=comment[:rules.REASON_MAX]))
    db.add(request)
    application.requests.append(request)
    _simple_move(db, application, user, Result.RETURN, note)
    workflow.tell(db, application, application_notices.DOCUMENTS_REQUESTED,
                  items=Text(f"{rules.OTHER.label.zh}（{comment}）", f"{rules.OTHER.label.en} ({comment})"))


# --- the committee -----------------------------------------------------------------------------------------

def _vote(db: Session, *, user: User, application: Application, action: str, comment: object, kinds) -> Application:
    if action == "return":
        raise Invalid("vote_approve_or_decline", Text("贷审会委员表决只能同意或否决", "A committee vote is approve or decline"),
                      "action")
    comment = _comment(comment, required=True)
    states.transition(application.status, Action.VOTE, kinds)
    viewer = viewer_of(user)
    refused = refusal(viewer, facts_of(db, application), Action.VOTE)
    if refused is not None:
        raise refused
    decision = service.ensure_decision(db, application=application)
    matrix = service.authority_of(db, decision)
    round_ = _round(application)
    voted = set(db.execute(select(CommitteeVote.user_id).where(CommitteeVote.application_id == application.id,
                                                               CommitteeVote.round == round_)).scalars())
    voted |= voters_this_round(application.steps)
    check = authority.may_act(matrix, stage="committee", roles=[r.value for r in user.roles],
                              amount=decision.approved_amount or application.amount, grade=decision.grade,
                              user_id=user.id, prepared_by=_prepared_by(application, everyone=True),
                              reviewed_by=_reviewed_by(db, application), voted_by=voted,
                              approved_by=_reviewed_by(db, application, "approval"))
    if check is not None:
        raise _refuse(check)
    try:
        with db.begin_nested():
            db.add(CommitteeVote(application_id=application.id, decision_id=decision.id, round=round_, user_id=user.id,
                                 username=user.username, role=user.primary_role.value, vote=action, comment=comment,
                                 at=utcnow()))
            db.flush()
    except IntegrityError:  # the constraint behind the lock
        raise Conflict("already_voted", Text("您已在本轮贷审会表决", "You have voted in this round already"), "action") from None
    before = application.status
    workflow.move(application, states.transition(before, Action.VOTE, kinds))
    workflow.add_step(db, application, user, Action.VOTE.value, before, f"{ACTION_LABELS[action].zh}：{comment}")
    db.flush()
    record(db, actor_of(user), events.VoteCast(entity_id=application.id, no=application.no, decision_id=decision.id,
                                               round=round_, vote=action, comment=comment))
    votes = list(db.execute(select(CommitteeVote).where(CommitteeVote.application_id == application.id,
                                                        CommitteeVote.round == round_).order_by(CommitteeVote.id)).scalars())
    tally = authority.committee_tally(matrix, [authority.Vote(v.user_id, v.vote == "approve") for v in votes])
    if tally.status != "pending":
        _resolve(db, application, decision, round_, votes, tally)
    return application


def _resolve(db: Session, application: Application, decision: Decision, round_: int, votes, tally) -> None:
    result = "approve" if tally.status == "approved" else "decline"
    dissent = sorted(v.username for v in votes if v.vote != result)
    message = tally.message
    if dissent:
        message = Text(f"{message.zh}；反对意见：{'、'.join(dissent)}" if result == "approve" else
                       f"{message.zh}；持不同意见：{'、'.join(dissent)}",
                       f"{message.en}; dissent: {', '.join(dissent)}")
    _review_row(db, application, decision, "committee", None, result, message.zh, round_)
    comments = "；".join(v.comment for v in votes if v.vote == result)
    if result == "approve":
        outcomes.approve(db, application=application, decision=decision, action=Action.RESOLVE, user=None,
                         note=message, stage="committee", reason=comments)
    else:
        outcomes.decline(db, application=application, decision=decision, action=Action.RESOLVE, user=None,
                         reason=message, stage="committee", comment=comments)
    record(db, outcomes.SYSTEM, events.CommitteeResolved(
        entity_id=application.id, no=application.no, decision_id=decision.id, round=round_, result=result,
        approve=tally.votes_for, decline=tally.votes_against, quorum=tally.quorum, dissent=dissent,
        to_status=application.status))


# --- the offer ---------------------------------------------------------------------------------------------

def _offer_for(db: Session, application: Application):
    offer = offers.offer_of(db, application.id)
    if offer is None:
        raise Conflict("no_offer", Text("该申请没有授信方案", "There is no offer for this application"), "offer")
    if offers.status_of(offer, business_date()) == "expired":
        raise Conflict("offer_expired", Text(f"授信方案已于 {offer.expires_on.isoformat()} 过期，请重新申请",
                                             f"The offer expired on {offer.expires_on.isoformat()}; apply again"), "offer")
    if offer.status != "open":
        raise Conflict("offer_answered", Text("授信方案已答复", "The offer has been answered already"), "offer")
    return offer


def accept_offer(db: Session, *, user: User, application: Application) -> Application:
    application, before, after = workflow.begin(db, user, application, Action.ACCEPT_OFFER)
    offer = _offer_for(db, application)
    offer.status, offer.accepted_at, offer.answered_by_id = "accepted", utcnow(), user.id
    workflow.move(application, after)
    workflow.add_step(db, application, user, Action.ACCEPT_OFFER.value, before, f"{offer.amount:,.2f} 元")
    db.flush()
    record(db, actor_of(user), events.OfferAccepted(entity_id=offer.id, application_id=application.id,
                                                    no=application.no, amount=str(offer.amount)))
    workflow.tell(db, application, notices.OFFER_ACCEPTED, amount=f"{offer.amount:,.2f}")
    # Stage 5a: the accepted offer becomes a loan awaiting its contract and disbursement (owner: loans).
    from smecredit.loans.offers import open_from_offer

    open_from_offer(db, actor=actor_of(user), offer=offer, application=application)
    return application


def decline_offer(db: Session, *, user: User, application: Application, reason: object = None) -> Application:
    if reason is not None and not isinstance(reason, str):
        raise Invalid("invalid_reason", Text("原因须为文字", "The reason must be text"), "reason")
    reason = clean_text(reason, "reason", max_len=rules.REASON_MAX, name=False)
    application, before, after = workflow.begin(db, user, application, Action.DECLINE_OFFER)
    offer = _offer_for(db, application)
    offer.status, offer.declined_at, offer.answered_by_id = "declined", utcnow(), user.id
    workflow.move(application, after)
    workflow.add_step(db, application, user, Action.DECLINE_OFFER.value, before, reason)
    db.flush()
    record(db, actor_of(user), events.OfferDeclined(entity_id=offer.id, application_id=application.id,
                                                    no=application.no, reason=reason))
    workflow.tell(db, application, notices.OFFER_DECLINED)
    return application
