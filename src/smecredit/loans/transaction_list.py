"""交易流水 (the loans' transactions across the loan book) as operations and loan officers see them:
money paid out and received, reversals, refunds, write-offs and reschedules, newest first — one
`web.lists.ListSpec` for the page and both exports, and its one query over the loans the user may see
(`records.visible_loans`).

Exporting it is not an audited act: the rows hold loan numbers, enterprise names, amounts and bank
references — no natural person's personal information (who entered a transaction is shown on the
page, not exported).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from smecredit.enterprises.models import Enterprise
from smecredit.identity.models import User
from smecredit.kernel.db import contains_pattern
from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text
from smecredit.loans import ledger
from smecredit.loans.models import Loan, LoanTransaction
from smecredit.loans.records import visible_loans
from smecredit.web.lists import Cell, Column, Filter, ListSpec, Option

KIND_LABELS: dict[str, Text] = {
    ledger.DISBURSEMENT: Text("放款", "Disbursement"), ledger.REPAYMENT: Text("还款", "Repayment"),
    ledger.PREPAYMENT: Text("提前还款", "Prepayment"), ledger.REVERSAL: Text("冲正", "Reversal"),
    ledger.REFUND: Text("退款", "Refund"), ledger.WRITE_OFF: Text("核销", "Write-off"),
    ledger.RESCHEDULE: Text("展期/重组", "Reschedule"), "accrual": Text("计提", "Accrual"),
    ledger.DRAWDOWN: Text("提款", "Drawdown"), "interest": Text("结息", "Interest"),
    "credit_applied": Text("溢缴款抵扣", "Credit applied"), "scheduled": Text("计划", "Scheduled"),
}
SOURCE_LABELS: dict[str, Text] = {
    "api": Text("接口", "API"), "page": Text("页面", "Page"), "scheduled_debit": Text("到期自动扣款", "Scheduled debit"),
    "command": Text("命令行", "Command line"),
}
UNKNOWN = Text("（未知）", "(unknown)")  # never the raw code as if it were a word
REVERSED = Text("已冲正", "Reversed")
#: the kinds a transaction of a loan's history has (the others above label derived lines)
HISTORY_KINDS = (ledger.DISBURSEMENT, ledger.DRAWDOWN, ledger.REPAYMENT, ledger.PREPAYMENT, ledger.REVERSAL, ledger.REFUND,
                 ledger.WRITE_OFF, ledger.RESCHEDULE)
#: money received from the borrower (the 还款 filter)
RECEIVED = (ledger.REPAYMENT, ledger.PREPAYMENT)


def kind_label(kind: str) -> Text:
    return KIND_LABELS.get(kind, UNKNOWN)


@dataclass(frozen=True)
class Row:
    tx: LoanTransaction
    loan_no: str
    enterprise: str
    entered_by: str | None
    reversed: bool  # a later reversal undid it


def _kind_cell(r: Row, lang: str) -> Cell:
    badges = ((REVERSED.pick(lang), "secondary"),) if r.reversed else ()
    note = SOURCE_LABELS.get(r.tx.source, UNKNOWN).pick(lang)
    if r.tx.note:  # e.g. a reversal's reason: under the kind, so the borrower's name keeps its width
        note = f"{note} · {r.tx.note}"
    return Cell(kind_label(r.tx.kind).pick(lang), badges=badges, note=note)


def _amount_cell(r: Row, lang: str) -> str:
    return "—" if r.tx.kind == ledger.RESCHEDULE else f"{r.tx.amount:,.2f}"


KIND_OPTIONS = (Option("received", Text("收款（还款与提前还款）", "Received (repayments and prepayments)")),
                *(Option(k, KIND_LABELS[k]) for k in HISTORY_KINDS))
SOURCE_OPTIONS = tuple(Option(code, label) for code, label in SOURCE_LABELS.items())

SPEC = ListSpec(
    name="loan-transactions",
    title=Text("交易流水", "Loan transactions"),
    columns=(
        Column("value_date", Text("起息日", "Value date"), lambda r: r.tx.value_date, sort="value_date", nowrap=True,
               primary=True, cell=lambda r, lang: r.tx.value_date.isoformat()),
        Column("no", Text("借据号", "Loan no."), lambda r: r.loan_no, nowrap=True,
               cell=lambda r, lang: Cell(r.loan_no, href=f"/loans/{r.tx.loan_id}#transactions", mono=True,
                                         testid="loan-link")),
        Column("enterprise", Text("借款企业", "Borrower"), lambda r: r.enterprise, card_wide=True),
        Column("kind", Text("交易类型", "Kind"), lambda r: kind_label(r.tx.kind), cell=_kind_cell),
        Column("amount", Text("金额", "Amount"), lambda r: r.tx.amount, sort="amount", numeric=True, nowrap=True,
               unit=Text("元", "CNY"), number_format="#,##0.00", cell=_amount_cell),
        Column("source", Text("来源", "Source"), lambda r: SOURCE_LABELS.get(r.tx.source, UNKNOWN), page=False),
        Column("reversed", Text("已冲正", "Reversed"), lambda r: r.reversed, page=False),
        Column("bank_reference", Text("银行流水号", "Bank reference"), lambda r: r.tx.bank_reference or "", wide=True,
               nowrap=True, cell=lambda r, lang: r.tx.bank_reference or "—"),
        Column("note", Text("备注", "Note"), lambda r: r.tx.note or "", page=False),
        Column("entered", Text("录入", "Entered"), lambda r: r.tx.entered_on, export=False, wide=True, nowrap=True,
               cell=lambda r, lang: Cell(r.tx.entered_on.isoformat(), note=r.entered_by or None)),
        Column("entered_on", Text("录入日期", "Entered on"), lambda r: r.tx.entered_on, page=False),
    ),
    sorts={"value_date": "desc", "amount": "desc"},
    default_sort="value_date",  # the newest first
    filters=(
        Filter("q", Text("借据号、企业或流水号", "Loan no., borrower or reference"), kind="search", wide=True,
               placeholder=Text("借据号、企业名称或银行流水号", "Loan no., enterprise name or bank reference")),
        Filter("kind", Text("交易类型", "Kind"), options=KIND_OPTIONS),
        Filter("source", Text("来源", "Source"), options=SOURCE_OPTIONS),
        Filter("from", Text("起息日自", "Value date from"), kind="date"),
        Filter("to", Text("起息日至", "Value date to"), kind="date"),
    ),
    page_size=50,
    export_path="/loan-transactions/export",
    empty=Text("没有符合条件的交易", "No transactions match"),
)

_ORDER = {
    "value_date": (LoanTransaction.value_date.desc(), LoanTransaction.id.desc()),
    "-value_date": (LoanTransaction.value_date.asc(), LoanTransaction.id.asc()),
    "amount": (LoanTransaction.amount.desc(), LoanTransaction.id.desc()),
    "-amount": (LoanTransaction.amount.asc(), LoanTransaction.id.asc()),
}


def _day(filters: Mapping[str, str], key: str) -> date | None:
    value = filters.get(key)
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def check_filters(filters: Mapping[str, str]) -> None:
    """Invalid (the field and why) when a date filter is not a date or the range runs backwards."""
    for key, label in (("from", Text("起息日自", "Value date from")), ("to", Text("起息日至", "Value date to"))):
        if filters.get(key) and _day(filters, key) is None:
            raise Invalid("invalid_date", Text(f"{label.zh}不是有效日期（YYYY-MM-DD）",
                                               f"{label.en} is not a date (YYYY-MM-DD)"), key)
    start, end = _day(filters, "from"), _day(filters, "to")
    if start and end and start > end:
        raise Invalid("date_range_backwards", Text("起息日至不能早于起息日自",
                                                   "'Value date to' cannot be before 'value date from'"), "to")


def _query(user: User, filters: Mapping[str, str]) -> Select:
    entered_by = aliased(User)
    reversal = aliased(LoanTransaction)
    visible = visible_loans(user).with_only_columns(Loan.id)
    undone = select(reversal.id).where(reversal.reverses_id == LoanTransaction.id).exists()
    query = (select(LoanTransaction, Loan.no, Enterprise.name, entered_by.display_name, undone)
             .join(Loan, Loan.id == LoanTransaction.loan_id).join(Enterprise, Enterprise.id == Loan.enterprise_id)
             .outerjoin(entered_by, entered_by.id == LoanTransaction.entered_by_id)
             .where(LoanTransaction.loan_id.in_(visible)))
    kind = filters.get("kind")
    if kind == "received":
        query = query.where(LoanTransaction.kind.in_(RECEIVED))
    elif kind in HISTORY_KINDS:
        query = query.where(LoanTransaction.kind == kind)
    if filters.get("source") in SOURCE_LABELS:
        query = query.where(LoanTransaction.source == filters["source"])
    check_filters(filters)
    start, end = _day(filters, "from"), _day(filters, "to")
    if start:
        query = query.where(LoanTransaction.value_date >= start)
    if end:
        query = query.where(LoanTransaction.value_date <= end)
    text = (filters.get("q") or "").strip()
    if text:
        like = contains_pattern(text)
        query = query.where(or_(Loan.no.ilike(like, escape="\\"), Enterprise.name.ilike(like, escape="\\"),
                                LoanTransaction.bank_reference.ilike(like, escape="\\")))
    return query


def count(db: Session, *, user: User, filters: Mapping[str, str]) -> int:
    return db.execute(select(func.count()).select_from(_query(user, filters).subquery())).scalar_one()


def _rows(result) -> Iterator[Row]:
    for tx, no, name, entered_by, undone in result:
        yield Row(tx, no, name, entered_by, bool(undone))


def search(db: Session, *, user: User, filters: Mapping[str, str], sort: str, limit: int, offset: int) -> list[Row]:
    query = _query(user, filters).order_by(*_ORDER.get(sort, _ORDER["value_date"])).limit(limit).offset(offset)
    return list(_rows(db.execute(query)))


def iterate(db: Session, *, user: User, filters: Mapping[str, str], sort: str, cap: int) -> Iterator[Row]:
    query = _query(user, filters).order_by(*_ORDER.get(sort, _ORDER["value_date"])).limit(cap)
    yield from _rows(db.execute(query.execution_options(yield_per=500)))
