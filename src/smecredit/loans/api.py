"""JSON API for stage 5a: `/api/v1/loans` and `/api/v1/accounting`.

Money-moving requests (`disburse`, `repayments`) need an ``Idempotency-Key`` header: the same key
again gives back the same transaction (200) instead of moving money twice; a key reused for a
different request answers 409. Another borrower's loan answers 404, exactly like a missing one.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smecredit.identity.models import User
from smecredit.kernel.clock import business_date
from smecredit.loans import changes, due_list, guarantees, ledger, schemas, service, transaction_list, views
from smecredit.loans.deps import API
from smecredit.loans.models import Loan, LoanChangeRequest, LoanTransaction
from smecredit.loans.records import visible_loans
from smecredit.web.deps import REQUEST_DB
from smecredit.web.openapi import API_ERRORS, errors
from smecredit.web.params import EntityId
from smecredit.web.pagination import Page, Paging

router = APIRouter(prefix="/api/v1/loans", tags=["loans"], responses=errors(*API_ERRORS))
changes_router = APIRouter(prefix="/api/v1/loan-change-requests", tags=["loans"], responses=errors(*API_ERRORS))
transactions_router = APIRouter(prefix="/api/v1/loan-transactions", tags=["loans"], responses=errors(*API_ERRORS))
dues_router = APIRouter(prefix="/api/v1/loan-dues", tags=["loans"], responses=errors(*API_ERRORS))
accounting_router = APIRouter(prefix="/api/v1/accounting", tags=["accounting"], responses=errors(*API_ERRORS))

IDEMPOTENCY_KEY = Header(None, alias="Idempotency-Key", max_length=100,
                         description="每个请求唯一；重复请求返回同一结果 / unique per request; a repeat gets the same result")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _loan_outs(db: Session, loans) -> list[schemas.LoanOut]:
    """The loans as the API shows them: the row, and the rate, term and method now (the latest
    展期/重组's: one query for all of them)."""
    loans = list(loans)
    moves: dict[int, list[ledger.Transaction]] = {loan.id: [] for loan in loans}
    if loans:
        for t in db.execute(select(LoanTransaction).where(LoanTransaction.loan_id.in_(list(moves)),
                                                          LoanTransaction.kind == ledger.RESCHEDULE)).scalars():
            moves[t.loan_id].append(ledger.Transaction(t.id, t.kind, t.value_date, months=t.months,
                                                       annual_rate=t.annual_rate, method=t.method))
    out = []
    for loan in loans:
        contract = ledger.LoanTerms(principal=loan.principal, annual_rate=loan.annual_rate, months=loan.months,
                                    method=loan.method)
        rate, months, method = ledger.terms_now(contract, moves[loan.id])
        out.append(schemas.LoanOut.model_validate(loan).model_copy(
            update={"current_annual_rate": rate, "current_months": months, "current_method": method}))
    return out


def _loan_out(db: Session, loan: Loan) -> schemas.LoanOut:
    return _loan_outs(db, [loan])[0]


@router.get("", response_model=Page[schemas.LoanOut], summary="Loans the caller may see (borrowers: their own), newest first")
def list_loans(paging: Paging, status: str | None = Query(None, max_length=20), user: User = Depends(API.view),
               db: Session = REQUEST_DB):
    query = visible_loans(user)
    if status:
        query = query.where(Loan.status == status)
    total = db.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = db.execute(query.order_by(Loan.id.desc()).limit(paging.limit).offset(paging.offset)).scalars()
    return Page(total=total, items=_loan_outs(db, rows))


@router.get("/{loan_id}", response_model=schemas.LoanOut,
            summary="One loan: status, principal, outstanding principal, interest and penalty, days past due, next due date and amount")
def get_loan(loan: Loan = API.viewing, db: Session = REQUEST_DB):
    return _loan_out(db, loan)


@router.put("/{loan_id}/accounts", response_model=schemas.LoanOut,
            summary="The borrower names the designated (payee) and repayment accounts, before accepting the contract")
def set_accounts(body: schemas.AccountsIn, loan: Loan = API.owning, user: User = Depends(API.mine),
                 db: Session = REQUEST_DB):
    done = service.set_accounts(db, user=user, loan=loan, payee_name=body.payee_name, payee_account=body.payee_account,
                                repayment_account=body.repayment_account)
    return _loan_out(db, done)


@router.get("/{loan_id}/contract", response_model=schemas.ContractOut,
            summary="The contract text (HTML, Chinese) and its SHA-256; ?format=pdf downloads the PDF",
            responses={200: {"content": {"application/pdf": {}}}})
def get_contract(loan: Loan = API.viewing, format: str = Query("json", pattern="^(json|pdf)$"), db: Session = REQUEST_DB):
    from smecredit.loans import contract

    html = contract.render(db, loan)
    if format == "pdf":
        from smecredit.kernel.pdf import render_pdf

        return Response(render_pdf(html), media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="contract-{loan.no}.pdf"'})
    return schemas.ContractOut(loan_id=loan.id, sha256=contract.sha256_of(db, loan), html=html,
                               accepted_at=loan.contract_accepted_at.isoformat() if loan.contract_accepted_at else None)


@router.post("/{loan_id}/contract/accept", response_model=schemas.LoanOut,
             summary="The borrower accepts the contract they read (its SHA-256); recorded with the time and an audit event")
def accept_contract(body: schemas.ContractAcceptIn, loan: Loan = API.owning, user: User = Depends(API.mine),
                    db: Session = REQUEST_DB):
    return _loan_out(db, service.accept_contract(db, user=user, loan=loan, contract_sha256=body.contract_sha256))


@router.post("/{loan_id}/disburse", response_model=schemas.TransactionOut, status_code=201,
             summary="Disburse to the designated account (operations; not the approver); Idempotency-Key required",
             responses={200: {"description": "the same key again: the disbursement made the first time"}})
def disburse(response: Response, loan: Loan = API.disbursing, idempotency_key: str | None = IDEMPOTENCY_KEY,
             user: User = Depends(API.disburse), db: Session = REQUEST_DB):
    row = service.disburse(db, user=user, loan=loan, idempotency_key=idempotency_key)
    if service.replayed(db, row):
        response.status_code = 200
    return schemas.TransactionOut.model_validate(row)


@router.post("/{loan_id}/drawdowns", response_model=schemas.TransactionOut, status_code=201,
             summary="提款: draw on a revolving line (随借随还) within what is available — the borrower, or operations "
                     "for them (not the approver); paid to the designated account; Idempotency-Key required",
             responses={200: {"description": "the same key again: the drawdown made the first time"}})
def drawdown(body: schemas.DrawdownIn, response: Response, loan: Loan = API.drawing,
             idempotency_key: str | None = IDEMPOTENCY_KEY, user: User = Depends(API.draw), db: Session = REQUEST_DB):
    row = service.draw(db, user=user, loan=loan, amount=body.amount, idempotency_key=idempotency_key, source="api")
    if service.replayed(db, row):
        response.status_code = 200
    return schemas.TransactionOut.model_validate(row)


@router.post("/{loan_id}/repayments", response_model=schemas.TransactionOut, status_code=201,
             summary="A repayment or prepayment with its value date (possibly in the past); Idempotency-Key required",
             responses={200: {"description": "the same key again: the payment recorded the first time"}})
def repay(body: schemas.RepaymentIn, response: Response, loan: Loan = API.repaying,
          idempotency_key: str | None = IDEMPOTENCY_KEY, user: User = Depends(API.repay), db: Session = REQUEST_DB):
    row = service.record_payment(db, user=user, loan=loan, amount=body.amount, value_date=body.value_date,
                                 idempotency_key=idempotency_key, kind=body.kind, mode=body.mode, source="api")
    if service.replayed(db, row):
        response.status_code = 200
    return schemas.TransactionOut.model_validate(row)


@router.post("/{loan_id}/transactions/{transaction_id}/reversal", response_model=schemas.ChangeRequestOut,
             status_code=202, summary="Ask for the reversal of a wrongly entered payment (operations): a change request "
                                      "a second person approves (POST /api/v1/loan-change-requests/{id}/approve)")
def reverse(transaction_id: int, body: schemas.ReversalIn, loan: Loan = API.operating,
            user: User = Depends(API.operate), db: Session = REQUEST_DB):
    change = changes.request_change(db, user=user, loan=loan, kind="reversal", transaction_id=transaction_id,
                                    reason=body.reason)
    return schemas.ChangeRequestOut.model_validate(change)


@router.get("/{loan_id}/change-requests", response_model=Page[schemas.ChangeRequestOut],
            summary="The loan's change requests (reversal, extension, restructuring, write-off, refund), newest first")
def list_change_requests(paging: Paging, loan: Loan = API.listing, user: User = Depends(API.book),
                         db: Session = REQUEST_DB):
    rows = changes.of_loan(db, loan)
    return Page(total=len(rows), items=[schemas.ChangeRequestOut.model_validate(r)
                                        for r in rows[paging.offset: paging.offset + paging.limit]])


@router.post("/{loan_id}/change-requests", response_model=schemas.ChangeRequestOut, status_code=201,
             summary="Request a change a second person approves: reversal or refund of credit 溢缴款退还 (operations), "
                     "extension 展期, restructuring 重组 or write-off 核销 (loan officer or operations)")
def create_change_request(body: schemas.ChangeRequestIn, loan: Loan = API.requesting,
                          user: User = Depends(API.request_changes), db: Session = REQUEST_DB):
    change = changes.request_change(db, user=user, loan=loan, **body.model_dump())
    return schemas.ChangeRequestOut.model_validate(change)


@router.get("/{loan_id}/guarantees", response_model=Page[schemas.GuaranteeOut],
            summary="The loan's guarantee contracts (保证合同): guarantor (masked), amount, status, SHA-256")
def list_guarantees(paging: Paging, loan: Loan = API.viewing, db: Session = REQUEST_DB):
    rows = guarantees.of_loan(db, loan)
    return Page(total=len(rows), items=[schemas.GuaranteeOut.of(r) for r in rows[paging.offset: paging.offset + paging.limit]])


@router.post("/{loan_id}/guarantees/complete", response_model=list[schemas.GuaranteeOut], status_code=201,
             summary="补充生成保证合同: a contract and an SMS link for every guarantor of the enterprise who has none "
                     "for this loan (the responsible loan officer or operations; before disbursement)")
def complete_guarantees(loan: Loan = API.guaranteeing, user: User = Depends(API.guarantees), db: Session = REQUEST_DB):
    return [schemas.GuaranteeOut.of(r) for r in guarantees.complete(db, user=user, loan=loan)]


@router.post("/{loan_id}/guarantees/{guarantee_id}/resend", response_model=schemas.GuaranteeOut,
             summary="重新发送保证合同链接: a new link by SMS, the old one stops working (the responsible loan officer "
                     "or operations; not once accepted; at most once a minute per contract)")
def resend_guarantee_link(guarantee_id: EntityId, loan: Loan = API.guaranteeing, user: User = Depends(API.guarantees),
                          db: Session = REQUEST_DB):
    return schemas.GuaranteeOut.of(guarantees.resend_link(db, user=user, loan=loan, guarantee_id=guarantee_id))


@router.get("/{loan_id}/schedule", response_model=list[schemas.InstalmentOut],
            summary="The schedule as it stands (instalments paid, due, overdue and to come); a revolving line: each "
                    "month's interest and each drawdown's principal (due at the line's maturity)")
def schedule(loan: Loan = API.viewing, db: Session = REQUEST_DB):
    if loan.is_line:
        return views.line_schedule(db, loan) if loan.disbursed_on is not None else []
    if loan.disbursed_on is None:
        from smecredit.loans import schedules

        lines = schedules.build_schedule(principal=loan.principal, annual_rate=loan.annual_rate, months=loan.months,
                                         method=loan.method, start=business_date(), day_count=loan.day_count)
        return [schemas.InstalmentOut(number=i.number, kind="scheduled", due_date=i.due_date, principal=i.principal,
                                      interest=i.interest, payment=i.payment, paid_principal=0, paid_interest=0,
                                      status="future") for i in lines]
    state = service.state_of(db, loan)
    return [schemas.InstalmentOut(number=i.number, kind=i.kind, due_date=i.due_date, principal=i.principal,
                                  interest=i.interest, payment=i.payment, paid_principal=i.paid_principal,
                                  paid_interest=i.paid_interest, status=i.status) for i in state.instalments]


@router.get("/{loan_id}/transactions", response_model=Page[schemas.TransactionOut], summary="The loan's history, as entered")
def transactions(paging: Paging, loan: Loan = API.viewing, db: Session = REQUEST_DB):
    rows = db.execute(select(LoanTransaction).where(LoanTransaction.loan_id == loan.id).order_by(LoanTransaction.id)).scalars().all()
    return Page(total=len(rows), items=[schemas.TransactionOut.model_validate(r) for r in rows[paging.offset: paging.offset + paging.limit]])


@router.get("/{loan_id}/statement", response_model=schemas.StatementOut,
            summary="The loan's statement (how every payment was allocated); ?format=xlsx downloads it",
            responses={200: {"content": {XLSX: {}}}})
def statement(loan: Loan = API.viewing, on: date | None = Query(None, alias="date"),
              format: str = Query("json", pattern="^(json|xlsx)$"), db: Session = REQUEST_DB):
    data = views.statement(db, loan, on or business_date())
    if format == "xlsx":
        return Response(views.statement_xlsx(data), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="statement-{loan.no}.xlsx"'})
    return schemas.StatementOut(**data)


@router.get("/{loan_id}/payoff", response_model=schemas.PayoffOut, summary="What pays the loan off on a date (valid for that date)")
def payoff(loan: Loan = API.viewing, on: date | None = Query(None, alias="date"), db: Session = REQUEST_DB):
    quote = service.payoff(db, loan=loan, on=on or business_date())
    return schemas.PayoffOut(date=quote.on, principal=quote.principal, interest=quote.interest, penalty=quote.penalty,
                             compound=quote.compound, credit=quote.credit, total=quote.total)


@accounting_router.get("/trial-balance", response_model=schemas.TrialBalanceOut,
                       summary="The trial balance (科目余额表) up to a date; ?format=xlsx downloads it",
                       responses={200: {"content": {XLSX: {}}}})
def trial_balance(on: date | None = Query(None, alias="date"), format: str = Query("json", pattern="^(json|xlsx)$"),
                  user: User = Depends(API.accounting), db: Session = REQUEST_DB):
    data = views.trial_balance(db, on or business_date())
    if format == "xlsx":
        return Response(views.trial_balance_xlsx(data), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="trial-balance-{data["date"]}.xlsx"'})
    return schemas.TrialBalanceOut(**data)


# --- change requests a second person decides (loans/changes.py) -------------------------------------

@changes_router.get("", response_model=Page[schemas.ChangeRequestOut],
                    summary="Change requests on the loans the caller may see (default: those awaiting approval), oldest first")
def list_changes(paging: Paging, status: Literal["pending", "approved", "rejected", "cancelled"] = "pending",
                 user: User = Depends(API.book), db: Session = REQUEST_DB):
    visible = visible_loans(user).with_only_columns(Loan.id)
    query = select(LoanChangeRequest).where(LoanChangeRequest.status == status, LoanChangeRequest.loan_id.in_(visible))
    total = db.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = db.execute(query.order_by(LoanChangeRequest.id).limit(paging.limit).offset(paging.offset)).scalars()
    return Page(total=total, items=[schemas.ChangeRequestOut.model_validate(r) for r in rows])


@changes_router.post("/{change_id}/approve", response_model=schemas.ChangeRequestOut,
                     summary="Approve and apply (an approver or risk manager; never the requester, nor for a credit "
                             "change the loan's approver): the ledger, the journal and an audit event in one transaction")
def approve_change(body: schemas.DecisionIn, change: LoanChangeRequest = API.change_deciding,
                   user: User = Depends(API.approve_changes), db: Session = REQUEST_DB):
    return schemas.ChangeRequestOut.model_validate(changes.approve(db, user=user, change=change, comment=body.comment,
                                                                    source="api"))


@changes_router.post("/{change_id}/reject", response_model=schemas.ChangeRequestOut,
                     summary="Reject with a comment (an approver or risk manager; not the requester)")
def reject_change(body: schemas.DecisionIn, change: LoanChangeRequest = API.change_deciding,
                  user: User = Depends(API.approve_changes), db: Session = REQUEST_DB):
    return schemas.ChangeRequestOut.model_validate(changes.reject(db, user=user, change=change, comment=body.comment))


@changes_router.post("/{change_id}/cancel", response_model=schemas.ChangeRequestOut,
                     summary="Withdraw a pending request (its requester)")
def cancel_change(change: LoanChangeRequest = API.change_cancelling, user: User = Depends(API.request_changes),
                  db: Session = REQUEST_DB):
    return schemas.ChangeRequestOut.model_validate(changes.cancel(db, user=user, change=change))


# --- the transactions across loans (交易流水) -------------------------------------------------------

TransactionKind = Literal["received", "disbursement", "drawdown", "repayment", "prepayment", "reversal", "refund",
                          "write_off", "reschedule"]
TransactionSource = Literal["api", "page", "scheduled_debit", "command"]


@transactions_router.get("", response_model=Page[schemas.LoanTransactionOut],
                         summary="The transactions of the loans the caller may see, newest value date first; "
                                 "kind (or received = repayments and prepayments), source, value dates from/to, q")
def list_transactions(paging: Paging, kind: TransactionKind | None = Query(None, description="received = repayments and prepayments"),
                      source: TransactionSource | None = None,
                      date_from: date | None = Query(None, alias="from"), date_to: date | None = Query(None, alias="to"),
                      q: str | None = Query(None, max_length=100), user: User = Depends(API.book),
                      db: Session = REQUEST_DB):
    filters = {k: str(v) for k, v in {"kind": kind, "source": source, "from": date_from, "to": date_to, "q": q}.items()
               if v is not None}
    total = transaction_list.count(db, user=user, filters=filters)
    rows = transaction_list.search(db, user=user, filters=filters, sort="value_date", limit=paging.limit,
                                   offset=paging.offset)
    return Page(total=total, items=[schemas.LoanTransactionOut(
        **schemas.TransactionOut.model_validate(r.tx).model_dump(), loan_id=r.tx.loan_id, loan_no=r.loan_no,
        enterprise_name=r.enterprise, reversed=r.reversed) for r in rows])


# --- dues by date (loans/due_list.py) ---------------------------------------------------------------

DueStatus = Literal["future", "current", "overdue", "paid", "written_off"]


@dues_router.get("", response_model=Page[schemas.DueOut],
                 summary="Every instalment falling due from one date to another on the loans the caller may see "
                         "(到期还款: for reminders), by due date; optionally one status or one enterprise")
def list_dues(paging: Paging, due_from: date = Query(alias="from", description="到期日从 / due on or after (YYYY-MM-DD)"),
              due_to: date = Query(alias="to", description="到期日至 / due on or before (YYYY-MM-DD)"),
              status: DueStatus | None = Query(None, description="future 未到期 | current 当期 | overdue 逾期 | paid 已结清 | written_off 已核销"),
              enterprise: int | None = Query(None, ge=1, le=2_147_483_647, description="one borrowing enterprise's id"),
              user: User = Depends(API.book), db: Session = REQUEST_DB):
    criteria = due_list.criteria({"from": due_from.isoformat(), "to": due_to.isoformat(), "status": status or ""},
                                 today=business_date(), enterprise_id=enterprise)
    total = due_list.count(db, user=user, filters=criteria)
    rows = due_list.search(db, user=user, filters=criteria, sort="due_date", limit=paging.limit, offset=paging.offset)
    return Page(total=total, items=[schemas.DueOut.of(row) for row in rows])
