"""The inbox API: a user's own notifications, newest first; mark one or all read."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from smecredit.identity.models import User
from smecredit.notifications import inbox
from smecredit.notifications.deps import API_USER, own_api_notification
from smecredit.notifications.models import Notification
from smecredit.notifications.schemas import NotificationOut, ReadAllOut
from smecredit.web.deps import REQUEST_DB
from smecredit.web.openapi import errors
from smecredit.web.pagination import Page, Paging

router = APIRouter(prefix="/api/v1/me/notifications", tags=["notifications"], responses=errors(401, 403, 404, 422))


@router.get("", response_model=Page[NotificationOut], summary="Your notifications, newest first")
def my_notifications(paging: Paging, unread: bool = Query(False, description="只看未读 / unread only"),
                     user: User = Depends(API_USER), db: Session = REQUEST_DB):
    total, rows = inbox.list_for(db, user=user, unread_only=unread, limit=paging.limit, offset=paging.offset)
    return Page[NotificationOut](total=total, items=[NotificationOut.of(r) for r in rows])


@router.post("/read-all", response_model=ReadAllOut, summary="Mark all your notifications read")
def read_all(user: User = Depends(API_USER), db: Session = REQUEST_DB):
    marked = inbox.mark_all_read(db, user=user)
    return ReadAllOut(marked=marked, unread=inbox.unread_count(db, user_id=user.id))


@router.post("/{notification_id}/read", response_model=NotificationOut, summary="Mark one of your notifications read")
def read_one(notification: Notification = Depends(own_api_notification), user: User = Depends(API_USER),
             db: Session = REQUEST_DB):
    return NotificationOut.of(inbox.mark_read(db, notification=notification))
