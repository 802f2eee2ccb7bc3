"""The enterprise list: who sees which (applicants their own, officers their portfolio, their
branch's and the unassigned queue, readers all), filters a loan officer needs, sort orders and
paging — one query for the pages, the API and the exports."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from fastapi import Query
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from smecredit.enterprises.connectors import SourceKind
from smecredit.enterprises.models import DataSnapshot, Enterprise, EnterpriseClaim, EnterpriseMember, QueryAuthorisation
from smecredit.identity import permissions as perms
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.kernel.clock import utcnow

SORTS = {
    "newest": (Enterprise.id.desc(),),
    "oldest": (Enterprise.id.asc(),),
    "name": (Enterprise.name.asc(), Enterprise.id.asc()),
    "revenue": (Enterprise.revenue_wan.desc(), Enterprise.id.desc()),
    "size": (Enterprise.size_class.asc(), Enterprise.id.desc()),
}
Sort = Literal["newest", "oldest", "name", "revenue", "size"]
ALL_KINDS = len(SourceKind)


@dataclass(frozen=True)
class Filters:
    q: str = ""
    size_class: str | None = None
    region: str | None = None  # GB/T 2260 prefix
    industry: str | None = None
    authorisation: Literal["valid", "none"] | None = None
    completeness: Literal["complete", "partial", "none"] | None = None
    officer: str | None = None  # "me", "queue", or a user id
    ownership: Literal["confirmed", "pending", "disputed"] | None = None
    sort: Sort = "newest"

    def active(self) -> dict[str, str]:
        """The filters set, for links that keep them (paging, export)."""
        return {k: str(v) for k, v in self.__dict__.items() if v not in (None, "") and not (k == "sort" and v == "newest")}


def filters_from_query(
    q: str = Query("", max_length=100, description="名称或统一社会信用代码 / name or code"),
    size_class: Literal["medium", "small", "micro", "large"] | None = Query(None),
    region: str | None = Query(None, max_length=6, pattern=r"^\d{2,6}$", description="行政区划代码前缀 / region code prefix"),
    industry: str | None = Query(None, max_length=40),
    authorisation: Literal["valid", "none"] | None = Query(None, description="数据查询授权 / authorisation in force"),
    completeness: Literal["complete", "partial", "none"] | None = Query(None, description="数据完整度 / data completeness"),
    officer: str | None = Query(None, max_length=12, pattern=r"^(me|queue|\d{1,10})$",
                                description="me, queue (unassigned) or a loan officer's id"),
    ownership: Literal["confirmed", "pending", "disputed"] | None = Query(None),
    sort: Sort = Query("newest"),
) -> Filters:
    return Filters(q=q.strip(), size_class=size_class, region=region, industry=industry, authorisation=authorisation,
                   completeness=completeness, officer=officer, ownership=ownership, sort=sort)


def visible_to(user: User) -> Select:
    """The enterprises ``user`` may see in lists (the same rules as `access.py`, as SQL)."""
    query = select(Enterprise)
    if perms.ENTERPRISE_READ_ALL.held_by(user.roles):
        return query
    conditions = []
    if Role.LOAN_OFFICER in user.roles:
        conditions.append(Enterprise.officer_id == user.id)
        if user.branch_code:
            conditions.append(Enterprise.branch_code == user.branch_code)
        conditions.append(and_(Enterprise.officer_id.is_(None), Enterprise.branch_code.is_(None)))
    if Role.APPLICANT in user.roles:
        conditions.append(Enterprise.id.in_(select(EnterpriseMember.enterprise_id)
                                            .where(EnterpriseMember.user_id == user.id)))
        conditions.append(and_(Enterprise.ownership == "pending", Enterprise.id.in_(
            select(EnterpriseClaim.enterprise_id).where(EnterpriseClaim.user_id == user.id,
                                                        EnterpriseClaim.status == "pending"))))
    return query.where(or_(*conditions)) if conditions else query.where(False)


def _apply(query: Select, filters: Filters, user: User) -> Select:
    if filters.q:
        query = query.where(or_(Enterprise.name.contains(filters.q, autoescape=True),
                                Enterprise.uscc.startswith(filters.q.upper(), autoescape=True)))
    if filters.size_class:
        query = query.where(Enterprise.size_class == filters.size_class)
    if filters.region:
        query = query.where(Enterprise.region_code.startswith(filters.region, autoescape=True))
    if filters.industry:
        query = query.where(Enterprise.industry == filters.industry)
    if filters.ownership:
        query = query.where(Enterprise.ownership == filters.ownership)
    if filters.officer == "me":
        query = query.where(Enterprise.officer_id == user.id)
    elif filters.officer == "queue":
        query = query.where(Enterprise.officer_id.is_(None), Enterprise.branch_code.is_(None))
    elif filters.officer:
        query = query.where(Enterprise.officer_id == int(filters.officer))
    if filters.authorisation:
        now = utcnow()
        in_force = exists().where(QueryAuthorisation.enterprise_id == Enterprise.id,
                                  QueryAuthorisation.withdrawn_at.is_(None),
                                  or_(QueryAuthorisation.expires_at.is_(None), QueryAuthorisation.expires_at > now))
        query = query.where(in_force if filters.authorisation == "valid" else ~in_force)
    if filters.completeness:
        kinds = (select(func.count(func.distinct(DataSnapshot.kind))).where(DataSnapshot.enterprise_id == Enterprise.id)
                 .correlate(Enterprise).scalar_subquery())
        query = query.where({"complete": kinds >= ALL_KINDS, "partial": and_(kinds > 0, kinds < ALL_KINDS),
                             "none": kinds == 0}[filters.completeness])
    return query


@dataclass(frozen=True)
class Found:
    total: int
    items: list[Enterprise]


def search(db: Session, *, user: User, filters: Filters, limit: int, offset: int) -> Found:
    query = _apply(visible_to(user), filters, user)
    total = db.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = db.execute(query.order_by(*SORTS[filters.sort]).limit(limit).offset(offset)).scalars()
    return Found(total, list(rows))


def everything(db: Session, *, user: User, filters: Filters, cap: int = 50_000) -> list[Enterprise]:
    """Every matching enterprise (for exports), at most ``cap``."""
    return search(db, user=user, filters=replace(filters), limit=cap, offset=0).items
