"""Reading bytes: size checks, text encodings (detected on the whole file), JSON and CSV.

XLSX lives in :mod:`.spreadsheet`. Pure module: standard library only.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from smecredit.kernel.inputs import json_syntax_error

from .vocabulary import DEFAULT_LIMITS, ErrorCollector, ImportLimits

# --------------------------------------------------------------------------------------------
# Reading bytes: encodings, JSON, CSV, XLSX
# --------------------------------------------------------------------------------------------

_UTF8_BOM = codecs.BOM_UTF8


def check_size(data: bytes, errors: ErrorCollector, limits: ImportLimits | None = None) -> bytes:
    """The file's bytes, or a rejection if they are not bytes, empty, or over the size limit."""
    limit = (limits or DEFAULT_LIMITS).max_file_bytes
    if not isinstance(data, (bytes, bytearray, memoryview)):
        errors.fail(None, None, "文件内容必须是字节", "file content must be bytes")
    if len(data) == 0:
        errors.fail(None, None, "文件为空", "the file is empty")
    if len(data) > limit:
        errors.fail(
            None,
            None,
            f"文件过大（{len(data):,} 字节，上限 {limit:,} 字节，即 {limit / 1048576:g} MiB）",
            f"file too large ({len(data):,} bytes; the limit is {limit:,} bytes, {limit / 1048576:g} MiB)",
        )
    return bytes(data)


def decode_text(
    data: bytes, errors: ErrorCollector, *, encoding: str = "auto", limits: ImportLimits | None = None
) -> tuple[str, str]:
    """Decode a text file; returns ``(text, encoding_used)`` or raises ImportRejected.

    ``auto``: UTF-8 with a BOM is UTF-8. Otherwise the whole file is looked at, not its first
    line (bank exports often open with a title line, and a few GBK characters happen to be valid
    UTF-8): a file that decodes as UTF-8 is UTF-8; a file with more valid UTF-8 multi-byte
    characters than invalid bytes is UTF-8 with a corrupt byte, and is rejected with the line of
    the first fault instead of being misread as GBK; anything else is GB18030 (a superset of
    GBK/GB2312, which Chinese banks and tax systems export). Other values are passed to
    :func:`bytes.decode` (``gbk`` is widened to ``gb18030``).
    """
    data = check_size(data, errors, limits)
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
            first_fault = exc.start
        if _looks_like_utf8(data):
            line = data[:first_fault].count(b"\n") + 1
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


def _looks_like_utf8(data: bytes) -> bool:
    """True when the bytes hold more valid UTF-8 multi-byte characters than invalid bytes.

    Counted over the whole file at C speed: decoding with ``replace`` turns each invalid byte
    (or broken sequence) into U+FFFD, and every other non-ASCII character was a valid sequence.
    GBK text decoded this way is mostly U+FFFD (only some byte pairs happen to be valid UTF-8);
    UTF-8 text with a corrupt byte is the other way round.
    """
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")  # real U+FFFD are valid
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    valid_multibyte = non_ascii - invalid
    return valid_multibyte > invalid


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


def load_json(data: bytes, errors: ErrorCollector, *, limits: ImportLimits | None = None) -> Any:
    """Parse JSON bytes (UTF-8, BOM tolerated) with numbers as Decimal/int, never float."""
    data = check_size(data, errors, limits)
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
        why = json_syntax_error("文件", "The file", exc)
        errors.fail(exc.lineno, None, why.zh, why.en)
    except ValueError as exc:  # NaN/Infinity (refused above) or an integer longer than Python parses
        errors.fail(None, None, "JSON 含有不允许的数值（NaN、Infinity 或位数过多的整数）",
                    f"JSON contains a disallowed value: {exc}")
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


def csv_rows_or_reject(
    text: str, errors: ErrorCollector, *, limits: ImportLimits | None = None
) -> list[tuple[int, list[str]]]:
    """Every non-blank record of a CSV text, or a rejection (syntax error, too many rows)."""
    max_rows = (limits or DEFAULT_LIMITS).max_rows
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in iter_csv_rows(text):
            if len(rows) >= max_rows:
                errors.fail(
                    row[0],
                    None,
                    f"行数超过上限 {max_rows:,} 行，请分成几个文件导入",
                    f"more than {max_rows:,} rows; split the file and import the parts",
                )
            rows.append(row)
    except _CsvSyntaxError as exc:
        errors.fail(exc.line, None, f"CSV 格式错误：{exc.msg}", f"CSV syntax error: {exc.msg}")
    return rows
