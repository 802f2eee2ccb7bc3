"""Stage 5a tables: loans, their transaction history, the journal, end-of-day runs, and the sandbox
bank (the default payment adapter, whose ledger a person can look at).

A loan's money figures are *derived*: `ledger.state_at(terms, history, date)` recomputes them from
the contract terms and the transactions; the columns under "figures" are that answer as of
``as_of``, rewritten whole by every re-derivation (never adjusted by hand), so reads are one row.
``posted_position`` is the `ledger.Position` the journal reflects: every posting is the difference
between it and the newly derived one.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smecredit.kernel.clock import business_date, to_local
from smecredit.kernel.db import Base, Money, Percent, UTCDateTime
from smecredit.kernel.pii import EncryptedText
from smecredit.loans import ledger, schedules


class Loan(Base):
    __tablename__ = "loans"
    __table_args__ = (Index("ix_loans_status_eod", "status", "eod_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    no: Mapped[str] = mapped_column(String(20), unique=True)  # JK + yyyymmdd + id
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="RESTRICT"),
                                                       unique=True)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="RESTRICT"), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True)
    product_code: Mapped[str] = mapped_column(String(40))
    # --- the contract's terms ---
    principal: Mapped[Decimal] = mapped_column(Money)
    annual_rate: Mapped[Decimal] = mapped_column(Percent)  # percent a year
    apr: Mapped[Decimal | None] = mapped_column(Percent)  # 年化利率, IRR method, percent
    months: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(30))
    penalty_markup: Mapped[Decimal] = mapped_column(Percent)  # percent over the rate: 50 = rate × 1.5
    day_count: Mapped[str | None] = mapped_column(String(10))
    payment_mode: Mapped[str] = mapped_column(String(20))  # entrusted (受托支付) | self (自主支付)
    # The designated account paid at disbursement — the borrower's, or under 受托支付 the counterparty
    # named in the contract — and the account debited on due dates: given by the borrower with the
    # contract (empty until then).
    payee_account: Mapped[str | None] = mapped_column(String(40))
    payee_name: Mapped[str | None] = mapped_column(String(200))
    repayment_account: Mapped[str | None] = mapped_column(String(40))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contract_sha256: Mapped[str | None] = mapped_column(String(64))
    contract_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contract_accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # --- life ---
    status: Mapped[str] = mapped_column(String(20), index=True)  # ledger.STATUSES
    disbursed_on: Mapped[date | None] = mapped_column(Date)
    disbursed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The business date the loan was opened on: the contract's indicative schedule runs from it.
    # Empty for loans opened before it was kept (their contracts run from created_at's local date).
    opened_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # --- figures (the ledger's answer as of `as_of`) ---
    as_of: Mapped[date | None] = mapped_column(Date)
    outstanding_principal: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    overdue_principal: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    overdue_interest: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    current_principal: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    current_interest: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    accrued_interest: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    penalty: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    compound: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    credit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    days_past_due: Mapped[int] = mapped_column(Integer, default=0)
    next_due_date: Mapped[date | None] = mapped_column(Date, index=True)
    next_due_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    maturity_date: Mapped[date | None] = mapped_column(Date)
    posted_position: Mapped[dict] = mapped_column(JSON, default=dict)
    eod_date: Mapped[date | None] = mapped_column(Date)  # the last business date the end of day did
    # the date the stored dues (`LoanDue`) are derived as of; empty: not written yet (loans opened
    # before migration 0015 until `smecredit eod dues` or their next change or end of day)
    dues_as_of: Mapped[date | None] = mapped_column(Date)
    # --- 重组 (restructured through an approved change request): the observation period ---
    restructured_on: Mapped[date | None] = mapped_column(Date)
    observation_start: Mapped[date | None] = mapped_column(Date)
    observation_until: Mapped[date | None] = mapped_column(Date)

    transactions: Mapped[list["LoanTransaction"]] = relationship(
        back_populates="loan", order_by="LoanTransaction.id", foreign_keys="LoanTransaction.loan_id")

    # --- the contract's date and, for a revolving line (随借随还), the line read from the row ---

    @property
    def contract_date(self) -> date:
        """The business date the loan was opened on (its contract's date); loans opened before it
        was kept: the local date of their creation."""
        return self.opened_on or to_local(self.created_at).date()

    @property
    def written_off_amount(self) -> Decimal:
        """What the write-off (核销) took off the books: principal, interest, penalty and compound
        interest. 账销案存: the claim stands against the borrower and is still pursued."""
        p = self.posted_position or {}
        return sum((Decimal(p.get(k, "0")) for k in ("principal_written_off", "interest_written_off",
                                                     "penalty_written_off", "compound_written_off")), Decimal("0.00"))

    @property
    def recovered_amount(self) -> Decimal:
        """Paid on the loan after its write-off (收回)."""
        return Decimal((self.posted_position or {}).get("recovered", "0.00"))

    @property
    def is_line(self) -> bool:
        return self.method == schedules.REVOLVING

    @property
    def line_expires_on(self) -> date | None:
        """A line's maturity: no drawdown on or after it (its term runs from the contract's date)."""
        return schedules.add_months(self.contract_date, self.months) if self.is_line else None

    @property
    def line_available(self) -> Decimal | None:
        """What may be drawn on the line today (`ledger.line_available` on the row's figures)."""
        if not self.is_line:
            return None
        return ledger.line_available(self.principal, self.outstanding_principal, self.status, business_date(),
                                     self.line_expires_on)


class LoanTransaction(Base):
    """One entry of a loan's history (ledger.Transaction); never changed or deleted — a wrong one is
    undone by a reversal, which is another entry."""

    __tablename__ = "loan_transactions"
    __table_args__ = (UniqueConstraint("loan_id", "idempotency_key", name="uq_loan_transactions_loan_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # ledger.KINDS
    value_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    # NO ACTION, not RESTRICT: SQLite checks RESTRICT row by row, which a reversal in the same table trips over
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("loan_transactions.id"), unique=True)
    mode: Mapped[str | None] = mapped_column(String(20))  # prepayment: keep_term | keep_instalment
    months: Mapped[int | None] = mapped_column(Integer)  # reschedule
    annual_rate: Mapped[Decimal | None] = mapped_column(Percent)  # reschedule
    method: Mapped[str | None] = mapped_column(String(30))  # reschedule
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(20))  # api | page | scheduled_debit | command
    bank_reference: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))
    entered_on: Mapped[date] = mapped_column(Date)  # the business date it was entered
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    loan: Mapped[Loan] = relationship(back_populates="transactions", foreign_keys=[loan_id])


