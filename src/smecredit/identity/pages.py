"""Identity pages: sign in and out, language, home, and the user's own account (password, API
tokens). User administration is in `admin_pages`, self-service sign-up in `signup_pages`."""

from __future__ import annotations


from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.requests import Request

from smecredit.identity import login as signin
from smecredit.identity import service, sessions
from smecredit.identity.models import User
from smecredit.identity.roles import Role
from smecredit.kernel.db import settle
from smecredit.kernel.errors import DomainError
from smecredit.identity.permissions import SIGNED_IN
from smecredit.web.deps import (
    PASSWORD_FORM,
    REQUEST_DB,
    SESSION_COOKIE,
    Allow,
    cookie_token,
    current_session_id,
    page_user_or_none,
    session_serializer,
)
from smecredit.web.i18n import LANG_COOKIE, request_lang
from smecredit.web.errors import headers_of, status_of
from smecredit.web.security import csrf_protect
from smecredit.web.templating import render
from smecredit.kernel.settings import get_settings
from smecredit.web.params import EntityId

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

# What each role can do today (a role's home offers nothing it cannot open).
ROLE_INTRO = {
    Role.APPLICANT: ("登记您的企业、授权数据查询，并查看我们持有的关于您企业的数据。",
                     "Register your enterprise, authorise data enquiries and see the data we hold about it."),
    Role.LOAN_OFFICER: ("管理您负责的企业客户：登记、采集数据、信用画像。",
                        "Work on your enterprise clients: registration, data and credit profiles."),
    Role.CREDIT_REVIEWER: ("查阅企业资料与信用画像。", "Read enterprises and their credit profiles."),
    Role.APPROVER: ("查阅企业资料与信用画像。", "Read enterprises and their credit profiles."),
    Role.RISK_MANAGER: ("查阅企业资料与信用画像。", "Read enterprises and their credit profiles."),
    Role.OPERATIONS: ("放款、登记还款与冲正、日终处理、会计核算。",
                      "Disburse loans, record repayments and reversals, run the end of day, keep the books."),
    Role.AUDITOR: ("查阅防篡改审计日志，核验数据链完整性。", "Read the tamper-evident audit log and verify its integrity."),
    Role.ADMIN: ("管理用户与岗位。", "Manage users and roles."),
}


def safe_next(target: str | None) -> str:
    """Only local paths: no open redirect to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.get("/login")
def login_form(request: Request, next: str = "/", db: Session = REQUEST_DB):
    if page_user_or_none(request, db) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next)})


@router.post("/login")
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
    db: Session = REQUEST_DB,
):
    try:
        user = signin.authenticate(db, username=username, password=password, ip=client_ip(request))
    except DomainError as error:
        settle(db, error)
        response = render(
            request,
            "login.html",
            {"message": error.text(request_lang(request)), "username": username[:64], "next": safe_next(next)},
            status_code=status_of(error),
        )
        response.headers.update(headers_of(error))
        return response
    return signed_in(request, db, user, safe_next(next))


def signed_in(request: Request, db: Session, user: User, target: str):
    """Start a page session for the user and send them on (to the password form first while their
    password is temporary)."""
    new = sessions.start_session(db, user=user, ip=client_ip(request), user_agent=request.headers.get("user-agent"))
    response = RedirectResponse(PASSWORD_FORM if user.must_change_password else target, status_code=303)
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE, session_serializer().dumps(new.token), httponly=True, samesite="lax",
        secure=settings.cookie_secure, path="/",
    )
    if LANG_COOKIE not in request.cookies:
        response.set_cookie(LANG_COOKIE, user.preferred_lang, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.post("/logout")
def logout(request: Request, db: Session = REQUEST_DB):
    token = cookie_token(request)
    if token:
        sessions.end_session(db, token=token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/lang")
def switch_language(request: Request, lang: str = Form("zh"), next: str = Form("/"), db: Session = REQUEST_DB):
    lang = "en" if lang == "en" else "zh"
    user = page_user_or_none(request, db)
    if user is not None:
        service.set_language(db, user=user, lang=lang)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.get("/")
def home(request: Request, user: User = Depends(Allow(SIGNED_IN))):
    zh, en = ROLE_INTRO[user.primary_role]
    return render(request, "home.html", {"role_intro_zh": zh, "role_intro_en": en})


@router.get(PASSWORD_FORM)
def password_form(request: Request, user: User = Depends(Allow(SIGNED_IN))):
    return render(request, "account_password.html")


@router.get("/account")
def account(request: Request, user: User = Depends(Allow(SIGNED_IN)), db: Session = REQUEST_DB):
    total, tokens = sessions.list_tokens(db, user=user, limit=100)
    return render(request, "identity/account.html", {"account": user, "tokens": tokens, "tokens_total": total,
                                                      "session_max_hours": get_settings().session_max_hours})


@router.post("/account/tokens/{token_id}/revoke")
def revoke_own_token(request: Request, token_id: EntityId, user: User = Depends(Allow(SIGNED_IN)),
                     db: Session = REQUEST_DB):
    sessions.revoke_token(db, actor=service.actor_of(user), user=user, token_id=token_id, by="owner")
    return RedirectResponse("/account?notice=token_revoked#tokens", status_code=303)


@router.post(PASSWORD_FORM)
def change_password(
    request: Request,
    old_password: str = Form(""),
    new_password: str = Form(""),
    user: User = Depends(Allow(SIGNED_IN)),
    db: Session = REQUEST_DB,
):
    try:
        service.change_own_password(db, user=user, old_password=old_password, new_password=new_password,
                                    keep_session_id=current_session_id(request))
    except DomainError as error:
        settle(db, error)
        return render(request, "account_password.html", {"message": error.text(request_lang(request))},
                      status_code=status_of(error))
    return RedirectResponse("/?notice=password_changed", status_code=303)


