"""Demo data for stage 5a (first start only; idempotent), after stage 4's: the demo `applicant`'s
enterprise has loans in every state, each made through the use cases on its own business date —
apply (decided at once), accept the offer, give the accounts, accept the contract, disbursed by
`operations` through the sandbox bank, scheduled debits and payments, and the end of day closed for
every business date since the first disbursement up to yesterday — so the figures are the ledger's
and the journal, the sandbox bank and the audit log agree with them:

* awaiting its contract (the accounts not given yet) and awaiting disbursement (contract accepted:
  the 待放款 queue);
* current, its instalments collected from the repayment account on their due dates;
* current, with a payment operations recorded by mistake and reversed the next day (a change request
  operations made and the risk manager approved);
* overdue: its repayment account held enough for the first instalment only, so penalty interest
  (罚息) and compound interest (复利) have been accruing since the second;
* paid off: two instalments collected, then the borrower paid the payoff quote;
* a revolving line (随借随还): drawn by the borrower online, then by operations for them; its
  monthly interest collected by the end of day; part of it repaid by the borrower, so that part is
  available again.

The dates are counted back from the business date at the first start (``SMECREDIT_BUSINESS_DATE``
or today), so the same start date always gives the same loans.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smecredit.applications import demo as applications_demo
from smecredit.decisioning import reviews
from smecredit.identity.models import User
from smecredit.kernel.clock import business_date, on_business_date
from smecredit.kernel.db import lock_row
from smecredit.loans import bank, changes, contract, eod, ledger, offers, service
from smecredit.loans.models import EodRun, Loan, LoanTransaction

log = logging.getLogger("smecredit.demo")
PRODUCT = "tax_loan"


@dataclass(frozen=True)
class Plan:
    """One demo loan: opened ``opened`` days before the start date, disbursed then when ``disburse``."""

    key: str
    amount: str
    months: int
    method: str
    opened: int
    purpose: str
    accounts: bool = True
    accept: bool = True
    disburse: bool = True
    deposit: str | None = None  # the borrower's own money put in the repayment account
    same_account: bool = True  # the disbursement lands in the repayment account


PLANS = (
    Plan("current", "200000", 12, "equal_installment", 65, "旺季备货（演示） / seasonal stock (demo)"),
    Plan("paid_off", "100000", 6, "equal_installment", 62, "支付运费（演示） / freight (demo)", deposit="1000.00"),
    Plan("overdue", "300000", 12, "equal_installment", 50, "采购钢材（演示） / buy steel (demo)", same_account=False),
    Plan("reversed", "150000", 12, "interest_only", 40, "支付货款（演示） / pay suppliers (demo)"),
    Plan("awaiting_disbursement", "250000", 12, "equal_installment", 2, "设备维修（演示） / repairs (demo)",
         disburse=False),
    Plan("awaiting_contract", "180000", 12, "equal_installment", 0, "补充流动资金（演示） / working capital (demo)",
         accounts=False, accept=False, disburse=False),
    Plan("line", "200000", 12, "revolving", 45, "随借随还周转（演示） / revolving working capital (demo)",
         disburse=False),  # a line is drawn on, not disbursed
)
LINE_DRAWS = ((44, "80000.00", "applicant"), (30, "50000.00", "operations"))  # days before the start, amount, who
LINE_REPAID = (12, "60000.00")  # days before the start: the borrower repays part of the line
MISTAKE = (25, 24)  # days before the start: operations records a payment by mistake, then reverses it
PAID_OFF = 20  # days before the start: the borrower pays the payoff quote


def _user(db: Session, username: str) -> User | None:
    return db.execute(select(User).where(User.username == username)).scalar_one_or_none()


def _account(enterprise_id: int, n: int, kind: int) -> str:
    return f"6222{enterprise_id:06d}{kind}{n:03d}"


def _open(db: Session, applicant: User, operations: User, enterprise, plan: Plan, n: int) -> Loan | None:
    """Apply, be decided, accept the offer, give the accounts, accept the contract, be disbursed —
    as far as the plan goes, on the business date it is called on."""
    application = applications_demo.new_application(db, applicant, enterprise, PRODUCT, plan.amount, plan.purpose,
                                                    term_months=plan.months, repayment_method=plan.method)
    if application is None:
        return None
    if application.status != "approved":
        log.info("demo loan %s: the application was not approved automatically (%s)", plan.key, application.status)
        return None
    reviews.accept_offer(db, user=applicant, application=application)
    loan = offers.loan_for_application(db, application.id)
    if loan is None or not plan.accounts:
        return loan
    payee = _account(enterprise.id, n, 1)
    repayment = payee if plan.same_account else _account(enterprise.id, n, 2)
    service.set_accounts(db, user=applicant, loan=loan, payee_name=enterprise.name, payee_account=payee,
                         repayment_account=repayment)
    if plan.deposit is not None:
        bank.SandboxBank().deposit(db, account_no=repayment, holder=enterprise.name, amount=Decimal(plan.deposit))
    if not plan.accept:
        return loan
    service.accept_contract(db, user=applicant, loan=loan, contract_sha256=contract.sha256_of(db, loan))
    if plan.disburse:
        service.disburse(db, user=operations, loan=loan, idempotency_key=f"demo-disburse-{loan.id}", source="page")
    return loan


def _end_of_day(db: Session, day: date) -> None:
    with on_business_date(day):
        eod.day_in(db, day)


def seed_demo(db: Session) -> int:
    """Create the demo loans unless the end of day has run or a loan has a transaction; returns how
    many loans it made."""
    if (db.execute(select(func.count()).select_from(EodRun)).scalar_one()
            or db.execute(select(func.count()).select_from(LoanTransaction)).scalar_one()):
        return 0
    applicant, operations, checker = _user(db, "applicant"), _user(db, "operations"), _user(db, "risk")
    enterprise = applications_demo.own_enterprise(db, applicant)
    if applicant is None or operations is None or checker is None or enterprise is None:
        log.info("demo applicant, operations, risk manager or enterprise missing; skipping the stage 5a demo")
        return 0
    start = business_date()
    loans: dict[str, Loan] = {}
    first = start - timedelta(days=max(p.opened for p in PLANS))
    for offset in range((start - first).days + 1):
        day = first + timedelta(days=offset)
        ago = (start - day).days
        with on_business_date(day):
            for n, plan in enumerate(PLANS, start=1):
                if plan.opened == ago:
                    loan = _open(db, applicant, operations, enterprise, plan, n)
                    if loan is not None:
                        loans[plan.key] = loan
            reversed_loan = loans.get("reversed")
            if reversed_loan is not None and ago == MISTAKE[0]:
                service.record_payment(db, user=operations, loan=reversed_loan, amount=Decimal("13000.00"),
                                       idempotency_key="demo-mistake", source="page")
            if reversed_loan is not None and ago == MISTAKE[1]:
                mistaken = db.execute(select(LoanTransaction).where(
                    LoanTransaction.loan_id == reversed_loan.id,
                    LoanTransaction.idempotency_key == "demo-mistake")).scalar_one()
                # maker-checker: operations asks, the risk manager approves (loans.changes)
                asked = changes.request_change(db, user=operations, loan=reversed_loan, kind="reversal",
                                               transaction_id=mistaken.id,
                                               reason="重复登记，借款人当日并未转账（演示） / entered twice: no money came in (demo)")
                changes.approve(db, user=checker, change=asked, comment="核实无误，同意冲正（演示） / checked, reverse it (demo)")
            line = loans.get("line")
            for when, amount, who in LINE_DRAWS:
                if line is not None and ago == when:
                    service.draw(db, user=applicant if who == "applicant" else operations, loan=line,
                                 amount=Decimal(amount), idempotency_key=f"demo-draw-{when}", source="page")
            if line is not None and ago == LINE_REPAID[0]:
                service.record_payment(db, user=applicant, loan=line, amount=Decimal(LINE_REPAID[1]),
                                       idempotency_key="demo-line-repaid", source="page")
            paid_off = loans.get("paid_off")
            if paid_off is not None and ago == PAID_OFF:
                quote = service.payoff(db, loan=lock_row(db, Loan, paid_off.id), on=day)
                service.record_payment(db, user=applicant, loan=paid_off, amount=quote.total, kind=ledger.PREPAYMENT,
                                       idempotency_key="demo-payoff", source="page")
        if day < start and db.execute(select(func.count()).select_from(Loan)
                                      .where(Loan.disbursed_on.is_not(None))).scalar_one():
            _end_of_day(db, day)
    return len(loans)


__all__ = ["seed_demo", "PLANS"]
