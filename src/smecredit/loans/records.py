"""Loading a loan for a user: the one place `loans/access.py` meets the database. Route
dependencies call `load_for`; use cases lock with `lock` (before the first audit `record`)."""

from __future__ import annotations

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from smecredit.enterprises.access import Action as EnterpriseAction
from smecredit.enterprises.access import decide
from smecredit.enterprises.models import Enterprise, EnterpriseMember
from smecredit.enterprises.records import facts_of as enterprise_facts
from smecredit.enterprises.records import viewer_of
from smecredit.identity.models import User
from smecredit.kernel.db import lock_row
from smecredit.kernel.errors import not_found
from smecredit.kernel.text import Text
from smecredit.identity.roles import Role
from smecredit.loans.access import READS_EVERY_LOAN, LoanFacts, visible
from smecredit.loans.models import Loan

LOAN = Text("贷款", "Loan")


def facts_of(db: Session, user: User, loan: Loan) -> LoanFacts:
    enterprise = db.get(Enterprise, loan.enterprise_id)
    assert enterprise is not None
    facts = enterprise_facts(enterprise)
    viewer = viewer_of(user)
    return LoanFacts(enterprise_visible=decide(viewer, facts, EnterpriseAction.VIEW).allowed,
                     member=user.id in facts.member_ids, approved_by_id=loan.approved_by_id,
                     enterprise_editable=decide(viewer, facts, EnterpriseAction.EDIT).allowed)


def visible_loans(user: User):
    """The query of the loans ``user`` may see: the same rule as `access.visible`, set-wise."""
    query = select(Loan)
    if user.roles & READS_EVERY_LOAN:
        return query
    conditions = []
    if Role.APPLICANT in user.roles:
        conditions.append(Loan.enterprise_id.in_(select(EnterpriseMember.enterprise_id)
                                                 .where(EnterpriseMember.user_id == user.id)))
    if Role.LOAN_OFFICER in user.roles:  # the enterprises an officer sees (enterprises.access.decide, VIEW)
        branch = getattr(user, "branch_code", None)
        portfolio = or_(Enterprise.officer_id == user.id, and_(Enterprise.officer_id.is_(None), Enterprise.branch_code.is_(None)))
        if branch:
            portfolio = or_(portfolio, Enterprise.branch_code == branch)
        conditions.append(Loan.enterprise_id.in_(select(Enterprise.id).where(portfolio)))
    return query.where(or_(*conditions)) if conditions else query.where(false())


def load_for(db: Session, *, user: User, loan_id: int) -> Loan:
    """The loan if the user may see it; NotFound when it does not exist or they may not know it does."""
    loan = db.get(Loan, loan_id)
    if loan is None or not visible(user.roles, facts_of(db, user, loan)):
        raise not_found(LOAN, "loan_id")
    return loan


def lock(db: Session, loan: Loan) -> Loan:
    locked = lock_row(db, Loan, loan.id)
    if locked is None:  # pragma: no cover - loans are never deleted
        raise not_found(LOAN, "loan_id")
    return locked
