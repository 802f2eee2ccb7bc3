"""Reading fields: amounts, dates, periods, header matching, JSON fields with paths, USCC checks.

Pure module: standard library only (USCC checks delegate to :mod:`smecredit.standards.uscc`).
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from smecredit.kernel.text import Text

from .vocabulary import CENT, MAX_AMOUNT, ErrorCollector

_MAX_SAFE_INT = 2**53 - 1

# --------------------------------------------------------------------------------------------
# Money, dates and periods
# --------------------------------------------------------------------------------------------


def money(value: Decimal) -> Decimal:
    """Quantise to 0.01 with ROUND_HALF_UP (and turn −0.00 into 0.00)."""
    q = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return q if q else CENT * 0


def money_str(value: Decimal) -> str:
    """Canonical string of an amount: ``"12345.67"``."""
    q = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if not q:
        return "0.00"
    return f"{q:f}"


_AMOUNT_STRIP = str.maketrans("", "", " \u00a0\u3000¥￥")

#: Excel keeps 15 significant digits of a number; from 10^13 yuan up that leaves no room for fen.
EXCEL_DIGITS = 15
EXCEL_EXACT_LIMIT = Decimal(10) ** 13


class CellNumber(str):
    """The text of a *numeric* spreadsheet cell: the decimal Excel shows at full precision.

    Made by :func:`smecredit.enterprises.connectors.spreadsheet.number_text` from the double
    Excel stored (never computed with). Being a ``str``, it reads like any other cell; amount
    parsers also know it came from a double and refuse it where a double cannot hold the fen.
    """

    __slots__ = ()


class AmountError(ValueError):
    """An amount that cannot be read; ``reason`` says why when there is more to say than
    "invalid amount" (which is what the importers report by default)."""

    def __init__(self, message: str, reason: Text | None = None) -> None:
        super().__init__(message)
        self.reason = reason


BEYOND_EXCEL_PRECISION = Text(
    "数字单元格达到 10 万亿，超出 Excel 的 15 位有效数字，无法精确到分；请把该列设为文本格式后重新导出",
    "a number cell of 10^13 or more is beyond Excel's 15 significant digits and cannot be exact to the "
    "fen; format the column as text and export again",
)


def amount_problem(raw: Any, exc: Exception) -> Text:
    """The bilingual message for an amount :func:`parse_amount` refused."""
    shown = _show(raw) if raw not in (None, "") else ""
    zh = f"金额无效：{shown or '（空）'}"
    en = f"invalid amount: {shown or '(empty)'}"
    reason = getattr(exc, "reason", None)
    if reason is not None:
        return Text(f"{zh}（{reason.zh}）", f"{en} ({reason.en})")
    return Text(zh, en)


def parse_amount(raw: Any, *, thousands: str | None = ",", scale: Decimal = Decimal(1)) -> Decimal:
    """Parse an amount from a JSON number (Decimal/int), or a string like ``"¥12,345.67"``.

    ``scale`` converts a unit to yuan (1000 for 千元, 10000 for 万元) exactly, before the one
    rounding to the fen, so ``123.4567`` 万元 is 1,234,567.00 yuan.

    Raises :class:`AmountError` (a ValueError) when it is not a finite amount below 10^15.
    Floats are refused: JSON is read with ``parse_float=Decimal`` and XLSX number cells arrive
    as :class:`CellNumber` text (refused from 10^13 up, where the double Excel kept cannot hold
    every fen). Bools are refused.
    """
    if isinstance(raw, bool) or raw is None:
        raise AmountError("not a number")
    if isinstance(raw, Decimal):
        d = raw
    elif isinstance(raw, int):
        d = Decimal(raw)
    elif isinstance(raw, str):
        s = raw.translate(_AMOUNT_STRIP)
        if thousands and thousands in s:
            s = s.replace(thousands, "")
        if s.endswith("元"):
            s = s[:-1]
        if s.upper().startswith(("RMB", "CNY")):
            s = s[3:]
        if not s:
            raise AmountError("empty")
        try:
            d = Decimal(s)
        except InvalidOperation:
            raise AmountError("not a number") from None
    else:
        raise AmountError("not a number")
    if not d.is_finite():
        raise AmountError("not a finite number")
    if d.copy_abs() >= MAX_AMOUNT:  # before scaling too: keeps the multiplication small
        raise AmountError("out of range")
    if type(raw) is CellNumber and d.copy_abs() >= EXCEL_EXACT_LIMIT:
        raise AmountError("beyond Excel's precision", BEYOND_EXCEL_PRECISION)
    d = d * scale
    if d.copy_abs() >= MAX_AMOUNT:  # copy_abs: exact, no Overflow on "1e999999999"
        raise AmountError("out of range")
    return money(d)


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_iso_date(raw: Any) -> date:
    """Strict ISO date ``YYYY-MM-DD`` (a ``date`` passes through). Raises ValueError."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        raise ValueError("not a date")
    m = _ISO_DATE.match(raw.strip())
    if not m:
        raise ValueError("not an ISO date YYYY-MM-DD")
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def month_index(d: date) -> int:
    """Absolute month number (year*12 + month − 1), for month arithmetic."""
    return d.year * 12 + d.month - 1


