from __future__ import annotations

from sqlalchemy import select

from smecredit.identity.models import User
from smecredit.kernel.db import unit_of_work
from smecredit.kernel.pii import blind_index
from smecredit.kernel.text import Text
from smecredit.notifications.inbox import NotificationKind

STATUS_CHANGED = NotificationKind(
    code="test.status_changed",
    title=Text("申请 {no} 状态更新", "Application {no} updated"),
    body=Text("您的申请已{status}。", "Your application is {status}."),
    sms=True, link="/applications/{id}")
QUIET = NotificationKind(code="test.quiet", title=Text("提示", "Note"), body=Text("内容 {n}", "Body {n}"))


def give_mobile(db, user: User, mobile: str = "13900139000") -> User:
    with unit_of_work(db):
        row = db.execute(select(User).where(User.id == user.id)).scalar_one()
        row.mobile, row.mobile_index = mobile, blind_index(mobile)
    return row
