"""财务报表 (financial statements) importer: CSV or XLSX in one documented long format.

Each row is one item of one statement for one period::

    statement,item_code,item_name,period,amount
    balance_sheet,total_assets,资产总计,2024,1250000.00

* ``statement``: ``balance_sheet`` (资产负债表), ``income_statement`` (利润表) or
  ``cash_flow`` (现金流量表); Chinese names accepted.
* ``item_code`` or ``item_name`` (either is enough; Chinese item names are aliases, see
  :data:`ITEMS`); when both are given they must agree.
* ``period``: ``YYYY``, ``YYYY-Qn``, ``YYYY-MM`` or a month range ``YYYY-MM..YYYY-MM``
  (e.g. 本年累计 ``2024-01..2024-06``). A balance sheet is *as at the end* of its period; the
  income and cash-flow statements are *for* the period.
* ``amount``: yuan (元), or thousand / ten-thousand yuan with ``amount_unit``.

XLSX: the same columns, either on one sheet, or on one sheet per statement named
``资产负债表`` / ``利润表`` / ``现金流量表`` (or the English codes), in which case the
``statement`` column may be left out.

Rejected: missing required items (per statement and period), 资产总计 ≠ 负债合计 + 所有者权益合计
(to the cent), duplicates, unknown statements, bad periods and amounts; a file without a balance
sheet. Unknown items are ignored with a warning. See docs/data-formats.md §financials.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from smecredit.kernel.text import Text

from .fields import Period, amount_problem, clean_text, money_str, normalise_header, parse_amount, parse_iso_date, parse_period, resolve_columns
from .readers import csv_rows_or_reject, decode_text, detect_format
from .spreadsheet import read_xlsx_rows
from .vocabulary import ErrorCollector, ImportLimits, ParsedSource, SourceKind, make_parsed

SCHEMA = "smecredit.financial_statements/1"

STATEMENTS: dict[str, tuple[str, str]] = {
    "balance_sheet": ("资产负债表", "Balance sheet"),
    "income_statement": ("利润表", "Income statement"),
    "cash_flow": ("现金流量表", "Cash-flow statement"),
}
_STATEMENT_ALIASES: dict[str, str] = {
    "balance_sheet": "balance_sheet",
    "资产负债表": "balance_sheet",
    "bs": "balance_sheet",
    "income_statement": "income_statement",
    "利润表": "income_statement",
    "损益表": "income_statement",
    "is": "income_statement",
    "profit_and_loss": "income_statement",
    "cash_flow": "cash_flow",
    "现金流量表": "cash_flow",
    "cf": "cash_flow",
    "cash_flow_statement": "cash_flow",
}


@dataclass(frozen=True)
class Item:
    code: str
    statement: str
    name_zh: str
    name_en: str
    required: bool
    aliases: tuple[str, ...] = ()


ITEMS: tuple[Item, ...] = (
    # 资产负债表
    Item("cash", "balance_sheet", "货币资金", "Cash and cash equivalents", True, ("现金",)),
    Item("notes_receivable", "balance_sheet", "应收票据", "Notes receivable", False),
    Item("accounts_receivable", "balance_sheet", "应收账款", "Accounts receivable", True),
    Item("prepayments", "balance_sheet", "预付账款", "Prepayments", True, ("预付款项",)),
    Item("other_receivables", "balance_sheet", "其他应收款", "Other receivables", False),
    Item("inventory", "balance_sheet", "存货", "Inventory", True),
    Item("current_assets", "balance_sheet", "流动资产合计", "Total current assets", True),
    Item("fixed_assets", "balance_sheet", "固定资产", "Fixed assets", False),
    Item("non_current_assets", "balance_sheet", "非流动资产合计", "Total non-current assets", False),
    Item("total_assets", "balance_sheet", "资产总计", "Total assets", True, ("资产合计", "资产总额")),
    Item("short_term_borrowings", "balance_sheet", "短期借款", "Short-term borrowings", False),
    Item("notes_payable", "balance_sheet", "应付票据", "Notes payable", False),
    Item("accounts_payable", "balance_sheet", "应付账款", "Accounts payable", True),
    Item("advances_from_customers", "balance_sheet", "预收账款", "Advances from customers", True, ("预收款项", "合同负债")),
    Item("current_liabilities", "balance_sheet", "流动负债合计", "Total current liabilities", True),
    Item("long_term_borrowings", "balance_sheet", "长期借款", "Long-term borrowings", False),
    Item("non_current_liabilities", "balance_sheet", "非流动负债合计", "Total non-current liabilities", False),
    Item("total_liabilities", "balance_sheet", "负债合计", "Total liabilities", True, ("负债总计", "负债总额")),
    Item("paid_in_capital", "balance_sheet", "实收资本", "Paid-in capital", False, ("实收资本(或股本)", "股本")),
    Item("retained_earnings", "balance_sheet", "未分配利润", "Retained earnings", False),
    Item(
        "total_equity",
        "balance_sheet",
        "所有者权益合计",
        "Total equity",
        True,
        ("所有者权益(或股东权益)合计", "股东权益合计", "净资产"),
    ),
    # 利润表
    Item("revenue", "income_statement", "营业收入", "Revenue", True, ("营业总收入", "主营业务收入")),
    Item("cost_of_sales", "income_statement", "营业成本", "Cost of sales", True, ("主营业务成本",)),
    Item("taxes_and_surcharges", "income_statement", "税金及附加", "Taxes and surcharges", False),
    Item("selling_expenses", "income_statement", "销售费用", "Selling expenses", False),
    Item("admin_expenses", "income_statement", "管理费用", "Administrative expenses", False),
    Item("financial_expenses", "income_statement", "财务费用", "Financial expenses", False),
    Item("interest_expense", "income_statement", "利息费用", "Interest expense", False),
    Item("operating_profit", "income_statement", "营业利润", "Operating profit", True),
    Item("total_profit", "income_statement", "利润总额", "Profit before tax", False),
    Item("income_tax", "income_statement", "所得税费用", "Income tax", False),
    Item("net_profit", "income_statement", "净利润", "Net profit", True),
    # 现金流量表
    Item("operating_cash_flow", "cash_flow", "经营活动产生的现金流量净额", "Net cash from operating activities", True),
    Item("investing_cash_flow", "cash_flow", "投资活动产生的现金流量净额", "Net cash from investing activities", False),
    Item("financing_cash_flow", "cash_flow", "筹资活动产生的现金流量净额", "Net cash from financing activities", False),
    Item("net_cash_flow", "cash_flow", "现金及现金等价物净增加额", "Net increase in cash", False),
)
ITEMS_BY_CODE: dict[str, Item] = {i.code: i for i in ITEMS}
REQUIRED_ITEMS: dict[str, tuple[str, ...]] = {
    s: tuple(i.code for i in ITEMS if i.statement == s and i.required) for s in STATEMENTS
}
_ITEM_BY_NAME: dict[str, Item] = {}
for _it in ITEMS:
    for _n in (_it.code, _it.name_zh, *_it.aliases):
        _ITEM_BY_NAME[normalise_header(_n)] = _it

COLUMNS: dict[str, tuple[str, ...]] = {
    "statement": ("报表", "报表类型", "报表名称"),
    "item_code": ("项目代码", "科目代码", "code"),
    "item_name": ("项目", "项目名称", "科目名称", "name"),
    "period": ("期间", "会计期间", "报告期"),
    "amount": ("金额", "期末余额", "本期金额", "本年累计金额", "value"),
}

AMOUNT_UNITS: dict[str, Decimal] = {"yuan": Decimal(1), "thousand": Decimal(1000), "ten_thousand": Decimal(10000)}


def parse_financials(
    data: bytes,
    *,
    filename: str,
    format: str = "auto",
    amount_unit: str = "yuan",
    limits: ImportLimits | None = None,
) -> ParsedSource:
    """Parse financial statements (``format``: ``auto`` | ``csv`` | ``xlsx``).

    ``amount_unit``: ``yuan`` (元, default), ``thousand`` (千元) or ``ten_thousand`` (万元);
    amounts are converted to yuan.
    """
    errors = ErrorCollector(SourceKind.FINANCIAL_STATEMENTS, filename)
    if amount_unit not in AMOUNT_UNITS:
        errors.fail(None, "amount_unit", f"金额单位无效：{amount_unit}", f"invalid amount unit: {amount_unit}")
    factor = AMOUNT_UNITS[amount_unit]
    fmt = detect_format(data, filename, ("csv", "xlsx")) if format == "auto" else format
    tables: list[tuple[str | None, list[tuple[int, list[Any]]]]] = []
    if fmt == "csv":
        text, _enc = decode_text(data, errors, limits=limits)
        tables.append((None, csv_rows_or_reject(text, errors, limits=limits)))
    elif fmt == "xlsx":
        by_sheet: dict[str, list[tuple[int, list[Any]]]] = {}
        for sheet, line, cells in read_xlsx_rows(data, errors, limits=limits, all_sheets=True):
            by_sheet.setdefault(sheet, []).append((line, cells))
        tables.extend(by_sheet.items())
    else:
        errors.fail(None, "format", f"不支持的格式：{format}", f"unsupported format: {format}")
    if not any(rows for _s, rows in tables):
        errors.fail(None, None, "文件中没有数据", "the file contains no data")

    # (statement, period label) -> {"period": Period, "items": {code: (Decimal, line, sheet, amount header)},
    #                               "item_label": the item column's header}
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for sheet, rows in tables:
        if rows:
            _read_table(sheet, rows, factor, groups, errors)

    _validate(groups, errors)
    errors.raise_if_any()

    statements: dict[str, list[dict[str, Any]]] = {s: [] for s in STATEMENTS}
    for (st, _label), g in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[1]["period"].last_month, kv[1]["period"].first_month)):
        per: Period = g["period"]
        entry = per.as_dict()
        if st == "balance_sheet":
            entry["as_of"] = entry["end"]
        entry["items"] = {code: money_str(v[0]) for code, v in sorted(g["items"].items())}
        statements[st].append(entry)
    content: dict[str, Any] = {
        "schema": SCHEMA,
        "currency": "CNY",
        "unit": "yuan",
        "statements": statements,
    }
    n_bs = len(statements["balance_sheet"])
    n_is = len(statements["income_statement"])
    n_cf = len(statements["cash_flow"])
    periods = sorted({e["period"] for v in statements.values() for e in v})
    summary = Text(
        f"资产负债表 {n_bs} 期、利润表 {n_is} 期、现金流量表 {n_cf} 期（{'、'.join(periods)}）",
        f"{n_bs} balance sheet(s), {n_is} income statement(s), {n_cf} cash-flow statement(s) ({', '.join(periods)})",
    )
    return make_parsed(
        SourceKind.FINANCIAL_STATEMENTS,
        content,
        summary,
        errors.warnings,
        subject_uscc=None,
        subject_note=Text("财务报表文件不含统一社会信用代码", "financial statement files carry no USCC"),
    )


def _read_table(
    sheet: str | None,
    rows: list[tuple[int, list[Any]]],
    factor: Decimal,
    groups: dict[tuple[str, str], dict[str, Any]],
    errors: ErrorCollector,
) -> None:
    sheet_statement = _STATEMENT_ALIASES.get(normalise_header(sheet)) if sheet else None
    header_line, header = rows[0]
    cols, unknown = resolve_columns(header, COLUMNS)
    missing = []
    if "statement" not in cols and sheet_statement is None:
        missing.append("statement")
    if "item_code" not in cols and "item_name" not in cols:
        missing.append("item_code/item_name")
    missing += [c for c in ("period", "amount") if c not in cols]
    if missing:
        found = "、".join(str(h).strip() for h in header if str(h).strip())
        errors.add(
            header_line,
            None,
            f"表头缺少列：{'、'.join(missing)}（实际表头：{found}）",
            f"header is missing column(s): {', '.join(missing)} (found: {found.replace('、', ', ')})",
            sheet=sheet,
        )
        return
    for u in unknown:
        errors.warn(header_line, u, "未知列，已忽略", "unknown column ignored", sheet=sheet)
    headers = {name: str(header[i]).strip() for name, i in cols.items()}

    def label(name: str) -> str:
        """The file's own header for a column (its Chinese name when the file has none)."""
        return headers.get(name) or (sheet if name == "statement" and sheet else COLUMNS[name][1 if name == "item_name" else 0])

    item_label = label("item_code") if "item_code" in cols else label("item_name")

    def cell(cells: list[Any], name: str) -> Any:
        i = cols.get(name)
        if i is None or i >= len(cells):
            return ""
        v = cells[i]
        return v.strip() if isinstance(v, str) else v

    for line, cells in rows[1:]:
        ok = True
        raw_st = cell(cells, "statement")
        if raw_st:
            st = _STATEMENT_ALIASES.get(normalise_header(raw_st))
            if st is None:
                ok = False
                errors.add(
                    line,
                    label("statement"),
                    f"报表类型无效：{raw_st}（可选：资产负债表/利润表/现金流量表）",
                    f"invalid statement: {raw_st} (allowed: balance_sheet/income_statement/cash_flow)",
                    sheet=sheet,
                )
            elif sheet_statement is not None and st != sheet_statement:
                ok = False
                errors.add(
                    line,
                    label("statement"),
                    f"报表类型 {raw_st} 与工作表 {sheet} 不一致",
                    f"statement {raw_st} does not match sheet {sheet}",
                    sheet=sheet,
                )
        else:
            st = sheet_statement
            if st is None:
                ok = False
                errors.add(line, label("statement"), "缺少报表类型", "statement is missing", sheet=sheet)

        code = str(cell(cells, "item_code"))
        name, why = clean_text(str(cell(cells, "item_name")))
        if why is not None:
            errors.add(line, label("item_name"), why.zh, why.en, sheet=sheet)
            continue
        item = None
        if code:
            item = ITEMS_BY_CODE.get(code.lower())
            if item is not None and name:
                by_name = _ITEM_BY_NAME.get(normalise_header(name))
                if by_name is not None and by_name is not item:
                    ok = False
                    errors.add(
                        line,
                        label("item_name"),
                        f"项目代码 {code} 与项目名称“{name}”不一致",
                        f"item code {code} does not match item name '{name}'",
                        sheet=sheet,
                    )
        elif name:
            item = _ITEM_BY_NAME.get(normalise_header(name))
        else:
            ok = False
            errors.add(line, item_label, "缺少项目代码或项目名称", "item code or name is missing", sheet=sheet)
            continue
        if item is None:
            errors.warn(
                line,
                label("item_code") if code else label("item_name"),
                f"未知项目“{code or name}”，已忽略",
                f"unknown item '{code or name}' ignored",
                sheet=sheet,
            )
            continue
        if st is not None and item.statement != st:
            ok = False
            errors.add(
                line,
                item_label,
                f"项目 {item.code}（{item.name_zh}）属于{STATEMENTS[item.statement][0]}，不属于{STATEMENTS[st][0]}",
                f"item {item.code} belongs to the {STATEMENTS[item.statement][1].lower()}, not the {STATEMENTS[st][1].lower()}",
                sheet=sheet,
            )

        raw_period = cell(cells, "period")
        per: Period | None = None
        try:
            per = _period(raw_period)
        except ValueError:
            ok = False
            errors.add(
                line,
                label("period"),
                f"期间无效：{raw_period or '（空）'}（应为 YYYY、YYYY-Qn、YYYY-MM 或 YYYY-MM..YYYY-MM）",
                f"invalid period: {raw_period or '(empty)'} (expected YYYY, YYYY-Qn, YYYY-MM or YYYY-MM..YYYY-MM)",
                sheet=sheet,
            )

        raw_amount = cell(cells, "amount")
        amount: Decimal | None = None
        try:
            amount = parse_amount(raw_amount if raw_amount != "" else None, scale=factor)
        except ValueError as exc:
            ok = False
            problem = amount_problem(raw_amount, exc)
            errors.add(line, label("amount"), problem.zh, problem.en, sheet=sheet)
        if not ok or st is None or per is None or amount is None:
            continue
        g = groups.setdefault((st, per.label), {"period": per, "items": {}, "item_label": item_label})
        prev = g["items"].get(item.code)
        if prev is not None:
            errors.add(
                line,
                item_label,
                f"{STATEMENTS[st][0]} {per.label} 的项目 {item.code}（{item.name_zh}）重复（首次见{_where_zh(prev)}）",
                f"{STATEMENTS[st][1].lower()} {per.label}: item {item.code} is duplicated (first seen {_where_en(prev)})",
                sheet=sheet,
            )
            continue
        g["items"][item.code] = (amount, line, sheet, label("amount"))


