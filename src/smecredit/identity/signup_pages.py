"""Self-service pages: sign up as an applicant with a mobile number and an SMS code, and reset a
forgotten password the same way (`identity.onboarding`). Public, CSRF-protected, rate-limited."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Depends, Form
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.requests import Request

from smecredit.identity import onboarding
from smecredit.identity.mobile import mask_mobile, normalise_mobile
from smecredit.identity.pages import client_ip, signed_in
from smecredit.identity.verification import SANDBOX_LABEL
from smecredit.kernel.db import settle
from smecredit.kernel.errors import DomainError, Invalid
from smecredit.kernel.settings import get_settings
from smecredit.kernel.text import Text
from smecredit.notifications.gateways import sandbox_active
from smecredit.notifications.service import deliver
from smecredit.web.deps import REQUEST_DB
from smecredit.web.errors import headers_of, status_of
from smecredit.web.i18n import request_lang
from smecredit.web.security import csrf_protect
from smecredit.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


def _page(request: Request, template: str, *, step: str, error: DomainError | None = None, **values):
    settings = get_settings()
    context = {
        "step": step, "sms_sandbox": sandbox_active(), "verifier_label": verifier_label(),
        "ttl_minutes": settings.otp_ttl_minutes, "resend_seconds": settings.otp_resend_seconds,
        "password_min_length": settings.password_min_length, "consent": onboarding.CONSENT, **values,
    }
    if error is not None:
        context.update(message=error.text(request_lang(request)), error_field=error.field)
    response = render(request, template, context, status_code=status_of(error) if error is not None else 200)
    if error is not None:
        response.headers.update(headers_of(error))
    return response


def verifier_label() -> Text:
    """What the form says about the identity check (without building the adapter on every page)."""
    name = get_settings().identity_verifier.strip() or "sandbox"
    if name == "sandbox":
        return SANDBOX_LABEL
    return Text("由已配置的实名核验服务核对姓名与号码", "Checked by the configured identity verification service")


def _mobile_or_blank(text: str) -> tuple[str, str]:
    try:
        mobile = normalise_mobile(text)
    except Invalid:
        return (text or "")[:30], ""
    return mobile, mask_mobile(mobile)


def _send(request: Request, background: BackgroundTasks, db: Session, *, mobile: str, purpose: str, template: str):
    try:
        sent = onboarding.request_code(db, mobile=mobile, purpose=purpose, ip=client_ip(request))
    except DomainError as error:
        settle(db, error)
        typed, masked = _mobile_or_blank(mobile)
        # Refused before a code went out: back to the number, unless it was only "too soon".
        step = "code" if error.code == "too_many_codes" and masked else "mobile"
        return _page(request, template, step=step, error=error, mobile=typed, mobile_masked=masked, form={})
    if sent.outbox_id is not None:
        background.add_task(deliver, sent.outbox_id)  # after this request's transaction commits
    return _page(request, template, step="code", mobile=normalise_mobile(mobile), mobile_masked=sent.mobile_masked,
                 sent=True, form={})


# --- sign-up ---------------------------------------------------------------------------------------

@router.get("/signup")
def signup_form(request: Request):
    return _page(request, "identity/signup.html", step="mobile", mobile="", form={})


@router.post("/signup/code")
def signup_code(request: Request, background: BackgroundTasks, mobile: str = Form(""), db: Session = REQUEST_DB):
    return _send(request, background, db, mobile=mobile[:30], purpose="signup", template="identity/signup.html")


@router.post("/signup")
def signup(
    request: Request,
    mobile: str = Form(""),
    code: str = Form(""),
    username: str = Form(""),
    password: str = Form(""),
    real_name: str = Form(""),
    id_number: str = Form(""),
    agree: str = Form(""),
    db: Session = REQUEST_DB,
):
    form = {"username": username[:64], "real_name": real_name[:50], "id_number": id_number[:30]}
    try:
        user = onboarding.sign_up(db, mobile=mobile[:30], code=code[:10], username=username[:64], password=password[:256],
                                  real_name=real_name[:50], id_number=id_number[:30], agreed=agree == "yes",
                                  ip=client_ip(request))
    except DomainError as error:
        settle(db, error)
        typed, masked = _mobile_or_blank(mobile)
        return _page(request, "identity/signup.html", step="code" if masked else "mobile", error=error,
                     mobile=typed, mobile_masked=masked, form=form)
    return signed_in(request, db, user, "/?notice=signed_up")


# --- forgotten password ------------------------------------------------------------------------

@router.get("/password/forgot")
def forgot_form(request: Request):
    return _page(request, "identity/forgot.html", step="mobile", mobile="", form={})


@router.post("/password/forgot/code")
def forgot_code(request: Request, background: BackgroundTasks, mobile: str = Form(""), db: Session = REQUEST_DB):
    return _send(request, background, db, mobile=mobile[:30], purpose="password_reset", template="identity/forgot.html")


@router.post("/password/forgot")
def forgot(request: Request, mobile: str = Form(""), code: str = Form(""), new_password: str = Form(""),
           db: Session = REQUEST_DB):
    try:
        onboarding.reset_password_by_code(db, mobile=mobile[:30], code=code[:10], new_password=new_password[:256],
                                          ip=client_ip(request))
    except DomainError as error:
        settle(db, error)
        typed, masked = _mobile_or_blank(mobile)
        return _page(request, "identity/forgot.html", step="code" if masked else "mobile", error=error,
                     mobile=typed, mobile_masked=masked, form={})
    return RedirectResponse("/login?notice=password_reset", status_code=303)
