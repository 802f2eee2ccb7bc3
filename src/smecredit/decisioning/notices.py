"""What the applicant is told about the decision and the offer (in-app inbox and SMS), in the same
transaction as the change (`notifications.inbox.notify`)."""

from __future__ import annotations

from smecredit.kernel.text import Text
from smecredit.notifications.inbox import NotificationKind

APPROVED = NotificationKind(
    code="decision.approved", title=Text("贷款申请已获批准", "Application approved"),
    body=Text("您的贷款申请 {no}（{product}）已获批准：额度 {amount} 元，年化利率 {apr}%，请在 {expires} 前确认授信方案",
              "Your application {no} ({product}) is approved: {amount} CNY at an APR of {apr}%; "
              "please answer the offer by {expires}"),
    sms=True)
DECLINED = NotificationKind(
    code="decision.declined", title=Text("贷款申请未获批准", "Application declined"),
    body=Text("很抱歉，您的贷款申请 {no}（{product}）未获批准：{reasons}",
              "We are sorry: your application {no} ({product}) was declined: {reasons}"),
    sms=True)
REFERRED = NotificationKind(
    code="decision.referred", title=Text("申请已转人工审核", "Application referred for review"),
    body=Text("您的贷款申请 {no}（{product}）需要人工审核，我们会尽快处理", "Your application {no} ({product}) needs a "
              "review by our staff; we will handle it shortly"),
    sms=False)
OFFER_ACCEPTED = NotificationKind(
    code="decision.offer_accepted", title=Text("已接受授信方案", "Offer accepted"),
    body=Text("您已接受贷款申请 {no} 的授信方案：{amount} 元", "You accepted the offer for application {no}: {amount} CNY"),
    sms=True)
OFFER_DECLINED = NotificationKind(
    code="decision.offer_declined", title=Text("已放弃授信方案", "Offer declined"),
    body=Text("您已放弃贷款申请 {no} 的授信方案", "You declined the offer for application {no}"), sms=False)

ALL = (APPROVED, DECLINED, REFERRED, OFFER_ACCEPTED, OFFER_DECLINED)
