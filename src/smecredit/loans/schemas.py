"""API shapes for stage 5a. Amounts are decimal strings with two places; dates ISO text."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from smecredit.web.inputs import ApiInput


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @field_serializer("*", when_used="json")
    def _money(self, value):
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        return value


class LoanOut(_Out):
    id: int
    no: str
    status: str
    enterprise_id: int
    product_code: str
    principal: Decimal
    annual_rate: Decimal = Field(description="合同年利率（%）/ the contract's rate, percent (as contracted; "
                                             "after 重组 the rate now is current_annual_rate)")
    apr: Decimal | None = Field(description="合同年化利率（IRR，%）/ the contract's annualised rate, IRR method, "
                                            "percent (not recomputed after 展期/重组)")
    months: int = Field(description="合同期限（月）/ the contract's term in months (the term now: current_months)")
    method: str = Field(description="合同还款方式 / the contract's repayment method (now: current_method)")
    current_annual_rate: Decimal | None = Field(None, description="现行年利率（%）：最近一次展期/重组后的利率，否则为合同利率 / "
                                                                "the rate now: the latest reschedule's, else the contract's")
    current_months: int | None = Field(None, description="现行期限（月，自放款起）/ the whole term now in months from "
                                                         "the disbursement: the latest reschedule's, else the contract's")
    current_method: str | None = Field(None, description="现行还款方式 / the repayment method now")
    restructured_on: date | None = Field(None, description="重组日期；未重组为 null / the date the loan was restructured")
    observation_start: date | None = Field(None, description="重组观察期起 / the restructuring's observation period: "
                                                             "from the first repayment date after it")
    observation_until: date | None = Field(None, description="重组观察期止 / the observation period's last day")
    payment_mode: str
    payee_name: str | None = Field(description="收款账户名 / the account paid out to (the counterparty's under 受托支付)")
    payee_account: str | None
    repayment_account: str | None = Field(description="还款账户 / scheduled debits are collected from it")
    contract_sha256: str | None = Field(description="the SHA-256 of the contract text the borrower accepted")
    contract_accepted_at: datetime | None = Field(description="when the borrower accepted the contract; "
                                                  "null: not yet (the loan cannot be paid out)")
    disbursed_on: date | None
    maturity_date: date | None
    as_of: date | None = Field(description="the business date of the figures below")
    outstanding_principal: Decimal
    overdue_principal: Decimal
    overdue_interest: Decimal
    current_principal: Decimal
    current_interest: Decimal
    accrued_interest: Decimal
    penalty: Decimal
    compound: Decimal
    written_off_amount: Decimal = Field(description="核销金额（账销案存：债权仍在，继续追偿）/ written off: off the books, "
                                                    "the claim still stands and is pursued")
    recovered_amount: Decimal = Field(description="核销后收回 / recovered after the write-off")
    credit: Decimal
    days_past_due: int
    next_due_date: date | None
    next_due_amount: Decimal = Field(description="下一应还日应还金额；随借随还额度的当期利息按当前余额预计 / "
                                                 "what falls due next; on a revolving line the period's interest "
                                                 "assumes the balance stays as it is")
    is_line: bool = Field(description="随借随还额度 / a revolving line: principal is its limit (授信额度), "
                                      "outstanding_principal what is drawn and not repaid")
    line_available: Decimal | None = Field(description="可用额度：现在可提款的金额（额度 − 已用；到期、逾期或核销时为 0）/ "
                                                       "what may be drawn now: the limit less what is drawn, 0 once "
                                                       "expired, while overdue or written off; null for a loan")
    line_expires_on: date | None = Field(description="额度到期日：此日起不能再提款，全部本金于此日到期 / the line's "
                                                     "maturity: no drawdown from that day, all its principal due then")

    @field_serializer("annual_rate", "apr", "current_annual_rate", when_used="json")
    def _rate(self, value):
        return None if value is None else f"{value:.4f}"


class InstalmentOut(_Out):
    number: int
    kind: str = Field(description="scheduled | prepayment | write_off; a line's rows: interest (a "
                                  "month's interest by actual days) and drawdown (its principal, due at the maturity)")
    due_date: date
    principal: Decimal
    interest: Decimal
    payment: Decimal
    paid_principal: Decimal
    paid_interest: Decimal
    status: str
    period_start: date | None = Field(default=None, description="the interest period (a line's interest rows)")
    period_end: date | None = None
    drawdown_id: int | None = Field(default=None, description="a line's drawdown row: its transaction")
    drawn_on: date | None = None


class DueOut(_Out):
    """One instalment of a loan as stored for queries by date (`loan_dues`), as of ``as_of``."""
    loan_id: int
    loan_no: str
    enterprise_id: int
    enterprise: str = Field(description="借款企业 / the borrowing enterprise's name")
    seq: int = Field(description="the instalment's place in the loan's schedule (the key with loan_id)")
    number: int = Field(description="期次 / the instalment number people read (a prepayment or a write-off repeats it)")
    kind: str = Field(description="scheduled | prepayment | write_off (reschedule: a row stored before a "
                                  "reschedule's interest went into the first new instalment)")
    due_date: date
    principal: Decimal
    interest: Decimal
    penalty: Decimal = Field(description="罚息: the loan's open penalty interest, on its oldest overdue instalment (0 on the others)")
    compound: Decimal = Field(description="复利: the loan's open compound interest, likewise")
    paid_principal: Decimal
    paid_interest: Decimal
    written_off: Decimal
    outstanding: Decimal = Field(description="principal + interest − paid − written off + penalty + compound")
    status: str = Field(description="on the business date: future 未到期 | current 当期 (due today) | overdue 逾期 | "
                                    "paid 已结清 | written_off 已核销")
    as_of: date | None = Field(description="the date the amounts are derived as of (the loan's last change or end of day)")

    @classmethod
    def of(cls, row) -> "DueOut":
        due = row.due
        return cls(loan_id=due.loan_id, loan_no=row.loan_no, enterprise_id=row.enterprise_id, enterprise=row.enterprise,
                   as_of=row.as_of, status=row.status, **{name: getattr(due, name) for name in (
                       "seq", "number", "kind", "due_date", "principal", "interest", "penalty", "compound",
                       "paid_principal", "paid_interest", "written_off", "outstanding")})


class TransactionOut(_Out):
    id: int
    kind: str
    value_date: date
    amount: Decimal
    reverses_id: int | None
    mode: str | None
    source: str
    bank_reference: str | None
    entered_on: date


class LoanTransactionOut(TransactionOut):
    """A transaction in the list across loans (`GET /api/v1/loan-transactions`)."""

    loan_id: int
    loan_no: str
    enterprise_name: str
    reversed: bool  # a later reversal undid it


class StatementLine(_Out):
    date: date
    kind: str
    transaction_id: int | None
    amount: Decimal
    penalty: Decimal
    compound: Decimal
    interest: Decimal
    principal: Decimal
    to_credit: Decimal
    from_credit: Decimal


class StatementOut(_Out):
    loan_id: int
    as_of: date
    lines: list[StatementLine]
    outstanding_principal: Decimal
    credit: Decimal


class PayoffOut(_Out):
    date: date
    principal: Decimal
    interest: Decimal
    penalty: Decimal
    compound: Decimal
    credit: Decimal
    total: Decimal


class TrialBalanceRow(_Out):
    account: str
    name_zh: str
    name_en: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


class TrialBalanceOut(_Out):
    date: date
    rows: list[TrialBalanceRow]
    total_debit: Decimal
    total_credit: Decimal


class RepaymentIn(ApiInput):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"example": {
        "amount": "10327.97", "value_date": "2025-02-10"}})

    amount: Decimal = Field(description="金额, 元 (decimal string)")
    value_date: date | None = Field(default=None, description="起息日 (default: the business date); may be in the past")
    kind: Literal["repayment", "prepayment"] = "repayment"
    mode: Literal["keep_term", "keep_instalment"] = "keep_term"


class DrawdownIn(ApiInput):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"example": {"amount": "50000.00"}})

    amount: Decimal = Field(description="提款金额, 元 (decimal string), at most what is available")


class AccountsIn(ApiInput):
    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"example": {
        "payee_account": "6222020200001234567", "repayment_account": "6222020200001234567"}})

    payee_account: str = Field(max_length=60, description="收款账号（受托支付：交易对手的账号）")
    payee_name: str | None = Field(default=None, max_length=200, description="受托支付：交易对手名称；自主支付时为借款企业")
    repayment_account: str = Field(max_length=60, description="还款账号（到期扣款）")


class ContractAcceptIn(ApiInput):
    contract_sha256: str = Field(min_length=64, max_length=64, description="SHA-256 of the contract text read (GET …/contract)")


class ContractOut(BaseModel):
    loan_id: int
    sha256: str
    html: str
    accepted_at: str | None


class ReversalIn(ApiInput):
    reason: str = Field(min_length=1, max_length=500)


class ChangeRequestIn(ApiInput):
    """A change a second person approves. Give the parameters of the kind only."""

    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={"example": {
        "kind": "extension", "extra_months": 6, "reason": "受疫情影响回款延迟 / receivables delayed"}})

    kind: Literal["reversal", "extension", "restructuring", "write_off", "refund"] = Field(
        description="reversal 冲正 | extension 展期 | restructuring 重组 | write_off 核销 | refund 溢缴款退还")
    reason: str = Field(min_length=1, max_length=500, description="变更原因（必填）")
    transaction_id: int | None = Field(default=None, description="reversal: the payment (or refund) to undo")
    extra_months: int | None = Field(default=None, description="extension: months added (《贷款通则》: short-term ≤ the term, medium ≤ half, long ≤ 36)")
    new_months: int | None = Field(default=None, description="restructuring: the new whole term in months, from the disbursement")
    new_annual_rate: Decimal | None = Field(default=None, description="restructuring: the new rate, percent (default: unchanged)")
    new_method: Literal["equal_installment", "equal_principal", "interest_only", "bullet"] | None = Field(
        default=None, description="restructuring: the new repayment method (default: unchanged)")
    effective_on: date | None = Field(default=None, description="write_off: its date (default: the business date)")
    amount: Decimal | None = Field(default=None, description="refund: the credit to pay back to the repayment account "
                                                             "(default: all the credit held); at most the credit held")


class DecisionIn(ApiInput):
    comment: str | None = Field(default=None, max_length=1000, description="审批意见（驳回时必填）")


class ChangeRequestOut(_Out):
    id: int
    loan_id: int
    kind: str = Field(description="reversal | extension | restructuring | write_off | refund")
    status: str = Field(description="pending | approved | rejected | cancelled")
    transaction_id: int | None
    extra_months: int | None
    new_months: int | None
    new_annual_rate: Decimal | None
    new_method: str | None
    effective_on: date | None
    amount: Decimal | None = Field(description="refund: the credit paid back")
    reason: str
    requested_by_id: int | None
    requested_at: datetime
    decided_by_id: int | None
    decided_at: datetime | None
    comment: str | None
    applied_transaction_id: int | None = Field(description="the loan transaction the approval made")

    @field_serializer("new_annual_rate", when_used="json")
    def _rate(self, value):
        return None if value is None else f"{value:.4f}"


class GuaranteeOut(_Out):
    """A guarantor's contract for the loan: the guarantor's name masked, never the mobile or the link."""
    id: int
    loan_id: int
    guarantor: str = Field(description="保证人姓名（脱敏）/ the guarantor's name, masked")
    amount: Decimal = Field(description="担保金额 / the amount guaranteed")
    status: str = Field(description="pending | accepted")
    sha256: str = Field(description="SHA-256 of the contract text")
    created_at: datetime
    accepted_at: datetime | None

    @classmethod
    def of(cls, row) -> "GuaranteeOut":
        from smecredit.standards.resident_id import mask_name

        return cls(id=row.id, loan_id=row.loan_id, guarantor=mask_name(row.guarantor_name), amount=row.amount,
                   status=row.status, sha256=row.sha256, created_at=row.created_at, accepted_at=row.accepted_at)