def month_label(idx: int) -> str:
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def month_bounds(idx: int) -> tuple[date, date]:
    y, m = divmod(idx, 12)
    m += 1
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


@dataclass(frozen=True)
class Period:
    """A span of whole calendar months: a year, a quarter, a month or a month range."""

    label: str  # canonical: "2024", "2024-Q1", "2024-03", "2024-01..2024-06"
    granularity: str  # "year" | "quarter" | "month" | "range"
    first_month: int  # month_index of the first month
    last_month: int  # month_index of the last month (inclusive)

    @property
    def start(self) -> date:
        return month_bounds(self.first_month)[0]

    @property
    def end(self) -> date:
        return month_bounds(self.last_month)[1]

    @property
    def months(self) -> int:
        return self.last_month - self.first_month + 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.label,
            "granularity": self.granularity,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "months": self.months,
        }


_P_YEAR = re.compile(r"^(\d{4})年?$")
_P_QUARTER = re.compile(r"^(\d{4})\s*(?:-|/|年)?\s*(?:[Qq]([1-4])|第?([1-4一二三四])季度?)$")
_P_MONTH = re.compile(r"^(\d{4})(?:[-/.]|年)?(\d{1,2})月?$")
_P_RANGE = re.compile(r"^(\d{4})-(\d{2})\s*(?:\.\.|~|～|至)\s*(\d{4})-(\d{2})$")
_ZH_Q = {"一": 1, "二": 2, "三": 3, "四": 4}


def parse_period(raw: Any, *, allow_range: bool = False) -> Period:
    """Parse ``YYYY``, ``YYYY-Qn``, ``YYYY-MM`` (and ``YYYY-MM..YYYY-MM`` when allowed).

    Chinese forms are accepted as aliases: ``2024年``, ``2024年第1季度``, ``2024年3月``; also
    ``2024Q1``, ``2024/03``, ``202403``. Raises ValueError.
    """
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        raise ValueError("not a period")
    s = raw.strip()
    if (m := _P_YEAR.match(s)) is not None:
        y = int(m.group(1))
        _check_year(y)
        return Period(f"{y:04d}", "year", y * 12, y * 12 + 11)
    if (m := _P_QUARTER.match(s)) is not None:
        y = int(m.group(1))
        _check_year(y)
        q = int(m.group(2)) if m.group(2) else _ZH_Q.get(m.group(3)) or int(m.group(3))
        first = y * 12 + (q - 1) * 3
        return Period(f"{y:04d}-Q{q}", "quarter", first, first + 2)
    if (m := _P_MONTH.match(s)) is not None and len(s) >= 6:
        y, mo = int(m.group(1)), int(m.group(2))
        _check_year(y)
        if not 1 <= mo <= 12:
            raise ValueError("month must be 01–12")
        idx = y * 12 + mo - 1
        return Period(month_label(idx), "month", idx, idx)
    if allow_range and (m := _P_RANGE.match(s)) is not None:
        y1, m1, y2, m2 = (int(g) for g in m.groups())
        _check_year(y1)
        _check_year(y2)
        if not (1 <= m1 <= 12 and 1 <= m2 <= 12):
            raise ValueError("month must be 01–12")
        a, b = y1 * 12 + m1 - 1, y2 * 12 + m2 - 1
        if b < a:
            raise ValueError("range ends before it starts")
        if a == b:
            return Period(month_label(a), "month", a, a)
        return Period(f"{month_label(a)}..{month_label(b)}", "range", a, b)
    raise ValueError("not a period (YYYY, YYYY-Qn or YYYY-MM)")


def _check_year(y: int) -> None:
    if not 1900 <= y <= 2999:
        raise ValueError("year out of range")


