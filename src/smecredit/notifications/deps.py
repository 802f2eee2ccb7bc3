"""Who may open a notification, declared once as route dependencies: any signed-in user, and only
their own notifications (another user's id is answered as not found)."""

from __future__ import annotations

from fastapi import Depends
from sqlalchemy.orm import Session

from smecredit.identity.models import User
from smecredit.identity.permissions import SIGNED_IN
from smecredit.notifications import inbox
from smecredit.notifications.models import Notification
from smecredit.web.deps import REQUEST_DB, Allow
from smecredit.web.params import EntityId

PAGE_USER = Allow(SIGNED_IN)
API_USER = Allow(SIGNED_IN, api=True)


def own_page_notification(notification_id: EntityId, user: User = Depends(PAGE_USER),
                          db: Session = REQUEST_DB) -> Notification:
    return inbox.own(db, user=user, notification_id=notification_id)


def own_api_notification(notification_id: EntityId, user: User = Depends(API_USER),
                         db: Session = REQUEST_DB) -> Notification:
    return inbox.own(db, user=user, notification_id=notification_id)
