"""`smecredit applications …` — the state machine's diagram for the docs."""

from __future__ import annotations

from pathlib import Path

import typer

from smecredit.applications import states
from smecredit.commandline import console

app = typer.Typer(help="贷款申请 / applications", no_args_is_help=True)

DOC = Path("docs") / "applications.md"


@app.command("diagram")
def diagram(write: bool = typer.Option(False, "--write", help=f"replace the diagram in {DOC} (run from the repository)")):
    """Print the state machine as a Mermaid diagram (generated from the transition table)."""
    if not write:
        console.print(states.mermaid(), markup=False, highlight=False)
        return
    text = DOC.read_text(encoding="utf-8")
    DOC.write_text(states.with_diagram(text), encoding="utf-8")
    console.print(f"已更新 / updated {DOC}")
