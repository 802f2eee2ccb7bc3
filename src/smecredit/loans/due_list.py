"""到期还款 (dues by date) as people see them: the stored instalments (`loan_dues`, written by
`service.settle`) of the loans the user may see (`records.visible_loans`), by due date, status,
borrower; one `web.lists.ListSpec` for the page and both exports, and its one query, which the API
(`GET /api/v1/loan-dues`) runs too.

The amounts are as of each loan's last re-derivation (``loans.dues_as_of``: its last change or end
of day); the status of an instalment still owed is read on the business date (`status_on`), so
during the day an instalment due today is 当期 and yesterday's unpaid one 逾期 before tonight's end
of day re-derives the loan.

Exporting it is not an audited act: loan numbers, enterprise names and amounts, no natural person's
personal information (as the loan book, `loan_list`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from smecredit.enterprises.models import Enterprise
from smecredit.identity.models import User
from smecredit.kernel.clock import business_date
from smecredit.kernel.db import contains_pattern
from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text
from smecredit.loans import dues
from smecredit.loans.models import Loan, LoanDue
from smecredit.loans.records import visible_loans
from smecredit.web.lists import Cell, Column, Filter, ListSpec, Option

KIND_NOTE = {kind: label for kind, label in dues.KIND_LABELS.items() if kind != "scheduled"}


def status_on(stored: str, due_date: date, today: date) -> str:
    """An instalment's status on ``today``: one still owed is future, current or overdue by its due
    date (its loan may not have been re-derived since it fell due: the end of day runs at night);
    paid and written off as stored."""
    if stored not in dues.OPEN:
        return stored
    if due_date > today:
        return dues.FUTURE
    return dues.CURRENT if due_date == today else dues.OVERDUE


@dataclass(frozen=True)
class Row:
    due: LoanDue
    loan_no: str
    enterprise_id: int
    enterprise: str
    as_of: date | None  # the date the loan's dues are derived as of
    today: date  # the business date the list is read on

    @property
    def status(self) -> str:
        return status_on(self.due.status, self.due.due_date, self.today)

    @property
    def penalty_and_compound(self):
        return self.due.penalty + self.due.compound


def status_label(status: str) -> Text:
    return dues.STATUS_LABELS.get(status, Text("未知状态", "Unknown status"))


def _number_cell(r: Row, lang: str) -> Cell:
    note = KIND_NOTE.get(r.due.kind)
    return Cell(Text(f"第 {r.due.number} 期", f"No. {r.due.number}").pick(lang), note=note.pick(lang) if note else None)


def _status_cell(r: Row, lang: str) -> Cell:
    return Cell("", badges=((status_label(r.status).pick(lang), dues.STATUS_TONES.get(r.status, "light")),))


def _money(value) -> str:
    return f"{value:,.2f}"


YUAN = Text("元", "CNY")
STATUS_OPTIONS = tuple(Option(code, label) for code, label in dues.STATUS_LABELS.items())

SPEC = ListSpec(
    name="loan-dues",
    title=Text("到期还款", "Dues by date"),
    columns=(
        Column("due_date", Text("到期日", "Due date"), lambda r: r.due.due_date, sort="due_date", nowrap=True),
        Column("no", Text("借据号", "Loan no."), lambda r: r.loan_no, sort="no", primary=True, nowrap=True,
               cell=lambda r, lang: Cell(r.loan_no, href=f"/loans/{r.due.loan_id}#schedule", mono=True,
                                         testid="loan-link")),
        Column("enterprise", Text("借款企业", "Borrower"), lambda r: r.enterprise, card_wide=True),
        Column("number", Text("期次", "Instalment"), lambda r: r.due.number, cell=_number_cell, nowrap=True),
        Column("kind", Text("类型", "Kind"), lambda r: dues.KIND_LABELS.get(r.due.kind, Text("其他", "Other")), page=False),
        Column("principal", Text("应还本金", "Principal"), lambda r: r.due.principal, numeric=True, unit=YUAN,
               number_format="#,##0.00", wide=True, nowrap=True),
        Column("interest", Text("应还利息", "Interest"), lambda r: r.due.interest, numeric=True, unit=YUAN,
               number_format="#,##0.00", wide=True, nowrap=True),
        Column("penalty_compound", Text("罚息复利", "Penalty & compound"), lambda r: r.penalty_and_compound, unit=YUAN,
               export=False, numeric=True, wide=True, nowrap=True, cell=lambda r, lang: _money(r.penalty_and_compound)),
        Column("penalty", Text("罚息", "Penalty interest"), lambda r: r.due.penalty, page=False, unit=YUAN,
               number_format="#,##0.00"),
        Column("compound", Text("复利", "Compound interest"), lambda r: r.due.compound, page=False, unit=YUAN,
               number_format="#,##0.00"),
        Column("paid", Text("已还", "Paid"), lambda r: r.due.paid_principal + r.due.paid_interest, numeric=True,
               unit=YUAN, number_format="#,##0.00", nowrap=True, export=False),
        Column("paid_principal", Text("已还本金", "Principal paid"), lambda r: r.due.paid_principal, page=False, unit=YUAN,
               number_format="#,##0.00"),
        Column("paid_interest", Text("已还利息", "Interest paid"), lambda r: r.due.paid_interest, page=False, unit=YUAN,
               number_format="#,##0.00"),
        Column("written_off", Text("已核销", "Written off"), lambda r: r.due.written_off, page=False, unit=YUAN,
               number_format="#,##0.00"),
        Column("outstanding", Text("未还金额", "Outstanding"), lambda r: r.due.outstanding, sort="outstanding",
               numeric=True, unit=YUAN, number_format="#,##0.00", nowrap=True),
        Column("status", Text("状态", "Status"), lambda r: status_label(r.status), cell=_status_cell),
        Column("as_of", Text("数据截至", "As of"), lambda r: r.as_of, page=False),
        Column("actions", Text("操作", "Actions"), lambda r: "", actions=True, export=False,
               cell=lambda r, lang: [Cell(Text("查看贷款", "Open loan").pick(lang), href=f"/loans/{r.due.loan_id}#schedule",
                                          button=True)]),
    ),
    sorts={"due_date": "asc", "no": "asc", "outstanding": "desc"},
    default_sort="due_date",
    filters=(
        Filter("q", Text("借据号或企业", "Loan no. or borrower"), kind="search", wide=True,
               placeholder=Text("借据号或企业名称", "Loan no. or enterprise name")),
        Filter("from", Text("到期日从", "Due from"), kind="date"),
        Filter("to", Text("到期日至", "Due until"), kind="date"),
        Filter("status", Text("状态", "Status"), options=STATUS_OPTIONS),
    ),
    page_size=50,
    export_path="/loan-dues/export",
    empty=Text("没有符合条件的到期还款", "No dues match"),
)

_ORDER = {
    "due_date": (LoanDue.due_date.asc(), Loan.no.asc(), LoanDue.seq.asc()),
    "-due_date": (LoanDue.due_date.desc(), Loan.no.desc(), LoanDue.seq.desc()),
    "no": (Loan.no.asc(), LoanDue.seq.asc()),
    "-no": (Loan.no.desc(), LoanDue.seq.desc()),
    "outstanding": (LoanDue.outstanding.desc(), LoanDue.due_date.asc(), LoanDue.loan_id.asc(), LoanDue.seq.asc()),
    "-outstanding": (LoanDue.outstanding.asc(), LoanDue.due_date.asc(), LoanDue.loan_id.asc(), LoanDue.seq.asc()),
}


# --- the tabs of the page: dates counted from the business date ---------------------------------------

def tabs(today: date) -> list[tuple[str, Text, dict[str, str]]]:
    """(key, label, filters) of the page's tabs."""
    tomorrow = today + timedelta(days=1)
    return [
        ("today", Text("今日到期", "Due today"), {"from": today.isoformat(), "to": today.isoformat()}),
        ("week", Text("未来7天", "Next 7 days"), {"from": tomorrow.isoformat(), "to": (today + timedelta(days=7)).isoformat()}),
        ("overdue", Text("已逾期", "Overdue"), {"status": dues.OVERDUE}),
    ]


