"""`smecredit audit …` — verify, checkpoint, prove, export, the public key, witnesses and alerts.

Exit codes: 0 ok; 1 verification failed or a witness refused (the first entry that does not match,
or the fork/rollback, is named); 2 bad input or a refusal to sign (bilingual message on stderr,
never a traceback).
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
        table.add_row("叶 MAC / leaf MACs", "已核验 / checked" if report.macs_checked else "未核验（无密钥） / not checked (no key here)")
        table.add_row("可信检查点 / trusted checkpoints", str(report.trusted_checked))
        if report.witnessed_checkpoint_id is not None:
            table.add_row("见证 / witnessed", f"检查点 / checkpoint {report.witnessed_checkpoint_id} (#{report.witnessed_size}): "
                          + ", ".join(report.witnesses.get(report.witnessed_checkpoint_id, [])))
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


def _read_text(path: Path, option: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        raise Invalid("file_unreadable", Text(f"无法读取文件: {path}", f"Cannot read the file: {path}"), option) from None


@app.command("verify")
@reports_domain_errors
def verify(
    bundle: Annotated[Path | None, typer.Option("--bundle", help="核验导出包，无需数据库 / check an exported bundle, no database")] = None,
    public_key_file: Annotated[Path | None, typer.Option(
        "--public-key", help="用另行取得的日志公钥（PEM 或 vkey）核验 / check against a log key obtained separately (PEM or vkey)")] = None,
    trusted_file: Annotated[list[Path] | None, typer.Option(
        "--trusted-checkpoint", help="已信任的检查点（签名注记文件），日志必须是它的延伸 / a checkpoint you already trust (signed note file); the log must extend it")] = None,
    require_witnesses: Annotated[int | None, typer.Option(
        "--require-witnesses", min=0, help="要求 N 个已配置见证人副署 / require N of the configured witnesses to have cosigned")] = None,
    witness_keys_file: Annotated[Path | None, typer.Option(
        "--witness-keys", help="见证人 vkey 文件（默认用设置） / witness vkeys file (default: the settings)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print the report as JSON")] = False,
):
    """Re-derive every leaf, the tree, every checkpoint and the chain; exit 0 only when nothing was changed."""
    from smecredit.audit.bundle import parse_log_key
    from smecredit.audit.cosignatures import _vkeys_from, configured_witnesses
    from smecredit.audit.note import ALG_COSIGNATURE_V1, NoteError, parse_vkey
    from smecredit.audit.verify import Trusted

    pinned = pinned_origin = None
    if public_key_file is not None:
        try:
            pinned, pinned_origin = parse_log_key(_read_text(public_key_file, "public-key"))
        except ValueError as exc:
            raise Invalid("bad_public_key", Text(f"公钥文件无效: {exc}", f"The public key file is not valid: {exc}"), "public-key") from None
    trusted = [Trusted(_read_text(path, "trusted-checkpoint"), str(path)) for path in trusted_file or []]
    witnesses = None
    if witness_keys_file is not None:
        try:
            witnesses = [parse_vkey(v) for v in _vkeys_from(_read_text(witness_keys_file, "witness-keys"))]
        except (NoteError, ValueError):
            raise Invalid("witness_key_invalid", Text("见证人 vkey 文件格式不正确", "The witness vkeys file is malformed"), "witness-keys") from None
        witnesses = [w for w in witnesses if w.alg == ALG_COSIGNATURE_V1]
    if bundle is not None:
        from smecredit.audit.bundle import verify_bundle

        if not bundle.is_file():
            raise Invalid("bundle_not_found", Text(f"找不到导出包文件: {bundle}", f"No such bundle file: {bundle}"), "bundle")
        context, callback = _progress(None)
        with context:
            report = verify_bundle(bundle, public_key_pem=pinned, pinned_origin=pinned_origin, trusted=trusted,
                                   witnesses=witnesses if witnesses is not None else configured_witnesses(),
                                   require_witnesses=require_witnesses or 0, progress=callback)
        source = str(bundle)
    else:
        from smecredit.audit.verify import stored_event_count, verify_database
        from smecredit.kernel.db import new_session, unit_of_work

        with new_session() as db, unit_of_work(db):
            context, callback = _progress(stored_event_count(db))
            with context:
                report = verify_database(db, public_key_pem=pinned, trusted=trusted, witnesses=witnesses,
                                         require_witnesses=require_witnesses, progress=callback)
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
        summary = export_bundle(db, out, actor=cli_actor())
    console.print(f"已导出 / exported {summary.events} events, {summary.checkpoints} checkpoints → "
                  f"{escape(str(summary.path))}", soft_wrap=True)
    console.print(f"树大小 / tree size {summary.tree_size} · root {summary.root_hash or '-'} · key id {summary.key_id}",
                  soft_wrap=True)


@app.command("public-key")
@reports_domain_errors
def public_key(out: Annotated[Path | None, typer.Option("--out", "-o", help="写入文件 / write to a file")] = None,
               vkey: Annotated[bool, typer.Option("--vkey", help="输出 C2SP vkey（含日志名称） / print the C2SP verifier key (names the log)")] = False):
    """Print (or write) the Ed25519 public key that signs checkpoints, as PEM (or as a C2SP vkey)."""
    from smecredit.audit.checkpoints import key_id, load_or_create_signing_key, log_vkey, public_key_pem

    key = load_or_create_signing_key()
    pem = log_vkey() + "\n" if vkey else public_key_pem(key)
    if out is None:
        typer.echo(pem, nl=False)
        return
    if out.is_dir() or not out.parent.exists():
        raise Invalid("bad_path", Text(f"无法写入: {out}", f"Cannot write to: {out}"), "out")
    out.write_text(pem, encoding="ascii")
    console.print(f"公钥已写入 / public key written to {escape(str(out))} (key id {key_id(key)})", soft_wrap=True)


@app.command("witness")
def witness_command(
    state: Annotated[Path, typer.Option("--state", help="见证人状态目录 / the witness's state directory")],
    source: Annotated[str | None, typer.Option("--from", help="导出包文件或平台见证 API 地址 / a bundle file or the platform's witness API URL "
                                               "(https://host/api/v1/audit/witness)")] = None,
    init: Annotated[bool, typer.Option("--init", help="初始化：生成见证人密钥并固定日志公钥 / make the witness key and pin the log key")] = False,
    name: Annotated[str | None, typer.Option("--name", help="见证人名称（--init） / the witness's name, e.g. audit.bank.example/witness")] = None,
    log_key: Annotated[Path | None, typer.Option("--log-key", help="日志公钥文件，PEM 或 vkey（--init） / the log's key file, PEM or vkey")] = None,
    log_origin: Annotated[str | None, typer.Option("--origin", help="日志名称（PEM 公钥时需要） / the log's origin (needed with a PEM key)")] = None,
    token: Annotated[str | None, typer.Option("--token", envvar="SMECREDIT_WITNESS_TOKEN", help="访问令牌 / bearer token for a URL source")] = None,
    post: Annotated[bool, typer.Option("--post/--no-post", help="把副署提交给平台（URL 来源） / post the cosignature back (URL source)")] = True,
):
    """Check the log's newest checkpoint against the one kept in STATE, cosign it, keep it; refuse forks and rollbacks (exit 1)."""
    from smecredit.audit import witness as w

    try:
        if init:
            if not name or log_key is None:
                raise w.WitnessError("init_needs", Text("--init 需要 --name 和 --log-key", "--init needs --name and --log-key"))
            vkey = w.init_state(state, name=name, log_key=_read_text(log_key, "log-key"), log_origin=log_origin)
            console.print("见证人已初始化 / witness initialised. 把这一行交给平台管理员（SMECREDIT_AUDIT_WITNESS_KEYS） / "
                          "give this line to the platform's administrator:", soft_wrap=True)
            typer.echo(vkey)
            if source is None:
                return
        if source is None:
            raise w.WitnessError("source_needed", Text("需要 --from（导出包或地址）", "--from is needed (a bundle or a URL)"))
        result = w.run(state, source, token=token, post=post)
    except w.WitnessError as error:
        err_console.print(f"[red]{escape(error.text.zh)}[/red]", soft_wrap=True)
        err_console.print(f"[red]{escape(error.text.en)}[/red]", soft_wrap=True)
        raise typer.Exit(1 if error.refused else 2) from None
    what = "已接受并副署 / accepted and cosigned" if result.accepted else "无新内容，已重新副署 / nothing new, cosigned again"
    console.print(f"{what}: checkpoint {result.checkpoint_id}, tree size {result.old_size} → {result.new_size}", soft_wrap=True)
    console.print(f"副署文件 / cosigned note: {escape(str(result.cosigned_path))}"
                  + (" · 已提交平台 / posted to the platform" if result.posted else ""), soft_wrap=True)


