"""Pages of notifications: the inbox (我的通知) of every signed-in user, the bell with the unread
count in the top bar, and the SMS sandbox page (短信沙箱) for administrators, which also lists
messages whose delivery failed."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Depends, Query
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.requests import Request

from smecredit.identity.models import User
from smecredit.identity.permissions import SMS_SANDBOX_READ
from smecredit.kernel.db import in_unit_of_work
from smecredit.kernel.text import Text
from smecredit.notifications import inbox, service
from smecredit.notifications.deps import PAGE_USER, own_page_notification
from smecredit.notifications.gateways import SANDBOX_LABEL, sandbox_active
from smecredit.notifications.models import Notification
from smecredit.web import lists
from smecredit.web.deps import REQUEST_DB, Allow
from smecredit.web.i18n import request_lang
from smecredit.web.security import csrf_protect
from smecredit.web.templating import add_context, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
PAGE_SIZE = 50
INBOX = "/me/notifications"
UNREAD = Text("未读", "Unread")


def _title(n: Notification, lang: str) -> lists.Cell:
    return lists.Cell(Text(n.title_zh, n.title_en).pick(lang), href=f"{INBOX}/{n.id}/open", post=True,
                      badges=((UNREAD.pick(lang), "danger"),) if n.read_at is None else (),
                      testid="notification-open")


SPEC = lists.ListSpec(
    name="notifications",
    columns=(
        lists.Column("title", Text("通知", "Notification"), lambda n: Text(n.title_zh, n.title_en), primary=True,
                     cell=_title),
        lists.Column("body", Text("内容", "Message"), lambda n: Text(n.body_zh, n.body_en), card_wide=True),
        lists.Column("created_at", Text("时间", "Time"), lambda n: n.created_at, sort="created_at", nowrap=True),
    ),
    sorts={"created_at": "desc"}, default_sort="created_at",
    filters=(lists.Filter("status", Text("状态", "Status"), options=(lists.Option("unread", UNREAD),),
                          any_label=Text("全部", "All")),),
    page_size=PAGE_SIZE, title=Text("我的通知", "My notifications"),
    empty=Text("暂无通知", "No notifications"),
    row_data=("unread", lambda n: "1" if n.read_at is None else "0"),
)


def top_bar(request: Request) -> dict:
    """The bell's unread count, read in the request's own session while its transaction is open
    (an error page rendered after the transaction ended shows the bell without a count)."""
    view = getattr(request.state, "user_view", None)
    db = getattr(request.state, "page_db", None)
    if view is None or db is None or not in_unit_of_work(db):
        return {"unread_notifications": None}
    return {"unread_notifications": inbox.unread_count(db, user_id=view.id)}


add_context(top_bar)


@router.get(INBOX)
def my_notifications(request: Request, user: User = Depends(PAGE_USER), db: Session = REQUEST_DB):
    state = lists.state_from(request, SPEC)
    unread_only = state.filters.get("status") == "unread"
    total, rows = inbox.list_for(db, user=user, unread_only=unread_only, limit=PAGE_SIZE,
                                 offset=(state.page - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if state.page > pages:
        state = replace(state, page=pages)
        total, rows = inbox.list_for(db, user=user, unread_only=unread_only, limit=PAGE_SIZE,
                                     offset=(state.page - 1) * PAGE_SIZE)
    view = lists.ListPage(SPEC, state, rows, total, request_lang(request), INBOX, can_export=False)
    return render(request, "notifications/inbox.html", {"view": view,
                                                        "unread": inbox.unread_count(db, user_id=user.id)})


@router.post(INBOX + "/{notification_id}/open")
def open_notification(notification: Notification = Depends(own_page_notification), user: User = Depends(PAGE_USER),
                      db: Session = REQUEST_DB):
    """Mark read and follow the notification's link (its own inbox when it has none)."""
    inbox.mark_read(db, notification=notification)
    return RedirectResponse(notification.link or f"{INBOX}?notice=notification_read", status_code=303)


@router.post(INBOX + "/read-all")
def read_all(user: User = Depends(PAGE_USER), db: Session = REQUEST_DB):
    inbox.mark_all_read(db, user=user)
    return RedirectResponse(f"{INBOX}?notice=notifications_all_read", status_code=303)


@router.get("/admin/sms-sandbox")
def sms_sandbox(request: Request, page: int = Query(1, ge=1, le=100_000), user: User = Depends(Allow(SMS_SANDBOX_READ)),
                db: Session = REQUEST_DB):
    total, messages = service.sandbox_messages(db, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    failed_total, failed = service.failed_messages(db, limit=20)
    return render(request, "notifications/sms_sandbox.html", {
        "messages": messages, "total": total, "page": page, "pages": max(1, -(-total // PAGE_SIZE)),
        "sandbox_label": SANDBOX_LABEL, "sandbox_active": sandbox_active(),
        "failed": failed, "failed_total": failed_total, "max_attempts": service.MAX_ATTEMPTS,
    })
