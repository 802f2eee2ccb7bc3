"""The approval authority matrix (授权审批): who may decide what, as pure answers over plain facts.

The matrix is part of the credit policy (`policy.parse` builds it from the ``authority`` section,
optionally overridden per segment):

* **automatic** — the platform approves on its own up to ``automatic.max_amount`` and only from
  ``automatic.min_grade`` (grades are ordered best first by the policy's grade table), and only
  when no referral rule sent the application to a person. Automatic declines need nobody.
* **review → approval** — above that, or when referred, a credit reviewer (审查) reviews and then an
  approver (审批) decides, up to ``approval.max_amount`` (and, when set, from ``approval.min_grade``).
* **committee** (贷审会) — above the approver's authority (or below their grade), members vote;
  with at least ``quorum`` votes the application is approved when the votes for it are more than
  ``approve_share`` of the votes cast (0.5: a simple majority; a tie declines). Votes against are the
  recorded dissent.

Four-eyes (双人原则): nobody reviews what they prepared (handled as loan officer or applied for on
the applicant's side); nobody approves, or votes on, what they prepared or reviewed; a committee
member votes once. `may_act` answers ``None`` (allowed) or a `Refusal` with the reason in Chinese
and English; the service calls it before every review, approval and vote (not only the pages).

Pure: no database, no web.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from smecredit.identity.roles import ROLE_LABELS, Role
from smecredit.kernel.text import Text

AUTOMATIC, REVIEW, COMMITTEE = "automatic", "review", "committee"
ROUTES = (AUTOMATIC, REVIEW, COMMITTEE)
ROUTE_LABELS: dict[str, Text] = {
    AUTOMATIC: Text("自动审批", "Automatic"),
    REVIEW: Text("审查后审批", "Review, then approval"),
    COMMITTEE: Text("贷审会审议", "Credit committee"),
}
#: The stages a person acts in.
STAGE_REVIEW, STAGE_APPROVAL, STAGE_COMMITTEE = "review", "approval", "committee"
STAGES = (STAGE_REVIEW, STAGE_APPROVAL, STAGE_COMMITTEE)
STAGE_LABELS: dict[str, Text] = {
    STAGE_REVIEW: Text("审查", "Review"),
    STAGE_APPROVAL: Text("审批", "Approval"),
    STAGE_COMMITTEE: Text("贷审会表决", "Committee vote"),
}


@dataclass(frozen=True)
class AuthorityMatrix:
    grade_order: tuple[str, ...]  # best first (the policy's grade table)
    automatic_max_amount: Decimal
    automatic_min_grade: str
    review_roles: frozenset[str]
    approval_roles: frozenset[str]
    approval_max_amount: Decimal
    committee_roles: frozenset[str]
    committee_quorum: int
    committee_approve_share: Decimal  # approved when votes for > share × votes cast
    approval_min_grade: str | None = None  # worse grades go to the committee


@dataclass(frozen=True)
class Refusal:
    code: str
    message: Text


def _yuan(amount: Decimal) -> Text:
    return Text(f"{amount:,.2f} 元", f"{amount:,.2f} yuan")


def grade_at_least(order: Sequence[str], grade: str | None, minimum: str | None) -> bool:
    """Is ``grade`` as good as ``minimum`` or better? (No grade is never good enough.)"""
    if minimum is None:
        return True
    if grade is None or grade not in order or minimum not in order:
        return False
    return order.index(grade) <= order.index(minimum)


def automatic_refusal(matrix: AuthorityMatrix, *, amount: Decimal, grade: str | None) -> Refusal | None:
    """Why the platform may not approve this on its own (None: it may, unless a rule referred it)."""
    if amount > matrix.automatic_max_amount:
        a, m = _yuan(amount), _yuan(matrix.automatic_max_amount)
        return Refusal("above_automatic_authority",
                       Text(f"批准金额 {a.zh}超过自动审批权限 {m.zh}，须人工审批",
                            f"The amount, {a.en}, is above the automatic authority of {m.en}: a person decides"))
    if not grade_at_least(matrix.grade_order, grade, matrix.automatic_min_grade):
        shown = grade or "—"
        return Refusal("below_automatic_grade",
                       Text(f"评级 {shown} 低于自动审批所需的 {matrix.automatic_min_grade} 级，须人工审批",
                            f"Grade {shown} is below the {matrix.automatic_min_grade} the automatic authority needs: a person decides"))
    return None


def needs_committee(matrix: AuthorityMatrix, *, amount: Decimal, grade: str | None) -> bool:
    return amount > matrix.approval_max_amount or not grade_at_least(matrix.grade_order, grade, matrix.approval_min_grade)


def route_for(matrix: AuthorityMatrix, *, amount: Decimal, grade: str | None, referred: bool) -> str:
    """``automatic`` when the platform may approve on its own and nothing referred it; else
    ``review`` (审查 → 审批) within the approver's authority; else ``committee``."""
    if not referred and automatic_refusal(matrix, amount=amount, grade=grade) is None:
        return AUTOMATIC
    return COMMITTEE if needs_committee(matrix, amount=amount, grade=grade) else REVIEW


