"""Shared types and helpers for the stage-1 data connectors (数据接入).

Pure module: standard library + rfc8785 only (openpyxl is imported lazily, for XLSX).

Every importer turns the bytes of one uploaded file (or one provider answer) into a
:class:`ParsedSource` whose ``content`` is a normalised, JSON-serialisable dict:

* amounts are strings quantised to 0.01 yuan with ROUND_HALF_UP ("12345.67"), never floats;
* dates are ISO strings ("2024-03-31"); months "YYYY-MM";
* ``content_sha256`` is the SHA-256 of the RFC 8785 canonical JSON of ``content``.

Importers validate *everything* and collect all problems before raising
:class:`ImportRejected`, so a file is either imported whole or not at all.
"""

from __future__ import annotations

import calendar
import codecs
import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum
from typing import Any, Protocol, runtime_checkable

import rfc8785

from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text

__all__ = [
    "CENT",
    "RATIO_QUANTUM",
    "MAX_FILE_BYTES",
    "SourceKind",
    "LineError",
    "ImportRejected",
    "ParsedSource",
    "DataProvider",
    "Period",
    "ErrorCollector",
    "FieldReader",
    "canonical_json",
    "content_sha256",
    "make_parsed",
    "money",
    "money_str",
    "parse_amount",
    "parse_iso_date",
    "parse_period",
    "month_index",
    "month_label",
    "month_bounds",
    "decode_text",
    "detect_format",
    "load_json",
    "iter_xlsx_rows",
    "check_uscc",
    "parse_source",
]

CENT = Decimal("0.01")
RATIO_QUANTUM = Decimal("0.0001")
#: Files larger than this are refused outright (50 MiB).
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Amounts with an absolute value at or above this are refused (10^15 yuan).
MAX_AMOUNT = Decimal(10) ** 15


# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------


class SourceKind(str, Enum):
    """The six kinds of external data a credit profile is built from."""

    REGISTRY = "registry"
    TAX = "tax"
    BANK_STATEMENT = "bank_statement"
    FINANCIAL_STATEMENTS = "financial_statements"
    CREDIT_BUREAU = "credit_bureau"
    JUDICIAL = "judicial"

    @property
    def label_zh(self) -> str:
        return _KIND_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _KIND_LABELS[self][1]

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh

    def __str__(self) -> str:  # plain value in f-strings and logs
        return self.value


_KIND_LABELS: dict[SourceKind, tuple[str, str]] = {
    SourceKind.REGISTRY: ("工商登记", "Business registry"),
    SourceKind.TAX: ("税务", "Tax"),
    SourceKind.BANK_STATEMENT: ("银行流水", "Bank statements"),
    SourceKind.FINANCIAL_STATEMENTS: ("财务报表", "Financial statements"),
    SourceKind.CREDIT_BUREAU: ("征信", "Credit bureau"),
    SourceKind.JUDICIAL: ("司法", "Judicial records"),
}


@dataclass(frozen=True)
class LineError:
    """One problem found in an imported file.

    ``line`` is the 1-based line (CSV) or row (XLSX) number as a user sees it in an editor or
    in Excel, or the line of a JSON syntax error; ``None`` when the problem is not tied to a
    line (e.g. a JSON field, addressed by ``field`` as a path like ``shareholders[2].share_pct``).
    ``sheet`` names the XLSX worksheet when there is one.
    """

    line: int | None
    field: str | None
    reason_zh: str
    reason_en: str
    sheet: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "line": self.line,
            "field": self.field,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }
        if self.sheet is not None:
            d["sheet"] = self.sheet
        return d

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(self.sheet)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(self.field)
        prefix = f"[{', '.join(where)}] " if where else ""
        return f"{prefix}{self.reason_zh} / {self.reason_en}"


class ImportRejected(Invalid):
    """Raised when any part of a file is bad; nothing from the file is imported.

    ``details["errors"]`` lists every problem as a dict (see :meth:`LineError.as_dict`).
    """

    def __init__(
        self,
        errors: Sequence[LineError],
        *,
        kind: SourceKind | None = None,
        filename: str | None = None,
    ) -> None:
        errors = tuple(errors)
        n = len(errors)
        what_zh = f"{kind.label_zh}数据" if kind else "数据"
        what_en = f"{kind.label_en} data" if kind else "data"
        name = f" ({filename})" if filename else ""
        details: dict[str, Any] = {"errors": [e.as_dict() for e in errors], "error_count": n}
        if kind is not None:
            details["kind"] = kind.value
        if filename is not None:
            details["filename"] = filename
        super().__init__(
            "import_rejected",
            Text(f"{what_zh}导入被拒绝{name}：发现 {n} 处错误，未导入任何内容",
                 f"{what_en} import rejected{name}: {n} error(s) found, nothing was imported"),
            None,
            details,
        )
        self.errors: tuple[LineError, ...] = errors
        self.kind = kind
        self.filename = filename

    def __reduce__(self):  # picklable (e.g. raised inside a Celery job)
        return (_rebuild_import_rejected, (self.errors, self.kind, self.filename))


