"""贷款台账 (the loan book) as people see it: columns, filters (status, number or enterprise) and
sorts, one `web.lists.ListSpec` for the page and both exports, and its one query (visibility as
SQL: `records.visible_loans`).

Exporting it is not an audited act: the rows hold loan numbers, enterprise names and figures — no
natural person's personal information (as the enterprise list, see `enterprises.enterprise_list`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from smecredit.enterprises.models import Enterprise
from smecredit.identity import permissions as perms
from smecredit.identity.models import User
from smecredit.kernel.db import contains_pattern
from smecredit.kernel.text import Text
from smecredit.loans import ledger
from smecredit.loans.models import Loan
from smecredit.loans.records import visible_loans
from smecredit.web.lists import Cell, Column, Filter, ListSpec, Option

STATUS_LABELS: dict[str, Text] = {
    ledger.PENDING: Text("待放款", "Awaiting disbursement"),
    ledger.ACTIVE: Text("正常", "Performing"),
    ledger.OVERDUE: Text("逾期", "Overdue"),
    ledger.CLOSED: Text("已结清", "Paid off"),
    ledger.WRITTEN_OFF: Text("已核销", "Written off"),
}
STATUS_TONES = {ledger.PENDING: "warning", ledger.ACTIVE: "success", ledger.OVERDUE: "danger",
                ledger.CLOSED: "secondary", ledger.WRITTEN_OFF: "dark"}
ACCEPTED = Text("已确认", "Accepted")
NOT_ACCEPTED = Text("待借款人确认合同", "Contract not yet accepted")
READY = Text("合同已确认，可放款", "Contract accepted: ready for disbursement")
LINE_READY = Text("额度已生效，待借款人提款（随借随还）", "Line open: waiting for the borrower to draw (revolving)")
NOT_DISBURSED = "—"


def status_label(status: str) -> Text:
    return STATUS_LABELS.get(status, Text("未知状态", "Unknown status"))


@dataclass(frozen=True)
class Row:
    loan: Loan
    enterprise: str
    may_disburse: bool = False  # the user disburses (operations): the queue offers the button

    @property
    def contract(self) -> Text:
        return ACCEPTED if self.loan.contract_accepted_at else NOT_ACCEPTED


def _no_cell(r: Row, lang: str) -> Cell:
    return Cell(r.loan.no, href=f"/loans/{r.loan.id}", mono=True, testid="loan-link")


def _status_cell(r: Row, lang: str) -> Cell:
    note = None
    if r.loan.status == ledger.PENDING:  # the queue: may it be disbursed yet?
        note = ((LINE_READY if r.loan.is_line else READY) if r.loan.contract_accepted_at else NOT_ACCEPTED).pick(lang)
    return Cell("", badges=((status_label(r.loan.status).pick(lang), STATUS_TONES.get(r.loan.status, "light")),),
                note=note)


def _next_due_cell(r: Row, lang: str) -> str:
    if r.loan.next_due_date is None or r.loan.status in (ledger.PENDING, ledger.CLOSED, ledger.WRITTEN_OFF):
        return "—"
    return f"{r.loan.next_due_date.isoformat()} · ¥{r.loan.next_due_amount:,.2f}"


def _actions_cell(r: Row, lang: str) -> list[Cell]:
    if r.may_disburse and r.loan.status == ledger.PENDING and r.loan.contract_accepted_at and r.loan.is_line:
        return [Cell(Text("代为提款", "Draw for them").pick(lang), href=f"/loans/{r.loan.id}#draw", button=True,
                     testid="to-draw")]
    if r.may_disburse and r.loan.status == ledger.PENDING and r.loan.contract_accepted_at:
        return [Cell(Text("去放款", "Disburse").pick(lang), href=f"/loans/{r.loan.id}#summary", button=True,
                     testid="to-disburse")]
    return [Cell(Text("查看", "Open").pick(lang), href=f"/loans/{r.loan.id}", button=True)]


STATUS_OPTIONS = tuple(Option(code, label) for code, label in STATUS_LABELS.items())

SPEC = ListSpec(
    name="loans",
    title=Text("贷款台账", "Loan book"),
    columns=(
        Column("no", Text("借据号", "Loan no."), lambda r: r.loan.no, sort="no", primary=True, cell=_no_cell, nowrap=True),
        Column("enterprise", Text("借款企业", "Borrower"), lambda r: r.enterprise, card_wide=True),
        Column("status", Text("状态", "Status"), lambda r: status_label(r.loan.status), cell=_status_cell),
        Column("principal", Text("借款金额", "Amount"), lambda r: r.loan.principal, sort="principal", numeric=True,
               unit=Text("元", "CNY"), number_format="#,##0.00", nowrap=True),
        Column("outstanding", Text("剩余本金", "Outstanding"), lambda r: r.loan.outstanding_principal,
               sort="outstanding", numeric=True, unit=Text("元", "CNY"), number_format="#,##0.00", nowrap=True,
               cell=lambda r, lang: NOT_DISBURSED if r.loan.status == ledger.PENDING else f"{r.loan.outstanding_principal:,.2f}"),
        Column("dpd", Text("逾期天数", "Days past due"), lambda r: r.loan.days_past_due, sort="dpd", numeric=True,
               wide=True, cell=lambda r, lang: NOT_DISBURSED if r.loan.status == ledger.PENDING else str(r.loan.days_past_due)),
        Column("next_due", Text("下期应还", "Next due"), lambda r: r.loan.next_due_date, cell=_next_due_cell,
               nowrap=True),
        Column("next_due_amount", Text("下期应还金额", "Next due amount"), lambda r: r.loan.next_due_amount,
               page=False, unit=Text("元", "CNY"), number_format="#,##0.00"),
        Column("apr", Text("年化利率（%）", "APR (%)"), lambda r: r.loan.apr, page=False, number_format="0.00"),
        Column("contract", Text("借款合同", "Contract"), lambda r: r.contract, page=False),
        Column("disbursed_on", Text("放款日", "Disbursed"), lambda r: r.loan.disbursed_on, page=False),
        Column("actions", Text("操作", "Actions"), lambda r: "", cell=_actions_cell, actions=True, export=False),
    ),
    sorts={"no": "desc", "principal": "desc", "outstanding": "desc", "dpd": "desc"},
    default_sort="no",  # JK + the date + the id: the newest first
    filters=(
        Filter("q", Text("借据号或企业", "Loan no. or borrower"), kind="search", wide=True,
               placeholder=Text("借据号或企业名称", "Loan no. or enterprise name")),
        Filter("status", Text("状态", "Status"), options=STATUS_OPTIONS),
    ),
    page_size=50,
    export_path="/loans/export",
    empty=Text("没有符合条件的贷款", "No loans match"),
)

_ORDER = {
    "no": (Loan.no.desc(), Loan.id.desc()),
    "-no": (Loan.no.asc(), Loan.id.asc()),
    "principal": (Loan.principal.desc(), Loan.id.desc()),
    "-principal": (Loan.principal.asc(), Loan.id.asc()),
    "outstanding": (Loan.outstanding_principal.desc(), Loan.id.desc()),
    "-outstanding": (Loan.outstanding_principal.asc(), Loan.id.asc()),
    "dpd": (Loan.days_past_due.desc(), Loan.id.desc()),
    "-dpd": (Loan.days_past_due.asc(), Loan.id.asc()),
}


def _query(user: User, filters: Mapping[str, str]) -> Select:
    visible = visible_loans(user).with_only_columns(Loan.id)
    query = (select(Loan, Enterprise.name).join(Enterprise, Enterprise.id == Loan.enterprise_id)
             .where(Loan.id.in_(visible)))
    if filters.get("status") in STATUS_LABELS:
        query = query.where(Loan.status == filters["status"])
    text = (filters.get("q") or "").strip()
    if text:
        like = contains_pattern(text)
        query = query.where(or_(Loan.no.ilike(like, escape="\\"), Enterprise.name.ilike(like, escape="\\")))
    return query


def count(db: Session, *, user: User, filters: Mapping[str, str]) -> int:
    return db.execute(select(func.count()).select_from(_query(user, filters).subquery())).scalar_one()


def counts_by_status(db: Session, *, user: User) -> dict[str, int]:
    """How many loans the user may see in each status (the tabs above the list)."""
    visible = visible_loans(user).with_only_columns(Loan.id)
    return dict(db.execute(select(Loan.status, func.count()).where(Loan.id.in_(visible)).group_by(Loan.status)).all())


def search(db: Session, *, user: User, filters: Mapping[str, str], sort: str, limit: int, offset: int) -> list[Row]:
    query = _query(user, filters).order_by(*_ORDER.get(sort, _ORDER["no"])).limit(limit).offset(offset)
    disburses = perms.LOANS_DISBURSE.held_by(user.roles)
    return [Row(loan, name, disburses) for loan, name in db.execute(query)]


def iterate(db: Session, *, user: User, filters: Mapping[str, str], sort: str, cap: int) -> Iterator[Row]:
    query = _query(user, filters).order_by(*_ORDER.get(sort, _ORDER["no"])).limit(cap)
    for loan, name in db.execute(query.execution_options(yield_per=500)):
        yield Row(loan, name)
