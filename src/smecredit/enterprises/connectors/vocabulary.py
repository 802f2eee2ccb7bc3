"""The connectors' vocabulary: source kinds, errors, results, limits, hashing.

Pure module: standard library + rfc8785. Every importer turns the bytes of one uploaded file (or
one provider answer) into a :class:`ParsedSource` whose ``content`` is a normalised,
JSON-serialisable dict:

* amounts are strings quantised to 0.01 yuan with ROUND_HALF_UP ("12345.67"), never floats;
* dates are ISO strings ("2024-03-31"); months "YYYY-MM";
* ``content_sha256`` is the SHA-256 of the RFC 8785 canonical JSON of ``content``.

Importers validate *everything* and collect all problems before raising
:class:`ImportRejected`, so a file is either imported whole or not at all.

Layering (no cycles): ``vocabulary`` ← ``fields`` ← ``readers`` / ``spreadsheet`` ← the
importers (``registry``, ``tax`` …) ← ``dispatch`` (``parse_source``) ← ``sandbox``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol, runtime_checkable

import rfc8785

from smecredit.kernel.errors import Invalid
from smecredit.kernel.text import Text

CENT = Decimal("0.01")
RATIO_QUANTUM = Decimal("0.0001")
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
    #: The 统一社会信用代码 of the enterprise the file is about, the same way for every kind, so a
    #: service can refuse a file that belongs to another enterprise. ``None`` only when the file
    #: carries no code (then :attr:`subject_note` says why).
    subject_uscc: str | None = None
    #: Why :attr:`subject_uscc` is ``None`` (e.g. a bank statement without the holder's code).
    subject_note: Text | None = None

    __hash__ = None  # type: ignore[assignment]  # content is a dict

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "content": self.content,
            "content_sha256": self.content_sha256,
            "summary": self.summary.as_dict(),
            "warnings": list(self.warnings),
            "warning_details": [w.as_dict() for w in self.warning_details],
            "subject_uscc": self.subject_uscc,
            "subject_note": self.subject_note.as_dict() if self.subject_note else None,
        }


@dataclass(frozen=True)
class ImportLimits:
    """How much one imported file may hold; the caller passes it (from a setting), importers obey it.

    Every limit is checked *before* the work it protects: the file size before anything is read,
    each XLSX zip member's declared and actual unpacked size and compression ratio while it is
    streamed through a byte budget (before the spreadsheet library sees the workbook), and each
    worksheet's columns, rows and cells (from its cell references) before it is loaded.
    """

    #: Larger files are refused outright (20 MiB).
    max_file_bytes: int = 20 * 1024 * 1024
    #: Rows (CSV records, or the span of used rows on a worksheet) per file / sheet.
    max_rows: int = 200_000
    #: Columns per worksheet; XFD (16,384) is Excel's own last column and the most allowed.
    max_columns: int = 16_384
    #: Cells per worksheet (used rows × used columns): what the spreadsheet reader allocates.
    max_cells: int = 5_000_000
    #: Total unpacked size of all members of an XLSX workbook (100 MB).
    max_unpacked_bytes: int = 100_000_000
    #: Largest unpacked : packed ratio of one XLSX member of 1 MiB or more (100:1).
    max_compression_ratio: int = 100

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_rows", "max_columns", "max_cells", "max_unpacked_bytes", "max_compression_ratio"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"ImportLimits.{name} must be a positive whole number, not {value!r}")
        if self.max_columns > 16_384:
            raise ValueError("ImportLimits.max_columns cannot exceed 16,384 (column XFD)")


#: The limits used when a caller passes none.
DEFAULT_LIMITS = ImportLimits()


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
    *,
    subject_uscc: str | None,
    subject_note: Text | None = None,
) -> ParsedSource:
    """Build a :class:`ParsedSource`, computing the content hash.

    ``subject_uscc`` is required (``None`` allowed, with ``subject_note`` saying why) so that no
    importer forgets to say whose file it is.
    """
    if subject_uscc is None and subject_note is None:
        raise ValueError("a file without a subject USCC needs a subject_note saying why")
    return ParsedSource(
        kind=kind,
        content=content,
        content_sha256=content_sha256(content),
        summary=summary,
        warnings=tuple(f"{_where_zh(w)}{w.reason_zh} / {_where_en(w)}{w.reason_en}" for w in warnings),
        warning_details=tuple(warnings),
        subject_uscc=subject_uscc,
        subject_note=None if subject_uscc is not None else subject_note,
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
