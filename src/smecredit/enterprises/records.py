"""Loading an enterprise for a user and an action: the one place the access predicates
(`enterprises/access.py`) meet the database. Route dependencies (`enterprises/deps.py`) call
`load_for`; services receive the enterprise already checked."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.enterprises.access import Action, EnterpriseFacts, Viewer, decide
from smecredit.enterprises.models import Enterprise, EnterpriseMember
from smecredit.identity.models import User
from smecredit.kernel.db import lock_row
from smecredit.kernel.errors import Forbidden, not_found
from smecredit.kernel.text import Text

ENTERPRISE = Text("企业", "Enterprise")


def viewer_of(user: User) -> Viewer:
    return Viewer(user_id=user.id, roles=user.roles, branch_code=getattr(user, "branch_code", None))


def facts_of(enterprise: Enterprise) -> EnterpriseFacts:
    return EnterpriseFacts(
        member_ids=frozenset(m.user_id for m in enterprise.members),
        pending_claimant_ids=frozenset(c.user_id for c in enterprise.claims if c.status == "pending"),
        ownership=enterprise.ownership,
        officer_id=enterprise.officer_id,
        branch_code=enterprise.branch_code,
    )


def is_member_or_claimant(enterprise: Enterprise, user: User) -> bool:
    facts = facts_of(enterprise)
    return user.id in facts.member_ids or (facts.ownership == "pending" and user.id in facts.pending_claimant_ids)


def may(user: User, enterprise: Enterprise, action: Action) -> bool:
    return decide(viewer_of(user), facts_of(enterprise), action).allowed


def check(user: User, enterprise: Enterprise, action: Action) -> Enterprise:
    decision = decide(viewer_of(user), facts_of(enterprise), action)
    if decision.allowed:
        return enterprise
    if decision.hidden:
        raise not_found(ENTERPRISE, "enterprise_id")
    raise Forbidden("forbidden", decision.reason or Text("无权执行此操作", "You may not do this"))


def load_for(db: Session, *, user: User, enterprise_id: int, action: Action, lock: bool = False) -> Enterprise:
    """The enterprise if ``user`` may do ``action`` with it; NotFound when it does not exist *or*
    the user may not know it exists; Forbidden (with the reason) otherwise. ``lock`` takes the row
    lock first, for use cases whose rules read then write (shares, single roles, versions)."""
    enterprise = lock_row(db, Enterprise, enterprise_id) if lock else db.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise not_found(ENTERPRISE, "enterprise_id")
    return check(user, enterprise, action)


def lock(db: Session, enterprise: Enterprise) -> Enterprise:
    """Take the enterprise's row lock inside the current transaction (and refresh it)."""
    locked = lock_row(db, Enterprise, enterprise.id)
    assert locked is not None
    return locked


def enterprises_of(db: Session, *, user: User) -> list[Enterprise]:
    """An applicant's enterprises: confirmed memberships and claims (pending or disputed)."""
    from smecredit.enterprises.models import EnterpriseClaim

    member = select(EnterpriseMember.enterprise_id).where(EnterpriseMember.user_id == user.id)
    claimed = select(EnterpriseClaim.enterprise_id).where(EnterpriseClaim.user_id == user.id,
                                                          EnterpriseClaim.status == "pending")
    return list(db.execute(select(Enterprise).where(Enterprise.id.in_(member.union(claimed)))
                           .order_by(Enterprise.id)).scalars())
