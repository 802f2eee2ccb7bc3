"""Audit events of stage 5a, one class per kind of change to a loan. Payloads carry numbers, dates
and amounts as decimal strings, never personal information."""

from __future__ import annotations

import dataclasses

from smecredit.audit.catalogue import Event, entity_type, event
from smecredit.kernel.text import Text

entity_type("loan", Text("贷款", "Loan"))
entity_type("eod", Text("日终处理", "End of day"))


@dataclasses.dataclass(frozen=True, kw_only=True)
class _LoanEvent(Event):
    no: str


@event("loan.opened", "loan", Text("生成贷款（待放款）", "Loan opened (awaiting disbursement)"))
class LoanOpened(_LoanEvent):
    enterprise_id: int
    application_id: int | None
    offer_id: int | None
    principal: str
    annual_rate: str
    months: int
    method: str
    payment_mode: str


@event("loan.accounts_given", "loan", Text("填写收款与还款账户", "Accounts given"))
class AccountsGiven(_LoanEvent):
    payment_mode: str


@event("loan.contract_accepted", "loan", Text("借款合同已确认", "Loan contract accepted"))
class ContractAccepted(_LoanEvent):
    contract_sha256: str


@event("loan.disbursed", "loan", Text("放款", "Loan disbursed"))
class LoanDisbursed(_LoanEvent):
    transaction_id: int
    amount: str
    value_date: str
    payment_mode: str
    bank_reference: str


@event("loan.drawn", "loan", Text("额度提款", "Drawn on the line"))
class LoanDrawn(_LoanEvent):
    transaction_id: int
    amount: str
    value_date: str
    payment_mode: str
    bank_reference: str
    outstanding: str  # the line's principal outstanding after the drawdown
    available: str  # what may still be drawn


@event("loan.payment_recorded", "loan", Text("登记还款", "Payment recorded"))
class PaymentRecorded(_LoanEvent):
    transaction_id: int
    kind: str  # repayment | prepayment
    amount: str
    value_date: str
    source: str
    backdated: bool


@event("loan.payment_reversed", "loan", Text("冲正还款", "Payment reversed"))
class PaymentReversed(_LoanEvent):
    transaction_id: int
    reverses_id: int
    amount: str
    reason: str
    request_id: int | None = None  # the change request a second person approved
    requested_by_id: int | None = None


# --- changes approved by a second person (loans/changes.py) ---

@event("loan.change_requested", "loan", Text("提出贷款变更申请（待复核）", "Loan change requested (awaiting approval)"))
class ChangeRequested(_LoanEvent):
    request_id: int
    kind: str  # reversal | extension | restructuring | write_off | refund
    parameters: dict
    reason: str


@event("loan.change_rejected", "loan", Text("驳回贷款变更申请", "Loan change rejected"))
class ChangeRejected(_LoanEvent):
    request_id: int
    kind: str
    requested_by_id: int | None
    comment: str


@event("loan.change_cancelled", "loan", Text("撤回贷款变更申请", "Loan change withdrawn"))
class ChangeCancelled(_LoanEvent):
    request_id: int
    kind: str


@event("loan.extended", "loan", Text("贷款展期", "Loan extended"))
class LoanExtended(_LoanEvent):
    request_id: int
    requested_by_id: int | None
    transaction_id: int
    extra_months: int
    months: int  # the new whole term
    maturity_date: str
    comment: str | None


@event("loan.restructured", "loan", Text("贷款重组", "Loan restructured"))
class LoanRestructured(_LoanEvent):
    request_id: int
    requested_by_id: int | None
    transaction_id: int
    months: int
    annual_rate: str
    method: str
    observation_start: str | None
    observation_until: str | None
    comment: str | None


@event("loan.written_off", "loan", Text("贷款核销", "Loan written off"))
class LoanWrittenOff(_LoanEvent):
    request_id: int
    requested_by_id: int | None
    transaction_id: int
    value_date: str
    principal: str
    interest: str  # interest, penalty and compound interest written off
    comment: str | None


@event("loan.credit_refunded", "loan", Text("退还溢缴款", "Credit refunded"))
class CreditRefunded(_LoanEvent):
    request_id: int
    requested_by_id: int | None
    transaction_id: int
    amount: str
    to_account: str  # the repayment account, masked
    bank_reference: str
    reason: str
    comment: str | None


@event("loan.guarantee_made", "loan", Text("生成保证合同并发送链接", "Guarantee contract made, link sent"))
class GuaranteeContractMade(_LoanEvent):
    guarantee_id: int
    amount: str
    contract_sha256: str
    mobile: str  # masked


@event("loan.guarantee_link_resent", "loan", Text("重新发送保证合同链接（旧链接失效）",
                                                 "Guarantee contract's link sent again (the old one stops working)"))
class GuaranteeLinkResent(_LoanEvent):
    guarantee_id: int
    mobile: str  # masked


@event("loan.guarantee_code_sent", "loan", Text("向保证人发送验证码", "Code sent to a guarantor"))
class GuaranteeCodeSent(_LoanEvent):
    guarantee_id: int
    mobile: str  # masked


@event("loan.guarantee_code_failed", "loan", Text("保证人验证码错误", "A guarantor's code was wrong"))
class GuaranteeCodeFailed(_LoanEvent):
    guarantee_id: int
    attempts: int


@event("loan.guarantee_accepted", "loan", Text("保证人确认保证合同", "Guarantee contract accepted"))
class GuaranteeAccepted(_LoanEvent):
    guarantee_id: int
    contract_sha256: str
    mobile: str  # masked


@event("eod.completed", "eod", Text("日终处理完成", "End of day completed"))
class EodCompleted(Event):
    business_date: str
    loans: int
