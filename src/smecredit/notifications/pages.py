"""The SMS sandbox page (短信沙箱): what the sandbox gateway "sent", for administrators."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session
from starlette.requests import Request

from smecredit.identity.models import User
from smecredit.identity.permissions import SMS_SANDBOX_READ
from smecredit.notifications import service
from smecredit.notifications.gateways import SANDBOX_LABEL, sandbox_active
from smecredit.web.deps import REQUEST_DB, Allow
from smecredit.web.security import csrf_protect
from smecredit.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
PAGE_SIZE = 50


@router.get("/admin/sms-sandbox")
def sms_sandbox(request: Request, page: int = Query(1, ge=1, le=100_000), user: User = Depends(Allow(SMS_SANDBOX_READ)),
                db: Session = REQUEST_DB):
    total, messages = service.sandbox_messages(db, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(request, "notifications/sms_sandbox.html", {
        "messages": messages, "total": total, "page": page, "pages": max(1, -(-total // PAGE_SIZE)),
        "sandbox_label": SANDBOX_LABEL, "sandbox_active": sandbox_active(),
    })
