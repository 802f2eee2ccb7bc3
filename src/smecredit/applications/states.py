"""The application's state machine, written down once: one transition table.

Pure (no database, no web). Every use case in `applications/service.py` asks `transition(...)`
for the next state before it writes anything, and the API's ``allowed_actions`` comes from
`allowed_actions(...)`: what the table allows the caller's kinds of actor in the current state.
An action the table does not allow raises `IllegalTransition` (a `Conflict`, answered 409) naming
the current state and the actions allowed now.

The table says *which kind of actor* may act (the applicant's side, a handler — loan officer or
credit reviewer —, an approver, a committee member, the credit policy itself); *which person* of
that kind (the enterprise's member, the application's assignee, an approver who did not handle
it, within their authority) is the use case's check on top. Where one action leads to several
states (a review approves, declines or returns) its `Result` picks the row.

Stage 4 (decisioning) added the policy's automatic decision at submission, the review (审查),
approval (审批) and committee (贷审会) stages and the offer; later stages (contracts,
disbursement) add theirs to `TRANSITIONS` the same way. The diagram in `docs/applications.md` is
generated from it (`mermaid()`), and a test fails when the document is out of date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from smecredit.identity.roles import Role
from smecredit.kernel.errors import Conflict
from smecredit.kernel.text import Text


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    DOCUMENTS_REQUESTED = "documents_requested"
    RESUBMITTED = "resubmitted"
    AWAITING_APPROVAL = "awaiting_approval"  # the reviewer approved; an approver (审批) is next
    COMMITTEE = "committee"  # the credit committee (贷审会) votes
    APPROVED = "approved"  # an offer is made and waits for the applicant
    DECLINED = "declined"
    OFFER_ACCEPTED = "offer_accepted"
    OFFER_DECLINED = "offer_declined"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    UPDATE_TERMS = "update_terms"  # amount, term, repayment method, guarantee mode, purpose (draft only)
    EDIT_DOCUMENTS = "edit_documents"  # attach or remove a document (draft, or answering 补件)
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    CLAIM = "claim"
    START_REVIEW = "start_review"
    REQUEST_DOCUMENTS = "request_documents"
    RESUBMIT = "resubmit"
    RELEASE = "release"  # the assignee hands it back to the queue (另一位经办/审查人可认领)
    DECIDE = "decide"  # the credit policy decides at submission (approve, decline or refer to people)
    REVIEW = "review"  # a reviewer's 审查 or an approver's 审批: approve, decline or return
    VOTE = "vote"  # a committee member's vote
    RESOLVE = "resolve"  # the committee's resolution, once the votes reach the quorum
    ACCEPT_OFFER = "accept_offer"
    DECLINE_OFFER = "decline_offer"


class Actor(StrEnum):
    """Kinds of actor, from roles: who sits on which side of the application."""

    APPLICANT = "applicant"  # acts for the enterprise: a member, or its officer applying on its behalf
    HANDLER = "handler"  # works the application: loan officer, credit reviewer
    APPROVER = "approver"  # 审批
    COMMITTEE = "committee"  # a member of the credit committee (贷审会): approvers and risk managers
    POLICY = "policy"  # the credit policy, deciding by itself (no person)


class Result(StrEnum):
    """Where one action leads to several states, the result picks the row."""

    APPROVE = "approve"
    DECLINE = "decline"
    RETURN = "return"
    REFER = "refer"  # the policy sends it to people
    TO_COMMITTEE = "to_committee"  # an approver approves, and the authority matrix wants the committee


class Outcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"


@dataclass(frozen=True)
class Transition:
    state: State
    action: Action
    actor: Actor
    to: State
    result: Result | None = None


A, H, P, C, X = Actor.APPLICANT, Actor.HANDLER, Actor.APPROVER, Actor.COMMITTEE, Actor.POLICY
R = Result
S = State
ACTIVE_BEFORE_DECISION = (S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.DOCUMENTS_REQUESTED, S.RESUBMITTED,
                          S.AWAITING_APPROVAL, S.COMMITTEE)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.DRAFT, Action.UPDATE_TERMS, A, S.DRAFT),
    Transition(S.DRAFT, Action.EDIT_DOCUMENTS, A, S.DRAFT),
    Transition(S.DRAFT, Action.SUBMIT, A, S.SUBMITTED),
    # Submitting decides at once (the same transaction): the policy approves (an offer is made),
    # declines, or refers the application to people — it stays in the queue with the reasons.
    Transition(S.SUBMITTED, Action.DECIDE, X, S.APPROVED, R.APPROVE),
    Transition(S.SUBMITTED, Action.DECIDE, X, S.DECLINED, R.DECLINE),
    Transition(S.SUBMITTED, Action.DECIDE, X, S.SUBMITTED, R.REFER),
    Transition(S.SUBMITTED, Action.CLAIM, H, S.SUBMITTED),
    Transition(S.SUBMITTED, Action.START_REVIEW, H, S.UNDER_REVIEW),
    Transition(S.UNDER_REVIEW, Action.REQUEST_DOCUMENTS, H, S.DOCUMENTS_REQUESTED),
    # 审查: the reviewer who claimed it approves (an approver is next), declines, or returns it to
    # the applicant with what is needed (补件).
    Transition(S.UNDER_REVIEW, Action.REVIEW, H, S.AWAITING_APPROVAL, R.APPROVE),
    Transition(S.UNDER_REVIEW, Action.REVIEW, H, S.DECLINED, R.DECLINE),
    Transition(S.UNDER_REVIEW, Action.REVIEW, H, S.DOCUMENTS_REQUESTED, R.RETURN),
    Transition(S.DOCUMENTS_REQUESTED, Action.EDIT_DOCUMENTS, A, S.DOCUMENTS_REQUESTED),
    Transition(S.DOCUMENTS_REQUESTED, Action.RESUBMIT, A, S.RESUBMITTED),
    Transition(S.RESUBMITTED, Action.CLAIM, H, S.RESUBMITTED),
    Transition(S.RESUBMITTED, Action.START_REVIEW, H, S.UNDER_REVIEW),
    # 审批: an approver within their authority approves (an offer is made, or the committee is
    # next when the authority matrix says so), declines, or returns it to the reviewer.
    Transition(S.AWAITING_APPROVAL, Action.REVIEW, P, S.APPROVED, R.APPROVE),
    Transition(S.AWAITING_APPROVAL, Action.REVIEW, P, S.COMMITTEE, R.TO_COMMITTEE),
    Transition(S.AWAITING_APPROVAL, Action.REVIEW, P, S.DECLINED, R.DECLINE),
    Transition(S.AWAITING_APPROVAL, Action.REVIEW, P, S.UNDER_REVIEW, R.RETURN),
    # 贷审会: members vote with a comment; when the votes reach the quorum, the majority decides.
    Transition(S.COMMITTEE, Action.VOTE, C, S.COMMITTEE),
    Transition(S.COMMITTEE, Action.RESOLVE, X, S.APPROVED, R.APPROVE),
    Transition(S.COMMITTEE, Action.RESOLVE, X, S.DECLINED, R.DECLINE),
    # The offer: the applicant accepts or declines it.
    Transition(S.APPROVED, Action.ACCEPT_OFFER, A, S.OFFER_ACCEPTED),
    Transition(S.APPROVED, Action.DECLINE_OFFER, A, S.OFFER_DECLINED),
    # Hand-over: the assignee releases the application (it keeps its state), and another handler
    # claims it where it stands — a reviewer takes over what an officer began.
    *(Transition(state, Action.RELEASE, H, state)
      for state in (S.SUBMITTED, S.UNDER_REVIEW, S.DOCUMENTS_REQUESTED, S.RESUBMITTED)),
    Transition(S.UNDER_REVIEW, Action.CLAIM, H, S.UNDER_REVIEW),
    Transition(S.DOCUMENTS_REQUESTED, Action.CLAIM, H, S.DOCUMENTS_REQUESTED),
    # The applicant may withdraw at any time before the decision.
    *(Transition(state, Action.WITHDRAW, A, S.WITHDRAWN) for state in ACTIVE_BEFORE_DECISION),
)

_TABLE: dict[tuple[State, Action, Actor, Result | None], State] = {
    (t.state, t.action, t.actor, t.result): t.to for t in TRANSITIONS}
assert len(_TABLE) == len(TRANSITIONS), "one transition per (state, action, actor, result)"
#: The actions that need a result to pick their row.
WITH_RESULT: frozenset[Action] = frozenset(t.action for t in TRANSITIONS if t.result is not None)
assert all(t.result is not None for t in TRANSITIONS if t.action in WITH_RESULT)

INITIAL = S.DRAFT
FINAL: frozenset[State] = frozenset(s for s in State if not any(t.state is s for t in TRANSITIONS))

STATE_LABELS: dict[str, Text] = {
    S.DRAFT: Text("草稿", "Draft"),
    S.SUBMITTED: Text("已提交", "Submitted"),
    S.UNDER_REVIEW: Text("审查中", "Under review"),
    S.DOCUMENTS_REQUESTED: Text("待补件", "Documents requested"),
    S.RESUBMITTED: Text("已补件", "Resubmitted"),
    S.AWAITING_APPROVAL: Text("待审批", "Awaiting approval"),
    S.COMMITTEE: Text("贷审会审议中", "Before the credit committee"),
    S.APPROVED: Text("已批准，待确认方案", "Approved: offer waiting"),
    S.DECLINED: Text("未获批准", "Declined"),
    S.OFFER_ACCEPTED: Text("已接受授信方案", "Offer accepted"),
    S.OFFER_DECLINED: Text("已放弃授信方案", "Offer declined"),
    S.WITHDRAWN: Text("已撤回", "Withdrawn"),
}

ACTION_LABELS: dict[str, Text] = {
    Action.UPDATE_TERMS: Text("修改申请条件", "Change the terms"),
    Action.EDIT_DOCUMENTS: Text("上传或删除材料", "Upload or remove documents"),
    Action.SUBMIT: Text("提交申请", "Submit"),
    Action.WITHDRAW: Text("撤回申请", "Withdraw"),
    Action.CLAIM: Text("认领", "Claim"),
    Action.START_REVIEW: Text("开始审查", "Start review"),
    Action.REQUEST_DOCUMENTS: Text("要求补件", "Request documents"),
    Action.RESUBMIT: Text("补件后重新提交", "Resubmit"),
    Action.RELEASE: Text("放回队列", "Hand back to the queue"),
    Action.DECIDE: Text("自动决策", "Automatic decision"),
    Action.REVIEW: Text("审查/审批", "Review or approve"),
    Action.VOTE: Text("贷审会表决", "Committee vote"),
    Action.RESOLVE: Text("贷审会决议", "Committee resolution"),
    Action.ACCEPT_OFFER: Text("接受授信方案", "Accept the offer"),
    Action.DECLINE_OFFER: Text("放弃授信方案", "Decline the offer"),
}

RESULT_LABELS: dict[str, Text] = {
    R.APPROVE: Text("通过", "approve"),
    R.DECLINE: Text("否决", "decline"),
    R.RETURN: Text("退回", "return"),
    R.REFER: Text("转人工", "refer"),
    R.TO_COMMITTEE: Text("提交贷审会", "to the committee"),
}

ACTOR_LABELS: dict[str, Text] = {
    A: Text("申请方", "Applicant"),
    H: Text("客户经理/审查员", "Officer or reviewer"),
    P: Text("审批人", "Approver"),
    C: Text("贷审会委员", "Committee member"),
    X: Text("授信政策", "Credit policy"),
}

OUTCOME_LABELS: dict[str, Text] = {
    Outcome.APPROVED: Text("批准", "Approved"),
    Outcome.DECLINED: Text("拒绝", "Declined"),
}

ROLE_ACTORS: dict[Role, frozenset[Actor]] = {
    Role.APPLICANT: frozenset({A}),
    Role.LOAN_OFFICER: frozenset({H}),
    Role.CREDIT_REVIEWER: frozenset({H}),
    Role.APPROVER: frozenset({P, C}),
    Role.RISK_MANAGER: frozenset({C}),
}


def actors_of(roles: Iterable[Role]) -> frozenset[Actor]:
    """The kinds of actor a user's roles make them (an officer may also apply on an enterprise's
    behalf: that is the use case's decision, made with `Actor.APPLICANT` added explicitly)."""
    return frozenset(a for r in roles if r in ROLE_ACTORS for a in ROLE_ACTORS[r])


