"""`smecredit audit …` — verify, checkpoint, prove, export and the public key.

Exit codes: 0 ok; 1 verification failed (the first entry that does not match is named); 2 bad
input (bilingual message on stderr, never a traceback).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from smecredit.commandline import cli_actor, console, err_console, reports_domain_errors
from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text

app = typer.Typer(help="审计日志 / tamper-evident audit log", no_args_is_help=True)


def _print_report(report, source: str) -> None:
    from rich.table import Table

    table = Table(show_header=False, title=f"审计核验 / audit verification — {escape(source)}")
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("结果 / result", "[green]通过 / OK[/green]" if report.ok else "[red]未通过 / FAILED[/red]")
    table.add_row("已核验事件 / events checked", str(report.events_checked))
    table.add_row("已核验检查点 / checkpoints checked", str(report.checkpoints_checked))
    if report.ok:
        table.add_row("树大小 / tree size", str(report.tree_size))
        table.add_row("根哈希 / root hash", report.root_hash or "")
        if report.latest_checkpoint_size is not None:
            table.add_row("最新检查点覆盖至 / latest checkpoint covers", f"#{report.latest_checkpoint_size}")
        if report.key_id:
            table.add_row("签名公钥编号 / signing key id", report.key_id)
    console.print(table)
    if report.first_problem is not None:
        problem = report.first_problem
        console.print(f"[red]第一个问题 / first problem:[/red] {escape(problem.entry_zh)} / {escape(problem.entry)} "
                      f"({escape(problem.kind)})", soft_wrap=True)
        console.print(f"  {escape(problem.message_zh)}", soft_wrap=True)
        console.print(f"  {escape(problem.message_en)}", soft_wrap=True)


def _progress(total: int | None):
    """A Rich progress bar on a terminal (stderr), nothing otherwise. Returns (context, callback)."""
    from contextlib import nullcontext

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    if not err_console.is_terminal:
        return nullcontext(), None
    progress = Progress(TextColumn("核验 / verifying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=err_console, transient=True)
    task = progress.add_task("verify", total=total)
    return progress, lambda done: progress.update(task, completed=done)


@app.command("verify")
@reports_domain_errors
def verify(
    bundle: Annotated[Path | None, typer.Option("--bundle", help="核验导出包，无需数据库 / check an exported bundle, no database")] = None,
    public_key_file: Annotated[Path | None, typer.Option(
        "--public-key", help="用另行取得的公钥核验导出包 / check the bundle against a key obtained separately")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print the report as JSON")] = False,
):
    """Re-derive every leaf, the tree and every checkpoint; exit 0 only when nothing was changed."""
    if bundle is not None:
        from smecredit.audit.bundle import verify_bundle

        if not bundle.is_file():
            raise Invalid("bundle_not_found", Text(f"找不到导出包文件: {bundle}", f"No such bundle file: {bundle}"), "bundle")
        pinned = None
        if public_key_file is not None:
            try:
                pinned = public_key_file.read_text(encoding="ascii")
            except (OSError, UnicodeError):
                raise Invalid("public_key_unreadable", Text(f"无法读取公钥文件: {public_key_file}", f"Cannot read the public key file: {public_key_file}"), "public-key") from None
        context, callback = _progress(None)
        with context:
            report = verify_bundle(bundle, public_key_pem=pinned, progress=callback)
        source = str(bundle)
    else:
        if public_key_file is not None:
            raise Invalid("public_key_needs_bundle", Text("--public-key 只与 --bundle 一起使用", "--public-key is used with --bundle only"), "public-key")
        from smecredit.audit.verify import stored_event_count, verify_database
        from smecredit.kernel.db import new_session, unit_of_work

        with new_session() as db, unit_of_work(db):
            context, callback = _progress(stored_event_count(db))
            with context:
                report = verify_database(db, progress=callback)
        source = "database / 数据库"
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report, source)
    if not report.ok:
        raise typer.Exit(1)


@app.command("checkpoint")
@reports_domain_errors
def checkpoint():
    """Sign the current tree size and root now (the daily one is automatic)."""
    from smecredit.audit.checkpoints import create_checkpoint
    from smecredit.kernel.db import new_session, unit_of_work

    with new_session() as db, unit_of_work(db):
        made = create_checkpoint(db, actor=cli_actor())
        console.print(f"检查点 / checkpoint {made.id}: tree size {made.tree_size}, root {made.root_hash}",
                      soft_wrap=True)


@app.command("prove")
@reports_domain_errors
def prove_command(event_id: Annotated[int, typer.Argument(help="事件序号 / the event's seq")]):
    """Print (JSON) an inclusion proof of EVENT_ID against the latest checkpoint; exit 1 if it fails."""
    from smecredit.audit.proofs import prove
    from smecredit.kernel.db import new_session, unit_of_work

    with new_session() as db, unit_of_work(db):
        result = prove(db, event_id)
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    if not result["verified"]:
        err_console.print("[red]证明未通过 / the proof does not verify[/red]")
        raise typer.Exit(1)


@app.command("export")
@reports_domain_errors
def export(out: Annotated[Path, typer.Option("--out", "-o", help="输出文件 / the bundle file to write")]):
    """Write a bundle (events, checkpoints, public key) that `verify --bundle` checks without a database."""
    from smecredit.audit.bundle import export_bundle
    from smecredit.kernel.db import new_session, unit_of_work

    with new_session() as db, unit_of_work(db):
        summary = export_bundle(db, out)
    console.print(f"已导出 / exported {summary.events} events, {summary.checkpoints} checkpoints → "
                  f"{escape(str(summary.path))}", soft_wrap=True)
    console.print(f"树大小 / tree size {summary.tree_size} · root {summary.root_hash or '-'} · key id {summary.key_id}",
                  soft_wrap=True)


@app.command("public-key")
@reports_domain_errors
def public_key(out: Annotated[Path | None, typer.Option("--out", "-o", help="写入文件 / write to a file")] = None):
    """Print (or write) the Ed25519 public key that signs checkpoints, as PEM."""
    from smecredit.audit.checkpoints import key_id, load_or_create_signing_key, public_key_pem

    key = load_or_create_signing_key()
    pem = public_key_pem(key)
    if out is None:
        typer.echo(pem, nl=False)
        return
    if out.is_dir() or not out.parent.exists():
        raise Invalid("bad_path", Text(f"无法写入: {out}", f"Cannot write to: {out}"), "out")
    out.write_text(pem, encoding="ascii")
    console.print(f"公钥已写入 / public key written to {escape(str(out))} (key id {key_id(key)})", soft_wrap=True)
