"""XLSX through the zip guard and python-calamine: cell values, exact decimals, hostile workbooks."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
import zlib
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smecredit.enterprises.connectors import ImportRejected
from smecredit.enterprises.connectors.bank_statement import parse_bank_statement
from smecredit.enterprises.connectors.fields import CellNumber, parse_amount
from smecredit.enterprises.connectors.financials import parse_financials
from smecredit.enterprises.connectors.spreadsheet import number_text, read_xlsx_rows
from smecredit.enterprises.connectors.vocabulary import ErrorCollector, ImportLimits, SourceKind

MiB = 1024 * 1024


def _collector() -> ErrorCollector:
    return ErrorCollector(SourceKind.BANK_STATEMENT, "w.xlsx")


def _rejection(data: bytes, **kwargs) -> ImportRejected:
    with pytest.raises(ImportRejected) as exc:
        read_xlsx_rows(data, _collector(), **kwargs)
    return exc.value


# -- a workbook written by openpyxl --------------------------------------------------------------


def _workbook_bytes(*, date1904: bool = False) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    if date1904:
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "明细"
    ws.append(["标题 & <说明>", None, "  带空格  "])
    ws.append([date(2024, 1, 5), datetime(2024, 1, 5, 10, 30), 1234.56, 7, True, "=SUM(C2:D2)", None, "x"])
    ws.append([])
    ws.append([0.1 + 0.2, 1e-7, 12345678901234, "2024-01-05", False])
    c = ws.cell(5, 2, 45296)
    c.number_format = "yyyy年m月d日"
    ws.cell(6, 4, "只有第四列")
    other = wb.create_sheet("第二页")
    other.append(["a", 1])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("date1904", [False, True])
def test_cells_rows_and_sheets(date1904):
    data = _workbook_bytes(date1904=date1904)
    rows = read_xlsx_rows(data, _collector())
    assert rows[0] == ("明细", 1, ["标题 & <说明>", "", "带空格"])
    assert rows[1][2][:5] == [date(2024, 1, 5), datetime(2024, 1, 5, 10, 30), "1234.56", "7", "TRUE"]
    assert rows[1][2][5:] == ["", "", "x"]  # a formula without a cached value is empty
    assert rows[2][1] == 4  # the blank row 3 is skipped, row numbers are Excel's
    assert rows[2][2] == ["0.3", "0.0000001", "12345678901234", "2024-01-05", "FALSE"]
    assert all(type(v) is CellNumber for v in rows[2][2][:3])
    # a number with a date format is a date (serial 45296 in the 1900 or the 1904 system)
    assert rows[3][2][1] == (date(2028, 1, 6) if date1904 else date(2024, 1, 5))
    assert rows[4] == ("明细", 6, ["", "", "", "只有第四列"])
    assert read_xlsx_rows(data, _collector(), sheet="第二页") == [("第二页", 1, ["a", "1"])]
    every = read_xlsx_rows(data, _collector(), all_sheets=True)
    assert [r[0] for r in every] == ["明细"] * 5 + ["第二页"]


def test_a_used_area_that_does_not_start_at_a1_keeps_excel_positions():
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.cell(3, 2, "B3")
    wb.active.cell(4, 4, 5)
    buf = io.BytesIO()
    wb.save(buf)
    assert read_xlsx_rows(buf.getvalue(), _collector()) == [("Sheet", 3, ["", "B3"]), ("Sheet", 4, ["", "", "", "5"])]


def test_missing_sheet_and_broken_files():
    data = _workbook_bytes()
    assert _rejection(data, sheet="没有").errors[0].reason_en == "workbook has no sheet named '没有'"
    assert _rejection(data[:200]).errors[0].reason_en.startswith("not a valid XLSX file")
    assert _rejection(b"PK\x03\x04garbage").errors[0].reason_en.startswith("not a valid XLSX file")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    assert "encrypted workbook or an old .xls file" in _rejection(ole).errors[0].reason_en


# -- number cells to exact decimals ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234.56, "1234.56"),
        (1234.5599999999999, "1234.56"),  # what Excel writes for 1234.56 computed by a formula
        (0.1 + 0.2, "0.3"),  # float noise past 15 digits is cut as Excel displays it
        (7.0, "7"),
        (-0.0, "0"),
        (1e-7, "0.0000001"),
        (1.005, "1.005"),  # the typed decimal, not 1.00499999999999989…
        (12345678901234.0, "12345678901234"),
        (99999999999.99, "99999999999.99"),
        (-1234.5, "-1234.5"),
        (1e20, "100000000000000000000"),
    ],
)
def test_number_text(value, text):
    assert number_text(value) == text


@settings(max_examples=500, deadline=None)
@given(st.decimals(min_value=Decimal("-9999999999999.99"), max_value=Decimal("9999999999999.99"), places=2, allow_nan=False))
def test_a_number_cell_never_changes_an_amount_with_at_most_two_decimals(amount):
    """Below 10^13 every amount typed with fen comes back from Excel's double exactly."""
    cell = number_text(float(amount))
    assert Decimal(cell) == amount
    assert parse_amount(cell) == amount.quantize(Decimal("0.01"))


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=Decimal("-999999999999"), max_value=Decimal("999999999999"), places=3, allow_nan=False))
def test_a_number_cell_with_more_decimals_rounds_like_the_same_text_in_a_csv(amount):
    """Excel keeps 15 significant digits, so a number cell with three decimals is exact up to 10^12
    (2534811556925.255 has 16 digits: Excel itself cannot hold it, and the cell says .25)."""
    assert parse_amount(number_text(float(amount))) == parse_amount(str(amount))


