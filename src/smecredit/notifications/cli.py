"""`smecredit notifications …` — deliver what is waiting in the outbox; read the SMS sandbox."""

from __future__ import annotations

import typer
from rich.table import Table

from smecredit.commandline import console, use_case
from smecredit.kernel.clock import to_local
from smecredit.notifications import service

app = typer.Typer(help="通知与短信 / notifications and SMS", no_args_is_help=True)


@app.command("deliver")
def deliver(limit: int = typer.Option(100, min=1, max=10_000)):
    """Send the outbox messages still waiting (pending, failed with attempts left)."""
    outcome = service.deliver_pending(limit=limit)
    console.print(", ".join(f"{k}: {v}" for k, v in sorted(outcome.items())) or "nothing waiting")


@app.command("sandbox")
def sandbox(limit: int = typer.Option(20, min=1, max=1000)):
    """The newest messages of the SMS sandbox (nothing was really sent)."""
    with use_case() as db:
        _, rows = service.sandbox_messages(db, limit=limit)
        table = Table("time", "to", "text", title="短信沙箱 / SMS sandbox (nothing was sent)")
        for row in rows:
            table.add_row(to_local(row.created_at).strftime("%Y-%m-%d %H:%M:%S"), row.recipient_masked, row.text)
        console.print(table)
