"""Changes to a loan that a second person approves (maker-checker, 四眼原则): the use cases behind
`/api/v1/loans/{id}/change-requests` and `/api/v1/loan-change-requests/{id}/approve|reject|cancel`
and the loan page's 变更 section.

* `request_change` — operations (reversals, refunds of credit) or the loan officer / operations (展期,
  重组, 核销) ask for the change with a reason; the parameters are checked at once (an extension within
  《贷款通则》's limits, a restructuring the ledger can apply, a write-off date within the loan's life, a
  refund within the credit held),
  so a checker is never shown a request that cannot be applied. At most one pending request of a
  kind per loan (checked under the loan's lock, and a partial unique index).
* `approve` — an approver or a risk manager, never the requester (nor, for a credit change, the
  loan's approver: `change_rules.decision_refusal`), applies the change through the ledger: a new
  transaction, the loan re-derived from its whole history and the journal's balanced entries, all
  in the same transaction; a typed audit event; the borrower told where it concerns them.
* `reject` (with a comment) and `cancel` (the requester withdraws it).

Every use case locks the loan row first, then the request row, then records (entity rows before
the audit head); a request's status is read under that lock, so of two checkers deciding at once
exactly one decision is taken and the other is refused (409 ``already_decided``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smecredit.audit.log import record
from smecredit.identity.models import User
from smecredit.identity.sessions import actor_of
from smecredit.kernel.clock import business_date, utcnow
from smecredit.kernel.db import lock_row
from smecredit.kernel.errors import Conflict, Invalid, not_found
from smecredit.kernel.inputs import clean_text
from smecredit.kernel.money import to_money
from smecredit.kernel.text import Text
from smecredit.loans import change_rules as rules
from smecredit.loans import events, ledger, notices, schedules, service
from smecredit.loans.models import Loan, LoanChangeRequest, LoanTransaction
from smecredit.loans.records import load_for, lock

REQUEST = Text("变更申请", "Change request")
LIVE = (ledger.ACTIVE, ledger.OVERDUE)
MAX_MONTHS = 360
RESTRUCTURE_METHODS = tuple(m for m in schedules.METHODS if m != schedules.REVOLVING)


# --- reading ----------------------------------------------------------------------------------------

def load_change_for(db: Session, *, user: User, change_id: int) -> LoanChangeRequest:
    """The request if the user may see its loan; NotFound exactly like a missing one otherwise."""
    change = db.get(LoanChangeRequest, change_id)
    if change is None:
        raise not_found(REQUEST, "change_id")
    load_for(db, user=user, loan_id=change.loan_id)  # NotFound when the loan is not theirs to see
    return change


def of_loan(db: Session, loan: Loan) -> list[LoanChangeRequest]:
    return list(db.execute(select(LoanChangeRequest).where(LoanChangeRequest.loan_id == loan.id)
                           .order_by(LoanChangeRequest.id.desc())).scalars())


def current_term(db: Session, loan: Loan) -> int:
    """The loan's whole term in months as it stands: the latest reschedule's, else the contract's."""
    months = db.execute(select(LoanTransaction.months).where(LoanTransaction.loan_id == loan.id,
                                                             LoanTransaction.kind == ledger.RESCHEDULE)
                        .order_by(LoanTransaction.id.desc()).limit(1)).scalar_one_or_none()
    return months or loan.months


def extensions_of(db: Session, loan: Loan) -> int:
    return db.execute(select(func.count()).select_from(LoanChangeRequest).where(
        LoanChangeRequest.loan_id == loan.id, LoanChangeRequest.kind == rules.EXTENSION,
        LoanChangeRequest.status == rules.APPROVED)).scalar_one()


def parameters(change: LoanChangeRequest) -> dict[str, str | int]:
    """The request's parameters (for the audit event and the API), only those of its kind."""
    found: dict[str, str | int] = {}
    if change.transaction_id is not None:
        found["transaction_id"] = change.transaction_id
    if change.extra_months is not None:
        found["extra_months"] = change.extra_months
    if change.new_months is not None:
        found["new_months"] = change.new_months
    if change.new_annual_rate is not None:
        found["new_annual_rate"] = f"{change.new_annual_rate:.2f}"
    if change.new_method is not None:
        found["new_method"] = change.new_method
    if change.effective_on is not None and change.kind == rules.WRITE_OFF:
        found["effective_on"] = change.effective_on.isoformat()
    if change.amount is not None:
        found["amount"] = f"{change.amount:.2f}"
    return found


