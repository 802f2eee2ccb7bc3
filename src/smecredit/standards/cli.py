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