def state_label(state: str) -> Text:
    return STATE_LABELS.get(state, Text(state, state))


def allowed_actions(state: str, actors: Iterable[Actor]) -> tuple[Action, ...]:
    """The actions the table allows these kinds of actor in ``state``, in the table's order."""
    kinds = frozenset(actors)
    seen: list[Action] = []
    for t in TRANSITIONS:
        if t.state == state and t.actor in kinds and t.action not in seen:
            seen.append(t.action)
    return tuple(seen)


class IllegalTransition(Conflict):
    """The action is not allowed in the current state (for this kind of actor)."""


def transition(state: str, action: Action, actors: Iterable[Actor], result: Result | None = None) -> State:
    """The next state, or `IllegalTransition` with the current state and the actions allowed now.
    Actions in `WITH_RESULT` name their result (which of their rows applies)."""
    kinds = frozenset(actors)
    key_result = Result(result) if result is not None and Action(action) in WITH_RESULT else None
    for actor in Actor:  # a fixed order, so a person with two kinds gets one answer
        if actor in kinds:
            to = _TABLE.get((State(state), Action(action), actor, key_result))
            if to is not None:
                return to
    raise illegal(state, action, kinds)


def illegal(state: str, action: str, actors: Iterable[Actor]) -> IllegalTransition:
    allowed = allowed_actions(state, actors)
    label = state_label(state)
    action_label = ACTION_LABELS.get(action, Text(action, action))
    now = Text.join([ACTION_LABELS[a] for a in allowed], sep_zh="、", sep_en=", ") if allowed else Text("无", "none")
    return IllegalTransition(
        "illegal_transition",
        Text(f"申请当前状态为「{label.zh}」，不能{action_label.zh}；现在可以：{now.zh}",
             f"The application is {label.en.lower()}: it cannot be done now ({action_label.en}); allowed now: {now.en}"),
        "status",
        {"status": str(state), "action": str(action), "allowed_actions": [a.value for a in allowed]},
    )


