"""The notification centre: a stage tells an applicant about a change with `notify`, in the same
transaction as the change; the inbox (站内消息) shows it, and an SMS goes out after the commit when
the kind asks for one and the user has a mobile.

    DOCUMENTS_REQUESTED = NotificationKind(
        code="application.documents_requested",
        title=Text("请补充材料", "More documents needed"),
        body=Text("您的申请 {no} 需要补充材料：{items}", "Your application {no} needs: {items}"),
        sms=True)
    notify(db, recipient=user, kind=DOCUMENTS_REQUESTED, params={"no": no, "items": items},
           link=f"/applications/{application.id}")

Kinds are defined by the stages that use them (next to their events). A notification is not an
audit event of its own: the caller's event records the change it tells about; sending the SMS is
audited (`MessageSent` / `MessageFailed`); reading the inbox is not.
"""

from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from smecredit.identity.models import User
from smecredit.kernel.clock import utcnow
from smecredit.kernel.errors import NotFound
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text
from smecredit.notifications import service
from smecredit.notifications.dispatch import dispatch_after_commit
from smecredit.notifications.kinds import NotificationKind, value_in
from smecredit.notifications.models import Notification

NOT_FOUND = NotFound("notification_not_found", Text("没有这条通知", "No such notification"))
MAX_TITLE = 200
MAX_LINK = 300


def _checked_link(link: str | None) -> str | None:
    """Opening a notification follows its link: only a path on this site (no open redirect)."""
    if link is None:
        return None
    if not link.startswith("/") or link.startswith("//") or "\\" in link or len(link) > MAX_LINK:
        raise ValueError(f"notification link must be a path on this site, got {link!r}")
    return link


def notify(db: Session, *, recipient: User, kind: NotificationKind, params: Mapping[str, Any] | None = None,
           link: str | None = None) -> Notification:
    """Write the inbox row (and, when the kind wants it and the user has a mobile, the SMS outbox
    row) in the caller's transaction; the SMS is delivered after that transaction commits.

    A user's mobile is only ever set by signing up with a one-time code sent to it
    (`identity.onboarding`), so a mobile on the account is a verified one."""
    params = dict(params or {})
    title, body = kind.render(params)
    if link is None and kind.link:
        link = kind.link.format_map({k: value_in(v, "en") for k, v in params.items()})
    row = Notification(recipient_id=recipient.id, kind=kind.code, title_zh=title.zh[:MAX_TITLE],
                       title_en=title.en[:MAX_TITLE], body_zh=body.zh, body_en=body.en, link=_checked_link(link),
                       created_at=utcnow(), read_at=None)
    if kind.sms and recipient.mobile:
        message = service.enqueue_text(db, to=recipient.mobile, template=kind.code, text=kind.sms_text(title, body, sign=get_settings().sms_sign_name))
        row.outbox_id = message.id
        dispatch_after_commit(db, message.id)
    db.add(row)
    db.flush()
    return row


# --- the inbox -------------------------------------------------------------------------------------

def _mine(user: User, unread_only: bool = False):
    where = [Notification.recipient_id == user.id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    return where


def list_for(db: Session, *, user: User, unread_only: bool = False, limit: int = 50,
             offset: int = 0) -> tuple[int, list[Notification]]:
    """The user's notifications, newest first."""
    where = _mine(user, unread_only)
    total = db.execute(select(func.count()).select_from(Notification).where(*where)).scalar_one()
    rows = db.execute(select(Notification).where(*where).order_by(Notification.id.desc())
                      .limit(limit).offset(offset)).scalars()
    return total, list(rows)


def unread_count(db: Session, *, user_id: int) -> int:
    return db.execute(select(func.count()).select_from(Notification)
                      .where(Notification.recipient_id == user_id, Notification.read_at.is_(None))).scalar_one()


def own(db: Session, *, user: User, notification_id: int) -> Notification:
    """One of the user's own notifications; another user's is answered as not found."""
    row = db.execute(select(Notification).where(Notification.id == notification_id,
                                                Notification.recipient_id == user.id)).scalar_one_or_none()
    if row is None:
        raise NOT_FOUND
    return row


def mark_read(db: Session, *, notification: Notification) -> Notification:
    """Mark read (kept as first read). Not audited: reading one's own messages changes nothing
    about a loan."""
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.flush()
    return notification


def mark_all_read(db: Session, *, user: User) -> int:
    result = db.execute(update(Notification).where(*_mine(user, unread_only=True)).values(read_at=utcnow()))
    db.flush()
    return result.rowcount or 0


__all__ = ["NotificationKind", "list_for", "mark_all_read", "mark_read", "notify", "own", "unread_count"]
