"""Changes to a loan that need a second person (maker-checker, 四眼原则), as pure rules over plain
facts: who may request, who may decide, the limits of an extension (展期, 《贷款通则》第十二条) and the
observation period of a restructured loan (重组观察期). No database, no web.

* **Kinds**: ``reversal`` (冲正 a wrongly entered payment), ``extension`` (展期: a longer term, same
  rate and method), ``restructuring`` (重组: a new term, rate and/or method), ``write_off`` (核销),
  ``refund`` (溢缴款退还: the credit held paid back to the borrower).
* **Maker**: operations request reversals and refunds; extensions, restructurings and write-offs are requested
  by the loan officer (客户经理) or operations. The borrower neither requests nor decides.
* **Checker**: an approver (审批人) or a risk manager (风险经理); never the person who requested it, and
  for a credit change (extension, restructuring, write-off) never the person who approved the loan
  (they would judge their own credit decision).
* **Extension** (《贷款通则》第十二条): one extension per loan, requested before the maturity date;
  short-term loans (≤ 1 year) by at most the original term, medium-term (1–5 years) by at most half
  of it, long-term (> 5 years) by at most 3 years.
* **Restructuring** (《商业银行金融资产风险分类办法》): the loan is marked 重组; its observation period
  runs from the first repayment date after the restructuring for at least two repayment periods and
  at least one year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from smecredit.identity.roles import Role
from smecredit.kernel.errors import Forbidden
from smecredit.kernel.text import Text

REVERSAL, EXTENSION, RESTRUCTURING, WRITE_OFF, REFUND = "reversal", "extension", "restructuring", "write_off", "refund"
KINDS = (REVERSAL, EXTENSION, RESTRUCTURING, WRITE_OFF, REFUND)
KIND_LABELS: dict[str, Text] = {
    REVERSAL: Text("冲正", "Reversal"),
    EXTENSION: Text("展期", "Extension"),
    RESTRUCTURING: Text("重组", "Restructuring"),
    WRITE_OFF: Text("核销", "Write-off"),
    REFUND: Text("溢缴款退还", "Refund of credit"),
}
CREDIT_CHANGES = frozenset({EXTENSION, RESTRUCTURING, WRITE_OFF})

PENDING, APPROVED, REJECTED, CANCELLED = "pending", "approved", "rejected", "cancelled"
STATUSES = (PENDING, APPROVED, REJECTED, CANCELLED)
STATUS_LABELS: dict[str, Text] = {
    PENDING: Text("待审批", "Awaiting approval"),
    APPROVED: Text("已批准并执行", "Approved and applied"),
    REJECTED: Text("已驳回", "Rejected"),
    CANCELLED: Text("已撤回", "Withdrawn"),
}
STATUS_TONES = {PENDING: "warning", APPROVED: "success", REJECTED: "danger", CANCELLED: "secondary"}

MAKERS: dict[str, frozenset[Role]] = {
    REVERSAL: frozenset({Role.OPERATIONS}),
    EXTENSION: frozenset({Role.LOAN_OFFICER, Role.OPERATIONS}),
    RESTRUCTURING: frozenset({Role.LOAN_OFFICER, Role.OPERATIONS}),
    WRITE_OFF: frozenset({Role.LOAN_OFFICER, Role.OPERATIONS}),
    REFUND: frozenset({Role.OPERATIONS}),  # money leaves: as a reversal, operations ask
}
CHECKERS = frozenset({Role.APPROVER, Role.RISK_MANAGER})

SHORT_TERM_MONTHS = 12  # 短期贷款: up to one year
MEDIUM_TERM_MONTHS = 60  # 中期贷款: over one and up to five years; longer is 长期贷款
LONG_TERM_EXTENSION_MONTHS = 36
OBSERVATION_MONTHS = 12  # 重组观察期: at least one year …
OBSERVATION_PERIODS = 2  # … and at least two repayment periods


def _roles_text(roles: frozenset[Role]) -> Text:
    ordered = sorted(roles, key=lambda r: list(Role).index(r))
    return Text("或".join(r.label_zh for r in ordered), " or ".join(r.label_en.lower() for r in ordered))


def request_refusal(kind: str, roles: frozenset[Role]) -> Forbidden | None:
    """May a person with these roles request a change of this kind?"""
    makers = MAKERS[kind]
    if roles & makers:
        return None
    who, what = _roles_text(makers), KIND_LABELS[kind]
    return Forbidden("may_not_request", Text(f"{what.zh}申请须由{who.zh}提出", f"A {what.en.lower()} is requested by {who.en}"))


def decision_refusal(kind: str, *, user_id: int, roles: frozenset[Role], requested_by_id: int | None,
                     loan_approved_by_id: int | None) -> Forbidden | None:
    """May this person approve or reject the request? (四眼原则: maker and checker are two people.)"""
    what = KIND_LABELS[kind]
    if not roles & CHECKERS:
        who = _roles_text(CHECKERS)
        return Forbidden("not_a_checker", Text(f"{what.zh}须由{who.zh}审批", f"A {what.en.lower()} is approved by {who.en}"))
    if requested_by_id is not None and user_id == requested_by_id:
        return Forbidden("four_eyes_requester", Text(f"您提出了该{what.zh}申请，不能自己审批（四眼原则）",
                                                     f"You requested this {what.en.lower()}, so you may not decide on it (four-eyes)"))
    if kind in CREDIT_CHANGES and loan_approved_by_id is not None and user_id == loan_approved_by_id:
        return Forbidden("four_eyes_loan_approver", Text(f"您审批了该笔贷款，不能审批其{what.zh}（四眼原则）",
                                                         f"You approved this loan, so you may not approve its {what.en.lower()} (four-eyes)"))
    return None


def cancel_refusal(*, user_id: int, requested_by_id: int | None) -> Forbidden | None:
    if user_id != requested_by_id:
        return Forbidden("requester_only", Text("只有申请人可以撤回申请", "Only the person who requested it may withdraw it"))
    return None


def term_class(months: int) -> Text:
    if months <= SHORT_TERM_MONTHS:
        return Text("短期贷款", "short-term loan")
    if months <= MEDIUM_TERM_MONTHS:
        return Text("中期贷款", "medium-term loan")
    return Text("长期贷款", "long-term loan")


def max_extension_months(original_months: int) -> int:
    """《贷款通则》第十二条: short-term ≤ the original term; medium-term ≤ half of it; long-term ≤ 3 years."""
    if original_months <= SHORT_TERM_MONTHS:
        return original_months
    if original_months <= MEDIUM_TERM_MONTHS:
        return original_months // 2
    return LONG_TERM_EXTENSION_MONTHS


@dataclass(frozen=True)
class ExtensionFacts:
    original_months: int  # the contract's term
    extensions_before: int  # extensions already applied (approved)
    maturity_date: date | None  # as the loan stands now
    today: date


def extension_refusal(facts: ExtensionFacts, extra_months: int) -> tuple[str, Text] | None:
    """Why this extension may not be asked for: (code, reason), or None."""
    if facts.extensions_before:
        return ("already_extended", Text("该笔贷款已展期一次，不能再次展期（《贷款通则》）",
                                         "This loan was extended once already: it cannot be extended again"))
    if facts.maturity_date is not None and facts.today > facts.maturity_date:
        return ("after_maturity", Text("展期须在贷款到期日之前申请", "An extension is requested before the maturity date"))
    limit = max_extension_months(facts.original_months)
    if extra_months < 1:
        return ("extension_not_positive", Text("展期月数须至少为 1 个月", "An extension is at least 1 month"))
    if extra_months > limit:
        kind = term_class(facts.original_months)
        return ("extension_too_long",
                Text(f"{kind.zh}（原期限 {facts.original_months} 个月）展期不得超过 {limit} 个月（《贷款通则》第十二条）",
                     f"A {kind.en} ({facts.original_months} months) may be extended by 1 to {limit} months "
                     f"(General Rules on Loans, art. 12)"))
    return None


def observation_period(new_due_dates: Sequence[date], effective: date) -> tuple[date, date] | None:
    """(start, end) of a restructured loan's observation period: from the first repayment date after
    the restructuring, for at least ``OBSERVATION_PERIODS`` repayment periods and at least a year."""
    from smecredit.loans.schedules import add_months

    upcoming = sorted(d for d in new_due_dates if d > effective)
    if not upcoming:
        return None
    start = upcoming[0]
    end = add_months(start, OBSERVATION_MONTHS)
    if len(upcoming) > OBSERVATION_PERIODS:
        end = max(end, upcoming[OBSERVATION_PERIODS])
    return start, end
