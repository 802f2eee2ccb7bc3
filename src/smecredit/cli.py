"""The `smecredit` command line. Every command reads the same settings as the server."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from smecredit.kernel.errors import DomainError
from smecredit.kernel.settings import get_settings

app = typer.Typer(help="smecredit 小微信贷平台 — small and micro enterprise credit platform", no_args_is_help=True)
db_app = typer.Typer(help="数据库迁移 / database migrations", no_args_is_help=True)
users_app = typer.Typer(help="用户管理 / user administration", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")

console = Console()
# Error messages are never wrapped: a file path or reason split over lines is hard to read and to grep.
err_console = Console(stderr=True, soft_wrap=True)

CLI_ACTOR_ROLE = "admin"


def reports_domain_errors(func: Callable) -> Callable:
    """Bad input on the command line: a bilingual message and exit code 2, never a traceback."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DomainError as error:
            field = escape(f" [{error.field}]") if error.field else ""
            err_console.print(f"[red]错误 / error{field}:[/red] {escape(error.message_zh)} / {escape(error.message_en)}")
            raise typer.Exit(2) from None

    return wrapper


def cli_actor():
    import getpass

    from smecredit.audit.log import Actor

    return Actor(username=f"cli:{getpass.getuser()}", role=CLI_ACTOR_ROLE)


# --- db ----------------------------------------------------------------------------------------

@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")):
    """Migrate the database up to REVISION (default: head)."""
    from smecredit.kernel import migrate

    get_settings().ensure_dirs()
    migrate.upgrade(revision)
    console.print(f"database at {revision}: {get_settings().resolved_database_url}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="e.g. base, or a revision id")):
    """Migrate the database down to REVISION."""
    from smecredit.kernel import migrate

    migrate.downgrade(revision)
    console.print(f"database at {revision}")


@db_app.command("current")
def db_current():
    """Show the database's current revision."""
    from smecredit.kernel import migrate

    migrate.current()


# --- users -------------------------------------------------------------------------------------

def _parse_roles(roles: list[str]):
    from smecredit.identity.roles import Role

    return [Role.parse(r) for r in roles]


def _password_from(password: str | None, password_stdin: bool, prompt: str) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if password:
        return password
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=True)


@users_app.command("create")
@reports_domain_errors
def users_create(
    username: str,
    role: list[str] = typer.Option(..., "--role", "-r", help="applicant, loan_officer, credit_reviewer, approver, risk_manager, auditor, admin"),
    name: str = typer.Option("", "--name", help="display name"),
    password: str | None = typer.Option(None, "--password", help="prefer the prompt or --password-stdin"),
    password_stdin: bool = typer.Option(False, "--password-stdin"),
):
    """Create a user with one or more roles."""
    from smecredit.identity import service
    from smecredit.kernel.db import new_session, unit_of_work

    secret = _password_from(password, password_stdin, "密码 / password")
    with new_session() as db, unit_of_work(db):
        user = service.create_user(db, actor=cli_actor(), username=username, display_name=name or username,
                                   password=secret, roles=_parse_roles(role))
        console.print(f"created {user.username} ({', '.join(sorted(r.value for r in user.roles))})")


@users_app.command("list")
def users_list(role: str | None = typer.Option(None, "--role")):
    """List users with their roles and status."""
    from smecredit.identity import service
    from smecredit.kernel.clock import as_utc, utcnow
    from smecredit.kernel.db import new_session, unit_of_work

    with new_session() as db, unit_of_work(db):
        users = service.list_users(db, role=_parse_roles([role])[0] if role else None)
        table = Table("username", "name", "roles", "status", "last sign-in")
        now = utcnow()
        for u in users:
            status = "disabled" if not u.is_active else (
                "locked" if u.locked_until and as_utc(u.locked_until) > now else "active")
            table.add_row(u.username, u.display_name, ", ".join(sorted(r.value for r in u.roles)), status,
                          u.last_login_at.isoformat(timespec="seconds") if u.last_login_at else "")
        console.print(table)


