"""What the borrower is told about their loan (in-app inbox and SMS), in the transaction of the change."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.enterprises.models import EnterpriseMember
from smecredit.identity.models import User
from smecredit.kernel.text import Text
from smecredit.notifications.inbox import NotificationKind, notify

DISBURSED = NotificationKind(
    code="loan.disbursed", title=Text("贷款已发放", "Loan disbursed"),
    body=Text("您的贷款 {no} 已发放 ¥{amount}", "Your loan {no} was paid out: ¥{amount}"), sms=True)
DRAWN = NotificationKind(
    code="loan.drawn", title=Text("额度提款已到账", "Drawdown paid"),
    body=Text("您的额度 {no} 提款 ¥{amount} 已划入指定账户，可用额度 ¥{available}",
              "¥{amount} drawn on your line {no} was paid to the designated account; ¥{available} is still available"),
    sms=True)
OVERDUE = NotificationKind(
    code="loan.overdue", title=Text("贷款已逾期", "Loan overdue"),
    body=Text("您的贷款 {no} 已逾期，逾期本金按罚息利率计息，请尽快还款",
              "Your loan {no} is overdue; overdue principal bears penalty interest. Please repay soon"), sms=True)

PAYMENT_REVERSED = NotificationKind(
    code="loan.payment_reversed", title=Text("还款记录已冲正", "Payment record reversed"),
    body=Text("您的贷款 {no} 的一笔还款记录（¥{amount}）已冲正，贷款已重新计算，请查看最新应还",
              "A payment record (¥{amount}) on your loan {no} was reversed; the loan was recomputed. See what is due now"),
    sms=True)
EXTENDED = NotificationKind(
    code="loan.extended", title=Text("贷款已展期", "Loan extended"),
    body=Text("您的贷款 {no} 已展期，新的到期日为 {maturity}，请按新的还款计划还款",
              "Your loan {no} was extended to {maturity}; repay by the new schedule"), sms=True)
RESTRUCTURED = NotificationKind(
    code="loan.restructured", title=Text("贷款已重组", "Loan restructured"),
    body=Text("您的贷款 {no} 已重组，新的到期日为 {maturity}，请按新的还款计划还款",
              "Your loan {no} was restructured, now maturing on {maturity}; repay by the new schedule"), sms=True)

REFUNDED = NotificationKind(
    code="loan.credit_refunded", title=Text("溢缴款已退还", "Credit refunded"),
    body=Text("您的贷款 {no} 的溢缴款 ¥{amount} 已退还至还款账户 {account}",
              "The credit of ¥{amount} held on your loan {no} was paid back to the repayment account {account}"),
    sms=True)

ALL = (DISBURSED, DRAWN, OVERDUE, PAYMENT_REVERSED, EXTENDED, RESTRUCTURED, REFUNDED)


def tell(db: Session, loan, kind: NotificationKind, **params) -> None:
    """Tell the borrowing enterprise's members, in this transaction (inbox now, SMS after commit)."""
    ids = db.execute(select(EnterpriseMember.user_id).where(EnterpriseMember.enterprise_id == loan.enterprise_id)).scalars()
    for user in (db.get(User, i) for i in sorted(set(ids))):
        if user is not None and user.is_active:
            notify(db, recipient=user, kind=kind, params={"no": loan.no, **params}, link=f"/loans/{loan.id}")
