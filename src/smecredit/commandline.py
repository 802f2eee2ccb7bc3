"""What every command shares: the consoles, bilingual errors with exit code 2, the actor a command
acts as, and the use-case boundary (one session, one unit of work)."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import Session

from smecredit.audit.log import Actor
from smecredit.kernel.db import new_session, unit_of_work
from smecredit.kernel.errors import DomainError

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


def cli_actor() -> Actor:
    """Who a command acts as in the audit log: the operating-system user, as an administrator."""
    return Actor(username=f"cli:{getpass.getuser()}", role=CLI_ACTOR_ROLE)


@contextmanager
def use_case() -> Iterator[Session]:
    """One command, one transaction: committed when the block ends, rolled back on an error."""
    with new_session() as db, unit_of_work(db):
        yield db