@app.command("import-cosignature")
@reports_domain_errors
def import_cosignature(file: Annotated[Path, typer.Argument(help="见证人给出的副署文件 / the witness's cosigned note file")]):
    """Store a witness's cosignature delivered as a file (checked against the configured witness keys)."""
    from smecredit.audit.cosignatures import accept_cosigned_note
    from smecredit.kernel.db import new_session, unit_of_work

    text = _read_text(file, "file")
    with new_session() as db, unit_of_work(db):
        kept = accept_cosigned_note(db, cli_actor(), text)
        lines = [f"{c.witness_name} → checkpoint {c.checkpoint_id}" for c in kept]
    for line in lines:
        console.print(f"已保存副署 / cosignature stored: {escape(line)}", soft_wrap=True)


@app.command("alert")
@reports_domain_errors
def alert_command(
    clear: Annotated[bool, typer.Option("--clear", help="调查完毕后清除告警（记入审计日志） / clear it after the investigation (recorded)")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="清除原因 / why it is cleared")] = None,
):
    """Show the alert raised when the signer refused a rewritten log; --clear it after investigating."""
    from smecredit.audit.keystore import clear_alert, read_alert

    alert = read_alert()
    if alert is None:
        console.print("没有审计告警 / no audit alert")
        return
    message = alert.get("message") or {}
    console.print(f"[red]审计告警 / audit alert[/red] [{escape(str(alert.get('code')))}] "
                  f"{escape(str(alert.get('first_seen')))} … {escape(str(alert.get('last_seen')))} ×{alert.get('count', 1)}", soft_wrap=True)
    console.print(f"  {escape(str(message.get('zh', '')))}", soft_wrap=True)
    console.print(f"  {escape(str(message.get('en', '')))}", soft_wrap=True)
    if not clear:
        raise typer.Exit(1)
    if not reason or not reason.strip():
        raise Invalid("reason_required", Text("清除告警须写明原因（--reason）", "Clearing the alert needs a --reason"), "reason")
    from smecredit.audit.events import AlertCleared
    from smecredit.audit.log import record
    from smecredit.kernel.db import new_session, unit_of_work

    with new_session() as db, unit_of_work(db):
        record(db, cli_actor(), AlertCleared(entity_id="alert", code=str(alert.get("code")),
                                             raised_at=alert.get("first_seen"), reason=reason.strip()[:500]))
    clear_alert()
    console.print("告警已清除并记入审计日志 / alert cleared and recorded in the audit log")