class LoanDue(Base):
    """One instalment of a loan's derived schedule with what it asks for, what was paid and what is
    outstanding (`loans.dues`), as of the loan's ``dues_as_of``: written by `service.settle` with the
    loan's figures, so amounts due can be queried by date across loans."""

    __tablename__ = "loan_dues"
    __table_args__ = (Index("ix_loan_dues_due_date", "due_date"), Index("ix_loan_dues_status_due_date", "status", "due_date"))

    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="RESTRICT"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)  # the instalment's place in the schedule
    number: Mapped[int] = mapped_column(Integer)  # the instalment number people read (期次)
    kind: Mapped[str] = mapped_column(String(20))  # scheduled | prepayment | reschedule | write_off
    due_date: Mapped[date] = mapped_column(Date)
    principal: Mapped[Decimal] = mapped_column(Money)
    interest: Mapped[Decimal] = mapped_column(Money)
    penalty: Mapped[Decimal] = mapped_column(Money)  # the loan's open 罚息, on its oldest overdue instalment
    compound: Mapped[Decimal] = mapped_column(Money)  # the loan's open 复利, likewise
    paid_principal: Mapped[Decimal] = mapped_column(Money)
    paid_interest: Mapped[Decimal] = mapped_column(Money)
    written_off: Mapped[Decimal] = mapped_column(Money)
    outstanding: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(12))  # dues.STATUSES