def test_number_cells_beyond_excel_precision_are_refused_as_amounts():
    with pytest.raises(ValueError) as exc:
        parse_amount(number_text(12345678901234.56))
    assert "15 significant digits" in exc.value.reason.en
    # as text the same amount is fine
    assert parse_amount("12345678901234.56") == Decimal("12345678901234.56")
    assert parse_amount(number_text(9999999999999.99)) == Decimal("9999999999999.99")


def test_bank_statement_number_cells_beyond_excel_precision_name_the_reason():
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["交易日期", "交易金额", "借贷标志", "余额", "对方户名", "摘要"])
    ws.append(["2024-01-05", 12345678901234.56, "贷", "1.00", "甲", "货款"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ImportRejected) as exc:
        parse_bank_statement(buf.getvalue(), filename="b.xlsx")
    (err,) = exc.value.errors
    assert err.line == 2 and "15 significant digits" in err.reason_en and "15 位有效数字" in err.reason_zh


# -- hostile workbooks ----------------------------------------------------------------------------

_CT = b"""<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
_RELS = b"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WB = """<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="流水" sheetId="1" r:id="rId1"/></sheets></workbook>""".encode()
_WB_RELS = b"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""


def _sheet(cells: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f"{cells}</sheetData></worksheet>"
    ).encode()


def _xlsx(sheet_xml: bytes, *, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, body in (extra or {}).items():
            z.writestr(name, body)
    return buf.getvalue()


def _peak(fn) -> int:
    """Peak Python memory (bytes) while ``fn`` runs."""
    tracemalloc.start()
    try:
        fn()
    finally:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def test_the_minimal_workbook_reads():
    data = _xlsx(_sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>交易日期</t></is></c><c r="B1"><v>12.5</v></c></row>'))
    assert read_xlsx_rows(data, _collector()) == [("流水", 1, ["交易日期", "12.5"])]


def test_one_cell_at_column_zzzzzz_is_refused_before_anything_is_allocated():
    data = _xlsx(_sheet('<row r="1"><c r="A1"><v>1</v></c><c r="ZZZZZZ1"><v>1</v></c></row>'))
    assert len(data) < 5000
    box: dict = {}

    def run():
        with pytest.raises(ImportRejected) as exc:
            read_xlsx_rows(data, _collector())
        box["exc"] = exc.value

    assert _peak(run) < 2 * MiB
    (err,) = box["exc"].errors
    assert err.reason_en == "sheet '流水' has a cell (ZZZZZZ1) beyond the columns allowed (at most 16,384, A–XFD)"
    assert err.reason_zh.startswith("工作表“流水”有单元格（ZZZZZZ1）超出允许的列范围")


def test_cells_without_references_are_placed_and_counted_too():
    many = "<c><v>1</v></c>" * 16_385  # no r attributes: column 16,385 is past XFD
    exc = _rejection(_xlsx(_sheet(f"<row>{many}</row>")))
    assert "beyond the columns allowed" in exc.errors[0].reason_en


def test_column_xfd_is_allowed_but_the_area_it_spans_counts():
    data = _xlsx(_sheet('<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>2</v></c></row>'))
    rows = read_xlsx_rows(data, _collector())
    assert rows[0][2][0] == "1" and rows[0][2][16_383] == "2" and len(rows[0][2]) == 16_384
    far = _xlsx(_sheet('<row r="1"><c r="A1"><v>1</v></c></row><row r="1000"><c r="XFD1000"><v>2</v></c></row>'))
    exc = _rejection(far)
    assert exc.errors[0].reason_en == (
        "sheet '流水' spans 16,384,000 cells (1,000 rows × 16,384 columns), above the 5,000,000-cell limit"
    )
    assert "超过上限 5,000,000" in exc.errors[0].reason_zh


def test_rows_are_capped_by_the_callers_limits():
    data = _xlsx(_sheet('<row r="1"><c r="A1"><v>1</v></c></row><row r="300001"><c r="A300001"><v>2</v></c></row>'))
    exc = _rejection(data)
    assert exc.errors[0].reason_en == "sheet '流水' uses rows up to 300,001, above the 200,000-row limit"
    small = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 12))
    assert len(read_xlsx_rows(_xlsx(_sheet(small)), _collector())) == 11
    exc = _rejection(_xlsx(_sheet(small)), limits=ImportLimits(max_rows=10))
    assert "above the 10-row limit" in exc.errors[0].reason_en


def _bomb(size: int) -> bytes:
    """A workbook whose worksheet is ``size`` bytes of XML (mostly blanks), packed about 1000:1."""
    head = _sheet("")[: -len(b"</sheetData></worksheet>")]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(head)
            blank = b" " * MiB
            left = size - len(head) - len(b"</sheetData></worksheet>")
            while left > 0:
                f.write(blank[: min(left, MiB)])
                left -= MiB
            f.write(b"</sheetData></worksheet>")
    return buf.getvalue()


def test_a_zip_bomb_is_refused_on_its_declared_ratio_without_unpacking():
    data = _bomb(256 * MiB)
    assert len(data) < 2 * MiB
    box: dict = {}

    def run():
        with pytest.raises(ImportRejected) as exc:
            read_xlsx_rows(data, _collector())
        box["exc"] = exc.value

    assert _peak(run) < 4 * MiB  # the bomb is 256 MiB unpacked; nothing near that is ever held
    reason = box["exc"].errors[0].reason_en
    assert reason.startswith("zip member xl/worksheets/sheet1.xml has a compression ratio of")
    assert reason.endswith("above the 100:1 limit (a likely zip bomb)")


def _patch_sizes(data: bytes, member: str, *, declared: int) -> bytes:
    """Rewrite ``member``'s uncompressed size (local header and central directory) to ``declared``."""
    buf = bytearray(data)
    name = member.encode()
    pos = 0
    while True:
        local = buf.find(b"PK\x03\x04", pos)
        n = struct.unpack_from("<H", buf, local + 26)[0]
        if bytes(buf[local + 30 : local + 30 + n]) == name:
            struct.pack_into("<I", buf, local + 22, declared)
            break
        pos = local + 4
    central = buf.find(b"PK\x01\x02", 0)
    while central != -1:
        n = struct.unpack_from("<H", buf, central + 28)[0]
        if bytes(buf[central + 46 : central + 46 + n]) == name:
            struct.pack_into("<I", buf, central + 24, declared)
            break
        central = buf.find(b"PK\x01\x02", central + 4)
    return bytes(buf)


def test_a_member_that_unpacks_to_more_than_it_declares_is_stopped_at_the_declared_size():
    honest = _bomb(64 * MiB)
    lying = _patch_sizes(honest, "xl/worksheets/sheet1.xml", declared=64 * 1024)
    box: dict = {}

    def run():
        with pytest.raises(ImportRejected) as exc:
            read_xlsx_rows(lying, _collector())
        box["exc"] = exc.value

    assert _peak(run) < 4 * MiB
    assert box["exc"].errors[0].reason_en.startswith("zip member xl/worksheets/sheet1.xml unpacks to more than the")


def test_the_total_unpacked_size_is_budgeted():
    noise = zlib.compress(bytes(range(256)) * 4096)  # incompressible-ish filler, 1:1
    data = _xlsx(_sheet('<row r="1"><c r="A1"><v>1</v></c></row>'), extra={"xl/media/image1.bin": noise * 8})
    assert read_xlsx_rows(data, _collector())
    exc = _rejection(data, limits=ImportLimits(max_unpacked_bytes=20_000))
    assert exc.errors[0].reason_en.startswith("the workbook unpacks to")
    assert "above the 20,000-byte limit" in exc.errors[0].reason_en


def test_doctype_in_the_workbook_part_is_refused():
    bad = _xlsx(_sheet(""))
    z = zipfile.ZipFile(io.BytesIO(bad))
    parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"<workbook", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><workbook', 1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for n, body in parts.items():
            out.writestr(n, body)
    assert "DOCTYPE/ENTITY" in _rejection(buf.getvalue()).errors[0].reason_en


def test_importers_refuse_hostile_workbooks_with_a_bilingual_message():
    data = _xlsx(_sheet('<row r="1"><c r="ZZZZZZ1"><v>1</v></c></row>'))
    for parse in (parse_bank_statement, parse_financials):
        with pytest.raises(ImportRejected) as exc:
            parse(data, filename="hostile.xlsx")
        err = exc.value.errors[0]
        assert "ZZZZZZ1" in err.reason_zh and "ZZZZZZ1" in err.reason_en
        assert exc.value.message_zh.startswith(exc.value.kind.label_zh)


@pytest.mark.parametrize(
    "cells",
    [
        '<c s="1" r="ZZZZZZ1"><v>1</v></c>',  # the reference is not the first attribute
        '<c x=">" r="ZZZZZZ1"><v>1</v></c>',  # a ">" inside another attribute's value
        """<c x=" r='A1'" r="ZZZZZZ1"><v>1</v></c>""",  # a look-alike reference inside a value
        '<x:c r="ZZZZZZ1"><x:v>1</x:v></x:c>',  # a namespace prefix
    ],
)
def test_references_are_read_as_a_reader_reads_them(cells):
    data = _xlsx(_sheet(f'<row r="1"><c r="A1"><v>1</v></c>{cells}</row>'))
    assert "beyond the columns allowed" in _rejection(data).errors[0].reason_en


def test_a_tag_split_across_stream_chunks_is_read_whole():
    """The scanner reads 64 KiB at a time; a tag cut in two at the boundary is still seen."""
    prefix = _sheet("")[: -len(b"</sheetData></worksheet>")]
    for pad in range(0, 40, 3):
        filler = '<row r="1"><c r="A1" t="inlineStr"><is><t>' + "x" * (64 * 1024 - len(prefix) - 60 + pad) + "</t></is></c></row>"
        data = _xlsx(_sheet(filler + '<row r="2"><c x=">" r="ZZZZZZ2"><v>1</v></c></row>'))
        assert "ZZZZZZ2" in _rejection(data).errors[0].reason_en, pad


def test_a_reference_given_twice_is_refused():
    data = _xlsx(_sheet('<row r="1"><c r="A1" r="B1"><v>1</v></c></row>'))
    assert _rejection(data).errors[0].reason_en == "a cell or row in a worksheet has two references"
