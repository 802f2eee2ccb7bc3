"""The type of a file is decided by its content: real files of each type pass, hostile ones are
refused with a reason (pure, no database)."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from smecredit.documents.content import MAX_PIXELS, FileType, detect
from tests.documents import samples


@pytest.mark.parametrize("make, kind", [
    (samples.pdf, FileType.PDF), (samples.png, FileType.PNG), (samples.jpeg, FileType.JPEG),
    (samples.xlsx, FileType.XLSX),
])
def test_real_files_of_every_accepted_type_are_recognised(make, kind):
    found = detect(make())
    assert found.file_type is kind and found.reason is None


def test_pdfs_made_by_another_writer_and_with_an_xref_stream_are_recognised():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PDF")
    assert detect(out.getvalue()).file_type is FileType.PDF
    # a PDF 1.5 cross-reference stream instead of a table
    head = b"%PDF-1.5\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    xref_at = len(head)
    stream = head + (b"2 0 obj\n<< /Type /XRef /Size 3 /Root 1 0 R /W [1 2 1] /Length 0 >>\nstream\n\nendstream\nendobj\n"
                     b"startxref\n%d\n%%%%EOF\n" % xref_at)
    assert detect(stream).file_type is FileType.PDF


def _refused(data: bytes, looks_like: str | None = None) -> str:
    found = detect(data)
    assert found.file_type is None, found
    assert found.reason is not None and found.reason.zh and found.reason.en
    if looks_like is not None:
        assert looks_like in found.looks_like
    return found.reason.en


def test_an_executable_renamed_is_named_as_what_it_is():
    exe = b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode"
    assert "executable" in _refused(exe, "EXE")
    assert "ELF" in _refused(b"\x7fELF\x02\x01\x01" + b"\x00" * 50, "ELF")


@pytest.mark.parametrize("data, why", [
    (b"%PDF-1.7\n" + b"garbage " * 100, "%%EOF"),
    (b"%PDF-1.7\n" + b"garbage " * 100 + b"\n%%EOF\n", "startxref"),
    (b"%PDF-1.7\n" + b"garbage " * 100 + b"\nstartxref\n99999999\n%%EOF\n", "outside"),
    (b"%PDF-1.7\n" + b"garbage " * 100 + b"\nstartxref\n20\n%%EOF\n", "does not point"),
    (b"%PDF-9.9\n" + b"x" * 50, "header"),
])
def test_a_pdf_header_with_garbage_behind_it_is_refused(data, why):
    assert why in _refused(data, "PDF")


def test_a_pdf_cut_short_or_without_root_is_refused():
    good = samples.pdf()
    assert "%%EOF" in _refused(good[: len(good) // 2], "PDF")
    assert "/Root" in _refused(good.replace(b"/Root", b"/Roop"), "PDF")


def test_a_truncated_or_corrupted_png_is_refused():
    good = samples.png()
    assert "cut short" in _refused(good[:-12], "PNG")  # IEND gone
    assert "cut short" in _refused(good[:40], "PNG")
    flipped = bytearray(good)
    flipped[45] ^= 0xFF  # inside IDAT: its CRC no longer matches
    assert "CRC" in _refused(bytes(flipped), "PNG")
    assert "after the IEND" in _refused(good + b"<script>alert(1)</script>", "PNG")


def test_a_png_claiming_a_huge_canvas_is_refused():
    side = int(MAX_PIXELS ** 0.5) + 10
    assert "too large" in _refused(_png_with_size(side, side), "PNG")


def _png_with_size(width: int, height: int) -> bytes:
    import zlib

    good = samples.png()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return good[:8] + chunk + good[8 + 25:]


def test_a_jpeg_without_its_end_or_with_broken_markers_is_refused():
    good = samples.jpeg()
    assert good.endswith(b"\xff\xd9")
    assert "EOI" in _refused(good[:-2], "JPEG")
    assert "cut short" in _refused(good[: len(good) // 2], "JPEG")
    assert "JPEG" in _refused(b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 20, "JPEG")
    assert "after the end-of-image" in _refused(good + b"MZ payload", "JPEG")
    # a camera's second image after EOI (MPF preview) is fine
    assert detect(good + good).file_type is FileType.JPEG


def test_a_zip_that_is_not_a_workbook_is_refused():
    plain = samples.zip_of({"readme.txt": b"hello", "data.csv": b"a,b\n1,2\n"})
    assert "[Content_Types].xml" in _refused(plain, "ZIP") or "workbook.xml" in _refused(plain)
    # a Word document is a zip with [Content_Types].xml too, but no workbook
    docx = samples.zip_of({"[Content_Types].xml": b'<Types><Override ContentType="application/vnd.openxmlformats-'
                           b'officedocument.wordprocessingml.document.main+xml"/></Types>',
                           "word/document.xml": b"<w:document/>"})
    _refused(docx, "ZIP")


def test_a_macro_enabled_workbook_is_not_an_xlsx():
    good = zipfile.ZipFile(io.BytesIO(samples.xlsx()))
    members = {name: good.read(name) for name in good.namelist()}
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"spreadsheetml.sheet.main+xml", b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    assert "macro" in _refused(samples.zip_of(members), "XLSX")


def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked():
    assert "zip bomb" in _refused(samples.xlsx_bomb(), "XLSX")


def test_an_xlsx_whose_member_lies_about_its_size_is_refused():
    good = samples.xlsx()
    zf = zipfile.ZipFile(io.BytesIO(good))
    info = zf.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(good)
    # shrink the declared size in the central directory: the stream then runs past it
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46: pos + 46 + name_len] == info.filename.encode():
            struct.pack_into("<I", data, pos + 24, 10)
            break
        pos = data.find(b"PK\x01\x02", pos + 4)
    assert pos != -1
    assert "declares" in _refused(bytes(data), "XLSX")


@pytest.mark.parametrize("make", [samples.pdf, samples.png, samples.jpeg])
def test_a_polyglot_with_a_zip_appended_is_refused(make):
    assert "polyglot" in _refused(make() + samples.xlsx(), None)


def test_empty_and_unknown_content_is_refused():
    assert _refused(b"", "unknown")
    assert _refused(b"just some text, named invoice.pdf", "unknown")
    assert "GIF" in _refused(b"GIF89a" + b"\x00" * 20, "GIF")
