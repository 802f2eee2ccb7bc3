"""User administration pages (系统管理员): list, create, roles, enable/disable, unlock, temporary
passwords and API tokens — the same use cases as the API and `smecredit users …`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.requests import Request

from smecredit.identity import duties, service, sessions
from smecredit.identity.models import User
from smecredit.identity.permissions import USERS_ADMIN
from smecredit.identity.roles import Role
from smecredit.kernel.db import settle
from smecredit.kernel.errors import DomainError, NotFound
from smecredit.kernel.text import Text
from smecredit.web.deps import REQUEST_DB, Allow, current_session_id
from smecredit.web.errors import status_of
from smecredit.web.i18n import request_lang
from smecredit.web.params import EntityId
from smecredit.web.security import csrf_protect
from smecredit.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
admin_only = Allow(USERS_ADMIN)
PAGE_SIZE = 50
STATUS_LABELS = {"active": Text("正常", "Active"), "locked": Text("已锁定", "Locked"), "disabled": Text("已停用", "Disabled")}


def _incompatible_table() -> list[tuple[Role, Role, Text]]:
    order = list(Role)
    pairs = [tuple(sorted(pair, key=order.index)) + (why,) for pair, why in duties.INCOMPATIBLE.items()]
    return sorted(pairs, key=lambda p: (order.index(p[0]), order.index(p[1])))


@router.get("/admin/users")
def users_page(request: Request, q: str = Query("", max_length=100), role: str = "", status: str = "",
               page: int = Query(1, ge=1, le=100_000), user: User = Depends(admin_only), db: Session = REQUEST_DB):
    role_filter = Role(role) if role in {r.value for r in Role} else None
    status_filter = status if status in service.STATUSES else None
    total, users = service.search_users(db, role=role_filter, status=status_filter, q=q, limit=PAGE_SIZE,
                                        offset=(page - 1) * PAGE_SIZE)
    return render(request, "identity/users.html", {
        "users": users, "roles": list(Role), "q": q, "role": role, "status": status_filter or "",
        "statuses": STATUS_LABELS, "total": total, "page": page, "pages": max(1, -(-total // PAGE_SIZE)),
    })


@router.get("/admin/users/new")
def new_user_form(request: Request, user: User = Depends(admin_only)):
    return render(request, "identity/user_form.html", {"roles": list(Role), "form": {},
                                                       "incompatible": _incompatible_table()})


@router.post("/admin/users")
async def create_user(request: Request, user: User = Depends(admin_only), db: Session = REQUEST_DB):
    form = await request.form()
    roles = [str(r) for r in form.getlist("roles")]
    values = {k: str(form.get(k, ""))[:300] for k in ("username", "display_name", "password")}
    try:
        parsed_roles = [Role.parse(r) for r in roles]
        created = service.create_user(db, actor=service.actor_of(user), username=values["username"],
                                      display_name=values["display_name"], password=values["password"],
                                      roles=parsed_roles, must_change_password=True)
    except DomainError as error:
        settle(db, error)
        return render(request, "identity/user_form.html",
                      {"roles": list(Role), "form": {**values, "password": "", "roles": roles},
                       "message": error.text(request_lang(request)), "error_field": error.field,
                       "incompatible": _incompatible_table()}, status_code=status_of(error))
    return RedirectResponse(f"/admin/users/{created.username}?notice=user_created", status_code=303)


def _detail(request: Request, db: Session, target: User, *, status_code: int = 200, notice_text: Text | None = None,
            **extra):
    total, tokens = sessions.list_tokens(db, user=target, limit=100)
    if notice_text is not None:
        extra["notice"] = notice_text.pick(request_lang(request))
    return render(request, "identity/user_detail.html", {
        "target": target, "roles": list(Role), "tokens": tokens, "tokens_total": total,
        "live_sessions": len(sessions.live_sessions(db, user=target)), "statuses": STATUS_LABELS,
        "branches": service.list_branches(db), **extra},
        status_code=status_code)


@router.get("/admin/users/{username}")
def user_detail(request: Request, username: str, user: User = Depends(admin_only), db: Session = REQUEST_DB):
    return _detail(request, db, service.get_user(db, username=username[:64]))


@router.post("/admin/users/{username}/tokens/{token_id}/revoke")
def revoke_token(request: Request, username: str, token_id: EntityId, user: User = Depends(admin_only),
                 db: Session = REQUEST_DB):
    target = service.get_user(db, username=username[:64])
    sessions.revoke_token(db, actor=service.actor_of(user), user=target, token_id=token_id, by="admin")
    return RedirectResponse(f"/admin/users/{target.username}?notice=token_revoked#tokens", status_code=303)


@router.post("/admin/users/{username}/{operation}")
async def user_operation(request: Request, username: str, operation: str, user: User = Depends(admin_only),
                         db: Session = REQUEST_DB):
    form = await request.form()
    actor = service.actor_of(user)
    username = username[:64]
    myself = username.strip().lower() == user.username
    temporary = None
    try:
        if operation == "roles":
            service.set_roles(db, actor=actor, username=username, roles=[Role.parse(str(r)) for r in form.getlist("roles")],
                              keep_session_id=current_session_id(request) if myself else None)
        elif operation == "disable":
            service.set_active(db, actor=actor, username=username, active=False)
        elif operation == "enable":
            service.set_active(db, actor=actor, username=username, active=True)
        elif operation == "unlock":
            service.unlock(db, actor=actor, username=username)
        elif operation == "branch":
            service.set_branch(db, actor=actor, username=username, branch_code=str(form.get("branch_code") or ""))
        elif operation == "reset-password":
            typed = str(form.get("new_password", ""))[:256]
            if not typed:
                temporary = service.generate_temporary_password(service.get_user(db, username=username).username)
            service.reset_password(db, actor=actor, username=username, new_password=typed or temporary)
        else:
            raise NotFound("unknown_operation", Text("不支持的操作", "Unknown operation"), "operation")
    except DomainError as error:
        settle(db, error)
        return _detail(request, db, service.get_user(db, username=username), message=error.text(request_lang(request)),
                       error_field=error.field, status_code=status_of(error))
    if temporary is not None:
        # Shown once, on this answer only (not in a link or the log): the administrator passes it on.
        target = service.get_user(db, username=username)
        return _detail(request, db, target, temporary_password=temporary, notice_text=Text(
            "已生成临时密码，请当面或通过安全渠道告知用户；用户下次登录须修改", "A temporary password was generated: pass it on "
            "in person or by a safe channel; the user must change it at next sign-in"))
    return RedirectResponse(f"/admin/users/{username}?notice=user_{operation}", status_code=303)