# --------------------------------------------------------------------------------------------
# Header resolution (for CSV/XLSX importers)
# --------------------------------------------------------------------------------------------


# -- text fields: control characters -------------------------------------------------------------

#: Invisible characters that copy-paste leaves in names: removed.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u00ad"
#: Text-direction overrides and isolates ("Trojan Source"): they can make a name display as
#: something else, and have no use in Chinese business data: refused.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
#: Any character that needs a look (the fast check; most text has none).
SUSPECT = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{ZERO_WIDTH}{BIDI_CONTROLS}]")
_DROP_ZERO_WIDTH = str.maketrans("", "", ZERO_WIDTH)


def clean_text(value: str, *, multiline: bool = False) -> tuple[str, Text | None]:
    """``(cleaned, None)`` or ``(value, why it is refused)`` for one text field of a file.

    * refused: NUL and the other C0/C1 control characters (but tab, CR and LF), and the
      text-direction controls U+202A–U+202E, U+2066–U+2069;
    * cleaned: zero-width characters (U+200B–U+200F, U+2060, U+FEFF, soft hyphen) are removed;
      line breaks (CR, LF, U+2028/U+2029) and tabs become one space in single-line fields
      (names, codes, case numbers), runs of spaces one space; multi-line fields (经营范围,
      reasons, 变更前后内容) keep their line breaks as LF.
    """
    if SUSPECT.search(value) is None:
        return value, None
    for ch in value:
        o = ord(ch)
        if ch in BIDI_CONTROLS:
            return value, Text(
                f"含有文字方向控制字符（U+{o:04X}），它会改变文字的显示顺序，可能被用来伪装名称",
                f"contains a text-direction control character (U+{o:04X}), which changes how the text "
                "displays and can disguise a name",
            )
        if (o < 0x20 and ch not in "\t\n\r") or 0x7F <= o <= 0x9F:
            return value, Text(f"含有不允许的控制字符（U+{o:04X}）", f"contains a disallowed control character (U+{o:04X})")
    text = value.translate(_DROP_ZERO_WIDTH)
    for brk in ("\r\n", "\r", "\u2028", "\u2029"):
        text = text.replace(brk, "\n")
    if multiline:
        return "\n".join(" ".join(line.split()) for line in text.split("\n")).strip(), None
    return " ".join(text.split()), None


def normalise_header(cell: Any) -> str:
    s = str(cell).translate(_DROP_ZERO_WIDTH).strip()
    s = re.sub(r"[\s\u3000]+", "", s)
    for a, b in (("（", "("), ("）", ")")):
        s = s.replace(a, b)
    return s.lower()


def resolve_columns(
    header: Sequence[Any],
    aliases: Mapping[str, Sequence[str]],
) -> tuple[dict[str, int], list[str]]:
    """Map canonical column names to indexes. Returns ``(found, unknown_header_cells)``.

    ``aliases`` maps each canonical name to accepted header texts (the canonical name itself is
    always accepted); matching ignores case, spaces and full/half-width parentheses. The unit
    suffix "(元)" is also ignored.
    """
    lookup: dict[str, str] = {}
    for canon, names in aliases.items():
        for n in (canon, *names):
            lookup[normalise_header(n)] = canon
    found: dict[str, int] = {}
    unknown: list[str] = []
    for i, cell in enumerate(header):
        key = normalise_header(cell)
        if not key:
            continue
        canon = lookup.get(key) or lookup.get(re.sub(r"\((元|人民币元|rmb|cny)\)$", "", key))
        if canon is None:
            unknown.append(str(cell).strip())
        elif canon not in found:
            found[canon] = i
    return found, unknown


# --------------------------------------------------------------------------------------------
# JSON field reading with path-addressed errors
# --------------------------------------------------------------------------------------------

_MISSING = object()


