"""The users list of the administrators' pages as people see it and export it: one
`web.lists.ListSpec` for the page and both exports; the rows come from `service.users_query`.

Exporting it is an audited act (`events.UsersExported`): the rows carry personal information —
the names of staff and applicants and their mobile numbers. Mobiles are only ever shown and
exported masked (138****5678); the real name and 公民身份号码 of applicants are not in the list.
"""

from __future__ import annotations

from dataclasses import dataclass

from smecredit.identity.models import Branch, User
from smecredit.identity.roles import ROLE_LABELS, Role
from smecredit.identity.service import NO_BRANCH, USER_SORTS
from smecredit.kernel.text import Text
from smecredit.web.lists import Cell, Column, Filter, ListSpec, Option

STATUS_LABELS = {"active": Text("正常", "Active"), "locked": Text("已锁定", "Locked"), "disabled": Text("已停用", "Disabled")}
STATUS_TONES = {"active": "success", "locked": "warning", "disabled": "danger"}
NO_BRANCH_LABEL = Text("无网点", "No branch")

ROLE_OPTIONS = tuple(Option(r.value, Text(*ROLE_LABELS[r])) for r in Role)
STATUS_OPTIONS = tuple(Option(k, label) for k, label in STATUS_LABELS.items())


def branch_options(branches: list[Branch]) -> list[Option]:
    return [Option(b.code, Text(f"{b.name}（{b.code}）", f"{b.name} ({b.code})")) for b in branches] + \
        [Option(NO_BRANCH, NO_BRANCH_LABEL)]


@dataclass(frozen=True)
class Row:
    """One user with the name of their branch (the branches are read once per page, not per row)."""

    u: User
    branch_name: str | None

    @property
    def branch(self) -> Text | None:
        code = self.u.branch_code
        if not code:
            return None
        if not self.branch_name:
            return Text(code, code)
        return Text(f"{self.branch_name}（{code}）", f"{self.branch_name} ({code})")


def branch_names(branches: list[Branch]) -> dict[str, str]:
    return {b.code: b.name for b in branches}


def rows_of(users, names: dict[str, str]):
    for u in users:
        yield Row(u, names.get(u.branch_code or ""))


def _roles(u: User) -> Text:
    ordered = [r for r in Role if r in u.roles]
    return Text("、".join(r.label_zh for r in ordered), ", ".join(r.label_en for r in ordered))


def _roles_cell(u: User, lang: str) -> Cell:
    return Cell("", badges=tuple((r.label(lang), "secondary") for r in Role if r in u.roles))


def _status_cell(u: User, lang: str) -> Cell:
    return Cell("", badges=((STATUS_LABELS[u.status].pick(lang), STATUS_TONES[u.status]),))


SPEC = ListSpec(
    name="users",
    title=Text("用户与岗位", "Users and roles"),
    columns=(
        Column("username", Text("用户名", "User name"), lambda r: r.u.username, sort="username", primary=True,
               cell=lambda r, lang: Cell(r.u.username, href=f"/admin/users/{r.u.username}", testid="user-link"),
               css="wrap-anywhere"),
        Column("display_name", Text("姓名", "Name"), lambda r: r.u.display_name, sort="name"),
        Column("roles", Text("岗位", "Roles"), lambda r: _roles(r.u), cell=lambda r, lang: _roles_cell(r.u, lang),
               card_wide=True),
        Column("status", Text("状态", "Status"), lambda r: STATUS_LABELS[r.u.status],
               cell=lambda r, lang: _status_cell(r.u, lang)),
        Column("branch", Text("网点", "Branch"), lambda r: r.branch),
        Column("mobile", Text("手机号（已脱敏）", "Mobile (masked)"), lambda r: r.u.mobile_masked, nowrap=True, wide=True),
        Column("last_login", Text("最近登录", "Last sign-in"), lambda r: r.u.last_login_at, sort="last_login",
               nowrap=True, wide=True),
        Column("created", Text("创建时间", "Created"), lambda r: r.u.created_at, sort="newest", page=False),
    ),
    sorts=USER_SORTS,
    default_sort="username",
    filters=(
        Filter("q", Text("用户名、姓名或手机号", "User name, name or mobile"), kind="search", wide=True,
               placeholder=Text("用户名、姓名或完整手机号", "User name, name or full mobile")),
        Filter("role", Text("岗位", "Role"), options=ROLE_OPTIONS, any_label=Text("全部岗位", "All roles")),
        Filter("status", Text("状态", "Status"), options=STATUS_OPTIONS, any_label=Text("全部状态", "Any status")),
        Filter("branch", Text("网点", "Branch"), any_label=Text("全部网点", "All branches")),
    ),
    page_size=50,
    export_path="/admin/users-export",
    testid="users-table",
    empty=Text("没有符合条件的用户", "No users match"),
)
