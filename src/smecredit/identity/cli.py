"""`smecredit users …` — user administration from the command line (same rules as the pages)."""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from smecredit.commandline import cli_actor, console, reports_domain_errors, use_case
from smecredit.identity import service, sessions
from smecredit.identity.roles import Role
from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text

app = typer.Typer(help="用户管理 / user administration", no_args_is_help=True)


def _parse_roles(roles: list[str]):
    return [Role.parse(r) for r in roles]


def _password_from(password: str | None, password_stdin: bool, prompt: str) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if password:
        return password
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=True)


@app.command("create")
@reports_domain_errors
def users_create(
    username: str,
    role: list[str] = typer.Option(..., "--role", "-r", help="applicant, loan_officer, credit_reviewer, approver, risk_manager, auditor, admin"),
    name: str = typer.Option("", "--name", help="display name"),
    password: str | None = typer.Option(None, "--password", help="prefer the prompt or --password-stdin"),
    password_stdin: bool = typer.Option(False, "--password-stdin"),
):
    """Create a user with one or more roles."""
    secret = _password_from(password, password_stdin, "密码 / password")
    with use_case() as db:
        user = service.create_user(db, actor=cli_actor(), username=username, display_name=name or username,
                                   password=secret, roles=_parse_roles(role))
        console.print(f"created {user.username} ({', '.join(sorted(r.value for r in user.roles))})")


@app.command("list")
@reports_domain_errors
def users_list(
    role: str | None = typer.Option(None, "--role"),
    status: str | None = typer.Option(None, "--status", help="active, locked or disabled"),
    q: str | None = typer.Option(None, "--q", help="user name, name or a full mobile number"),
):
    """List users with their roles and status."""
    if status is not None and status not in service.STATUSES:
        raise Invalid("invalid_status", Text("状态须为 active、locked 或 disabled", "Status must be active, locked or disabled"),
                      "status")
    with use_case() as db:
        _, users = service.search_users(db, role=_parse_roles([role])[0] if role else None, status=status, q=q, limit=None)
        table = Table("username", "name", "roles", "status", "mobile", "last sign-in")
        for u in users:
            table.add_row(u.username, u.display_name, ", ".join(r.value for r in Role if r in u.roles), u.status,
                          u.mobile_masked or "", u.last_login_at.isoformat(timespec="seconds") if u.last_login_at else "")
        console.print(table)


@app.command("roles")
@reports_domain_errors
def users_roles(
    username: str,
    roles: list[str] = typer.Option(..., "--set", "-s", help="every role the user should hold (replaces the current ones)"),
):
    """Set a user's roles (separation of duties applies; their sessions and tokens end)."""
    with use_case() as db:
        user = service.set_roles(db, actor=cli_actor(), username=username, roles=_parse_roles(roles))
        console.print(f"{user.username}: {', '.join(r.value for r in Role if r in user.roles)}")


@app.command("disable")
@reports_domain_errors
def users_disable(username: str):
    """Disable an account (its sessions and tokens end)."""

    with use_case() as db:
        service.set_active(db, actor=cli_actor(), username=username, active=False)
    console.print(f"disabled {username}")


@app.command("enable")
@reports_domain_errors
def users_enable(username: str):
    """Enable a disabled account."""

    with use_case() as db:
        service.set_active(db, actor=cli_actor(), username=username, active=True)
    console.print(f"enabled {username}")


@app.command("unlock")
@reports_domain_errors
def users_unlock(username: str):
    """Unlock an account locked by wrong passwords."""

    with use_case() as db:
        service.unlock(db, actor=cli_actor(), username=username)
    console.print(f"unlocked {username}")


@app.command("reset-password")
@reports_domain_errors
def users_reset_password(
    username: str,
    password: str | None = typer.Option(None, "--password"),
    password_stdin: bool = typer.Option(False, "--password-stdin"),
    generate: bool = typer.Option(False, "--generate", help="make a strong temporary password and print it once"),
):
    """Set a temporary password; the user must change it at next sign-in (sessions and tokens end)."""

    with use_case() as db:
        target = service.get_user(db, username=username)
        secret = service.generate_temporary_password(target.username) if generate else \
            _password_from(password, password_stdin, "新密码 / new password")
        service.reset_password(db, actor=cli_actor(), username=username, new_password=secret)
    console.print(f"password reset for {username}; they must change it at next sign-in")
    if generate:
        console.print(f"temporary password (shown once): {secret}", highlight=False)


@app.command("tokens")
@reports_domain_errors
def users_tokens(username: str):
    """List a user's live API tokens."""
    with use_case() as db:
        _, tokens = sessions.list_tokens(db, user=service.get_user(db, username=username), limit=1000)
        table = Table("id", "label", "issued", "expires", "last used")
        for t in tokens:
            table.add_row(str(t.id), t.label or "", t.created_at.isoformat(timespec="seconds"),
                          t.expires_at.isoformat(timespec="seconds"),
                          t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else "")
        console.print(table)


@app.command("revoke-token")
@reports_domain_errors
def users_revoke_token(username: str, token_id: int = typer.Argument(..., min=1, max=2_147_483_647)):
    """Revoke one of a user's API tokens."""
    with use_case() as db:
        sessions.revoke_token(db, actor=cli_actor(), user=service.get_user(db, username=username), token_id=token_id,
                              by="admin")
    console.print(f"revoked token {token_id} of {username}")


@app.command("branch")
@reports_domain_errors
def users_branch(username: str, branch: str = typer.Option(..., "--set", help="branch code, or '-' for none")):
    """Place a member of staff in a branch (officers of a branch share its portfolio)."""
    with use_case() as db:
        user = service.set_branch(db, actor=cli_actor(), username=username, branch_code=None if branch == "-" else branch)
        console.print(f"{user.username}: {user.branch_code or '-'}")


@app.command("branches")
@reports_domain_errors
def users_branches(
    add: str | None = typer.Option(None, "--add", help="add or rename: CODE"),
    name: str | None = typer.Option(None, "--name", help="the branch's name (with --add)"),
    region: str | None = typer.Option(None, "--region", help="6-digit region code (with --add)"),
):
    """List the branches, or add or rename one (--add CODE --name NAME)."""
    with use_case() as db:
        if add is not None:
            service.save_branch(db, actor=cli_actor(), code=add, name=name or "", region_code=region)
        table = Table("code", "name", "region")
        for branch in service.list_branches(db):
            table.add_row(branch.code, branch.name, branch.region_code or "")
        console.print(table)
