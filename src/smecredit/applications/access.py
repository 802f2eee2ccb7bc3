"""Who may see an application and which of the table's actions each person may take: pure
predicates over plain facts (no database, no web). `applications/records.py` applies them to a
loaded row; `applications/deps.py` makes them route dependencies.

* Applicants see only the applications of enterprises they are confirmed members of; any other
  application answers exactly like a missing one (no existence oracle).
* A loan officer sees the applications of the enterprises in their portfolio (their own, their
  branch's, the unassigned queue) and those assigned to them; the officer of the enterprise may
  also act on the applicant's side (applying on its behalf).
* Credit reviewers, approvers, risk managers, auditors and administrators see every application.
* Handling (claim, review, 补件) needs a handler's role; reviewing (审查) and requesting documents
  need the application to be claimed by that person. Approving (审批) and voting in the committee
  need someone who neither handled the application nor acted on the applicant's side, and a
  committee member votes once a round (four-eyes). Whether the amount and grade are within the
  person's authority is the credit policy's matrix, checked by the use case
  (`decisioning/reviews.py`).
* Only the enterprise's own members answer an offer (its officer applies on its behalf, but does
  not borrow for it).
"""

from __future__ import annotations

from dataclasses import dataclass

from smecredit.enterprises.access import Action as EnterpriseAction
from smecredit.enterprises.access import EnterpriseFacts, Viewer, in_portfolio, in_queue
from smecredit.enterprises.access import decide as decide_enterprise
from smecredit.applications.states import Action, Actor, actors_of, allowed_actions
from smecredit.identity import permissions as perms
from smecredit.identity.roles import Role
from smecredit.kernel.errors import Conflict, Forbidden
from smecredit.kernel.text import Text


@dataclass(frozen=True)
class ApplicationFacts:
    status: str
    enterprise: EnterpriseFacts
    applicant_id: int | None  # who created it
    assignee_id: int | None
    handler_ids: frozenset[int] = frozenset()  # everyone who claimed, reviewed or requested documents
    applicant_side_ids: frozenset[int] = frozenset()  # everyone who acted on the applicant's side
    reviewer_ids: frozenset[int] = frozenset()  # everyone who gave a 审查 or 审批 opinion
    voter_ids: frozenset[int] = frozenset()  # the committee members who voted in the current round


def visible(viewer: Viewer, facts: ApplicationFacts) -> bool:
    if perms.ENTERPRISE_READ_ALL.held_by(viewer.roles):
        return True
    if Role.APPLICANT in viewer.roles and viewer.user_id in facts.enterprise.member_ids:
        return True
    if Role.LOAN_OFFICER in viewer.roles:
        if facts.assignee_id == viewer.user_id:
            return True
        return decide_enterprise(viewer, facts.enterprise, EnterpriseAction.VIEW).allowed
    return False


def acts_for_applicant(viewer: Viewer, facts: ApplicationFacts | EnterpriseFacts) -> bool:
    """A confirmed member of the enterprise, or the loan officer whose portfolio holds it."""
    enterprise = facts.enterprise if isinstance(facts, ApplicationFacts) else facts
    if Role.APPLICANT in viewer.roles and viewer.user_id in enterprise.member_ids:
        return True
    return Role.LOAN_OFFICER in viewer.roles and in_portfolio(viewer, enterprise)


def may_apply_for(viewer: Viewer, enterprise: EnterpriseFacts) -> bool:
    return acts_for_applicant(viewer, enterprise)


def actor_kinds(viewer: Viewer, facts: ApplicationFacts) -> frozenset[Actor]:
    kinds = set(actors_of(viewer.roles)) - {Actor.APPLICANT}
    if acts_for_applicant(viewer, facts):
        kinds.add(Actor.APPLICANT)
    return frozenset(kinds)


_NOT_YOURS = Text("该申请已由他人认领", "Someone else has claimed this application")


def refusal(viewer: Viewer, facts: ApplicationFacts, action: Action) -> Forbidden | Conflict | None:
    """Why this person may not take an action the table allows their kind of actor, or None."""
    if action is Action.CLAIM:
        if facts.assignee_id is not None and facts.assignee_id != viewer.user_id:
            return Conflict("already_claimed", _NOT_YOURS, "assignee")
        if facts.assignee_id == viewer.user_id:
            return Conflict("already_claimed", Text("您已认领该申请", "You have claimed this application already"), "assignee")
    if action in (Action.START_REVIEW, Action.REQUEST_DOCUMENTS, Action.RELEASE):
        if facts.assignee_id is None:
            return Conflict("not_claimed", Text("请先认领该申请", "Claim the application first"), "assignee")
        if facts.assignee_id != viewer.user_id:
            return Conflict("already_claimed", _NOT_YOURS, "assignee")
    if action in (Action.REVIEW, Action.VOTE) and facts.status != "under_review":
        # 审批 and 贷审会: four-eyes against everyone who prepared or worked the application
        if viewer.user_id in facts.handler_ids or viewer.user_id == facts.assignee_id:
            return Forbidden("four_eyes", Text("审批人和贷审会委员不能是经办或审查该申请的人（双人原则）",
                                               "Approvers and committee members may not be someone who handled or "
                                               "reviewed the application (four-eyes)"))
        if viewer.user_id in facts.applicant_side_ids or viewer.user_id == facts.applicant_id:
            return Forbidden("four_eyes", Text("审批人和贷审会委员不能是代为申请的人（双人原则）",
                                               "Approvers and committee members may not be someone who applied (four-eyes)"))
    if action is Action.REVIEW and facts.status == "under_review":
        if facts.assignee_id is None:
            return Conflict("not_claimed", Text("请先认领该申请", "Claim the application first"), "assignee")
        if facts.assignee_id != viewer.user_id:
            return Conflict("already_claimed", _NOT_YOURS, "assignee")
    if action is Action.VOTE and viewer.user_id in facts.voter_ids:
        return Conflict("already_voted", Text("您已在本轮贷审会表决，每位委员每轮只能表决一次",
                                              "You have voted in this round already: one vote per member"), "action")
    if action in (Action.ACCEPT_OFFER, Action.DECLINE_OFFER):
        if not (Role.APPLICANT in viewer.roles and viewer.user_id in facts.enterprise.member_ids):
            return Forbidden("members_only", Text("授信方案只能由企业成员本人接受或放弃",
                                                  "Only a member of the enterprise may accept or decline its offer"))
    return None


def actions_for(viewer: Viewer, facts: ApplicationFacts) -> tuple[Action, ...]:
    """What this person may do now: the table's actions for their kinds, less those refused."""
    if not visible(viewer, facts):
        return ()
    return tuple(a for a in allowed_actions(facts.status, actor_kinds(viewer, facts))
                 if refusal(viewer, facts, a) is None)


__all__ = ["ApplicationFacts", "visible", "acts_for_applicant", "may_apply_for", "actor_kinds", "refusal",
           "actions_for", "in_queue"]