def _rebuild_import_rejected(
    errors: tuple[LineError, ...], kind: SourceKind | None, filename: str | None
) -> ImportRejected:
    return ImportRejected(errors, kind=kind, filename=filename)


@dataclass(frozen=True)
class ParsedSource:
    """The normalised result of one successful import."""

    kind: SourceKind
    content: dict[str, Any]
    content_sha256: str
    summary: Text
    #: Human-readable bilingual warnings ("zh / en"), e.g. duplicate rows that were skipped.
    warnings: tuple[str, ...] = ()
    #: The same warnings with line numbers, for display next to the file.
    warning_details: tuple[LineError, ...] = ()

    __hash__ = None  # type: ignore[assignment]  # content is a dict

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "content": self.content,
            "content_sha256": self.content_sha256,
            "summary": self.summary.as_dict(),
            "warnings": list(self.warnings),
            "warning_details": [w.as_dict() for w in self.warning_details],
        }


@runtime_checkable
class DataProvider(Protocol):
    """An online source of the same data the importers read from files."""

    name: str
    is_sandbox: bool

    def fetch(self, kind: SourceKind, uscc: str, *, as_of: date) -> ParsedSource: ...


# --------------------------------------------------------------------------------------------
# Canonical JSON and hashing
# --------------------------------------------------------------------------------------------

_MAX_SAFE_INT = 2**53 - 1


def _plain_json_safe(obj: Any) -> bool:
    """True when ``json.dumps(sort_keys=True)`` is byte-identical to RFC 8785 for ``obj``.

    That holds for dicts/lists of str, bool, None and ints within ±(2^53−1) whose keys sort the
    same by code point as by UTF-16 code unit (always true below U+D800). Floats are refused.
    """
    stack = [obj]
    pop, push = stack.pop, stack.append
    while stack:
        o = pop()
        t = type(o)
        if t is str or o is None or t is bool:
            continue
        if t is int:
            if -_MAX_SAFE_INT <= o <= _MAX_SAFE_INT:
                continue
            return False
        if t is dict:
            for k, v in o.items():
                if type(k) is not str:
                    return False
                if not k.isascii() and max(k) >= "\ud800":
                    return False
                t2 = type(v)
                if t2 is str or v is None or t2 is bool:
                    continue
                push(v)
            continue
        if t is list or t is tuple:
            for v in o:
                t2 = type(v)
                if t2 is str or v is None or t2 is bool:
                    continue
                push(v)
            continue
        return False
    return True