class FieldReader:
    """Reads typed fields out of parsed JSON, recording a bilingual error per bad field."""

    def __init__(self, errors: ErrorCollector) -> None:
        self.errors = errors

    # -- structure --------------------------------------------------------------------------
    def obj(self, value: Any, path: str, *, required: bool = True) -> dict | None:
        if value is None or value is _MISSING:
            if required:
                self._missing(path)
            return None
        if not isinstance(value, dict):
            self.errors.add(None, path or None, "应为 JSON 对象", "must be a JSON object")
            return None
        return value

    def list(self, obj: Mapping, key: str, path: str, *, required: bool = False) -> list:
        value = obj.get(key, _MISSING)
        p = _join(path, key)
        if value is _MISSING or value is None:
            if required:
                self._missing(p)
            return []
        if not isinstance(value, list):
            self.errors.add(None, p, "应为 JSON 数组", "must be a JSON array")
            return []
        return value

    def objects(
        self, obj: Mapping, key: str, path: str, known: Iterable[str] | None = None, *, required: bool = False
    ) -> Iterator[tuple[str, dict]]:
        """``(path, item)`` for each JSON object in the array ``obj[key]``; other items are
        reported and skipped, and with ``known`` unknown keys are warned about."""
        base = _join(path, key)
        for i, item in enumerate(self.list(obj, key, path, required=required)):
            p = f"{base}[{i}]"
            o = self.obj(item, p)
            if o is None:
                continue
            if known is not None:
                self.unknown_keys(o, known, p)
            yield p, o

    def unknown_keys(self, obj: Mapping, known: Iterable[str], path: str) -> None:
        known = set(known)
        for k in obj:
            if k not in known:
                p = _join(path, str(k))
                self.errors.warn(None, p, "未知字段，已忽略", "unknown field ignored")

    # -- scalars ----------------------------------------------------------------------------
    def string(
        self,
        obj: Mapping,
        key: str,
        path: str,
        *,
        required: bool = True,
        max_len: int = 500,
        multiline: bool = False,
    ) -> str | None:
        """A text field, cleaned by :func:`clean_text` (refused with its reason when it must be)."""
        value = obj.get(key, _MISSING)
        p = _join(path, key)
        if isinstance(value, str):
            value, problem = clean_text(value, multiline=multiline)
            if problem is not None:
                self.errors.add(None, p, problem.zh, problem.en)
                return None
        if value is _MISSING or value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self._missing(p)
            return None
        if not isinstance(value, str):
            self.errors.add(None, p, "应为文本", "must be a string")
            return None
        value = value.strip()
        if len(value) > max_len:
            self.errors.add(None, p, f"过长（上限 {max_len} 字符）", f"too long (limit {max_len} characters)")
            return None
        return value

    def amount(
        self,
        obj: Mapping,
        key: str,
        path: str,
        *,
        required: bool = True,
        allow_negative: bool = False,
    ) -> Decimal | None:
        value = obj.get(key, _MISSING)
        p = _join(path, key)
        if value is _MISSING or value is None or value == "":
            if required:
                self._missing(p)
            return None
        try:
            d = parse_amount(value)
        except ValueError as exc:
            problem = amount_problem(value, exc)
            self.errors.add(None, p, problem.zh, problem.en)
            return None
        if d < 0 and not allow_negative:
            self.errors.add(None, p, f"金额不能为负数：{_show(value)}", f"amount must not be negative: {_show(value)}")
            return None
        return d

    def decimal(
        self,
        obj: Mapping,
        key: str,
        path: str,
        *,
        required: bool = True,
        minimum: Decimal | None = None,
        maximum: Decimal | None = None,
        places: int = 4,
    ) -> Decimal | None:
        value = obj.get(key, _MISSING)
        p = _join(path, key)
        if value is _MISSING or value is None or value == "":
            if required:
                self._missing(p)
            return None
        d: Decimal | None = None
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool):
            d = Decimal(value)
        elif isinstance(value, str):
            try:
                d = Decimal(value.strip().rstrip("%"))
            except InvalidOperation:
                d = None
        if d is None or not d.is_finite():
            self.errors.add(None, p, f"数值无效：{_show(value)}", f"invalid number: {_show(value)}")
            return None
        if (minimum is not None and d < minimum) or (maximum is not None and d > maximum):
            self.errors.add(
                None,
                p,
                f"数值 {_show(value)} 超出范围 {minimum}–{maximum}",
                f"value {_show(value)} out of range {minimum}–{maximum}",
            )
            return None
        return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)

    def integer(
        self,
        obj: Mapping,
        key: str,
        path: str,
        *,
        required: bool = True,
        minimum: int | None = 0,
        maximum: int | None = None,
    ) -> int | None:
        value = obj.get(key, _MISSING)
        p = _join(path, key)
        if value is _MISSING or value is None or value == "":
            if required:
                self._missing(p)
            return None
        d: Decimal | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            d = Decimal(value)
        elif isinstance(value, Decimal):
            d = value
        elif isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            d = Decimal(value.strip())
        if d is None or d != d.to_integral_value():
            self.errors.add(None, p, f"应为整数：{_show(value)}", f"must be a whole number: {_show(value)}")
            return None
        if d.copy_abs() > _MAX_SAFE_INT:  # before int(): int(Decimal("1e999999")) would not finish
            lo = minimum if minimum is not None else -_MAX_SAFE_INT
            hi = maximum if maximum is not None else _MAX_SAFE_INT
            self.errors.add(None, p, f"数值 {d} 超出范围 {lo}–{hi}", f"value {d} out of range {lo}–{hi}")
            return None
        n = int(d)
        if (minimum is not None and n < minimum) or (maximum is not None and n > maximum):
            rng = f"{minimum if minimum is not None else '-∞'}–{maximum if maximum is not None else '∞'}"
            self.errors.add(None, p, f"数值 {n} 超出范围 {rng}", f"value {n} out of range {rng}")
            return None
        return n

    def date(self, obj: Mapping, key: str, path: str, *, required: bool = True) -> date | None:
        value = obj.get(key, _MISSING)
        p = _join(path, key)
        if value is _MISSING or value is None or value == "":
            if required:
                self._missing(p)
            return None
        try:
            return parse_iso_date(value)
        except ValueError:
            self.errors.add(
                None, p, f"日期无效（应为 YYYY-MM-DD）：{_show(value)}", f"invalid date (expected YYYY-MM-DD): {_show(value)}"
            )
            return None

    def month(self, obj: Mapping, key: str, path: str, *, required: bool = True) -> int | None:
        value = obj.get(key, _MISSING)
        p = _join(path, key)
        if value is _MISSING or value is None or value == "":
            if required:
                self._missing(p)
            return None
        try:
            per = parse_period(value)
        except ValueError:
            per = None
        if per is None or per.granularity != "month":
            self.errors.add(None, p, f"月份无效（应为 YYYY-MM）：{_show(value)}", f"invalid month (expected YYYY-MM): {_show(value)}")
            return None
        return per.first_month

    def choice(
        self,
        obj: Mapping,
        key: str,
        path: str,
        options: Mapping[str, str],
        *,
        required: bool = True,
        default: str | None = None,
    ) -> str | None:
        """Map a value through ``options`` (alias → code; matching is case-insensitive)."""
        value = obj.get(key, _MISSING)
        p = _join(path, key)
        if value is _MISSING or value is None or value == "":
            if required:
                self._missing(p)
            return default
        code = lookup_choice(value, options)
        if code is None:
            allowed = "、".join(sorted(set(options.values())))
            self.errors.add(
                None,
                p,
                f"取值无效：{_show(value)}（可选：{allowed}）",
                f"invalid value: {_show(value)} (allowed: {allowed.replace('、', ', ')})",
            )
        return code

    def _missing(self, path: str) -> None:
        self.errors.add(None, path or None, "缺少必填字段", "required field is missing")


