"""Stage 5a pages: the borrower's 我的贷款 and loan page (accounts, contract, repay, payoff quote,
schedule, statement), the staff's loan book (待放款 queue and every loan), the loan page for staff
(disburse, record a payment, reverse one, the journal), the trial balance and the sandbox bank.

Access to a loan is the route's dependency (`PAGES.viewing`); what the user may do with it is the
use case's check. A refused action shows its message on the loan page, in the section it came from.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from starlette.requests import Request

from smecredit.identity import permissions as perms
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.errors import Conflict, DomainError, Invalid, NotFound
from smecredit.kernel.text import Text
from smecredit.loans import (access, accounting, change_list, change_rules, changes, contract, due_list, guarantees, ledger,
                            loan_list, schedules, service, transaction_list, views)
from smecredit.loans.deps import PAGES
from smecredit.loans.loan_list import STATUS_LABELS, STATUS_TONES
from smecredit.loans.models import JournalEntry, Loan, LoanChangeRequest, LoanTransaction, SandboxAccount, SandboxTransfer
from smecredit.loans.records import facts_of, visible_loans
from smecredit.standards.resident_id import mask_name
from smecredit.web import forms, lists
from smecredit.web.deps import REQUEST_DB
from smecredit.web.i18n import request_lang
from smecredit.web.params import EntityId
from smecredit.web.security import csrf_protect
from smecredit.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

INSTALMENT_LABELS: dict[str, Text] = {
    "paid": Text("已还清", "Paid"), "overdue": Text("逾期", "Overdue"), "due": Text("今日应还", "Due today"),
    "partly_paid": Text("部分已还", "Partly paid"), "future": Text("未到期", "To come"),
    "written_off": Text("已核销", "Written off"),
}
UNKNOWN = transaction_list.UNKNOWN
templates.env.globals["loan_status_label"] = loan_list.status_label
templates.env.globals["loan_status_tone"] = lambda status: STATUS_TONES.get(status, "light")
templates.env.globals["loan_kind_label"] = transaction_list.kind_label


def _money(value: str | None, field: str) -> Decimal | None:
    if value is None or not str(value).strip():
        return None
    from smecredit.kernel.money import to_money

    return to_money(str(value), exact=True, field=field)


def _day(value: str | None, field: str) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid("invalid_date", Text("日期须为 YYYY-MM-DD", "A date is YYYY-MM-DD"), field) from None


def _page(request: Request, db: Session, user: User, loan: Loan, *, extra: dict | None = None, status_code: int = 200,
          quote_on: date | None = None):
    today = business_date()
    staff = bool(user.roles - {Role.APPLICANT})
    member = service.facts_of(db, user, loan).member
    operates = perms.LOANS_OPERATE.held_by(user.roles)
    ctx: dict[str, Any] = {
        "loan": loan, "staff": staff, "member": member, "today": today,
        "method_label": schedules.METHOD_LABELS.get(loan.method, UNKNOWN),
        "payment_mode_label": service.PAYMENT_MODES.get(loan.payment_mode, UNKNOWN),
        "may_disburse": perms.LOANS_DISBURSE.held_by(user.roles) and loan.status == ledger.PENDING and not loan.is_line,
        "may_operate": operates,
        "may_repay": (member or operates) and loan.status in (ledger.ACTIVE, ledger.OVERDUE),
        "reads_journal": perms.ACCOUNTING_READ.held_by(user.roles),
        "instalment_label": lambda s: INSTALMENT_LABELS.get(s, UNKNOWN),
        "source_label": lambda s: transaction_list.SOURCE_LABELS.get(s, UNKNOWN),
        "field_errors": {}, "typed": {}, "form_key": uuid.uuid4().hex,
        "due_now": (loan.overdue_principal + loan.overdue_interest + loan.penalty + loan.compound
                    + loan.current_principal + loan.current_interest),
    }
    ctx["guarantee_contracts"] = guarantees.of_loan(db, loan)
    ctx["needs_guarantors"] = guarantees.needs_guarantors(db, loan)
    ctx["guarantees_waiting"] = (guarantees.disbursement_refusal(db, loan)
                                 if ctx["may_disburse"] and loan.contract_accepted_at else None)
    ctx["mask_name"] = mask_name
    # staff who may handle guarantee contracts, before disbursement: a link again, the missing contracts
    ctx["may_handle_guarantees"] = (perms.LOANS_GUARANTEES.held_by(user.roles) and loan.status == ledger.PENDING
                                    and ctx["needs_guarantors"] and loan.contract_accepted_at is not None
                                    and access.guarantee_staff_refusal(user.roles, facts_of(db, user, loan)) is None)
    ctx["guarantors_missing"] = guarantees.missing(db, loan) if ctx["may_handle_guarantees"] else []
    transactions = db.execute(select(LoanTransaction).where(LoanTransaction.loan_id == loan.id)
                              .order_by(LoanTransaction.id)).scalars().all()
    reversed_ids = {t.reverses_id for t in transactions if t.reverses_id}
    ctx["transactions"], ctx["reversed_ids"] = transactions, reversed_ids
    # the terms now (the latest 展期/重组's), shown beside the contract's when they differ
    rate_now, months_now, method_now = ledger.terms_now(
        service.terms_of(loan), [ledger.Transaction(t.id, t.kind, t.value_date, months=t.months, annual_rate=t.annual_rate,
                                                    method=t.method) for t in transactions if t.kind == ledger.RESCHEDULE])
    ctx["terms_now"] = None if (rate_now, months_now, method_now) == (loan.annual_rate, loan.months, loan.method) else {
        "rate": rate_now, "months": months_now, "method_label": schedules.METHOD_LABELS.get(method_now, UNKNOWN)}
    if loan.is_line:
        _line_context(db, user, loan, ctx, member=member, today=today)
    if loan.disbursed_on is not None:
        state = ctx.get("line_state") or service.state_of(db, loan, max(today, loan.disbursed_on))
        ctx["instalments"] = state.instalments
        on = quote_on or today
        if loan.status in (ledger.ACTIVE, ledger.OVERDUE):
            ctx["quote"] = service.payoff(db, loan=loan, on=max(on, loan.disbursed_on))
    elif loan.is_line:
        ctx["instalments"], ctx["preview"] = None, ()
        if member and loan.contract_accepted_at is None and loan.payee_account and loan.repayment_account:
            ctx["contract_sha256"] = contract.sha256_of(db, loan)
    else:
        ctx["instalments"] = None
        ctx["preview"] = schedules.build_schedule(principal=loan.principal, annual_rate=loan.annual_rate,
                                                  months=loan.months, method=loan.method, start=today,
                                                  day_count=loan.day_count)
        if member and loan.contract_accepted_at is None and loan.payee_account and loan.repayment_account:
            ctx["contract_sha256"] = contract.sha256_of(db, loan)
    if ctx["reads_journal"]:
        entries = db.execute(select(JournalEntry).where(JournalEntry.loan_id == loan.id)
                             .options(selectinload(JournalEntry.lines))
                             .order_by(JournalEntry.id.desc()).limit(60)).scalars().all()
        ctx["journal"] = entries
        ctx["account_name"] = lambda code: accounting.ACCOUNTS[code].name if code in accounting.ACCOUNTS else UNKNOWN
    if staff:  # changes a second person approves: staff only (the borrower is told once one is applied)
        requests = changes.of_loan(db, loan)
        ctx["change_requests"] = requests
        ctx["describe_change"] = lambda change: changes.describe(db, change)
        ctx["may_request_changes"] = perms.LOANS_REQUEST_CHANGES.held_by(user.roles) and loan.disbursed_on is not None
        ctx["change_kinds"] = {kind: label for kind, label in change_rules.KIND_LABELS.items()
                               if change_rules.request_refusal(kind, user.roles) is None
                               and not (loan.is_line and kind in (change_rules.EXTENSION, change_rules.RESTRUCTURING))
                               and (kind != change_rules.REFUND or loan.credit > 0)}  # a refund: only of credit held
        ctx["repayment_account_masked"] = service.masked_account(loan.repayment_account)
        ctx["reversible"] = [t for t in transactions if t.kind in service.REVERSIBLE and t.id not in reversed_ids]
        ctx["extension_limit"] = change_rules.max_extension_months(loan.months)
        ctx["term_class"] = change_rules.term_class(loan.months)
        ctx["current_term"] = changes.current_term(db, loan)
        ctx["restructure_methods"] = {m: schedules.METHOD_LABELS[m] for m in changes.RESTRUCTURE_METHODS}
        ctx["change_kind_label"] = lambda kind: change_rules.KIND_LABELS.get(kind, UNKNOWN)
        ctx["change_status_label"] = lambda status: change_rules.STATUS_LABELS.get(status, UNKNOWN)
        ctx["change_status_tone"] = lambda status: change_rules.STATUS_TONES.get(status, "light")
        names = {u.id: u.display_name for u in db.execute(select(User).where(User.id.in_(
            {c.requested_by_id for c in requests} | {c.decided_by_id for c in requests}))).scalars()}
        ctx["person"] = lambda user_id: names.get(user_id, "—")
        ctx["decision_refusal"] = lambda change: change_rules.decision_refusal(
            change.kind, user_id=user.id, roles=user.roles, requested_by_id=change.requested_by_id,
            loan_approved_by_id=loan.approved_by_id)
        ctx["user_id"] = user.id
        ctx["pending_reversal_of"] = next((c.transaction_id for c in requests if c.kind == change_rules.REVERSAL
                                           and c.status == change_rules.PENDING), None)
    ctx.update(extra or {})
    return render(request, "loans/detail.html", ctx, status_code=status_code)


FULLY_DRAWN = Text("额度已用完：还款后已还的本金可再次提款", "Nothing is left to draw: what you repay can be drawn again")


def _line_context(db: Session, user: User, loan: Loan, ctx: dict[str, Any], *, member: bool, today: date) -> None:
    """A revolving line (随借随还): its state today, its drawdowns, whether this user may draw and,
    if the line cannot be drawn on now, why (the use case's own refusals, in its order)."""
    state = service.state_of(db, loan, max(today, loan.disbursed_on or today))
    ctx["line_state"], ctx["drawdowns"] = state, state.drawdowns
    ctx["drawdown_status"] = lambda d: views.drawdown_status(d, state.as_of)
    ctx["line_start"], ctx["line_expires_on"] = service.line_start(loan), loan.line_expires_on
    may_draw = perms.LOANS_DRAW.held_by(user.roles) and (member or Role.OPERATIONS in user.roles) \
        and loan.status not in (ledger.CLOSED, ledger.WRITTEN_OFF)
    ctx["may_draw"] = may_draw
    if not may_draw:
        return
    blocked: DomainError | None = access.drawdown_refusal(user.id, user.roles, facts_of(db, user, loan))
    if blocked is None and loan.contract_accepted_at is None:
        blocked = Conflict("contract_not_accepted", Text("借款人确认借款合同后才能提款",
                                                         "The borrower must accept the contract first"))
    blocked = blocked or guarantees.disbursement_refusal(db, loan)
    blocked = blocked or ledger.drawdown_refusal(service.terms_of(loan), state, Decimal("0.01"), state.as_of)
    ctx["draw_blocked"] = FULLY_DRAWN if blocked is not None and blocked.code == "over_limit" else \
        (blocked.message if blocked is not None else None)


def _refused(request: Request, db: Session, user: User, loan: Loan, section: str, error: DomainError,
             typed: dict | None = None, quote_on: date | None = None):
    """The loan page again, with the refusal's message in the section the user was in."""
    ctx, status = forms.failed(request, db, error)
    db.expire_all()
    fresh = db.get(Loan, loan.id)
    return _page(request, db, user, fresh, extra={**ctx, "error_section": section, "typed": typed or {}},
                 status_code=status, quote_on=quote_on)


def _act(request: Request, db: Session, user: User, loan: Loan, section: str, notice: str, action: Callable[[], object],
         *, typed: dict | None = None):
    try:
        action()
    except DomainError as error:
        if isinstance(error, NotFound) and error.field == "loan_id":
            raise
        return _refused(request, db, user, loan, section, error, typed)
    return RedirectResponse(f"/loans/{loan.id}?notice={notice}#{section}", status_code=303)


# --- lists ------------------------------------------------------------------------------------------

@router.get("/my/loans")
def my_loans(request: Request, user: User = Depends(PAGES.mine), db: Session = REQUEST_DB):
    loans = db.execute(visible_loans(user).order_by(Loan.id.desc()).limit(200)).scalars().all()
    return render(request, "loans/mine.html", {"loans": loans})


@router.get("/loans")
def loan_book(request: Request, user: User = Depends(PAGES.book), db: Session = REQUEST_DB):
    view = lists.page_of(request, db, user, loan_list, "/loans")
    return render(request, "loans/book.html", {
        "view": view, "status": view.state.filters.get("status"), "counts": loan_list.counts_by_status(db, user=user),
        "statuses": STATUS_LABELS})


@router.get("/loans/export.{fmt}")
def loan_book_export(request: Request, fmt: Literal["xlsx", "csv"], user: User = Depends(PAGES.book),
                     db: Session = REQUEST_DB):
    """The loan book as filtered and sorted, streamed. Not audited (see `loan_list`)."""
    return lists.export_of(request, db, user, loan_list, fmt, when=utcnow())


# --- dues by date (到期还款) ----------------------------------------------------------------------------

@router.get("/loan-dues")
def loan_dues(request: Request, user: User = Depends(PAGES.book), db: Session = REQUEST_DB):
    today = business_date()
    tabs = due_list.tabs(today)
    if not request.query_params:  # the first tab: today's dues
        return RedirectResponse(f"/loan-dues?{urlencode(tabs[0][2])}", status_code=303)
    summary = None
    try:
        view = lists.page_of(request, db, user, due_list, "/loan-dues")
        summary = due_list.totals(db, user=user, filters=view.state.filters)
    except DomainError as error:  # a bad date or range: the list says why, its filters kept
        lang = request_lang(request)
        view = lists.ListPage(due_list.SPEC, lists.state_from(request, due_list.SPEC), [], 0, lang, "/loan-dues")
        view.message, view.error_field = error.text(lang), error.field
    tab = next((key for key, _, filters in tabs if dict(view.state.filters) == filters), None)
    return render(request, "loans/dues.html", {"view": view, "tab": tab, "tabs": tabs, "today": today,
                                               "summary": summary}, status_code=400 if view.message else 200)


@router.get("/loan-dues/export.{fmt}")
def loan_dues_export(request: Request, fmt: Literal["xlsx", "csv"], user: User = Depends(PAGES.book),
                     db: Session = REQUEST_DB):
    """The dues as filtered and sorted, streamed. Not audited (see `due_list`)."""
    return lists.export_of(request, db, user, due_list, fmt, when=utcnow())


# --- one loan ---------------------------------------------------------------------------------------

@router.get("/loans/{loan_id}")
def loan_page(request: Request, quote_date: str | None = Query(None, alias="quote", max_length=10),
              loan: Loan = PAGES.viewing, user: User = Depends(PAGES.view), db: Session = REQUEST_DB):
    try:
        on = _day(quote_date, "quote")
        if on is not None and loan.disbursed_on is not None and on < loan.disbursed_on:
            raise Invalid("date_before_disbursement",
                          Text("结清日不能早于放款日", "The payoff date cannot be before the disbursement"), "quote")
    except Invalid as error:
        return _refused(request, db, user, loan, "repay", error)
    return _page(request, db, user, loan, quote_on=on)


@router.get("/loans/{loan_id}/contract")
def contract_page(request: Request, loan: Loan = PAGES.viewing, user: User = Depends(PAGES.view),
                  db: Session = REQUEST_DB):
    """The contract inside the platform's page (the text is the document's body, byte for byte), with
    the borrower's acceptance at its end."""
    member = service.facts_of(db, user, loan).member
    ready = member and loan.contract_accepted_at is None and loan.payee_account and loan.repayment_account
    return render(request, "loans/contract_page.html", {
        "loan": loan, "text": contract.text(db, loan), "member": member,
        "contract_sha256": contract.sha256_of(db, loan) if ready else None})


@router.get("/loans/{loan_id}/contract.pdf")
def contract_pdf(loan: Loan = PAGES.viewing, user: User = Depends(PAGES.view), db: Session = REQUEST_DB):
    from smecredit.kernel.pdf import render_pdf

    return Response(render_pdf(contract.render(db, loan)), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="contract-{loan.no}.pdf"'})


@router.get("/loans/{loan_id}/statement.xlsx")
def statement_xlsx(loan: Loan = PAGES.viewing, user: User = Depends(PAGES.view), db: Session = REQUEST_DB):
    data = views.statement(db, loan, business_date())
    return Response(views.statement_xlsx(data), media_type=views.XLSX,
                    headers={"Content-Disposition": f'attachment; filename="statement-{loan.no}.xlsx"'})


@router.post("/loans/{loan_id}/accounts")
async def give_accounts(request: Request, loan: Loan = PAGES.owning, user: User = Depends(PAGES.mine),
                        db: Session = REQUEST_DB):
    form = forms.values(await request.form(), "payee_account", "payee_name", "repayment_account")
    return _act(request, db, user, loan, "contract", "accounts_given",
                lambda: service.set_accounts(db, user=user, loan=loan, payee_name=form.get("payee_name"),
                                             payee_account=form.get("payee_account"),
                                             repayment_account=form.get("repayment_account")), typed=form)


@router.post("/loans/{loan_id}/contract/accept")
async def accept_contract(request: Request, loan: Loan = PAGES.owning, user: User = Depends(PAGES.mine),
                          db: Session = REQUEST_DB):
    form = forms.values(await request.form(), "contract_sha256")
    return _act(request, db, user, loan, "contract", "contract_accepted",
                lambda: service.accept_contract(db, user=user, loan=loan, contract_sha256=form.get("contract_sha256") or ""))


@router.post("/loans/{loan_id}/disburse")
async def disburse(request: Request, loan: Loan = PAGES.disbursing, user: User = Depends(PAGES.disburse),
                   db: Session = REQUEST_DB):
    form = forms.values(await request.form(), "idempotency_key")
    return _act(request, db, user, loan, "summary", "disbursed",
                lambda: service.disburse(db, user=user, loan=loan, idempotency_key=form.get("idempotency_key"),
                                         source="page"))


@router.post("/loans/{loan_id}/guarantees/complete")
async def complete_guarantees(request: Request, loan: Loan = PAGES.guaranteeing, user: User = Depends(PAGES.guarantees),
                              db: Session = REQUEST_DB):
    return _act(request, db, user, loan, "guarantees", "guarantees_completed",
                lambda: guarantees.complete(db, user=user, loan=loan))


@router.post("/loans/{loan_id}/guarantees/{guarantee_id}/resend")
async def resend_guarantee_link(request: Request, guarantee_id: EntityId, loan: Loan = PAGES.guaranteeing,
                                user: User = Depends(PAGES.guarantees), db: Session = REQUEST_DB):
    return _act(request, db, user, loan, "guarantees", "guarantee_link_resent",
                lambda: guarantees.resend_link(db, user=user, loan=loan, guarantee_id=guarantee_id))


@router.post("/loans/{loan_id}/drawdowns")
async def draw(request: Request, loan: Loan = PAGES.drawing, user: User = Depends(PAGES.draw), db: Session = REQUEST_DB):
    form = forms.values(await request.form(), "amount", "idempotency_key")

    def action():
        amount = _money(form.get("amount"), "amount")
        if amount is None:
            raise Invalid("required", Text("请填写提款金额", "Give the amount to draw"), "amount")
        service.draw(db, user=user, loan=loan, amount=amount, idempotency_key=form.get("idempotency_key"), source="page")

    return _act(request, db, user, loan, "draw", "drawn", action, typed=form)


PAYMENT_KINDS = {ledger.REPAYMENT: Text("还款", "Repayment"), ledger.PREPAYMENT: Text("提前还款", "Prepayment")}


@router.post("/loans/{loan_id}/payments")
async def pay(request: Request, loan: Loan = PAGES.repaying, user: User = Depends(PAGES.repay), db: Session = REQUEST_DB):
    form = forms.values(await request.form(), "amount", "value_date", "kind", "mode", "idempotency_key")

    def action():
        amount = _money(form.get("amount"), "amount")
        if amount is None:
            raise Invalid("required", Text("请填写金额", "Give the amount"), "amount")
        kind = form.get("kind") or ledger.REPAYMENT
        if kind not in PAYMENT_KINDS:
            raise Invalid("unknown_kind", Text("类型须为还款或提前还款", "The kind is a repayment or a prepayment"), "kind")
        mode = form.get("mode") or ledger.KEEP_TERM
        if mode not in ledger.PREPAYMENT_MODES:
            raise Invalid("unknown_mode", Text("请选择提前还款后的还款安排", "Choose what a prepayment changes"), "mode")
        service.record_payment(db, user=user, loan=loan, amount=amount, value_date=_day(form.get("value_date"), "value_date"),
                               idempotency_key=form.get("idempotency_key"), kind=kind, mode=mode, source="page")

    return _act(request, db, user, loan, "repay", "payment_recorded", action, typed=form)


@router.post("/loans/{loan_id}/transactions/{transaction_id}/reverse")
async def reverse(request: Request, transaction_id: EntityId, loan: Loan = PAGES.operating,
                  user: User = Depends(PAGES.operate), db: Session = REQUEST_DB):
    """Ask for a reversal: a change request a second person approves (四眼原则)."""
    form = forms.values(await request.form(), "reason")
    return _act(request, db, user, loan, "transactions", "reversal_requested",
                lambda: changes.request_change(db, user=user, loan=loan, kind=change_rules.REVERSAL,
                                               transaction_id=transaction_id, reason=form.get("reason")),
                typed={**form, "reversing": transaction_id})


# --- changes a second person approves (loans/changes.py) ----------------------------------------------

CHANGE_FIELDS = ("kind", "reason", "transaction_id", "extra_months", "new_months", "new_annual_rate", "new_method",
                 "effective_on", "amount")


@router.post("/loans/{loan_id}/change-requests")
async def request_change(request: Request, loan: Loan = PAGES.requesting, user: User = Depends(PAGES.request_changes),
                         db: Session = REQUEST_DB):
    form = forms.values(await request.form(), *CHANGE_FIELDS)
    return _act(request, db, user, loan, "changes", "change_requested",
                lambda: changes.request_change(db, user=user, loan=loan, **{k: form.get(k) for k in CHANGE_FIELDS}),
                typed=form)


def _decide(request: Request, db: Session, user: User, change: LoanChangeRequest, notice: str,
            action: Callable[[], object], back: str | None):
    loan = db.get(Loan, change.loan_id)
    try:
        action()
    except DomainError as error:
        return _refused(request, db, user, loan, "changes", error, {"deciding": change.id})
    if back == "list":
        return RedirectResponse(f"/loan-change-requests?notice={notice}", status_code=303)
    return RedirectResponse(f"/loans/{loan.id}?notice={notice}#changes", status_code=303)


@router.post("/loan-change-requests/{change_id}/approve")
async def approve_change(request: Request, change: LoanChangeRequest = PAGES.change_deciding,
                         user: User = Depends(PAGES.approve_changes), db: Session = REQUEST_DB):
    form = forms.values(await request.form(), "comment", "back")
    return _decide(request, db, user, change, "change_approved",
                   lambda: changes.approve(db, user=user, change=change, comment=form.get("comment")), form.get("back"))


@router.post("/loan-change-requests/{change_id}/reject")
async def reject_change(request: Request, change: LoanChangeRequest = PAGES.change_deciding,
                        user: User = Depends(PAGES.approve_changes), db: Session = REQUEST_DB):
    form = forms.values(await request.form(), "comment", "back")
    return _decide(request, db, user, change, "change_rejected",
                   lambda: changes.reject(db, user=user, change=change, comment=form.get("comment")), form.get("back"))


@router.post("/loan-change-requests/{change_id}/cancel")
async def cancel_change(request: Request, change: LoanChangeRequest = PAGES.change_cancelling,
                        user: User = Depends(PAGES.request_changes), db: Session = REQUEST_DB):
    return _decide(request, db, user, change, "change_cancelled",
                   lambda: changes.cancel(db, user=user, change=change), None)


@router.get("/loan-change-requests")
def change_requests(request: Request, user: User = Depends(PAGES.book), db: Session = REQUEST_DB):
    """待审批变更: the requests awaiting a checker (or, filtered, those decided) on the loans the user sees."""
    view = lists.page_of(request, db, user, change_list, "/loan-change-requests", can_export=False)
    return render(request, "loans/changes.html", {
        "view": view, "checker": perms.LOANS_APPROVE_CHANGES.held_by(user.roles)})


@router.get("/loan-transactions")
def transactions_list(request: Request, user: User = Depends(PAGES.book), db: Session = REQUEST_DB):
    """交易流水: the transactions of the loans the user sees, newest first (filters: kind, source, dates)."""
    lang = request_lang(request)
    state = lists.state_from(request, transaction_list.SPEC)
    try:
        transaction_list.check_filters(state.filters)
    except Invalid as error:  # the page with the message at the filter, and no rows
        view = lists.ListPage(transaction_list.SPEC, state, [], 0, lang, "/loan-transactions",
                              message=error.text(lang), error_field=error.field)
        return render(request, "loans/transactions.html", {"view": view}, status_code=422)
    view = lists.page_of(request, db, user, transaction_list, "/loan-transactions")
    return render(request, "loans/transactions.html", {"view": view})


@router.get("/loan-transactions/export.{fmt}")
def transactions_export(request: Request, fmt: Literal["xlsx", "csv"], user: User = Depends(PAGES.book),
                        db: Session = REQUEST_DB):
    """The transactions as filtered and sorted, streamed. Not audited (see `transaction_list`)."""
    return lists.export_of(request, db, user, transaction_list, fmt, when=utcnow())


# --- accounting and the sandbox bank ------------------------------------------------------------------

@router.get("/accounting/trial-balance")
def trial_balance(request: Request, on: str | None = Query(None, alias="date", max_length=10),
                  format: str | None = Query(None, max_length=4), user: User = Depends(PAGES.accounting),
                  db: Session = REQUEST_DB):
    error = None
    try:
        day = _day(on, "date") or business_date()
    except Invalid as refused:
        day, error = business_date(), refused
    data = views.trial_balance(db, day)
    if error is not None:  # the page with the message next to the date (the business date's balances below it)
        ctx, status = forms.failed(request, db, error)
        return render(request, "loans/trial_balance.html", {**ctx, "tb": data, "day": day, "typed_date": on},
                      status_code=status)
    if format == "xlsx":
        return Response(views.trial_balance_xlsx(data), media_type=views.XLSX,
                        headers={"Content-Disposition": f'attachment; filename="trial-balance-{day}.xlsx"'})
    return render(request, "loans/trial_balance.html", {"tb": data, "day": day})


@router.get("/loans-sandbox-bank")
def sandbox_bank(request: Request, user: User = Depends(PAGES.operate), db: Session = REQUEST_DB):
    transfers = db.execute(select(SandboxTransfer).order_by(SandboxTransfer.id.desc()).limit(200)).scalars().all()
    accounts = db.execute(select(SandboxAccount).order_by(SandboxAccount.account_no)).scalars().all()
    return render(request, "loans/sandbox_bank.html", {"transfers": transfers, "accounts": accounts})