def _day(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid("invalid_date", Text("日期须为 YYYY-MM-DD", "A date is YYYY-MM-DD"), field) from None


@dataclass(frozen=True)
class Criteria:
    today: date  # the business date: an open instalment's status follows it (`status_on`)
    due_from: date | None = None
    due_to: date | None = None
    status: str | None = None
    enterprise_id: int | None = None
    text: str = ""


def criteria(filters: Mapping[str, str], *, today: date, enterprise_id: int | None = None) -> Criteria:
    """The query's criteria from the list's filters (`Invalid` naming a bad date or status)."""
    due_from, due_to = _day(filters.get("from"), "from"), _day(filters.get("to"), "to")
    if due_from and due_to and due_to < due_from:
        raise Invalid("invalid_range", Text("结束日期早于开始日期", "The end date is before the start date"), "to")
    status = filters.get("status") or None
    if status is not None and status not in dues.STATUS_LABELS:
        raise Invalid("unknown_status", Text("状态须为未到期、当期、逾期、已结清或已核销",
                                             "The status is future, current, overdue, paid or written_off"), "status")
    return Criteria(today, due_from, due_to, status, enterprise_id, (filters.get("q") or "").strip())


def _query(user: User, c: Criteria) -> Select:
    visible = visible_loans(user).with_only_columns(Loan.id)
    query = (select(LoanDue, Loan.no, Loan.enterprise_id, Enterprise.name, Loan.dues_as_of)
             .join(Loan, Loan.id == LoanDue.loan_id).join(Enterprise, Enterprise.id == Loan.enterprise_id)
             .where(Loan.id.in_(visible)))
    if c.due_from is not None:
        query = query.where(LoanDue.due_date >= c.due_from)
    if c.due_to is not None:
        query = query.where(LoanDue.due_date <= c.due_to)
    if c.status in dues.OPEN:  # as `status_on`: by the due date on the business date
        by_date = {dues.FUTURE: LoanDue.due_date > c.today, dues.CURRENT: LoanDue.due_date == c.today,
                   dues.OVERDUE: LoanDue.due_date < c.today}[c.status]
        query = query.where(LoanDue.status.in_(dues.OPEN), by_date)
    elif c.status is not None:
        query = query.where(LoanDue.status == c.status)
    if c.enterprise_id is not None:
        query = query.where(Loan.enterprise_id == c.enterprise_id)
    if c.text:
        like = contains_pattern(c.text)
        query = query.where(or_(Loan.no.ilike(like, escape="\\"), Enterprise.name.ilike(like, escape="\\")))
    return query


def _criteria(filters: Mapping[str, str]) -> Criteria:
    return filters if isinstance(filters, Criteria) else criteria(filters, today=business_date(),
                                                                   enterprise_id=filters.get("enterprise"))


# --- the list's one query (web.lists.ListQuery: the filters as the page has them, or the API's criteria)

def count(db: Session, *, user: User, filters: Mapping[str, str] | Criteria) -> int:
    return db.execute(select(func.count()).select_from(_query(user, _criteria(filters)).subquery())).scalar_one()


def totals(db: Session, *, user: User, filters: Mapping[str, str] | Criteria) -> dict[str, object]:
    """How many rows and what they leave outstanding (the line above the list)."""
    sub = _query(user, _criteria(filters)).subquery()
    rows, outstanding = db.execute(select(func.count(), func.coalesce(func.sum(sub.c.outstanding), 0))).one()
    return {"rows": rows, "outstanding": Decimal(str(outstanding)).quantize(Decimal("0.01"))}


def search(db: Session, *, user: User, filters: Mapping[str, str] | Criteria, sort: str, limit: int,
           offset: int) -> list[Row]:
    c = _criteria(filters)
    query = _query(user, c).order_by(*_ORDER.get(sort, _ORDER["due_date"])).limit(limit).offset(offset)
    return [Row(*found, c.today) for found in db.execute(query)]


def iterate(db: Session, *, user: User, filters: Mapping[str, str] | Criteria, sort: str, cap: int) -> Iterator[Row]:
    c = _criteria(filters)
    query = _query(user, c).order_by(*_ORDER.get(sort, _ORDER["due_date"])).limit(cap)
    for found in db.execute(query.execution_options(yield_per=500)):
        yield Row(*found, c.today)