def _roles_text(roles: Iterable[str]) -> Text:
    labels = [ROLE_LABELS[Role(r)] if r in Role._value2member_map_ else (r, r) for r in sorted(roles)]
    return Text("、".join(zh for zh, _ in labels), ", ".join(en.lower() for _, en in labels))


def may_act(matrix: AuthorityMatrix, *, stage: str, roles: Iterable[str], amount: Decimal, grade: str | None,
            user_id: int, prepared_by: Iterable[int] = (), reviewed_by: Iterable[int] = (),
            voted_by: Iterable[int] = (), approved_by: Iterable[int] = ()) -> Refusal | None:
    """May this person act in this stage on this application? None, or the refusal with its reason.

    ``prepared_by``: everyone who handled it (loan officer, the assignee who claimed it) or acted on
    the applicant's side; ``reviewed_by``: everyone who reviewed it (审查); ``approved_by``: the
    approvers who acted on it in 审批 (and so passed it to the committee); ``voted_by``: committee
    members who have voted."""
    role_set = {str(r) for r in roles}
    prepared, reviewed = set(prepared_by), set(reviewed_by)
    if stage not in STAGES:
        return Refusal("unknown_stage", Text("未知的审批环节", "Unknown stage of approval"))
    allowed = {STAGE_REVIEW: matrix.review_roles, STAGE_APPROVAL: matrix.approval_roles,
               STAGE_COMMITTEE: matrix.committee_roles}[stage]
    if not role_set & allowed:
        who, what = _roles_text(allowed), STAGE_LABELS[stage]
        return Refusal("not_your_role", Text(f"{what.zh}须由{who.zh}办理", f"{what.en} is for: {who.en}"))
    if user_id in prepared:
        what = STAGE_LABELS[stage]
        return Refusal("four_eyes_prepared",
                       Text(f"您经办或代为申请了该笔业务，不能参与{what.zh}（双人原则）",
                            f"You prepared or applied for this application, so you may not take part in its {what.en.lower()} (four-eyes)"))
    if stage in (STAGE_APPROVAL, STAGE_COMMITTEE) and user_id in reviewed:
        what = STAGE_LABELS[stage]
        return Refusal("four_eyes_reviewed",
                       Text(f"您审查了该笔业务，不能参与{what.zh}（双人原则）",
                            f"You reviewed this application, so you may not take part in its {what.en.lower()} (four-eyes)"))
    if stage == STAGE_COMMITTEE and user_id in set(approved_by):
        return Refusal("four_eyes_approved",
                       Text("您在审批环节处理了该笔业务并提交贷审会，不能再参与表决（双人原则）",
                            "You acted on this application in its approval and passed it to the committee, so you "
                            "may not vote on it (four-eyes)"))
    if stage == STAGE_APPROVAL and needs_committee(matrix, amount=amount, grade=grade):
        if amount > matrix.approval_max_amount:
            a, m = _yuan(amount), _yuan(matrix.approval_max_amount)
            return Refusal("above_approval_authority",
                           Text(f"金额 {a.zh}超过审批权限 {m.zh}，须提交贷审会",
                                f"The amount, {a.en}, is above the approval authority of {m.en}: it goes to the credit committee"))
        shown = grade or "—"
        return Refusal("below_approval_grade",
                       Text(f"评级 {shown} 低于审批权限所需的 {matrix.approval_min_grade} 级，须提交贷审会",
                            f"Grade {shown} is below the {matrix.approval_min_grade} the approval authority needs: it goes to the credit committee"))
    if stage == STAGE_COMMITTEE and user_id in set(voted_by):
        return Refusal("already_voted", Text("每位委员只能投票一次", "A committee member votes once"))
    return None


@dataclass(frozen=True)
class Vote:
    user_id: int
    approve: bool


@dataclass(frozen=True)
class Tally:
    status: str  # pending | approved | declined
    votes_for: int
    votes_against: int
    quorum: int
    message: Text


def committee_tally(matrix: AuthorityMatrix, votes: Sequence[Vote]) -> Tally:
    """The committee's result so far: pending below the quorum; then approved when the votes for
    are more than ``approve_share`` of the votes cast, else declined. One vote per member counts
    (a repeated member's later votes are ignored here; `may_act` refuses them in the service)."""
    seen: dict[int, bool] = {}
    for vote in votes:
        seen.setdefault(vote.user_id, vote.approve)
    cast = len(seen)
    votes_for = sum(1 for v in seen.values() if v)
    votes_against = cast - votes_for
    quorum = matrix.committee_quorum
    if cast < quorum:
        return Tally("pending", votes_for, votes_against, quorum,
                     Text(f"已投票 {cast} 人，法定人数 {quorum} 人，尚需 {quorum - cast} 人",
                          f"{cast} voted of a quorum of {quorum}: {quorum - cast} more needed"))
    approved = Decimal(votes_for) > matrix.committee_approve_share * cast
    counts = Text(f"同意 {votes_for} 票，反对 {votes_against} 票", f"{votes_for} for, {votes_against} against")
    if approved:
        return Tally("approved", votes_for, votes_against, quorum, counts.prefixed("贷审会通过：", "Approved by the committee: "))
    return Tally("declined", votes_for, votes_against, quorum, counts.prefixed("贷审会未通过：", "Not approved by the committee: "))
