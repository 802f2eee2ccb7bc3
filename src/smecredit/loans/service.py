"""The use cases of a loan. Each is keyword-only, takes the session, locks the loan row first (before
the audit head), checks, writes the transaction, re-derives the loan from its whole history
(`settle`), posts the balanced journal entry of the change, records its typed audit event and
**flushes**; the edge commits.

`settle` is the only writer of a loan's figures: it recomputes them with `ledger.state_at` from the
terms and every transaction (so a backdated payment or a reversal re-derives everything after it),
keeps the stored dues (`due_rows`, the instalments by date) with them, and posts to the journal exactly the difference between what the journal held and the new
position — first the interest earned up to today under the old history (an accrual entry), then
the change itself.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from smecredit.audit.log import Actor, record
from smecredit.identity.models import User
from smecredit.identity.sessions import actor_of
from smecredit.kernel.clock import business_date, utcnow
from smecredit.identity.roles import Role
from smecredit.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from smecredit.kernel.inputs import clean_text
from smecredit.kernel.money import to_money
from smecredit.kernel.text import Text
from smecredit.loans import access, accounting, bank, contract, due_rows, events, guarantees, ledger, notices, schedules
from smecredit.loans.ledger import DISBURSEMENT, DRAWDOWN, KEEP_TERM, PREPAYMENT, REPAYMENT, REVERSAL, LoanState, Position
from smecredit.loans.models import JournalEntry, JournalLine, Loan, LoanTransaction
from smecredit.loans.records import facts_of, lock

ZERO = Decimal("0.00")
PAYMENT_MODES = {"self": Text("自主支付", "Borrower's own payment"), "entrusted": Text("受托支付", "Entrusted payment")}
SOURCES = ("api", "page", "scheduled_debit", "command")


# --- the loan's terms and history as the ledger takes them ------------------------------------------

def terms_of(loan: Loan) -> ledger.LoanTerms:
    return ledger.LoanTerms(principal=loan.principal, annual_rate=loan.annual_rate, months=loan.months,
                            method=loan.method, penalty_markup=loan.penalty_markup / 100, day_count=loan.day_count,
                            line_start=line_start(loan) if loan.method == schedules.REVOLVING else None)


def line_start(loan: Loan) -> date:
    """A revolving line's term runs from the contract's date — the business date the loan was opened
    on, the date the contract's indicative schedule runs from (`contract.opened_on`) — to ``months``
    later; its monthly interest days fall on that day of the month."""
    return contract.opened_on(loan)


def line_maturity(loan: Loan) -> date:
    return ledger.line_maturity(terms_of(loan), line_start(loan))


def _as_ledger(row: LoanTransaction) -> ledger.Transaction:
    return ledger.Transaction(id=row.id, kind=row.kind, value_date=row.value_date, amount=row.amount,
                              reverses=row.reverses_id, mode=row.mode or KEEP_TERM, months=row.months,
                              annual_rate=row.annual_rate, method=row.method)


def history_of(db: Session, loan: Loan) -> list[ledger.Transaction]:
    rows = db.execute(select(LoanTransaction).where(LoanTransaction.loan_id == loan.id)
                      .order_by(LoanTransaction.id)).scalars()
    return [_as_ledger(row) for row in rows]


_LEDGER_COLUMNS = (LoanTransaction.loan_id, LoanTransaction.id, LoanTransaction.kind, LoanTransaction.value_date,
                   LoanTransaction.amount, LoanTransaction.reverses_id, LoanTransaction.mode, LoanTransaction.months,
                   LoanTransaction.annual_rate, LoanTransaction.method)


def histories_of(db: Session, loan_ids) -> dict[int, list[ledger.Transaction]]:
    """`history_of` for many loans in one statement (the end of day's chunk, its loans locked):
    each loan's transactions in id order; a loan with none is absent."""
    histories: dict[int, list[ledger.Transaction]] = {}
    ids = sorted(set(loan_ids))
    if not ids:
        return histories
    rows = db.execute(select(*_LEDGER_COLUMNS).where(LoanTransaction.loan_id.in_(ids))
                      .order_by(LoanTransaction.loan_id, LoanTransaction.id))
    for row in rows:
        histories.setdefault(row.loan_id, []).append(_as_ledger(row))
    return histories


def state_of(db: Session, loan: Loan, on: date | None = None) -> LoanState:
    """The loan recomputed from its history as of ``on`` (default: the business date)."""
    return ledger.state_at(terms_of(loan), history_of(db, loan), on or business_date())


def position_to_json(position: Position) -> dict[str, str]:
    return {name: str(getattr(position, name)) for name in Position.__dataclass_fields__}


def position_from_json(data: dict | None) -> Position:
    return Position(**{name: Decimal(value) for name, value in (data or {}).items()})


# --- re-derivation and posting ----------------------------------------------------------------------

def _post(db: Session, loan: Loan, before: Position, after: Position, *, kind: str, posted_on: date,
          transaction_id: int | None = None) -> JournalEntry | None:
    lines = accounting.entry_lines(before, after)
    if not lines:
        return None
    entry = JournalEntry(loan_id=loan.id, posted_on=posted_on, at=utcnow(), kind=kind, transaction_id=transaction_id)
    db.add(entry)
    db.flush()
    # one INSERT for the lines (the ORM would insert them one at a time to get back ids nobody reads)
    db.execute(insert(JournalLine), [{"entry_id": entry.id, "loan_id": loan.id, "posted_on": posted_on,
                                      "account": line.account, "debit": line.debit, "credit": line.credit}
                                     for line in lines])
    return entry


def _copy_figures(loan: Loan, state: LoanState) -> None:
    for name in ("outstanding_principal", "overdue_principal", "overdue_interest", "current_principal",
                 "current_interest", "accrued_interest", "penalty", "compound", "credit", "days_past_due",
                 "next_due_date", "next_due_amount", "maturity_date"):
        setattr(loan, name, getattr(state, name))
    loan.status = state.status
    loan.as_of = state.as_of


def settle(db: Session, loan: Loan, *, today: date, change: LoanTransaction | None = None,
           derived: LoanState | None = None) -> LoanState:
    """Re-derive the (locked) loan from its whole history and post the journal for ``change``.

    ``derived``: the caller's ``ledger.state_at`` of this loan's current history (nothing written
    since), which the end of day has just computed for the day; used instead of reading the history
    and re-deriving it again when it is as of the date this would derive to and there is no change.
    """
    as_of = max(today, loan.as_of) if loan.as_of else today
    posted = position_from_json(loan.posted_position)
    if derived is not None and change is None and derived.as_of == as_of:
        return _settled(db, loan, today=today, change=None, posted=posted, after=derived)
    terms, history = terms_of(loan), history_of(db, loan)
    try:
        if change is not None:
            before = ledger.state_at(terms, [t for t in history if t.id != change.id], as_of)
            _post(db, loan, posted, before.position, kind="accrual", posted_on=today)
            posted = before.position
        after = ledger.state_at(terms, history, as_of)
    except ledger.LedgerConflict as exc:
        raise Conflict("history_conflict", Text("该操作与贷款的交易记录冲突（例如退款超过溢缴款、展期晚于结清）",
                                                "This clashes with the loan's history (e.g. a refund above the "
                                                "credit held, a reschedule after payoff)"),
                       details={"reason": str(exc)}) from exc
    return _settled(db, loan, today=today, change=change, posted=posted, after=after)


def _settled(db: Session, loan: Loan, *, today: date, change: LoanTransaction | None, posted: Position,
             after: LoanState) -> LoanState:
    """Post what moved from ``posted`` to ``after`` and write ``after`` on the loan row."""
    _post(db, loan, posted, after.position, kind=change.kind if change is not None else "accrual", posted_on=today,
          transaction_id=change.id if change is not None else None)
    # the stored dues go with the figures (due_rows: only what changed is written)
    due_rows.keep(db, loan, after, before=loan.dues_as_of, penalty=loan.penalty, compound=loan.compound,
                  same_history=change is None)
    _copy_figures(loan, after)
    loan.posted_position = position_to_json(after.position)
    loan.updated_at = utcnow()
    loan.version += 1
    return after


# --- opening a loan ---------------------------------------------------------------------------------

def open_loan(db: Session, *, actor: Actor, enterprise_id: int, product_code: str, principal, annual_rate,
              months: int, method: str, penalty_markup, payment_mode: str, payee_account: str | None = None,
              payee_name: str | None = None, repayment_account: str | None = None, application_id: int | None = None,
              offer_id: int | None = None, approved_by_id: int | None = None, day_count: str | None = None,
              apr: Decimal | None = None) -> Loan:
    """A loan awaiting disbursement, on the terms of an accepted offer (stage 4). The accounts come
    with the contract (`set_accounts`) when not known yet. ``apr``: the offer's 年化利率 (fees
    included); computed from the schedule when not given."""
    principal = to_money(principal, exact=True, field="principal")
    annual_rate, penalty_markup = Decimal(annual_rate), Decimal(penalty_markup)
    today = business_date()
    lines = schedules.build_schedule(principal=principal, annual_rate=annual_rate, months=months, method=method,
                                     start=today, day_count=day_count)  # checks the terms, naming the field
    if not Decimal(30) <= penalty_markup <= Decimal(100):
        raise Invalid("penalty_markup_out_of_range", Text("罚息上浮须在 30% 到 100% 之间",
                                                          "The penalty markup must be 30 % to 100 %"), "penalty_markup")
    if payment_mode not in PAYMENT_MODES:
        raise Invalid("unknown_payment_mode", Text("支付方式须为受托支付或自主支付", "The payment mode is entrusted or self"),
                      "payment_mode")
    now = utcnow()
    loan = Loan(no=f"JK-{now.timestamp():.6f}"[-20:], enterprise_id=enterprise_id, application_id=application_id,
                offer_id=offer_id, product_code=product_code, principal=principal, annual_rate=annual_rate,
                apr=apr if apr is not None else schedules.annual_percentage_rate(
                    principal, schedules.cash_flows(lines), received_on=today),
                months=months, method=method, penalty_markup=penalty_markup, day_count=day_count,
                payment_mode=payment_mode, approved_by_id=approved_by_id, status=ledger.PENDING,
                created_at=now, opened_on=today, updated_at=now, version=1, posted_position={})
    db.add(loan)
    db.flush()
    loan.no = f"JK{today:%Y%m%d}{loan.id:06d}"
    if payee_account is not None or repayment_account is not None:
        _accounts(loan, payee_name=payee_name, payee_account=payee_account, repayment_account=repayment_account)
    record(db, actor, events.LoanOpened(entity_id=loan.id, no=loan.no, enterprise_id=enterprise_id,
                                        application_id=application_id, offer_id=offer_id, principal=str(principal),
                                        annual_rate=str(annual_rate), months=months, method=method,
                                        payment_mode=payment_mode))
    db.flush()
    return loan


ACCOUNT_NO = re.compile(r"^[0-9A-Za-z-]{6,40}$")


def _account(value: str | None, field: str, label: Text) -> str:
    text = (value or "").replace(" ", "").strip()
    if not ACCOUNT_NO.match(text):
        raise Invalid("invalid_account", Text(f"{label.zh}须为 6–40 位数字或字母", f"{label.en} must be 6–40 digits or letters"),
                      field)
    return text


def _accounts(loan: Loan, *, payee_name, payee_account, repayment_account) -> None:
    loan.payee_account = _account(payee_account, "payee_account", Text("收款账号", "The payee account"))
    loan.repayment_account = _account(repayment_account, "repayment_account", Text("还款账号", "The repayment account"))
    loan.payee_name = clean_text(payee_name, "payee_name", required=True, max_len=200,
                                 label=Text("收款人名称", "The payee's name"))


def set_accounts(db: Session, *, user: User, loan: Loan, payee_name: str | None, payee_account: str | None,
                 repayment_account: str | None) -> Loan:
    """The borrower names the designated account (under 受托支付: the counterparty's, with its name;
    otherwise their own) and the repayment account, before accepting the contract that names them."""
    from smecredit.enterprises.models import Enterprise

    loan = lock(db, loan)
    if not facts_of(db, user, loan).member:
        raise Forbidden("borrower_only", Text("只有借款企业可以填写账户", "Only the borrower gives the accounts"))
    if loan.contract_accepted_at is not None:
        raise Conflict("contract_already_accepted", Text("借款合同已确认，账户不能再改", "The contract was accepted: the accounts are fixed"))
    if loan.payment_mode == "self":
        payee_name = db.get(Enterprise, loan.enterprise_id).name  # 自主支付: the borrower's own account
    _accounts(loan, payee_name=payee_name, payee_account=payee_account, repayment_account=repayment_account)
    loan.version += 1
    loan.updated_at = utcnow()
    record(db, actor_of(user), events.AccountsGiven(entity_id=loan.id, no=loan.no, payment_mode=loan.payment_mode))
    db.flush()
    return loan


def accept_contract(db: Session, *, user: User, loan: Loan, contract_sha256: str) -> Loan:
    """The borrower accepts the contract text they were shown (its SHA-256 proves which)."""
    from smecredit.loans import contract

    loan = lock(db, loan)
    if not facts_of(db, user, loan).member:
        raise Forbidden("borrower_only", Text("只有借款企业可以确认借款合同", "Only the borrower accepts the contract"))
    if loan.contract_accepted_at is not None:
        raise Conflict("contract_already_accepted", Text("借款合同已确认", "The contract was accepted already"))
    if not loan.payee_account or not loan.repayment_account:
        raise Conflict("accounts_missing", Text("请先填写收款账户与还款账户", "Give the payee and repayment accounts first"),
                       "payee_account")
    expected = contract.sha256_of(db, loan)
    if contract_sha256 != expected:
        raise Conflict("contract_changed", Text("合同文本已变化，请重新阅读后确认", "The contract text changed; read it again"),
                       "contract_sha256")
    loan.contract_sha256, loan.contract_accepted_at, loan.contract_accepted_by_id = expected, utcnow(), user.id
    loan.version += 1
    record(db, actor_of(user), events.ContractAccepted(entity_id=loan.id, no=loan.no, contract_sha256=expected))
    guarantees.prepare(db, actor=actor_of(user), loan=loan)  # 保证: each guarantor's contract, a link by SMS
    db.flush()
    return loan


# --- money ------------------------------------------------------------------------------------------

def _key(idempotency_key: str | None, *, required: bool = True) -> str | None:
    if idempotency_key is None or not idempotency_key.strip():
        if required:
            raise Invalid("idempotency_key_required", Text("请提供 Idempotency-Key 请求头（每个请求唯一）",
                                                           "Send an Idempotency-Key header (unique per request)"),
                          "Idempotency-Key")
        return None
    key = idempotency_key.strip()
    if len(key) > 100 or not key.isprintable():
        raise Invalid("idempotency_key_invalid", Text("Idempotency-Key 最多 100 个可打印字符",
                                                      "The Idempotency-Key is at most 100 printable characters"),
                      "Idempotency-Key")
    return key


def _replayed(db: Session, loan: Loan, key: str | None, **same) -> LoanTransaction | None:
    """The transaction an earlier request with this key made, if any (the same request again, by the
    same person); a key used for a different request, or by someone else, is refused. Read under the loan's row lock, so of requests racing
    with one key exactly one makes the transaction and the others get it back (`replayed`)."""
    if key is None:
        return None
    found = db.execute(select(LoanTransaction).where(LoanTransaction.loan_id == loan.id,
                                                     LoanTransaction.idempotency_key == key)).scalar_one_or_none()
    if found is not None and any(getattr(found, name) != value for name, value in same.items()):
        raise Conflict("idempotency_key_reused", Text("该 Idempotency-Key 已用于另一笔不同的请求",
                                                      "This Idempotency-Key was used for a different request"),
                       "Idempotency-Key")
    if found is not None:
        db.info.setdefault(_GIVEN_BACK, set()).add(found.id)
    return found


_GIVEN_BACK = "loans.transactions_given_back"  # in the session's own info: ids handed back this request


def replayed(db: Session, row: LoanTransaction) -> bool:
    """Was ``row`` given back to a repeated request (the same Idempotency-Key), not made by it? The
    API answers 200 then, 201 when it was made."""
    return row.id in db.info.get(_GIVEN_BACK, ())


def _new_transaction(db: Session, loan: Loan, *, user: User | None, kind: str, value_date: date, amount: Decimal,
                     source: str, key: str | None = None, **fields) -> LoanTransaction:
    row = LoanTransaction(loan_id=loan.id, kind=kind, value_date=value_date, amount=amount, idempotency_key=key,
                          source=source, entered_on=business_date(), entered_at=utcnow(),
                          entered_by_id=user.id if user else None, **fields)
    db.add(row)
    db.flush()
    return row


def disburse(db: Session, *, user: User, loan: Loan, idempotency_key: str | None, source: str = "api") -> LoanTransaction:
    """Pay the principal to the designated account (under 受托支付 the counterparty named in the
    contract) through the payment adapter, exactly once: the loan row is locked, the bank is asked
    under the loan's own key, and the same request key gives back the same disbursement."""
    key = _key(idempotency_key)
    loan = lock(db, loan)
    refused = access.disbursement_refusal(user.id, user.roles, facts_of(db, user, loan))
    if refused is not None:
        raise refused
    found = _replayed(db, loan, key, kind=DISBURSEMENT, entered_by_id=user.id)
    if found is not None:
        return found
    if loan.method == schedules.REVOLVING:
        raise Conflict("revolving_line", Text("随借随还额度不一次放款：借款人（或运营岗代为）在额度内提款",
                                              "A revolving line is not paid out at once: the borrower (or operations "
                                              "for them) draws on it within the limit"))
    if loan.status != ledger.PENDING:
        raise Conflict("already_disbursed", Text("该笔贷款已放款", "This loan was disbursed already"))
    if loan.contract_accepted_at is None:
        raise Conflict("contract_not_accepted", Text("借款人尚未确认借款合同，不能放款",
                                                     "The borrower has not accepted the contract yet"))
    waiting = guarantees.disbursement_refusal(db, loan)
    if waiting is not None:
        raise waiting
    today = business_date()
    transfer = bank.adapter().pay(db, idempotency_key=f"loan-{loan.id}-disbursement", to_account=loan.payee_account,
                                  to_name=loan.payee_name, amount=loan.principal, reference=loan.no,
                                  purpose=f"贷款发放 {loan.no} ({PAYMENT_MODES[loan.payment_mode].zh})")
    row = _new_transaction(db, loan, user=user, kind=DISBURSEMENT, value_date=today, amount=loan.principal,
                           source=source, key=key, bank_reference=transfer.reference)
    loan.disbursed_on, loan.disbursed_by_id = today, user.id
    settle(db, loan, today=today, change=row)
    loan.eod_date = None
    record(db, actor_of(user), events.LoanDisbursed(entity_id=loan.id, no=loan.no, transaction_id=row.id,
                                                    amount=str(loan.principal), value_date=today.isoformat(),
                                                    payment_mode=loan.payment_mode, bank_reference=transfer.reference))
    notices.tell(db, loan, notices.DISBURSED, amount=f"{loan.principal:,.2f}")
    db.flush()
    return row


def draw(db: Session, *, user: User, loan: Loan, amount, idempotency_key: str | None,
         source: str = "api") -> LoanTransaction:
    """提款: draw ``amount`` on a revolving line, paid to the designated account (under 受托支付 the
    counterparty named in the contract) through the payment adapter, exactly once per request key.
    The loan row is locked before the line is read, so drawdowns racing for the same headroom are
    taken one after the other and only those that still fit are paid. The borrower draws online;
    operations may draw on their behalf (never the loan's approver). Like a disbursement, it needs
    the contract accepted and every guarantor's contract accepted; and the line valid (from its
    start to the day before its maturity), nothing overdue, not written off, within the limit."""
    key = _key(idempotency_key)
    amount = to_money(amount, exact=True, field="amount")
    if amount <= 0:
        raise Invalid("amount_not_positive", Text("提款金额须大于 0", "The amount must be above 0"), "amount")
    loan = lock(db, loan)
    refused = access.drawdown_refusal(user.id, user.roles, facts_of(db, user, loan))
    if refused is not None:
        raise refused
    found = _replayed(db, loan, key, kind=DRAWDOWN, amount=amount, entered_by_id=user.id)
    if found is not None:
        return found
    today = business_date()
    terms = terms_of(loan)
    if terms.revolving:
        if loan.contract_accepted_at is None:
            raise Conflict("contract_not_accepted", Text("借款人尚未确认借款合同，不能提款",
                                                         "The borrower has not accepted the contract yet"))
        waiting = guarantees.disbursement_refusal(db, loan)
        if waiting is not None:
            raise waiting
    state = ledger.state_at(terms, history_of(db, loan), today) if terms.revolving else None
    refused = ledger.drawdown_refusal(terms, state, amount, today)
    if refused is not None:
        raise refused
    mode = PAYMENT_MODES[loan.payment_mode]
    transfer = bank.adapter().pay(db, idempotency_key=f"loan-{loan.id}-drawdown-{key}", to_account=loan.payee_account,
                                  to_name=loan.payee_name, amount=amount, reference=loan.no,
                                  purpose=f"额度提款 {loan.no} ({mode.zh})")
    row = _new_transaction(db, loan, user=user, kind=DRAWDOWN, value_date=today, amount=amount, source=source, key=key,
                           bank_reference=transfer.reference)
    if loan.disbursed_on is None:  # the first drawdown: the line is in service from today
        loan.disbursed_on, loan.disbursed_by_id = today, user.id
    state = settle(db, loan, today=today, change=row)
    record(db, actor_of(user), events.LoanDrawn(entity_id=loan.id, no=loan.no, transaction_id=row.id, amount=str(amount),
                                                value_date=today.isoformat(), payment_mode=loan.payment_mode,
                                                bank_reference=transfer.reference,
                                                outstanding=str(state.outstanding_principal),
                                                available=str(state.available)))
    notices.tell(db, loan, notices.DRAWN, amount=f"{amount:,.2f}", available=f"{state.available:,.2f}")
    db.flush()
    return row


def record_payment(db: Session, *, user: User | None, loan: Loan, amount, value_date: date | None = None,
                   idempotency_key: str | None, kind: str = REPAYMENT, mode: str = KEEP_TERM, source: str = "api",
                   actor: Actor | None = None) -> LoanTransaction:
    """A repayment (or a prepayment, ``mode`` keep_term/keep_instalment) with a value date, possibly
    in the past: the loan is re-derived from its history, so a backdated payment changes the
    penalty and everything after it. A borrower's payment is collected from their repayment account
    through the payment adapter; operations record money already received."""
    key = _key(idempotency_key, required=source != "scheduled_debit")
    amount = to_money(amount, exact=True, field="amount")
    if amount <= 0:
        raise Invalid("amount_not_positive", Text("还款金额须大于 0", "The amount must be above 0"), "amount")
    if kind not in (REPAYMENT, PREPAYMENT):
        raise Invalid("unknown_payment_kind", Text("还款类型须为还款或提前还款", "A payment is a repayment or a prepayment"), "kind")
    if mode not in ledger.PREPAYMENT_MODES:
        raise Invalid("unknown_prepayment_mode", Text("提前还款方式须为 keep_term 或 keep_instalment",
                                                      "The prepayment mode is keep_term or keep_instalment"), "mode")
    loan = lock(db, loan)
    if user is not None:
        refused = access.payment_refusal(user.roles, facts_of(db, user, loan))
        if refused is not None:
            raise refused
    today = business_date()
    value_date = value_date or today
    found = _replayed(db, loan, key, kind=kind, amount=amount, value_date=value_date,
                      mode=mode if kind == PREPAYMENT else None, entered_by_id=user.id if user else None)
    if found is not None:
        return found
    if loan.status == ledger.PENDING or loan.disbursed_on is None:
        raise Conflict("not_disbursed", Text("该笔贷款尚未放款", "This loan has not been disbursed"))
    if loan.status == ledger.CLOSED:  # the money would only sit as credit
        raise Conflict("loan_closed", Text("该笔贷款已结清，不再收款；多缴的款项请办理溢缴款退还",
                                           "This loan is paid off and takes no more payments; money paid too much "
                                           "is refunded as credit held"))
    if value_date > today:
        raise Invalid("value_date_in_future", Text("起息日不能晚于今天（营业日）", "The value date cannot be after today"),
                      "value_date")
    if value_date < loan.disbursed_on:
        raise Invalid("value_date_before_disbursement", Text("起息日不能早于放款日", "The value date cannot be before the disbursement"),
                      "value_date")
    reference = None
    if user is not None and Role.APPLICANT in user.roles and Role.OPERATIONS not in user.roles:
        taken = bank.adapter().collect(db, idempotency_key=f"loan-{loan.id}-payment-{key}", from_account=loan.repayment_account,
                                       amount=amount, purpose=f"贷款还款 {loan.no}", reference=loan.no)
        if taken is None or taken.amount != amount:
            raise Conflict("insufficient_funds", Text("还款账户余额不足", "Not enough money in the repayment account"),
                           "amount")
        reference = taken.reference
    row = _new_transaction(db, loan, user=user, kind=kind, value_date=value_date, amount=amount, source=source, key=key,
                           mode=mode if kind == PREPAYMENT else None, bank_reference=reference)
    settle(db, loan, today=today, change=row)
    record(db, actor or actor_of(user), events.PaymentRecorded(
        entity_id=loan.id, no=loan.no, transaction_id=row.id, kind=kind, amount=str(amount),
        value_date=value_date.isoformat(), source=source, backdated=value_date < today))
    db.flush()
    return row


#: what a reversal (冲正) may undo: a payment entered by mistake. Not a refund: the bank paid it out, so
#: undoing its entry would claim money back that never came (money returned is recorded as a payment).
REVERSIBLE = (REPAYMENT, PREPAYMENT)


def reversible(db: Session, loan: Loan, transaction_id: object) -> LoanTransaction:
    """The loan's payment ``transaction_id`` if it may still be reversed."""
    if not isinstance(transaction_id, int) or isinstance(transaction_id, bool):
        raise Invalid("transaction_required", Text("请选择要冲正的交易", "Choose the transaction to reverse"), "transaction_id")
    target = db.get(LoanTransaction, transaction_id)
    if target is None or target.loan_id != loan.id:
        raise NotFound("not_found", Text("交易不存在", "Transaction not found"), "transaction_id")
    if target.kind not in REVERSIBLE:
        raise Conflict("not_reversible", Text("只能冲正录错的还款或提前还款", "Only a wrongly entered payment can be reversed"),
                       "transaction_id")
    if db.execute(select(LoanTransaction.id).where(LoanTransaction.reverses_id == target.id)).first():
        raise Conflict("already_reversed", Text("该笔交易已冲正", "This transaction was reversed already"), "transaction_id")
    return target


def apply_reversal(db: Session, *, user: User, loan: Loan, target: LoanTransaction, reason: str,
                   request_id: int, requested_by_id: int | None, source: str = "page") -> LoanTransaction:
    """Undo a wrongly entered payment once a second person approved it (`loans.changes.approve`,
    the loan locked): a reversal entry; the loan is re-derived without the payment and the journal
    posts the difference."""
    today = business_date()
    row = _new_transaction(db, loan, user=user, kind=REVERSAL, value_date=today, amount=target.amount,
                           source=source, reverses_id=target.id, note=reason)
    settle(db, loan, today=today, change=row)
    record(db, actor_of(user), events.PaymentReversed(entity_id=loan.id, no=loan.no, transaction_id=row.id,
                                                      reverses_id=target.id, amount=str(target.amount), reason=reason,
                                                      request_id=request_id, requested_by_id=requested_by_id))
    notices.tell(db, loan, notices.PAYMENT_REVERSED, amount=f"{target.amount:,.2f}")
    return row


def masked_account(account: str | None) -> str:
    """An account number as notices and audit events show it: its last four characters."""
    return f"****{account[-4:]}" if account else "—"


def apply_refund(db: Session, *, user: User, loan: Loan, amount: Decimal, request_id: int,
                 requested_by_id: int | None, reason: str, comment: str | None, source: str = "page") -> LoanTransaction:
    """Pay credit held (溢缴款) back to the borrower's repayment account once a second person approved
    it (`loans.changes.approve`, the loan locked): the payment adapter pays under a key derived from
    the request, so it is paid once whoever asks again; a `refund` entry; the loan re-derived and
    the journal's entry (2241.01 其他应付款—溢缴款 to 1002 银行存款); an audit event; the borrower told."""
    from smecredit.enterprises.models import Enterprise

    today = business_date()
    holder = db.get(Enterprise, loan.enterprise_id).name
    transfer = bank.adapter().pay(db, idempotency_key=f"loan-{loan.id}-refund-{request_id}",
                                  to_account=loan.repayment_account, to_name=holder, amount=amount, reference=loan.no,
                                  purpose=f"溢缴款退还 {loan.no}")
    row = _new_transaction(db, loan, user=user, kind=ledger.REFUND, value_date=today, amount=amount, source=source,
                           key=f"refund-{request_id}", bank_reference=transfer.reference, note=reason)
    settle(db, loan, today=today, change=row)
    record(db, actor_of(user), events.CreditRefunded(
        entity_id=loan.id, no=loan.no, request_id=request_id, requested_by_id=requested_by_id, transaction_id=row.id,
        amount=str(amount), to_account=masked_account(loan.repayment_account), bank_reference=transfer.reference,
        reason=reason, comment=comment))
    notices.tell(db, loan, notices.REFUNDED, amount=f"{amount:,.2f}", account=masked_account(loan.repayment_account))
    return row


def reschedule(db: Session, *, user: User, loan: Loan, months: int, annual_rate: Decimal | None = None,
               method: str | None = None, source: str = "page") -> tuple[LoanTransaction, LoanState]:
    """A new term (展期/重组) from today, once approved (`loans.changes.approve`, the loan locked)."""
    today = business_date()
    row = _new_transaction(db, loan, user=user, kind=ledger.RESCHEDULE, value_date=today, amount=ZERO,
                           source=source, months=months, annual_rate=annual_rate, method=method)
    return row, settle(db, loan, today=today, change=row)


def write_off(db: Session, *, user: User, loan: Loan, on: date, source: str = "page") -> tuple[LoanTransaction, LoanState]:
    """核销 everything outstanding on ``on``, once approved (the loan locked); later payments are
    recoveries. The journal moves principal and interest to the write-off account (1304)."""
    row = _new_transaction(db, loan, user=user, kind=ledger.WRITE_OFF, value_date=on, amount=ZERO, source=source)
    state = settle(db, loan, today=business_date(), change=row)
    row.amount = state.position.principal_written_off
    return row, state


def payoff(db: Session, *, loan: Loan, on: date) -> ledger.PayoffQuote:
    if loan.disbursed_on is None:
        raise Conflict("not_disbursed", Text("该笔贷款尚未放款", "This loan has not been disbursed"))
    if on < loan.disbursed_on:
        raise Invalid("date_before_disbursement", Text("日期不能早于放款日", "The date cannot be before the disbursement"), "date")
    return ledger.payoff_quote(terms_of(loan), history_of(db, loan), on)