def lookup_choice(value: Any, options: Mapping[str, str]) -> str | None:
    if not isinstance(value, str):
        return None
    v = value.strip()
    if v in options:
        return options[v]
    lv = v.lower()
    for k, code in options.items():
        if k.lower() == lv:
            return code
    return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _show(value: Any) -> str:
    s = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return s if len(s) <= 60 else s[:57] + "..."


# --------------------------------------------------------------------------------------------
# USCC check (delegates to smecredit.standards.uscc)
# --------------------------------------------------------------------------------------------


def check_uscc(code: Any) -> tuple[str | None, Text | None]:
    """Validate a 统一社会信用代码 with :func:`smecredit.standards.uscc.validate_uscc`.

    Returns ``(normalised_code, None)`` when valid, ``(None, reason)`` when not.
    """
    from smecredit.standards.uscc import validate_uscc  # returns a UsccResult, never raises

    if not isinstance(code, str) or not code.strip():
        return None, Text("统一社会信用代码为空", "USCC is empty")
    result = validate_uscc(code)
    if result.valid:
        return result.code, None
    return None, Text(result.reason_zh or "统一社会信用代码校验失败", result.reason_en or "USCC check failed")


def read_uscc(reader: FieldReader, obj: Mapping, key: str, path: str, *, required: bool = True) -> str | None:
    raw = reader.string(obj, key, path, required=required, max_len=40)
    if raw is None:
        return None
    code, reason = check_uscc(raw)
    if reason is not None:
        reader.errors.add(None, _join(path, key), reason.zh, reason.en)
    return code
