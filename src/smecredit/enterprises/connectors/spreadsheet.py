"""XLSX workbooks: a zip guard in front of python-calamine, and exact decimals from number cells.

Hostile workbooks are common, and a spreadsheet library trusts what the file says: one cell at
column ``ZZZZZZ`` makes a reader build rows hundreds of millions of cells wide, and a 2 MB zip
can unpack to gigabytes. So before python-calamine sees a workbook:

1. the file size is checked, and the zip's central directory is read (no member yet);
2. every member's *declared* unpacked size and unpacked : packed ratio are checked, then the
   member is *streamed* through a decompressor with a byte budget (64 KiB at a time), so its
   *actual* size is known without ever holding it: more than declared, more than the budget
   left, a stream that does not end where it says, or a wrong CRC, and the file is refused;
3. while a worksheet streams past, its cell references are read (``<c r="AB12">``), so its used
   columns, rows and cells (what the reader will allocate) are known and checked against the
   :class:`~.vocabulary.ImportLimits` before the sheet is loaded.

Only then does python-calamine read the sheets asked for. Number cells come back as doubles;
:func:`number_text` turns each into the decimal Excel shows at full precision (shortest
round-trip text, cut to Excel's 15 significant digits), a :class:`~.fields.CellNumber`, so money
is never computed from a double. Dates come back as dates (1900 and 1904 systems).

Pure: standard library + python-calamine (a compiled reader, no I/O beyond the bytes given).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.etree.ElementTree import ParseError, fromstring

from .fields import EXCEL_DIGITS, CellNumber
from .readers import check_size
from .vocabulary import DEFAULT_LIMITS, ErrorCollector, ImportLimits

__all__ = ["number_text", "read_xlsx_rows", "workbook_problem"]

#: Excel's grid: 16,384 columns (A … XFD) and 1,048,576 rows.
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_ROWS = 1_048_576
#: The ratio limit applies to members that unpack to at least this much (tiny parts compress well).
RATIO_FLOOR_BYTES = 1 << 20
#: More members than this is not a workbook anyone exported.
MAX_MEMBERS = 10_000
#: The parts read here as XML (workbook and its relationships) must be small.
MAX_INDEX_PART_BYTES = 4 << 20
_CHUNK = 64 * 1024

_SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


# -- number cells -------------------------------------------------------------------------------


def number_text(value: float) -> CellNumber:
    """The decimal text of a number cell, exactly what Excel shows at full precision.

    ``repr`` gives the shortest text that reads back as the same double, so ``1234.56`` typed in
    Excel is ``"1234.56"`` (not 1234.559999…). Excel keeps 15 significant digits, and any decimal
    of up to 15 significant digits survives the trip through a double unchanged, so every amount
    typed with fen below 10^13 comes back exactly. A longer text is float noise from a formula
    (``0.1 + 0.2`` is 0.30000000000000004): it is cut to 15 significant digits, half up, as
    Excel displays it. No arithmetic is ever done on the double. From 10^13 up Excel itself
    cannot hold every fen; :func:`~.fields.parse_amount` refuses such cells as amounts.
    """
    if value != value or value in (float("inf"), float("-inf")):
        return CellNumber("NaN")
    text = repr(value)
    # fast path (nearly every cell): plain notation with at most 15 digits is already exact
    if "e" not in text and len(text) - ("." in text) - (text[0] == "-") <= EXCEL_DIGITS:
        if text.endswith(".0"):
            text = text[:-2]
        return CellNumber("0" if text == "-0" else text)
    d = Decimal(text)
    digits = len(d.as_tuple().digits)
    if digits > EXCEL_DIGITS:
        # Round the double's exact value once, as Excel does; rounding repr's 16- or 17-digit text again
        # would round twice (…958.8046875 → "…958.805" → …958.81 instead of …958.80).
        d = Decimal(value)
        d = d.quantize(Decimal(1).scaleb(d.adjusted() - EXCEL_DIGITS + 1), rounding=ROUND_HALF_UP)
    if not d:
        return CellNumber("0")
    return CellNumber(f"{d.normalize():f}")  # "7", not "7.0"; "0.0000001", not "1e-07"


def cell_value(value: Any) -> Any:
    """A calamine cell as the importers read it: text stripped, numbers as :class:`CellNumber`,
    dates as ``date`` (a datetime at midnight too), other datetimes kept, booleans TRUE/FALSE."""
    if type(value) is str:
        return value.strip()
    if type(value) is float:
        return number_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return CellNumber(str(value))
    if isinstance(value, datetime):
        return value.date() if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0) else value
    if isinstance(value, date):
        return value
    if isinstance(value, (time, timedelta)):
        return str(value)
    return "" if value is None else str(value).strip()


# -- the zip guard ------------------------------------------------------------------------------


@dataclass
class _SheetBounds:
    """Used area of one worksheet, from its cell references."""

    min_row: int = 0
    max_row: int = 0
    min_col: int = 0
    max_col: int = 0
    beyond: str | None = None  # the first reference outside Excel's grid, as written

    @property
    def rows(self) -> int:
        """Rows from the first row of the sheet to the last used one (what the reader yields)."""
        return self.max_row

    @property
    def columns(self) -> int:
        return self.max_col - self.min_col + 1 if self.max_col else 0


#: A ``<row>`` or ``<c>`` start tag; attribute values are skipped as quoted strings (they may hold ``>``).
_TAG = re.compile(rb"""<(?:[A-Za-z_][\w.\-]*:)?(row|c)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_ATTR = re.compile(rb"""([A-Za-z_][\w:.\-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF_VALUE = re.compile(rb"\s*([A-Za-z]*)(\d*)\s*")
#: Fast path: a cell whose first attribute is its reference, a row whose first is its number,
#: and every ``r=`` anywhere.
_CELL_REF_FIRST = re.compile(rb"""<c\s+r=["']([A-Za-z]+)(\d+)["']""")
_ROW_REF_FIRST = re.compile(rb"""<row\s+r=["']\d+["']""")
_ANY_R_ATTR = re.compile(rb"\sr\s*=")


def _column(letters: bytes) -> int:
    """Column number of ``AB`` (1-based); anything longer than XFD's three letters is past it."""
    if len(letters) > 3:
        return EXCEL_MAX_COLUMNS + 1
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


class _CellScanner:
    """Reads cell and row references from a worksheet's XML as it streams past.

    Cells without a reference take the next column, rows without one the next row, as a reader
    would place them. Only the bounds are kept. A chunk is cut before its last ``<`` (that tag is
    read with the next chunk), so no tag is ever seen in two halves.
    """

    def __init__(self) -> None:
        self.bounds = _SheetBounds()
        self.fast = True
        self.row = 0
        self.col = 0
        self.tail = b""

    def feed(self, chunk: bytes) -> None:
        buf = self.tail + chunk if self.tail else chunk
        cut = buf.rfind(b"<")
        if cut == -1:
            self.tail = b""
            return
        self.tail = buf[cut:]
        if len(self.tail) > _CHUNK * 16:
            raise _Refused("xml", "", "")
        self._scan(buf[:cut])

    def close(self) -> None:
        self._scan(self.tail)
        self.tail = b""

    def _scan(self, buf: bytes) -> None:
        if self.fast and self._fast_scan(buf):
            return
        self.fast = False
        self._exact_scan(buf)

    def _fast_scan(self, buf: bytes) -> bool:
        """Bounds at C speed when every cell and row carries its reference as its first
        attribute and there is no other ``r=`` anywhere (no prefixes, duplicates or look-alikes
        inside values); otherwise False, and the chunk is read tag by tag."""
        if b":c" in buf or b":row" in buf:
            return False
        refs = _CELL_REF_FIRST.findall(buf)
        cells = buf.count(b"<c ") + buf.count(b"<c>") + buf.count(b"<c/") + buf.count(b"<c\t") + buf.count(b"<c\n") + buf.count(b"<c\r")
        if len(refs) != cells:
            return False
        row_refs = len(_ROW_REF_FIRST.findall(buf))
        if len(_ANY_R_ATTR.findall(buf)) != len(refs) + row_refs:
            return False
        if row_refs != buf.count(b"<row ") + buf.count(b"<row>") + buf.count(b"<row/") + buf.count(b"<row\t") + buf.count(b"<row\n") + buf.count(b"<row\r"):
            return False
        if not refs:
            return True
        letters, digits = zip(*refs)
        cols = [_column(x) for x in set(letters)]
        rows = [int(d) if len(d) <= 8 else EXCEL_MAX_ROWS + 1 for d in digits] if max(map(len, digits)) > 8 else list(map(int, digits))
        b = self.bounds
        lo_col, hi_col, lo_row, hi_row = min(cols), max(cols), min(rows), max(rows)
        self._note(lo_col, lo_row)
        self._note(hi_col, hi_row)
        if b.beyond is None and (hi_col > EXCEL_MAX_COLUMNS or hi_row > EXCEL_MAX_ROWS):
            first = next(r for r in refs if _column(r[0]) > EXCEL_MAX_COLUMNS or len(r[1]) > 7 or int(r[1]) > EXCEL_MAX_ROWS)
            b.beyond = (first[0] + first[1]).decode("ascii", "replace")
        self.col, self.row = _column(refs[-1][0]), rows[-1]
        return True

    def _note(self, col: int, row: int) -> None:
        b = self.bounds
        if not b.max_row:
            b.min_row = b.max_row = row
            b.min_col = b.max_col = col
            return
        b.min_row = min(b.min_row, row)
        b.max_row = max(b.max_row, row)
        b.min_col = min(b.min_col, col)
        b.max_col = max(b.max_col, col)

    def _exact_scan(self, buf: bytes) -> None:
        b = self.bounds
        for m in _TAG.finditer(buf):
            ref = None
            for a in _ATTR.finditer(m.group(2)):
                if a.group(1).rpartition(b":")[2] == b"r" and b":" not in a.group(1):
                    if ref is not None:
                        raise _Refused("broken", "工作表中有单元格的引用重复", "a cell or row in a worksheet has two references")
                    value = a.group(2) if a.group(2) is not None else a.group(3)
                    ref = _REF_VALUE.fullmatch(value)
                    if ref is None:
                        raise _Refused("broken", f"工作表中的单元格引用无效：{value[:20].decode('ascii', 'replace')}",
                                       f"invalid cell reference in a worksheet: {value[:20].decode('ascii', 'replace')}")
            letters = ref.group(1) if ref is not None else b""
            digits = ref.group(2) if ref is not None else b""
            if m.group(1) == b"row":
                self.col = 0
                self.row = (int(digits) if len(digits) <= 8 else EXCEL_MAX_ROWS + 1) if digits else self.row + 1
                continue
            col = _column(letters) if letters else self.col + 1
            row = (int(digits) if len(digits) <= 8 else EXCEL_MAX_ROWS + 1) if digits else max(self.row, 1)
            self.col, self.row = col, row
            if (col > EXCEL_MAX_COLUMNS or row > EXCEL_MAX_ROWS) and b.beyond is None:
                b.beyond = (letters + digits).decode("ascii", "replace") if letters and digits else f"R{row}C{col}"
            self._note(col, row)


class _Refused(Exception):
    def __init__(self, what: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.what, self.zh, self.en = what, zh, en


def _member_data(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    """The packed bytes of one member, located through its local header."""
    off = info.header_offset
    if off < 0 or off + 30 > len(data) or data[off : off + 4] != b"PK\x03\x04":
        raise _Refused("broken", "压缩包结构损坏", "the zip structure is damaged")
    name_len, extra_len = struct.unpack_from("<HH", data, off + 26)
    start = off + 30 + name_len + extra_len
    end = start + info.compress_size
    if end > len(data):
        raise _Refused("broken", "压缩包结构损坏（数据被截断）", "the zip structure is damaged (data cut short)")
    return memoryview(data)[start:end]


def _stream_member(
    data: bytes, info: zipfile.ZipInfo, budget: int, scanner: _CellScanner | None, keep: bool
) -> tuple[int, bytes | None]:
    """Unpack one member through a byte budget; returns (actual size, bytes if ``keep``)."""
    packed = _member_data(data, info)
    declared = info.file_size
    kept: list[bytes] | None = [] if keep else None
    size = 0
    crc = 0

    def take(chunk: bytes) -> None:
        nonlocal size, crc
        size += len(chunk)
        if size > declared:
            raise _Refused(
                "lied",
                f"压缩包成员 {info.filename} 解压后比声明的 {declared:,} 字节更大",
                f"zip member {info.filename} unpacks to more than the {declared:,} bytes it declares",
            )
        if size > budget:
            raise _Refused("budget", "", "")
        crc = zlib.crc32(chunk, crc)
        if scanner is not None:
            scanner.feed(chunk)
        if kept is not None:
            kept.append(chunk)

    if info.compress_type == zipfile.ZIP_STORED:
        for pos in range(0, len(packed), _CHUNK):
            take(bytes(packed[pos : pos + _CHUNK]))
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        d = zlib.decompressobj(-15)
        pos = 0
        pending = b""
        while not d.eof:
            if not pending:
                if pos >= len(packed):
                    break
                pending = bytes(packed[pos : pos + _CHUNK])
                pos += len(pending)
            try:
                chunk = d.decompress(pending, _CHUNK)
            except zlib.error as exc:
                raise _Refused("broken", f"压缩数据损坏：{info.filename}", f"corrupt compressed data: {info.filename} ({exc})") from None
            pending = d.unconsumed_tail
            if chunk:
                take(chunk)
        if not d.eof:
            raise _Refused("broken", f"压缩数据不完整：{info.filename}", f"compressed data is cut short: {info.filename}")
    else:
        raise _Refused(
            "method",
            f"压缩包成员 {info.filename} 使用了不支持的压缩方式（{info.compress_type}）",
            f"zip member {info.filename} uses an unsupported compression method ({info.compress_type})",
        )
    if scanner is not None:
        scanner.close()
    if size != declared:
        raise _Refused(
            "lied",
            f"压缩包成员 {info.filename} 解压后为 {size:,} 字节，与声明的 {declared:,} 字节不符",
            f"zip member {info.filename} unpacks to {size:,} bytes, not the {declared:,} it declares",
        )
    if crc != info.CRC:
        raise _Refused("broken", f"压缩包成员 {info.filename} 校验失败（CRC）", f"zip member {info.filename} fails its CRC check")
    return size, (b"".join(kept) if kept is not None else None)


def _sheet_paths(parts: dict[str, bytes]) -> list[tuple[str, str]]:
    """``(sheet name, member path)`` in workbook order, from workbook.xml and its relationships."""
    import posixpath

    for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        body = parts.get(name)
        if body is None:
            raise _Refused("broken", f"不是有效的 XLSX 文件：缺少 {name}", f"not a valid XLSX file: {name} is missing")
        if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
            raise _Refused("broken", "XLSX 文件含有不允许的 XML 声明（DOCTYPE/ENTITY）", "the XLSX file holds a disallowed XML declaration (DOCTYPE/ENTITY)")
    try:
        wb = fromstring(parts["xl/workbook.xml"])
        rels = fromstring(parts["xl/_rels/workbook.xml.rels"])
    except ParseError as exc:
        raise _Refused("broken", f"不是有效的 XLSX 文件：{exc}", f"not a valid XLSX file: {exc}") from None
    targets = {r.get("Id"): r.get("Target") or "" for r in rels.iter(f"{{{_PKG_REL}}}Relationship")}
    out: list[tuple[str, str]] = []
    for sh in wb.iter(f"{{{_SML}}}sheet"):
        target = targets.get(sh.get(f"{{{_REL}}}id"), "")
        if target.startswith("/"):
            path = target.lstrip("/")
        else:
            path = posixpath.normpath(posixpath.join("xl", target))
        out.append((sh.get("name") or "", path))
    return out


def _guard(
    data: bytes, limits: ImportLimits, extra: tuple[str, ...] = (), *, cells: bool = True
) -> tuple[list[tuple[str, str]], dict[str, _SheetBounds], dict[str, bytes]]:
    """Check the whole zip (see the module docstring); returns the sheets, their bounds (when
    ``cells``: reading every cell reference is most of the guard's time) and the index parts kept
    (workbook, its relationships and the ``extra`` members named)."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _Refused(
            "ole",
            "这是加密的工作簿或旧版 .xls 文件：请在 Excel 中取消密码并另存为 .xlsx 后再导入",
            "this is an encrypted workbook or an old .xls file: remove the password in Excel and save it "
            "as .xlsx, then import it",
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _Refused("broken", f"不是有效的 XLSX 文件：{exc}", f"not a valid XLSX file: {exc}") from None
    if len(infos) > MAX_MEMBERS:
        raise _Refused("broken", f"压缩包成员过多（{len(infos):,} 个）", f"too many zip members ({len(infos):,})")
    budget = limits.max_unpacked_bytes
    declared_total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise _Refused("ole", "工作簿已加密：请取消密码后再导入", "the workbook is encrypted: remove the password, then import it")
        declared_total += info.file_size
        if info.file_size >= RATIO_FLOOR_BYTES and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise _Refused(
                "ratio",
                f"压缩包成员 {info.filename} 的压缩比为 {ratio:,.0f}:1，超过上限 {limits.max_compression_ratio}:1（疑似压缩炸弹）",
                f"zip member {info.filename} has a compression ratio of {ratio:,.0f}:1, above the "
                f"{limits.max_compression_ratio}:1 limit (a likely zip bomb)",
            )
    if declared_total > budget:
        raise _Refused(
            "budget",
            f"工作簿解压后为 {declared_total:,} 字节，超过上限 {budget:,} 字节",
            f"the workbook unpacks to {declared_total:,} bytes, above the {budget:,}-byte limit",
        )
    parts: dict[str, bytes] = {}
    scanners: dict[str, _CellScanner] = {}
    used = 0
    for info in infos:
        name = info.filename
        keep = name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels") or name in extra
        if keep and info.file_size > MAX_INDEX_PART_BYTES:
            raise _Refused("broken", f"{name} 过大", f"{name} is too large")
        scanner = _CellScanner() if cells and name.lower().endswith(".xml") and not keep else None
        try:
            size, body = _stream_member(data, info, budget - used, scanner, keep)
        except _Refused as exc:
            if exc.what == "budget":
                raise _Refused(
                    "budget",
                    f"工作簿解压后超过上限 {budget:,} 字节",
                    f"the workbook unpacks to more than the {budget:,}-byte limit",
                ) from None
            if exc.what == "xml":
                raise _Refused("broken", f"{name} 中的 XML 标签过长", f"an XML tag in {name} is too long") from None
            raise
        used += size
        if body is not None:
            parts[name] = body
        if scanner is not None:
            scanners[name] = scanner
    sheets = _sheet_paths(parts)
    return sheets, {path: s.bounds for path, s in scanners.items()}, parts


def _check_bounds(sheet: str, b: _SheetBounds, limits: ImportLimits) -> None:
    if b.beyond is not None or b.max_col > limits.max_columns:
        where = b.beyond or f"column {b.max_col:,}"
        raise _Refused(
            "columns",
            f"工作表“{sheet}”有单元格（{where}）超出允许的列范围（最多 {limits.max_columns:,} 列，即 A–XFD）",
            f"sheet '{sheet}' has a cell ({where}) beyond the columns allowed (at most {limits.max_columns:,}, A–XFD)",
        )
    if b.rows > limits.max_rows:
        raise _Refused(
            "rows",
            f"工作表“{sheet}”用到第 {b.max_row:,} 行，超过上限 {limits.max_rows:,} 行",
            f"sheet '{sheet}' uses rows up to {b.max_row:,}, above the {limits.max_rows:,}-row limit",
        )
    cells = b.rows * b.columns
    if cells > limits.max_cells:
        raise _Refused(
            "cells",
            f"工作表“{sheet}”的使用区域有 {cells:,} 个单元格（{b.rows:,} 行 × {b.columns:,} 列），超过上限 {limits.max_cells:,}",
            f"sheet '{sheet}' spans {cells:,} cells ({b.rows:,} rows × {b.columns:,} columns), above the {limits.max_cells:,}-cell limit",
        )


# -- reading ------------------------------------------------------------------------------------


def read_xlsx_rows(
    data: bytes,
    errors: ErrorCollector,
    *,
    limits: ImportLimits | None = None,
    sheet: str | None = None,
    all_sheets: bool = False,
) -> list[tuple[str, int, list[Any]]]:
    """``(sheet_name, excel_row_number, cells)`` of the first sheet, the named ``sheet`` or all.

    Cells start at column A (``""`` where empty, trailing empties dropped); blank rows are
    skipped; row numbers are Excel's. Raises :class:`~.vocabulary.ImportRejected` for anything
    hostile or broken (see the module docstring), before the workbook is loaded.
    """
    limits = limits or DEFAULT_LIMITS
    data = check_size(data, errors, limits)
    try:
        sheets, bounds, _parts = _guard(data, limits)
        if not sheets:
            raise _Refused("broken", "工作簿中没有工作表", "the workbook has no sheets")
        if sheet is not None:
            chosen = [s for s in sheets if s[0] == sheet]
            if not chosen:
                errors.fail(None, "sheet", f"工作簿中没有工作表“{sheet}”", f"workbook has no sheet named '{sheet}'")
        elif all_sheets:
            chosen = sheets
        else:
            chosen = sheets[:1]
        for name, path in chosen:
            b = bounds.get(path)
            if b is None:
                raise _Refused("broken", f"不是有效的 XLSX 文件：缺少工作表 {path}", f"not a valid XLSX file: sheet part {path} is missing")
            _check_bounds(name, b, limits)
    except _Refused as exc:
        errors.fail(None, None, exc.zh, exc.en)
    return _calamine_rows(data, errors, [name for name, _p in chosen])


def workbook_problem(data: bytes, limits: ImportLimits | None = None, *, cells: bool = True) -> tuple[str, str] | None:
    """Why ``data`` is not an XLSX workbook the guard lets through, as ``(zh, en)``; None when it is.

    The same checks :func:`read_xlsx_rows` makes before loading anything (size, the zip guard with
    its byte budget, and with ``cells`` every sheet's bounds), plus what makes a zip an XLSX
    workbook: a ``[Content_Types].xml`` declaring a workbook's main part (a macro-enabled or
    template workbook declares another type). The workbook is not loaded. A caller that keeps the
    file without reading its cells may pass ``cells=False``: every member is still unpacked through
    the byte budget and its CRC checked; whoever reads the sheets later checks their bounds then.
    """
    limits = limits or DEFAULT_LIMITS
    if len(data) > limits.max_file_bytes:
        return (f"文件过大（{len(data):,} 字节）", f"file too large ({len(data):,} bytes)")
    try:
        sheets, bounds, parts = _guard(data, limits, extra=("[Content_Types].xml",), cells=cells)
        types = parts.get("[Content_Types].xml")
        if types is None:
            raise _Refused("broken", "不是有效的 XLSX 文件：缺少 [Content_Types].xml",
                           "not a valid XLSX file: [Content_Types].xml is missing")
        if b"spreadsheetml.sheet.main+xml" not in types:
            raise _Refused("broken", "不是 XLSX 工作簿（可能是含宏的工作簿、模板或其他 Office 文件）",
                           "not an XLSX workbook (perhaps a macro-enabled workbook, a template or another Office file)")
        if not sheets:
            raise _Refused("broken", "工作簿中没有工作表", "the workbook has no sheets")
        for name, path in sheets:
            if cells:
                b = bounds.get(path)
                if b is None:
                    raise _Refused("broken", f"不是有效的 XLSX 文件：缺少工作表 {path}", f"not a valid XLSX file: sheet part {path} is missing")
                _check_bounds(name, b, limits)
    except _Refused as exc:
        return (exc.zh, exc.en)
    return None


def _calamine_rows(data: bytes, errors: ErrorCollector, names: Sequence[str]) -> list[tuple[str, int, list[Any]]]:
    import python_calamine

    out: list[tuple[str, int, list[Any]]] = []
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in names:
            sh = wb.get_sheet_by_name(name)
            end = sh.end
            if end is None:  # an empty sheet
                continue
            # calamine yields rows from the first row of the sheet (or of the used area: the row
            # offset is worked out from the last row either way) and columns from the first used
            # column; Excel's own positions are kept
            raw_rows = sh.iter_rows()
            rows = list(raw_rows)
            first_row = end[0] - len(rows) + 1
            for i, raw in enumerate(rows):
                cells = [cell_value(v) for v in raw]
                while cells and cells[-1] == "":
                    cells.pop()
                if not cells:
                    continue
                offset = end[1] + 1 - len(raw)
                out.append((name, first_row + i + 1, [""] * offset + cells if offset > 0 else cells))
    except python_calamine.PasswordError:
        errors.fail(None, None, "工作簿已加密：请取消密码后再导入", "the workbook is encrypted: remove the password, then import it")
    except (python_calamine.CalamineError, ValueError, OSError) as exc:
        errors.fail(None, None, f"不是有效的 XLSX 文件：{exc}", f"not a valid XLSX file: {exc}")
    return out