def _period(raw: Any) -> Period:
    """A period; a month-end date (a cell Excel turned into a date, or "2024-12-31") means that month."""
    if isinstance(raw, str) and len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        try:
            raw = parse_iso_date(raw)
        except ValueError:
            pass
    if isinstance(raw, date):
        if raw.day != calendar.monthrange(raw.year, raw.month)[1]:
            raise ValueError("not a month end")
        return parse_period(f"{raw.year:04d}-{raw.month:02d}")
    return parse_period(raw, allow_range=True)


def _where_zh(v: tuple[Decimal, int, str | None, str]) -> str:
    return f"工作表 {v[2]} 第 {v[1]} 行" if v[2] else f"第 {v[1]} 行"


def _where_en(v: tuple[Decimal, int, str | None, str]) -> str:
    return f"sheet {v[2]} line {v[1]}" if v[2] else f"line {v[1]}"


def _validate(groups: dict[tuple[str, str], dict[str, Any]], errors: ErrorCollector) -> None:
    if not any(st == "balance_sheet" for st, _ in groups) and not errors:
        errors.add(None, "资产负债表", "至少需要一期资产负债表", "at least one balance sheet is required")
    for (st, label), g in sorted(groups.items()):
        items = g["items"]
        missing = [c for c in REQUIRED_ITEMS[st] if c not in items]
        if missing:
            names_zh = "、".join(f"{c}（{ITEMS_BY_CODE[c].name_zh}）" for c in missing)
            errors.add(
                None,
                g["item_label"],
                f"{STATEMENTS[st][0]} {label} 缺少必填项目：{names_zh}",
                f"{STATEMENTS[st][1].lower()} {label} is missing required item(s): {', '.join(missing)}",
            )
        if st == "balance_sheet" and all(c in items for c in ("total_assets", "total_liabilities", "total_equity")):
            assets, line, sheet, amount_label = items["total_assets"]
            liabilities = items["total_liabilities"][0]
            equity = items["total_equity"][0]
            diff = assets - (liabilities + equity)
            if diff != 0:
                errors.add(
                    line,
                    amount_label,
                    f"资产负债表 {label} 不平衡：资产总计 {money_str(assets)} ≠ 负债合计 {money_str(liabilities)} + "
                    f"所有者权益合计 {money_str(equity)}，差额 {money_str(diff)}",
                    f"balance sheet {label} does not balance: total assets {money_str(assets)} ≠ total liabilities "
                    f"{money_str(liabilities)} + total equity {money_str(equity)}; difference {money_str(diff)}",
                    sheet=sheet,
                )
