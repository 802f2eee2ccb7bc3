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


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid("invalid_start", Text(f"起始日须为 YYYY-MM-DD 格式的日期：{text!r}",
                                            f"The start must be a date as YYYY-MM-DD: {text!r}"), "start") from None


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