@users_app.command("disable")
@reports_domain_errors
def users_disable(username: str):
    """Disable an account (its sessions and tokens end)."""
    from smecredit.identity import service
    from smecredit.kernel.db import new_session, unit_of_work

    with new_session() as db, unit_of_work(db):
        service.set_active(db, actor=cli_actor(), username=username, active=False)
    console.print(f"disabled {username}")


@users_app.command("enable")
@reports_domain_errors
def users_enable(username: str):
    """Enable a disabled account."""
    from smecredit.identity import service
    from smecredit.kernel.db import new_session, unit_of_work

    with new_session() as db, unit_of_work(db):
        service.set_active(db, actor=cli_actor(), username=username, active=True)
    console.print(f"enabled {username}")


@users_app.command("unlock")
@reports_domain_errors
def users_unlock(username: str):
    """Unlock an account locked by wrong passwords."""
    from smecredit.identity import service
    from smecredit.kernel.db import new_session, unit_of_work

    with new_session() as db, unit_of_work(db):
        service.unlock(db, actor=cli_actor(), username=username)
    console.print(f"unlocked {username}")


@users_app.command("reset-password")
@reports_domain_errors
def users_reset_password(
    username: str,
    password: str | None = typer.Option(None, "--password"),
    password_stdin: bool = typer.Option(False, "--password-stdin"),
):
    """Set a temporary password; the user must change it at next sign-in."""
    from smecredit.identity import service
    from smecredit.kernel.db import new_session, unit_of_work

    secret = _password_from(password, password_stdin, "新密码 / new password")
    with new_session() as db, unit_of_work(db):
        service.reset_password(db, actor=cli_actor(), username=username, new_password=secret)
    console.print(f"password reset for {username}; they must change it at next sign-in")


# --- run ---------------------------------------------------------------------------------------

def prepare() -> list:
    """Migrate, make the audit signing key, and seed the demo data on first start."""
    from smecredit.identity import service
    from smecredit.kernel import migrate
    from smecredit.kernel.db import new_session, unit_of_work

    settings = get_settings()
    settings.ensure_dirs()
    migrate.upgrade("head")
    from smecredit.audit import checkpoints

    checkpoints.load_or_create_signing_key()
    if not settings.demo_seed:
        return []
    with new_session() as db, unit_of_work(db):
        created = service.seed_demo_users(db)
    from smecredit import demo

    demo.seed_all()
    return created


@app.command("run")
def run(
    host: str | None = typer.Option(None, help="default SMECREDIT_HOST or 127.0.0.1"),
    port: int | None = typer.Option(None, help="default SMECREDIT_PORT or 8000"),
):
    """Migrate, seed demo data on first start, and serve the platform."""
    import uvicorn

    settings = get_settings()
    created = prepare()
    if created:
        from smecredit.identity.service import DEMO_PASSWORD

        table = Table("岗位 role", "用户名 user", "密码 password", title="演示账号 / demo logins (shown once)")
        for username, _name, role in created:
            table.add_row(f"{role.label_zh} {role.label_en}", username, DEMO_PASSWORD)
        console.print(table)
    url = f"http://{host or settings.host}:{port or settings.port}"
    console.print(f"smecredit serving on [bold]{url}[/bold] · database {settings.resolved_database_url}")
    uvicorn.run("smecredit.web.app:create_app", factory=True, host=host or settings.host, port=port or settings.port,
                log_level="info")


@app.command("seed-demo")
def seed_demo():
    """Create the demo users (and demo data) if the database has none yet."""
    created = prepare()
    console.print("demo data created" if created else "users exist already; nothing seeded")


def _mount_subcommands() -> None:
    from smecredit.audit.cli import app as audit_app
    from smecredit.standards.cli import app as standards_app

    app.add_typer(audit_app, name="audit", help="审计日志 / tamper-evident audit log")
    app.add_typer(standards_app, name="standards", help="标准校验 / published standards")


_mount_subcommands()

if __name__ == "__main__":
    app()