def canonical_json(content: Any) -> bytes:
    """RFC 8785 (JCS) canonical JSON bytes of ``content``.

    Uses the ``rfc8785`` package, with a fast path through :func:`json.dumps` for content that
    provably serialises identically (no floats, safe ints, BMP-below-surrogate keys); a test
    checks the two agree.
    """
    if _plain_json_safe(content):
        try:
            return json.dumps(
                content, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode("utf-8")
        except (UnicodeEncodeError, ValueError):
            pass
    return rfc8785.dumps(content)


def content_sha256(content: Any) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def make_parsed(
    kind: SourceKind,
    content: dict[str, Any],
    summary: Text,
    warnings: Sequence[LineError] = (),
) -> ParsedSource:
    """Build a :class:`ParsedSource`, computing the content hash."""
    return ParsedSource(
        kind=kind,
        content=content,
        content_sha256=content_sha256(content),
        summary=summary,
        warnings=tuple(f"{_where_zh(w)}{w.reason_zh} / {_where_en(w)}{w.reason_en}" for w in warnings),
        warning_details=tuple(warnings),
    )


def _where_zh(w: LineError) -> str:
    parts = []
    if w.sheet:
        parts.append(f"工作表 {w.sheet}")
    if w.line is not None:
        parts.append(f"第 {w.line} 行")
    if w.field:
        parts.append(w.field)
    return ("，".join(parts) + "：") if parts else ""


def _where_en(w: LineError) -> str:
    parts = []
    if w.sheet:
        parts.append(f"sheet {w.sheet}")
    if w.line is not None:
        parts.append(f"line {w.line}")
    if w.field:
        parts.append(w.field)
    return (", ".join(parts) + ": ") if parts else ""


# --------------------------------------------------------------------------------------------
# Error collection
# --------------------------------------------------------------------------------------------


class ErrorCollector:
    """Collects :class:`LineError` s (and warnings) while an importer walks a file."""

    #: At most this many errors are listed; the rest are counted in one closing entry.
    MAX_LISTED = 1000

    def __init__(self, kind: SourceKind, filename: str) -> None:
        self.kind = kind
        self.filename = filename
        self.errors: list[LineError] = []
        self._warnings: list[LineError] = []
        self.suppressed = 0
        self.suppressed_warnings = 0

    @property
    def warnings(self) -> list[LineError]:
        """Warnings collected so far (at most MAX_LISTED, then one summary entry)."""
        if not self.suppressed_warnings:
            return list(self._warnings)
        return [
            *self._warnings,
            LineError(
                None,
                None,
                f"另有 {self.suppressed_warnings} 条提示未列出",
                f"{self.suppressed_warnings} more warning(s) not listed",
            ),
        ]

    def add(
        self,
        line: int | None,
        field: str | None,
        zh: str,
        en: str,
        *,
        sheet: str | None = None,
    ) -> None:
        if len(self.errors) >= self.MAX_LISTED:
            self.suppressed += 1
            return
        self.errors.append(LineError(line, field, zh, en, sheet))

    def warn(
        self,
        line: int | None,
        field: str | None,
        zh: str,
        en: str,
        *,
        sheet: str | None = None,
    ) -> None:
        if len(self._warnings) >= self.MAX_LISTED:
            self.suppressed_warnings += 1
            return
        self._warnings.append(LineError(line, field, zh, en, sheet))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def reject(self) -> ImportRejected:
        # file order: errors with a line first, by line (stable), then the others
        errors = sorted(self.errors, key=lambda e: (e.line is None, e.line or 0))
        if self.suppressed:
            errors.append(
                LineError(
                    None,
                    None,
                    f"另有 {self.suppressed} 处错误未列出",
                    f"{self.suppressed} more error(s) not listed",
                )
            )
        return ImportRejected(errors, kind=self.kind, filename=self.filename)

    def raise_if_any(self) -> None:
        if self.errors:
            raise self.reject()

    def fail(self, line: int | None, field: str | None, zh: str, en: str, *, sheet: str | None = None):
        """Add an error and raise at once with everything collected so far."""
        self.add(line, field, zh, en, sheet=sheet)
        raise self.reject()


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


def parse_amount(raw: Any, *, thousands: str | None = ",", scale: Decimal = Decimal(1)) -> Decimal:
    """Parse an amount from a JSON number (Decimal/int), or a string like ``"¥12,345.67"``.

    ``scale`` converts a unit to yuan (1000 for 千元, 10000 for 万元) exactly, before the one
    rounding to the fen, so ``123.4567`` 万元 is 1,234,567.00 yuan.

    Raises :class:`ValueError` (with an English reason) when it is not a finite amount.
    Floats are refused: JSON is read with ``parse_float=Decimal`` and XLSX cells are turned into
    strings first. Bools are refused.
    """
    if isinstance(raw, bool) or raw is None:
        raise ValueError("not a number")
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
            raise ValueError("empty")
        try:
            d = Decimal(s)
        except InvalidOperation:
            raise ValueError("not a number") from None
    else:
        raise ValueError("not a number")
    if not d.is_finite():
        raise ValueError("not a finite number")
    if d.copy_abs() >= MAX_AMOUNT:  # before scaling too: keeps the multiplication small
        raise ValueError("out of range")
    d = d * scale
    if d.copy_abs() >= MAX_AMOUNT:  # copy_abs: exact, no Overflow on "1e999999999"
        raise ValueError("out of range")
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
# Reading bytes: encodings, JSON, CSV, XLSX
# --------------------------------------------------------------------------------------------

_UTF8_BOM = codecs.BOM_UTF8


def _check_size(data: bytes, errors: ErrorCollector) -> None:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        errors.fail(None, None, "文件内容必须是字节", "file content must be bytes")
    if len(data) == 0:
        errors.fail(None, None, "文件为空", "the file is empty")
    if len(data) > MAX_FILE_BYTES:
        errors.fail(
            None,
            None,
            f"文件过大（{len(data):,} 字节，上限 {MAX_FILE_BYTES:,}）",
            f"file too large ({len(data):,} bytes, limit {MAX_FILE_BYTES:,})",
        )


def decode_text(data: bytes, errors: ErrorCollector, *, encoding: str = "auto") -> tuple[str, str]:
    """Decode a text file; returns ``(text, encoding_used)`` or raises ImportRejected.

    ``auto``: UTF-8 (with or without BOM) first; else GB18030 (a superset of GBK/GB2312, which
    Chinese banks export). A file that is clearly UTF-8 (valid multi-byte sequences before the
    fault) but has a corrupt byte is rejected with the line of the fault instead of being
    misread as GB18030. Other values are passed to :func:`bytes.decode` (``gbk`` is widened to
    ``gb18030``).
    """
    _check_size(data, errors)
    data = bytes(data)
    enc = (encoding or "auto").lower().replace("_", "-")
    if enc in ("gbk", "gb2312", "cp936"):
        enc = "gb18030"
    if enc in ("utf8", "utf-8-sig"):
        enc = "utf-8"
    if enc == "auto":
        if data.startswith(_UTF8_BOM):
            return _decode_or_reject(data[3:], "utf-8", errors), "utf-8-sig"
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            head = data[: exc.start]
            if any(b >= 0x80 for b in head):  # real UTF-8 text before the fault
                line = head.count(b"\n") + 1
                errors.fail(
                    line,
                    None,
                    f"文件编码错误：第 {line} 行含有无效的 UTF-8 字节",
                    f"bad encoding: line {line} contains invalid UTF-8 bytes",
                )
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            errors.fail(
                line,
                None,
                f"无法识别文件编码（既不是 UTF-8 也不是 GBK/GB18030），第 {line} 行出错",
                f"unrecognised encoding (neither UTF-8 nor GBK/GB18030), first fault on line {line}",
            )
    if enc == "utf-8" and data.startswith(_UTF8_BOM):
        data = data[3:]
    try:
        return _decode_or_reject(data, enc, errors), enc
    except LookupError:  # unknown, or not a text encoding (hex, rot13)
        errors.fail(None, "encoding", f"未知的字符编码：{encoding}", f"unknown encoding: {encoding}")
    raise AssertionError("unreachable")


def _decode_or_reject(data: bytes, enc: str, errors: ErrorCollector) -> str:
    try:
        return data.decode(enc)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.fail(
            line,
            None,
            f"文件编码错误：第 {line} 行不是有效的 {enc.upper()} 文本",
            f"bad encoding: line {line} is not valid {enc.upper()} text",
        )
    raise AssertionError("unreachable")


def detect_format(data: bytes, filename: str, allowed: Iterable[str]) -> str:
    """``json`` / ``csv`` / ``xlsx`` from the file extension, else by sniffing the bytes."""
    allowed = tuple(allowed)
    name = (filename or "").lower()
    for ext, fmt in ((".json", "json"), (".csv", "csv"), (".txt", "csv"), (".xlsx", "xlsx"), (".xlsm", "xlsx")):
        if name.endswith(ext) and fmt in allowed:
            return fmt
    head = bytes(data[:64])
    if head.startswith(b"PK\x03\x04") and "xlsx" in allowed:
        return "xlsx"
    stripped = head.removeprefix(_UTF8_BOM).lstrip()
    if stripped[:1] in (b"{", b"[") and "json" in allowed:
        return "json"
    if "csv" in allowed:
        return "csv"
    return allowed[0]


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def load_json(data: bytes, errors: ErrorCollector) -> Any:
    """Parse JSON bytes (UTF-8, BOM tolerated) with numbers as Decimal/int, never float."""
    _check_size(data, errors)
    data = bytes(data)
    if data.startswith(_UTF8_BOM):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.fail(
            line,
            None,
            f"JSON 文件必须是 UTF-8 编码，第 {line} 行含有无效字节",
            f"JSON must be UTF-8; line {line} contains invalid bytes",
        )
    try:
        doc = json.loads(text, parse_float=Decimal, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        errors.fail(
            exc.lineno,
            None,
            f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}",
            f"invalid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}",
        )
    except ValueError as exc:
        errors.fail(None, None, f"JSON 含有不允许的数值：{exc}", f"JSON contains a disallowed value: {exc}")
    except RecursionError:
        errors.fail(None, None, "JSON 嵌套层数过多", "JSON is nested too deeply")
    # "\ud800" escapes decode to lone surrogates, which no UTF-8 store (nor RFC 8785) accepts
    if _SURROGATE_ESCAPE.search(text) is not None and _has_lone_surrogate(doc):
        errors.fail(
            None,
            None,
            "JSON 含有不成对的 UTF-16 代理项转义（\\uD800–\\uDFFF）",
            "JSON contains an unpaired UTF-16 surrogate escape (\\uD800–\\uDFFF)",
        )
    return doc


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(doc: Any) -> bool:
    try:
        json.dumps(doc, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def iter_csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line_number, cells)`` with the 1-based line where each record starts.

    Delimiter is sniffed among comma, tab, semicolon and the Chinese full-width comma from the
    first 20 lines. Blank lines are skipped.
    """
    # the delimiter with the most occurrences on any one of the first 20 lines (the header row
    # has the most); ties go to the comma, then tab, semicolon and the full-width comma
    lines = [ln for ln in text[:16384].splitlines() if ln.strip()][:20]
    candidates = (",", "\t", ";", "，")
    best = {d: max((ln.count(d) for ln in lines), default=0) for d in candidates}
    delimiter = max(candidates, key=lambda d: (best[d], -candidates.index(d)))
    if best[delimiter] == 0:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    prev = 0
    try:
        for cells in reader:
            start = prev + 1
            prev = reader.line_num
            if not cells or (not cells[0].strip() and all(not c.strip() for c in cells)):
                continue
            yield start, cells
    except csv.Error as exc:
        raise _CsvSyntaxError(prev + 1, str(exc)) from None


class _CsvSyntaxError(Exception):
    def __init__(self, line: int, msg: str) -> None:
        super().__init__(msg)
        self.line = line
        self.msg = msg


def csv_rows_or_reject(text: str, errors: ErrorCollector) -> list[tuple[int, list[str]]]:
    try:
        return list(iter_csv_rows(text))
    except _CsvSyntaxError as exc:
        errors.fail(exc.line, None, f"CSV 格式错误：{exc.msg}", f"CSV syntax error: {exc.msg}")
    raise AssertionError("unreachable")


def xlsx_cell_text(value: Any) -> Any:
    """Normalise an openpyxl cell value: str stripped, numbers as exact strings, dates kept."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel stores doubles; repr() is the shortest string that round-trips, so 1234.56
        # typed in Excel comes back as "1234.56". We never compute with the float.
        if value != value or value in (float("inf"), float("-inf")):
            return "NaN"
        s = repr(value)
        if "e" in s or "E" in s:
            s = format(Decimal(s), "f")
        return s
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.date() if (value.hour, value.minute, value.second) == (0, 0, 0) else value
    if isinstance(value, date):
        return value
    return str(value).strip()


def iter_xlsx_rows(
    data: bytes, errors: ErrorCollector, *, sheet: str | None = None, all_sheets: bool = False
) -> Iterator[tuple[str, int, list[Any]]]:
    """Yield ``(sheet_name, row_number, cells)`` from an XLSX workbook (cells normalised).

    Blank rows are skipped. Uses a streaming expat reader (about 3× faster than openpyxl's
    read-only mode on large statements); openpyxl is the fallback for anything it cannot read.
    """
    _check_size(data, errors)
    data = bytes(data)
    try:
        rows = _FastXlsx(data).rows(sheet=sheet, all_sheets=all_sheets)
    except _NoSuchSheet:
        errors.fail(None, "sheet", f"工作簿中没有工作表“{sheet}”", f"workbook has no sheet named '{sheet}'")
    except Exception:  # noqa: BLE001 - unusual workbook: let openpyxl try (and report)
        try:
            rows = list(_openpyxl_rows(data, errors, sheet=sheet, all_sheets=all_sheets))
        except ImportRejected:
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. a numeric cell holding "abc": a bad file, not a 500
            errors.fail(None, None, f"不是有效的 XLSX 文件：{exc}", f"not a valid XLSX file: {exc}")
    yield from rows


def _openpyxl_rows(
    data: bytes, errors: ErrorCollector, *, sheet: str | None, all_sheets: bool
) -> Iterator[tuple[str, int, list[Any]]]:
    try:
        import openpyxl  # lazy: only XLSX needs it
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError:  # pragma: no cover
        errors.fail(None, None, "服务器未安装 XLSX 支持", "XLSX support is not installed")
    import zipfile

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        errors.fail(None, None, f"不是有效的 XLSX 文件：{exc}", f"not a valid XLSX file: {exc}")
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                errors.fail(
                    None, "sheet", f"工作簿中没有工作表“{sheet}”", f"workbook has no sheet named '{sheet}'"
                )
            sheets = [wb[sheet]]
        elif all_sheets:
            sheets = list(wb.worksheets)
        else:
            sheets = [wb.worksheets[0]]
        for ws in sheets:
            for idx, row in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = [xlsx_cell_text(v) for v in row]
                while cells and cells[-1] == "":
                    cells.pop()
                if not cells:
                    continue
                yield ws.title, idx, cells
    finally:
        wb.close()


class _NoSuchSheet(Exception):
    pass


_SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


class _FastXlsx:
    """Minimal streaming XLSX reader: workbook → sheets → rows of normalised cell values.

    Same cell semantics as openpyxl with ``data_only=True`` (shared/inline strings, booleans,
    numbers cast like openpyxl's ``_cast_number``, date-styled numbers through ``from_excel``,
    1904 epoch), then :func:`xlsx_cell_text`. Styles and shared strings are read with
    openpyxl's own helpers; only the (large) worksheet XML is parsed here, with expat.
    """

    def __init__(self, data: bytes) -> None:
        import posixpath
        import zipfile
        from xml.etree.ElementTree import fromstring

        self.zip = zipfile.ZipFile(io.BytesIO(data))
        wb = fromstring(self.zip.read("xl/workbook.xml"))
        rels = fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{{{_PKG_REL}}}Relationship")}
        pr = wb.find(f"{{{_SML}}}workbookPr")
        self.date1904 = pr is not None and pr.get("date1904") in ("1", "true")
        self.sheets: list[tuple[str, str]] = []
        for sh in wb.iter(f"{{{_SML}}}sheet"):
            target = targets[sh.get(f"{{{_REL}}}id")]
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            self.sheets.append((sh.get("name"), path))
        names = set(self.zip.namelist())
        self.strings: list[str] = []
        if "xl/sharedStrings.xml" in names:
            from openpyxl.reader.strings import read_string_table

            with self.zip.open("xl/sharedStrings.xml") as f:
                self.strings = [str(x) for x in read_string_table(f)]
        self.date_styles: set[int] = set()
        self.timedelta_styles: set[int] = set()
        if "xl/styles.xml" in names:
            from openpyxl.styles.stylesheet import Stylesheet

            ss = Stylesheet.from_tree(fromstring(self.zip.read("xl/styles.xml")))
            self.date_styles = set(ss.date_formats)
            self.timedelta_styles = set(ss.timedelta_formats)

    def rows(self, *, sheet: str | None, all_sheets: bool) -> list[tuple[str, int, list[Any]]]:
        if not self.sheets:
            raise ValueError("no sheets")
        if sheet is not None:
            chosen = [s for s in self.sheets if s[0] == sheet]
            if not chosen:
                raise _NoSuchSheet(sheet)
        elif all_sheets:
            chosen = self.sheets
        else:
            chosen = self.sheets[:1]
        out: list[tuple[str, int, list[Any]]] = []
        for name, path in chosen:
            out.extend((name, r, cells) for r, cells in self._sheet_rows(path))
        return out

    def _sheet_rows(self, path: str) -> list[tuple[int, list[Any]]]:
        import xml.parsers.expat

        from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

        epoch = MAC_EPOCH if self.date1904 else WINDOWS_EPOCH
        strings = self.strings
        date_styles = self.date_styles
        td_styles = self.timedelta_styles
        result: list[tuple[int, list[Any]]] = []
        texts: list[str] = []
        col_cache: dict[str, int] = {}
        date_cache: dict[tuple[str, int], Any] = {}
        # parser state (closure variables: cheaper than a dict in the hot callbacks)
        row_no = 0
        col = 0
        ctype = "n"
        style = 0
        raw: str | None = None
        collecting = False
        cells: dict[int, Any] = {}

        def col_index(ref: str) -> int:
            letters = ref.rstrip("0123456789")
            n = col_cache.get(letters)
            if n is None:
                n = 0
                for ch in letters:
                    n = n * 26 + (ord(ch) - 64)
                col_cache[letters] = n
            return n

        def start(name: str, attrs: dict) -> None:
            nonlocal row_no, col, ctype, style, raw, collecting, cells
            if ":" in name:  # a prefixed SpreadsheetML namespace (x:c)
                name = name.rpartition(":")[2]
            if name == "c":
                ref = attrs.get("r")
                col = col_index(ref) if ref else col + 1
                ctype = attrs.get("t", "n")
                s_ = attrs.get("s")
                style = int(s_) if s_ else 0
                raw = None
                texts.clear()
            elif name == "v":
                collecting = True
                texts.clear()
            elif name == "t":
                if ctype == "inlineStr":
                    collecting = True
            elif name == "row":
                r = attrs.get("r")
                row_no = int(r) if r else row_no + 1
                cells = {}
                col = 0
            elif name == "rPh":  # phonetic guide: not part of the value
                ctype = "rPh"

        def chars(data: str) -> None:
            if collecting:
                texts.append(data)

        def end(name: str) -> None:
            nonlocal raw, collecting, ctype
            if ":" in name:
                name = name.rpartition(":")[2]
            if name == "v":
                collecting = False
                raw = "".join(texts)
            elif name == "t":
                collecting = False
            elif name == "rPh":
                ctype = "inlineStr"
            elif name == "c":
                value: Any = None
                if ctype == "inlineStr":
                    if texts:
                        value = "".join(texts).strip()
                elif raw:
                    if ctype == "n":
                        if style in date_styles:
                            key = (raw, style)
                            value = date_cache.get(key)
                            if value is None:
                                num = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
                                try:
                                    value = xlsx_cell_text(from_excel(num, epoch, timedelta=style in td_styles))
                                except (OverflowError, ValueError):
                                    value = "#VALUE!"
                                date_cache[key] = value
                        elif "." in raw or "E" in raw or "e" in raw:
                            value = xlsx_cell_text(float(raw))
                        else:
                            value = str(int(raw))
                    elif ctype == "s":
                        value = strings[int(raw)].strip()
                    elif ctype == "b":
                        value = "TRUE" if int(raw) else "FALSE"
                    elif ctype == "d":
                        value = xlsx_cell_text(from_ISO8601(raw))
                    else:  # "str" (formula result), "e" (error)
                        value = raw.strip()
                if value is not None and value != "":
                    cells[col] = value
            elif name == "row":
                if cells:
                    width = max(cells)
                    result.append((row_no, [cells.get(i, "") for i in range(1, width + 1)]))

        p = xml.parsers.expat.ParserCreate()
        p.buffer_text = True
        p.StartElementHandler = start
        p.EndElementHandler = end
        p.CharacterDataHandler = chars
        with self.zip.open(path) as f:
            p.ParseFile(f)
        return result


# --------------------------------------------------------------------------------------------
# Header resolution (for CSV/XLSX importers)
# --------------------------------------------------------------------------------------------


def normalise_header(cell: Any) -> str:
    s = str(cell).strip().lstrip("\ufeff").strip()
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
        self, obj: Mapping, key: str, path: str, *, required: bool = True, max_len: int = 500
    ) -> str | None:
        value = obj.get(key, _MISSING)
        p = _join(path, key)
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
        except ValueError:
            self.errors.add(None, p, f"金额无效：{_show(value)}", f"invalid amount: {_show(value)}")
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


# --------------------------------------------------------------------------------------------
# Dispatcher
# --------------------------------------------------------------------------------------------


def parse_source(kind: SourceKind | str, data: bytes, *, filename: str, **options: Any) -> ParsedSource:
    """Parse ``data`` with the importer for ``kind``; ``options`` go to that importer."""
    kind = SourceKind(kind)
    parser: Callable[..., ParsedSource]
    if kind is SourceKind.REGISTRY:
        from .registry import parse_registry as parser
    elif kind is SourceKind.TAX:
        from .tax import parse_tax as parser
    elif kind is SourceKind.BANK_STATEMENT:
        from .bank_statement import parse_bank_statement as parser
    elif kind is SourceKind.FINANCIAL_STATEMENTS:
        from .financials import parse_financials as parser
    elif kind is SourceKind.CREDIT_BUREAU:
        from .credit_bureau import parse_credit_bureau as parser
    else:
        from .judicial import parse_judicial as parser
    return parser(data, filename=filename, **options)
