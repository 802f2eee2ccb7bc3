"""待审批变更 (the change requests checkers decide) as people see them: one `web.lists.ListSpec` and
its one query over the loans the user may see (`records.visible_loans`). Without a status filter
the list shows the requests awaiting approval (the checkers' queue)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from smecredit.enterprises.models import Enterprise
from smecredit.identity.models import User
from smecredit.kernel.clock import to_local
from smecredit.kernel.db import contains_pattern
from smecredit.kernel.text import Text
from smecredit.loans import change_rules as rules
from smecredit.loans.models import Loan, LoanChangeRequest
from smecredit.loans.records import visible_loans
from smecredit.web.lists import Cell, Column, Filter, ListSpec, Option


@dataclass(frozen=True)
class Row:
    change: LoanChangeRequest
    loan_no: str
    enterprise: str
    requester: str | None
    what: Text  # changes.describe


def _status_cell(r: Row, lang: str) -> Cell:
    return Cell("", badges=((rules.STATUS_LABELS[r.change.status].pick(lang), rules.STATUS_TONES[r.change.status]),))


def _actions(r: Row, lang: str) -> list[Cell]:
    label = Text("审批", "Decide") if r.change.status == rules.PENDING else Text("查看", "Open")
    return [Cell(label.pick(lang), href=f"/loans/{r.change.loan_id}#change-{r.change.id}", button=True,
                 testid="open-change")]


STATUS_OPTIONS = tuple(Option(code, label) for code, label in rules.STATUS_LABELS.items())
KIND_OPTIONS = tuple(Option(code, label) for code, label in rules.KIND_LABELS.items())

SPEC = ListSpec(
    name="loan-changes",
    title=Text("贷款变更申请", "Loan change requests"),
    columns=(
        Column("no", Text("借据号", "Loan no."), lambda r: r.loan_no, primary=True, nowrap=True,
               cell=lambda r, lang: Cell(r.loan_no, href=f"/loans/{r.change.loan_id}#changes", mono=True, testid="loan-link")),
        Column("enterprise", Text("借款企业", "Borrower"), lambda r: r.enterprise, card_wide=True),
        Column("kind", Text("变更类型", "Change"), lambda r: rules.KIND_LABELS[r.change.kind],
               cell=lambda r, lang: Cell(rules.KIND_LABELS[r.change.kind].pick(lang), note=r.what.pick(lang))),
        Column("reason", Text("原因", "Reason"), lambda r: r.change.reason, wide=True, card_wide=True),
        Column("requested_by", Text("申请人", "Requested by"), lambda r: r.requester or "—", wide=True),
        Column("requested_at", Text("申请时间", "Requested"), lambda r: r.change.requested_at, sort="requested_at",
               nowrap=True, cell=lambda r, lang: to_local(r.change.requested_at).strftime("%Y-%m-%d %H:%M")),
        Column("status", Text("状态", "Status"), lambda r: rules.STATUS_LABELS[r.change.status], cell=_status_cell),
        Column("actions", Text("操作", "Actions"), lambda r: "", cell=_actions, actions=True, export=False),
    ),
    sorts={"requested_at": "asc"},
    default_sort="requested_at",  # the oldest waiting first
    filters=(
        Filter("q", Text("借据号或企业", "Loan no. or borrower"), kind="search", wide=True,
               placeholder=Text("借据号或企业名称", "Loan no. or enterprise name")),
        Filter("status", Text("状态", "Status"), options=STATUS_OPTIONS, any_label=Text("待审批", "Awaiting approval")),
        Filter("kind", Text("变更类型", "Change"), options=KIND_OPTIONS),
    ),
    page_size=50,
    empty=Text("没有待处理的变更申请", "No change requests here"),
)


def _query(user: User, filters: Mapping[str, str]) -> Select:
    requester = aliased(User)
    visible = visible_loans(user).with_only_columns(Loan.id)
    status = filters.get("status") if filters.get("status") in rules.STATUS_LABELS else rules.PENDING
    query = (select(LoanChangeRequest, Loan.no, Enterprise.name, requester.display_name)
             .join(Loan, Loan.id == LoanChangeRequest.loan_id).join(Enterprise, Enterprise.id == Loan.enterprise_id)
             .outerjoin(requester, requester.id == LoanChangeRequest.requested_by_id)
             .where(LoanChangeRequest.loan_id.in_(visible), LoanChangeRequest.status == status))
    if filters.get("kind") in rules.KIND_LABELS:
        query = query.where(LoanChangeRequest.kind == filters["kind"])
    text = (filters.get("q") or "").strip()
    if text:
        like = contains_pattern(text)
        query = query.where(or_(Loan.no.ilike(like, escape="\\"), Enterprise.name.ilike(like, escape="\\")))
    return query


def count(db: Session, *, user: User, filters: Mapping[str, str]) -> int:
    return db.execute(select(func.count()).select_from(_query(user, filters).subquery())).scalar_one()


def search(db: Session, *, user: User, filters: Mapping[str, str], sort: str, limit: int, offset: int) -> list[Row]:
    from smecredit.loans.changes import describe

    order = (LoanChangeRequest.id.desc(),) if sort == "-requested_at" else (LoanChangeRequest.id.asc(),)
    rows = db.execute(_query(user, filters).order_by(*order).limit(limit).offset(offset)).all()
    return [Row(change, no, name, requester, describe(db, change)) for change, no, name, requester in rows]