# --- the diagram -------------------------------------------------------------------------------------

DIAGRAM_BEGIN = "<!-- state-diagram: generated by smecredit.applications.states.mermaid(); do not edit -->"
DIAGRAM_END = "<!-- /state-diagram -->"


def mermaid() -> str:
    """The transition table as a Mermaid state diagram (states named in Chinese and English)."""
    lines = ["```mermaid", "stateDiagram-v2"]
    for state in State:
        label = STATE_LABELS[state]
        lines.append(f'    state "{label.zh} {label.en}" as {state.value}')
    lines.append(f"    [*] --> {INITIAL.value}")
    for t in TRANSITIONS:
        action = ACTION_LABELS[t.action]
        if t.result is None:
            lines.append(f"    {t.state.value} --> {t.to.value}: {action.zh} {t.action.value} ({ACTOR_LABELS[t.actor].en})")
        else:
            result = RESULT_LABELS[t.result]
            lines.append(f"    {t.state.value} --> {t.to.value}: {action.zh}·{result.zh} {t.action.value}/{t.result.value} "
                         f"({ACTOR_LABELS[t.actor].en})")
    for state in State:
        if state in FINAL:
            lines.append(f"    {state.value} --> [*]")
    lines.append("```")
    return "\n".join(lines)


def diagram_block() -> str:
    return f"{DIAGRAM_BEGIN}\n{mermaid()}\n{DIAGRAM_END}"


def with_diagram(document: str) -> str:
    """``document`` with its generated block replaced by the current diagram."""
    begin = document.index(DIAGRAM_BEGIN)
    end = document.index(DIAGRAM_END) + len(DIAGRAM_END)
    return document[:begin] + diagram_block() + document[end:]
