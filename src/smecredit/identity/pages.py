"""Identity pages: sign in and out, language, home, own password, and user administration."""

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
from smecredit.kernel.errors import DomainError, NotFound
from smecredit.kernel.text import Text
from smecredit.identity.permissions import SIGNED_IN, USERS_ADMIN
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


# --- user administration -----------------------------------------------------------------------

admin_only = Allow(USERS_ADMIN)


@router.get("/admin/users")
def users_page(request: Request, q: str = "", role: str = "", user: User = Depends(admin_only), db: Session = REQUEST_DB):
    role_filter = Role(role) if role in {r.value for r in Role} else None
    users = service.list_users(db, role=role_filter)
    if q:
        needle = q.strip().lower()
        users = [u for u in users if needle in u.username or needle in u.display_name.lower()]
    return render(request, "identity/users.html", {"users": users, "roles": list(Role), "q": q, "role": role})


@router.get("/admin/users/new")
def new_user_form(request: Request, user: User = Depends(admin_only)):
    return render(request, "identity/user_form.html", {"roles": list(Role), "form": {}})


@router.post("/admin/users")
async def create_user(request: Request, user: User = Depends(admin_only), db: Session = REQUEST_DB):
    form = await request.form()
    roles = form.getlist("roles")
    values = {k: str(form.get(k, "")) for k in ("username", "display_name", "password")}
    try:
        parsed_roles = [Role.parse(str(r)) for r in roles]
        service.create_user(db, actor=service.actor_of(user), username=values["username"],
                            display_name=values["display_name"], password=values["password"],
                            roles=parsed_roles, must_change_password=True)
    except DomainError as error:
        settle(db, error)
        return render(request, "identity/user_form.html",
                      {"roles": list(Role), "form": {**values, "roles": roles}, "message": error.text(request_lang(request)),
                       "error_field": error.field}, status_code=status_of(error))
    return RedirectResponse(f"/admin/users/{values['username'].strip().lower()}?notice=user_created", status_code=303)


@router.get("/admin/users/{username}")
def user_detail(request: Request, username: str, user: User = Depends(admin_only), db: Session = REQUEST_DB):
    target = service.get_user(db, username=username)
    return render(request, "identity/user_detail.html", {"target": target, "roles": list(Role)})


@router.post("/admin/users/{username}/{operation}")
async def user_operation(request: Request, username: str, operation: str, user: User = Depends(admin_only),
                         db: Session = REQUEST_DB):
    form = await request.form()
    actor = service.actor_of(user)
    try:
        if operation == "roles":
            service.set_roles(db, actor=actor, username=username, roles=[Role.parse(str(r)) for r in form.getlist("roles")])
        elif operation == "disable":
            service.set_active(db, actor=actor, username=username, active=False)
        elif operation == "enable":
            service.set_active(db, actor=actor, username=username, active=True)
        elif operation == "unlock":
            service.unlock(db, actor=actor, username=username)
        elif operation == "reset-password":
            service.reset_password(db, actor=actor, username=username, new_password=str(form.get("new_password", "")))
        else:
            raise NotFound("unknown_operation", Text("不支持的操作", "Unknown operation"), "operation")
    except DomainError as error:
        settle(db, error)
        target = service.get_user(db, username=username)
        return render(request, "identity/user_detail.html", {"target": target, "roles": list(Role),
                                                             "message": error.text(request_lang(request))},
                      status_code=status_of(error))
    return RedirectResponse(f"/admin/users/{username}?notice=user_{operation}", status_code=303)
