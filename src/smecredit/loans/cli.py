"""`smecredit schedule …` — a repayment schedule on the command line (pure arithmetic, no database).

Exit codes: 0 ok, 2 bad arguments (a bilingual message on stderr, never a traceback).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from smecredit.commandline import console, reports_domain_errors
from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text
from smecredit.loans import schedules

app = typer.Typer(help="还款计划 / repayment schedule", invoke_without_command=True, no_args_is_help=True)


def _decimal(text: str, field: str, name: Text) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except (InvalidOperation, AttributeError):
        value = None
    if value is None or not value.is_finite():
        raise Invalid("not_a_number", Text(f"{name.zh}须为数字：{text!r}", f"{name.en} must be a number: {text!r}"), field)
    return value


def _months(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise Invalid("months_out_of_range", Text(f"期限须为整数个月：{text!r}",
                                                  f"The term must be a whole number of months: {text!r}"), "months") from None


def _date(text: str, field: str = "start") -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        if field == "start":
            raise Invalid("invalid_start", Text(f"起始日须为 YYYY-MM-DD 格式的日期：{text!r}",
                                                f"The start must be a date as YYYY-MM-DD: {text!r}"), "start") from None
        raise Invalid("invalid_date", Text(f"日期须为 YYYY-MM-DD 格式：{text!r}",
                                           f"The date must be YYYY-MM-DD: {text!r}"), field) from None


def _required(value: str | None, flag: str, name: Text) -> str:
    if value is None:
        raise Invalid("missing_option", Text(f"请用 {flag} 给出{name.zh}", f"Give the {name.en} with {flag}"), flag)
    return value


@app.callback()
@reports_domain_errors
def schedule(
    principal: Annotated[str | None, typer.Option("--principal", help="本金（元），如 670000 或 670000.00 / principal in yuan")] = None,
    annual_rate: Annotated[str | None, typer.Option("--annual-rate", help="年利率（%），4.35 表示 4.35% / annual rate in percent")] = None,
    months: Annotated[str | None, typer.Option("--months", help="期限（月）/ term in months")] = None,
    method: Annotated[str, typer.Option("--method", help="还款方式 / method: " + ", ".join(schedules.METHODS))] = schedules.EQUAL_INSTALLMENT,
    start: Annotated[str | None, typer.Option("--start", help="起始（放款）日 YYYY-MM-DD / start (disbursement) date")] = None,
    day_count: Annotated[str | None, typer.Option("--day-count", help="计息基准 / day count: " + ", ".join(schedules.DAY_COUNTS))] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
) -> None:
    """还款计划 / Print a loan's repayment schedule (等额本息、等额本金、按月付息到期还本、到期一次还本付息)."""
    principal_name, rate_name = Text("本金", "The principal"), Text("年利率", "The annual rate")
    amount = _decimal(_required(principal, "--principal", principal_name), "principal", principal_name)
    rate = _decimal(_required(annual_rate, "--annual-rate", rate_name), "annual_rate", rate_name)
    term = _months(_required(months, "--months", Text("期限（月）", "term in months")))
    begins = _date(_required(start, "--start", Text("起始日", "start date")))
    lines = schedules.build_schedule(principal=amount, annual_rate=rate, months=term, method=method.strip(),
                                     start=begins, day_count=day_count)
    if as_json:
        typer.echo(json.dumps([line.as_dict() for line in lines], ensure_ascii=False, indent=2))
        return
    label = schedules.METHOD_LABELS[method.strip()]
    total = schedules.totals(lines)
    apr = schedules.annual_percentage_rate(amount, schedules.cash_flows(lines), received_on=begins)
    table = Table(title=f"还款计划 / Repayment schedule — {label.zh} / {label.en}")
    for heading in ("期次\nNo.", "还款日\nDue", "本金\nPrincipal", "利息\nInterest", "应还\nPayment", "剩余本金\nBalance"):
        table.add_column(heading, justify="right", no_wrap=True)
    for line in lines:
        table.add_row(str(line.number), line.due_date.isoformat(), f"{line.principal:,.2f}", f"{line.interest:,.2f}",
                      f"{line.payment:,.2f}", f"{line.balance:,.2f}")
    table.add_section()
    table.add_row("合计\nTotal", "", f"{total['principal']:,.2f}", f"{total['interest']:,.2f}", f"{total['payment']:,.2f}", "")
    wide = Console(width=max(console.width, 100))
    wide.print(table)
    wide.print(f"[bold]年化利率 APR {apr}%[/bold]（{schedules.APR_METHOD.zh} / {schedules.APR_METHOD.en}）", highlight=False)


# --- smecredit eod ---------------------------------------------------------------------------------

eod_app = typer.Typer(help="日终处理 / end of day", no_args_is_help=True)


@eod_app.command("run")
@reports_domain_errors
def eod_run(
    on: Annotated[str | None, typer.Option("--date", help="营业日 YYYY-MM-DD（默认今天）/ business date (default today)")] = None,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, max=100_000, help="每批贷款笔数 / loans per chunk")] = 500,
    workers: Annotated[bool, typer.Option("--workers/--in-process", help="分批交给 Celery worker / send chunks to Celery workers")] = False,
) -> None:
    """日终：计提利息、罚息复利、到期扣款、逾期天数，并关闭营业日（补跑漏掉的日期）/ Run the end of day
    up to the date, catching up missed dates in order. Running it twice changes nothing."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from smecredit.kernel.clock import business_date
    from smecredit.loans import eod

    today = business_date()
    day = _date(on, field="date") if on else today
    if day > today:  # a day that has not happened: its debits, penalties and days past due cannot be undone
        raise Invalid("date_in_future", Text(f"不能对尚未到来的营业日做日终：{day} 晚于营业日 {today}",
                                             f"The end of day cannot run for a date to come: {day} is after the "
                                             f"business date {today}"), "date")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as bar:
        tasks: dict = {}

        def progress(current_day, done, total):
            if current_day not in tasks:
                tasks[current_day] = bar.add_task(f"日终 EOD {current_day}", total=max(total, 1))
            bar.update(tasks[current_day], completed=done if total else 1, total=max(total, 1))

        results = eod.run(day, chunk_size=chunk_size, dispatch=eod.celery_dispatch if workers else None,
                          progress=progress)
    if not results:
        console.print(f"{day} 及之前的营业日均已关闭 / every date up to {day} is closed already")
    for result in results:
        state = "已关闭（未变动）/ closed already" if result.already_closed else f"{result.loans} 笔贷款 / loans"
        console.print(f"{result.business_date}: {state}")


@eod_app.command("dues")
@reports_domain_errors
def eod_dues(
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, max=100_000, help="每批贷款笔数 / loans per chunk")] = 500,
    everything: Annotated[bool, typer.Option("--all", help="重写全部已放款贷款（仅写入不同之处）/ every disbursed loan (writes only what differs)")] = False,
) -> None:
    """补写到期还款表（迁移 0015 之前放款的贷款）/ Write the dues table for the loans disbursed before
    migration 0015 (once after upgrading; running it again does nothing)."""
    from smecredit.loans import eod

    done = eod.backfill_dues(chunk_size=chunk_size, everything=everything)
    console.print(f"{done} 笔贷款已写入到期还款表 / loans' dues written")
