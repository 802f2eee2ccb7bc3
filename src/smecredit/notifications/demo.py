"""Demo notifications: a few for the demo applicant, so that the bell shows a count on first
sign-in. Skipped when the applicant has any notification already."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smecredit.identity.models import User
from smecredit.kernel.text import Text
from smecredit.notifications.inbox import NotificationKind, notify
from smecredit.notifications.models import Notification

WELCOME = NotificationKind(
    code="platform.welcome",
    title=Text("欢迎使用小微信贷平台", "Welcome to SME Credit"),
    body=Text("{name}，您好！登记企业并授权数据查询后，即可查看适合您的贷款产品。",
              "Hello {name}! Register your enterprise and authorise data enquiries to see the loans that fit it."),
    link="/my/enterprises")
PROFILE_READY = NotificationKind(
    code="platform.profile_ready",
    title=Text("企业信用画像已生成", "Credit profile ready"),
    body=Text("您企业的信用画像已根据授权数据生成，可在企业页面查看。",
              "Your enterprise's credit profile has been computed from the authorised data; see it on the enterprise's page."),
    link="/my/enterprises")
HOW_TO = NotificationKind(
    code="platform.notifications_help",
    title=Text("消息通知说明", "About notifications"),
    body=Text("申请状态每次变化，我们都会在这里通知您；留有手机号的用户同时收到短信。",
              "Every change of your application's status is notified here; users with a mobile number also get an SMS."))


def seed_demo(db: Session) -> int:
    applicant = db.execute(select(User).where(User.username == "applicant")).scalar_one_or_none()
    if applicant is None or db.execute(select(Notification.id).where(Notification.recipient_id == applicant.id)).first():
        return 0
    notify(db, recipient=applicant, kind=HOW_TO)
    notify(db, recipient=applicant, kind=WELCOME, params={"name": applicant.display_name})
    notify(db, recipient=applicant, kind=PROFILE_READY)
    return 3
