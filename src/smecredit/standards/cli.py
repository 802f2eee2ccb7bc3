"""`smecredit standards …` — check codes and classify enterprises from the command line.

Mounted by the lead as a Typer sub-application. Exit codes: 0 ok, 1 a code is invalid
(``uscc``), 2 bad input (bilingual message on stderr, never a traceback).
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from smecredit.kernel.errors import DomainError
from smecredit.standards.sme_size import Industry, classify
from smecredit.standards.uscc import validate_uscc

app = typer.Typer(
    help="国家标准校验与划型 / Check national-standard codes and classify SMEs.",
    no_args_is_help=True,
)


def _bad_input(message_zh: str, message_en: str) -> NoReturn:
    typer.echo(f"错误：{message_zh}\nError: {message_en}", err=True)
    raise typer.Exit(2)


def _print_json(payload: object) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))


@app.command("uscc")
def uscc_command(
    codes: Annotated[list[str], typer.Argument(help="统一社会信用代码 / USCC(s) to check")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
) -> None:
    """校验统一社会信用代码 (GB 32100-2015) / Validate unified social credit codes.

    Exits 0 only when every code is valid, 1 otherwise.
    """
    results = [validate_uscc(code) for code in codes]
    if as_json:
        _print_json([r.as_dict() for r in results])
    else:
        table = Table(title="统一社会信用代码校验 / USCC check")
        # A code is never truncated; the descriptive columns fold instead.
        table.add_column("代码 Code", no_wrap=True, min_width=18)
        table.add_column("有效 OK", justify="center")
        table.add_column("原因 Reason", overflow="fold", ratio=3)
        table.add_column("部门 Dept", overflow="fold", ratio=1)
        table.add_column("类别 Category", overflow="fold", ratio=1)
        table.add_column("区划 Region", overflow="fold", ratio=1)
        for r in results:
            reason = "—" if r.valid else f"{r.reason_zh}\n{r.reason_en}"
            dept = f"{r.department.code} {r.department.name_zh}" if r.department else "—"
            cat = f"{r.category.code} {r.category.name_zh}" if r.category else "—"
            if r.region is None:
                reg = "—"
            else:
                reg = f"{r.region.code} {r.region.province_zh or '未知 unknown'}"
            # Text(), not markup: the code is user input and may contain '[…]'.
            table.add_row(
                Text(r.code or "(空 empty)"),
                Text("✓", style="green") if r.valid else Text("✗", style="red"),
                Text(reason), Text(dept), Text(cat), Text(reg),
            )
        Console().print(table)
    raise typer.Exit(0 if all(r.valid for r in results) else 1)


def _parse_int(name_zh: str, name_en: str, text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        _bad_input(f"{name_zh}须为整数：'{text}'", f"{name_en} must be a whole number: '{text}'")


def _parse_decimal(name_zh: str, name_en: str, text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        _bad_input(f"{name_zh}须为数字（万元）：'{text}'", f"{name_en} must be a number: '{text}'")
    return value


@app.command("sme-size")
def sme_size_command(
    industry: Annotated[
        str | None,
        typer.Option("--industry", help="行业键或中文名称 / industry key or Chinese name"),
    ] = None,
    employees: Annotated[
        str | None, typer.Option("--employees", help="从业人员（人）/ employees")
    ] = None,
    revenue: Annotated[
        str | None, typer.Option("--revenue", help="营业收入（万元）/ revenue in 10k CNY")
    ] = None,
    assets: Annotated[
        str | None, typer.Option("--assets", help="资产总额（万元）/ total assets in 10k CNY")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
) -> None:
    """中小企业划型 (工信部联企业〔2011〕300号) / Classify an enterprise's size.

    Pass the indicators the industry uses; the others may be omitted.
    """
    if industry is None:
        keys = ", ".join(m.value for m in Industry)
        _bad_input(f"请用 --industry 指定行业（{keys}）", f"give --industry (one of {keys})")
    try:
        result = classify(
            industry,
            employees=_parse_int("从业人员", "employees", employees),
            revenue_wan=_parse_decimal("营业收入", "revenue", revenue),
            assets_wan=_parse_decimal("资产总额", "assets", assets),
        )
    except DomainError as err:
        _bad_input(err.message_zh, err.message_en)
    if as_json:
        _print_json(result.as_dict())
        return
    console = Console()
    console.print(f"[bold]{result.size.zh}[/bold] ({result.size.value})")
    console.print(result.rule_zh, markup=False)
    console.print(result.rule_en, markup=False)


_WC_OPTIONS = (
    ("sales", "--sales"), ("profit_margin", "--profit-margin"), ("growth", "--growth"),
    ("inventory_days", "--inventory-days"), ("receivable_days", "--receivable-days"),
    ("payable_days", "--payable-days"), ("prepaid_days", "--prepaid-days"), ("advance_days", "--advance-days"),
)


def _opt(flag: str, help_text: str):
    return typer.Option(flag, help=help_text)


@app.command("working-capital")
def working_capital_command(
    sales: Annotated[str | None, _opt("--sales", "上年度销售收入（元）/ last year's sales, CNY")] = None,
    profit_margin: Annotated[str | None, _opt("--profit-margin", "上年度销售利润率（%）/ profit margin, percent")] = None,
    growth: Annotated[str | None, _opt("--growth", "预计销售收入年增长率（%）/ expected sales growth, percent")] = None,
    inventory_days: Annotated[str | None, _opt("--inventory-days", "存货周转天数 / inventory days")] = None,
    receivable_days: Annotated[str | None, _opt("--receivable-days", "应收账款周转天数 / receivable days")] = None,
    payable_days: Annotated[str | None, _opt("--payable-days", "应付账款周转天数 / payable days")] = None,
    prepaid_days: Annotated[str | None, _opt("--prepaid-days", "预付账款周转天数 / prepayment days")] = None,
    advance_days: Annotated[str | None, _opt("--advance-days", "预收账款周转天数 / customer-advance days")] = None,
    own_funds: Annotated[str, _opt("--own-funds", "借款人自有资金（元）/ borrower's own funds, CNY")] = "0",
    existing_loans: Annotated[str, _opt("--existing-loans", "现有流动资金贷款（元）/ existing working-capital loans, CNY")] = "0",
    other_funding: Annotated[str, _opt("--other-funding", "其他渠道提供的营运资金（元）/ other working capital, CNY")] = "0",
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
) -> None:
    """流动资金贷款需求量测算（《流动资金贷款管理暂行办法》附件）/ Size a working-capital loan.

    Prints every figure: the cycle, 营运资金周转次数, 营运资金量 and 新增流动资金贷款额度.
    Exits 2 on bad input, including a cycle of zero or fewer days.
    """
    from smecredit.standards.working_capital import LABELS, WorkingCapitalInputs, compute, explain

    given = {"sales": sales, "profit_margin": profit_margin, "growth": growth, "inventory_days": inventory_days,
             "receivable_days": receivable_days, "payable_days": payable_days, "prepaid_days": prepaid_days,
             "advance_days": advance_days}
    absent = [(LABELS[k], flag) for k, flag in _WC_OPTIONS if given[k] is None]
    if absent:
        _bad_input("请提供 " + "、".join(f"{flag}（{label.zh}）" for label, flag in absent),
                   "give " + ", ".join(f"{flag} ({label.en})" for label, flag in absent))
    try:
        result = compute(WorkingCapitalInputs(**given, own_funds=own_funds, existing_loans=existing_loans,
                                              other_funding=other_funding))
    except DomainError as err:
        listed = err.details.get("errors")
        if listed:
            _bad_input("；".join(e["message"]["zh"] for e in listed), "; ".join(e["message"]["en"] for e in listed))
        _bad_input(err.message_zh, err.message_en)
    if as_json:
        _print_json(result.as_dict())
        return
    table = Table(title="流动资金贷款需求量测算 / Working-capital loan sizing")
    table.add_column("项目 Item", overflow="fold", ratio=2)
    table.add_column("数值 Value", justify="right", no_wrap=True)
    table.add_column("单位 Unit", no_wrap=True)
    table.add_column("来源 / 公式 Source / formula", overflow="fold", ratio=3)
    for row in explain(result):
        style = "bold" if row.key in ("turnover_times", "working_capital_need", "new_loan_limit") else None
        table.add_row(Text(f"{row.label.zh}\n{row.label.en}"), Text(f"{row.value:,}", style=style or ""),
                      Text(f"{row.unit.zh} {row.unit.en}" if row.unit.zh != row.unit.en else row.unit.zh),
                      Text(f"{row.source.zh}\n{row.source.en}"))
    Console(width=max(Console().width, 100)).print(table)
    if result.covered:
        typer.echo("现有资金已覆盖营运资金需求，无需新增流动资金贷款。\n"
                   "The funds already available cover the need: no new working-capital loan is needed.")