def describe(db: Session, change: LoanChangeRequest) -> Text:
    """What the request asks for, in words (never codes)."""
    if change.kind == rules.REVERSAL:
        target = db.get(LoanTransaction, change.transaction_id) if change.transaction_id else None
        if target is None:
            return Text("冲正一笔交易", "Reverse a transaction")
        what = {ledger.REPAYMENT: Text("还款", "repayment"), ledger.PREPAYMENT: Text("提前还款", "prepayment"),
                ledger.REFUND: Text("退款", "refund")}.get(target.kind, Text("交易", "transaction"))
        return Text(f"冲正 #{target.id} {what.zh} ¥{target.amount:,.2f}（起息日 {target.value_date}）",
                    f"Reverse #{target.id}, a {what.en} of ¥{target.amount:,.2f} (value date {target.value_date})")
    if change.kind == rules.EXTENSION:
        return Text(f"展期 {change.extra_months} 个月", f"Extend by {change.extra_months} months")
    if change.kind == rules.RESTRUCTURING:
        method = schedules.METHOD_LABELS.get(change.new_method or "", Text("原还款方式", "the same method"))
        rate = f"{change.new_annual_rate:.2f}%" if change.new_annual_rate is not None else None
        return Text(f"重组：期限改为自放款日起 {change.new_months} 个月，年利率 {rate or '不变'}，{method.zh}",
                    f"Restructure: a term of {change.new_months} months from the disbursement, "
                    f"rate {rate or 'unchanged'}, {method.en.lower()}")
    if change.kind == rules.REFUND:
        account = service.masked_account(db.get(Loan, change.loan_id).repayment_account)
        return Text(f"退还溢缴款 ¥{change.amount:,.2f} 至还款账户 {account}",
                    f"Pay ¥{change.amount:,.2f} of credit back to the repayment account {account}")
    return Text(f"核销（核销日 {change.effective_on}）", f"Write off (on {change.effective_on})")


# --- checking the parameters ------------------------------------------------------------------------

def _int(value: object, field: str, label: Text) -> int:
    try:
        number = int(str(value).strip()) if value is not None and str(value).strip() else None
    except ValueError:
        number = None
    if number is None or isinstance(value, float):
        raise Invalid("invalid_number", Text(f"{label.zh}须为整数", f"{label.en} must be a whole number"), field)
    return number


def _rate(value: object) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        value = None
    try:
        rate = Decimal(str(value).strip()) if value is not None else None
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or not Decimal("0") < rate <= Decimal("36") or rate != rate.quantize(Decimal("0.0001")):
        raise Invalid("invalid_rate", Text("新年利率须为大于 0、不超过 36 的百分数（最多 4 位小数）",
                                           "The new rate is a percentage above 0 and at most 36 (4 decimals at most)"),
                      "new_annual_rate")
    return rate


