"""What the applicant is told at every change of state (in-app inbox and SMS), in the same
transaction as the change (`notifications.inbox.notify`)."""

from __future__ import annotations

from smecredit.kernel.text import Text
from smecredit.notifications.inbox import NotificationKind

SUBMITTED = NotificationKind(
    code="application.submitted", title=Text("申请已提交", "Application submitted"),
    body=Text("您的贷款申请 {no}（{product}）已提交，我们会尽快处理", "Your application {no} ({product}) was submitted; we will handle it shortly"),
    sms=True)
WITHDRAWN = NotificationKind(
    code="application.withdrawn", title=Text("申请已撤回", "Application withdrawn"),
    body=Text("贷款申请 {no} 已撤回", "Application {no} was withdrawn"), sms=False)
CLAIMED = NotificationKind(
    code="application.claimed", title=Text("已有客户经理受理您的申请", "An officer took your application"),
    body=Text("贷款申请 {no} 已由{handler}受理", "Application {no} was taken by {handler}"), sms=False)
UNDER_REVIEW = NotificationKind(
    code="application.under_review", title=Text("申请审查中", "Application under review"),
    body=Text("贷款申请 {no} 已进入审查", "Application {no} is under review"), sms=False)
DOCUMENTS_REQUESTED = NotificationKind(
    code="application.documents_requested", title=Text("请补充材料", "More documents needed"),
    body=Text("您的申请 {no} 需要补充材料：{items}", "Your application {no} needs: {items}"), sms=True)
RESUBMITTED = NotificationKind(
    code="application.resubmitted", title=Text("补充材料已提交", "Documents resubmitted"),
    body=Text("贷款申请 {no} 的补充材料已提交", "The documents for application {no} were resubmitted"), sms=False)
APPROVED = NotificationKind(
    code="application.approved", title=Text("申请已获批准", "Application approved"),
    body=Text("您的贷款申请 {no} 已获批准：{reason}", "Your application {no} was approved: {reason}"), sms=True)
DECLINED = NotificationKind(
    code="application.declined", title=Text("申请未获批准", "Application declined"),
    body=Text("很抱歉，您的贷款申请 {no} 未获批准：{reason}", "We are sorry: your application {no} was declined: {reason}"),
    sms=True)

ALL = (SUBMITTED, WITHDRAWN, CLAIMED, UNDER_REVIEW, DOCUMENTS_REQUESTED, RESUBMITTED, APPROVED, DECLINED)
