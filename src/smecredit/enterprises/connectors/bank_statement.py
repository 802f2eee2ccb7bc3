"""银行流水 (bank statement) importer: CSV (UTF-8 ± BOM, GBK/GB18030) or XLSX.

Every bank lays its export out differently, so columns are described by a
:class:`ColumnMapping` (JSON-serialisable, so one can be saved per bank). Three layouts are
supported:

* ``direction`` — an amount column plus a direction column (借贷标志: 贷/借, 收入/支出, C/D …);
* ``split`` — separate inflow and outflow columns (收入金额/支出金额, 贷方发生额/借方发生额);
* ``signed`` — one signed amount column (positive = inflow, negative = outflow).

Bad rows are reported by the 1-based line (CSV) or row (XLSX) number a user sees. Exact
duplicate rows (same date, amount, direction, balance, counterparty and memo) are kept once and
reported as warnings. Built for speed: about 100,000 rows a second on one core.
See docs/data-formats.md §bank_statement.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from smecredit.kernel.errors import DomainError, Invalid
from smecredit.kernel.inputs import json_syntax_error
from smecredit.kernel.text import Text

from .fields import BEYOND_EXCEL_PRECISION, EXCEL_EXACT_LIMIT, SUSPECT, CellNumber, check_uscc, clean_text, money_str, normalise_header
from .readers import _CsvSyntaxError, csv_rows_or_reject, decode_text, detect_format, iter_csv_rows
from .spreadsheet import read_xlsx_rows
from .vocabulary import (
    CENT,
    MAX_AMOUNT,
    ErrorCollector,
    ImportLimits,
    ImportRejected,
    LineError,
    ParsedSource,
    SourceKind,
    make_parsed,
)

SCHEMA = "smecredit.bank_statement/1"

DEFAULT_DATE_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")
DEFAULT_INFLOW_VALUES: tuple[str, ...] = ("贷", "贷方", "收", "收入", "转入", "存入", "C", "CR", "CREDIT", "IN", "+")
DEFAULT_OUTFLOW_VALUES: tuple[str, ...] = ("借", "借方", "支", "支出", "转出", "取出", "D", "DR", "DEBIT", "OUT", "-")
DEFAULT_FOOTER_MARKERS: tuple[str, ...] = (
    "合计",
    "总计",
    "本页合计",
    "本期合计",
    "小计",
    "以下空白",
    "打印日期",
    "打印时间",
)

#: Labels recognised in the lines above the header (preamble) → account field.
_ACCOUNT_LABELS: dict[str, str] = {
    "账号": "account_number",
    "帐号": "account_number",
    "账户": "account_number",
    "帐户": "account_number",
    "卡号": "account_number",
    "accountnumber": "account_number",
    "accountno": "account_number",
    "account": "account_number",
    "户名": "account_name",
    "账户名称": "account_name",
    "帐户名称": "account_name",
    "账户名": "account_name",
    "accountname": "account_name",
    "开户行": "bank",
    "开户银行": "bank",
    "开户机构": "bank",
    "bank": "bank",
    "币种": "currency",
    "currency": "currency",
    "统一社会信用代码": "uscc",
    "社会信用代码": "uscc",
    "客户统一社会信用代码": "uscc",
    "uscc": "uscc",
}


def _norm_flag(v: str) -> str:
    return str(v).strip().upper()


_PAIR_SPLIT = re.compile(r"[，；;]\s*(?=[^，；;：:]{1,8}[：:])")


def _invalid_mapping(zh: str, en: str) -> DomainError:
    return Invalid("invalid_column_mapping", Text(f"列映射无效：{zh}", f"invalid column mapping: {en}"), "mapping")


_STR_FIELDS = (
    "name",
    "bank_name",
    "date_column",
    "amount_column",
    "direction_column",
    "credit_column",
    "debit_column",
    "balance_column",
    "counterparty_column",
    "memo_column",
    "thousands_separator",
    "encoding",
    "sheet",
)


@dataclass(frozen=True)
class ColumnMapping:
    """How to read one bank's statement export. JSON round-trip: :meth:`to_dict` / :meth:`from_dict`.

    Column names are matched against the header row ignoring case, spaces and full-width
    parentheses. ``header_row`` is the 1-based line (CSV) / row (XLSX) of the header, or
    ``None`` to find it: the first row that contains ``date_column``. Lines above the header
    are read for account information (账号, 户名, 开户行, 币种). Reading stops at the first row
    whose first non-empty cell starts with one of ``footer_markers`` (合计, 以下空白 …).
    """

    name: str
    bank_name: str
    date_column: str
    amount_column: str | None = None
    direction_column: str | None = None
    credit_column: str | None = None  # inflow amounts (收入 / 贷方发生额)
    debit_column: str | None = None  # outflow amounts (支出 / 借方发生额)
    balance_column: str | None = None
    counterparty_column: str | None = None
    memo_column: str | None = None
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    inflow_values: tuple[str, ...] = DEFAULT_INFLOW_VALUES
    outflow_values: tuple[str, ...] = DEFAULT_OUTFLOW_VALUES
    header_row: int | None = None
    thousands_separator: str = ","
    encoding: str = "auto"
    sheet: str | None = None
    footer_markers: tuple[str, ...] = DEFAULT_FOOTER_MARKERS

    def __post_init__(self) -> None:
        for f in ("date_formats", "inflow_values", "outflow_values", "footer_markers"):
            v = getattr(self, f)
            if isinstance(v, str) or not isinstance(v, tuple):
                object.__setattr__(self, f, tuple([v] if isinstance(v, str) else v))
            if not all(isinstance(x, str) for x in getattr(self, f)):
                raise _invalid_mapping(f"{f} 只能包含文本", f"{f} must hold strings only")
        # saved mappings are user JSON: a wrong type here would only fail later, mid-import
        for f in _STR_FIELDS:
            v = getattr(self, f)
            if v is not None and not isinstance(v, str):
                raise _invalid_mapping(f"{f} 应为文本", f"{f} must be a string")
        if not self.name or not self.date_column:
            raise _invalid_mapping("name 与 date_column 必填", "name and date_column are required")
        if self.amount_column is None and (self.credit_column is None or self.debit_column is None):
            raise _invalid_mapping(
                "须给出 amount_column，或同时给出 credit_column 与 debit_column",
                "give amount_column, or both credit_column and debit_column",
            )
        if (self.credit_column is None) != (self.debit_column is None):
            raise _invalid_mapping("credit_column 与 debit_column 须同时给出", "credit_column and debit_column go together")
        if not self.date_formats:
            raise _invalid_mapping("至少需要一个日期格式", "at least one date format is required")
        for fmt in self.date_formats:
            if "%" not in fmt:
                raise _invalid_mapping(f"日期格式无效：{fmt}", f"invalid date format: {fmt}")
        ins = {_norm_flag(v) for v in self.inflow_values}
        outs = {_norm_flag(v) for v in self.outflow_values}
        if self.direction_column and (not ins or not outs):
            raise _invalid_mapping("须给出流入和流出的取值", "inflow and outflow values are required")
        if ins & outs:
            raise _invalid_mapping(
                f"取值同时表示流入和流出：{', '.join(sorted(ins & outs))}",
                f"values mean both inflow and outflow: {', '.join(sorted(ins & outs))}",
            )
        if self.header_row is not None and (not isinstance(self.header_row, int) or self.header_row < 1):
            raise _invalid_mapping("header_row 须为正整数（从 1 开始）", "header_row must be a positive 1-based number")
        if len(self.thousands_separator) > 1:
            raise _invalid_mapping("千位分隔符只能是一个字符", "thousands separator must be one character")

    @property
    def layout(self) -> str:
        """``split`` | ``direction`` | ``signed``."""
        if self.credit_column is not None:
            return "split"
        if self.direction_column is not None:
            return "direction"
        return "signed"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, tuple):
                d[k] = list(v)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnMapping:
        if not isinstance(data, Mapping):
            raise _invalid_mapping("应为 JSON 对象", "must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise _invalid_mapping(f"未知字段：{', '.join(unknown)}", f"unknown field(s): {', '.join(unknown)}")
        kwargs = {}
        for k, v in data.items():
            if isinstance(v, list):
                v = tuple(v)
            kwargs[k] = v
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise _invalid_mapping(str(exc), str(exc)) from None

    @classmethod
    def from_json(cls, text: str | bytes) -> ColumnMapping:
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as exc:
            why = json_syntax_error("映射", "The mapping", exc)
            raise _invalid_mapping(why.zh, why.en) from None


#: Built-in mappings. Generic layouts common in Chinese bank exports; save a per-bank mapping
#: for anything else.
BUILTIN_MAPPINGS: dict[str, ColumnMapping] = {
    m.name: m
    for m in (
        ColumnMapping(
            name="generic_zh",
            bank_name="通用（借贷标志）",
            date_column="交易日期",
            amount_column="交易金额",
            direction_column="借贷标志",
            balance_column="余额",
            counterparty_column="对方户名",
            memo_column="摘要",
        ),
        ColumnMapping(
            name="generic_zh_split",
            bank_name="通用（收入/支出两列）",
            date_column="交易日期",
            credit_column="收入金额",
            debit_column="支出金额",
            balance_column="账户余额",
            counterparty_column="对方户名",
            memo_column="摘要",
        ),
        ColumnMapping(
            name="generic_zh_signed",
            bank_name="通用（带符号金额）",
            date_column="交易时间",
            amount_column="交易金额",
            balance_column="余额",
            counterparty_column="对方名称",
            memo_column="用途",
        ),
        ColumnMapping(
            name="generic_zh_debit_credit",
            bank_name="通用（借方/贷方发生额，记账日期）",
            date_column="记账日期",
            credit_column="贷方发生额",
            debit_column="借方发生额",
            balance_column="账户余额",
            counterparty_column="对方户名",
            memo_column="用途",
        ),
        ColumnMapping(
            name="generic_en",
            bank_name="Generic (English headers)",
            date_column="date",
            amount_column="amount",
            direction_column="direction",
            balance_column="balance",
            counterparty_column="counterparty",
            memo_column="memo",
        ),
    )
}


def get_mapping(mapping: ColumnMapping | Mapping[str, Any] | str) -> ColumnMapping:
    """A mapping object, a dict (saved JSON) or the name of a built-in mapping."""
    if isinstance(mapping, ColumnMapping):
        return mapping
    if isinstance(mapping, str):
        try:
            return BUILTIN_MAPPINGS[mapping]
        except KeyError:
            raise _invalid_mapping(
                f"没有名为 {mapping} 的内置映射（可选：{', '.join(BUILTIN_MAPPINGS)}）",
                f"no built-in mapping named {mapping} (available: {', '.join(BUILTIN_MAPPINGS)})",
            ) from None
    return ColumnMapping.from_dict(mapping)


def parse_bank_statement(
    data: bytes,
    *,
    filename: str,
    mapping: ColumnMapping | Mapping[str, Any] | str = "generic_zh",
    format: str = "auto",
    limits: ImportLimits | None = None,
) -> ParsedSource:
    """Parse a bank statement export with ``mapping`` (``format``: ``auto`` | ``csv`` | ``xlsx``)."""
    m = get_mapping(mapping)
    errors = ErrorCollector(SourceKind.BANK_STATEMENT, filename)
    fmt = detect_format(data, filename, ("csv", "xlsx")) if format == "auto" else format
    if fmt == "csv":
        text, _enc = decode_text(data, errors, encoding=m.encoding, limits=limits)
        rows: list[tuple[int, list[Any]]] = csv_rows_or_reject(text, errors, limits=limits)
        sheet = None
    elif fmt == "xlsx":
        sheet_rows = read_xlsx_rows(data, errors, limits=limits, sheet=m.sheet)
        rows = [(line, cells) for _s, line, cells in sheet_rows]
        sheet = sheet_rows[0][0] if sheet_rows else None
    else:
        errors.fail(None, "format", f"不支持的格式：{format}", f"unsupported format: {format}")
    return _parse_rows(rows, m, errors, sheet)


# -- the hot loop --------------------------------------------------------------------------------


class _DateParser:
    """Parses dates with a per-file cache (a statement repeats the same few hundred dates)."""

    def __init__(self, formats: tuple[str, ...]) -> None:
        self.formats = formats
        self.cut_time = not any("%H" in f or "%I" in f for f in formats)
        self.cache: dict[str, date | None] = {}

    def __call__(self, raw: Any) -> date | None:
        try:
            return self.cache[raw]  # keyed by the raw cell: no per-row string work on a hit
        except KeyError:
            pass
        if isinstance(raw, date):
            return raw.date() if isinstance(raw, datetime) else raw
        s = raw
        if self.cut_time:
            s = s.split(" ", 1)[0].split("T", 1)[0]
        result = self.cache.get(s)
        if result is None:
            for fmt in self.formats:
                try:
                    result = datetime.strptime(s, fmt).date()
                    break
                except ValueError:
                    continue
        self.cache[raw] = self.cache[s] = result
        return result


def _amount(raw: Any, sep: str) -> Decimal:
    if not isinstance(raw, str):
        raw = str(raw)
    s = raw.strip()
    if sep and sep in s:
        s = s.replace(sep, "")
    if s[:1] in ("¥", "￥"):
        s = s[1:]
    if s.endswith("元"):
        s = s[:-1]
    if s.startswith("(") and s.endswith(")"):
        s = "-" + s[1:-1]
    d = Decimal(s)  # InvalidOperation on garbage
    if not d.is_finite() or d.copy_abs() >= MAX_AMOUNT:  # copy_abs: no Overflow on 1e999999999
        raise InvalidOperation
    if type(raw) is CellNumber and d.copy_abs() >= EXCEL_EXACT_LIMIT:
        raise _BeyondExcel
    return d.quantize(CENT, ROUND_HALF_UP)


class _BeyondExcel(ValueError):
    """A number cell too large for Excel to hold the fen (see :data:`~.fields.EXCEL_EXACT_LIMIT`)."""


def _amount_reason(raw: Any, exc: Exception) -> tuple[str, str]:
    shown = raw or "（空）"
    if isinstance(exc, _BeyondExcel):
        return f"金额无效：{raw}（{BEYOND_EXCEL_PRECISION.zh}）", f"invalid amount: {raw} ({BEYOND_EXCEL_PRECISION.en})"
    return f"金额无效：{shown}", f"invalid amount: {raw or '(empty)'}"


def _cents_str(d: Decimal) -> str:
    """:func:`money_str` of an amount :func:`_amount` already quantised."""
    return f"{d:f}" if d else "0.00"


def _find_header(
    rows: list[tuple[int, list[Any]]], m: ColumnMapping, errors: ErrorCollector, sheet: str | None
) -> int:
    """Index (into ``rows``) of the header row."""
    if m.header_row is not None:
        for i, (line, _cells) in enumerate(rows):
            if line == m.header_row:
                return i
            if line > m.header_row:
                break
        errors.fail(m.header_row, None, f"第 {m.header_row} 行（表头行）为空或不存在", f"header line {m.header_row} is empty or missing", sheet=sheet)
    want = normalise_header(m.date_column)
    for i, (_line, cells) in enumerate(rows[:200]):
        if any(isinstance(c, str) and normalise_header(c) == want for c in cells):
            return i
    errors.fail(
        rows[0][0] if rows else None,
        m.date_column,
        f"找不到表头：没有任何一行包含列“{m.date_column}”（映射：{m.name}）",
        f"header not found: no line contains the column '{m.date_column}' (mapping: {m.name})",
        sheet=sheet,
    )
    raise AssertionError("unreachable")


def _account_info(preamble: list[tuple[int, list[Any]]]) -> dict[str, str]:
    info: dict[str, str] = {}
    for _line, cells in preamble:
        texts = []
        for c in cells:
            t = c.strip() if isinstance(c, str) else str(c)
            if "：" in t or ":" in t:
                # "户名：示例公司，账号：6222…" holds several label：value pairs in one cell
                texts.extend(x.strip() for x in _PAIR_SPLIT.split(t))
            else:
                texts.append(t)
        for i, t in enumerate(texts):
            if not t:
                continue
            label, value = t, ""
            for sep in ("：", ":"):
                if sep in t:
                    label, value = t.split(sep, 1)
                    break
            key = _ACCOUNT_LABELS.get(normalise_header(label))
            if key is None:
                continue
            value = value.strip()
            if not value:  # value in the next non-empty cell
                value = next((x for x in texts[i + 1 :] if x), "")
            if value and key not in info:
                cleaned, why = clean_text(value)
                info[key] = cleaned[:200] if why is None else ""
                if why is not None:
                    info.setdefault("_problems", []).append((label.strip(), why))  # type: ignore[arg-type]
    return info


def _parse_rows(
    rows: list[tuple[int, list[Any]]], m: ColumnMapping, errors: ErrorCollector, sheet: str | None
) -> ParsedSource:
    if not rows:
        errors.fail(None, None, "文件中没有数据", "the file contains no data", sheet=sheet)
    h = _find_header(rows, m, errors, sheet)
    header_line, header = rows[h]
    account = _account_info(rows[:h])
    for label, why in account.pop("_problems", []):  # type: ignore[union-attr]
        errors.add(None, label, f"账户信息：{why.zh}", f"account information: {why.en}", sheet=sheet)
    account = {k: v for k, v in account.items() if v}
    if "uscc" in account:
        code, reason = check_uscc(account["uscc"])
        if reason is not None:
            errors.add(None, "统一社会信用代码", f"账户信息中的{reason.zh}", f"account information: {reason.en}", sheet=sheet)
        else:
            account["uscc"] = code

    index = {normalise_header(c): i for i, c in reversed(list(enumerate(header))) if isinstance(c, str) and c.strip()}
    wanted = {
        "date": m.date_column,
        "amount": m.amount_column if m.layout != "split" else None,
        "direction": m.direction_column if m.layout == "direction" else None,
        "credit": m.credit_column,
        "debit": m.debit_column,
        "balance": m.balance_column,
        "counterparty": m.counterparty_column,
        "memo": m.memo_column,
    }
    col: dict[str, int | None] = {}
    missing = []
    for key, name in wanted.items():
        if name is None:
            col[key] = None
            continue
        i = index.get(normalise_header(name))
        if i is None:
            missing.append(name)
        col[key] = i
    if missing:
        found = "、".join(str(c).strip() for c in header if str(c).strip())
        errors.fail(
            header_line,
            None,
            f"表头缺少列：{'、'.join(missing)}（映射 {m.name}；实际表头：{found}）",
            f"header is missing column(s): {', '.join(missing)} (mapping {m.name}; found: {found.replace('、', ', ')})",
            sheet=sheet,
        )

    parse_date = _DateParser(m.date_formats)
    sep = m.thousands_separator
    flags: dict[str, str] = {}
    for v in m.inflow_values:
        flags[_norm_flag(v)] = "in"
    for v in m.outflow_values:
        flags[_norm_flag(v)] = "out"
    footers = tuple(m.footer_markers)
    layout = m.layout
    c_date = col["date"]
    c_amount = col["amount"]
    c_dir = col["direction"]
    c_credit = col["credit"]
    c_debit = col["debit"]
    c_bal = col["balance"]
    c_cp = col["counterparty"]
    c_memo = col["memo"]
    width = max(i for i in col.values() if i is not None) + 1
    # errors name the file's own headers (the mapping matches them ignoring case, spaces, brackets)
    heading = {key: str(header[i]).strip() for key, i in col.items() if i is not None}
    h_date = heading["date"]
    h_amount = heading.get("amount")
    h_dir = heading.get("direction")
    h_credit = heading.get("credit")
    h_debit = heading.get("debit")
    h_bal = heading.get("balance")
    add = errors.add
    warn = errors.warn
    suspect = SUSPECT.search

    out_rows: list[dict[str, Any]] = []
    seen: dict[tuple, int] = {}
    months: dict[str, list] = {}
    dup_count = 0
    stopped_at: int | None = None
    total_in = Decimal(0)
    total_out = Decimal(0)
    first_date: date | None = None
    last_date: date | None = None

    body = rows[h + 1 :]
    skipped_after_footer = 0
    for pos, (line, cells) in enumerate(body):
        if len(cells) < width:
            cells = list(cells) + [""] * (width - len(cells))
        first = cells[0]
        if first == "":
            first = next((c for c in cells if c != ""), "")
        if isinstance(first, str) and first.startswith(footers):
            stopped_at = line
            skipped_after_footer = len(body) - pos - 1
            break
        ok = True
        raw_date = cells[c_date]
        d = parse_date(raw_date) if raw_date != "" else None
        if d is None:
            ok = False
            add(
                line,
                h_date,
                f"日期无效：{raw_date or '（空）'}（格式：{' / '.join(m.date_formats)}）",
                f"invalid date: {raw_date or '(empty)'} (formats: {' / '.join(m.date_formats)})",
                sheet=sheet,
            )
        direction = None
        amount = None
        if layout != "split":
            raw = cells[c_amount]
            try:
                amount = _amount(raw, sep)
            except (InvalidOperation, ValueError) as exc:
                ok = False
                add(line, h_amount, *_amount_reason(raw, exc), sheet=sheet)
            else:
                if layout == "signed":
                    direction = "in"
                    if amount < 0:
                        amount, direction = -amount, "out"
                elif amount < 0:
                    ok = False
                    add(
                        line,
                        h_amount,
                        f"金额不能为负数（方向由“{h_dir}”列给出）：{raw}",
                        f"amount must not be negative (direction comes from '{h_dir}'): {raw}",
                        sheet=sheet,
                    )
        if layout == "direction":
            raw_dir = cells[c_dir]
            direction = flags.get(raw_dir.strip().upper() if isinstance(raw_dir, str) else str(raw_dir))
            if direction is None:
                ok = False
                allowed = "/".join((*m.inflow_values, *m.outflow_values))
                add(
                    line,
                    h_dir,
                    f"借贷方向无法识别：{raw_dir or '（空）'}（可选：{allowed}）",
                    f"unrecognised direction: {raw_dir or '(empty)'} (allowed: {allowed})",
                    sheet=sheet,
                )
        elif layout == "split":
            vals = []
            for c, name in ((c_credit, h_credit), (c_debit, h_debit)):
                raw = cells[c]
                if raw == "" or raw == "-" or raw == "--":
                    vals.append(None)
                    continue
                try:
                    v = _amount(raw, sep)
                except (InvalidOperation, ValueError) as exc:
                    ok = False
                    add(line, name, *_amount_reason(raw, exc), sheet=sheet)
                    vals.append(None)
                    continue
                if v < 0:
                    ok = False
                    add(line, name, f"金额不能为负数：{raw}", f"amount must not be negative: {raw}", sheet=sheet)
                vals.append(v if v else None)
            cr, dr = vals
            if ok:
                if cr is not None and dr is not None:
                    ok = False
                    add(
                        line,
                        None,
                        f"“{h_credit}”与“{h_debit}”不能同时有金额",
                        f"'{h_credit}' and '{h_debit}' cannot both hold an amount",
                        sheet=sheet,
                    )
                elif cr is not None:
                    amount, direction = cr, "in"
                elif dr is not None:
                    amount, direction = dr, "out"
                else:
                    amount = Decimal(0)
        balance_s = None
        if c_bal is not None:
            raw = cells[c_bal]
            if raw != "":
                try:
                    balance_s = _cents_str(_amount(raw, sep))
                except (InvalidOperation, ValueError):
                    ok = False
                    add(line, h_bal, f"余额无效：{raw}", f"invalid balance: {raw}", sheet=sheet)
        if not ok:
            continue
        if not amount:
            warn(line, None, "金额为零，已跳过", "zero amount; row skipped", sheet=sheet)
            continue
        cp = cells[c_cp] if c_cp is not None else ""
        memo = cells[c_memo] if c_memo is not None else ""
        if not isinstance(cp, str):
            cp = str(cp)
        if not isinstance(memo, str):
            memo = str(memo)
        if suspect(cp) is not None or suspect(memo) is not None:  # rare: control or invisible characters
            cp, why_cp = clean_text(cp)
            memo, why_memo = clean_text(memo)
            why = why_cp or why_memo
            if why is not None:
                add(line, heading.get("counterparty") if why_cp else heading.get("memo"), why.zh, why.en, sheet=sheet)
                continue
        cp = cp.strip()[:200]
        memo = memo.strip()[:500]
        amount_s = f"{amount:f}"  # quantised by _amount and not zero here
        d_iso = d.isoformat()
        key = (d_iso, amount_s, direction, balance_s, cp, memo)
        prev = seen.get(key)
        if prev is not None:
            dup_count += 1
            warn(
                line,
                None,
                f"与第 {prev} 行完全相同（日期、金额、方向、余额、对方、摘要），视为重复，已跳过",
                f"identical to line {prev} (date, amount, direction, balance, counterparty, memo): duplicate skipped",
                sheet=sheet,
            )
            continue
        seen[key] = line
        out_rows.append(
            {
                "date": d_iso,
                "amount": amount_s,
                "direction": direction,
                "balance": balance_s,
                "counterparty": cp,
                "memo": memo,
            }
        )
        mk = d_iso[:7]
        agg = months.get(mk)
        if agg is None:
            agg = months[mk] = [Decimal(0), Decimal(0), 0, 0]
        if direction == "in":
            agg[0] += amount
            agg[2] += 1
            total_in += amount
        else:
            agg[1] += amount
            agg[3] += 1
            total_out += amount
        if first_date is None or d < first_date:
            first_date = d
        if last_date is None or d > last_date:
            last_date = d

    if stopped_at is not None and skipped_after_footer:
        warn(
            stopped_at,
            None,
            f"遇到合计/页脚行，其后 {skipped_after_footer} 行未读取",
            f"footer row reached; the {skipped_after_footer} line(s) after it were not read",
            sheet=sheet,
        )
    if not out_rows and not errors:
        add(None, None, "文件中没有交易行", "the file contains no transaction rows", sheet=sheet)
    errors.raise_if_any()
    assert first_date is not None and last_date is not None

    monthly = [
        {
            "month": mk,
            "inflow": money_str(a[0]),
            "outflow": money_str(a[1]),
            "net": money_str(a[0] - a[1]),
            "inflow_count": a[2],
            "outflow_count": a[3],
            "count": a[2] + a[3],
        }
        for mk, a in sorted(months.items())
    ]
    content: dict[str, Any] = {
        "schema": SCHEMA,
        "bank_name": m.bank_name,
        "mapping": m.name,
        "account": account,
        "currency": (account.get("currency") or "CNY"),
        "first_date": first_date.isoformat(),
        "last_date": last_date.isoformat(),
        "row_count": len(out_rows),
        "totals": {"inflow": money_str(total_in), "outflow": money_str(total_out), "net": money_str(total_in - total_out)},
        "monthly": monthly,
        "rows": out_rows,
    }
    n_months = len(monthly)
    extra_zh = f"，重复 {dup_count} 行已跳过" if dup_count else ""
    extra_en = f", {dup_count} duplicate row(s) skipped" if dup_count else ""
    summary = Text(
        f"{n_months} 个月流水，{len(out_rows):,} 行（{first_date.isoformat()} 至 {last_date.isoformat()}）{extra_zh}",
        f"{n_months} month(s) of statements, {len(out_rows):,} rows ({first_date.isoformat()} to {last_date.isoformat()}){extra_en}",
    )
    return make_parsed(
        SourceKind.BANK_STATEMENT,
        content,
        summary,
        errors.warnings,
        subject_uscc=account.get("uscc"),
        subject_note=Text(
            "银行流水中没有账户持有人的统一社会信用代码（表头上方没有“统一社会信用代码：…”一行），无法核对文件属于哪家企业",
            "the bank statement does not name the account holder's USCC (no '统一社会信用代码：…' line above the "
            "header), so whose account it is cannot be checked",
        ),
    )


# -- previewing a sample export (the column-mapping form) ------------------------------------------

#: Header names each mapping field is guessed from (the built-in mappings' columns and a few more).
FIELD_GUESSES: dict[str, tuple[str, ...]] = {
    "date_column": ("交易日期", "记账日期", "交易时间", "日期", "入账日期", "date", "transactiondate"),
    "amount_column": ("交易金额", "发生额", "金额", "amount"),
    "direction_column": ("借贷标志", "借贷方向", "收支标志", "方向", "direction"),
    "credit_column": ("收入金额", "贷方发生额", "贷方金额", "收入", "credit"),
    "debit_column": ("支出金额", "借方发生额", "借方金额", "支出", "debit"),
    "balance_column": ("余额", "账户余额", "当前余额", "balance"),
    "counterparty_column": ("对方户名", "对方名称", "对方账户名称", "交易对手", "counterparty"),
    "memo_column": ("摘要", "用途", "附言", "备注", "memo"),
}
_DATE_HEADERS = {normalise_header(h) for h in FIELD_GUESSES["date_column"]}


@dataclass(frozen=True)
class SampleRows:
    """The first lines of a sample export, as text cells, for a mapping form: where the header
    row is and what it says. Nothing of the file is kept beyond these lines."""

    format: str  # csv | xlsx
    encoding: str | None
    sheet: str | None
    lines: tuple[tuple[int, tuple[str, ...]], ...]  # (line or row number, cells) from the top of the file
    header_index: int | None  # index into ``lines`` of the header row, when one was found

    @property
    def header(self) -> tuple[str, ...]:
        return self.lines[self.header_index][1] if self.header_index is not None else ()

    @property
    def header_line(self) -> int | None:
        return self.lines[self.header_index][0] if self.header_index is not None else None

    def body(self, limit: int = 8) -> list[tuple[int, tuple[str, ...]]]:
        start = self.header_index + 1 if self.header_index is not None else 0
        return list(self.lines[start:start + limit])


def _cell_text(cell: Any) -> str:
    if isinstance(cell, datetime):
        return cell.strftime("%Y-%m-%d %H:%M:%S") if (cell.hour, cell.minute, cell.second) != (0, 0, 0) else cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


def find_header_row(lines: Sequence[tuple[int, Sequence[Any]]]) -> int | None:
    """Index of the header row: the first of the top 200 lines holding a known date heading
    (交易日期, 记账日期 …), else the first with at least three non-empty text cells and no number."""
    top = lines[:200]
    for i, (_line, cells) in enumerate(top):
        if any(isinstance(c, str) and normalise_header(c) in _DATE_HEADERS for c in cells):
            return i
    for i, (_line, cells) in enumerate(top):
        texts = [c for c in cells if isinstance(c, str) and c.strip()]
        if len(texts) >= 3 and not any(_looks_numeric(c) for c in texts):
            return i
    return None


def _looks_numeric(text: str) -> bool:
    try:
        Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        return False
    return True


def read_sample(data: bytes, *, filename: str, encoding: str = "auto", max_lines: int = 60,
                limits: ImportLimits | None = None) -> SampleRows:
    """The first ``max_lines`` lines of a statement export (CSV with its encoding detected on the
    whole file, or XLSX through the zip guard) and its header row. ImportRejected when the file
    cannot be read at all."""
    errors = ErrorCollector(SourceKind.BANK_STATEMENT, filename)
    fmt = detect_format(data, filename, ("csv", "xlsx"))
    sheet = None
    used = None
    if fmt == "csv":
        text, used = decode_text(data, errors, encoding=encoding, limits=limits)
        rows: list[tuple[int, list[Any]]] = []
        for row in iter_csv_rows_safe(text, errors):
            rows.append(row)
            if len(rows) >= max_lines:
                break
    else:
        sheet_rows = read_xlsx_rows(data, errors, limits=limits)
        rows = [(line, cells) for _s, line, cells in sheet_rows[:max_lines]]
        sheet = sheet_rows[0][0] if sheet_rows else None
    if not rows:
        errors.fail(None, None, "文件中没有数据", "the file contains no data")
    lines = tuple((line, tuple(_cell_text(c) for c in cells)) for line, cells in rows)
    return SampleRows(fmt, used, sheet, lines, find_header_row(lines))


def iter_csv_rows_safe(text: str, errors: ErrorCollector):
    """CSV records of ``text`` until a syntax error (a rejection naming its line)."""
    try:
        yield from iter_csv_rows(text)
    except _CsvSyntaxError as exc:
        errors.fail(exc.line, None, f"CSV 格式错误：{exc.msg}", f"CSV syntax error: {exc.msg}")


def guess_columns(header: Sequence[str]) -> dict[str, str]:
    """For each mapping field, the header cell that most likely holds it (none when unsure); a
    direction column is only guessed with an amount column, credit and debit only together."""
    by_name = {normalise_header(h): h for h in header if h.strip()}
    found: dict[str, str] = {}
    for field_name, names in FIELD_GUESSES.items():
        for name in names:
            hit = by_name.get(normalise_header(name))
            if hit is not None and hit not in found.values():
                found[field_name] = hit
                break
    if "credit_column" in found and "debit_column" in found:
        found.pop("amount_column", None)
        found.pop("direction_column", None)
    else:
        found.pop("credit_column", None)
        found.pop("debit_column", None)
    return found


def preview_transactions(lines: Sequence[tuple[int, Sequence[Any]]], mapping: ColumnMapping | Mapping[str, Any] | str,
                         *, limit: int = 10) -> tuple[list[dict[str, Any]], list[LineError]]:
    """The first ``limit`` transactions the mapping reads from a sample's first lines, or the
    problems it meets (the same parser as the import, so what the preview shows is what an upload
    will read). A line cut off by the sample's end is not an error of the mapping."""
    m = get_mapping(mapping)
    errors = ErrorCollector(SourceKind.BANK_STATEMENT, "sample")
    rows = [(line, list(cells)) for line, cells in lines]
    try:
        parsed = _parse_rows(rows, m, errors, None)
    except ImportRejected as rejected:
        return [], list(rejected.errors)
    return list(parsed.content["rows"][:limit]), []


__all__ = [
    "BUILTIN_MAPPINGS",
    "ColumnMapping",
    "DEFAULT_DATE_FORMATS",
    "DEFAULT_FOOTER_MARKERS",
    "DEFAULT_INFLOW_VALUES",
    "DEFAULT_OUTFLOW_VALUES",
    "FIELD_GUESSES",
    "SampleRows",
    "find_header_row",
    "get_mapping",
    "guess_columns",
    "parse_bank_statement",
    "preview_transactions",
    "read_sample",
]
