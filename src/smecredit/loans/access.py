"""Who may see a loan and act on it: pure predicates over plain facts (no database, no web).

* Applicants see the loans of the enterprises they are confirmed members of; loan officers those of
  the enterprises they may see (their portfolio); reviewers, approvers, risk managers, operations,
  auditors and administrators every loan. Any other loan answers exactly like a missing one.
* Only operations disburse, and never a loan they approved (四眼原则: 审批与放款分离).
* A borrower repays only their own enterprise's loans; operations record payments for any loan.
* A revolving line (随借随还) is drawn on by the borrower online (a member of the enterprise) or by
  operations on their behalf — never by the loan's approver (审批与放款分离, as for a disbursement).
* Guarantee contracts (send a link again, make the missing ones): operations for any loan, a loan
  officer for the loans of the enterprises they may act on (their own or their branch's); never the
  borrower.
"""

from __future__ import annotations

from dataclasses import dataclass

from smecredit.identity.roles import Role
from smecredit.kernel.errors import Forbidden
from smecredit.kernel.text import Text

READS_EVERY_LOAN = frozenset({Role.CREDIT_REVIEWER, Role.APPROVER, Role.RISK_MANAGER, Role.OPERATIONS, Role.AUDITOR,
                              Role.ADMIN})


@dataclass(frozen=True)
class LoanFacts:
    enterprise_visible: bool  # the viewer may see the borrowing enterprise (enterprises.access)
    member: bool  # a confirmed member of the borrowing enterprise
    approved_by_id: int | None
    enterprise_editable: bool = False  # the viewer may act on the borrowing enterprise (enterprises.access EDIT)


def visible(roles: frozenset[Role], facts: LoanFacts) -> bool:
    if roles & READS_EVERY_LOAN:
        return True
    if Role.APPLICANT in roles:
        return facts.member
    return Role.LOAN_OFFICER in roles and facts.enterprise_visible


def disbursement_refusal(user_id: int, roles: frozenset[Role], facts: LoanFacts) -> Forbidden | None:
    if Role.OPERATIONS not in roles:
        return Forbidden("operations_only", Text("只有放款/运营岗可以放款", "Only operations disburse loans"))
    if facts.approved_by_id is not None and facts.approved_by_id == user_id:
        return Forbidden("approver_may_not_disburse", Text("审批该笔贷款的人员不能为其放款（审批与放款分离）",
                                                           "The person who approved this loan may not disburse it"))
    return None


def payment_refusal(roles: frozenset[Role], facts: LoanFacts) -> Forbidden | None:
    if Role.OPERATIONS in roles or (Role.APPLICANT in roles and facts.member):
        return None
    return Forbidden("may_not_repay", Text("只有借款企业或放款/运营岗可以登记还款",
                                           "Only the borrower or operations record a payment"))


def drawdown_refusal(user_id: int, roles: frozenset[Role], facts: LoanFacts) -> Forbidden | None:
    if Role.APPLICANT in roles and facts.member:
        return None
    if Role.OPERATIONS not in roles:
        return Forbidden("may_not_draw", Text("只有借款企业或放款/运营岗可以提款",
                                              "Only the borrower or operations draw on a line"))
    if facts.approved_by_id is not None and facts.approved_by_id == user_id:
        return Forbidden("approver_may_not_draw", Text("审批该笔额度的人员不能为其提款（审批与放款分离）",
                                                       "The person who approved this line may not draw on it"))
    return None


def guarantee_staff_refusal(roles: frozenset[Role], facts: LoanFacts) -> Forbidden | None:
    """May this person send a guarantee contract's link again or make the missing contracts?"""
    if Role.OPERATIONS in roles or (Role.LOAN_OFFICER in roles and facts.enterprise_editable):
        return None
    if Role.LOAN_OFFICER in roles:
        return Forbidden("not_your_enterprise", Text("该企业不在您或您所在网点的客户范围内（待分派的企业请先认领）",
                                                     "The enterprise is not in your or your branch's portfolio "
                                                     "(take it from the unassigned queue first)"))
    return Forbidden("may_not_manage_guarantees", Text("只有负责的客户经理或放款/运营岗可以处理保证合同",
                                                       "Only the responsible loan officer or operations handle "
                                                       "guarantee contracts"))
