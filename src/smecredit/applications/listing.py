"""The application queue: who sees which (the same rules as `access.py`, as SQL), the filters an
officer works by (status, product, age since submitted, assignee) and the order — one query for
the pages and the API. Applicants get only their enterprises' applications; staff lists leave out
drafts (an applicant's work in progress) unless asked for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BeforeValidator
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from smecredit.applications.models import Application
from smecredit.applications.states import State
from smecredit.enterprises.models import Enterprise, EnterpriseMember
from smecredit.identity import permissions as perms
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.kernel.clock import utcnow

StatusCode = Literal["draft", "submitted", "under_review", "documents_requested", "resubmitted", "awaiting_approval",
                     "committee", "approved", "declined", "offer_accepted", "offer_declined", "withdrawn"]
SORTS = {  # key -> ((expression, descending), ...); "-key" reverses every part
    "newest": ((Application.id, True),),
    "oldest": ((Application.submitted_at, False), (Application.id, False)),  # the longest waiting first
    "amount": ((Application.amount, True), (Application.id, True)),
    "no": ((Application.no, True),),
}
SORT_PATTERN = r"^-?(" + "|".join(SORTS) + r")$"


def order_of(sort: str) -> list:
    reverse = sort.startswith("-")
    return [expr.desc() if descending != reverse else expr.asc() for expr, descending in SORTS[sort.lstrip("-")]]


def _blank_is_none(value):
    return None if isinstance(value, str) and not value.strip() else value


Optional = BeforeValidator(_blank_is_none)


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    product: str | None = None
    age: int | None = None  # submitted at least this many days ago
    assignee: str | None = None  # "me", "unassigned" or a user id
    sort: str = "newest"

    def active(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v not in (None, "") and not (k == "sort" and v == "newest")}


def filters_from_query(
    status: Annotated[StatusCode | None, Query(description="状态 / status"), Optional] = None,
    product: Annotated[str | None, Query(max_length=40, pattern=r"^[A-Za-z0-9_.-]+$", description="产品代码 / product code"),
                       Optional] = None,
    age: Annotated[int | None, Query(ge=0, le=3650, description="提交至今至少天数 / submitted at least N days ago"),
                   Optional] = None,
    assignee: Annotated[str | None, Query(max_length=12, pattern=r"^(me|unassigned|\d{1,9})$",
                                          description="me, unassigned or a user id"), Optional] = None,
    sort: str = Query("newest", max_length=10, pattern=SORT_PATTERN, description="newest, oldest, amount, no; - reverses"),
) -> Filters:
    return Filters(status=status, product=product, age=age, assignee=assignee, sort=sort)


def visible_to(user: User, *, drafts: bool = False) -> Select:
    query = select(Application).join(Enterprise, Enterprise.id == Application.enterprise_id)
    staff = user.roles - {Role.APPLICANT}
    conditions = []
    if perms.ENTERPRISE_READ_ALL.held_by(user.roles):
        conditions.append(True)
    if Role.LOAN_OFFICER in user.roles:
        conditions.append(Application.assignee_id == user.id)
        conditions.append(Enterprise.officer_id == user.id)
        if user.branch_code:
            conditions.append(Enterprise.branch_code == user.branch_code)
        conditions.append(and_(Enterprise.officer_id.is_(None), Enterprise.branch_code.is_(None)))
    if Role.APPLICANT in user.roles:
        conditions.append(Application.enterprise_id.in_(
            select(EnterpriseMember.enterprise_id).where(EnterpriseMember.user_id == user.id)))
    if not conditions:
        return query.where(False)
    query = query.where(or_(*conditions))
    if staff and Role.APPLICANT not in user.roles and not drafts:
        query = query.where(Application.status != State.DRAFT.value)
    return query


def _apply(query: Select, filters: Filters, user: User) -> Select:
    if filters.status:
        query = query.where(Application.status == filters.status)
    if filters.product:
        query = query.where(Application.product_code == filters.product)
    if filters.age is not None:
        query = query.where(Application.submitted_at <= utcnow() - timedelta(days=filters.age))
    if filters.assignee == "me":
        query = query.where(Application.assignee_id == user.id)
    elif filters.assignee == "unassigned":
        query = query.where(Application.assignee_id.is_(None))
    elif filters.assignee:
        query = query.where(Application.assignee_id == int(filters.assignee))
    return query


def _visible_and_filtered(user: User, filters: Filters) -> Select:
    # Staff who ask for drafts explicitly see them (their on-behalf ones, or to help an applicant).
    return _apply(visible_to(user, drafts=filters.status == State.DRAFT.value), filters, user)


@dataclass(frozen=True)
class Found:
    total: int
    items: list[Application]


def search(db: Session, *, user: User, filters: Filters, limit: int, offset: int) -> Found:
    query = _visible_and_filtered(user, filters)
    total = db.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = db.execute(query.order_by(*order_of(filters.sort)).limit(limit).offset(offset)).scalars()
    return Found(total, list(rows))
