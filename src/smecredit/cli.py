"""The `smecredit` command line. Every command reads the same settings as the server.

Platform commands (db, run, seed-demo) live here; each stage mounts its own (`users`, `audit`,
`standards`, …) through its `stage.py`.
"""

from __future__ import annotations

import typer
from rich.table import Table

from smecredit.commandline import console
from smecredit.kernel.settings import get_settings
from smecredit.stages import all_stages, load

app = typer.Typer(help="smecredit 小微信贷平台 — small and micro enterprise credit platform", no_args_is_help=True)
db_app = typer.Typer(help="数据库迁移 / database migrations", no_args_is_help=True)
app.add_typer(db_app, name="db")


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


# --- run ---------------------------------------------------------------------------------------

def prepare() -> list:
    """Migrate, make the audit signing key, load every stage's starting data, and seed the demo data on first start. Returns the demo
    logins made now (empty when users existed already), so they are printed exactly once."""
    from smecredit import demo
    from smecredit.audit import checkpoints
    from smecredit.kernel import migrate

    settings = get_settings()
    settings.ensure_dirs()
    migrate.upgrade("head")
    checkpoints.load_or_create_signing_key()
    demo.setup_all()
    if not settings.demo_seed:
        return []
    return demo.seed_all().get("identity") or []


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
        from smecredit.identity.demo import DEMO_PASSWORD

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


@app.callback()
def _every_command() -> None:
    """Before any command: every stage's tables known to the ORM (a command imports only what it
    uses, and the mappers resolve foreign keys across stages — `eod run` failed at its first
    scheduled debit without this)."""
    from smecredit.models_registry import import_all_models

    import_all_models()


def _mount_stage_commands() -> None:
    for stage in all_stages():
        for name, reference in stage.commands:
            sub = load(reference)
            app.add_typer(sub, name=name, help=sub.info.help)


_mount_stage_commands()

if __name__ == "__main__":
    app()