def _date(value: object, field: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid("invalid_date", Text("日期须为 YYYY-MM-DD", "A date is YYYY-MM-DD"), field) from None


def _dry_run(db: Session, loan: Loan, txn: ledger.Transaction, field: str) -> ledger.LoanState:
    """Apply the change to the loan's history on paper: a change the ledger refuses is refused now."""
    history = service.history_of(db, loan)
    try:
        return ledger.state_at(service.terms_of(loan), [*history, txn], max(business_date(), txn.value_date))
    except (ledger.LedgerConflict, ValueError) as exc:
        raise Invalid("cannot_apply", Text("按当前交易记录无法执行该变更（例如新期限早于当期结束）",
                                           "The loan's history does not allow this change (e.g. a term ending "
                                           "before the current period)"), field, details={"reason": str(exc)}) from exc


def _next_id(db: Session) -> int:
    return (db.execute(select(func.max(LoanTransaction.id))).scalar_one() or 0) + 1


def _check(db: Session, loan: Loan, change: LoanChangeRequest, today: date) -> None:
    """The kind's rules (the loan locked): a request that could not be applied is refused now."""
    if loan.disbursed_on is None:
        raise Conflict("not_disbursed", Text("该笔贷款尚未放款", "This loan has not been disbursed"))
    if change.kind == rules.REVERSAL:
        service.reversible(db, loan, change.transaction_id)
        return
    if change.kind == rules.REFUND:
        held = credit_held(db, loan, today)
        if held <= 0:
            raise Conflict("no_credit", Text("该笔贷款没有溢缴款可退", "This loan holds no credit to refund"), "amount")
        if change.amount > held:
            raise Conflict("refund_above_credit", Text(f"退款金额超过现有溢缴款 ¥{held:,.2f}",
                                                       f"The refund is more than the credit held (¥{held:,.2f})"), "amount")
        return
    if loan.status not in LIVE:
        raise Conflict("loan_not_live", Text("只有正常或逾期的贷款可以展期、重组或核销",
                                             "Only a performing or overdue loan can be extended, restructured or written off"))
    if change.kind in (rules.EXTENSION, rules.RESTRUCTURING) and loan.method == schedules.REVOLVING:
        raise Conflict("line_not_rescheduled", Text("随借随还额度暂不支持展期或重组（可申请核销）",
                                                    "A revolving line cannot be extended or restructured yet "
                                                    "(a write-off can be requested)"), "kind")
    if change.kind == rules.EXTENSION:
        refused = rules.extension_refusal(rules.ExtensionFacts(original_months=loan.months,
                                                               extensions_before=extensions_of(db, loan),
                                                               maturity_date=loan.maturity_date, today=today),
                                          change.extra_months)
        if refused is not None:
            code, message = refused
            if code in ("extension_too_long", "extension_not_positive"):
                raise Invalid(code, message, "extra_months")
            raise Conflict(code, message, "extra_months")
        _dry_run(db, loan, ledger.Transaction(_next_id(db), ledger.RESCHEDULE, today,
                                              months=current_term(db, loan) + change.extra_months), "extra_months")
    elif change.kind == rules.RESTRUCTURING:
        if not 1 <= change.new_months <= MAX_MONTHS:
            raise Invalid("invalid_term", Text(f"新期限须为 1–{MAX_MONTHS} 个月", f"The new term is 1 to {MAX_MONTHS} months"),
                          "new_months")
        if change.new_method is not None and change.new_method not in RESTRUCTURE_METHODS:
            raise Invalid("unknown_method", Text("请选择还款方式", "Choose a repayment method"), "new_method")
        same_rate = change.new_annual_rate is None or change.new_annual_rate == service.state_of(db, loan, today).annual_rate
        if change.new_months == current_term(db, loan) and same_rate and change.new_method in (None, loan.method):
            raise Invalid("nothing_changes", Text("重组须改变期限、利率或还款方式", "A restructuring changes the term, the rate or the method"),
                          "new_months")
        _dry_run(db, loan, ledger.Transaction(_next_id(db), ledger.RESCHEDULE, today, months=change.new_months,
                                              annual_rate=change.new_annual_rate, method=change.new_method), "new_months")
    else:  # write-off
        if change.effective_on > today:
            raise Invalid("date_in_future", Text("核销日不能晚于今天（营业日）", "The write-off date cannot be after today"),
                          "effective_on")
        if change.effective_on < loan.disbursed_on:
            raise Invalid("date_before_disbursement", Text("核销日不能早于放款日", "The write-off date cannot be before the disbursement"),
                          "effective_on")
        _dry_run(db, loan, ledger.Transaction(_next_id(db), ledger.WRITE_OFF, change.effective_on), "effective_on")


def credit_held(db: Session, loan: Loan, today: date) -> Decimal:
    """The credit (溢缴款) the loan holds today, derived from its history (the loan row's figure may be
    as of the last end of day)."""
    return service.state_of(db, loan, today).credit


def _refund_amount(value: object) -> Decimal | None:
    """The amount asked for, or None (all the credit held)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    amount = to_money(value if not isinstance(value, str) else value.strip(), exact=True, field="amount")
    if amount <= 0:
        raise Invalid("amount_not_positive", Text("退款金额须大于 0", "The refund must be above 0"), "amount")
    return amount


# --- the use cases ----------------------------------------------------------------------------------

def request_change(db: Session, *, user: User, loan: Loan, kind: object, reason: object, transaction_id: object = None,
                   extra_months: object = None, new_months: object = None, new_annual_rate: object = None,
                   new_method: object = None, effective_on: object = None, amount: object = None) -> LoanChangeRequest:
    """A maker asks for a change; it waits for a checker. Parameters of other kinds are ignored.
    A refund's ``amount`` defaults to all the credit the loan holds when it is asked for."""
    if kind not in rules.KINDS:
        raise Invalid("unknown_kind", Text("请选择变更类型：冲正、展期、重组、核销或溢缴款退还",
                                           "Choose the kind of change: reversal, extension, restructuring, write-off "
                                           "or refund of credit"), "kind")
    refused = rules.request_refusal(kind, user.roles)
    if refused is not None:
        raise refused
    if reason is not None and not isinstance(reason, str):
        reason = None
    reason = clean_text(reason, "reason", required=True, max_len=500, name=False,
                        label=Text("变更原因", "The reason for the change"))
    today = business_date()
    change = LoanChangeRequest(loan_id=loan.id, kind=kind, status=rules.PENDING, reason=reason,
                               requested_by_id=user.id, requested_at=utcnow())
    if kind == rules.REVERSAL:
        change.transaction_id = _int(transaction_id, "transaction_id", Text("交易编号", "The transaction"))
    elif kind == rules.EXTENSION:
        change.extra_months = _int(extra_months, "extra_months", Text("展期月数", "The extension"))
    elif kind == rules.RESTRUCTURING:
        change.new_months = _int(new_months, "new_months", Text("新期限", "The new term"))
        change.new_annual_rate = _rate(new_annual_rate)
        method = new_method.strip() if isinstance(new_method, str) else new_method
        change.new_method = method or None
    elif kind == rules.WRITE_OFF:
        change.effective_on = _date(effective_on, "effective_on") or today
    else:
        change.amount = _refund_amount(amount)
    loan = lock(db, loan)
    if kind == rules.REFUND and loan.disbursed_on is not None:
        held = credit_held(db, loan, today)
        if change.amount is None:
            change.amount = held  # all of it (none: refused by the check)
        elif change.amount > held:
            raise Invalid("refund_above_credit", Text(f"退款金额不能超过现有溢缴款 ¥{held:,.2f}",
                                                      f"The refund cannot be more than the credit held (¥{held:,.2f})"),
                          "amount")
    _check(db, loan, change, today)
    pending = db.execute(select(LoanChangeRequest.id).where(LoanChangeRequest.loan_id == loan.id,
                                                            LoanChangeRequest.kind == kind,
                                                            LoanChangeRequest.status == rules.PENDING)).first()
    if pending is not None:
        raise _one_pending(kind)
    try:
        with db.begin_nested():
            db.add(change)
            db.flush()
    except IntegrityError as exc:  # the partial unique index: a request made meanwhile
        raise _one_pending(kind) from exc
    record(db, actor_of(user), events.ChangeRequested(entity_id=loan.id, no=loan.no, request_id=change.id, kind=kind,
                                                      parameters=parameters(change), reason=reason))
    db.flush()
    return change


def _one_pending(kind: str) -> Conflict:
    what = rules.KIND_LABELS[kind]
    return Conflict("pending_exists", Text(f"该笔贷款已有一项待审批的{what.zh}申请", f"This loan already has a {what.en.lower()} awaiting approval"),
                    "kind")


def _decidable(db: Session, change: LoanChangeRequest) -> tuple[Loan, LoanChangeRequest]:
    """Lock the loan, then the request (entity rows before the audit head); it must still be pending."""
    loan = lock(db, db.get(Loan, change.loan_id))
    change = lock_row(db, LoanChangeRequest, change.id)
    if change.status != rules.PENDING:
        status = rules.STATUS_LABELS[change.status]
        raise Conflict("already_decided", Text(f"该申请已处理（{status.zh}），不能再次处理",
                                               f"This request was dealt with already ({status.en.lower()})"))
    return loan, change


def _comment(value: object, *, required: bool) -> str | None:
    if value is not None and not isinstance(value, str):
        value = None if not required else ""
    return clean_text(value, "comment", required=required, max_len=1000, name=False,
                      label=Text("审批意见", "The comment"))


def approve(db: Session, *, user: User, change: LoanChangeRequest, comment: object = None,
            source: str = "page") -> LoanChangeRequest:
    """A checker approves: the change is applied through the ledger in this transaction (the entry
    records ``source``: the page or the API the approval came through)."""
    comment = _comment(comment, required=False)
    loan, change = _decidable(db, change)
    refused = rules.decision_refusal(change.kind, user_id=user.id, roles=user.roles,
                                     requested_by_id=change.requested_by_id, loan_approved_by_id=loan.approved_by_id)
    if refused is not None:
        raise refused
    today = business_date()
    _check(db, loan, change, today)  # still applicable (the loan may have changed since the request)
    requested_by = change.requested_by_id
    if change.kind == rules.REVERSAL:
        target = service.reversible(db, loan, change.transaction_id)
        row = service.apply_reversal(db, user=user, loan=loan, target=target, reason=change.reason,
                                     request_id=change.id, requested_by_id=requested_by, source=source)
        change.effective_on = row.value_date
    elif change.kind == rules.EXTENSION:
        months = current_term(db, loan) + change.extra_months
        row, state = service.reschedule(db, user=user, loan=loan, months=months, source=source)
        change.effective_on = today
        record(db, actor_of(user), events.LoanExtended(
            entity_id=loan.id, no=loan.no, request_id=change.id, requested_by_id=requested_by, transaction_id=row.id,
            extra_months=change.extra_months, months=months, maturity_date=str(state.maturity_date), comment=comment))
        notices.tell(db, loan, notices.EXTENDED, maturity=str(state.maturity_date))
    elif change.kind == rules.RESTRUCTURING:
        row, state = service.reschedule(db, user=user, loan=loan, months=change.new_months,
                                        annual_rate=change.new_annual_rate, method=change.new_method, source=source)
        change.effective_on = today
        observed = rules.observation_period([i.due_date for i in state.instalments], today)
        loan.restructured_on = today
        loan.observation_start, loan.observation_until = observed if observed else (None, None)
        record(db, actor_of(user), events.LoanRestructured(
            entity_id=loan.id, no=loan.no, request_id=change.id, requested_by_id=requested_by, transaction_id=row.id,
            months=change.new_months, annual_rate=f"{state.annual_rate:.4f}", method=change.new_method or loan.method,
            observation_start=str(loan.observation_start) if loan.observation_start else None,
            observation_until=str(loan.observation_until) if loan.observation_until else None, comment=comment))
        notices.tell(db, loan, notices.RESTRUCTURED, maturity=str(state.maturity_date))
    elif change.kind == rules.REFUND:
        row = service.apply_refund(db, user=user, loan=loan, amount=change.amount, request_id=change.id,
                                   requested_by_id=requested_by, reason=change.reason, comment=comment,
                                   source=source)
        change.effective_on = row.value_date
    else:
        row, state = service.write_off(db, user=user, loan=loan, on=change.effective_on, source=source)
        p = state.position
        record(db, actor_of(user), events.LoanWrittenOff(
            entity_id=loan.id, no=loan.no, request_id=change.id, requested_by_id=requested_by, transaction_id=row.id,
            value_date=change.effective_on.isoformat(), principal=str(p.principal_written_off),
            interest=str(p.interest_written_off + p.penalty_written_off + p.compound_written_off), comment=comment))
    change.status, change.decided_by_id, change.decided_at = rules.APPROVED, user.id, utcnow()
    change.comment, change.applied_transaction_id = comment, row.id
    db.flush()
    return change


def reject(db: Session, *, user: User, change: LoanChangeRequest, comment: object) -> LoanChangeRequest:
    """A checker rejects the request, saying why; nothing changes on the loan."""
    comment = _comment(comment, required=True)
    loan, change = _decidable(db, change)
    refused = rules.decision_refusal(change.kind, user_id=user.id, roles=user.roles,
                                     requested_by_id=change.requested_by_id, loan_approved_by_id=loan.approved_by_id)
    if refused is not None:
        raise refused
    change.status, change.decided_by_id, change.decided_at, change.comment = rules.REJECTED, user.id, utcnow(), comment
    record(db, actor_of(user), events.ChangeRejected(entity_id=loan.id, no=loan.no, request_id=change.id, kind=change.kind,
                                                     requested_by_id=change.requested_by_id, comment=comment))
    db.flush()
    return change


def cancel(db: Session, *, user: User, change: LoanChangeRequest) -> LoanChangeRequest:
    """The requester withdraws a pending request."""
    loan, change = _decidable(db, change)
    refused = rules.cancel_refusal(user_id=user.id, requested_by_id=change.requested_by_id)
    if refused is not None:
        raise refused
    change.status, change.decided_by_id, change.decided_at = rules.CANCELLED, user.id, utcnow()
    record(db, actor_of(user), events.ChangeCancelled(entity_id=loan.id, no=loan.no, request_id=change.id, kind=change.kind))
    db.flush()
    return change