class LoanChangeRequest(Base):
    """A change to a loan that a second person must approve (maker-checker, 四眼原则): a reversal, an
    extension (展期), a restructuring (重组), a write-off (核销) or a refund of credit (溢缴款退还). At most one pending request of a
    kind per loan (a partial unique index); decided once (the row is locked, its status checked)."""

    __tablename__ = "loan_change_requests"
    __table_args__ = (
        Index("uq_loan_change_requests_one_pending", "loan_id", "kind", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
        Index("ix_loan_change_requests_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # change_rules.KINDS
    status: Mapped[str] = mapped_column(String(10))  # pending | approved | rejected | cancelled
    # --- the parameters ---
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("loan_transactions.id"))  # reversal: what it undoes
    extra_months: Mapped[int | None] = mapped_column(Integer)  # extension: months added to the term
    new_months: Mapped[int | None] = mapped_column(Integer)  # restructuring: the new whole term from the disbursement
    new_annual_rate: Mapped[Decimal | None] = mapped_column(Percent)  # restructuring
    new_method: Mapped[str | None] = mapped_column(String(30))  # restructuring
    effective_on: Mapped[date | None] = mapped_column(Date)  # write-off: its date; others: the date applied
    amount: Mapped[Decimal | None] = mapped_column(Money)  # refund: the credit to pay back
    reason: Mapped[str] = mapped_column(String(500))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # --- the decision ---
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(String(1000))
    applied_transaction_id: Mapped[int | None] = mapped_column(ForeignKey("loan_transactions.id"))


class JournalEntry(Base):
    """One balanced posting (its lines sum to zero), in the same transaction as the change."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="RESTRICT"), index=True)
    posted_on: Mapped[date] = mapped_column(Date, index=True)  # the business date
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))  # disbursement | repayment | accrual | reversal | …
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("loan_transactions.id", ondelete="RESTRICT"),
                                                       index=True)

    lines: Mapped[list["JournalLine"]] = relationship(back_populates="entry", order_by="JournalLine.id")


class JournalLine(Base):
    __tablename__ = "journal_lines"
    __table_args__ = (Index("ix_journal_lines_account_posted", "account", "posted_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id", ondelete="RESTRICT"), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="RESTRICT"), index=True)
    posted_on: Mapped[date] = mapped_column(Date)
    account: Mapped[str] = mapped_column(String(20))
    debit: Mapped[Decimal] = mapped_column(Money)
    credit: Mapped[Decimal] = mapped_column(Money)

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")


class EodRun(Base):
    """The end of day of one business date: running until every active loan is done, then done."""

    __tablename__ = "eod_runs"

    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(10))  # running | done
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    loans_done: Mapped[int] = mapped_column(Integer, default=0)


class SandboxAccount(Base):
    """An account at the sandbox bank (the default payment adapter)."""

    __tablename__ = "sandbox_bank_accounts"

    account_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    balance: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SandboxTransfer(Base):
    """The sandbox bank's ledger: every transfer it made, once per idempotency key."""

    __tablename__ = "sandbox_bank_transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    from_account: Mapped[str] = mapped_column(String(40), index=True)
    to_account: Mapped[str] = mapped_column(String(40), index=True)
    to_name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money)
    purpose: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class GuaranteeContract(Base):
    """A guarantor's guarantee contract (保证合同) for one loan: the text as shown (and its SHA-256),
    what it was made from (the guarantor's name and mobile, encrypted; the amount guaranteed), the
    link's token (only its SHA-256) and the one-time code (only a keyed hash) by which the guarantor
    accepts it on the public page."""

    __tablename__ = "guarantee_contracts"
    __table_args__ = (UniqueConstraint("loan_id", "person_id", name="uq_guarantee_contracts_loan_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="RESTRICT"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise_persons.id", ondelete="SET NULL"))
    guarantor_name: Mapped[str] = mapped_column(EncryptedText)
    mobile: Mapped[str] = mapped_column(EncryptedText)
    amount: Mapped[Decimal] = mapped_column(Money)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(12))  # pending | accepted
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_nonce: Mapped[str | None] = mapped_column(String(32))
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
