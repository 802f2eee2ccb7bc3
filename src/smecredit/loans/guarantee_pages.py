"""The guarantor's page (public: a guarantor has no account): the link sent by SMS opens their
guarantee contract by its unguessable token; they ask for a one-time code to their mobile and
accept with it (`guarantees`). Any other token answers 404, exactly like a missing page. CSRF-
protected; sending codes and wrong codes are rate-limited by the use cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.requests import Request

from smecredit.identity.pages import client_ip
from smecredit.kernel.db import settle
from smecredit.kernel.errors import DomainError
from smecredit.kernel.settings import get_settings
from smecredit.loans import guarantees
from smecredit.loans.models import GuaranteeContract, Loan
from smecredit.notifications.gateways import sandbox_active
from smecredit.standards.resident_id import mask_name, mask_phone
from smecredit.web.deps import REQUEST_DB
from smecredit.web.errors import headers_of, status_of
from smecredit.web.i18n import request_lang
from smecredit.web.security import csrf_protect
from smecredit.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
Token = Annotated[str, Path(min_length=1, max_length=100, description="the link's token")]


def _page(request: Request, db: Session, guarantee: GuaranteeContract, token: str, *,
          error: DomainError | None = None, sent: bool = False):
    loan = db.get(Loan, guarantee.loan_id)
    context = {
        "guarantee": guarantee, "loan": loan, "token": token, "text": Markup(guarantee.text),
        "guarantor": mask_name(guarantee.guarantor_name), "mobile_masked": mask_phone(guarantee.mobile),
        "sent": sent or guarantee.code_hash is not None, "sms_sandbox": sandbox_active(),
        "ttl_minutes": get_settings().otp_ttl_minutes,
    }
    if error is not None:
        context.update(message=error.text(request_lang(request)), error_field=error.field)
    response = render(request, "loans/guarantee.html", context,
                      status_code=status_of(error) if error is not None else 200)
    if error is not None:
        response.headers.update(headers_of(error))
    return response


@router.get("/guarantee/{token}")
def guarantee_page(request: Request, token: Token, db: Session = REQUEST_DB):
    return _page(request, db, guarantees.by_token(db, token), token)


@router.post("/guarantee/{token}/code")
def guarantee_code(request: Request, token: Token, db: Session = REQUEST_DB):
    guarantee = guarantees.by_token(db, token)
    try:
        guarantees.send_code(db, guarantee=guarantee, ip=client_ip(request))
    except DomainError as error:
        settle(db, error)
        return _page(request, db, guarantees.by_token(db, token), token, error=error)
    return RedirectResponse(f"/guarantee/{token}?notice=guarantee_code_sent#accept", status_code=303)


@router.post("/guarantee/{token}/accept")
def guarantee_accept(request: Request, token: Token, code: str = Form(""), contract_sha256: str = Form(""),
                     db: Session = REQUEST_DB):
    guarantee = guarantees.by_token(db, token)
    try:
        guarantees.accept(db, guarantee=guarantee, code=code[:20], contract_sha256=contract_sha256[:64],
                          ip=client_ip(request))
    except DomainError as error:
        settle(db, error)
        return _page(request, db, guarantees.by_token(db, token), token, error=error, sent=True)
    return RedirectResponse(f"/guarantee/{token}?notice=guarantee_accepted", status_code=303)
