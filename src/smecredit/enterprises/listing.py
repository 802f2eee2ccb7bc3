"""The enterprise list: who sees which (applicants their own, officers their portfolio, their
branch's and the unassigned queue, readers all), filters a loan officer needs, sort orders and
paging — one query for the pages, the API and the exports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BeforeValidator
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql import Select

from smecredit.enterprises.connectors import SourceKind
from smecredit.enterprises.models import DataSnapshot, Enterprise, EnterpriseClaim, EnterpriseMember, QueryAuthorisation
from smecredit.identity import permissions as perms
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.kernel.clock import utcnow

# Sort keys, each with its natural direction (what a first click on a column header asks for);
# "-key" is the reverse. newest/oldest are kept for the API ("oldest" is "-newest").
_SIZE_RANK = case({"micro": 1, "small": 2, "medium": 3, "large": 4}, value=Enterprise.size_class, else_=0)
ORDERS: dict[str, tuple[tuple[ColumnElement, bool], ...]] = {  # (expression, descending)
    "newest": ((Enterprise.id, True),),
    "oldest": ((Enterprise.id, False),),
    "name": ((Enterprise.name, False), (Enterprise.id, False)),
    "uscc": ((Enterprise.uscc, False),),
    "region": ((Enterprise.region_code, False), (Enterprise.id, False)),
    "industry": ((Enterprise.industry, False), (Enterprise.id, False)),
    "employees": ((Enterprise.employees, True), (Enterprise.id, True)),
    "revenue": ((Enterprise.revenue_wan, True), (Enterprise.id, True)),
    "size": ((_SIZE_RANK, True), (Enterprise.id, True)),  # large first (not alphabetical)
}
SORT_DIRECTIONS = {key: ("desc" if parts[0][1] else "asc") for key, parts in ORDERS.items()}
SORT_PATTERN = r"^-?(" + "|".join(ORDERS) + r")$"


def order_of(sort: str) -> list:
    """ORDER BY for a sort key; "-key" reverses every part of it."""
    reverse = sort.startswith("-")
    parts = ORDERS[sort.lstrip("-")]
    return [expr.desc() if descending != reverse else expr.asc() for expr, descending in parts]


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
    sort: str = "newest"  # a key of ORDERS, "-" first to reverse it

    def active(self) -> dict[str, str]:
        """The filters set, for links that keep them (paging, export)."""
        return {k: str(v) for k, v in self.__dict__.items() if v not in (None, "") and not (k == "sort" and v == "newest")}


def _blank_is_none(value):
    """A filter left at "any" in a page's form arrives as an empty value: it is not set."""
    return None if isinstance(value, str) and not value.strip() else value


Optional = BeforeValidator(_blank_is_none)


def filters_from_query(
    q: str = Query("", max_length=100, description="名称或统一社会信用代码 / name or code"),
    size_class: Annotated[Literal["medium", "small", "micro", "large"] | None, Query(), Optional] = None,
    region: Annotated[str | None, Query(max_length=6, pattern=r"^\d{2,6}$",
                                        description="行政区划代码前缀 / region code prefix"), Optional] = None,
    industry: Annotated[str | None, Query(max_length=40), Optional] = None,
    authorisation: Annotated[Literal["valid", "none"] | None,
                             Query(description="数据查询授权 / authorisation in force"), Optional] = None,
    completeness: Annotated[Literal["complete", "partial", "none"] | None,
                            Query(description="数据完整度 / data completeness"), Optional] = None,
    officer: Annotated[str | None, Query(max_length=12, pattern=r"^(me|queue|\d{1,10})$",
                                         description="me, queue (unassigned) or a loan officer's id"), Optional] = None,
    ownership: Annotated[Literal["confirmed", "pending", "disputed"] | None, Query(), Optional] = None,
    sort: str = Query("newest", max_length=20, pattern=SORT_PATTERN,
                      description="newest, oldest, name, uscc, region, industry, employees, revenue, size; "
                                  "a leading - reverses"),
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


def query_for(user: User, filters: Filters) -> Select:
    """The one query: what ``user`` may see, filtered, in the filters' order."""
    return _apply(visible_to(user), filters, user).order_by(*order_of(filters.sort))


def count(db: Session, *, user: User, filters: Filters) -> int:
    query = _apply(visible_to(user), filters, user)
    return db.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def search(db: Session, *, user: User, filters: Filters, limit: int, offset: int) -> Found:
    total = count(db, user=user, filters=filters)
    rows = db.execute(query_for(user, filters).limit(limit).offset(offset)).scalars()
    return Found(total, list(rows))


def iterate(db: Session, *, user: User, filters: Filters, cap: int = 50_000, batch: int = 1000) -> Iterator[Enterprise]:
    """Every matching enterprise in order, at most ``cap``, read in batches (for exports): the
    same query as the pages and the API, without loading members and claims."""
    query = (query_for(user, filters).options(lazyload(Enterprise.members), lazyload(Enterprise.claims))
             .limit(cap).execution_options(yield_per=batch))
    yield from db.execute(query).scalars()
