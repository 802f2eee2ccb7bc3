"""Reading bytes: size checks, text encodings, JSON, CSV and XLSX.

Pure module: standard library only (openpyxl is imported lazily, for XLSX).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .vocabulary import MAX_FILE_BYTES, ErrorCollector, ImportRejected

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
