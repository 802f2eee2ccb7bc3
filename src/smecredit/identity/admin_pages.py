"""User administration pages (系统管理员): list, create, roles, enable/disable, unlock, temporary
passwords and API tokens — the same use cases as the API and `smecredit users …`."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.requests import Request

from smecredit.audit.log import record
from smecredit.identity import duties, events, service, sessions, user_list
from smecredit.identity.models import Branch, User
from smecredit.identity.permissions import USERS_ADMIN
from smecredit.identity.roles import Role
from smecredit.kernel.clock import utcnow
from smecredit.kernel.db import new_session, settle
from smecredit.kernel.errors import DomainError, Invalid, NotFound
from smecredit.kernel.text import Text
from smecredit.web.deps import REQUEST_DB, Allow, current_session_id
from smecredit.web.errors import status_of
from smecredit.web.i18n import request_lang
from smecredit.web.lists import ListPage, ListState, export_response, state_from
from smecredit.web.params import EntityId
from smecredit.web.security import csrf_protect
from smecredit.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
admin_only = Allow(USERS_ADMIN)
STATUS_LABELS = user_list.STATUS_LABELS


def _incompatible_table() -> list[tuple[Role, Role, Text]]:
    order = list(Role)
    pairs = [tuple(sorted(pair, key=order.index)) + (why,) for pair, why in duties.INCOMPATIBLE.items()]
    return sorted(pairs, key=lambda p: (order.index(p[0]), order.index(p[1])))


def _list_args(state: ListState, branches: list[Branch]) -> dict:
    """The query's arguments from the list's filters (`Invalid` naming a value the list does not offer)."""
    f = state.filters
    role = f.get("role")
    if role and role not in {r.value for r in Role}:
        raise Invalid("unknown_role", Text(f"未知岗位：{role}", f"Unknown role: {role}"), "role")
    status = f.get("status")
    if status and status not in service.STATUSES:
        raise Invalid("unknown_status", Text(f"未知状态：{status}", f"Unknown status: {status}"), "status")
    branch = f.get("branch")
    if branch and branch != service.NO_BRANCH and branch not in {b.code for b in branches}:
        raise Invalid("unknown_branch", Text(f"没有网点 {branch}", f"No branch {branch}"), "branch")
    return {"role": Role(role) if role else None, "status": status or None, "q": f.get("q"), "branch": branch or None,
            "sort": state.sort}


@router.get("/admin/users")
def users_page(request: Request, user: User = Depends(admin_only), db: Session = REQUEST_DB):
    lang = request_lang(request)
    spec = user_list.SPEC
    state = state_from(request, spec)
    branches = service.list_branches(db)
    view = ListPage(spec, state, [], 0, lang, "/admin/users", options={"branch": user_list.branch_options(branches)})
    try:
        args = _list_args(state, branches)
    except DomainError as error:
        view.message, view.error_field = error.text(lang), error.field
        view.can_export = False
    else:
        view.total = service.count_users(db, **args)
        pages = max(1, -(-view.total // spec.page_size))
        if state.page > pages:
            view.state = replace(state, page=pages)
        found = service.page_of_users(db, **args, limit=spec.page_size, offset=(view.state.page - 1) * spec.page_size)
        view.rows = list(user_list.rows_of(found, user_list.branch_names(branches)))
    return render(request, "identity/users.html", {"view": view}, status_code=400 if view.message else 200)


# Not /admin/users/export.{fmt}: "export.csv" is a valid user name, whose page that would hide.
@router.get("/admin/users-export.{fmt}")
def export_users(request: Request, fmt: Literal["xlsx", "csv"], user: User = Depends(admin_only),
                 db: Session = REQUEST_DB):
    """The users as filtered and sorted, streamed. Audited: the rows carry personal information
    (names, masked mobiles; see `user_list`)."""
    spec = user_list.SPEC
    state = state_from(request, spec)
    branches = service.list_branches(db)
    args = _list_args(state, branches)
    names = user_list.branch_names(branches)
    total = service.count_users(db, **args)
    record(db, service.actor_of(user), events.UsersExported(entity_id="users", format=fmt, filters=dict(state.filters),
                                                            rows=min(total, spec.export_cap), total=total))

    def rows():
        with new_session() as session:  # the request's session has ended by the time the body is written
            yield from user_list.rows_of(service.iterate_users(session, cap=spec.export_cap, **args), names)

    return export_response(spec, fmt=fmt, lang=request_lang(request), rows=rows, total=total, when=utcnow())


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
