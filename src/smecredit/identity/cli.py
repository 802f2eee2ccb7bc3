"""`smecredit users …` — user administration from the command line (same rules as the pages)."""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from smecredit.commandline import cli_actor, console, reports_domain_errors, use_case
from smecredit.identity import service
from smecredit.identity.roles import Role

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
def users_list(role: str | None = typer.Option(None, "--role")):
    """List users with their roles and status."""
    from smecredit.kernel.clock import as_utc, utcnow

    with use_case() as db:
        users = service.list_users(db, role=_parse_roles([role])[0] if role else None)
        table = Table("username", "name", "roles", "status", "last sign-in")
        now = utcnow()
        for u in users:
            status = "disabled" if not u.is_active else (
                "locked" if u.locked_until and as_utc(u.locked_until) > now else "active")
            table.add_row(u.username, u.display_name, ", ".join(sorted(r.value for r in u.roles)), status,
                          u.last_login_at.isoformat(timespec="seconds") if u.last_login_at else "")
        console.print(table)


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
):
    """Set a temporary password; the user must change it at next sign-in."""

    secret = _password_from(password, password_stdin, "新密码 / new password")
    with use_case() as db:
        service.reset_password(db, actor=cli_actor(), username=username, new_password=secret)
    console.print(f"password reset for {username}; they must change it at next sign-in")
